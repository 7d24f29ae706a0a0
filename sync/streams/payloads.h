#pragma once

// Payloads of the stream-level kinds (HEARTBEAT, RECEIPT, RESYNC_REQUEST, COMMAND, COMMAND_ACK,
// and the stream part of RESYNC). Maps with unsigned integer keys (strict CBOR rules of
// sync/protocol); unknown keys are rejected.

#include "error.h"
#include "receiver.h"
#include "streamtypes.h"

#include <QCborMap>
#include <QStringList>

#include <optional>

namespace liaison::streams::payload {

// EpochHead as {1: epoch, 2: seq, 3: env_hash}
[[nodiscard]] QCborMap encodeHead(const EpochHead &head);
[[nodiscard]] Result<EpochHead> decodeHead(const QCborValue &value);

struct Heartbeat
{
    enum Key : std::uint64_t { HqTime = 1, CertSerial = 2, DownHead = 3, UpApplied = 4 };
    std::int64_t hqTimeMs = 0;
    std::uint64_t certSerial = 0;
    EpochHead downHead;  // HQ's `down` head when it wrote this (before this envelope)
    EpochHead upApplied; // the last `up` envelope HQ applied
};
[[nodiscard]] QCborMap encode(const Heartbeat &h);
[[nodiscard]] Result<Heartbeat> decodeHeartbeat(const QCborMap &m);

struct Receipt
{
    enum Key : std::uint64_t { DownApplied = 1, UpSent = 2, UnlockFailures = 3 };
    EpochHead downApplied;
    EpochHead upSent; // the device's `up` head before this receipt
    std::int64_t unlockFailures = 0;
};
[[nodiscard]] QCborMap encode(const Receipt &r);
[[nodiscard]] Result<Receipt> decodeReceipt(const QCborMap &m);

struct ResyncRequest
{
    enum Key : std::uint64_t { Reason = 1, At = 2 };
    ResyncReason reason = ResyncReason::Manual;
    EpochHead at; // the `down` head applied when asking (or that the new `up` epoch answers)
};
[[nodiscard]] QCborMap encode(const ResyncRequest &r);
[[nodiscard]] Result<ResyncRequest> decodeResyncRequest(const QCborMap &m);

// RESYNC = ResyncSource content {1: snapshot, 2: scopes} plus {3: last up, 4: heartbeat}.
struct Resync
{
    enum Key : std::uint64_t { Snapshot = 1, Scopes = 2, LastUp = 3, Heartbeat = 4 };
    QCborMap snapshot;
    QStringList scopes;
    EpochHead lastUp; // epoch 0: HQ never accepted anything on `up`
    payload::Heartbeat heartbeat;
};
[[nodiscard]] QCborMap encode(const Resync &r);
[[nodiscard]] Result<Resync> decodeResync(const QCborMap &m);

struct CommandKeys
{
    enum Key : std::uint64_t {
        CommandId = 1,
        Type = 2,
        Target = 3,
        TargetKeyHash = 4,
        IssuedAt = 5,
        NotAfter = 6
    };
};
[[nodiscard]] QCborMap encode(const Command &c);
[[nodiscard]] Result<Command> decodeCommand(const QCborMap &m);

struct CommandAck
{
    enum Key : std::uint64_t { CommandId = 1, Type = 2, DoneAt = 3 };
    Id16 commandId;
    CommandType type = CommandType::Wipe;
    std::int64_t doneAtMs = 0;
};
[[nodiscard]] QCborMap encode(const CommandAck &a);
[[nodiscard]] Result<CommandAck> decodeCommandAck(const QCborMap &m);

} // namespace liaison::streams::payload
