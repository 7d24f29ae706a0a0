#pragma once

// Alarms: typed events the app and HQ show. They carry ids and counts only, never plaintext.
// Every alarm is also stored (stream_alarm) in the transaction that raised it, and handed to the
// AlarmSink after that transaction commits.

#include "streamtypes.h"

#include <QString>

#include <cstdint>
#include <functional>

namespace liaison::streams {

enum class AlarmType : std::uint8_t {
    Fork = 1,              // two validly signed envelopes for one (stream, seq), or prev != head
    SenderFault = 2,       // validly signed, but failed at step 4 (open) or 5 (kind, op checks)
    HeartbeatMismatch = 3, // device: HQ's HEARTBEAT disagrees with what the device sent/applied
    ReceiptMismatch = 4,   // HQ: a device RECEIPT disagrees with what HQ sent/applied
    GapTimeout = 5,        // a gap stayed open for kGapTimeoutMs online: RESYNC requested
    FarAhead = 6,          // seq > applied + kParkWindow: nothing kept, RESYNC requested
    ClockWrong = 7,        // the wall clock differs from the reference time by more than 2 min
    KeyFileOlderThanDatabase = 8, // key file generation below the one mirrored in the database
    Quarantined = 9,              // HQ: a wipe-only device sent something other than COMMAND_ACK
    UnlockFailures = 10,          // HQ: a RECEIPT reports failed unlock attempts
    StaleCertificate = 11,        // device: HEARTBEAT names an older certificate serial than known
    EpochRegressed = 12, // HQ's epochs went back (a restore): device: an envelope of an older
                         // epoch sealed after its current one began; HQ: a device applied a
                         // `down` position HQ never sealed (it is ahead of HQ's epochs)
};

[[nodiscard]] const char *alarmTypeName(AlarmType type);

struct Alarm
{
    std::int64_t id = 0; // row id in stream_alarm (0 until stored)
    AlarmType type = AlarmType::Fork;
    Id16 peer; // the other side of the stream (device id at HQ, HQ id at a device)
    Direction direction = Direction::Down;
    std::uint32_t epoch = 0;
    std::uint64_t seq = 0;  // the envelope concerned, or the head compared
    std::int64_t count = 0; // type specific: envelopes missing, failures, parked count ...
    std::int64_t atMs = 0;  // wall clock when raised

    // "fork peer=ab12.. down epoch 3 seq 17 count 2" - ids and counts only.
    [[nodiscard]] QString describe() const;
};

using AlarmSink = std::function<void(const Alarm &)>;

} // namespace liaison::streams
