#include "streamport.h"

#include <algorithm>
#include <cstdint>

namespace liaison::client {

ReceiverStreamPort::ReceiverStreamPort(streams::StreamOutbox &outbox, streams::Receiver &receiver,
                                       streams::Role role, const crypto::Id16 &hqId)
    : m_outbox(outbox)
    , m_receiver(receiver)
    , m_role(role)
    , m_hq(hqId)
{}

Result<std::vector<streams::QueuedEnvelope>> ReceiverStreamPort::pendingEnvelopes(int limit)
{
    if (m_role == streams::Role::Device)
        return m_outbox.pending(m_hq, limit);
    auto recipients = m_outbox.recipientsWithPending();
    if (!recipients)
        return std::unexpected(recipients.error());
    std::vector<streams::QueuedEnvelope> out;
    for (const auto &r : *recipients) {
        if (int(out.size()) >= limit)
            break;
        auto p = m_outbox.pending(r, limit - int(out.size()));
        if (!p)
            return std::unexpected(p.error());
        for (auto &e : *p)
            out.push_back(std::move(e));
    }
    return out;
}

Result<qsizetype> ReceiverStreamPort::pendingCount()
{
    // The outbox has no count yet; pending() reads the rows (bounded).
    constexpr int kCountCap = 100000;
    auto p = pendingEnvelopes(kCountCap);
    if (!p)
        return std::unexpected(p.error());
    return qsizetype(p->size());
}

Status ReceiverStreamPort::markDelivered(const streams::QueuedEnvelope &envelope)
{
    return m_outbox.markDelivered(envelope.stream.recipient, envelope.stream.epoch, envelope.seq);
}

Result<streams::ReceiveResult> ReceiverStreamPort::receive(QByteArrayView envelope)
{
    return m_receiver.receive(envelope);
}

Result<std::vector<streams::GapRequest>> ReceiverStreamPort::gapsWanted()
{
    return m_receiver.gapsWanted();
}

Status ReceiverStreamPort::tick()
{
    return m_receiver.tick();
}

Status ReceiverStreamPort::giveUpGap(const crypto::Id16 &sender)
{
    return m_receiver.giveUpGap(sender);
}

Status ReceiverStreamPort::sendReceipt(std::int64_t unlockFailures)
{
    auto r = m_receiver.sendReceipt(
        std::uint32_t(std::clamp<std::int64_t>(unlockFailures, 0, std::int64_t(UINT32_MAX))));
    if (!r)
        return std::unexpected(r.error());
    return {};
}

Result<std::optional<streams::StreamState>> ReceiverStreamPort::hqStream()
{
    return m_receiver.state(m_hq);
}

Result<std::vector<streams::Alarm>> ReceiverStreamPort::alarms()
{
    return m_receiver.alarms();
}

} // namespace liaison::client
