#pragma once

#include "error.h"

#include <QByteArrayView>
#include <QString>

namespace liaison::store {

// Write bytes so that after a crash the path holds either the old or the new content, never a
// mix: temp file in the same directory, write, fsync, rename over, fsync the directory.
// `mode` is applied to the temp file before any byte is written (0600 for secrets).
[[nodiscard]] Status writeFileAtomically(const QString &path, QByteArrayView bytes,
                                         int mode = 0600);
// Temp file and rename like writeFileAtomically, but without waiting for the disk: after a
// power cut the path holds the old content, the new one, or (rarely) an empty file. Only for
// records where the old content is the safe side.
[[nodiscard]] Status writeFileReplacingRelaxed(const QString &path, QByteArrayView bytes,
                                               int mode = 0600);
// The two halves of writeFileAtomically, for callers that must act between them (the vault's
// passphrase change): write and fsync `tempPath` (created with `mode`), then rename it over
// `path` and fsync the directory.
[[nodiscard]] Status writeFileDurably(const QString &tempPath, QByteArrayView bytes,
                                      int mode = 0600);
[[nodiscard]] Status renameDurably(const QString &from, const QString &to);
// fsync a directory so a rename or unlink in it is durable.
[[nodiscard]] Status syncDirectory(const QString &dirPath);
// Overwrite a file's bytes with zeros, fsync, unlink, fsync the directory. Absent is fine.
[[nodiscard]] Status overwriteAndRemove(const QString &path);
// Read a whole small file. Errc::NotFound when absent.
[[nodiscard]] Result<QByteArray> readSmallFile(const QString &path, qint64 maxBytes = 1 << 20);

} // namespace liaison::store
