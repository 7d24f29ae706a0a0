// excludeFromBackup() on Android (platform/backupexclusion.h): nothing to do per folder. The
// manifest's allowBackup="false" and res/xml/data_extraction_rules.xml exclude the whole app
// data (files, databases, shared preferences) from cloud backup and device-to-device transfer.

#include "backupexclusion.h"

namespace liaison::platform {

Status excludeFromBackup(const QString &directory)
{
    Q_UNUSED(directory);
    return {};
}

} // namespace liaison::platform
