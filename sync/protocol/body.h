#pragma once

// The plaintext inside an envelope (DESIGN.md "Streams", "Envelope wire format"):
//
//   body = deterministic CBOR map {0: kind, 1: created (ms since the Unix epoch), 2: payload}
//   RESYNC and SCOPE_JOIN: {0: kind, 1: created, 3: raw DEFLATE of the payload's canonical CBOR}
//   (DESIGN.md "Compression": snapshot parts only; protocol/deflate.h)
//
// padded with sodium_pad to a bucket (512 B, powers of two up to 64 KiB, then multiples of
// 64 KiB). The payload is a CBOR map whose schema belongs to the kind; every schema uses small
// unsigned integer keys (see cbor.h) and rejects keys it does not know.
//
// Kinds that carry record operations (DELTA, SCOPE_JOIN, RESYNC) carry them as a CBOR array of
// maps; the operation schema belongs to sync/model, which can check every operation while the
// body is decoded by passing an OpValidator.

#include "crypto/crypto.h"
#include "error.h"
#include "protocol/cbor.h"
#include "protocol/enrolment.h"

#include <QByteArray>
#include <QCborArray>
#include <QCborMap>
#include <QStringList>

#include <cstdint>
#include <functional>
#include <optional>

namespace liaison::protocol {

enum class Direction : std::uint8_t {
    Down, // HQ -> device
    Up,   // device -> HQ
};

// Wire values of the kinds (body key 0). Never renumber.
enum class Kind : std::uint8_t {
    Delta = 1,         // down and up
    ScopeJoin = 2,     // down
    ScopeLeave = 3,    // down
    Reject = 4,        // down
    Policy = 5,        // down
    Command = 6,       // down
    KeyUpdate = 7,     // down and up
    Heartbeat = 8,     // down
    Resync = 9,        // down
    Receipt = 10,      // up
    CommandAck = 11,   // up
    ResyncRequest = 12 // up
};

[[nodiscard]] bool isKnownKind(std::uint64_t wire);
[[nodiscard]] bool kindAllowed(Direction direction, Kind kind);
[[nodiscard]] const char *kindName(Kind kind);

// Checks one record operation (a CBOR map) against sync/model's schema.
using OpValidator = std::function<Status(const QCborMap &op)>;
// Checks a whole payload against a kind's schema.
using PayloadValidator = std::function<Status(Kind kind, const QCborMap &payload)>;

// What decodeBody checks beyond the strict CBOR and the body's own three keys.
struct BodyOptions
{
    // Called for every operation of DELTA, SCOPE_JOIN, RESYNC and for REJECT's op, under the
    // built-in payload schemas.
    OpValidator validateOp;
    // When set, replaces the built-in payload schemas (checkPayload) entirely; for a layer that
    // owns a kind's payload schema itself. The payload is still strict canonical CBOR either way.
    PayloadValidator validatePayload;
};

struct Body
{
    Kind kind = Kind::Heartbeat;
    std::int64_t createdMs = 0;
    QCborMap payload;
};

namespace body_key {
inline constexpr std::uint64_t kind = 0;
inline constexpr std::uint64_t created = 1;
inline constexpr std::uint64_t payload = 2;
inline constexpr std::uint64_t compressedPayload = 3; // RESYNC and SCOPE_JOIN only
} // namespace body_key

// The kinds whose payload travels compressed (snapshot parts).
[[nodiscard]] bool compressedKind(Kind kind);

// Canonical CBOR of the body (not padded). Fails if the payload holds off-model values or does
// not match the kind's schema.
[[nodiscard]] Result<QByteArray> encodeBody(const Body &body, const BodyOptions &options = {});
// Strict decode: canonical CBOR, exactly the three keys (the payload compressed exactly for the
// compressed kinds, and inflating within kMaxInflatedPayloadBytes to canonical CBOR), a known
// kind (Errc::Malformed), allowed in direction (Errc::Refused), and a payload matching the kind's
// schema (Errc::Malformed).
[[nodiscard]] Result<Body> decodeBody(QByteArrayView bytes, Direction direction,
                                      const BodyOptions &options = {});
// The kind's payload schema alone.
[[nodiscard]] Status checkPayload(Kind kind, const QCborMap &payload,
                                  const OpValidator &validateOp = {});

// sodium_pad into the bucket of bodyBucketFor(size).
[[nodiscard]] QByteArray padBody(QByteArrayView body);
// Rejects a padded size that is not a bucket, bad padding, and padding that is not minimal
// (a body in a bigger bucket than its size needs).
[[nodiscard]] Result<QByteArray> unpadBody(QByteArrayView padded);

// ---- payloads ----

// (epoch, seq, env_hash) of a stream position; seq 0 and a zero hash mean "nothing yet".
struct StreamHead
{
    std::uint32_t epoch = 0;
    std::uint64_t seq = 0;
    crypto::Hash32 envHash;

    [[nodiscard]] QCborMap toCbor() const;
    [[nodiscard]] static Result<StreamHead> fromCbor(const QCborMap &map);
    friend bool operator==(const StreamHead &, const StreamHead &) = default;
};

// HEARTBEAT (HQ, at least daily and inside every RESYNC).
struct HeartbeatPayload
{
    enum class Key : std::uint64_t {
        HqTime = 0,
        CertSerial = 1,
        DownHead = 2,
        UpApplied = 3,
        Cert = 4
    };
    std::int64_t hqTimeMs = 0;
    std::uint64_t certSerial = 0;
    StreamHead downHead;                   // HQ's newest envelope on this device's down stream
    StreamHead upApplied;                  // the last up envelope HQ applied
    std::optional<QByteArray> certificate; // the HQ certificate (format owned by sync/hq)

    [[nodiscard]] QCborMap toCbor() const;
    [[nodiscard]] static Result<HeartbeatPayload> fromCbor(const QCborMap &map);
    friend bool operator==(const HeartbeatPayload &, const HeartbeatPayload &) = default;
};

// RECEIPT (device, every sync).
struct ReceiptPayload
{
    enum class Key : std::uint64_t {
        DownApplied = 0,
        UpSent = 1,
        UnlockFailures = 2,
        Features = 3
    };
    // Key 3 (optional): what this device understands beyond protocol v1. A version step: an HQ
    // older than this key refuses a RECEIPT that carries it (strict CBOR), so a deployment
    // updates liaison-hq before its devices; an HQ of this version seals nothing a device has
    // not announced (an old device, whose RECEIPTs lack the key, gets everything as before).
    static constexpr std::uint64_t kFeaturePriorityLanes = 1; // `down!` / `up!` (lanes.h)
    static constexpr std::uint64_t kKnownFeatures = kFeaturePriorityLanes;
    StreamHead downApplied;
    StreamHead upSent;
    std::uint32_t unlockFailures = 0;
    std::uint64_t features = 0; // 0: the key is left out (a v1 RECEIPT)

    [[nodiscard]] QCborMap toCbor() const;
    [[nodiscard]] static Result<ReceiptPayload> fromCbor(const QCborMap &map);
    friend bool operator==(const ReceiptPayload &, const ReceiptPayload &) = default;
};

// RESYNC_REQUEST (device).
struct ResyncRequestPayload
{
    enum class Key : std::uint64_t { Reason = 0, DownApplied = 1, Detail = 2 };
    enum class Reason : std::uint8_t {
        Gap = 1,         // a gap not filled within the gap time
        FarAhead = 2,    // seq more than 2000 ahead
        Fork = 3,        // two envelopes for one position
        SenderFault = 4, // a validly signed envelope failed to open or decode
        Retention = 5,   // the relay no longer holds what is missing
        Other = 6,
    };
    Reason reason = Reason::Other;
    StreamHead downApplied;
    std::uint64_t detail = 0; // e.g. the first missing or the offending seq

    [[nodiscard]] QCborMap toCbor() const;
    [[nodiscard]] static Result<ResyncRequestPayload> fromCbor(const QCborMap &map);
    friend bool operator==(const ResyncRequestPayload &, const ResyncRequestPayload &) = default;
};

// SCOPE_LEAVE (HQ): purge the scope's records at once.
struct ScopeLeavePayload
{
    enum class Key : std::uint64_t { Scope = 0 };
    QString scope;

    [[nodiscard]] QCborMap toCbor() const;
    [[nodiscard]] static Result<ScopeLeavePayload> fromCbor(const QCborMap &map);
    friend bool operator==(const ScopeLeavePayload &, const ScopeLeavePayload &) = default;
};

// REJECT (HQ): the rejected operation and the authoritative values.
struct RejectPayload
{
    enum class Key : std::uint64_t { Op = 0, Reason = 1, Authoritative = 2, SentIn = 3 };
    enum class Reason : std::uint8_t {
        HqOnlyType = 1,    // the type is written by HQ only
        NotOwner = 2,      // another author's record
        OutsideScope = 3,  // the device is not a member of the record's scope
        ClockAhead = 4,    // stamped more than 10 min ahead of HQ's clock
        BadOrigin = 5,     // HLC origin is not the authenticated author
        Invalid = 6,       // fails validation otherwise
        Deleted = 7,       // the record is deleted
        Quota = 8,         // the device sent more operations than HQ takes per interval
        DeleteRefused = 9, // the desk refused this device's deletion of a shared record
    };
    QCborMap op; // the rejected operation, as sync/model encodes it
    Reason reason = Reason::Invalid;
    QCborValue authoritative; // HQ's record (map, sync/model's schema) or null when none
    // Where the rejected operation came from: the device's `up` envelope (epoch, seq, env_hash)
    // that carried it. Absent when HQ rejects later (the desk refusing a held deletion).
    std::optional<StreamHead> sentIn;

    [[nodiscard]] QCborMap toCbor() const;
    [[nodiscard]] static Result<RejectPayload> fromCbor(const QCborMap &map,
                                                        const OpValidator &validateOp = {});
    friend bool operator==(const RejectPayload &, const RejectPayload &) = default;
};

// DELTA (both directions): record operations.
struct DeltaPayload
{
    enum class Key : std::uint64_t { Ops = 0 };
    QCborArray ops; // each a map in sync/model's operation schema

    [[nodiscard]] QCborMap toCbor() const;
    [[nodiscard]] static Result<DeltaPayload> fromCbor(const QCborMap &map,
                                                       const OpValidator &validateOp = {});
    friend bool operator==(const DeltaPayload &, const DeltaPayload &) = default;
};

// SCOPE_JOIN (HQ): part `part` (1-based) of `parts` of the scope's snapshot.
struct ScopeJoinPayload
{
    enum class Key : std::uint64_t { Scope = 0, Part = 1, Parts = 2, Ops = 3 };
    QString scope;
    std::uint32_t part = 1;
    std::uint32_t parts = 1;
    QCborArray ops;

    [[nodiscard]] QCborMap toCbor() const;
    [[nodiscard]] static Result<ScopeJoinPayload> fromCbor(const QCborMap &map,
                                                           const OpValidator &validateOp = {});
    friend bool operator==(const ScopeJoinPayload &, const ScopeJoinPayload &) = default;
};

// POLICY (HQ). relayPins rolls the relay's TLS pins over (DESIGN.md "Relay"): absent leaves the
// device's pins as they are; present holds 1..kEnrolMaxPins pins and replaces them.
struct PolicyPayload
{
    enum class Key : std::uint64_t {
        AutoLockSeconds = 0,
        EraseAfter = 1,
        Version = 2,
        RelayPins = 3
    };
    std::uint32_t autoLockSeconds = 60;
    std::uint32_t eraseAfter = 0; // failed unlocks before crypto-erase; 0 = never
    std::uint64_t version = 0;
    std::optional<QList<RelayPin>> relayPins;

    [[nodiscard]] QCborMap toCbor() const;
    [[nodiscard]] static Result<PolicyPayload> fromCbor(const QCborMap &map);
    friend bool operator==(const PolicyPayload &, const PolicyPayload &) = default;
};

// RESYNC (HQ, seq 1 of a new epoch): full snapshot of the device's scopes in parts, its scope
// list, the last up HQ accepted and a HEARTBEAT; policy and wipe id when HQ sends them (first
// RESYNC after enrolment).
struct ResyncPayload
{
    enum class Key : std::uint64_t {
        Scopes = 0,
        UpAccepted = 1,
        Heartbeat = 2,
        Part = 3,
        Parts = 4,
        Ops = 5,
        Policy = 6,
        WipeId = 7
    };
    QStringList scopes;
    StreamHead upAccepted;
    HeartbeatPayload heartbeat;
    std::uint32_t part = 1;
    std::uint32_t parts = 1;
    QCborArray ops;
    std::optional<PolicyPayload> policy;
    std::optional<crypto::Id16> wipeId;

    [[nodiscard]] QCborMap toCbor() const;
    [[nodiscard]] static Result<ResyncPayload> fromCbor(const QCborMap &map,
                                                        const OpValidator &validateOp = {});
    friend bool operator==(const ResyncPayload &, const ResyncPayload &) = default;
};

// COMMAND (HQ). DESIGN.md "Commands".
struct CommandPayload
{
    enum class Key : std::uint64_t {
        CommandId = 0,
        Type = 1,
        Target = 2,
        TargetSignKeyHash = 3,
        IssuedAt = 4,
        NotAfter = 5,
        Args = 6
    };
    enum class Type : std::uint8_t { Wipe = 1 };
    crypto::Id16 commandId;
    Type type = Type::Wipe;
    crypto::Id16 target;
    crypto::Hash32 targetSignKeyHash; // BLAKE2b-256(target sign pk)
    std::int64_t issuedAtMs = 0;
    std::int64_t notAfterMs = 0;
    std::optional<QCborMap> args;

    [[nodiscard]] QCborMap toCbor() const;
    [[nodiscard]] static Result<CommandPayload> fromCbor(const QCborMap &map);
    friend bool operator==(const CommandPayload &, const CommandPayload &) = default;
};

// COMMAND_ACK (device).
struct CommandAckPayload
{
    enum class Key : std::uint64_t { CommandId = 0, Result = 1, DoneAt = 2 };
    enum class Outcome : std::uint8_t { Done = 1, Refused = 2, Failed = 3 };
    crypto::Id16 commandId;
    Outcome result = Outcome::Done;
    std::int64_t doneAtMs = 0;

    [[nodiscard]] QCborMap toCbor() const;
    [[nodiscard]] static Result<CommandAckPayload> fromCbor(const QCborMap &map);
    friend bool operator==(const CommandAckPayload &, const CommandAckPayload &) = default;
};

// KEY_UPDATE (both): a new box public key with its id.
struct KeyUpdatePayload
{
    enum class Key : std::uint64_t { KeyId = 0, BoxKey = 1, ValidFrom = 2 };
    std::uint32_t keyId = 0;
    crypto::BoxPublicKey boxKey;
    std::int64_t validFromMs = 0;

    [[nodiscard]] QCborMap toCbor() const;
    [[nodiscard]] static Result<KeyUpdatePayload> fromCbor(const QCborMap &map);
    friend bool operator==(const KeyUpdatePayload &, const KeyUpdatePayload &) = default;
};

} // namespace liaison::protocol
