#pragma once

// What sync/model (device) and sync/hq (HQ) plug into the receiver for steps 5 and 6 of
// DESIGN.md "Streams". Both calls run inside the receiver's one store transaction, after the
// envelope was framed, verified, classified as the next one in order and opened.

#include "error.h"
#include "peers.h"
#include "streamtypes.h"

#include <QCborArray>
#include <QCborMap>
#include <QStringList>

#include <optional>

namespace liaison::store {
class Database;
}

namespace liaison::streams {

class StreamOutbox;

struct StreamContext
{
    store::Database &db;
    Role role;             // who is receiving
    StreamId stream;       // the stream the envelope came on (epoch of the envelope)
    std::uint64_t seq = 0; // of this envelope
    Hash32 envHash;        // of this envelope
    const Peer &sender;    // authenticated sender (its id is stream.sender)
    std::int64_t nowMs = 0;
    // Replies and fan-out (REJECT, DELTA to other members, SCOPE_JOIN ...) are enqueued here;
    // they commit or roll back together with the envelope that caused them.
    StreamOutbox &outbox;
};

class EnvelopeApplier
{
public:
    virtual ~EnvelopeApplier() = default;

    // Step 5: operation-level checks (ownership, scope, clock bound, payload shape). Must not
    // write. An error means the validly signed sender sent something it must not: the receiver
    // freezes the stream and raises a SenderFault alarm with the envelope as evidence. (HQ turns
    // an individual device operation it refuses into a REJECT in apply(); only an envelope that
    // cannot be an honest client's - undecodable payload, origin not the author ... - fails here.)
    // The kind has already been checked against the direction by the receiver.
    [[nodiscard]] virtual Status check(const Body &body, const StreamContext &ctx) = 0;

    // Step 6: apply. Remote operations are applied under a guard so they are never re-queued
    // locally. An error rolls the whole envelope back; it is not acknowledged and will be
    // retried (use it for local failures such as a full disk, not for content problems).
    //
    // Every kind reaches apply() after the receiver did its own part:
    //  - Heartbeat, Receipt, ResyncRequest, CommandAck: compared/recorded by the receiver; the
    //    applier may ignore them.
    //  - Command: WIPE ids are recorded and the wipe handler runs after the transaction; other
    //    command types are the applier's.
    //  - Resync (protocol::ResyncPayload, parts 1..n = seq 1..n of the new epoch) and a
    //    multi-part ScopeJoin: a device's receiver stages parts 1..n-1 (nothing is applied) and,
    //    when part n arrives, hands the applier one body, part 1 of 1, with every part's ops
    //    (DESIGN.md "Streams": a multi-part snapshot is applied only when all its parts are
    //    there). A RESYNC's ops are the full snapshot of the device's scopes: the applier must
    //    end with exactly those records for `scopes` and purge every other scope.
    //  - Delta, ScopeJoin, ScopeLeave, Reject, Policy, KeyUpdate: entirely the applier's.
    [[nodiscard]] virtual Status apply(const Body &body, const StreamContext &ctx) = 0;

    // Device: merge again this device's own DELTA (a payload it sent on `up`) that HQ had not yet
    // processed when it built a snapshot this device just applied (a whole RESYNC or SCOPE_JOIN,
    // at its last part): the snapshot cannot contain it, and HQ does not send a device its own
    // operations back. Operations of scopes the device does not hold must be skipped, not refused.
    // The default applies the DELTA as it is.
    [[nodiscard]] virtual Status remergeOwn(const Body &delta, const StreamContext &ctx)
    {
        return apply(delta, ctx);
    }

    // Device: the first part of a multi-part RESYNC was staged (apply() gets the whole snapshot
    // with its last part). The applier may hold the snapshot's scopes from here on (without
    // their records yet), so what HQ sends on `down!` meanwhile
    // (protocol::kFeaturePriorityDuringSnapshot) and what the officer writes in those scopes
    // can be applied; the whole snapshot then decides. The default does nothing.
    [[nodiscard]] virtual Status snapshotBegun(const Body &firstPart, const StreamContext &ctx)
    {
        Q_UNUSED(firstPart);
        Q_UNUSED(ctx);
        return {};
    }
};

// HQ only: what a RESYNC carries from the records layer for one device. The stream layer adds the
// last `up` HQ accepted and a HEARTBEAT, splits `ops` into parts (protocol::ResyncPayload part i
// of n) and seals them as seq 1..n of a new `down` epoch.
struct ResyncContent
{
    QStringList scopes;
    QCborArray ops; // every record of those scopes, as operations (sync/model's schema)
    std::optional<protocol::PolicyPayload> policy;
    std::optional<Id16> wipeId;
};

class ResyncSource
{
public:
    virtual ~ResyncSource() = default;
    [[nodiscard]] virtual Result<ResyncContent> resyncContent(store::Database &db,
                                                              const Id16 &device) = 0;
    // A REJECT sealed for `device` before this RESYNC, sent again in its new epoch (it may have
    // been lost with the old one): the payload to send now, or nullopt when the refusal no
    // longer stands. The default sends it as it was.
    [[nodiscard]] virtual Result<std::optional<QCborMap>> refreshReject(const Id16 &device,
                                                                        const QCborMap &reject)
    {
        Q_UNUSED(device);
        return std::optional<QCborMap>(reject);
    }
};

} // namespace liaison::streams
