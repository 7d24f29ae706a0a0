#include "model/deviceapplier.h"

#include "model/urgency.h"

#include "model/payloads.h"
#include "protocol/body.h"
#include "streams/savepoint.h"
#include "streams/streamoutbox.h"

namespace liaison::model {

using streams::Kind;

namespace {

Status asStatus(const auto &result)
{
    if (!result)
        return std::unexpected(result.error());
    return {};
}

Status checkResync(const QCborMap &payload)
{
    // Each operation is checked whole once, by operationsFromCbor below (a validator here would
    // decode every operation a second time: a tenth of a fresh device's snapshot).
    auto resync = protocol::ResyncPayload::fromCbor(payload);
    if (!resync)
        return std::unexpected(resync.error());
    for (const QString &scope : resync->scopes) {
        if (!isValidScope(scope))
            return fail(Errc::Malformed, QStringLiteral("resync: bad scope"));
    }
    auto ops = operationsFromCbor(resync->ops);
    if (!ops)
        return std::unexpected(ops.error());
    for (const Operation &op : *ops) {
        if (!resync->scopes.contains(op.scope))
            return fail(Errc::Malformed, QStringLiteral("resync: operation outside its scopes"));
    }
    return {};
}

} // namespace

Status DeviceApplier::check(const streams::Body &body, const streams::StreamContext &ctx)
{
    if (ctx.role != streams::Role::Device)
        return fail(Errc::Internal, QStringLiteral("device applier at HQ"));
    switch (body.kind) {
    case Kind::Delta:
        return asStatus(DeltaPayload::fromCbor(body.payload));
    case Kind::ScopeJoin:
        return asStatus(ScopeJoinPayload::fromCbor(body.payload));
    case Kind::ScopeLeave:
        return asStatus(ScopeLeavePayload::fromCbor(body.payload));
    case Kind::Reject: {
        auto reject = RejectPayload::fromCbor(body.payload);
        if (!reject)
            return std::unexpected(reject.error());
        if (reject->op.author() != m_records.self())
            return fail(Errc::Refused, QStringLiteral("REJECT of another device's operation"));
        return {};
    }
    case Kind::Resync:
        return checkResync(body.payload);
    default:
        return {}; // the stream layer's kinds
    }
}

Status DeviceApplier::apply(const streams::Body &body, const streams::StreamContext &)
{
    switch (body.kind) {
    case Kind::Delta: {
        auto delta = DeltaPayload::fromCbor(body.payload);
        if (!delta)
            return std::unexpected(delta.error());
        return asStatus(m_records.applyRemoteBatch(delta->ops));
    }
    case Kind::ScopeJoin: {
        auto join = ScopeJoinPayload::fromCbor(body.payload);
        if (!join)
            return std::unexpected(join.error());
        return asStatus(m_records.applyScopeJoin(*join));
    }
    case Kind::ScopeLeave: {
        auto leave = ScopeLeavePayload::fromCbor(body.payload);
        if (!leave)
            return std::unexpected(leave.error());
        return m_records.applyScopeLeave(*leave);
    }
    case Kind::Reject: {
        auto reject = RejectPayload::fromCbor(body.payload);
        if (!reject)
            return std::unexpected(reject.error());
        if (auto s = m_records.applyReject(*reject); !s)
            return std::unexpected(s.error());
        // HQ's clock when it refused the stamp: the bound is not above it (HQ set back).
        if (reject->reason == RejectReason::ClockAhead)
            return m_records.lowerReference(body.createdMs);
        return {};
    }
    case Kind::Resync: {
        // The whole snapshot replaces everything and fixes the scope list. The receiver stages
        // the parts of a multi-part RESYNC and hands them over together, as part 1 of 1.
        auto resync = protocol::ResyncPayload::fromCbor(body.payload);
        if (!resync)
            return std::unexpected(resync.error());
        if (resync->part != 1 || resync->parts != 1)
            return fail(Errc::Internal, QStringLiteral("resync: a part alone reached the applier"));
        auto ops = operationsFromCbor(resync->ops);
        if (!ops)
            return std::unexpected(ops.error());
        if (auto s = m_records.resetToSnapshot(resync->scopes, *ops); !s)
            return std::unexpected(s.error());
        return m_records.setReference(resync->heartbeat.hqTimeMs);
    }
    case Kind::Heartbeat: {
        auto hb = protocol::HeartbeatPayload::fromCbor(body.payload);
        if (!hb)
            return std::unexpected(hb.error());
        return m_records.setReference(hb->hqTimeMs);
    }
    default:
        return {};
    }
}

Status DeviceApplier::remergeOwn(const streams::Body &delta, const streams::StreamContext &)
{
    if (delta.kind != Kind::Delta)
        return fail(Errc::InvalidArgument, QStringLiteral("remerge of a non-DELTA"));
    auto payload = DeltaPayload::fromCbor(delta.payload);
    if (!payload)
        return std::unexpected(payload.error());
    QList<Operation> held;
    for (const Operation &op : payload->ops) {
        if (op.author() == m_records.self() && m_records.holdsScope(op.scope))
            held.append(op);
    }
    if (held.isEmpty())
        return {};
    return asStatus(m_records.applyRemoteBatch(held));
}

Status DeviceApplier::snapshotBegun(const streams::Body &firstPart, const streams::StreamContext &)
{
    if (firstPart.kind != Kind::Resync)
        return {};
    auto resync = protocol::ResyncPayload::fromCbor(firstPart.payload);
    if (!resync)
        return std::unexpected(resync.error());
    for (const QString &scope : resync->scopes) {
        if (m_records.holdsScope(scope))
            continue;
        if (auto s = m_records.addScope(scope); !s)
            return s;
    }
    return {};
}

Result<int> DeviceApplier::pushLocalEdits(streams::StreamOutbox &outbox, const crypto::Id16 &hq,
                                          qsizetype maxPayloadBytes)
{
    streams::Savepoint sp(m_records.db());
    if (auto s = sp.begin(); !s)
        return std::unexpected(s.error());
    // Operations HQ refused for their clock go out again, re-stamped, once HQ's time is known.
    if (auto again = m_records.reissueHeld(); !again)
        return std::unexpected(again.error());
    auto pending = m_records.pendingOutbox(std::numeric_limits<int>::max());
    if (!pending)
        return std::unexpected(pending.error());
    if (pending->isEmpty())
        return 0;
    QList<Operation> ops;
    for (const OutboxEntry &e : *pending)
        ops.append(e.op);
    LaneSplit split;
    if (m_priorityLane) {
        auto usable = outbox.priorityLaneUsable(hq);
        if (!usable)
            return std::unexpected(usable.error());
        if (*usable)
            split = splitByLane(ops);
        else
            split.bulk = ops;
    } else {
        split.bulk = ops;
    }
    for (const auto &[lane, laneOps] : {std::pair{streams::Lane::Priority, &split.urgent},
                                        std::pair{streams::Lane::Bulk, &split.bulk}}) {
        if (laneOps->isEmpty())
            continue; // (chunkOperations makes one empty chunk of nothing: no empty DELTA)
        for (const QList<Operation> &chunk : chunkOperations(*laneOps, maxPayloadBytes)) {
            auto queued = outbox.enqueue(hq, Kind::Delta, DeltaPayload{chunk}.toCbor(), lane);
            if (!queued)
                return std::unexpected(queued.error());
        }
    }
    if (auto s = m_records.markSent(pending->last().seq); !s)
        return std::unexpected(s.error());
    if (auto s = sp.release(); !s)
        return std::unexpected(s.error());
    return int(ops.size());
}

} // namespace liaison::model
