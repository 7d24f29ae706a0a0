#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace liaison::test {

// Every encoding a canary could take on disk: raw UTF-8, hex, base64, UTF-16LE/BE.
QList<QByteArray> canaryEncodings(const QString &canary);
// Names of the files (among path, -wal, -shm, -journal) that contain any encoding of any canary.
QStringList filesContainingCanaries(const QString &databasePath, const QStringList &canaries);
// Path of a sibling test binary or helper in the build tree.
QString buildPath(const QString &relative);

} // namespace liaison::test
