#pragma once

// Stream identity and the small value types shared by the receiver, the stream outbox and the
// appliers of sync/model and sync/hq. DESIGN.md "Streams".

#include "crypto/bytes.h"
#include "protocol/body.h"
#include "protocol/lanes.h"

#include <QCborMap>

#include <cstdint>

namespace liaison::streams {

using crypto::Hash32;
using crypto::Id16;

// Kind, Direction and Body are sync/protocol's (the wire values live there).
using Direction = protocol::Direction;
using Kind = protocol::Kind;
using Body = protocol::Body;
// (epoch, seq, env_hash) of a stream position (RESYNC's "last up HQ accepted", RECEIPT,
// HEARTBEAT).
using EpochHead = protocol::StreamHead;

// Which side of the star this process is.
enum class Role : std::uint8_t {
    Device = 1,
    Hq = 2,
};

// One stream: (sender id, recipient id, epoch) plus its direction, which follows from who sends.
struct StreamId
{
    Id16 sender;
    Id16 recipient;
    std::uint32_t epoch = 0;
    Direction direction = Direction::Down;

    friend bool operator==(const StreamId &, const StreamId &) = default;
};

// The last envelope applied (receiving side) or assigned (sending side). seq 0 and a zero hash
// mean "nothing yet in this epoch".
struct StreamHead
{
    std::uint64_t seq = 0;
    Hash32 envHash;

    friend bool operator==(const StreamHead &, const StreamHead &) = default;
};

// State of a peer as HQ's device registry (or the device's view of HQ) sees it.
enum class PeerState : std::uint8_t {
    Pending = 1,  // enrolled, not yet confirmed: nothing is accepted
    Active = 2,   // everything allowed in its direction
    WipeOnly = 3, // revoked, wipe pending: HQ quarantines all but COMMAND_ACK
    Revoked = 4,  // nothing is accepted
};

// Kind allowed in a direction (DESIGN.md "Kinds"): a kind in the wrong direction is a sender fault.
[[nodiscard]] inline bool kindAllowedIn(Kind kind, Direction direction)
{
    return protocol::kindAllowed(direction, kind);
}

using Lane = protocol::Lane;

// What may travel on a priority lane (DESIGN.md "Streams": `down!` / `up!`): commands and their
// acknowledgements, urgent DELTAs and the REJECTs of those. Anything else there is a sender
// fault. (Which DELTAs are urgent is the fan-out's choice by record type; snapshots, HEARTBEAT,
// RECEIPT and RESYNC stay on the bulk lane, which orders them.)
[[nodiscard]] constexpr bool kindOnPriorityLane(Kind kind)
{
    return kind == Kind::Delta || kind == Kind::Command || kind == Kind::CommandAck ||
           kind == Kind::Reject;
}

// The kind that must open a new epoch (seq 1): RESYNC (part 1) on `down`; on `up` the device
// answers a RESYNC by opening a new epoch with a RECEIPT naming the RESYNC it applied.
[[nodiscard]] constexpr Kind epochOpeningKind(Direction direction)
{
    return direction == Direction::Down ? Kind::Resync : Kind::Receipt;
}

// How far ahead of the applied head an envelope may be parked; beyond that nothing is kept.
inline constexpr std::uint64_t kParkWindow = 2000;
// HQ sends a HEARTBEAT on a device's `down` stream when none (nor a RESYNC) went for this long
// (DESIGN.md "Streams": at least daily; Receiver::tick). The app says "no word from HQ" after 48 h.
inline constexpr std::int64_t kHeartbeatIntervalMs = 24ll * 3600 * 1000;
// How long a gap may stay open while online before a RESYNC_REQUEST (1 h).
inline constexpr std::int64_t kGapTimeoutMs = 60ll * 60 * 1000;
// HQ builds at most one RESYNC per device per this interval (wall clock); requests in between are
// coalesced into the one sent when it is over (review M4, issue 8 point 8).
inline constexpr std::int64_t kResyncIntervalMs = 10ll * 60 * 1000;
// HQ restored from a backup (Receiver::afterRestore): every `down` stream moves this many epochs
// on, more than a device can have seen since any backup (at most one automatic RESYNC per
// device per kResyncIntervalMs: over a year of them), so HQ's epochs never go back.
inline constexpr std::uint32_t kRestoreEpochJump = 1u << 16;
// An envelope the relay acknowledged this long before the other side's HEARTBEAT / RECEIPT was
// written, and that the other side still has not applied, was withheld: mismatch alarm.
inline constexpr std::int64_t kWithholdGraceMs = 15ll * 60 * 1000;

} // namespace liaison::streams
