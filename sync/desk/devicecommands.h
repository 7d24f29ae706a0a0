#pragma once

// The desk's orders to a device (DESIGN.md "Commands, remote wipe, revocation", "Streams"):
// revoke, wipe, release from quarantine, and the follow-up of wipe orders. `liaison-hq device
// revoke|wipe|release` and `sync` are thin layers over this.
//
// Every order has a local half and a relay half. The local half runs in ONE transaction of the
// desk store with its audit entry (a crash leaves it done or not done); the relay half is
// repeatable (running the order again, or `sync`, finishes it) and never undoes the local half.
//
// revoke:  the device goes to wipe-only and its memberships are dropped in the same
//          transaction (DeviceRegistry::setState), so fan-out stops at once and the stream
//          outbox seals nothing for it but the WIPE; the WIPE COMMAND goes into its `down`
//          stream. Relay half: the device set to wipe-only at the relay (it may still read
//          `down` and post `up`; HQ quarantines all it posts but COMMAND_ACK), the LWT2 token
//          published under its wipe id, the WIPE pushed. A pending (never confirmed) device is
//          simply revoked: it holds nothing.
// wipe:    the same wipe order on both paths (one command id) without changing the device's
//          state; once the acknowledgement is verified the device is revoked (it erased itself:
//          its keys are gone).
// followUp (each `sync`): tokens not yet at the relay are published; outstanding wipes are
//          looked up at the relay (GET /v1/wipe/{id}/done) and only a verified LWA2 is kept; a
//          wiped device goes to revoked, as does a wipe-only one 30 days after its revocation.
// replace: a lost or new phone. The old device is revoked as above (skipped when it is revoked
//          already), then a new enrolment with exactly its scopes (its memberships; once they
//          are dropped by an earlier revocation, the scopes it was enrolled with) is added,
//          marked as its replacement. Refused for a device that has a live replacement (one
//          confirmed, or pending or verifying and not expired); running it again after a relay
//          failure finishes it.
// release: a quarantined device (its `up` stream frozen after a fork or a sender fault) is
//          released by the desk: the stream unfreezes and a RESYNC repairs both streams. A
//          revoked or wipe-only device is never released.

#include "desk/deskrelay.h"
#include "desk/enrolment.h"
#include "desk/remotewipe.h"

#include <QStringList>

namespace liaison::desk {

// After revocation, the device is moved from wipe-only to revoked after this long even without
// an acknowledgement.
inline constexpr qint64 kWipeOnlyMaxMs = 30LL * 24 * 3600 * 1000;

class DeviceCommands
{
public:
    DeviceCommands(DeskStore &desk, DeskRelay &relay);

    [[nodiscard]] RemoteWipe &wipes() { return m_wipes; }

    // A device by its id or an unambiguous prefix of it (hex, at least 4 digits).
    [[nodiscard]] Result<hq::DeviceRecord> find(const QString &idOrPrefix) const;

    struct Outcome
    {
        hq::DeviceRecord device;        // as it was before the order
        streams::PeerState state{};     // after the local half
        QStringList droppedScopes;      // revoke: the memberships dropped
        std::optional<WipeStatus> wipe; // the wipe order (none: nothing to wipe)
        bool relayDone = false;         // the relay half completed
        QString relayError;             // why not (the local half stands)
        int delivered = 0;              // envelopes the relay took in the push
    };

    // Local halves (one transaction each, audited).
    [[nodiscard]] Result<Outcome> revokeLocal(const crypto::Id16 &device);
    [[nodiscard]] Result<Outcome> wipeLocal(const crypto::Id16 &device);
    // The relay half of revoke / wipe; fills relayDone / relayError / delivered.
    void finishAtRelay(Outcome &outcome, int timeoutMs);

    struct Replacement
    {
        Outcome revocation;     // the old device's; relayDone false: no new enrolment yet
        bool revokedNow = true; // false: it was revoked already (nothing done to it now)
        QStringList scopes;     // the old device's, which the new enrolment gets
        std::optional<NewEnrolment> enrolment; // the new device's code
    };
    // Revokes `device` (local and relay halves) and adds the enrolment of its replacement with
    // `label` (empty: the old device's label) valid for `validityMs`. NotFound for an unknown
    // device; Refused when it has a live replacement or its scopes are not known any more.
    [[nodiscard]] Result<Replacement> replace(DeskEnrolment &enrolment, const crypto::Id16 &device,
                                              const QString &label, qint64 validityMs,
                                              int timeoutMs);

    struct FollowUp
    {
        int tokensPublished = 0;
        int acknowledged = 0; // verified acknowledgements found in this call
        int revoked = 0;      // devices moved to revoked (wiped, or 30 days wipe-only)
        QStringList problems; // per device, ids and reasons only
    };
    [[nodiscard]] Result<FollowUp> followUp(int timeoutMs);

    // The desk releases a quarantined device (local, audited); the RESYNC is queued.
    [[nodiscard]] Status release(const crypto::Id16 &device);

private:
    [[nodiscard]] Result<client::RelayReply>
    relayCall(const std::function<void(client::HqTransport::ReplyCallback)> &call,
              const QString &what, int timeoutMs);
    [[nodiscard]] Status
    relayOk(const std::function<void(client::HqTransport::ReplyCallback)> &call,
            const QString &what, int timeoutMs);
    [[nodiscard]] Status setRelayState(const hq::DeviceRecord &device,
                                       client::RelayDeviceState state, int timeoutMs);
    [[nodiscard]] Status publishToken(const crypto::Id16 &device, int timeoutMs);
    [[nodiscard]] Status revokeAfterWipe(const crypto::Id16 &device, const QString &why);

    DeskStore &m_desk;
    DeskRelay &m_relay;
    RemoteWipe m_wipes;
};

} // namespace liaison::desk
