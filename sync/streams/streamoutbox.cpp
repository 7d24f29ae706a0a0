#include "streamoutbox.h"

#include "envelopecodec.h"
#include "protocol/body.h"
#include "savepoint.h"
#include "streamutil.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcOutbox, "liaison.sync.outbox")

namespace liaison::streams {

namespace {

constexpr const char *kSelectColumns =
    "SELECT recipient, epoch, seq, env_hash, kind, created_ms, delivered_ms, bytes FROM "
    "stream_outbox ";

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
    STREAMS_TRY_ASSIGN(auto st, m_db.prepare("SELECT state FROM stream_in WHERE sender = ? AND "
                                             "recipient = ?"));
    st.bind(1, recipient.view()).bind(2, m_me.localId().view());
    STREAMS_TRY_ASSIGN(const bool row, st.step());
    return !row || st.columnInt64(0) == 0;
}

Result<QueuedEnvelope> StreamOutbox::enqueue(const Id16 &recipient, Kind kind,
                                             const QCborMap &payload)
{
    return seal(recipient, kind, payload, false);
}

Result<QueuedEnvelope> StreamOutbox::openEpoch(const Id16 &recipient, Kind kind,
                                               const QCborMap &payload)
{
    if (kind != epochOpeningKind(outgoingDirection()))
        return fail(Errc::Refused, QStringLiteral("this kind cannot open an epoch"));
    return seal(recipient, kind, payload, true);
}

Result<QueuedEnvelope> StreamOutbox::seal(const Id16 &recipient, Kind kind, const QCborMap &payload,
                                          bool newEpoch)
{
    const Direction dir = outgoingDirection();
    if (!kindAllowedIn(kind, dir))
        return fail(Errc::Refused, QStringLiteral("kind not allowed in this direction"));
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
    if (kind == Kind::ScopeJoin && m_joinHeartbeat && !newEpoch) {
        const auto join = protocol::ScopeJoinPayload::fromCbor(payload);
        if (join && join->part == 1) {
            STREAMS_TRY_ASSIGN(const QCborMap hb, m_joinHeartbeat(recipient));
            STREAMS_TRY(seal(recipient, Kind::Heartbeat, hb, false));
        }
    }

    STREAMS_TRY_ASSIGN(auto sel,
                       m_db.prepare("SELECT epoch, head_seq, head_hash FROM stream_out WHERE "
                                    "recipient = ?"));
    sel.bind(1, recipient.view());
    STREAMS_TRY_ASSIGN(const bool have, sel.step());
    EpochHead cur;
    if (have) {
        cur.epoch = std::uint32_t(sel.columnInt64(0));
        cur.seq = std::uint64_t(sel.columnInt64(1));
        cur.envHash = fixedColumn<Hash32>(sel, 2);
    }
    sel.reset();

    EpochHead next;
    if (newEpoch) {
        if (cur.epoch == 0xffffffffu)
            return fail(Errc::Refused, QStringLiteral("epoch space exhausted"));
        next.epoch = cur.epoch + 1;
        next.seq = 1;
    } else {
        if (!have || cur.epoch == 0 || cur.seq == 0)
            return fail(Errc::Refused, QStringLiteral("stream not open: no epoch yet"));
        next.epoch = cur.epoch;
        next.seq = cur.seq + 1;
    }
    const Hash32 prev = newEpoch ? Hash32{} : cur.envHash;

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
                                             "sender, direction, epoch, head_seq, head_hash) "
                                             "VALUES (?, ?, ?, ?, ?, ?)"));
    up.bind(1, recipient.view())
        .bind(2, m_me.localId().view())
        .bind(3, int(dir))
        .bind(4, std::int64_t(next.epoch))
        .bind(5, std::int64_t(next.seq))
        .bind(6, sealed.envHash.view());
    STREAMS_TRY(up.exec());
    if (newEpoch && m_me.role() == Role::Hq && next.epoch > 2) {
        // Superseded epochs are collected (review M4): a device drops envelopes of an old epoch
        // unread. Kept: the epoch just before, and everything from the epoch the device's last
        // RECEIPT named on (RECEIPTs in flight are checked against it).
        STREAMS_TRY_ASSIGN(auto seen, m_db.prepare("SELECT peer_seen_epoch FROM stream_in WHERE "
                                                   "sender = ? AND recipient = ?"));
        seen.bind(1, recipient.view()).bind(2, m_me.localId().view());
        STREAMS_TRY_ASSIGN(const bool haveSeen, seen.step());
        const std::int64_t floor =
            std::min<std::int64_t>(next.epoch - 1, haveSeen ? seen.columnInt64(0) : 0);
        seen.reset();
        STREAMS_TRY_ASSIGN(auto gc, m_db.prepare("DELETE FROM stream_outbox WHERE recipient = ? "
                                                 "AND epoch < ?"));
        gc.bind(1, recipient.view()).bind(2, floor);
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
    if (epoch == 0xffffffffu)
        return fail(Errc::Refused, QStringLiteral("epoch space exhausted"));
    STREAMS_TRY_ASSIGN(auto st, m_db.prepare("UPDATE stream_out SET epoch = ?, head_seq = 0, "
                                             "head_hash = ? WHERE recipient = ? AND epoch <= ?"));
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
    STREAMS_TRY_ASSIGN(auto sel, m_db.prepare("SELECT recipient, epoch FROM stream_out ORDER BY "
                                              "recipient"));
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
        if (epoch >= 0xffffffffu - by)
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
                           "WHERE recipient = ? AND delivered_ms = 0 ORDER BY epoch, seq LIMIT ?";
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

Result<EpochHead> StreamOutbox::head(const Id16 &recipient) const
{
    STREAMS_TRY_ASSIGN(auto st, m_db.prepare("SELECT epoch, head_seq, head_hash FROM stream_out "
                                             "WHERE recipient = ?"));
    st.bind(1, recipient.view());
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
                           "WHERE recipient = ? AND delivered_ms > 0 ORDER BY epoch DESC, seq DESC "
                           "LIMIT 1";
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
    STREAMS_TRY_ASSIGN(auto st,
                       m_db.prepare(reissuedToo
                                        ? "SELECT payload FROM stream_outbox WHERE recipient = ? "
                                          "AND kind = ? AND (epoch > ? OR (epoch = ? AND seq > "
                                          "?)) ORDER BY epoch, seq"
                                        : "SELECT payload FROM stream_outbox WHERE recipient = ? "
                                          "AND kind = ? AND reissued = 0 AND (epoch > ? OR (epoch "
                                          "= ? AND seq > ?)) ORDER BY epoch, seq"));
    st.bind(1, recipient.view())
        .bind(2, int(kind))
        .bind(3, std::int64_t(after.epoch))
        .bind(4, std::int64_t(after.epoch))
        .bind(5, std::int64_t(after.seq));
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
    STREAMS_TRY_ASSIGN(auto st,
                       m_db.prepare("SELECT epoch, seq, payload FROM stream_outbox WHERE recipient "
                                    "= ? AND kind = ? AND reissued = 0 AND (epoch > ? OR (epoch = "
                                    "? AND seq > ?)) ORDER BY epoch, seq"));
    st.bind(1, recipient.view())
        .bind(2, int(kind))
        .bind(3, std::int64_t(after.epoch))
        .bind(4, std::int64_t(after.epoch))
        .bind(5, std::int64_t(after.seq));
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
