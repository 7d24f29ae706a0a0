#pragma once

// HQ's steps 5 and 6 of the receiver (streams::EnvelopeApplier) and the records part of RESYNC
// (streams::ResyncSource), over HqFanout.
//  check: a DELTA must decode and every operation's origin must be the authenticated sender (an
//         honest client never sends anything else: a failure is a sender fault);
//  apply: the DELTA's operations are validated one by one; REJECTs and fan-out DELTAs are sealed
//         into the stream outbox in the receiver's transaction. Other kinds on `up` (RECEIPT,
//         COMMAND_ACK, RESYNC_REQUEST, KEY_UPDATE) are the stream layer's.

#include "hq/hqfanout.h"
#include "streams/applier.h"

namespace liaison::hq {

class HqApplier final : public streams::EnvelopeApplier, public streams::ResyncSource
{
public:
    explicit HqApplier(HqFanout &fanout)
        : m_fanout(fanout)
    {}

    [[nodiscard]] Status check(const streams::Body &body,
                               const streams::StreamContext &ctx) override;
    [[nodiscard]] Status apply(const streams::Body &body,
                               const streams::StreamContext &ctx) override;
    [[nodiscard]] Result<streams::ResyncContent> resyncContent(store::Database &db,
                                                               const Id16 &device) override;
    [[nodiscard]] Result<std::optional<QCborMap>> refreshReject(const Id16 &device,
                                                                const QCborMap &reject) override
    {
        return m_fanout.refreshReject(device, reject);
    }

    // The outcome of the last applied DELTA (for the desk's log and tests).
    [[nodiscard]] const FanoutResult &lastResult() const { return m_last; }

private:
    HqFanout &m_fanout;
    FanoutResult m_last;
};

} // namespace liaison::hq
