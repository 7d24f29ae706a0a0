#pragma once

#include <QByteArray>
#include <QMap>
#include <QString>
#include <QStringList>

namespace liaison::test {

// Every encoding a canary could take on disk: raw UTF-8, hex, base64, UTF-16LE/BE.
QList<QByteArray> canaryEncodings(const QString &canary);
// Names of the files (among path, -wal, -shm, -journal) that contain any encoding of any canary.
QStringList filesContainingCanaries(const QString &databasePath, const QStringList &canaries);
// Path of a sibling test binary or helper in the build tree.
QString buildPath(const QString &relative);

// Bytes and modification time (ns) of a database file and its -wal, -shm and -journal siblings,
// to prove that a refused operation created or changed nothing. Absent files are absent keys.
struct FileState
{
    QByteArray bytes;
    qint64 mtimeNs = 0;
    friend bool operator==(const FileState &, const FileState &) = default;
};
QMap<QString, FileState> snapshotDatabaseFiles(const QString &databasePath);
// Same for any list of paths.
QMap<QString, FileState> snapshotFiles(const QStringList &paths);
// XOR one byte of a file in place.
bool flipByte(const QString &path, qint64 offset, char mask = 0x01);

} // namespace liaison::test
