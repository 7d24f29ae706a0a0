#pragma once

// The sending side of every stream this process writes (DESIGN.md "Streams"): assigns seq (+1 per
// epoch) and prev (env_hash of the previous envelope), seals the body for the recipient and stores
// the full envelope bytes in the same transaction that assigns seq. Retries resend those bytes.
//
// Every write runs in a SAVEPOINT, so it joins the caller's transaction when one is open (the
// receiver's, so replies and fan-out commit together with what caused them) and is atomic on its
// own otherwise.

#include "clock/clock.h"
#include "error.h"
#include "peers.h"
#include "streamtypes.h"

#include <QByteArray>
#include <QCborMap>

#include <functional>
#include <optional>
#include <vector>

namespace liaison::store {
class Database;
}

namespace liaison::streams {

struct QueuedEnvelope
{
    StreamId stream;
    std::uint64_t seq = 0;
    Hash32 envHash;
    Kind kind = Kind::Delta;
    std::int64_t createdMs = 0;
    std::int64_t deliveredMs = 0; // 0 until the relay acknowledged a durable commit
    QByteArray bytes;             // the full envelope, exactly as first sealed
};

class StreamOutbox
{
public:
    StreamOutbox(store::Database &db, const LocalIdentity &me, const PeerDirectory &peers,
                 const Clock &clock);
    StreamOutbox(const StreamOutbox &) = delete;
    StreamOutbox &operator=(const StreamOutbox &) = delete;

    // Seals {kind, created = now, payload} as the next envelope of the current epoch of the
    // stream to `recipient` and stores it. Refused (Errc::Refused) before the stream's first
    // epoch was opened with openEpoch (HQ: its RESYNC; a device: the RECEIPT that answers a
    // RESYNC, sent by the receiver when a RESYNC is applied), after jumpAllEpochs moved it on
    // (nothing sealed in the new epoch yet), or if the kind is not allowed in this direction.
    //
    // Lane::Priority seals into the priority stream (`down!` / `up!`, protocol/lanes.h) of the
    // current epoch: its epoch is the bulk lane's with the lane bit, its seq 1 opens it (any
    // kind that may travel there, kindOnPriorityLane; no RESYNC), and a new bulk epoch moves it
    // on. Refused as above while the bulk lane is not open. HQ: callers ask
    // priorityLaneUsable() first.
    [[nodiscard]] Result<QueuedEnvelope> enqueue(const Id16 &recipient, Kind kind,
                                                 const QCborMap &payload, Lane lane = Lane::Bulk);

    // Opens epoch current+1 (1 if none) with seq 1, prev zeros; `kind` must be
    // epochOpeningKind(direction). Undelivered envelopes of older epochs stay in the outbox for
    // the relay (their bodies remain available to reissueAfter); at HQ only the epoch before the
    // new one is kept (a device drops older epochs unread), older rows are deleted.
    [[nodiscard]] Result<QueuedEnvelope> openEpoch(const Id16 &recipient, Kind kind,
                                                   const QCborMap &payload);

    // HQ after a restore: the stream is moved to `epoch` (when it is behind it) with nothing
    // sealed in it, so the next openEpoch opens epoch + 1. Call only right before openEpoch, in
    // its transaction: nothing must be enqueued in between.
    [[nodiscard]] Status jumpEpoch(const Id16 &recipient, std::uint32_t epoch);
    // HQ restored from a backup: every stream moves `by` epochs on, with nothing sealed in the
    // new epoch; until openEpoch opens the next one (a RESYNC) nothing else can be sealed for
    // the recipient (enqueue is Refused, as for a stream never opened). Returns the recipients.
    [[nodiscard]] Result<std::vector<Id16>> jumpAllEpochs(std::uint32_t by);
    // Whether the stream to `recipient` has an open epoch something can be enqueued in (false
    // before its first RESYNC and after a jump).
    [[nodiscard]] Result<bool> isOpen(const Id16 &recipient) const;

    // Envelopes not yet acknowledged by the relay: the priority lane's first, then the bulk
    // lane's; oldest epoch and seq first within a lane.
    [[nodiscard]] Result<std::vector<QueuedEnvelope>> pending(const Id16 &recipient,
                                                              int limit = 256) const;
    // Every recipient that has pending envelopes.
    [[nodiscard]] Result<std::vector<Id16>> recipientsWithPending() const;
    // The relay acknowledged a durable commit of this envelope.
    [[nodiscard]] Status markDelivered(const Id16 &recipient, std::uint32_t epoch,
                                       std::uint64_t seq);

    // A stored envelope (gap fill from an in-process relay, receipt checks).
    [[nodiscard]] Result<std::optional<QueuedEnvelope>>
    find(const Id16 &recipient, std::uint32_t epoch, std::uint64_t seq) const;
    // Head of the current epoch of a lane (seq 0 if nothing sent in it).
    [[nodiscard]] Result<EpochHead> head(const Id16 &recipient, Lane lane = Lane::Bulk) const;

    // HQ: whether urgent messages for this device may go on `down!` now. Only when the device
    // said it understands the lanes (its newest RECEIPT announced
    // protocol::ReceiptPayload::kFeaturePriorityLanes) and that RECEIPT shows it applied the
    // current bulk epoch up to the last RESYNC / SCOPE_JOIN / SCOPE_LEAVE sealed for it: those
    // replace or add whole scopes on the device, and an operation that overtook one would be
    // refused (scope not joined yet) or undone (RESYNC replaces everything). A device that
    // also announced protocol::kFeaturePriorityDuringSnapshot keeps `down!` envelopes across a
    // RESYNC it has begun, so for it a RESYNC counts by its first part only. Otherwise
    // everything goes on `down` as before. A device: whether its `up` stream is open.
    [[nodiscard]] Result<bool> priorityLaneUsable(const Id16 &recipient) const;
    // HQ: the feature bits of the device's newest RECEIPT (protocol::ReceiptPayload::features),
    // nullopt before HQ has any.
    [[nodiscard]] Result<std::optional<std::uint64_t>> peerFeatures(const Id16 &recipient) const;

    // HQ, issue 13 (a fresh device on a thin link): an urgent message sealed on bulk `down`
    // because `down!` was not usable yet (HQ had no RECEIPT showing the RESYNC's first part)
    // waits behind the whole snapshot. markPromotable notes such an envelope; once `down!` opens,
    // takePromotable hands out, oldest first and each once, those of the current bulk epoch the
    // device has not applied (past the `down` head of its newest RECEIPT), and the caller
    // (HqFanout::promoteUrgent) seals their urgent part again on `down!`. The bulk copy still
    // goes out: the device applies both, and the second changes nothing (per-field stamps).
    // (Kept in the `reissued` column, which HQ reads for REJECTs only: 2 = promotable, 1 =
    // handed out; no migration.)
    [[nodiscard]] Status markPromotable(const Id16 &recipient, std::uint32_t epoch,
                                        std::uint64_t seq);
    struct Promotable
    {
        std::uint32_t epoch = 0;
        std::uint64_t seq = 0;
        Kind kind = Kind::Delta;
        QCborMap payload;
    };
    [[nodiscard]] Result<std::vector<Promotable>> takePromotable(const Id16 &recipient);

    // The newest envelope the relay acknowledged, with when.
    [[nodiscard]] Result<std::optional<QueuedEnvelope>> deliveredHead(const Id16 &recipient) const;

    // Re-issues, in the current epoch, the bodies of every envelope of kind `kind` sent after
    // `after` (a higher seq in that epoch, or any later epoch) and not re-issued before: what a
    // device does in its new `up` epoch once a RESYNC told it the last `up` HQ accepted. Returns
    // the payloads re-issued, oldest first.
    // `refresh`, when given, may change each body before it is sealed again or (nullopt) leave
    // it out (it is marked re-issued all the same).
    using Refresh = std::function<Result<std::optional<QCborMap>>(const QCborMap &)>;
    [[nodiscard]] Result<std::vector<QCborMap>> reissueAfter(const Id16 &recipient,
                                                             const EpochHead &after, Kind kind,
                                                             const Refresh &refresh = {});

    // Payloads of kind `kind` sent after `after` and not re-issued (with `reissuedToo`: re-issued
    // ones as well), oldest first.
    [[nodiscard]] Result<std::vector<QCborMap>> bodiesAfter(const Id16 &recipient,
                                                            const EpochHead &after, Kind kind,
                                                            bool reissuedToo = false) const;

    // HQ: a HEARTBEAT payload for a device, sealed just before every SCOPE_JOIN part 1 so the
    // device learns which of its `up` envelopes the snapshot already reflects (the receiver
    // installs it).
    using HeartbeatSource = std::function<Result<QCborMap>(const Id16 &device)>;
    void setJoinHeartbeat(HeartbeatSource source) { m_joinHeartbeat = std::move(source); }

    [[nodiscard]] Direction outgoingDirection() const;

    // HQ: whether `kind` may be sealed for this device now (DESIGN.md "Commands, remote wipe,
    // revocation"). A device that is not active (pending, wipe-only, revoked) or is quarantined
    // (its `up` stream frozen after a fork or a sender fault, until the desk releases it) gets
    // nothing but a WIPE: no RESYNC, SCOPE_JOIN, DELTA, HEARTBEAT or anything else. seal()
    // enforces it for every path; callers that fan out ask first and skip such recipients.
    // Always true on a device.
    [[nodiscard]] Result<bool> mayReceive(const Id16 &recipient, Kind kind,
                                          const QCborMap &payload) const;

private:
    [[nodiscard]] Result<QueuedEnvelope> seal(const Id16 &recipient, Kind kind,
                                              const QCborMap &payload, bool newEpoch,
                                              Lane lane = Lane::Bulk);

    store::Database &m_db;
    const LocalIdentity &m_me;
    const PeerDirectory &m_peers;
    const Clock &m_clock;
    HeartbeatSource m_joinHeartbeat;
};

} // namespace liaison::streams
