#include "model/payloads.h"

#include <QCborArray>
#include <QCborMap>

namespace liaison::model {

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

QCborValue DeltaPayload::toCbor() const
{
    QCborMap m;
    m.insert(0, operationsToCbor(ops));
    return m;
}

Result<DeltaPayload> DeltaPayload::fromCbor(const QCborValue &value)
{
    auto k = cbor::intKeyedMap(value, 1, "delta");
    if (!k)
        return std::unexpected(k.error());
    auto ops = operationsFromCbor((*k)[0]);
    if (!ops)
        return std::unexpected(ops.error());
    if (ops->isEmpty())
        return fail(Errc::Malformed, QStringLiteral("delta: no operations"));
    return DeltaPayload{std::move(*ops)};
}

QCborValue ScopeJoinPayload::toCbor() const
{
    QCborMap m;
    m.insert(0, scope);
    m.insert(1, part);
    m.insert(2, parts);
    m.insert(3, operationsToCbor(ops));
    return m;
}

Result<ScopeJoinPayload> ScopeJoinPayload::fromCbor(const QCborValue &value)
{
    auto k = cbor::intKeyedMap(value, 4, "scope join");
    if (!k)
        return std::unexpected(k.error());
    const auto bad = [](const char *why) {
        return fail(Errc::Malformed, QStringLiteral("scope join: %1").arg(QLatin1StringView(why)));
    };
    ScopeJoinPayload p;
    if (!(*k)[0].isString() || !isValidScope((*k)[0].toString()))
        return bad("scope");
    p.scope = (*k)[0].toString();
    if (!(*k)[1].isInteger() || !(*k)[2].isInteger())
        return bad("part");
    const qint64 part = (*k)[1].toInteger();
    const qint64 parts = (*k)[2].toInteger();
    if (parts < 1 || parts > 1'000'000 || part < 1 || part > parts)
        return bad("part");
    p.part = int(part);
    p.parts = int(parts);
    auto ops = operationsFromCbor((*k)[3]);
    if (!ops)
        return std::unexpected(ops.error());
    for (const Operation &op : *ops) {
        if (op.scope != p.scope)
            return bad("operation from another scope");
    }
    p.ops = std::move(*ops);
    return p;
}

QCborValue SnapshotPayload::toCbor() const
{
    QCborMap m;
    m.insert(0, operationsToCbor(ops));
    return m;
}

Result<SnapshotPayload> SnapshotPayload::fromCbor(const QCborValue &value)
{
    auto k = cbor::intKeyedMap(value, 1, "snapshot");
    if (!k)
        return std::unexpected(k.error());
    auto ops = operationsFromCbor((*k)[0]);
    if (!ops)
        return std::unexpected(ops.error());
    return SnapshotPayload{std::move(*ops)};
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

QCborValue ScopeLeavePayload::toCbor() const
{
    QCborMap m;
    m.insert(0, scope);
    return m;
}

Result<ScopeLeavePayload> ScopeLeavePayload::fromCbor(const QCborValue &value)
{
    auto k = cbor::intKeyedMap(value, 1, "scope leave");
    if (!k)
        return std::unexpected(k.error());
    if (!(*k)[0].isString() || !isValidScope((*k)[0].toString()))
        return fail(Errc::Malformed, QStringLiteral("scope leave: scope"));
    return ScopeLeavePayload{(*k)[0].toString()};
}

const char *rejectReasonName(RejectReason reason)
{
    switch (reason) {
    case RejectReason::OriginNotSender:
        return "origin-not-sender";
    case RejectReason::HqOnlyType:
        return "hq-only-type";
    case RejectReason::NotOwner:
        return "not-owner";
    case RejectReason::OutOfScope:
        return "out-of-scope";
    case RejectReason::ClockAhead:
        return "clock-ahead";
    case RejectReason::ScopeChanged:
        return "scope-changed";
    case RejectReason::DeviceNotActive:
        return "device-not-active";
    case RejectReason::Invalid:
        return "invalid";
    }
    return "?";
}

QCborValue RejectPayload::toCbor() const
{
    QCborMap m;
    m.insert(0, op.toCbor());
    m.insert(1, qint64(reason));
    if (authoritative)
        m.insert(2, authoritative->toCbor());
    return m;
}

Result<RejectPayload> RejectPayload::fromCbor(const QCborValue &value)
{
    auto k = cbor::intKeyedMap(value, 3, "reject");
    if (!k)
        return std::unexpected(k.error());
    RejectPayload p;
    auto op = Operation::fromCbor((*k)[0]);
    if (!op)
        return std::unexpected(op.error());
    p.op = std::move(*op);
    const qint64 reason = (*k)[1].isInteger() ? (*k)[1].toInteger() : 0;
    if (reason < 1 || reason > 8)
        return fail(Errc::Malformed, QStringLiteral("reject: reason"));
    p.reason = RejectReason(reason);
    if (!(*k)[2].isUndefined()) {
        auto st = RecordState::fromCbor((*k)[2]);
        if (!st)
            return std::unexpected(st.error());
        if (st->id != p.op.recordId)
            return fail(Errc::Malformed, QStringLiteral("reject: state of another record"));
        p.authoritative = std::move(*st);
    }
    return p;
}

} // namespace liaison::model
