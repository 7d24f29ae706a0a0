#include "hq/hqapplier.h"

#include "model/payloads.h"
#include "streams/savepoint.h"
#include "streams/streamoutbox.h"

namespace liaison::hq {

using streams::Kind;

Status HqApplier::check(const streams::Body &body, const streams::StreamContext &ctx)
{
    if (ctx.role != streams::Role::Hq)
        return fail(Errc::Internal, QStringLiteral("hq applier on a device"));
    if (body.kind != Kind::Delta)
        return {};
    auto delta = model::DeltaPayload::fromCbor(body.payload);
    if (!delta)
        return std::unexpected(delta.error());
    for (const model::Operation &op : delta->ops) {
        if (op.author() != ctx.sender.id)
            return fail(Errc::Refused, QStringLiteral("hq: operation origin is not the sender"));
    }
    return {};
}

Status HqApplier::apply(const streams::Body &body, const streams::StreamContext &ctx)
{
    if (body.kind == Kind::Receipt) {
        // The receiver recorded it: it may have opened `down!` for urgent mail waiting on
        // `down` (issue 13). Not the device's fault if that fails: only a local error counts.
        streams::Savepoint sp(ctx.db);
        if (auto s = sp.begin(); !s)
            return s;
        auto promoted = HqFanout::promoteUrgent(ctx.outbox, ctx.sender.id);
        if (!promoted) {
            if (promoted.error().code != Errc::Refused && promoted.error().code != Errc::Malformed)
                return std::unexpected(promoted.error());
            sp.rollback();
            return {};
        }
        return sp.release();
    }
    if (body.kind != Kind::Delta)
        return {};
    auto delta = model::DeltaPayload::fromCbor(body.payload);
    if (!delta)
        return std::unexpected(delta.error());
    protocol::StreamHead sentIn;
    sentIn.epoch = ctx.stream.epoch;
    sentIn.seq = ctx.seq;
    sentIn.envHash = ctx.envHash;
    auto result = m_fanout.acceptDeviceOps(ctx.sender.id, delta->ops, ctx.nowMs, sentIn);
    if (!result)
        return std::unexpected(result.error());
    if (auto s = HqFanout::enqueue(ctx.outbox, result->messages); !s)
        return s;
    m_last = std::move(*result);
    return {};
}

Result<streams::ResyncContent> HqApplier::resyncContent(store::Database &, const Id16 &device)
{
    return m_fanout.resyncContent(device);
}

} // namespace liaison::hq
