#pragma once

// What the devices sent to the desk and what the desk must look at (DESIGN.md "Data":
// Acknowledgement, FieldReport, CheckIn; "Streams": alarms), read from the desk store for
// `liaison-hq sync` (its summary), `acks`, `reports`, `checkins` and `alarms`.
//
//  desk_alarm_ack  alarm id (stream_alarm) -> who acknowledged it at the desk and when; the
//                  alarms themselves are the stream layer's (raised in the transaction that saw
//                  the fault) and are never changed here.

#include "desk/deskstore.h"
#include "streams/alarm.h"

namespace liaison::desk {

// Running totals; `sync` prints the difference a round made.
struct ActivityCounts
{
    qint64 acknowledgements = 0; // Acknowledgement records (live)
    qint64 reports = 0;          // FieldReport records (live)
    qint64 checkIns = 0;         // CheckIn records (live)
    qint64 alarms = 0;           // every alarm raised at HQ
    qint64 held = 0;             // deletions held for the desk (review list)
};
[[nodiscard]] Result<ActivityCounts> activityCounts(DeskStore &desk);
// REJECTs HQ sealed since `sinceMs` (HQ's clock).
[[nodiscard]] Result<qint64> rejectsSince(DeskStore &desk, qint64 sinceMs);

// The desk_alarm_ack table (DeskStore's migrations append it).
[[nodiscard]] Status createAlarmAckTable(store::Database &db);

struct DeskAlarm
{
    streams::Alarm alarm;
    qint64 acknowledgedMs = 0; // 0: open
    QString acknowledgedBy;
};
// Every alarm, newest first.
[[nodiscard]] Result<QList<DeskAlarm>> deskAlarms(DeskStore &desk);
// NotFound for an unknown id; AlreadyExists when it was acknowledged before.
[[nodiscard]] Status acknowledgeAlarm(DeskStore &desk, qint64 alarmId);

} // namespace liaison::desk
