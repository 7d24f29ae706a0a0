#include "device/fieldreports.h"

#include "model/records.h"

#include <QCborArray>

#include <cmath>

namespace liaison::device {

namespace {

QCborValue positionValue(const SentPosition &p)
{
    return QCborArray{qint64(std::llround(p.latitude * 1e7)),
                      qint64(std::llround(p.longitude * 1e7))};
}

Status checkPosition(const std::optional<SentPosition> &p)
{
    if (p && !(std::abs(p->latitude) <= 90 && std::abs(p->longitude) <= 180 && p->fixTimeMs > 0))
        return fail(Errc::InvalidArgument, QStringLiteral("the position is out of range"));
    return {};
}

} // namespace

Result<QString> reportScope(const model::RecordStore &records,
                            const std::optional<model::RecordId> &related)
{
    if (related) {
        auto r = records.record(*related);
        if (!r)
            return std::unexpected(r.error());
        if (!*r || (*r)->deleted)
            return fail(Errc::NotFound, QStringLiteral("the linked record is not on this device"));
        return (*r)->scope;
    }
    const QStringList scopes = records.scopes();
    for (const QString &scope : scopes) {
        if (scope.startsWith(QLatin1String("post:")))
            return scope;
    }
    if (scopes.isEmpty())
        return fail(Errc::NotFound, QStringLiteral("this device holds no scope to report to"));
    return scopes.first();
}

Result<model::RecordId> queueFieldReport(model::RecordStore &records, const QString &text,
                                         qint64 timeMs, const std::optional<SentPosition> &position,
                                         const std::optional<model::RecordId> &related)
{
    const QString body = text.trimmed();
    if (body.isEmpty())
        return fail(Errc::InvalidArgument, QStringLiteral("the report is empty"));
    if (auto s = checkPosition(position); !s)
        return std::unexpected(s.error());
    auto scope = reportScope(records, related);
    if (!scope)
        return std::unexpected(scope.error());
    model::FieldMap fields;
    fields.insert(QStringLiteral("text"), body);
    fields.insert(QStringLiteral("time"), timeMs);
    if (position) {
        fields.insert(QStringLiteral("position"), positionValue(*position));
        fields.insert(QStringLiteral("fixTime"), position->fixTimeMs);
    }
    if (related)
        fields.insert(QStringLiteral("related"), related->toByteArray());
    auto op = records.create(model::RecordType::FieldReport, *scope, std::move(fields));
    if (!op)
        return std::unexpected(op.error());
    return op->recordId;
}

Result<model::RecordId> queueCheckIn(model::RecordStore &records,
                                     const model::RecordId &scheduleItem, qint64 timeMs,
                                     const std::optional<SentPosition> &position)
{
    if (auto s = checkPosition(position); !s)
        return std::unexpected(s.error());
    auto item = records.record(scheduleItem);
    if (!item)
        return std::unexpected(item.error());
    if (!*item || (*item)->deleted || (*item)->type != model::RecordType::ScheduleItem)
        return fail(Errc::NotFound, QStringLiteral("the visit item is not on this device"));
    model::FieldMap fields;
    fields.insert(QStringLiteral("scheduleItem"), scheduleItem.toByteArray());
    fields.insert(QStringLiteral("time"), timeMs);
    if (position) {
        fields.insert(QStringLiteral("position"), positionValue(*position));
        fields.insert(QStringLiteral("fixTime"), position->fixTimeMs);
    }
    auto op = records.create(model::RecordType::CheckIn, (*item)->scope, std::move(fields));
    if (!op)
        return std::unexpected(op.error());
    return op->recordId;
}

Result<Delivery> deliveryOf(const model::RecordStore &records, const model::RecordId &id,
                            bool envelopesPending)
{
    auto pending = records.pendingOutbox();
    if (!pending)
        return std::unexpected(pending.error());
    for (const model::OutboxEntry &e : *pending) {
        if (e.op.recordId == id)
            return Delivery::Queued;
    }
    return envelopesPending ? Delivery::Queued : Delivery::Sent;
}

} // namespace liaison::device
