#include "hq/hqrejects.h"
#include "errorforward.h"

#include "model/records.h"

namespace liaison::hq {

using model::RejectReason;

Status HqRejects::migration(store::Database &db)
{
    return db.execute(R"sql(
CREATE TABLE hq_reject (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    device BLOB NOT NULL CHECK (length(device) = 16),
    record BLOB NOT NULL CHECK (length(record) = 16),
    type INTEGER NOT NULL,
    scope TEXT NOT NULL,
    reason INTEGER NOT NULL,
    detail TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    dismissed_ms INTEGER
);
CREATE INDEX hq_reject_at ON hq_reject(at_ms);
)sql");
}

Status HqRejects::migrationPerDevice(store::Database &db)
{
    return db.execute("CREATE INDEX hq_reject_device ON hq_reject(device, id)");
}

bool HqRejects::worthALook(RejectReason reason)
{
    return reason != RejectReason::DeviceNotActive && reason != RejectReason::DeleteRefused;
}

QString HqRejects::describe(const model::Operation &op, RejectReason reason)
{
    const QString type = QString::fromLatin1(model::recordTypeName(op.type));
    const QString what = op.tombstone ? QStringLiteral("deletion of a %1").arg(type)
                                      : QStringLiteral("write to a %1").arg(type);
    switch (reason) {
    case RejectReason::HqOnlyType:
        return QStringLiteral("%1: only HQ writes these").arg(what);
    case RejectReason::NotOwner:
        return QStringLiteral("%1 another device wrote: only its author may").arg(what);
    case RejectReason::OutOfScope:
        return QStringLiteral("%1 in %2: the device is not a member").arg(what, op.scope);
    case RejectReason::ClockAhead:
        return QStringLiteral("%1 stamped over 10 minutes ahead of HQ's clock").arg(what);
    case RejectReason::OriginNotSender:
        return QStringLiteral("%1 stamped with another device's origin").arg(what);
    case RejectReason::Invalid:
        return QStringLiteral("%1 that fails the schema").arg(what);
    case RejectReason::Deleted:
        return QStringLiteral("%1 deleted at HQ").arg(what);
    case RejectReason::Quota:
        return QStringLiteral("%1 over the device's operation quota").arg(what);
    case RejectReason::DeleteRefused:
        return QStringLiteral("%1: the desk refused it").arg(what);
    case RejectReason::ScopeChanged:
        return QStringLiteral("%1 HQ has with another type or scope").arg(what);
    case RejectReason::DeviceNotActive:
        return QStringLiteral("%1 from a revoked or wipe-only device").arg(what);
    }
    return what;
}

Result<qint64> HqRejects::record(const Id16 &device, const model::Operation &op,
                                 RejectReason reason, qint64 atMs)
{
    auto q = m_db.prepare("INSERT INTO hq_reject(device, record, type, scope, reason, detail, "
                          "at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (!q)
        return forwardError(q);
    q->bind(1, device.view()).bind(2, op.recordId.view()).bind(3, qint64(op.type));
    q->bind(4, op.scope.isNull() ? QStringLiteral("") : op.scope).bind(5, qint64(reason));
    q->bind(6, describe(op, reason)).bind(7, atMs);
    if (auto s = q->exec(); !s)
        return std::unexpected(s.error());
    const qint64 id = m_db.lastInsertRowId();
    auto prune = m_db.prepare("DELETE FROM hq_reject WHERE device = ?1 AND id <= (SELECT id FROM "
                              "hq_reject WHERE device = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)");
    if (!prune)
        return forwardError(prune);
    prune->bind(1, device.view()).bind(2, qint64(kKeptPerDevice));
    if (auto s = prune->exec(); !s)
        return std::unexpected(s.error());
    return id;
}

Result<qint64> HqRejects::countFor(const Id16 &device) const
{
    auto q = m_db.prepare("SELECT count(*) FROM hq_reject WHERE device = ?1");
    if (!q)
        return forwardError(q);
    q->bind(1, device.view());
    auto has = q->step();
    if (!has)
        return forwardError(has);
    return *has ? q->columnInt64(0) : 0;
}

Result<QList<RejectEntry>> HqRejects::select(const char *where, qint64 arg) const
{
    const QByteArray sql = QByteArray("SELECT id, device, record, type, scope, reason, detail, "
                                      "at_ms, dismissed_ms FROM hq_reject ") +
                           where;
    auto q = m_db.prepare(sql.constData());
    if (!q)
        return forwardError(q);
    q->bind(1, arg);
    QList<RejectEntry> out;
    for (;;) {
        auto has = q->step();
        if (!has)
            return forwardError(has);
        if (!*has)
            break;
        RejectEntry e;
        e.id = q->columnInt64(0);
        const auto device = Id16::fromBytes(q->columnBlob(1));
        const auto record = model::RecordId::fromBytes(q->columnBlob(2));
        if (!device || !record)
            return fail(Errc::Tampered, QStringLiteral("hq rejects: damaged row"));
        e.device = *device;
        e.record = *record;
        e.type = model::RecordType(q->columnInt64(3));
        e.scope = q->columnText(4);
        e.reason = RejectReason(q->columnInt64(5));
        e.detail = q->columnText(6);
        e.atMs = q->columnInt64(7);
        e.dismissedMs = q->columnIsNull(8) ? 0 : q->columnInt64(8);
        out.append(std::move(e));
    }
    return out;
}

Result<QList<RejectEntry>> HqRejects::open(qint64 sinceMs) const
{
    auto all = select("WHERE at_ms >= ?1 AND dismissed_ms IS NULL ORDER BY id", sinceMs);
    if (!all)
        return all;
    all->removeIf([](const RejectEntry &e) { return !worthALook(e.reason); });
    return all;
}

Result<std::optional<RejectEntry>> HqRejects::find(qint64 id) const
{
    if (id <= 0)
        return std::optional<RejectEntry>();
    auto rows = select("WHERE id = ?1", id);
    if (!rows)
        return forwardError(rows);
    if (rows->isEmpty())
        return std::optional<RejectEntry>();
    return std::optional<RejectEntry>(rows->front());
}

Status HqRejects::dismiss(qint64 id, qint64 nowMs)
{
    auto found = find(id);
    if (!found)
        return std::unexpected(found.error());
    if (!*found)
        return fail(Errc::NotFound, QStringLiteral("no REJECT %1 (review list)").arg(id));
    if ((*found)->dismissedMs != 0)
        return fail(Errc::AlreadyExists, QStringLiteral("REJECT %1 was dismissed before").arg(id));
    auto q = m_db.prepare("UPDATE hq_reject SET dismissed_ms = ?2 WHERE id = ?1");
    if (!q)
        return forwardError(q);
    q->bind(1, id).bind(2, nowMs);
    return q->exec();
}

} // namespace liaison::hq
