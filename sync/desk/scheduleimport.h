#pragma once

// Visit schedules into the desk store (issue 10 "Imports that survive real files"; DESIGN.md
// "Data": ScheduleItem, HQ only). An iCalendar sheet (imports/icalendar.h) is applied by the rules
// of recordimport.h: all-or-nothing unless skipBad, dryRun rolls back, one transaction, and the
// stable keys (UID, plus the occurrence's start for a recurring event) make a second import of the
// same file change nothing. An import never deletes: a cancelled event or occurrence is a record
// with status "cancelled".

#include "desk/recordimport.h"
#include "imports/icalendar.h"

namespace liaison::desk {

[[nodiscard]] Result<ImportOutcome>
importSchedule(DeskStore &desk, const imports::CalendarSheet &sheet, const ImportOptions &options);

// The live schedule items of the scopes (all scopes when empty), by start.
[[nodiscard]] Result<QList<model::RecordState>> liveScheduleItems(DeskStore &desk,
                                                                  const QStringList &scopes);

} // namespace liaison::desk
