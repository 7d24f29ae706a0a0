#pragma once

// The desk store's link to the relay (DESIGN.md "Topology", "Streams", "Relay"): HQ's stream
// outbox and receiver over the desk store, HQ's identity (content-signing key, box key 1, the
// all-zero participant id) and the relay transport (client::HqTransport). `liaison-hq publish`
// and `sync` run through it; the calls block (they run the event loop until the answer or the
// timeout), which is what a console wants.
//
// publish: HQ's own edits since the last publish are fanned out (HqFanout) to every active member
// of their scope and sealed into the members' `down` streams in ONE transaction (a crash leaves
// the edits unpublished or published, never lost), then the certificate and everything queued
// go to the relay and HQ's mailbox is read.

#include "client/hqtransport.h"
#include "desk/deskstore.h"
#include "hq/hqapplier.h"
#include "streams/receiver.h"
#include "streams/streamoutbox.h"

#include <QNetworkAccessManager>

#include <memory>

namespace liaison::desk {

inline constexpr std::uint32_t kHqBoxKeyId = 1;

class DeskRelay
{
public:
    // The stream layers (always) and the transport (when the relay address parses).
    [[nodiscard]] static Result<std::unique_ptr<DeskRelay>> open(DeskStore &desk);
    ~DeskRelay();
    DeskRelay(const DeskRelay &) = delete;
    DeskRelay &operator=(const DeskRelay &) = delete;

    [[nodiscard]] streams::StreamOutbox &outbox() { return *m_outbox; }
    [[nodiscard]] streams::Receiver &receiver() { return *m_receiver; }
    [[nodiscard]] client::HqTransport &transport() { return *m_transport; }
    [[nodiscard]] const client::RelayEndpoint &endpoint() const { return m_endpoint; }

    // HQ's edits since the last call into DELTAs for the members of each scope, in one
    // transaction with the desk's audit entry. Returns the number of stream messages queued.
    [[nodiscard]] Result<int> queueLocalEdits();

    // PUT /v1/hq-cert with the desk's current certificate (NotFound when there is none).
    [[nodiscard]] Status installCertificate(int timeoutMs = 15000);
    [[nodiscard]] Status putDevice(const crypto::Id16 &device, const crypto::SignPublicKey &signKey,
                                   client::RelayDeviceState state, std::int64_t version,
                                   int timeoutMs = 15000);

    struct Round
    {
        int delivered = 0; // envelopes the relay acknowledged
        int refused = 0;
        int pending = 0; // still queued afterwards (for every device)
    };
    // One round: push every device's pending envelopes, pull HQ's mailbox.
    [[nodiscard]] Result<Round> syncOnce(int timeoutMs = 60000);

    // One call to the relay, waited for: the reply whatever its status, or Errc::Network when
    // none came within timeoutMs (`what` names the step in errors).
    [[nodiscard]] Result<client::RelayReply>
    call(const std::function<void(client::HqTransport::ReplyCallback)> &call, const QString &what,
         int timeoutMs);
    // Like call(), but any status other than success is an error (Network when transient).
    [[nodiscard]] Status
    adminCall(const std::function<void(client::HqTransport::ReplyCallback)> &call,
              const QString &what, int timeoutMs);

private:
    explicit DeskRelay(DeskStore &desk);

    class Identity;
    class Resync;
    DeskStore &m_desk;
    client::RelayEndpoint m_endpoint;
    std::unique_ptr<Identity> m_identity;
    std::unique_ptr<hq::HqApplier> m_applier;
    std::unique_ptr<Resync> m_resync;
    std::unique_ptr<streams::StreamOutbox> m_outbox;
    std::unique_ptr<streams::Receiver> m_receiver;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    std::unique_ptr<client::HqTransport> m_transport;
};

// The relay endpoint of a desk configuration (https with pins, or http on loopback).
[[nodiscard]] Result<client::RelayEndpoint> relayEndpoint(const DeskConfig &config);

} // namespace liaison::desk
