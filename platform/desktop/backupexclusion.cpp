// excludeFromBackup() on the desktop (platform/backupexclusion.h): a CACHEDIR.TAG file, the Cache
// Directory Tagging Specification (https://bford.info/cachedir/): its first 43 bytes are the
// signature below. Backup tools that honour it skip the folder; those that do not are the
// user's to configure (the README says so).

#include "backupexclusion.h"

#include "store/atomicfile.h"

#include <QDir>
#include <QFile>

namespace liaison::platform {

namespace {
constexpr QByteArrayView kCacheDirTag =
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by Liaison.\n"
    "# Liaison's encrypted data is kept out of backups on purpose: HQ holds the records, and a\n"
    "# new device is enrolled again.\n";
}

Status excludeFromBackup(const QString &directory)
{
    if (!QDir().mkpath(directory))
        return fail(Errc::Io, QStringLiteral("cannot create %1").arg(directory));
    QFile::setPermissions(directory, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    const QString tag = QDir(directory).filePath(QStringLiteral("CACHEDIR.TAG"));
    QFile existing(tag);
    if (existing.open(QIODevice::ReadOnly) && existing.read(43) == kCacheDirTag.first(43))
        return {};
    return store::writeFileAtomically(tag, kCacheDirTag, 0600);
}

} // namespace liaison::platform
