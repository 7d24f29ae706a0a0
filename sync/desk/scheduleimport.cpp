#include "desk/scheduleimport.h"

#include <algorithm>

namespace liaison::desk {

Result<ImportOutcome> importSchedule(DeskStore &desk, const imports::CalendarSheet &sheet,
                                     const ImportOptions &options)
{
    return importRecords(desk, model::RecordType::ScheduleItem, sheet.rows, sheet.problems, options,
                         QStringLiteral("schedule.import"));
}

Result<QList<model::RecordState>> liveScheduleItems(DeskStore &desk, const QStringList &scopes)
{
    auto out = liveRecords(desk, model::RecordType::ScheduleItem, scopes);
    if (!out)
        return out;
    std::stable_sort(out->begin(), out->end(),
                     [](const model::RecordState &a, const model::RecordState &b) {
                         const qint64 x = a.fields.value(QStringLiteral("start")).value.toInteger();
                         const qint64 y = b.fields.value(QStringLiteral("start")).value.toInteger();
                         return x != y ? x < y : a.id < b.id;
                     });
    return out;
}

} // namespace liaison::desk
