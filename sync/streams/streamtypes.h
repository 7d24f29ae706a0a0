#pragma once

// Stream identity and the small value types shared by the receiver, the stream outbox and the
// appliers of sync/model and sync/hq. DESIGN.md "Streams".

#include "crypto/bytes.h"

#include <QCborMap>
#include <QMetaType>

#include <cstdint>

namespace liaison::streams {

using crypto::Hash32;
using crypto::Id16;

// Until sync/protocol publishes its Kind and Direction these are defined here; they then become
// aliases of protocol's (same enumerator names), so code written against them keeps compiling.
enum class Direction : std::uint8_t {
    Down = 1, // HQ -> device
    Up = 2,   // device -> HQ
};

enum class Kind : std::uint8_t {
    // down
    Delta = 1,
    ScopeJoin = 2,
    ScopeLeave = 3,
    Reject = 4,
    Policy = 5,
    Command = 6,
    KeyUpdate = 7,
    Heartbeat = 8,
    Resync = 9,
    // up (Delta and KeyUpdate also go up)
    Receipt = 10,
    CommandAck = 11,
    ResyncRequest = 12,
};

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

// A stream head that names its epoch (RESYNC's "last up HQ accepted", RECEIPT, HEARTBEAT).
struct EpochHead
{
    std::uint32_t epoch = 0;
    std::uint64_t seq = 0;
    Hash32 envHash;

    friend bool operator==(const EpochHead &, const EpochHead &) = default;
};

// The decrypted, strictly decoded body of an envelope: {kind, created, payload}.
struct Body
{
    Kind kind = Kind::Delta;
    std::int64_t createdMs = 0;
    QCborMap payload;
};

// State of a peer as HQ's device registry (or the device's view of HQ) sees it.
enum class PeerState : std::uint8_t {
    Pending = 1,  // enrolled, not yet confirmed: nothing is accepted
    Active = 2,   // everything allowed in its direction
    WipeOnly = 3, // revoked, wipe pending: HQ quarantines all but COMMAND_ACK
    Revoked = 4,  // nothing is accepted
};

// Kind allowed in a direction (DESIGN.md "Kinds"): a kind in the wrong direction is a sender fault.
[[nodiscard]] constexpr bool kindAllowedIn(Kind kind, Direction direction)
{
    switch (kind) {
    case Kind::Delta:
    case Kind::KeyUpdate:
        return true;
    case Kind::ScopeJoin:
    case Kind::ScopeLeave:
    case Kind::Reject:
    case Kind::Policy:
    case Kind::Command:
    case Kind::Heartbeat:
    case Kind::Resync:
        return direction == Direction::Down;
    case Kind::Receipt:
    case Kind::CommandAck:
    case Kind::ResyncRequest:
        return direction == Direction::Up;
    }
    return false;
}

// The kind that must open a new epoch (seq 1): RESYNC on `down`; on `up` the device answers a
// RESYNC by opening a new epoch with a RESYNC_REQUEST of reason EpochOpened.
[[nodiscard]] constexpr Kind epochOpeningKind(Direction direction)
{
    return direction == Direction::Down ? Kind::Resync : Kind::ResyncRequest;
}

// How far ahead of the applied head an envelope may be parked; beyond that nothing is kept.
inline constexpr std::uint64_t kParkWindow = 2000;
// How long a gap may stay open while online before a RESYNC_REQUEST (1 h).
inline constexpr std::int64_t kGapTimeoutMs = 60ll * 60 * 1000;
// An envelope the relay acknowledged this long before the other side's HEARTBEAT / RECEIPT was
// written, and that the other side still has not applied, was withheld: mismatch alarm.
inline constexpr std::int64_t kWithholdGraceMs = 15ll * 60 * 1000;

} // namespace liaison::streams
