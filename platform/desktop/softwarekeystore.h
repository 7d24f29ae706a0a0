#pragma once

#include "vault/keystore.h"

#include <QString>

namespace liaison::platform {

// WEAKER THAN A PLATFORM KEY STORE. The pepper is kept in a 0600 file in its own directory, so
// anyone who copies that directory together with the vault has the pepper; only the passphrase
// and Argon2id then stand in the way. Used on desktops with no Secret Service, and in tests.
class SoftwareKeyStore final : public vault::KeyStore
{
public:
    explicit SoftwareKeyStore(QString directory);

    [[nodiscard]] QString description() const override;
    [[nodiscard]] vault::KeyStoreKind kind() const override
    {
        return vault::KeyStoreKind::SoftwareFile;
    }
    [[nodiscard]] Result<crypto::SecretBytes> read(const QString &alias) override;
    [[nodiscard]] Status write(const QString &alias, QByteArrayView secret) override;
    [[nodiscard]] Status writeRelaxed(const QString &alias, QByteArrayView secret) override;
    [[nodiscard]] Status remove(const QString &alias) override;

private:
    [[nodiscard]] Result<QString> pathFor(const QString &alias) const;
    QString m_directory;
};

} // namespace liaison::platform
