#pragma once

// HQ's side of remote wipe (DESIGN.md "Commands, remote wipe, revocation"), over the desk store.
//
//  desk_wipe  per device: the random wipe id it got at enrolment (it names the token at the
//             relay, and the device keeps it in its plain wipe file), its wipe-ack public key,
//             the wipe HQ ordered (command id, issued at, not after), whether the token is at the
//             relay, the verified acknowledgement (LWA2), when the device was revoked, and the
//             version of the device's last state change at the relay.
//
// One wipe order has ONE command id on both paths: the WIPE COMMAND sealed into the device's
// `down` stream (an unlocked app runs it as soon as it is verified) and the LWT2 token published
// at the relay under the wipe id (a locked app checks it at every start and resume). Either way
// the device posts one LWA2 acknowledgement at the relay; HQ believes it only when it names that
// command and verifies under the device's sign key or its wipe-ack key.
//
// Enrolment calls registerTarget() when it registers a device (the wipe id goes into the
// device's profile); a device without a wipe id can still get the WIPE on `down`, but no token.

#include "crypto/crypto.h"
#include "desk/deskstore.h"
#include "error.h"
#include "protocol/wipe.h"
#include "streams/streamoutbox.h"

#include <QList>

#include <optional>

namespace liaison::desk {

class DeskRelay;

// A wipe is obeyed for this long after HQ issued it (judged against HQ's verified time).
inline constexpr qint64 kWipeValidityMs = 30LL * 24 * 3600 * 1000;

struct WipeStatus
{
    crypto::Id16 device;
    std::optional<crypto::Id16> wipeId;                // none: enrolled without one
    std::optional<crypto::SignPublicKey> wipeAckKey;   // none: the device has no wipe-ack key
    std::optional<crypto::Id16> commandId;             // the wipe HQ ordered, if any
    qint64 orderedMs = 0;                              // issued at
    qint64 notAfterMs = 0;
    bool sentOnDown = false;                           // the WIPE COMMAND is in `down`
    qint64 tokenPublishedMs = 0;                       // 0: not (yet) at the relay
    qint64 acknowledgedMs = 0;                         // 0: no verified acknowledgement
    qint64 acknowledgedAtDeviceMs = 0;                 // the time the device wrote in it
    bool acknowledgedByWipeAckKey = false;             // else the device sign key signed
    qint64 revokedMs = 0;                              // 0: not revoked
    qint64 relayVersion = 0;                           // of the last PUT /v1/devices at the relay

    [[nodiscard]] bool wiped() const { return acknowledgedMs != 0; }
};

// The desk_wipe table (DeskStore's migrations append it).
[[nodiscard]] Status createWipeTable(store::Database &db);

class RemoteWipe
{
public:
    explicit RemoteWipe(DeskStore &desk);

    // Enrolment: the wipe id given to the device and its wipe-ack public key (if it made one).
    // Replaces an earlier registration of the same device.
    [[nodiscard]] Status registerTarget(const crypto::Id16 &device, const crypto::Id16 &wipeId,
                                        const std::optional<crypto::SignPublicKey> &wipeAckKey);

    // nullopt: nothing is known of the device here (no wipe id, never ordered).
    [[nodiscard]] Result<std::optional<WipeStatus>> status(const crypto::Id16 &device) const;
    [[nodiscard]] Result<QList<WipeStatus>> all() const;

    // What the device's wipe file names (HQ's side): NotFound for an unknown device or one
    // enrolled without a wipe id.
    [[nodiscard]] Result<protocol::WipeTarget> target(const crypto::Id16 &device) const;

    // The wipe order, in the caller's transaction: a fresh command id (or the outstanding one: a
    // second order re-sends the same wipe), and the WIPE COMMAND sealed into `down` when the
    // device's stream is open and it was not sent yet. Never refused for a wipe-only device:
    // the WIPE is the one thing HQ still seals for it.
    [[nodiscard]] Result<WipeStatus> order(streams::StreamOutbox &outbox,
                                           const crypto::Id16 &device);

    // The LWT2 token of the ordered wipe, signed with the desk's content key under its current
    // certificate. NotFound without an order, a wipe id or a certificate.
    [[nodiscard]] Result<protocol::WipeToken> token(const crypto::Id16 &device) const;
    [[nodiscard]] Status markTokenPublished(const crypto::Id16 &device);

    // An acknowledgement read at the relay: decoded and verified (this deployment and device,
    // the ordered command, signed by the device's sign key or its wipe-ack key) and kept.
    // AuthFailed / Refused / Malformed when it is not one HQ believes; nothing is kept then.
    [[nodiscard]] Status takeAcknowledgement(const crypto::Id16 &device, QByteArrayView bytes);

    [[nodiscard]] Status markRevoked(const crypto::Id16 &device);
    // The next version for a state change of the device at the relay (the relay ignores a
    // version not above the last one it took), stored.
    [[nodiscard]] Result<qint64> nextRelayVersion(const crypto::Id16 &device);

private:
    [[nodiscard]] Status ensureRow(const crypto::Id16 &device);

    DeskStore &m_desk;
};

} // namespace liaison::desk
