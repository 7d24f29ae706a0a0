#include "desk/deskactivity.h"

#include "model/records.h"
#include "streams/streamtypes.h"

namespace liaison::desk {

Result<ActivityCounts> activityCounts(DeskStore &desk)
{
    ActivityCounts c;
    auto st = desk.database().prepare(
        "SELECT type, count(*) FROM rec_record WHERE tombstone IS NULL AND type IN (?1, ?2, ?3) "
        "GROUP BY type");
    if (!st)
        return std::unexpected(st.error());
    st->bind(1, int(model::RecordType::Acknowledgement))
        .bind(2, int(model::RecordType::FieldReport))
        .bind(3, int(model::RecordType::CheckIn));
    for (;;) {
        auto row = st->step();
        if (!row)
            return std::unexpected(row.error());
        if (!*row)
            break;
        const auto type = model::RecordType(st->columnInt64(0));
        const qint64 n = st->columnInt64(1);
        if (type == model::RecordType::Acknowledgement)
            c.acknowledgements = n;
        else if (type == model::RecordType::FieldReport)
            c.reports = n;
        else if (type == model::RecordType::CheckIn)
            c.checkIns = n;
    }
    auto alarms = desk.database().queryInt64("SELECT count(*) FROM stream_alarm");
    if (!alarms)
        return std::unexpected(alarms.error());
    c.alarms = *alarms;
    auto held = desk.fanout().heldDeletes();
    if (!held)
        return std::unexpected(held.error());
    c.held = held->size();
    return c;
}

Result<qint64> rejectsSince(DeskStore &desk, qint64 sinceMs)
{
    auto st = desk.database().prepare(
        "SELECT count(*) FROM stream_outbox WHERE kind = ?1 AND created_ms >= ?2");
    if (!st)
        return std::unexpected(st.error());
    st->bind(1, int(streams::Kind::Reject)).bind(2, sinceMs);
    auto row = st->step();
    if (!row)
        return std::unexpected(row.error());
    return *row ? st->columnInt64(0) : 0;
}

Status createAlarmAckTable(store::Database &db)
{
    return db.execute("CREATE TABLE desk_alarm_ack (alarm_id INTEGER PRIMARY KEY, "
                      "at_ms INTEGER NOT NULL, officer TEXT NOT NULL)");
}

Result<QList<DeskAlarm>> deskAlarms(DeskStore &desk)
{
    auto st = desk.database().prepare(
        "SELECT a.id, a.type, a.peer, a.direction, a.epoch, a.seq, a.count, a.at_ms, "
        "k.at_ms, k.officer FROM stream_alarm a LEFT JOIN desk_alarm_ack k ON k.alarm_id = a.id "
        "ORDER BY a.id DESC");
    if (!st)
        return std::unexpected(st.error());
    QList<DeskAlarm> out;
    for (;;) {
        auto row = st->step();
        if (!row)
            return std::unexpected(row.error());
        if (!*row)
            break;
        DeskAlarm d;
        d.alarm.id = st->columnInt64(0);
        d.alarm.type = streams::AlarmType(st->columnInt64(1));
        if (auto peer = crypto::Id16::fromBytes(st->columnBlob(2)))
            d.alarm.peer = *peer;
        d.alarm.direction = streams::Direction(st->columnInt64(3));
        d.alarm.epoch = std::uint32_t(st->columnInt64(4));
        d.alarm.seq = std::uint64_t(st->columnInt64(5));
        d.alarm.count = st->columnInt64(6);
        d.alarm.atMs = st->columnInt64(7);
        if (!st->columnIsNull(8)) {
            d.acknowledgedMs = st->columnInt64(8);
            d.acknowledgedBy = st->columnText(9);
        }
        out.append(d);
    }
    return out;
}

Status acknowledgeAlarm(DeskStore &desk, qint64 alarmId)
{
    store::Transaction tx(desk.database());
    if (auto s = tx.begin(); !s)
        return s;
    auto has = desk.database().prepare(
        "SELECT (SELECT count(*) FROM stream_alarm WHERE id = ?1), "
        "(SELECT count(*) FROM desk_alarm_ack WHERE alarm_id = ?1)");
    if (!has)
        return std::unexpected(has.error());
    has->bind(1, alarmId);
    auto row = has->step();
    if (!row)
        return std::unexpected(row.error());
    if (!*row || has->columnInt64(0) == 0)
        return fail(Errc::NotFound, QStringLiteral("no alarm %1").arg(alarmId));
    if (has->columnInt64(1) != 0)
        return fail(Errc::AlreadyExists,
                    QStringLiteral("alarm %1 was acknowledged already").arg(alarmId));
    auto st = desk.database().prepare(
        "INSERT INTO desk_alarm_ack (alarm_id, at_ms, officer) VALUES (?1, ?2, ?3)");
    if (!st)
        return std::unexpected(st.error());
    const QString who = desk.officer().isEmpty() ? QStringLiteral("desk") : desk.officer();
    if (auto s = st->bind(1, alarmId).bind(2, qint64(desk.clock().wallMs())).bind(3, who).exec();
        !s)
        return s;
    if (auto s = desk.audit(QStringLiteral("alarm.ack"), QString::number(alarmId)); !s)
        return s;
    return tx.commit();
}

} // namespace liaison::desk
