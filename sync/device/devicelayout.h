#pragma once

// Where an enrolled device keeps its files on a desktop (DESIGN.md "Keys"): one directory DIR with
//   DIR/vault/      the vault (key file, SQLCipher database, lockout file) and the plain wipe
//                   file wipe.target (wipefile.h)
//   DIR/keystore/   the software key store (platform/desktop/softwarekeystore.h): the pepper and
//                   the wipe-ack secret key
// This is what `liaison --vault DIR/vault` opens: without --keystore the app takes the key store
// beside the vault directory (app/launchoptions.cpp). liaison-device writes and reads it.

#include <QDir>
#include <QString>

namespace liaison::device {

struct DeviceLayout
{
    QString root;

    [[nodiscard]] QString vaultDir() const { return QDir(root).filePath(QStringLiteral("vault")); }
    [[nodiscard]] QString keyStoreDir() const
    {
        return QDir(root).filePath(QStringLiteral("keystore"));
    }
};

} // namespace liaison::device
