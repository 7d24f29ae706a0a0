#include "model/payloads.h"
#include "errorforward.h"

#include "protocol/body.h"

#include <QCborArray>
#include <QCborMap>

namespace liaison::model {

namespace {
Result<QCborMap> asMap(const QCborValue &value, const char *what)
{
    if (!value.isMap())
        return fail(Errc::Malformed, QStringLiteral("%1: not a map").arg(QLatin1StringView(what)));
    return value.toMap();
}
} // namespace

Status validateOperationMap(const QCborMap &op)
{
    auto decoded = Operation::fromCbor(op);
    if (!decoded)
        return std::unexpected(decoded.error());
    return {};
}

QCborArray operationsToCbor(const QList<Operation> &ops)
{
    QCborArray a;
    for (const Operation &op : ops)
        a.append(op.toCbor());
    return a;
}

Result<QList<Operation>> operationsFromCbor(const QCborValue &value)
{
    if (!value.isArray())
        return fail(Errc::Malformed, QStringLiteral("operations: not an array"));
    const QCborArray a = value.toArray();
    QList<Operation> ops;
    ops.reserve(a.size());
    for (const QCborValue &v : a) {
        auto op = Operation::fromCbor(v);
        if (!op)
            return std::unexpected(op.error());
        ops.append(std::move(*op));
    }
    return ops;
}

QList<QList<Operation>> chunkOperations(const QList<Operation> &ops, qsizetype maxBytes)
{
    QList<QList<Operation>> chunks(1);
    qsizetype size = 0;
    for (const Operation &op : ops) {
        const qsizetype n = op.encode().size() + 1;
        if (!chunks.last().isEmpty() && size + n > maxBytes) {
            chunks.append(QList<Operation>());
            size = 0;
        }
        chunks.last().append(op);
        size += n;
    }
    return chunks;
}

// ---- DELTA ----

QCborMap DeltaPayload::toCbor() const
{
    return protocol::DeltaPayload{operationsToCbor(ops)}.toCbor();
}

Result<DeltaPayload> DeltaPayload::fromCbor(const QCborValue &value)
{
    auto map = asMap(value, "delta");
    if (!map)
        return forwardError(map);
    auto wire = protocol::DeltaPayload::fromCbor(*map);
    if (!wire)
        return forwardError(wire);
    auto ops = operationsFromCbor(wire->ops);
    if (!ops)
        return forwardError(ops);
    if (ops->isEmpty())
        return fail(Errc::Malformed, QStringLiteral("delta: no operations"));
    return DeltaPayload{std::move(*ops)};
}

// ---- SCOPE_JOIN ----

QCborMap ScopeJoinPayload::toCbor() const
{
    protocol::ScopeJoinPayload wire;
    wire.scope = scope;
    wire.part = std::uint32_t(part);
    wire.parts = std::uint32_t(parts);
    wire.ops = operationsToCbor(ops);
    return wire.toCbor();
}

Result<ScopeJoinPayload> ScopeJoinPayload::fromCbor(const QCborValue &value)
{
    auto map = asMap(value, "scope join");
    if (!map)
        return forwardError(map);
    auto wire = protocol::ScopeJoinPayload::fromCbor(*map);
    if (!wire)
        return forwardError(wire);
    if (!isValidScope(wire->scope))
        return fail(Errc::Malformed, QStringLiteral("scope join: scope"));
    auto ops = operationsFromCbor(wire->ops);
    if (!ops)
        return forwardError(ops);
    for (const Operation &op : *ops) {
        if (op.scope != wire->scope)
            return fail(Errc::Malformed,
                        QStringLiteral("scope join: operation from another scope"));
    }
    return ScopeJoinPayload{wire->scope, int(wire->part), int(wire->parts), std::move(*ops)};
}

// ---- SCOPE_LEAVE ----

QCborMap ScopeLeavePayload::toCbor() const
{
    return protocol::ScopeLeavePayload{scope}.toCbor();
}

Result<ScopeLeavePayload> ScopeLeavePayload::fromCbor(const QCborValue &value)
{
    auto map = asMap(value, "scope leave");
    if (!map)
        return forwardError(map);
    auto wire = protocol::ScopeLeavePayload::fromCbor(*map);
    if (!wire)
        return forwardError(wire);
    if (!isValidScope(wire->scope))
        return fail(Errc::Malformed, QStringLiteral("scope leave: scope"));
    return ScopeLeavePayload{wire->scope};
}

// ---- REJECT ----

const char *rejectReasonName(RejectReason reason)
{
    switch (reason) {
    case RejectReason::HqOnlyType:
        return "hq-only-type";
    case RejectReason::NotOwner:
        return "not-owner";
    case RejectReason::OutOfScope:
        return "out-of-scope";
    case RejectReason::ClockAhead:
        return "clock-ahead";
    case RejectReason::OriginNotSender:
        return "origin-not-sender";
    case RejectReason::Invalid:
        return "invalid";
    case RejectReason::Deleted:
        return "deleted";
    case RejectReason::Quota:
        return "quota";
    case RejectReason::DeleteRefused:
        return "delete-refused";
    case RejectReason::ScopeChanged:
        return "scope-changed";
    case RejectReason::DeviceNotActive:
        return "device-not-active";
    }
    return "?";
}

QCborMap RejectPayload::toCbor() const
{
    protocol::RejectPayload wire;
    wire.op = op.toCbor();
    const auto value = std::uint8_t(reason);
    wire.reason = value >= 1 && value <= 9 ? protocol::RejectPayload::Reason(value)
                                           : protocol::RejectPayload::Reason::Invalid;
    wire.authoritative = authoritative ? QCborValue(authoritative->toCbor()) : QCborValue(nullptr);
    wire.sentIn = sentIn;
    return wire.toCbor();
}

Result<RejectPayload> RejectPayload::fromCbor(const QCborValue &value)
{
    auto map = asMap(value, "reject");
    if (!map)
        return forwardError(map);
    auto wire = protocol::RejectPayload::fromCbor(*map);
    if (!wire)
        return forwardError(wire);
    RejectPayload p;
    auto op = Operation::fromCbor(wire->op);
    if (!op)
        return forwardError(op);
    p.op = std::move(*op);
    p.reason = RejectReason(std::uint8_t(wire->reason));
    p.sentIn = wire->sentIn;
    if (wire->authoritative.isMap()) {
        auto st = RecordState::fromCbor(wire->authoritative);
        if (!st)
            return forwardError(st);
        if (st->id != p.op.recordId)
            return fail(Errc::Malformed, QStringLiteral("reject: state of another record"));
        p.authoritative = std::move(*st);
    }
    return p;
}

} // namespace liaison::model
