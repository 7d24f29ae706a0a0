#pragma once

// What the transport engines need from the stream layer, as small interfaces so that the engine
// can be tested against fakes and the stream layer (sync/streams) stays free of network code.
// ReceiverStreamPort adapts the real StreamOutbox and Receiver.

#include "error.h"
#include "streams/alarm.h"
#include "streams/receiver.h"
#include "streams/streamoutbox.h"

#include <QByteArrayView>

#include <optional>
#include <vector>

namespace liaison::client {

class StreamPort
{
public:
    virtual ~StreamPort() = default;

    // Outgoing envelopes the relay has not acknowledged yet, oldest first (every recipient this
    // side writes to: HQ for a device, every device for HQ).
    [[nodiscard]] virtual Result<std::vector<streams::QueuedEnvelope>>
    pendingEnvelopes(int limit) = 0;
    [[nodiscard]] virtual Result<qsizetype> pendingCount() = 0;
    // The relay acknowledged a durable commit of this envelope.
    [[nodiscard]] virtual Status markDelivered(const streams::QueuedEnvelope &envelope) = 0;

    // Steps 1-6 of the receiver for one envelope from the mailbox or a gap fill.
    [[nodiscard]] virtual Result<streams::ReceiveResult> receive(QByteArrayView envelope) = 0;
    [[nodiscard]] virtual Result<std::vector<streams::GapRequest>> gapsWanted() = 0;
    // Gap timers (RESYNC_REQUEST after an hour online with a gap).
    [[nodiscard]] virtual Status tick() = 0;
    // The relay could not fill this sender's gap for several rounds in a row (withheld, or past
    // its retention): ask for a RESYNC now (DESIGN.md "Streams", issue 8 point 5).
    [[nodiscard]] virtual Status giveUpGap(const crypto::Id16 &sender)
    {
        Q_UNUSED(sender);
        return {};
    }
};

// The device adds what its state and RECEIPT need.
class DeviceStreamPort : public StreamPort
{
public:
    // Enqueues a RECEIPT (applied `down` head, sent `up` head, unlock failures) on `up`.
    [[nodiscard]] virtual Status sendReceipt(std::int64_t unlockFailures) = 0;
    // The device's view of its `down` stream (newest verified HEARTBEAT, applied head ...).
    [[nodiscard]] virtual Result<std::optional<streams::StreamState>> hqStream() = 0;
    [[nodiscard]] virtual Result<std::vector<streams::Alarm>> alarms() = 0;
};

// Over the real StreamOutbox and Receiver. `hq` is HQ's participant id (the all-zero id). Used by
// the device (DeviceStreamPort) and by HQ (every recipient with pending envelopes).
class ReceiverStreamPort final : public DeviceStreamPort
{
public:
    ReceiverStreamPort(streams::StreamOutbox &outbox, streams::Receiver &receiver,
                       streams::Role role, const crypto::Id16 &hqId = crypto::Id16{});

    [[nodiscard]] Result<std::vector<streams::QueuedEnvelope>> pendingEnvelopes(int limit) override;
    [[nodiscard]] Result<qsizetype> pendingCount() override;
    [[nodiscard]] Status markDelivered(const streams::QueuedEnvelope &envelope) override;
    [[nodiscard]] Status giveUpGap(const crypto::Id16 &sender) override;
    [[nodiscard]] Result<streams::ReceiveResult> receive(QByteArrayView envelope) override;
    [[nodiscard]] Result<std::vector<streams::GapRequest>> gapsWanted() override;
    [[nodiscard]] Status tick() override;
    [[nodiscard]] Status sendReceipt(std::int64_t unlockFailures) override;
    [[nodiscard]] Result<std::optional<streams::StreamState>> hqStream() override;
    [[nodiscard]] Result<std::vector<streams::Alarm>> alarms() override;

private:
    streams::StreamOutbox &m_outbox;
    streams::Receiver &m_receiver;
    streams::Role m_role;
    crypto::Id16 m_hq;
};

} // namespace liaison::client
