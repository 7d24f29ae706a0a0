#pragma once

// HQ's device policy at the desk (DESIGN.md "Relay", "Unlock, lockout, auto-lock"): the POLICY
// the desk sends, and the relay TLS pin rollover it carries.
//
//  desk_policy  one row once the desk sent a policy: its version, the auto-lock ceiling and the
//               erase-after count it carries, and the relay pins that were current before the
//               last rollover. No row: the desk never sent a policy (RESYNCs carry none).
//
// A rollover (`liaison-hq relay pins set`) replaces desk_config's pins (new enrolment codes carry
// them), bumps the version and queues a POLICY with the new pins (and the current auto-lock and
// erase-after) on the `down` stream of every device that may receive it, in ONE transaction with
// its audit entry; every later RESYNC carries the current policy too, so a device that re-syncs
// or enrols with an older code gets it. Devices take the pins over the relay they still reach
// with the old ones, so the desk itself keeps accepting the previous set as well until the next
// rollover (DeskConfig::previousRelayPins): it can reach the relay while it serves the old key.

#include "desk/deskstore.h"
#include "error.h"
#include "protocol/body.h"
#include "protocol/enrolment.h"
#include "streams/streamoutbox.h"

#include <QList>
#include <QStringList>

#include <optional>

namespace liaison::desk {

// The desk_policy table (DeskStore's migrations append it).
[[nodiscard]] Status createPolicyTable(store::Database &db);

// The previous pin set kept in desk_policy (empty when none); DeskStore reads it into its config.
[[nodiscard]] Result<QStringList> previousRelayPins(store::Database &db);

struct PinRollover
{
    protocol::PolicyPayload policy; // as sent: the new version, the pins
    QStringList pins;               // the new set (hex), as desk_config now holds it
    QStringList previousPins;       // the set it replaced
    QStringList queuedTo;           // devices (hex ids) whose `down` stream got the POLICY
    QStringList notYet;             // active devices without an open `down` stream: their
                                    // first RESYNC carries the policy
};

class DeskPolicy
{
public:
    explicit DeskPolicy(DeskStore &desk);

    // The policy the desk last sent, with desk_config's pins; nullopt when it never sent one.
    [[nodiscard]] Result<std::optional<protocol::PolicyPayload>> current() const;

    // The rollover, in one transaction with its audit entry ("relay.pins.set"). `pins` holds 1 to
    // protocol::kEnrolMaxPins distinct pins (InvalidArgument otherwise).
    [[nodiscard]] Result<PinRollover> setRelayPins(streams::StreamOutbox &outbox,
                                                   const QList<protocol::RelayPin> &pins);

private:
    DeskStore &m_desk;
};

} // namespace liaison::desk
