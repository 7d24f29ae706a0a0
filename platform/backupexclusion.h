#pragma once

// Keeps a data folder (the vault: database, WAL, key file; the software key store) out of backups
// (issue 12 "Backups"; security review M-5). The platform implements it (platform/<os>/):
//  - desktop: a CACHEDIR.TAG in the folder (the Cache Directory Tagging Specification, honoured
//    by tar --exclude-caches, Borg, restic, Déjà Dup's default filters and others);
//  - iOS: NSURLIsExcludedFromBackupKey on the folder (iCloud and computer backups);
//  - Android: nothing per folder; the manifest's allowBackup="false" and data extraction rules
//    exclude all app data.
// Creates the folder (0700) if it does not exist.

#include "error.h"

#include <QString>

namespace liaison::platform {

[[nodiscard]] Status excludeFromBackup(const QString &directory);

} // namespace liaison::platform
