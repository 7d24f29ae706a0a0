// excludeFromBackup() on iOS (platform/backupexclusion.h): NSURLIsExcludedFromBackupKey on the
// folder, so iCloud and computer backups skip it and everything in it.

#include "backupexclusion.h"

#include <QDir>
#include <QFile>

#import <Foundation/Foundation.h>

namespace liaison::platform {

Status excludeFromBackup(const QString &directory)
{
    if (!QDir().mkpath(directory))
        return fail(Errc::Io, QStringLiteral("cannot create %1").arg(directory));
    QFile::setPermissions(directory, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
    @autoreleasepool {
        NSURL *url = [NSURL fileURLWithPath:directory.toNSString() isDirectory:YES];
        NSError *error = nil;
        if (![url setResourceValue:@YES forKey:NSURLIsExcludedFromBackupKey error:&error])
            return fail(Errc::Io,
                        QStringLiteral("cannot exclude %1 from backups: %2")
                            .arg(directory, QString::fromNSString(error.localizedDescription)));
    }
    return {};
}

} // namespace liaison::platform
