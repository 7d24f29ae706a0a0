#include "hq/helddeletes.h"
#include "errorforward.h"

namespace liaison::hq {

using store::Statement;

Status HeldDeletes::migration(store::Database &db)
{
    return db.execute(R"sql(
CREATE TABLE hq_creator (
    record BLOB PRIMARY KEY CHECK (length(record) = 16),
    device BLOB NOT NULL CHECK (length(device) = 16)
) WITHOUT ROWID;
CREATE TABLE hq_held_delete (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    device BLOB NOT NULL CHECK (length(device) = 16),
    record BLOB NOT NULL CHECK (length(record) = 16),
    scope TEXT NOT NULL,
    op BLOB NOT NULL,
    received_ms INTEGER NOT NULL
);
CREATE INDEX hq_held_delete_record ON hq_held_delete(record);
)sql");
}

Result<std::optional<Id16>> HeldDeletes::creator(const model::RecordId &record) const
{
    auto q = m_db.prepare("SELECT device FROM hq_creator WHERE record = ?1");
    if (!q)
        return forwardError(q);
    q->bind(1, record.view());
    auto has = q->step();
    if (!has)
        return forwardError(has);
    if (!*has)
        return std::optional<Id16>();
    return Id16::fromBytes(q->columnBlob(0));
}

Status HeldDeletes::setCreator(const model::RecordId &record, const Id16 &device)
{
    auto q = m_db.prepare("INSERT OR IGNORE INTO hq_creator(record, device) VALUES (?1, ?2)");
    if (!q)
        return forwardError(q);
    q->bind(1, record.view()).bind(2, device.view());
    return q->exec();
}

Result<qint64> HeldDeletes::hold(const Id16 &device, const model::Operation &op, qint64 receivedMs)
{
    if (!op.tombstone)
        return fail(Errc::InvalidArgument, QStringLiteral("held deletes: not a tombstone"));
    auto q = m_db.prepare("INSERT INTO hq_held_delete(device, record, scope, op, received_ms) "
                          "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (!q)
        return forwardError(q);
    q->bind(1, device.view()).bind(2, op.recordId.view()).bind(3, op.scope);
    q->bind(4, op.encode()).bind(5, receivedMs);
    if (auto s = q->exec(); !s)
        return std::unexpected(s.error());
    return m_db.lastInsertRowId();
}

Result<QList<HeldDelete>> HeldDeletes::select(const char *where, qint64 id) const
{
    const QByteArray sql =
        QByteArray("SELECT id, device, record, scope, op, received_ms FROM hq_held_delete ") +
        where;
    auto q = m_db.prepare(sql.constData());
    if (!q)
        return forwardError(q);
    if (id != 0)
        q->bind(1, id);
    QList<HeldDelete> out;
    for (;;) {
        auto has = q->step();
        if (!has)
            return forwardError(has);
        if (!*has)
            break;
        HeldDelete h;
        h.id = q->columnInt64(0);
        const auto device = Id16::fromBytes(q->columnBlob(1));
        const auto record = model::RecordId::fromBytes(q->columnBlob(2));
        auto op = model::Operation::decode(q->columnBlob(4));
        if (!device || !record || !op || !op->tombstone || op->recordId != *record)
            return fail(Errc::Tampered, QStringLiteral("held deletes: damaged row"));
        h.device = *device;
        h.record = *record;
        h.scope = q->columnText(3);
        h.op = std::move(*op);
        h.receivedMs = q->columnInt64(5);
        out.append(std::move(h));
    }
    return out;
}

Result<QList<HeldDelete>> HeldDeletes::list() const
{
    return select("ORDER BY id", 0);
}

Result<std::optional<HeldDelete>> HeldDeletes::find(qint64 id) const
{
    if (id <= 0)
        return std::optional<HeldDelete>();
    auto rows = select("WHERE id = ?1", id);
    if (!rows)
        return forwardError(rows);
    if (rows->isEmpty())
        return std::optional<HeldDelete>();
    return std::optional<HeldDelete>(rows->front());
}

Status HeldDeletes::drop(qint64 id)
{
    auto q = m_db.prepare("DELETE FROM hq_held_delete WHERE id = ?1");
    if (!q)
        return forwardError(q);
    q->bind(1, id);
    return q->exec();
}

Status HeldDeletes::dropRecord(const model::RecordId &record)
{
    auto q = m_db.prepare("DELETE FROM hq_held_delete WHERE record = ?1");
    if (!q)
        return forwardError(q);
    q->bind(1, record.view());
    return q->exec();
}

} // namespace liaison::hq
