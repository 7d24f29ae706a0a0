#include "streamoutbox.h"

#include "envelopecodec.h"
#include "protocol/body.h"
#include "protocol/features.h"
#include "savepoint.h"
#include "streamutil.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcOutbox, "liaison.sync.outbox")

namespace liaison::streams {

namespace {

constexpr const char *kSelectColumns =
    "SELECT recipient, epoch, seq, env_hash, kind, created_ms, delivered_ms, bytes FROM "
    "stream_outbox ";

// Envelopes sealed after a stream position `after`, across both lanes (bodiesAfter,
// reissueAfter): in its own lane those after it; in the other lane everything of its epoch
// number and later (the order between lanes is not known, so the copy counts).
// Six parameters, bound by bindAfter from `first`.
constexpr const char *kAfterClause =
    "((epoch < 2147483648 AND (epoch > ? OR (epoch = ? AND seq > ?))) OR (epoch >= 2147483648 "
    "AND (epoch > ? OR (epoch = ? AND seq > ?))))";

void bindAfter(store::Statement &st, int first, const EpochHead &after)
{
    const std::uint32_t number = protocol::epochNumber(after.epoch);
    std::int64_t bulkEpoch = 0, bulkSeq = 0, prioEpoch = 0, prioSeq = 0;
    if (protocol::laneOfEpoch(after.epoch) == Lane::Bulk) {
        bulkEpoch = after.epoch;
        bulkSeq = std::int64_t(after.seq);
        prioEpoch = std::int64_t(protocol::epochInLane(number, Lane::Priority)) - 1;
        prioSeq = INT64_MAX;
    } else {
        prioEpoch = after.epoch;
        prioSeq = std::int64_t(after.seq);
        bulkEpoch = std::int64_t(number) - 1;
        bulkSeq = INT64_MAX;
    }
    st.bind(first, bulkEpoch)
        .bind(first + 1, bulkEpoch)
        .bind(first + 2, bulkSeq)
        .bind(first + 3, prioEpoch)
        .bind(first + 4, prioEpoch)
        .bind(first + 5, prioSeq);
}

} // namespace

StreamOutbox::StreamOutbox(store::Database &db, const LocalIdentity &me, const PeerDirectory &peers,
                           const Clock &clock)
    : m_db(db)
    , m_me(me)
    , m_peers(peers)
    , m_clock(clock)
{}

Direction StreamOutbox::outgoingDirection() const
{
    return m_me.role() == Role::Device ? Direction::Up : Direction::Down;
}

Result<bool> StreamOutbox::mayReceive(const Id16 &recipient, Kind kind,
                                      const QCborMap &payload) const
{
    if (m_me.role() != Role::Hq)
        return true;
    if (kind == Kind::Command) {
        const auto cmd = protocol::CommandPayload::fromCbor(payload);
        if (cmd && cmd->type == protocol::CommandPayload::Type::Wipe)
            return true;
    }
    const auto peer = m_peers.peer(recipient);
    if (!peer || peer->state != PeerState::Active)
        return false;
    // Quarantined: HQ's `up` stream from this device is frozen.
    // Quarantined: HQ's `up` stream from this device is frozen (either lane).
    STREAMS_TRY_ASSIGN(auto st, m_db.prepare("SELECT max(state) FROM stream_in WHERE sender = ? "
                                             "AND recipient = ?"));
    st.bind(1, recipient.view()).bind(2, m_me.localId().view());
    STREAMS_TRY_ASSIGN(const bool row, st.step());
    return !row || st.columnIsNull(0) || st.columnInt64(0) == 0;
}

Result<QueuedEnvelope> StreamOutbox::enqueue(const Id16 &recipient, Kind kind,
                                             const QCborMap &payload, Lane lane)
{
    return seal(recipient, kind, payload, false, lane);
}

Result<bool> StreamOutbox::priorityLaneUsable(const Id16 &recipient) const
{
    STREAMS_TRY_ASSIGN(const EpochHead bulk, head(recipient));
    if (bulk.epoch == 0 || bulk.seq == 0)
        return false;
    if (m_me.role() != Role::Hq)
        return true;
    // The device's newest RECEIPT (HQ's bulk `up` row): its features and the `down` head it
    // applied.
    STREAMS_TRY_ASSIGN(auto seen, m_db.prepare("SELECT peer_features, peer_seen_epoch, "
                                               "peer_seen_seq FROM stream_in WHERE sender = ? "
                                               "AND recipient = ? AND lane = 0"));
    seen.bind(1, recipient.view()).bind(2, m_me.localId().view());
    STREAMS_TRY_ASSIGN(const bool have, seen.step());
    if (!have)
        return false;
    const auto features = std::uint64_t(seen.columnInt64(0));
    const auto seenEpoch = std::uint32_t(seen.columnInt64(1));
    const auto seenSeq = std::uint64_t(seen.columnInt64(2));
    seen.reset();
    if ((features & protocol::ReceiptPayload::kFeaturePriorityLanes) == 0)
        return false;
    if (seenEpoch != bulk.epoch)
        return false; // the device has not applied this epoch's RESYNC yet
    // The barrier: the last RESYNC part / SCOPE_JOIN / SCOPE_LEAVE sealed in this epoch. A device
    // that keeps `down!` envelopes across a RESYNC it has begun (kFeaturePriorityDuringSnapshot)
    // needs only the RESYNC's first part: the rest of the snapshot cannot undo them there.
    const bool duringSnapshot = (features & protocol::kFeaturePriorityDuringSnapshot) != 0;
    STREAMS_TRY_ASSIGN(auto barrier,
                       m_db.prepare("SELECT max(seq) FROM stream_outbox WHERE recipient = ? AND "
                                    "epoch = ? AND kind IN (?, ?, ?)"));
    barrier.bind(1, recipient.view())
        .bind(2, std::int64_t(bulk.epoch))
        .bind(3, int(duringSnapshot ? Kind::ScopeJoin : Kind::Resync))
        .bind(4, int(Kind::ScopeJoin))
        .bind(5, int(Kind::ScopeLeave));
    STREAMS_TRY_ASSIGN(const bool row, barrier.step());
    // (No RESYNC left in the outbox for the current epoch: HQ never seals in an epoch without
    // one, so the barrier is seq 1 at least.)
    const std::uint64_t last =
        row && !barrier.columnIsNull(0) ? std::uint64_t(barrier.columnInt64(0)) : 1;
    return seenSeq >= last;
}

Result<std::optional<std::uint64_t>> StreamOutbox::peerFeatures(const Id16 &recipient) const
{
    // (The row may exist before any RECEIPT: only a RECEIPT sets the peer's time at HQ.)
    STREAMS_TRY_ASSIGN(auto st, m_db.prepare("SELECT peer_features, peer_time_local_ms FROM "
                                             "stream_in WHERE sender = ? AND recipient = ? AND "
                                             "lane = 0"));
    st.bind(1, recipient.view()).bind(2, m_me.localId().view());
    STREAMS_TRY_ASSIGN(const bool row, st.step());
    if (!row || st.columnInt64(1) == 0)
        return std::optional<std::uint64_t>{};
    return std::optional<std::uint64_t>(std::uint64_t(st.columnInt64(0)));
}

namespace {
// stream_outbox.reissued at HQ for a bulk envelope with urgent content (markPromotable).
constexpr int kPromotable = 2;
constexpr int kPromoted = 1;
} // namespace

Status StreamOutbox::markPromotable(const Id16 &recipient, std::uint32_t epoch, std::uint64_t seq)
{
    if (m_me.role() != Role::Hq || protocol::laneOfEpoch(epoch) != Lane::Bulk)
        return fail(Errc::InvalidArgument, QStringLiteral("only HQ's bulk envelopes are promoted"));
    STREAMS_TRY_ASSIGN(auto st,
                       m_db.prepare("UPDATE stream_outbox SET reissued = ? WHERE recipient = ? "
                                    "AND epoch = ? AND seq = ? AND reissued = 0"));
    st.bind(1, kPromotable)
        .bind(2, recipient.view())
        .bind(3, std::int64_t(epoch))
        .bind(4, std::int64_t(seq));
    return st.exec();
}

Result<std::vector<StreamOutbox::Promotable>> StreamOutbox::takePromotable(const Id16 &recipient)
{
    STREAMS_TRY_ASSIGN(const EpochHead bulk, head(recipient));
    if (bulk.epoch == 0 || bulk.seq == 0)
        return std::vector<Promotable>{};
    // What the device applied of this epoch, by its newest RECEIPT.
    std::uint64_t applied = 0;
    {
        STREAMS_TRY_ASSIGN(auto seen,
                           m_db.prepare("SELECT peer_seen_epoch, peer_seen_seq FROM stream_in "
                                        "WHERE sender = ? AND recipient = ? AND lane = 0"));
        seen.bind(1, recipient.view()).bind(2, m_me.localId().view());
        STREAMS_TRY_ASSIGN(const bool have, seen.step());
        if (have && std::uint32_t(seen.columnInt64(0)) == bulk.epoch)
            applied = std::uint64_t(seen.columnInt64(1));
    }
    Savepoint sp(m_db);
    STREAMS_TRY(sp.begin());
    STREAMS_TRY_ASSIGN(auto st, m_db.prepare("SELECT seq, kind, payload FROM stream_outbox WHERE "
                                             "recipient = ? AND epoch = ? AND seq > ? AND "
                                             "reissued = ? ORDER BY seq"));
    st.bind(1, recipient.view())
        .bind(2, std::int64_t(bulk.epoch))
        .bind(3, std::int64_t(applied))
        .bind(4, kPromotable);
    std::vector<Promotable> out;
    for (;;) {
        STREAMS_TRY_ASSIGN(const bool row, st.step());
        if (!row)
            break;
        Promotable p;
        p.epoch = bulk.epoch;
        p.seq = std::uint64_t(st.columnInt64(0));
        p.kind = Kind(st.columnInt64(1));
        STREAMS_TRY_ASSIGN(p.payload, codec::decodePayload(st.columnBlob(2)));
        out.push_back(std::move(p));
    }
    st.reset();
    STREAMS_TRY_ASSIGN(auto mark, m_db.prepare("UPDATE stream_outbox SET reissued = ? WHERE "
                                               "recipient = ? AND epoch = ? AND seq = ?"));
    for (const Promotable &p : out) {
        mark.bind(1, kPromoted)
            .bind(2, recipient.view())
            .bind(3, std::int64_t(p.epoch))
            .bind(4, std::int64_t(p.seq));
        STREAMS_TRY(mark.exec());
    }
    STREAMS_TRY(sp.release());
    return out;
}

Result<QueuedEnvelope> StreamOutbox::openEpoch(const Id16 &recipient, Kind kind,
                                               const QCborMap &payload)
{
    if (kind != epochOpeningKind(outgoingDirection()))
        return fail(Errc::Refused, QStringLiteral("this kind cannot open an epoch"));
    return seal(recipient, kind, payload, true);
}

Result<QueuedEnvelope> StreamOutbox::seal(const Id16 &recipient, Kind kind, const QCborMap &payload,
                                          bool newEpoch, Lane lane)
{
    const Direction dir = outgoingDirection();
    if (!kindAllowedIn(kind, dir))
        return fail(Errc::Refused, QStringLiteral("kind not allowed in this direction"));
    const bool priority = lane == Lane::Priority;
    if (priority && (newEpoch || !kindOnPriorityLane(kind)))
        return fail(Errc::Refused, QStringLiteral("kind not allowed on the priority lane"));
    const auto peer = m_peers.peer(recipient);
    if (!peer)
        return fail(Errc::NotFound, QStringLiteral("unknown recipient"));
    STREAMS_TRY_ASSIGN(const bool allowed, mayReceive(recipient, kind, payload));
    if (!allowed) {
        qCInfo(lcOutbox) << "refused to seal kind" << int(kind)
                         << "for a device that is not active or is quarantined";
        return fail(Errc::Refused, QStringLiteral("recipient is cut off (not active)"));
    }

    Savepoint sp(m_db);
    STREAMS_TRY(sp.begin());
    if (kind == Kind::ScopeJoin && m_joinHeartbeat && !newEpoch && !priority) {
        const auto join = protocol::ScopeJoinPayload::fromCbor(payload);
        if (join && join->part == 1) {
            STREAMS_TRY_ASSIGN(const QCborMap hb, m_joinHeartbeat(recipient));
            STREAMS_TRY(seal(recipient, Kind::Heartbeat, hb, false));
        }
    }

    STREAMS_TRY_ASSIGN(const EpochHead bulk, head(recipient, Lane::Bulk));
    const bool have = bulk.epoch != 0;
    EpochHead cur = bulk;
    if (priority) {
        // The priority stream of the bulk lane's current epoch: its seq 1 opens it.
        if (bulk.epoch == 0 || bulk.seq == 0)
            return fail(Errc::Refused, QStringLiteral("stream not open: no epoch yet"));
        STREAMS_TRY_ASSIGN(cur, head(recipient, Lane::Priority));
        const std::uint32_t want = protocol::epochInLane(bulk.epoch, Lane::Priority);
        if (cur.epoch != want)
            cur = EpochHead{want, 0, Hash32{}};
    }

    EpochHead next;
    if (priority) {
        next.epoch = cur.epoch;
        next.seq = cur.seq + 1;
    } else if (newEpoch) {
        if (cur.epoch + 1 >= protocol::kPriorityEpochBit)
            return fail(Errc::Refused, QStringLiteral("epoch space exhausted"));
        next.epoch = cur.epoch + 1;
        next.seq = 1;
    } else {
        if (!have || cur.epoch == 0 || cur.seq == 0)
            return fail(Errc::Refused, QStringLiteral("stream not open: no epoch yet"));
        next.epoch = cur.epoch;
        next.seq = cur.seq + 1;
    }
    const Hash32 prev = next.seq == 1 ? Hash32{} : cur.envHash;

    codec::SealInput in;
    in.deployment = m_me.deploymentId();
    in.sender = m_me.localId();
    in.recipient = recipient;
    in.epoch = next.epoch;
    in.seq = next.seq;
    in.prev = prev;
    in.recipientBoxKeyId = peer->boxKeyId;
    in.recipientBoxKey = peer->boxKey;
    in.senderKey = &m_me.signingKey();
    in.direction = dir;
    in.kind = kind;
    in.createdMs = m_clock.wallMs();
    in.payload = payload;
    STREAMS_TRY_ASSIGN(auto sealed, codec::seal(in));
    STREAMS_TRY_ASSIGN(const QByteArray payloadBytes, codec::encodePayload(payload));

    STREAMS_TRY_ASSIGN(auto ins, m_db.prepare("INSERT INTO stream_outbox (recipient, epoch, seq, "
                                              "env_hash, kind, payload, bytes, created_ms) "
                                              "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"));
    ins.bind(1, recipient.view())
        .bind(2, std::int64_t(next.epoch))
        .bind(3, std::int64_t(next.seq))
        .bind(4, sealed.envHash.view())
        .bind(5, int(kind))
        .bind(6, QByteArrayView(payloadBytes))
        .bind(7, QByteArrayView(sealed.bytes))
        .bind(8, in.createdMs);
    STREAMS_TRY(ins.exec());

    STREAMS_TRY_ASSIGN(auto up, m_db.prepare("INSERT OR REPLACE INTO stream_out (recipient, "
                                             "lane, sender, direction, epoch, head_seq, "
                                             "head_hash) VALUES (?, ?, ?, ?, ?, ?, ?)"));
    up.bind(1, recipient.view())
        .bind(2, int(lane))
        .bind(3, m_me.localId().view())
        .bind(4, int(dir))
        .bind(5, std::int64_t(next.epoch))
        .bind(6, std::int64_t(next.seq))
        .bind(7, sealed.envHash.view());
    STREAMS_TRY(up.exec());
    if (newEpoch && m_me.role() == Role::Hq && next.epoch > 2) {
        // Superseded epochs are collected (review M4): a device drops envelopes of an old epoch
        // unread. Kept: the epoch just before, and everything from the epoch the device's last
        // RECEIPT named on (RECEIPTs in flight are checked against it).
        STREAMS_TRY_ASSIGN(auto seen, m_db.prepare("SELECT peer_seen_epoch FROM stream_in WHERE "
                                                   "sender = ? AND recipient = ? AND lane = 0"));
        seen.bind(1, recipient.view()).bind(2, m_me.localId().view());
        STREAMS_TRY_ASSIGN(const bool haveSeen, seen.step());
        const std::int64_t floor =
            std::min<std::int64_t>(next.epoch - 1, haveSeen ? seen.columnInt64(0) : 0);
        seen.reset();
        // (Priority epochs carry the lane bit: those of epoch numbers below the floor go too.)
        STREAMS_TRY_ASSIGN(auto gc, m_db.prepare("DELETE FROM stream_outbox WHERE recipient = ? "
                                                 "AND (epoch < ? OR (epoch >= 2147483648 AND "
                                                 "epoch - 2147483648 < ?))"));
        gc.bind(1, recipient.view()).bind(2, floor).bind(3, floor);
        STREAMS_TRY(gc.exec());
    }
    STREAMS_TRY(sp.release());

    QueuedEnvelope out;
    out.stream = StreamId{m_me.localId(), recipient, next.epoch, dir};
    out.seq = next.seq;
    out.envHash = sealed.envHash;
    out.kind = kind;
    out.createdMs = in.createdMs;
    out.bytes = std::move(sealed.bytes);
    return out;
}

Status StreamOutbox::jumpEpoch(const Id16 &recipient, std::uint32_t epoch)
{
    if (epoch + 1 >= protocol::kPriorityEpochBit)
        return fail(Errc::Refused, QStringLiteral("epoch space exhausted"));
    STREAMS_TRY_ASSIGN(auto st, m_db.prepare("UPDATE stream_out SET epoch = ?, head_seq = 0, "
                                             "head_hash = ? WHERE recipient = ? AND lane = 0 AND "
                                             "epoch <= ?"));
    st.bind(1, std::int64_t(epoch))
        .bind(2, Hash32{}.view())
        .bind(3, recipient.view())
        .bind(4, std::int64_t(epoch));
    STREAMS_TRY(st.exec());
    qCWarning(lcOutbox) << "stream moved on to epoch" << epoch << "(HQ's store went back)";
    return {};
}

Result<std::vector<Id16>> StreamOutbox::jumpAllEpochs(std::uint32_t by)
{
    Savepoint sp(m_db);
    STREAMS_TRY(sp.begin());
    STREAMS_TRY_ASSIGN(auto sel, m_db.prepare("SELECT recipient, epoch FROM stream_out WHERE "
                                              "lane = 0 ORDER BY recipient"));
    std::vector<std::pair<Id16, std::uint32_t>> rows;
    for (;;) {
        STREAMS_TRY_ASSIGN(const bool row, sel.step());
        if (!row)
            break;
        rows.emplace_back(fixedColumn<Id16>(sel, 0), std::uint32_t(sel.columnInt64(1)));
    }
    sel.reset();
    std::vector<Id16> out;
    for (const auto &[recipient, epoch] : rows) {
        if (std::uint64_t(epoch) + by + 1 >= protocol::kPriorityEpochBit)
            return fail(Errc::Refused, QStringLiteral("epoch space exhausted"));
        STREAMS_TRY(jumpEpoch(recipient, epoch + by));
        out.push_back(recipient);
    }
    STREAMS_TRY(sp.release());
    return out;
}

Result<bool> StreamOutbox::isOpen(const Id16 &recipient) const
{
    STREAMS_TRY_ASSIGN(const EpochHead h, head(recipient));
    return h.epoch != 0 && h.seq != 0;
}

namespace {

QueuedEnvelope rowToQueued(const store::Statement &st, const Id16 &sender, Direction dir)
{
    QueuedEnvelope q;
    q.stream.sender = sender;
    q.stream.recipient = fixedColumn<Id16>(st, 0);
    q.stream.epoch = std::uint32_t(st.columnInt64(1));
    q.stream.direction = dir;
    q.seq = std::uint64_t(st.columnInt64(2));
    q.envHash = fixedColumn<Hash32>(st, 3);
    q.kind = Kind(st.columnInt64(4));
    q.createdMs = st.columnInt64(5);
    q.deliveredMs = st.columnInt64(6);
    q.bytes = st.columnBlob(7);
    return q;
}

} // namespace

Result<std::vector<QueuedEnvelope>> StreamOutbox::pending(const Id16 &recipient, int limit) const
{
    const QByteArray sql = QByteArray(kSelectColumns) +
                           "WHERE recipient = ? AND delivered_ms = 0 ORDER BY epoch >= 2147483648 "
                           "DESC, epoch, seq LIMIT ?";
    STREAMS_TRY_ASSIGN(auto st, m_db.prepare(sql.constData()));
    st.bind(1, recipient.view()).bind(2, limit);
    std::vector<QueuedEnvelope> out;
    for (;;) {
        STREAMS_TRY_ASSIGN(const bool row, st.step());
        if (!row)
            break;
        out.push_back(rowToQueued(st, m_me.localId(), outgoingDirection()));
    }
    return out;
}

Result<std::vector<Id16>> StreamOutbox::recipientsWithPending() const
{
    STREAMS_TRY_ASSIGN(auto st, m_db.prepare("SELECT DISTINCT recipient FROM stream_outbox WHERE "
                                             "delivered_ms = 0 ORDER BY recipient"));
    std::vector<Id16> out;
    for (;;) {
        STREAMS_TRY_ASSIGN(const bool row, st.step());
        if (!row)
            break;
        out.push_back(fixedColumn<Id16>(st, 0));
    }
    return out;
}

Status StreamOutbox::markDelivered(const Id16 &recipient, std::uint32_t epoch, std::uint64_t seq)
{
    STREAMS_TRY_ASSIGN(auto st,
                       m_db.prepare("UPDATE stream_outbox SET delivered_ms = ? WHERE recipient = ? "
                                    "AND epoch = ? AND seq = ? AND delivered_ms = 0"));
    st.bind(1, std::max<std::int64_t>(1, m_clock.wallMs()))
        .bind(2, recipient.view())
        .bind(3, std::int64_t(epoch))
        .bind(4, std::int64_t(seq));
    return st.exec();
}

Result<std::optional<QueuedEnvelope>> StreamOutbox::find(const Id16 &recipient, std::uint32_t epoch,
                                                         std::uint64_t seq) const
{
    const QByteArray sql =
        QByteArray(kSelectColumns) + "WHERE recipient = ? AND epoch = ? AND seq = ?";
    STREAMS_TRY_ASSIGN(auto st, m_db.prepare(sql.constData()));
    st.bind(1, recipient.view()).bind(2, std::int64_t(epoch)).bind(3, std::int64_t(seq));
    STREAMS_TRY_ASSIGN(const bool row, st.step());
    if (!row)
        return std::optional<QueuedEnvelope>{};
    return std::optional<QueuedEnvelope>(rowToQueued(st, m_me.localId(), outgoingDirection()));
}

Result<EpochHead> StreamOutbox::head(const Id16 &recipient, Lane lane) const
{
    STREAMS_TRY_ASSIGN(auto st, m_db.prepare("SELECT epoch, head_seq, head_hash FROM stream_out "
                                             "WHERE recipient = ? AND lane = ?"));
    st.bind(1, recipient.view()).bind(2, int(lane));
    STREAMS_TRY_ASSIGN(const bool row, st.step());
    EpochHead h;
    if (row) {
        h.epoch = std::uint32_t(st.columnInt64(0));
        h.seq = std::uint64_t(st.columnInt64(1));
        h.envHash = fixedColumn<Hash32>(st, 2);
    }
    return h;
}

Result<std::optional<QueuedEnvelope>> StreamOutbox::deliveredHead(const Id16 &recipient) const
{
    const QByteArray sql = QByteArray(kSelectColumns) +
                           "WHERE recipient = ? AND delivered_ms > 0 AND epoch < 2147483648 "
                           "ORDER BY epoch DESC, seq DESC LIMIT 1";
    STREAMS_TRY_ASSIGN(auto st, m_db.prepare(sql.constData()));
    st.bind(1, recipient.view());
    STREAMS_TRY_ASSIGN(const bool row, st.step());
    if (!row)
        return std::optional<QueuedEnvelope>{};
    return std::optional<QueuedEnvelope>(rowToQueued(st, m_me.localId(), outgoingDirection()));
}

Result<std::vector<QCborMap>> StreamOutbox::bodiesAfter(const Id16 &recipient,
                                                        const EpochHead &after, Kind kind,
                                                        bool reissuedToo) const
{
    const QByteArray sql = QByteArray("SELECT payload FROM stream_outbox WHERE recipient = ? AND "
                                      "kind = ? AND ") +
                           (reissuedToo ? "" : "reissued = 0 AND ") + kAfterClause +
                           " ORDER BY epoch, seq";
    STREAMS_TRY_ASSIGN(auto st, m_db.prepare(sql.constData()));
    st.bind(1, recipient.view()).bind(2, int(kind));
    bindAfter(st, 3, after);
    std::vector<QCborMap> out;
    for (;;) {
        STREAMS_TRY_ASSIGN(const bool row, st.step());
        if (!row)
            break;
        STREAMS_TRY_ASSIGN(QCborMap m, codec::decodePayload(st.columnBlob(0)));
        out.push_back(std::move(m));
    }
    return out;
}

Result<std::vector<QCborMap>> StreamOutbox::reissueAfter(const Id16 &recipient,
                                                         const EpochHead &after, Kind kind,
                                                         const Refresh &refresh)
{
    Savepoint sp(m_db);
    STREAMS_TRY(sp.begin());
    // (What went on a priority lane is re-issued on the bulk lane of the new epoch.)
    const QByteArray sql = QByteArray("SELECT epoch, seq, payload FROM stream_outbox WHERE "
                                      "recipient = ? AND kind = ? AND reissued = 0 AND ") +
                           kAfterClause + " ORDER BY epoch, seq";
    STREAMS_TRY_ASSIGN(auto st, m_db.prepare(sql.constData()));
    st.bind(1, recipient.view()).bind(2, int(kind));
    bindAfter(st, 3, after);
    struct Old
    {
        std::int64_t epoch;
        std::int64_t seq;
        QCborMap payload;
    };
    std::vector<Old> old;
    for (;;) {
        STREAMS_TRY_ASSIGN(const bool row, st.step());
        if (!row)
            break;
        Old o{st.columnInt64(0), st.columnInt64(1), {}};
        STREAMS_TRY_ASSIGN(o.payload, codec::decodePayload(st.columnBlob(2)));
        old.push_back(std::move(o));
    }
    st.reset();
    STREAMS_TRY_ASSIGN(auto mark, m_db.prepare("UPDATE stream_outbox SET reissued = 1 WHERE "
                                               "recipient = ? AND epoch = ? AND seq = ?"));
    for (const Old &o : old) {
        mark.bind(1, recipient.view()).bind(2, o.epoch).bind(3, o.seq);
        STREAMS_TRY(mark.exec());
    }
    std::vector<QCborMap> out;
    for (const Old &o : old) {
        std::optional<QCborMap> body = o.payload;
        if (refresh) {
            STREAMS_TRY_ASSIGN(body, refresh(o.payload));
        }
        if (!body)
            continue;
        STREAMS_TRY(seal(recipient, kind, *body, false));
        out.push_back(*body);
    }
    STREAMS_TRY(sp.release());
    return out;
}

} // namespace liaison::streams
