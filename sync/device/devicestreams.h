#pragma once

// The stream layer of an enrolled device, composed over its unlocked vault: who this device is
// (LocalIdentity: the enrolled device id, the vault's Ed25519 and X25519 keys), who HQ is
// (PeerDirectory from the device profile), the stream outbox, the receiver and the records
// applier. The sync client (DeviceSync over client::SyncClient) drives these through the relay.
//
// The wipe id (DESIGN.md "Enrolment" step 4, "Commands, remote wipe"): HQ sends it in the first
// RESYNC after the desk confirmed the enrolment. The receiver's applier saves it in the device
// profile in the envelope's transaction; wipeIdArrived() tells the owner to reload the profile
// and write the plain wipe file.
//
// HQ's policy (POLICY, or the policy a RESYNC carries) is saved the same way
// (devicesettings.h); takePolicyArrived() tells the owner to apply it. A newer policy that
// carries relay pins (DESIGN.md "Relay": the pin rollover) replaces the profile's pins in the
// same transaction, but only when the owner said the rounds run over https with a pin match
// (setRelayPinsAccepted: not the loopback plain-http development mode); until that transaction
// commits the old set stays. takeRelayPinsArrived() tells the owner to reload the profile, pin
// its connection to the new set and rewrite the wipe file.

#include "client/hqkeys.h"
#include "clock/clock.h"
#include "device/devicestore.h"
#include "model/deviceapplier.h"
#include "streams/peers.h"
#include "streams/receiver.h"
#include "streams/streamoutbox.h"
#include "vault/vault.h"

#include <memory>
#include <utility>

namespace liaison::device {

// The box key a device holds from enrolment until the first rotation (KEY_UPDATE).
inline constexpr std::uint32_t kInitialBoxKeyId = 1;

class DeviceStreams
{
public:
    // Needs an enrolled session (a device profile) and the unlocked vault's identity; both must
    // outlive this object.
    [[nodiscard]] static Result<std::unique_ptr<DeviceStreams>>
    open(DeviceSession &session, const vault::Identity &identity, const liaison::Clock &clock);
    ~DeviceStreams();
    DeviceStreams(const DeviceStreams &) = delete;
    DeviceStreams &operator=(const DeviceStreams &) = delete;

    [[nodiscard]] streams::Receiver &receiver() { return *m_receiver; }
    [[nodiscard]] streams::StreamOutbox &outbox() { return *m_outbox; }
    [[nodiscard]] model::DeviceApplier &applier() { return *m_applier; }
    // A RESYNC brought a new wipe id since the last call (saved in the profile already).
    [[nodiscard]] bool takeWipeIdArrived() { return std::exchange(m_wipeIdArrived, false); }
    // A POLICY (or a RESYNC's policy) was saved since the last call (devicesettings.h).
    [[nodiscard]] bool takePolicyArrived() { return std::exchange(m_policyArrived, false); }
    // Whether a POLICY's relay pins are taken (the rounds run over https with pinning).
    void setRelayPinsAccepted(bool accepted) { m_acceptRelayPins = accepted; }
    // A POLICY replaced the profile's relay pins since the last call (saved already).
    [[nodiscard]] bool takeRelayPinsArrived() { return std::exchange(m_relayPinsArrived, false); }
    [[nodiscard]] const streams::LocalIdentity &identity() const;
    [[nodiscard]] const liaison::Clock &clock() const { return *m_clock; }
    // The device's view of its `down` stream (newest verified HEARTBEAT, applied head).
    [[nodiscard]] Result<std::optional<streams::StreamState>> hqStream() const;
    // Envelopes sealed for HQ and not yet acknowledged by a relay.
    [[nodiscard]] Result<int> pendingEnvelopes() const;
    [[nodiscard]] const crypto::Id16 &hqId() const { return m_hqId; }
    // HQ's current content key and certificate serial (DESIGN.md "Keys"): HEARTBEAT and RESYNC
    // certificates with a higher valid serial are adopted and saved in the profile.
    [[nodiscard]] const client::HqKeys &hqKeys() const { return *m_peers; }
    // A certificate fetched from the relay (GET /v1/hq-cert) after HQ's envelopes stopped
    // verifying (the device missed the rotation HEARTBEAT): adopted and saved like one in a
    // HEARTBEAT, judged at the device's HQ-time bound (the wall clock without one). True when
    // adopted; false when it changes nothing; an error when it does not verify.
    [[nodiscard]] Result<bool> offerCertificate(QByteArrayView certificate);

private:
    class Identity;
    class Applier;
    DeviceStreams() = default;

    crypto::Id16 m_hqId;
    const liaison::Clock *m_clock = nullptr;
    DeviceSession *m_session = nullptr;
    std::unique_ptr<Identity> m_identity;
    std::unique_ptr<client::HqKeys> m_peers;
    std::unique_ptr<model::DeviceApplier> m_applier;
    std::unique_ptr<Applier> m_receiverApplier; // m_applier, and the RESYNC's wipe id
    bool m_wipeIdArrived = false;
    bool m_policyArrived = false;
    bool m_acceptRelayPins = false;
    bool m_relayPinsArrived = false;
    std::unique_ptr<streams::StreamOutbox> m_outbox;
    std::unique_ptr<streams::Receiver> m_receiver;
};

} // namespace liaison::device
