#pragma once

// HQ's device policy at the desk (DESIGN.md "Relay", "Unlock, lockout, auto-lock"): the POLICY
// the desk sends: the relay TLS pin rollover it carries, and the auto-lock ceiling and erase-after
// count HQ sets for every device (`liaison-hq policy set`).
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
//
// `policy set` (setLimits) changes the auto-lock ceiling and the erase-after count the same way:
// one transaction bumps the version and queues a POLICY (with the current pins, as RESYNC carries
// them) for every active device, with its audit entry ("policy.set"). Nothing changes, and nothing
// is queued, when the values are those already sent.

#include "desk/deskstore.h"
#include "error.h"
#include "protocol/body.h"
#include "protocol/enrolment.h"
#include "streams/streamoutbox.h"

#include <QList>
#include <QStringList>

#include <cstdint>
#include <optional>

namespace liaison::desk {

// The desk_policy table (DeskStore's migrations append it).
[[nodiscard]] Status createPolicyTable(store::Database &db);

// The previous pin set kept in desk_policy (empty when none); DeskStore reads it into its config.
[[nodiscard]] Result<QStringList> previousRelayPins(store::Database &db);

// What the desk may ask of a device (DESIGN.md "Unlock, lockout, auto-lock"). The auto-lock
// ceiling: the longest delay before an unlocked idle app locks; 0 = none (the officer's own
// choice applies). The erase-after count: failed unlocks before the vault is crypto-erased; 0 =
// never. Within what a device's key file accepts (vault::kEraseAfterMin..kEraseAfterMax), the
// desk allows at most 50: more gives a guesser more tries than any officer needs.
inline constexpr std::uint32_t kAutoLockCeilingMinSeconds = 30;
inline constexpr std::uint32_t kAutoLockCeilingMaxSeconds = 24 * 3600;
inline constexpr std::uint32_t kPolicyEraseAfterMin = 3;
inline constexpr std::uint32_t kPolicyEraseAfterMax = 50;
// What a desk that never sent a policy stands for: no ceiling, and the vault's default count.
inline constexpr std::uint32_t kDefaultAutoLockCeilingSeconds = 0;
inline constexpr std::uint32_t kDefaultPolicyEraseAfter = 10; // vault::kDefaultEraseAfter

// Ok, or InvalidArgument with the sentence the desk officer reads.
[[nodiscard]] Status validateAutoLockCeiling(std::uint32_t seconds);
[[nodiscard]] Status validateEraseAfter(std::uint32_t count);

// A `policy set`: a value left out keeps the one in force.
struct PolicyLimits
{
    std::optional<std::uint32_t> autoLockSeconds;
    std::optional<std::uint32_t> eraseAfter;
};

struct PolicyChange
{
    protocol::PolicyPayload policy;   // as sent (or, unchanged, as in force)
    protocol::PolicyPayload previous; // what was in force before (version 0: never sent)
    bool changed = false;             // false: the same values, nothing queued, no new version
    QStringList queuedTo;             // devices (hex ids) whose `down` stream got the POLICY
    QStringList notYet; // active devices without an open `down` stream: their first RESYNC
                        // carries the policy
};

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
    // current(), or what stands when none was sent: version 0, the defaults above, the pins.
    [[nodiscard]] Result<protocol::PolicyPayload> inForce() const;

    // `policy set`, in one transaction with its audit entry ("policy.set"). InvalidArgument when
    // neither value is given or one is out of its range (validate* above).
    [[nodiscard]] Result<PolicyChange> setLimits(streams::StreamOutbox &outbox,
                                                 const PolicyLimits &limits);

    // The rollover, in one transaction with its audit entry ("relay.pins.set"). `pins` holds 1 to
    // protocol::kEnrolMaxPins distinct pins (InvalidArgument otherwise).
    [[nodiscard]] Result<PinRollover> setRelayPins(streams::StreamOutbox &outbox,
                                                   const QList<protocol::RelayPin> &pins);

private:
    // `policy` (the new version) into desk_policy, with the pin set that was current before the
    // last rollover, and queued on the `down` stream of every active device that may receive it.
    // In the caller's transaction.
    [[nodiscard]] Status saveAndQueue(streams::StreamOutbox &outbox,
                                      const protocol::PolicyPayload &policy,
                                      const QStringList &previousPins, QStringList &queuedTo,
                                      QStringList &notYet);

    DeskStore &m_desk;
};

} // namespace liaison::desk
