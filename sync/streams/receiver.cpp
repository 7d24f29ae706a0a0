#include "receiver.h"

#include "envelopecodec.h"
#include "protocol/body.h"
#include "protocol/cbor.h"
#include "protocol/envelope.h"
#include "protocol/relaybatch.h"
#include "savepoint.h"
#include "snapshotstaging.h"
#include "store/database.h"
#include "streamutil.h"

#include <QLoggingCategory>

#include <algorithm>

Q_LOGGING_CATEGORY(lcReceiver, "liaison.sync.receiver")

namespace liaison::streams {

const char *dispositionName(Disposition d)
{
    switch (d) {
    case Disposition::Applied:
        return "applied";
    case Disposition::Duplicate:
        return "duplicate";
    case Disposition::Parked:
        return "parked";
    case Disposition::Forked:
        return "forked";
    case Disposition::SenderFault:
        return "sender-fault";
    case Disposition::FarAhead:
        return "far-ahead";
    case Disposition::Dropped:
        return "dropped";
    case Disposition::Frozen:
        return "frozen";
    case Disposition::Quarantined:
        return "quarantined";
    }
    return "unknown";
}

namespace {

enum EvidenceReason : int {
    EvidenceForkApplied = 1,
    EvidenceForkOther = 2,
    EvidenceSenderFault = 3,
    EvidenceQuarantined = 4,
};

// How many applied envelopes keep their bytes (the applied side of a fork's evidence).
constexpr std::int64_t kAppliedBytesKept = 16;
// The largest first part of a RESYNC (encoded operations); see resyncInTransaction.
constexpr qsizetype kResyncFirstPartBytes = 8 * 1024;

QString shortId(const Id16 &id)
{
    return QString::fromLatin1(id.toHex().left(8));
}

template <typename T> Status asStatus(const Result<T> &r)
{
    if (!r)
        return std::unexpected(r.error());
    return {};
}

// The receiving side of one stream, as stored in stream_in.
struct InRow
{
    bool exists = false;
    Id16 sender;
    Id16 recipient;
    Direction direction = Direction::Down;
    std::uint32_t epoch = 0;
    std::uint64_t applied = 0;
    Hash32 head;
    bool frozen = false;
    ResyncReason frozenReason = ResyncReason::None;
    std::uint64_t frozenSeq = 0;
    std::int64_t frozenMs = 0;
    std::optional<std::int64_t> gapSince;
    ResyncReason resyncWanted = ResyncReason::None;
    std::int64_t resyncWantedMs = 0;
    std::int64_t peerTimeMs = 0;
    std::int64_t peerTimeLocalMs = 0;
    std::uint64_t peerCertSerial = 0;
    EpochHead peerSeen;
    std::int64_t peerUnlockFailures = 0;
    Lane lane = Lane::Bulk;
    std::uint64_t peerFeatures = 0; // HQ: what the device's newest RECEIPT announced

    EpochHead appliedHead() const { return EpochHead{epoch, applied, head}; }
};

// Everything after the peer's newest HEARTBEAT / RECEIPT was stored at the relay after that peer
// time: when even that is older than the relay's retention at `nowMs`, a gap may be mail the
// relay has purged (a device back from a long absence), not mail withheld.
bool pastRetention(const InRow &r, std::int64_t nowMs)
{
    return r.peerTimeMs > 0 && nowMs - r.peerTimeMs > protocol::kRelayRetentionMs;
}

constexpr const char *kInColumns =
    "SELECT sender, recipient, direction, epoch, applied_seq, head_hash, state, frozen_reason, "
    "frozen_seq, frozen_ms, gap_since_online, resync_wanted, resync_wanted_ms, peer_time_ms, "
    "peer_time_local_ms, peer_cert_serial, peer_seen_epoch, peer_seen_seq, peer_seen_hash, "
    "peer_unlock_failures, lane, peer_features FROM stream_in ";

// stream_parked / stream_applied rows of one lane (two parameters: bindLane).
constexpr const char *kLaneEpochs = " AND epoch >= ? AND epoch < ?";

void bindLane(store::Statement &st, int first, Lane lane)
{
    const protocol::EpochRange range = protocol::epochsOfLane(lane);
    st.bind(first, range.first).bind(first + 1, range.end);
}

InRow rowFrom(const store::Statement &st)
{
    InRow r;
    r.exists = true;
    r.sender = fixedColumn<Id16>(st, 0);
    r.recipient = fixedColumn<Id16>(st, 1);
    r.direction = Direction(st.columnInt64(2));
    r.epoch = std::uint32_t(st.columnInt64(3));
    r.applied = std::uint64_t(st.columnInt64(4));
    r.head = fixedColumn<Hash32>(st, 5);
    r.frozen = st.columnInt64(6) != 0;
    r.frozenReason = ResyncReason(st.columnInt64(7));
    r.frozenSeq = std::uint64_t(st.columnInt64(8));
    r.frozenMs = st.columnInt64(9);
    if (!st.columnIsNull(10))
        r.gapSince = st.columnInt64(10);
    r.resyncWanted = ResyncReason(st.columnInt64(11));
    r.resyncWantedMs = st.columnInt64(12);
    r.peerTimeMs = st.columnInt64(13);
    r.peerTimeLocalMs = st.columnInt64(14);
    r.peerCertSerial = std::uint64_t(st.columnInt64(15));
    r.peerSeen.epoch = std::uint32_t(st.columnInt64(16));
    r.peerSeen.seq = std::uint64_t(st.columnInt64(17));
    r.peerSeen.envHash = fixedColumn<Hash32>(st, 18);
    r.peerUnlockFailures = st.columnInt64(19);
    r.lane = st.columnInt64(20) == 0 ? Lane::Bulk : Lane::Priority;
    r.peerFeatures = std::uint64_t(st.columnInt64(21));
    return r;
}

// Every stream_in row received by `me` that matches `where` (SQL after "recipient = ? AND"),
// read in full before the caller writes.
Result<std::vector<InRow>> loadInRows(store::Database &db, const Id16 &me, const char *where)
{
    const QByteArray sql = QByteArray(kInColumns) + "WHERE recipient = ? AND " + where;
    STREAMS_TRY_ASSIGN(auto st, db.prepare(sql.constData()));
    st.bind(1, me.view());
    std::vector<InRow> rows;
    for (;;) {
        STREAMS_TRY_ASSIGN(const bool row, st.step());
        if (!row)
            break;
        rows.push_back(rowFrom(st));
    }
    return rows;
}

StreamState stateFrom(const InRow &r, int parked)
{
    StreamState s;
    s.stream = StreamId{r.sender, r.recipient, r.epoch, r.direction};
    s.applied = StreamHead{r.applied, r.head};
    s.frozen = r.frozen;
    s.frozenReason = r.frozenReason;
    s.frozenMs = r.frozenMs;
    s.resyncWanted = r.resyncWanted;
    s.parked = parked;
    s.gapSinceOnlineMs = r.gapSince;
    s.lastHeartbeatHqMs = r.peerTimeMs;
    s.lastHeartbeatLocalMs = r.peerTimeLocalMs;
    s.certSerial = r.peerCertSerial;
    return s;
}

} // namespace

// Everything one receive() (or tick()) does inside its transaction, and what runs after it.
struct Receiver::Impl
{
    Receiver &q;
    std::vector<Alarm> alarms;  // raised in this transaction: handed to the sink after commit
    std::vector<Command> wipes; // WIPE commands found: run after the transaction
    // Device, RESYNC part 1: this device's deltas HQ had not accepted, sent again in the new `up`
    // epoch. The snapshot does not contain them, so they are merged again on top of it.
    std::vector<QCborMap> remerge;
    Direction inDir; // direction of what this side receives

    explicit Impl(Receiver &r)
        : q(r)
        , inDir(r.m_me.role() == Role::Device ? Direction::Down : Direction::Up)
    {}

    store::Database &db() { return q.m_db; }
    std::int64_t now() const { return q.m_clock.wallMs(); }

    // ---- stream_in ----

    Result<InRow> loadRow(const Id16 &sender, Lane lane = Lane::Bulk)
    {
        const QByteArray sql =
            QByteArray(kInColumns) + "WHERE sender = ? AND recipient = ? AND lane = ?";
        STREAMS_TRY_ASSIGN(auto st, db().prepare(sql.constData()));
        st.bind(1, sender.view()).bind(2, q.m_me.localId().view()).bind(3, int(lane));
        STREAMS_TRY_ASSIGN(const bool row, st.step());
        if (row)
            return rowFrom(st);
        InRow r;
        r.sender = sender;
        r.recipient = q.m_me.localId();
        r.direction = inDir;
        r.lane = lane;
        return r;
    }

    // pastRetention for the row's peer. Its HEARTBEATs (device) / RECEIPTs (HQ) come on the bulk
    // lane only, so a priority lane's row has no peer time of its own: its gaps are judged by its
    // bulk lane's (the relay purges `down!` / `up!` mail as it purges `down` / `up` mail).
    Result<bool> pastRetentionOf(const InRow &r, std::int64_t nowMs)
    {
        if (r.lane != Lane::Priority)
            return pastRetention(r, nowMs);
        STREAMS_TRY_ASSIGN(InRow bulk, loadRow(r.sender, Lane::Bulk));
        bulk.peerTimeMs = std::max(bulk.peerTimeMs, r.peerTimeMs);
        return pastRetention(bulk, nowMs);
    }

    Status saveRow(InRow &r)
    {
        STREAMS_TRY_ASSIGN(
            auto st,
            db().prepare(
                "INSERT OR REPLACE INTO stream_in (sender, recipient, direction, epoch, "
                "applied_seq, head_hash, state, frozen_reason, frozen_seq, frozen_ms, "
                "gap_since_online, resync_wanted, resync_wanted_ms, peer_time_ms, "
                "peer_time_local_ms, peer_cert_serial, peer_seen_epoch, peer_seen_seq, "
                "peer_seen_hash, peer_unlock_failures, updated_ms, lane, peer_features) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                "?)"));
        st.bind(1, r.sender.view())
            .bind(2, r.recipient.view())
            .bind(3, int(r.direction))
            .bind(4, std::int64_t(r.epoch))
            .bind(5, std::int64_t(r.applied))
            .bind(6, r.head.view())
            .bind(7, r.frozen ? 1 : 0)
            .bind(8, int(r.frozenReason))
            .bind(9, std::int64_t(r.frozenSeq))
            .bind(10, r.frozenMs);
        if (r.gapSince)
            st.bind(11, *r.gapSince);
        else
            st.bindNull(11);
        st.bind(12, int(r.resyncWanted))
            .bind(13, r.resyncWantedMs)
            .bind(14, r.peerTimeMs)
            .bind(15, r.peerTimeLocalMs)
            .bind(16, std::int64_t(r.peerCertSerial))
            .bind(17, std::int64_t(r.peerSeen.epoch))
            .bind(18, std::int64_t(r.peerSeen.seq))
            .bind(19, r.peerSeen.envHash.view())
            .bind(20, r.peerUnlockFailures)
            .bind(21, now())
            .bind(22, int(r.lane))
            .bind(23, std::int64_t(r.peerFeatures));
        STREAMS_TRY(st.exec());
        r.exists = true;
        return {};
    }

    // ---- alarms and evidence ----

    Status raise(AlarmType type, const InRow &r, std::uint64_t seq, std::int64_t count)
    {
        Alarm a;
        a.type = type;
        a.peer = r.sender;
        a.direction = r.direction;
        a.epoch = r.epoch;
        a.seq = seq;
        a.count = count;
        a.atMs = now();
        STREAMS_TRY_ASSIGN(auto st, db().prepare("INSERT INTO stream_alarm (type, peer, direction, "
                                                 "epoch, seq, count, at_ms) VALUES (?, ?, ?, ?, "
                                                 "?, ?, ?)"));
        st.bind(1, int(a.type))
            .bind(2, a.peer.view())
            .bind(3, int(a.direction))
            .bind(4, std::int64_t(a.epoch))
            .bind(5, std::int64_t(a.seq))
            .bind(6, a.count)
            .bind(7, a.atMs);
        STREAMS_TRY(st.exec());
        a.id = db().lastInsertRowId();
        qCWarning(lcReceiver).noquote() << "alarm" << a.describe();
        alarms.push_back(a);
        return {};
    }

    Status keepEvidence(const protocol::EnvelopeHeader &h, const Hash32 &envHash,
                        QByteArrayView bytes, int reason)
    {
        STREAMS_TRY_ASSIGN(auto st,
                           db().prepare("INSERT OR IGNORE INTO stream_evidence (sender, recipient, "
                                        "epoch, seq, env_hash, reason, bytes, at_ms) VALUES (?, ?, "
                                        "?, ?, ?, ?, ?, ?)"));
        st.bind(1, h.sender.view())
            .bind(2, h.recipient.view())
            .bind(3, std::int64_t(h.epoch))
            .bind(4, std::int64_t(h.seq))
            .bind(5, envHash.view())
            .bind(6, reason)
            .bind(7, bytes)
            .bind(8, now());
        return st.exec();
    }

    // The applied side of a fork at `seq` of the current epoch.
    Status keepAppliedEvidence(const InRow &r, std::uint64_t seq)
    {
        STREAMS_TRY_ASSIGN(auto st, db().prepare("SELECT env_hash, bytes FROM stream_applied WHERE "
                                                 "sender = ? AND recipient = ? AND epoch = ? AND "
                                                 "seq = ?"));
        st.bind(1, r.sender.view())
            .bind(2, r.recipient.view())
            .bind(3, std::int64_t(r.epoch))
            .bind(4, std::int64_t(seq));
        STREAMS_TRY_ASSIGN(const bool row, st.step());
        if (!row)
            return {};
        protocol::EnvelopeHeader h;
        h.sender = r.sender;
        h.recipient = r.recipient;
        h.epoch = r.epoch;
        h.seq = seq;
        const Hash32 hash = fixedColumn<Hash32>(st, 0);
        const QByteArray bytes = st.columnIsNull(1) ? QByteArray() : st.columnBlob(1);
        st.reset();
        return keepEvidence(h, hash, bytes, EvidenceForkApplied);
    }

    Result<std::optional<Hash32>> appliedHashAt(const InRow &r, std::uint64_t seq)
    {
        STREAMS_TRY_ASSIGN(auto st,
                           db().prepare("SELECT env_hash FROM stream_applied WHERE sender "
                                        "= ? AND recipient = ? AND epoch = ? AND seq = ?"));
        st.bind(1, r.sender.view())
            .bind(2, r.recipient.view())
            .bind(3, std::int64_t(r.epoch))
            .bind(4, std::int64_t(seq));
        STREAMS_TRY_ASSIGN(const bool row, st.step());
        if (!row)
            return std::optional<Hash32>{};
        return std::optional<Hash32>(fixedColumn<Hash32>(st, 0));
    }

    // ---- resync ----

    // Something is broken beyond what the stream can repair by itself.
    Status requestResync(InRow &r, ResyncReason reason, std::uint64_t seq)
    {
        if (r.resyncWanted != ResyncReason::None)
            return {}; // asked already in this epoch
        if (r.lane == Lane::Priority) {
            // A priority lane is repaired by a RESYNC like its bulk lane: the new bulk epoch
            // moves it on. Asked (once per priority epoch) through the bulk lane's row.
            r.resyncWanted = reason;
            r.resyncWantedMs = now();
            STREAMS_TRY(saveRow(r));
            STREAMS_TRY_ASSIGN(InRow bulk, loadRow(r.sender, Lane::Bulk));
            STREAMS_TRY(requestResync(bulk, reason, seq));
            return saveRow(bulk);
        }
        r.resyncWanted = reason;
        r.resyncWantedMs = now();
        if (q.m_me.role() == Role::Device) {
            STREAMS_TRY_ASSIGN(const EpochHead up, q.m_outbox.head(r.sender));
            if (up.epoch == 0)
                return {}; // `up` not open yet: the flag stays, enrolment's RESYNC fixes it
            protocol::ResyncRequestPayload req;
            req.reason = protocol::ResyncRequestPayload::Reason(int(reason));
            req.downApplied = r.appliedHead();
            req.detail = std::min<std::uint64_t>(seq, std::uint64_t(INT64_MAX));
            STREAMS_TRY(q.m_outbox.enqueue(r.sender, Kind::ResyncRequest, req.toCbor()));
            return {};
        }
        if (q.m_resyncSource) {
            STREAMS_TRY(saveRow(r));
            // Never for a device that is not active or is quarantined (a fork or sender fault
            // on its `up` froze it): no path builds a snapshot for it; the desk decides.
            STREAMS_TRY_ASSIGN(const bool allowed,
                               q.m_outbox.mayReceive(r.sender, Kind::Resync, {}));
            if (!allowed) {
                qCWarning(lcReceiver).noquote()
                    << "no RESYNC for" << shortId(r.sender) << ": not active or quarantined";
                return {};
            }
            // At most one RESYNC per device per interval: a request within it stays wanted
            // (coalesced) and tick() sends it when the interval is over.
            STREAMS_TRY_ASSIGN(const bool due, resyncDue(r.sender));
            if (!due) {
                qCInfo(lcReceiver).noquote() << "RESYNC for" << shortId(r.sender)
                                             << "coalesced: one was sent within the interval";
                return {};
            }
            STREAMS_TRY_ASSIGN(auto sent, resyncInTransaction(r.sender));
            Q_UNUSED(sent);
            STREAMS_TRY_ASSIGN(r, loadRow(r.sender));
        }
        return {};
    }

    // HQ: whether the last RESYNC to this device (seq 1 of the current `down` epoch) is at least
    // kResyncIntervalMs old (or the clock went back past it).
    Result<bool> resyncDue(const Id16 &device)
    {
        STREAMS_TRY_ASSIGN(const EpochHead down, q.m_outbox.head(device));
        if (down.epoch == 0)
            return true;
        STREAMS_TRY_ASSIGN(const auto last, q.m_outbox.find(device, down.epoch, 1));
        if (!last)
            return true;
        const std::int64_t age = now() - last->createdMs;
        return age < 0 || age >= q.m_resyncIntervalMs;
    }

    // HQ, tick(): coalesced RESYNCs whose interval is over.
    Status sendWantedResyncs()
    {
        STREAMS_TRY_ASSIGN(
            std::vector<InRow> rows,
            loadInRows(db(), q.m_me.localId(), "lane = 0 AND state = 0 AND resync_wanted != 0"));
        for (InRow &r : rows) {
            STREAMS_TRY_ASSIGN(const bool allowed,
                               q.m_outbox.mayReceive(r.sender, Kind::Resync, {}));
            STREAMS_TRY_ASSIGN(const bool due, resyncDue(r.sender));
            if (!allowed || !due)
                continue;
            STREAMS_TRY(resyncInTransaction(r.sender));
        }
        return {};
    }

    // HQ: a HEARTBEAT on every open `down` stream that has carried none (nor a RESYNC, which
    // holds one) for kHeartbeatIntervalMs (DESIGN.md "Streams": at least daily), so a device
    // that catches up with DELTAs alone also hears how fresh HQ is. Devices that may not
    // receive (not active, quarantined) or wait for a RESYNC are left out.
    Status sendDueHeartbeats()
    {
        STREAMS_TRY_ASSIGN(auto open, db().prepare("SELECT recipient FROM stream_out WHERE "
                                                   "sender = ? AND lane = 0 AND epoch > 0"));
        open.bind(1, q.m_me.localId().view());
        std::vector<Id16> devices;
        for (;;) {
            STREAMS_TRY_ASSIGN(const bool row, open.step());
            if (!row)
                break;
            devices.push_back(fixedColumn<Id16>(open, 0));
        }
        open.reset();
        STREAMS_TRY_ASSIGN(auto last,
                           db().prepare("SELECT created_ms FROM stream_outbox WHERE recipient = ? "
                                        "AND kind IN (?, ?) ORDER BY epoch DESC, seq DESC "
                                        "LIMIT 1"));
        for (const Id16 &device : devices) {
            STREAMS_TRY_ASSIGN(const bool allowed,
                               q.m_outbox.mayReceive(device, Kind::Heartbeat, {}));
            if (!allowed)
                continue;
            STREAMS_TRY_ASSIGN(const InRow up, loadRow(device));
            if (up.resyncWanted != ResyncReason::None)
                continue;
            last.bind(1, device.view())
                .bind(2, std::int64_t(Kind::Heartbeat))
                .bind(3, std::int64_t(Kind::Resync));
            STREAMS_TRY_ASSIGN(const bool have, last.step());
            const std::int64_t lastMs = have ? last.columnInt64(0) : 0;
            last.reset();
            if (have && now() - lastMs < kHeartbeatIntervalMs && now() >= lastMs)
                continue;
            STREAMS_TRY(q.sendHeartbeat(device));
        }
        return {};
    }

    Result<QueuedEnvelope> resyncInTransaction(const Id16 &device)
    {
        if (!q.m_resyncSource)
            return fail(Errc::Refused, QStringLiteral("no resync source"));
        STREAMS_TRY_ASSIGN(ResyncContent content, q.m_resyncSource->resyncContent(db(), device));
        STREAMS_TRY_ASSIGN(InRow up, loadRow(device));
        STREAMS_TRY_ASSIGN(const EpochHead downHead, q.m_outbox.head(device));

        // Split the snapshot into parts of at most m_resyncPartBytes of encoded operations; the
        // first part at most kResyncFirstPartBytes: the device answers it (a RECEIPT opening its
        // new `up` epoch) after its first page, which on a thin link opens `down!` for it within
        // seconds (protocol::kFeaturePriorityDuringSnapshot), not after a whole part.
        std::vector<QCborArray> parts(1);
        qsizetype partBytes = 0;
        for (const QCborValue &op : content.ops) {
            STREAMS_TRY_ASSIGN(const QByteArray enc, protocol::cbor::encode(op));
            const qsizetype limit = parts.size() == 1
                                        ? std::min(q.m_resyncPartBytes, kResyncFirstPartBytes)
                                        : q.m_resyncPartBytes;
            if (partBytes > 0 && partBytes + enc.size() > limit) {
                parts.emplace_back();
                partBytes = 0;
            }
            parts.back().append(op);
            partBytes += enc.size();
        }

        protocol::ResyncPayload pay;
        pay.scopes = content.scopes;
        pay.upAccepted = up.appliedHead();
        pay.heartbeat.hqTimeMs = now();
        pay.heartbeat.certSerial = q.m_certSerial;
        if (!q.m_certificate.isEmpty())
            pay.heartbeat.certificate = q.m_certificate;
        pay.heartbeat.downHead = downHead;
        pay.heartbeat.upApplied = up.appliedHead();
        pay.parts = std::uint32_t(parts.size());
        QueuedEnvelope first;
        for (std::size_t i = 0; i < parts.size(); ++i) {
            pay.part = std::uint32_t(i + 1);
            pay.ops = parts[i];
            pay.policy = i == 0 ? content.policy : std::nullopt;
            pay.wipeId = i == 0 ? content.wipeId : std::nullopt;
            if (i == 0) {
                STREAMS_TRY_ASSIGN(first, q.m_outbox.openEpoch(device, Kind::Resync, pay.toCbor()));
            } else {
                STREAMS_TRY(q.m_outbox.enqueue(device, Kind::Resync, pay.toCbor()));
            }
        }
        // REJECTs sealed after the device's last RECEIPT may be lost with the epoch this RESYNC
        // replaces (parked behind a gap, withheld). The snapshot alone would silently undo what
        // the officer wrote: they are sent again in the new epoch, so the officer is shown the
        // refusal (DESIGN.md "Data": nothing is lost silently). The device keeps one entry per
        // refusal, so one it already applied does no harm.
        // Each is HQ's answer as of now: one whose operation HQ has taken since (sent again by
        // the device, or accepted by the desk) is left out.
        ResyncSource *source = q.m_resyncSource;
        STREAMS_TRY_ASSIGN(const auto again,
                           q.m_outbox.reissueAfter(device, up.peerSeen, Kind::Reject,
                                                   [source, &device](const QCborMap &reject) {
                                                       return source->refreshReject(device, reject);
                                                   }));
        qCInfo(lcReceiver).noquote()
            << "RESYNC to" << shortId(device) << "epoch" << first.stream.epoch << "parts"
            << parts.size() << "REJECTs again" << again.size();
        up.resyncWanted = ResyncReason::None;
        up.resyncWantedMs = 0;
        STREAMS_TRY(saveRow(up));
        return first;
    }

    // ---- freezing ----

    Status freeze(InRow &r, ResyncReason why, std::uint64_t seq)
    {
        if (q.m_me.role() == Role::Hq && r.lane == Lane::Priority) {
            // HQ: a device whose `up!` forked or carried a fault is quarantined as a whole:
            // its bulk lane freezes with it (until the desk's release).
            STREAMS_TRY_ASSIGN(InRow bulk, loadRow(r.sender, Lane::Bulk));
            if (!bulk.frozen) {
                bulk.frozen = true;
                bulk.frozenReason = why;
                bulk.frozenSeq = 0;
                bulk.frozenMs = now();
                bulk.gapSince.reset();
                STREAMS_TRY(saveRow(bulk));
            }
        }
        if (!r.frozen) {
            r.frozen = true;
            r.frozenReason = why;
            r.frozenSeq = seq;
            r.frozenMs = now();
        }
        r.gapSince.reset();
        STREAMS_TRY(requestResync(r, why, seq));
        return saveRow(r);
    }

    Status senderFault(InRow &r, const protocol::EnvelopeFrame &f, QByteArrayView bytes,
                       ReceiveResult &res, const QString &why)
    {
        qCWarning(lcReceiver).noquote()
            << "sender fault from" << shortId(f.header.sender) << "epoch" << f.header.epoch << "seq"
            << f.header.seq << ":" << why;
        STREAMS_TRY(keepEvidence(f.header, f.envHash, bytes, EvidenceSenderFault));
        const bool wasFrozen = r.frozen;
        STREAMS_TRY(freeze(r, ResyncReason::SenderFault, f.header.seq));
        if (!wasFrozen)
            STREAMS_TRY(raise(AlarmType::SenderFault, r, f.header.seq, 1));
        res.disposition = Disposition::SenderFault;
        res.acknowledge = true;
        res.reason = why;
        return {};
    }

    Status fork(InRow &r, const protocol::EnvelopeFrame &f, QByteArrayView bytes,
                std::uint64_t appliedSideSeq, ReceiveResult &res)
    {
        qCWarning(lcReceiver).noquote() << "fork on stream from" << shortId(f.header.sender)
                                        << "epoch" << f.header.epoch << "seq" << f.header.seq;
        STREAMS_TRY(keepAppliedEvidence(r, appliedSideSeq));
        STREAMS_TRY(keepEvidence(f.header, f.envHash, bytes, EvidenceForkOther));
        const bool wasFrozen = r.frozen;
        STREAMS_TRY(freeze(r, ResyncReason::Fork, f.header.seq));
        if (!wasFrozen)
            STREAMS_TRY(raise(AlarmType::Fork, r, f.header.seq, 2));
        res.disposition = Disposition::Forked;
        res.acknowledge = true;
        res.reason = QStringLiteral("fork");
        return {};
    }

    // ---- WIPE ----

    // A verified COMMAND: runs only if it names this device, with this key, is new and not
    // expired. Records the id; the handler runs after the transaction. Returns true if it is new.
    Result<bool> takeCommand(const Command &c)
    {
        if (q.m_me.role() != Role::Device)
            return false;
        if (c.target != q.m_me.localId())
            return false;
        const crypto::SignSecretKey &sk = q.m_me.signingKey();
        const QByteArrayView pk(reinterpret_cast<const char *>(sk.data()) + 32, 32);
        if (crypto::crypto_generichash(pk) != c.targetSignKeyHash)
            return false;
        if (c.notAfterMs != 0 && q.m_hqTimeBound) {
            if (const auto hqNow = q.m_hqTimeBound(); hqNow && c.notAfterMs < *hqNow)
                return false; // past its notAfter by HQ's own (verified) time
        }
        STREAMS_TRY_ASSIGN(auto st, db().prepare("INSERT OR IGNORE INTO stream_command "
                                                 "(command_id, type, received_ms) VALUES (?, ?, "
                                                 "?)"));
        st.bind(1, c.commandId.view()).bind(2, int(c.type)).bind(3, now());
        STREAMS_TRY(st.exec());
        if (db().changes() == 0)
            return false;
        if (c.type == Command::Type::Wipe) {
            if (q.m_wipeRecorder)
                STREAMS_TRY(q.m_wipeRecorder(c));
            wipes.push_back(c);
        }
        return true;
    }

    // Parked and frozen envelopes are opened for a WIPE only. A validly signed envelope that
    // does not open is a sender fault all the same.
    Result<bool> peekForWipe(InRow &r, const protocol::EnvelopeFrame &f, QByteArrayView bytes,
                             ReceiveResult &res)
    {
        const crypto::BoxKeyPair *key = q.m_me.boxKey(f.header.recipientBoxKeyId);
        auto body = key ? codec::open(f, *key, inDir) : Result<Body>(fail(Errc::NotFound, {}));
        if (!body) {
            if (!r.frozen)
                STREAMS_TRY(senderFault(r, f, bytes, res, QStringLiteral("does not open")));
            return false;
        }
        res.kind = body->kind;
        if (body->kind != Kind::Command)
            return true;
        auto cmd = Command::fromCbor(body->payload);
        if (!cmd)
            return true;
        STREAMS_TRY_ASSIGN(const bool fresh, takeCommand(*cmd));
        if (fresh)
            res.wipe = res.wipe || cmd->type == Command::Type::Wipe;
        return true;
    }

    // ---- step 3 ----

    Status classify(const protocol::EnvelopeFrame &f, QByteArrayView bytes, const Peer &peer,
                    ReceiveResult &res)
    {
        const auto &h = f.header;
        const Lane lane = protocol::laneOfEpoch(h.epoch);
        STREAMS_TRY_ASSIGN(InRow r, loadRow(h.sender, lane));
        if (lane == Lane::Priority) {
            // A priority stream belongs to the bulk lane's epoch of the same number: one of an
            // epoch a RESYNC replaced is never applied (HQ sends its REJECTs again, the device
            // its DELTAs); one of an epoch the bulk lane has not reached waits parked until it
            // does (drainPriority).
            STREAMS_TRY_ASSIGN(const InRow bulk, loadRow(h.sender, Lane::Bulk));
            const std::uint32_t number = protocol::epochNumber(h.epoch);
            if (number < bulk.epoch || (number == bulk.epoch && h.epoch < r.epoch)) {
                qCInfo(lcReceiver).noquote() << "dropped priority envelope of a replaced epoch from"
                                             << shortId(h.sender) << "epoch" << number;
                res.disposition = Disposition::Dropped;
                res.acknowledge = true;
                res.reason = QStringLiteral("other epoch");
                return {};
            }
            if (number > bulk.epoch) {
                if (r.frozen)
                    return onFrozen(r, f, bytes, peer, res);
                if (h.seq >= 1 && h.seq <= kParkWindow)
                    return park(r, f, bytes, res);
                return farAhead(r, f, bytes, peer, res);
            }
        }

        const bool sameEpoch = r.exists && r.epoch != 0 && h.epoch == r.epoch;
        if (sameEpoch && h.seq >= 1 && h.seq <= r.applied) {
            STREAMS_TRY_ASSIGN(const auto known, appliedHashAt(r, h.seq));
            if (known && *known == f.envHash) {
                res.disposition = Disposition::Duplicate;
                res.acknowledge = true;
                return {};
            }
            if (r.frozen)
                return onFrozen(r, f, bytes, peer, res);
            return fork(r, f, bytes, h.seq, res);
        }
        if (h.epoch > r.epoch && h.seq == 1) {
            // HQ: a quarantined `up` (frozen after a fork or sender fault) cannot open a new
            // epoch by itself; only the desk's release (with its RESYNC) unfreezes it.
            if (r.frozen && q.m_me.role() == Role::Hq)
                return onFrozen(r, f, bytes, peer, res);
            return inOrder(r, f, bytes, peer, true, res);
        }
        if (h.epoch > r.epoch && h.seq > 1) {
            // A later envelope of a new epoch whose opener (HQ's RESYNC on `down`, the device's
            // RECEIPT on `up`) has not arrived: out of order, or lost. Parked like a gap
            // (acknowledged, opened for a WIPE, not dropped unread): the opener drains it, and
            // if it never comes the gap timer asks for a RESYNC (the device: RESYNC_REQUEST),
            // answered with another epoch. (A revoked device's WIPE sealed behind a lost
            // RESYNC runs all the same: HQ sends that device no RESYNC any more.)
            if (r.frozen)
                return onFrozen(r, f, bytes, peer, res);
            if (h.seq <= kParkWindow)
                return park(r, f, bytes, res);
            return farAhead(r, f, bytes, peer, res);
        }
        if (!sameEpoch) {
            qCInfo(lcReceiver).noquote() << "dropped envelope of another epoch from"
                                         << shortId(h.sender) << "epoch" << h.epoch;
            // A REJECT of an epoch a RESYNC replaced is not taken from it: HQ sent every REJECT
            // the device had not applied again after that RESYNC, as its answer as of then
            // (refreshReject). The old one carries HQ's record as it was before the snapshot;
            // applied after it, it undid a deletion the desk had accepted since (soak seed
            // 3062).
            if (h.epoch < r.epoch)
                STREAMS_TRY(checkOlderEpoch(r, f));
            res.disposition = Disposition::Dropped;
            res.acknowledge = h.epoch < r.epoch; // an old epoch can never become useful
            res.reason = QStringLiteral("other epoch");
            return {};
        }
        if (r.frozen)
            return onFrozen(r, f, bytes, peer, res);
        if (h.seq == r.applied + 1) {
            if (h.prev != r.head)
                return fork(r, f, bytes, r.applied, res);
            return inOrder(r, f, bytes, peer, false, res);
        }
        if (h.seq == 0) {
            STREAMS_TRY(senderFault(r, f, bytes, res, QStringLiteral("seq 0")));
            return {};
        }
        if (h.seq - r.applied <= kParkWindow)
            return park(r, f, bytes, res);
        return farAhead(r, f, bytes, peer, res);
    }

    // ---- restore (issue 8 point 6, review M2) ----

    // Device: an envelope of an epoch older than the current one, sealed after the current one
    // began (later than the newest HQ time this device verified, which is at least the time of
    // the RESYNC that opened it): HQ never seals in an epoch it replaced, so its epochs went
    // back (a restore from a backup). Alarm and ask for a RESYNC, which a restored HQ answers
    // past the epochs the device names. An older envelope sealed before the current epoch is a
    // late one: dropped as before.
    Status checkOlderEpoch(InRow &r, const protocol::EnvelopeFrame &f)
    {
        if (q.m_me.role() != Role::Device || r.peerTimeMs <= 0)
            return {};
        const crypto::BoxKeyPair *key = q.m_me.boxKey(f.header.recipientBoxKeyId);
        if (!key)
            return {};
        auto body = codec::open(f, *key, inDir);
        if (!body || body->createdMs <= r.peerTimeMs)
            return {};
        if (r.resyncWanted != ResyncReason::None)
            return {}; // asked already in this epoch
        qCWarning(lcReceiver).noquote() << "HQ sealed in epoch" << f.header.epoch << "after epoch"
                                        << r.epoch << "began: HQ went back";
        STREAMS_TRY(raise(AlarmType::EpochRegressed, r, f.header.seq,
                          std::int64_t(r.epoch - f.header.epoch)));
        STREAMS_TRY(requestResync(r, ResyncReason::Other, f.header.seq));
        return saveRow(r);
    }

    // HQ: a device's RECEIPT or RESYNC_REQUEST names the `down` position it applied. One HQ
    // never sealed (an epoch past HQ's, or a seq past HQ's head in it) means HQ's store went
    // back: alarm, move the stream past it and send the RESYNC at once, so HQ's epochs never go
    // backwards for the device (DESIGN.md "Topology": after any restore, a new epoch).
    Status checkDownNamed(InRow &r, const protocol::EnvelopeFrame &f)
    {
        if (q.m_me.role() != Role::Hq)
            return {};
        const crypto::BoxKeyPair *key = q.m_me.boxKey(f.header.recipientBoxKeyId);
        if (!key)
            return {};
        auto body = codec::open(f, *key, inDir);
        if (!body)
            return {};
        std::optional<EpochHead> named;
        if (body->kind == Kind::Receipt) {
            if (const auto rc = protocol::ReceiptPayload::fromCbor(body->payload))
                named = rc->downApplied;
        } else if (body->kind == Kind::ResyncRequest) {
            if (const auto rq = protocol::ResyncRequestPayload::fromCbor(body->payload))
                named = rq->downApplied;
        }
        if (!named || named->epoch == 0)
            return {};
        STREAMS_TRY_ASSIGN(const EpochHead head, q.m_outbox.head(r.sender));
        if (named->epoch < head.epoch || (named->epoch == head.epoch && named->seq <= head.seq))
            return {};
        qCWarning(lcReceiver).noquote()
            << "device" << shortId(r.sender) << "applied down epoch" << named->epoch << "seq"
            << named->seq << "past HQ's head, epoch" << head.epoch << ": HQ went back";
        STREAMS_TRY(raise(AlarmType::EpochRegressed, r, f.header.seq,
                          std::int64_t(named->epoch) - std::int64_t(head.epoch)));
        STREAMS_TRY(saveRow(r));
        STREAMS_TRY_ASSIGN(const bool allowed, q.m_outbox.mayReceive(r.sender, Kind::Resync, {}));
        if (!allowed || !q.m_resyncSource)
            return {};
        STREAMS_TRY(q.m_outbox.jumpEpoch(r.sender, named->epoch));
        STREAMS_TRY(resyncInTransaction(r.sender));
        STREAMS_TRY_ASSIGN(r, loadRow(r.sender));
        return {};
    }

    Status onFrozen(InRow &r, const protocol::EnvelopeFrame &f, QByteArrayView bytes,
                    const Peer &peer, ReceiveResult &res)
    {
        STREAMS_TRY_ASSIGN(const bool opened, peekForWipe(r, f, bytes, res));
        if (opened)
            STREAMS_TRY(salvageReject(f, peer));
        res.disposition = Disposition::Frozen;
        res.acknowledge = true;
        res.reason = QStringLiteral("stream frozen");
        return {};
    }

    Status farAhead(InRow &r, const protocol::EnvelopeFrame &f, QByteArrayView bytes,
                    const Peer &peer, ReceiveResult &res)
    {
        qCWarning(lcReceiver).noquote() << "envelope far ahead from" << shortId(f.header.sender)
                                        << "epoch" << r.epoch << "applied" << r.applied;
        STREAMS_TRY_ASSIGN(const bool opened, peekForWipe(r, f, bytes, res));
        if (!opened)
            return {}; // sender fault recorded
        STREAMS_TRY(salvageReject(f, peer));
        if (r.resyncWanted == ResyncReason::None) {
            STREAMS_TRY(raise(AlarmType::FarAhead, r, f.header.seq, 1));
            STREAMS_TRY(requestResync(r, ResyncReason::FarAhead, f.header.seq));
            STREAMS_TRY(saveRow(r));
        }
        res.disposition = Disposition::FarAhead;
        res.acknowledge = true;
        res.reason = QStringLiteral("far ahead");
        return {};
    }

    Status park(InRow &r, const protocol::EnvelopeFrame &f, QByteArrayView bytes,
                ReceiveResult &res)
    {
        const auto &h = f.header;
        STREAMS_TRY_ASSIGN(auto sel, db().prepare("SELECT env_hash FROM stream_parked WHERE sender "
                                                  "= ? AND recipient = ? AND epoch = ? AND seq = "
                                                  "?"));
        sel.bind(1, h.sender.view())
            .bind(2, h.recipient.view())
            .bind(3, std::int64_t(h.epoch))
            .bind(4, std::int64_t(h.seq));
        STREAMS_TRY_ASSIGN(const bool have, sel.step());
        if (have) {
            const Hash32 other = fixedColumn<Hash32>(sel, 0);
            sel.reset();
            if (other == f.envHash) {
                res.disposition = Disposition::Parked;
                res.acknowledge = true;
                res.reason = QStringLiteral("already parked");
                return {};
            }
            // Two validly signed envelopes for one seq, both ahead of the head.
            STREAMS_TRY_ASSIGN(auto bytesSel,
                               db().prepare("SELECT bytes FROM stream_parked WHERE sender = ? AND "
                                            "recipient = ? AND epoch = ? AND seq = ?"));
            bytesSel.bind(1, h.sender.view())
                .bind(2, h.recipient.view())
                .bind(3, std::int64_t(h.epoch))
                .bind(4, std::int64_t(h.seq));
            STREAMS_TRY_ASSIGN(const bool got, bytesSel.step());
            if (got) {
                const QByteArray parkedBytes = bytesSel.columnBlob(0);
                bytesSel.reset();
                STREAMS_TRY(keepEvidence(h, other, parkedBytes, EvidenceForkApplied));
            }
            STREAMS_TRY(keepEvidence(h, f.envHash, bytes, EvidenceForkOther));
            const bool wasFrozen = r.frozen;
            STREAMS_TRY(freeze(r, ResyncReason::Fork, h.seq));
            if (!wasFrozen)
                STREAMS_TRY(raise(AlarmType::Fork, r, h.seq, 2));
            res.disposition = Disposition::Forked;
            res.acknowledge = true;
            res.reason = QStringLiteral("fork among parked");
            return {};
        }
        sel.reset();
        STREAMS_TRY_ASSIGN(const bool opened, peekForWipe(r, f, bytes, res));
        if (!opened)
            return {}; // sender fault recorded
        STREAMS_TRY_ASSIGN(auto ins, db().prepare("INSERT INTO stream_parked (sender, recipient, "
                                                  "epoch, seq, env_hash, bytes, received_ms) "
                                                  "VALUES (?, ?, ?, ?, ?, ?, ?)"));
        ins.bind(1, h.sender.view())
            .bind(2, h.recipient.view())
            .bind(3, std::int64_t(h.epoch))
            .bind(4, std::int64_t(h.seq))
            .bind(5, f.envHash.view())
            .bind(6, bytes)
            .bind(7, now());
        STREAMS_TRY(ins.exec());
        if (!r.gapSince) {
            r.gapSince = q.m_clock.onlineMs();
            STREAMS_TRY(saveRow(r));
        }
        // HQ: what the device says it applied may show that HQ's store went back.
        STREAMS_TRY(checkDownNamed(r, f));
        res.disposition = Disposition::Parked;
        res.acknowledge = true;
        res.reason = QStringLiteral("parked");
        return {};
    }

    // ---- steps 4-6 ----

    // Outcome of one envelope taken in order.
    enum class Step { Applied, Stopped };

    Status inOrder(InRow &r, const protocol::EnvelopeFrame &f, QByteArrayView bytes,
                   const Peer &peer, bool newEpoch, ReceiveResult &res)
    {
        STREAMS_TRY_ASSIGN(const Step step, takeInOrder(r, f, bytes, peer, newEpoch, res));
        if (step == Step::Stopped)
            return {};
        res.disposition = res.disposition == Disposition::Quarantined ? Disposition::Quarantined
                                                                      : Disposition::Applied;
        res.acknowledge = true;
        STREAMS_TRY(drainParked(r, peer, res));
        if (newEpoch && r.lane == Lane::Bulk && !r.frozen)
            return drainPriority(r.sender, r.epoch, peer, res);
        return {};
    }

    // The bulk lane entered `epoch`: the priority stream of that epoch, parked while the bulk
    // lane was behind, is taken from its seq 1 on.
    Status drainPriority(const Id16 &sender, std::uint32_t epoch, const Peer &peer,
                         ReceiveResult &res)
    {
        STREAMS_TRY_ASSIGN(InRow p, loadRow(sender, Lane::Priority));
        const std::uint32_t want = protocol::epochInLane(epoch, Lane::Priority);
        if (p.exists && p.epoch >= want)
            return {};
        STREAMS_TRY_ASSIGN(auto sel, db().prepare("SELECT bytes FROM stream_parked WHERE sender = "
                                                  "? AND recipient = ? AND epoch = ? AND seq = 1"));
        sel.bind(1, p.sender.view()).bind(2, p.recipient.view()).bind(3, std::int64_t(want));
        STREAMS_TRY_ASSIGN(const bool have, sel.step());
        if (!have)
            return {};
        const QByteArray bytes = sel.columnBlob(0);
        sel.reset();
        STREAMS_TRY_ASSIGN(auto del, db().prepare("DELETE FROM stream_parked WHERE sender = ? AND "
                                                  "recipient = ? AND epoch = ? AND seq = 1"));
        del.bind(1, p.sender.view()).bind(2, p.recipient.view()).bind(3, std::int64_t(want));
        STREAMS_TRY(del.exec());
        auto frame = protocol::parseEnvelope(bytes, protocol::kMaxEnvelopeBytes);
        if (!frame)
            return fail(Errc::Tampered, QStringLiteral("a parked envelope no longer parses"));
        ReceiveResult sub;
        STREAMS_TRY_ASSIGN(const Step step, takeInOrder(p, *frame, bytes, peer, true, sub));
        res.applied += sub.applied;
        res.wipe = res.wipe || sub.wipe;
        if (step == Step::Stopped)
            return {};
        return drainParked(p, peer, res);
    }

    Result<Step> takeInOrder(InRow &r, const protocol::EnvelopeFrame &f, QByteArrayView bytes,
                             const Peer &peer, bool newEpoch, ReceiveResult &res)
    {
        const auto &h = f.header;
        const Kind opening = epochOpeningKind(inDir);
        // Step 4: open.
        const crypto::BoxKeyPair *key = q.m_me.boxKey(h.recipientBoxKeyId);
        if (!key) {
            // Only possible for a parked envelope whose box key was deleted meanwhile.
            STREAMS_TRY(senderFault(r, f, bytes, res, QStringLiteral("box key no longer held")));
            return Step::Stopped;
        }
        auto opened = codec::open(f, *key, inDir);
        if (!opened) {
            STREAMS_TRY(senderFault(r, f, bytes, res, opened.error().message));
            return Step::Stopped;
        }
        const Body &body = *opened;
        if (!res.kind)
            res.kind = body.kind;
        // Step 5: kind (checked by open), epoch rules, operation-level checks.
        QString why;
        if (r.lane == Lane::Priority && !kindOnPriorityLane(body.kind))
            why = QStringLiteral("kind not allowed on the priority lane");
        else if (newEpoch && r.lane == Lane::Bulk && body.kind != opening)
            why = QStringLiteral("a new epoch must open with its opening kind");
        else if (newEpoch && !h.prev.isZero())
            why = QStringLiteral("seq 1 with a prev");
        else if (body.kind == Kind::Resync) {
            auto rs = protocol::ResyncPayload::fromCbor(body.payload);
            if (!rs)
                why = rs.error().message;
            else if (newEpoch ? rs->part != 1 : (rs->part < 2 || rs->part != h.seq))
                why = QStringLiteral("RESYNC part out of place");
        }
        // Device: a multi-part snapshot is staged and applied whole when its last part is there.
        std::optional<SnapshotPart> snap;
        if (why.isEmpty() && q.m_me.role() == Role::Device) {
            snap = snapshotPartOf(body);
            Staging staging;
            if (!newEpoch) {
                STREAMS_TRY_ASSIGN(staging, stagingOf(r));
            }
            why = stagingFault(staging, snap);
        }
        if (!why.isEmpty()) {
            STREAMS_TRY(senderFault(r, f, bytes, res, why));
            return Step::Stopped;
        }
        const bool quarantine = q.m_me.role() == Role::Hq && peer.state == PeerState::WipeOnly &&
                                body.kind != Kind::CommandAck;
        StreamId sid{h.sender, h.recipient, h.epoch, inDir};
        StreamContext ctx{db(), q.m_me.role(), sid, h.seq, f.envHash, peer, now(), q.m_outbox};
        if (!quarantine) {
            if (auto s = q.m_applier.check(body, ctx); !s) {
                STREAMS_TRY(senderFault(r, f, bytes, res, s.error().message));
                return Step::Stopped;
            }
        }

        // Step 6: apply, advance the head. A content error from the applier is still the
        // sender's fault; anything else (disk) undoes the whole transaction.
        Savepoint sp(db());
        STREAMS_TRY(sp.begin());
        const EpochHead before = r.appliedHead();
        if (newEpoch)
            STREAMS_TRY(enterEpoch(r, h.epoch, peer));
        if (quarantine) {
            STREAMS_TRY(keepEvidence(h, f.envHash, bytes, EvidenceQuarantined));
            STREAMS_TRY(raise(AlarmType::Quarantined, r, h.seq, 1));
            res.disposition = Disposition::Quarantined;
        } else {
            STREAMS_TRY(applyOwn(r, before, body, f.envHash, newEpoch, res));
            bool take = true;
            if (body.kind == Kind::Reject && q.m_me.role() == Role::Device) {
                STREAMS_TRY_ASSIGN(take, takeReject(h.sender, f.envHash));
                if (take) {
                    STREAMS_TRY_ASSIGN(const bool older, rejectsAnOlderCopy(h.sender, body));
                    take = !older;
                }
            }
            if (snap && snap->part < snap->parts) {
                STREAMS_TRY(stagePart(r, h.seq, *snap, body));
                if (snap->kind == Kind::Resync && snap->part == 1) {
                    if (auto s = q.m_applier.snapshotBegun(body, ctx); !s) {
                        if (s.error().code != Errc::Malformed && s.error().code != Errc::Refused)
                            return std::unexpected(s.error());
                        sp.rollback();
                        STREAMS_TRY_ASSIGN(r, loadRow(h.sender));
                        STREAMS_TRY(senderFault(r, f, bytes, res, s.error().message));
                        return Step::Stopped;
                    }
                }
            } else if (take) {
                Body whole = body;
                if (snap && snap->parts > 1) {
                    STREAMS_TRY_ASSIGN(whole, wholeSnapshot(r, body));
                }
                if (auto s = q.m_applier.apply(whole, ctx); !s) {
                    if (s.error().code != Errc::Malformed && s.error().code != Errc::Refused)
                        return std::unexpected(s.error());
                    sp.rollback();
                    remerge.clear();
                    STREAMS_TRY_ASSIGN(r, loadRow(h.sender));
                    STREAMS_TRY(senderFault(r, f, bytes, res, s.error().message));
                    return Step::Stopped;
                }
                if (snap) {
                    STREAMS_TRY(collectRemerge(r, *snap));
                    STREAMS_TRY(clearStaged(r));
                }
                STREAMS_TRY(remergeOwnDeltas(whole, ctx));
                if (snap && snap->kind == Kind::Resync && snap->parts > 1)
                    STREAMS_TRY(remergePriority(r, peer));
            }
        }
        STREAMS_TRY(recordApplied(r, h.seq, f.envHash, bytes));
        STREAMS_TRY(sp.release());
        ++res.applied;
        return Step::Applied;
    }

    // A new epoch (RESYNC on `down`, the device's answer on `up`): the only thing that unfreezes.
    Status enterEpoch(InRow &r, std::uint32_t epoch, const Peer &peer)
    {
        if (r.lane == Lane::Priority) {
            // A priority epoch opens by its first envelope: what is left of older ones goes.
            static const char *const purge[] = {
                "DELETE FROM stream_parked WHERE sender = ? AND recipient = ? AND epoch >= ? AND "
                "epoch < ?",
                "DELETE FROM stream_applied WHERE sender = ? AND recipient = ? AND epoch >= ? AND "
                "epoch < ?",
            };
            for (const char *sql : purge) {
                STREAMS_TRY_ASSIGN(auto st, db().prepare(sql));
                st.bind(1, r.sender.view())
                    .bind(2, r.recipient.view())
                    .bind(3, std::int64_t(protocol::kPriorityEpochBit))
                    .bind(4, std::int64_t(epoch));
                STREAMS_TRY(st.exec());
            }
            return resetRow(r, epoch);
        }
        if (q.m_me.role() == Role::Device) {
            // What was parked in the epoch now replaced is never applied in order: its REJECTs
            // are taken now (the snapshot does not carry them).
            // (Those parked in this epoch are applied in order right after it opens.)
            STREAMS_TRY_ASSIGN(auto st, db().prepare("SELECT bytes FROM stream_parked WHERE sender "
                                                     "= ? AND recipient = ? AND (epoch < ? OR "
                                                     "(epoch >= 2147483648 AND epoch - 2147483648 "
                                                     "< ?)) ORDER BY epoch, seq"));
            st.bind(1, r.sender.view())
                .bind(2, r.recipient.view())
                .bind(3, std::int64_t(epoch))
                .bind(4, std::int64_t(epoch));
            std::vector<QByteArray> parked;
            for (;;) {
                STREAMS_TRY_ASSIGN(const bool row, st.step());
                if (!row)
                    break;
                parked.push_back(st.columnBlob(0));
            }
            st.reset();
            for (const QByteArray &bytes : parked) {
                auto frame = protocol::parseEnvelope(bytes, protocol::kMaxEnvelopeBytes);
                if (frame)
                    STREAMS_TRY(salvageReject(*frame, peer));
            }
        }
        // Parked envelopes of this epoch or a later one stay (HQ parks what follows a new `up`
        // epoch's opener when the opener comes late); the new head drains them.
        // (Priority envelopes of older epoch numbers go with them; the priority stream of this
        // epoch stays parked for drainPriority.)
        static const char *const purge[] = {
            "DELETE FROM stream_parked WHERE sender = ? AND recipient = ? AND (epoch < ? OR "
            "(epoch >= 2147483648 AND epoch - 2147483648 < ?))",
            "DELETE FROM stream_applied WHERE sender = ? AND recipient = ? AND epoch < 2147483648",
            "DELETE FROM stream_staged WHERE sender = ? AND recipient = ?",
        };
        for (const char *sql : purge) {
            STREAMS_TRY_ASSIGN(auto st, db().prepare(sql));
            st.bind(1, r.sender.view()).bind(2, r.recipient.view());
            if (sql == purge[0])
                st.bind(3, std::int64_t(epoch)).bind(4, std::int64_t(epoch));
            STREAMS_TRY(st.exec());
        }
        return resetRow(r, epoch);
    }

    Status resetRow(InRow &r, std::uint32_t epoch)
    {
        r.epoch = epoch;
        r.applied = 0;
        r.head = Hash32{};
        r.frozen = false;
        r.frozenReason = ResyncReason::None;
        r.frozenSeq = 0;
        r.frozenMs = 0;
        r.gapSince.reset();
        r.resyncWanted = ResyncReason::None;
        r.resyncWantedMs = 0;
        return {};
    }

    // ---- multi-part snapshots (device) ----

    Result<Staging> stagingOf(const InRow &r)
    {
        return stagedSnapshot(db(), StreamKey{r.sender, r.recipient, r.epoch});
    }

    Status stagePart(InRow &r, std::uint64_t seq, const SnapshotPart &p, const Body &body)
    {
        STREAMS_TRY(
            stageSnapshotPart(db(), StreamKey{r.sender, r.recipient, r.epoch}, seq, p, body));
        // An incomplete snapshot waits like a gap: tick() asks for a RESYNC when no part came
        // for kGapTimeoutMs online.
        r.gapSince = q.m_clock.onlineMs();
        return {};
    }

    Result<Body> wholeSnapshot(const InRow &r, const Body &last)
    {
        return joinStagedSnapshot(db(), StreamKey{r.sender, r.recipient, r.epoch}, last);
    }

    Status clearStaged(const InRow &r)
    {
        return clearStagedSnapshot(db(), StreamKey{r.sender, r.recipient, r.epoch});
    }

    // This device's own DELTAs a complete snapshot cannot contain, merged again on top of it.
    Status collectRemerge(const InRow &r, const SnapshotPart &p)
    {
        if (p.kind == Kind::ScopeJoin) {
            // The snapshot of a (re)joined scope reflects HQ's `up` head of the HEARTBEAT sealed
            // just before its first part: what this device sent after that is not in it.
            STREAMS_TRY_ASSIGN(remerge, q.m_outbox.bodiesAfter(r.sender, r.peerSeen, Kind::Delta));
            return {};
        }
        // RESYNC: every DELTA of the `up` epoch its first part opened: the re-issued ones HQ had
        // not accepted, and what was written while parts were missing.
        STREAMS_TRY_ASSIGN(const EpochHead up, q.m_outbox.head(r.sender));
        STREAMS_TRY_ASSIGN(remerge, q.m_outbox.bodiesAfter(
                                        r.sender, EpochHead{up.epoch, 0, Hash32{}}, Kind::Delta));
        return {};
    }

    // Device: what HQ sent on `down!` in this epoch while its RESYNC was incomplete (applied
    // then, from part 1 on: kFeaturePriorityDuringSnapshot) was sealed after the snapshot was
    // taken, so the snapshot that just replaced the store cannot contain it: its DELTAs and the
    // REJECTs taken from it are applied again on top (each operation carries its per-field
    // stamps, so applying it twice, or after anything newer, changes nothing it should not).
    Status remergePriority(const InRow &bulk, const Peer &peer)
    {
        if (q.m_me.role() != Role::Device)
            return {};
        const std::uint32_t epoch = protocol::epochInLane(bulk.epoch, Lane::Priority);
        STREAMS_TRY_ASSIGN(auto st, db().prepare("SELECT seq, env_hash, bytes FROM stream_applied "
                                                 "WHERE sender = ? AND recipient = ? AND epoch = "
                                                 "? AND bytes IS NOT NULL ORDER BY seq"));
        st.bind(1, bulk.sender.view()).bind(2, bulk.recipient.view()).bind(3, std::int64_t(epoch));
        struct Applied
        {
            std::uint64_t seq;
            QByteArray bytes;
        };
        std::vector<Applied> applied;
        for (;;) {
            STREAMS_TRY_ASSIGN(const bool row, st.step());
            if (!row)
                break;
            applied.push_back({std::uint64_t(st.columnInt64(0)), st.columnBlob(2)});
        }
        st.reset();
        for (const Applied &a : applied) {
            auto frame = protocol::parseEnvelope(a.bytes, protocol::kMaxEnvelopeBytes);
            if (!frame)
                return fail(Errc::Tampered, QStringLiteral("an applied envelope no longer parses"));
            const crypto::BoxKeyPair *key = q.m_me.boxKey(frame->header.recipientBoxKeyId);
            if (!key)
                continue;
            auto body = codec::open(*frame, *key, inDir);
            if (!body || (body->kind != Kind::Delta && body->kind != Kind::Reject))
                continue;
            if (body->kind == Kind::Reject) {
                STREAMS_TRY_ASSIGN(const bool taken,
                                   rejectTaken(frame->header.sender, frame->envHash));
                if (!taken)
                    continue;
                STREAMS_TRY_ASSIGN(const bool older,
                                   rejectsAnOlderCopy(frame->header.sender, *body));
                if (older)
                    continue;
            }
            StreamId sid{frame->header.sender, frame->header.recipient, frame->header.epoch, inDir};
            StreamContext ctx{db(),           q.m_me.role(), sid,   a.seq,
                              frame->envHash, peer,          now(), q.m_outbox};
            Savepoint one(db());
            STREAMS_TRY(one.begin());
            if (auto s = q.m_applier.apply(*body, ctx); !s) {
                if (s.error().code != Errc::Malformed && s.error().code != Errc::Refused)
                    return s;
                one.rollback();
                qCInfo(lcReceiver) << "a priority envelope does not merge again after the "
                                      "snapshot:"
                                   << errcName(s.error().code);
                continue;
            }
            STREAMS_TRY(one.release());
        }
        if (!applied.empty())
            qCInfo(lcReceiver) << "merged" << applied.size()
                               << "priority envelopes again on top of the snapshot";
        // Their bytes were kept while the snapshot was incomplete (recordApplied): from here on
        // only the newest kAppliedBytesKept, as on every stream.
        STREAMS_TRY_ASSIGN(const InRow p, loadRow(bulk.sender, Lane::Priority));
        if (p.exists && p.epoch == epoch && p.applied > std::uint64_t(kAppliedBytesKept)) {
            STREAMS_TRY_ASSIGN(auto prune,
                               db().prepare("UPDATE stream_applied SET bytes = NULL WHERE sender "
                                            "= ? AND recipient = ? AND epoch = ? AND seq <= ?"));
            prune.bind(1, bulk.sender.view())
                .bind(2, bulk.recipient.view())
                .bind(3, std::int64_t(epoch))
                .bind(4, std::int64_t(p.applied - std::uint64_t(kAppliedBytesKept)));
            STREAMS_TRY(prune.exec());
        }
        return {};
    }

    // Device, priority lane: while the bulk lane's RESYNC of the same epoch number is staged,
    // the bytes of what is applied are all kept (remergePriority needs every one).
    Result<bool> snapshotPending(const InRow &r)
    {
        if (q.m_me.role() != Role::Device || r.lane != Lane::Priority)
            return false;
        STREAMS_TRY_ASSIGN(
            const Staging staging,
            stagedSnapshot(db(), StreamKey{r.sender, r.recipient, protocol::epochNumber(r.epoch)}));
        return staging.parts > 0;
    }

    // ---- REJECTs (device) ----

    Result<bool> rejectTaken(const Id16 &sender, const Hash32 &envHash)
    {
        STREAMS_TRY_ASSIGN(auto st, db().prepare("SELECT 1 FROM stream_reject_taken WHERE sender "
                                                 "= ? AND recipient = ? AND env_hash = ?"));
        st.bind(1, sender.view()).bind(2, q.m_me.localId().view()).bind(3, envHash.view());
        STREAMS_TRY_ASSIGN(const bool have, st.step());
        st.reset();
        return have;
    }

    // Whether this REJECT envelope is new (and now recorded as taken).
    Result<bool> takeReject(const Id16 &sender, const Hash32 &envHash)
    {
        STREAMS_TRY_ASSIGN(auto st, db().prepare("INSERT OR IGNORE INTO stream_reject_taken "
                                                 "(sender, recipient, env_hash, at_ms) VALUES (?, "
                                                 "?, ?, ?)"));
        st.bind(1, sender.view())
            .bind(2, q.m_me.localId().view())
            .bind(3, envHash.view())
            .bind(4, now());
        STREAMS_TRY(st.exec());
        return db().changes() > 0;
    }

    // Device: a REJECT that names the `up` envelope which carried the operation, when this
    // device has sent the very operation again in a later envelope (re-issued after a RESYNC
    // that did not show the first one accepted): it refuses a copy that no longer counts. HQ's
    // answer to the later copy decides: a REJECT of its own, or nothing when HQ took it (HQ
    // never sends an author its own operation). Applied anyway, the write would be undone on
    // this device and kept at HQ (soak seeds 206 and 411).
    Result<bool> rejectsAnOlderCopy(const Id16 &hq, const Body &body)
    {
        const auto reject = protocol::RejectPayload::fromCbor(body.payload);
        if (!reject || !reject->sentIn)
            return false;
        STREAMS_TRY_ASSIGN(const auto later,
                           q.m_outbox.bodiesAfter(hq, *reject->sentIn, Kind::Delta, true));
        for (const QCborMap &payload : later) {
            const auto delta = protocol::DeltaPayload::fromCbor(payload);
            if (!delta)
                continue;
            for (const QCborValue &op : delta->ops) {
                if (op.toMap() == reject->op) {
                    qCInfo(lcReceiver) << "REJECT of an operation sent again since: the later "
                                          "copy decides";
                    return true;
                }
            }
        }
        return false;
    }

    // Device: a validly signed envelope of HQ that will never be applied in order (of an epoch a
    // RESYNC replaced, parked when that happened, in a frozen stream, far ahead) is opened for a
    // REJECT of this device's own operation, applied (held for the officer) once: the RESYNC's
    // snapshot does not carry it and nothing else would (DESIGN.md "Data": nothing an officer
    // wrote is dropped silently).
    Status salvageReject(const protocol::EnvelopeFrame &f, const Peer &peer)
    {
        if (q.m_me.role() != Role::Device)
            return {};
        const crypto::BoxKeyPair *key = q.m_me.boxKey(f.header.recipientBoxKeyId);
        if (!key)
            return {};
        auto body = codec::open(f, *key, inDir);
        if (!body || body->kind != Kind::Reject)
            return {};
        StreamId sid{f.header.sender, f.header.recipient, f.header.epoch, inDir};
        StreamContext ctx{db(),      q.m_me.role(), sid,   f.header.seq,
                          f.envHash, peer,          now(), q.m_outbox};
        if (auto s = q.m_applier.check(*body, ctx); !s) {
            qCWarning(lcReceiver) << "a REJECT of a replaced epoch does not check:"
                                  << errcName(s.error().code);
            return {};
        }
        Savepoint sp(db());
        STREAMS_TRY(sp.begin());
        STREAMS_TRY_ASSIGN(const bool fresh, takeReject(f.header.sender, f.envHash));
        if (!fresh)
            return sp.release();
        STREAMS_TRY_ASSIGN(const bool older, rejectsAnOlderCopy(f.header.sender, *body));
        if (older)
            return sp.release();
        if (auto s = q.m_applier.apply(*body, ctx); !s) {
            if (s.error().code != Errc::Malformed && s.error().code != Errc::Refused)
                return s;
            sp.rollback();
            qCWarning(lcReceiver) << "a REJECT of a replaced epoch does not apply:"
                                  << errcName(s.error().code);
            return {};
        }
        qCInfo(lcReceiver).noquote() << "REJECT taken from epoch" << f.header.epoch << "seq"
                                     << f.header.seq << "(not applied in order)";
        return sp.release();
    }

    Status remergeOwnDeltas(const Body &snapshot, const StreamContext &ctx)
    {
        std::vector<QCborMap> again;
        again.swap(remerge);
        for (const QCborMap &payload : again) {
            Savepoint one(db());
            STREAMS_TRY(one.begin());
            const Body delta{Kind::Delta, snapshot.createdMs, payload};
            if (auto s = q.m_applier.remergeOwn(delta, ctx); !s) {
                if (s.error().code != Errc::Malformed && s.error().code != Errc::Refused)
                    return s;
                // e.g. an edit in a scope this device no longer holds: HQ will REJECT it
                one.rollback();
                qCInfo(lcReceiver)
                    << "a re-issued delta does not merge locally:" << errcName(s.error().code);
                continue;
            }
            STREAMS_TRY(one.release());
        }
        return {};
    }

    Status recordApplied(InRow &r, std::uint64_t seq, const Hash32 &hash, QByteArrayView bytes)
    {
        STREAMS_TRY_ASSIGN(auto ins, db().prepare("INSERT OR REPLACE INTO stream_applied (sender, "
                                                  "recipient, epoch, seq, env_hash, bytes) VALUES "
                                                  "(?, ?, ?, ?, ?, ?)"));
        ins.bind(1, r.sender.view())
            .bind(2, r.recipient.view())
            .bind(3, std::int64_t(r.epoch))
            .bind(4, std::int64_t(seq))
            .bind(5, hash.view())
            .bind(6, bytes);
        STREAMS_TRY(ins.exec());
        STREAMS_TRY_ASSIGN(const bool keepAll, snapshotPending(r));
        if (seq > std::uint64_t(kAppliedBytesKept) && !keepAll) {
            STREAMS_TRY_ASSIGN(auto prune, db().prepare("UPDATE stream_applied SET bytes = NULL "
                                                        "WHERE sender = ? AND recipient = ? AND "
                                                        "epoch = ? AND seq = ?"));
            prune.bind(1, r.sender.view())
                .bind(2, r.recipient.view())
                .bind(3, std::int64_t(r.epoch))
                .bind(4, std::int64_t(seq - std::uint64_t(kAppliedBytesKept)));
            STREAMS_TRY(prune.exec());
        }
        r.applied = seq;
        r.head = hash;
        return saveRow(r);
    }

    // The receiver's own part of each stream-level kind (step 6, before the applier). Payload
    // schemas were checked when the body was opened.
    Status applyOwn(InRow &r, const EpochHead &before, const Body &body, const Hash32 &envHash,
                    bool newEpoch, ReceiveResult &res)
    {
        switch (body.kind) {
        case Kind::Heartbeat: {
            STREAMS_TRY_ASSIGN(const auto hb, protocol::HeartbeatPayload::fromCbor(body.payload));
            return onHeartbeat(r, before, hb, true);
        }
        case Kind::Resync: {
            STREAMS_TRY_ASSIGN(const auto rs, protocol::ResyncPayload::fromCbor(body.payload));
            if (rs.part != 1)
                return {};
            STREAMS_TRY(onHeartbeat(r, before, rs.heartbeat, false));
            // Answer with a new `up` epoch opened by a RECEIPT naming this RESYNC, then send
            // again the deltas HQ never accepted.
            protocol::ReceiptPayload opened;
            opened.downApplied = EpochHead{r.epoch, 1, envHash};
            STREAMS_TRY_ASSIGN(opened.upSent, q.m_outbox.head(r.sender));
            opened.unlockFailures = q.m_unlockFailures;
            opened.features = q.m_features;
            STREAMS_TRY(q.m_outbox.openEpoch(r.sender, Kind::Receipt, opened.toCbor()));
            // (Merged again on top of the snapshot once all its parts are there.)
            STREAMS_TRY_ASSIGN(const auto again,
                               q.m_outbox.reissueAfter(r.sender, rs.upAccepted, Kind::Delta));
            if (!again.empty())
                qCInfo(lcReceiver) << "re-issued" << again.size() << "deltas after RESYNC";
            return {};
        }
        case Kind::Receipt: {
            STREAMS_TRY_ASSIGN(const auto rc, protocol::ReceiptPayload::fromCbor(body.payload));
            return onReceipt(r, before, rc, body.createdMs, newEpoch);
        }
        case Kind::ResyncRequest: {
            STREAMS_TRY_ASSIGN(const auto rq,
                               protocol::ResyncRequestPayload::fromCbor(body.payload));
            // Also when it names an epoch HQ has already replaced (review L7: that RESYNC may be
            // lost); the interval coalesces repeats, and the device's answer to any RESYNC
            // (its new `up` epoch) clears what is still wanted.
            qCInfo(lcReceiver).noquote()
                << "device" << shortId(r.sender) << "asks for RESYNC, reason" << int(rq.reason);
            r.resyncWanted = ResyncReason::None; // let requestResync act
            return requestResync(r, ResyncReason(int(rq.reason)), rq.detail);
        }
        case Kind::Command: {
            STREAMS_TRY_ASSIGN(const auto cmd, Command::fromCbor(body.payload));
            STREAMS_TRY_ASSIGN(const bool fresh, takeCommand(cmd));
            if (fresh && cmd.type == Command::Type::Wipe)
                res.wipe = true;
            return {};
        }
        default:
            return {};
        }
    }

    // Device: HQ's HEARTBEAT against what this device sent and applied.
    Status onHeartbeat(InRow &r, const EpochHead &before, const protocol::HeartbeatPayload &hb,
                       bool compare)
    {
        // The certificate first: a newer one names the key the next envelopes are signed with.
        if (hb.certificate && q.m_certificateHandler)
            STREAMS_TRY(q.m_certificateHandler(*hb.certificate, hb.hqTimeMs));
        if (hb.certSerial < r.peerCertSerial)
            STREAMS_TRY(raise(AlarmType::StaleCertificate, r, r.applied + 1,
                              std::int64_t(r.peerCertSerial - hb.certSerial)));
        else
            r.peerCertSerial = hb.certSerial;
        r.peerTimeMs = std::max(r.peerTimeMs, hb.hqTimeMs);
        r.peerTimeLocalMs = now();
        r.peerSeen = hb.upApplied;
        if (!compare)
            return saveRow(r);

        std::int64_t mismatches = 0;
        if (!(hb.downHead == before))
            ++mismatches;
        if (hb.upApplied.seq > 0) {
            STREAMS_TRY_ASSIGN(const auto mine,
                               q.m_outbox.find(r.sender, hb.upApplied.epoch, hb.upApplied.seq));
            if (!mine || mine->envHash != hb.upApplied.envHash)
                ++mismatches;
        }
        STREAMS_TRY_ASSIGN(const std::int64_t withheld,
                           deliveredNotApplied(r.sender, hb.upApplied, hb.hqTimeMs));
        mismatches += withheld;
        if (mismatches > 0)
            STREAMS_TRY(raise(AlarmType::HeartbeatMismatch, r, r.applied + 1, mismatches));
        return saveRow(r);
    }

    // HQ: a device RECEIPT against what HQ sent and applied.
    Status onReceipt(InRow &r, const EpochHead &before, const protocol::ReceiptPayload &rc,
                     std::int64_t createdMs, bool opensEpoch)
    {
        std::int64_t mismatches = 0;
        if (rc.downApplied.seq > 0) {
            STREAMS_TRY_ASSIGN(const auto mine,
                               q.m_outbox.find(r.sender, rc.downApplied.epoch, rc.downApplied.seq));
            if (!mine || mine->envHash != rc.downApplied.envHash)
                ++mismatches;
        }
        const std::int64_t asOf = std::min(createdMs, now());
        STREAMS_TRY_ASSIGN(std::int64_t withheld,
                           deliveredNotApplied(r.sender, rc.downApplied, asOf));
        // The first envelope the device lacks went to the relay longer ago than the relay keeps
        // mail: retention explains the gap (a device back from a long absence; everything after
        // it waits parked behind it). RESYNC, but no alarm of a relay withholding mail.
        STREAMS_TRY_ASSIGN(const bool expired, firstMissingExpired(r.sender, rc.downApplied, asOf));
        const std::int64_t missing = withheld;
        if (expired)
            withheld = 0;
        mismatches += withheld;
        // (A RECEIPT that opens a new `up` epoch names the old epoch's head, which HQ may never
        // have seen in full: that is why there is a new epoch.)
        if (!opensEpoch && !(rc.upSent == before))
            ++mismatches;
        if (mismatches > 0)
            STREAMS_TRY(raise(AlarmType::ReceiptMismatch, r, r.applied + 1, mismatches));
        if (missing > 0 && q.m_resyncSource) {
            // The device has not applied what the relay took long ago: it is parked behind a
            // gap or lost. Answer with a RESYNC (not for a device cut off; coalesced).
            STREAMS_TRY(saveRow(r));
            STREAMS_TRY(requestResync(r, expired ? ResyncReason::Retention : ResyncReason::Gap,
                                      rc.downApplied.seq + 1));
        }
        if (std::int64_t(rc.unlockFailures) > r.peerUnlockFailures)
            STREAMS_TRY(raise(AlarmType::UnlockFailures, r, r.applied + 1, rc.unlockFailures));
        r.peerUnlockFailures = rc.unlockFailures;
        r.peerFeatures = rc.features;
        r.peerSeen = rc.downApplied;
        r.peerTimeMs = createdMs;
        r.peerTimeLocalMs = now();
        return saveRow(r);
    }

    // Envelopes this side sent to `peer` after `applied` that the relay acknowledged at least
    // kWithholdGraceMs before `asOfMs`: the other side should have had them.
    Result<std::int64_t> deliveredNotApplied(const Id16 &peer, const EpochHead &applied,
                                             std::int64_t asOfMs)
    {
        STREAMS_TRY_ASSIGN(auto st,
                           db().prepare("SELECT count(*) FROM stream_outbox WHERE recipient = ? "
                                        "AND delivered_ms > 0 AND delivered_ms <= ? AND epoch < "
                                        "2147483648 AND (epoch > ? OR (epoch = ? AND seq > ?))"));
        st.bind(1, peer.view())
            .bind(2, asOfMs - kWithholdGraceMs)
            .bind(3, std::int64_t(applied.epoch))
            .bind(4, std::int64_t(applied.epoch))
            .bind(5, std::int64_t(applied.seq));
        STREAMS_TRY_ASSIGN(const bool row, st.step());
        return row ? st.columnInt64(0) : 0;
    }

    // The first envelope after `applied` that the relay acknowledged, when it did so more than
    // protocol::kRelayRetentionMs before `asOfMs`: the relay may have purged it.
    Result<bool> firstMissingExpired(const Id16 &peer, const EpochHead &applied,
                                     std::int64_t asOfMs)
    {
        STREAMS_TRY_ASSIGN(auto st,
                           db().prepare("SELECT delivered_ms FROM stream_outbox WHERE recipient = "
                                        "? AND epoch < 2147483648 AND (epoch > ? OR (epoch = ? AND "
                                        "seq > ?)) ORDER BY epoch, seq LIMIT 1"));
        st.bind(1, peer.view())
            .bind(2, std::int64_t(applied.epoch))
            .bind(3, std::int64_t(applied.epoch))
            .bind(4, std::int64_t(applied.seq));
        STREAMS_TRY_ASSIGN(const bool row, st.step());
        if (!row)
            return false;
        const std::int64_t delivered = st.columnInt64(0);
        return delivered > 0 && delivered < asOfMs - protocol::kRelayRetentionMs;
    }

    // When the head advances, parked successors are applied in order.
    Status drainParked(InRow &r, const Peer &peer, ReceiveResult &res)
    {
        bool advanced = false;
        for (;;) {
            if (r.frozen)
                break;
            STREAMS_TRY_ASSIGN(auto sel, db().prepare("SELECT bytes FROM stream_parked WHERE "
                                                      "sender = ? AND recipient = ? AND epoch = ? "
                                                      "AND seq = ?"));
            sel.bind(1, r.sender.view())
                .bind(2, r.recipient.view())
                .bind(3, std::int64_t(r.epoch))
                .bind(4, std::int64_t(r.applied + 1));
            STREAMS_TRY_ASSIGN(const bool have, sel.step());
            if (!have)
                break;
            const QByteArray bytes = sel.columnBlob(0);
            sel.reset();
            STREAMS_TRY_ASSIGN(auto del, db().prepare("DELETE FROM stream_parked WHERE sender = ? "
                                                      "AND recipient = ? AND epoch = ? AND seq = "
                                                      "?"));
            del.bind(1, r.sender.view())
                .bind(2, r.recipient.view())
                .bind(3, std::int64_t(r.epoch))
                .bind(4, std::int64_t(r.applied + 1));
            STREAMS_TRY(del.exec());
            auto frame = protocol::parseEnvelope(bytes, protocol::kMaxEnvelopeBytes);
            if (!frame)
                return fail(Errc::Tampered, QStringLiteral("a parked envelope no longer parses"));
            ReceiveResult sub;
            if (frame->header.prev != r.head) {
                STREAMS_TRY(fork(r, *frame, bytes, r.applied, sub));
                break;
            }
            STREAMS_TRY_ASSIGN(const Step step, takeInOrder(r, *frame, bytes, peer, false, sub));
            res.applied += sub.applied;
            res.wipe = res.wipe || sub.wipe;
            if (step == Step::Stopped)
                break;
            advanced = true;
        }
        // The gap timer restarts for what is still missing (or stops). An incomplete snapshot
        // counts as missing.
        STREAMS_TRY_ASSIGN(const int left, parkedCount(r));
        STREAMS_TRY_ASSIGN(const Staging staging, stagingOf(r));
        if (left == 0 && staging.received == 0)
            r.gapSince.reset();
        else if (advanced || !r.gapSince)
            r.gapSince = q.m_clock.onlineMs();
        return saveRow(r);
    }

    Result<int> parkedCount(const InRow &r)
    {
        const QByteArray sql =
            QByteArray("SELECT count(*) FROM stream_parked WHERE sender = ? AND recipient = ?") +
            kLaneEpochs;
        STREAMS_TRY_ASSIGN(auto st, db().prepare(sql.constData()));
        st.bind(1, r.sender.view()).bind(2, r.recipient.view());
        bindLane(st, 3, r.lane);
        STREAMS_TRY_ASSIGN(const bool row, st.step());
        return row ? int(st.columnInt64(0)) : 0;
    }

    void afterTransaction()
    {
        if (q.m_alarmSink) {
            for (const Alarm &a : alarms)
                q.m_alarmSink(a);
        }
        if (q.m_wipeHandler) {
            for (const Command &c : wipes)
                q.m_wipeHandler(c);
        }
    }
};

Receiver::Receiver(store::Database &db, const LocalIdentity &me, const PeerDirectory &peers,
                   EnvelopeApplier &applier, StreamOutbox &outbox, const Clock &clock)
    : m_db(db)
    , m_me(me)
    , m_peers(peers)
    , m_applier(applier)
    , m_outbox(outbox)
    , m_clock(clock)
{
    if (m_me.role() == Role::Hq) {
        m_outbox.setJoinHeartbeat([this](const Id16 &device) -> Result<QCborMap> {
            Impl impl(*this);
            STREAMS_TRY_ASSIGN(const InRow up, impl.loadRow(device));
            protocol::HeartbeatPayload hb;
            hb.hqTimeMs = m_clock.wallMs();
            hb.certSerial = m_certSerial;
            if (!m_certificate.isEmpty())
                hb.certificate = m_certificate;
            STREAMS_TRY_ASSIGN(hb.downHead, m_outbox.head(device));
            hb.upApplied = up.appliedHead();
            return hb.toCbor();
        });
    }
}

Result<ReceiveResult> Receiver::receive(QByteArrayView envelope)
{
    ReceiveResult res;
    // Step 1: framing, size, magic, deployment, sender, recipient, box key.
    auto frame = protocol::parseEnvelope(envelope, protocol::kMaxEnvelopeBytes);
    auto drop = [&](const char *why) {
        res.disposition = Disposition::Dropped;
        res.acknowledge = false;
        res.reason = QString::fromLatin1(why);
        qCDebug(lcReceiver) << "dropped envelope:" << why;
        return res;
    };
    if (!frame)
        return drop("framing");
    const auto &h = frame->header;
    const Direction inDir = m_me.role() == Role::Device ? Direction::Down : Direction::Up;
    res.stream = StreamId{h.sender, h.recipient, h.epoch, inDir};
    res.seq = h.seq;
    res.envHash = frame->envHash;
    if (!protocol::checkDeployment(h, m_me.deploymentId()))
        return drop("deployment");
    if (h.recipient != m_me.localId())
        return drop("recipient is not me");
    if (h.sender == m_me.localId())
        return drop("sender is me");
    const auto peer = m_peers.peer(h.sender);
    if (!peer)
        return drop("unknown sender");
    const bool senderOk = m_me.role() == Role::Hq ? (peer->state == PeerState::Active ||
                                                     peer->state == PeerState::WipeOnly)
                                                  : peer->state == PeerState::Active;
    if (!senderOk)
        return drop("sender not active");
    if (!m_me.boxKey(h.recipientBoxKeyId))
        return drop("box key not held");
    // Step 2: signature under the sender's current key.
    if (!protocol::verifyEnvelopeSignature(*frame, peer->signKey))
        return drop("signature");

    // Steps 3-6 in one transaction.
    Impl impl(*this);
    STREAMS_TRY(m_db.begin());
    if (auto s = impl.classify(*frame, envelope, *peer, res); !s) {
        m_db.rollback();
        return std::unexpected(s.error());
    }
    if (auto s = m_db.commit(); !s) {
        m_db.rollback();
        return std::unexpected(s.error());
    }
    impl.afterTransaction();
    return res;
}

Status Receiver::tick()
{
    Impl impl(*this);
    STREAMS_TRY(m_db.begin());
    auto run = [&]() -> Status {
        STREAMS_TRY_ASSIGN(std::vector<InRow> rows,
                           loadInRows(m_db, m_me.localId(),
                                      "gap_since_online IS NOT NULL AND state = 0 AND "
                                      "resync_wanted = 0"));
        for (InRow &r : rows) {
            if (m_clock.onlineMs() < *r.gapSince) {
                // The online clock went back (a reboot): the wait restarts from here rather than
                // never ending.
                r.gapSince = m_clock.onlineMs();
                STREAMS_TRY(impl.saveRow(r));
                continue;
            }
            if (m_clock.onlineMs() - *r.gapSince < kGapTimeoutMs)
                continue;
            STREAMS_TRY_ASSIGN(const int parked, impl.parkedCount(r));
            // As giveUpGap: a gap the relay's retention explains is a catch-up, not an alarm.
            STREAMS_TRY_ASSIGN(const bool purged, impl.pastRetentionOf(r, m_clock.wallMs()));
            if (purged) {
                qCInfo(lcReceiver).noquote()
                    << "gap from" << shortId(r.sender) << "epoch" << r.epoch << "seq"
                    << r.applied + 1 << "past the relay's retention," << parked
                    << "parked: RESYNC to catch up";
                STREAMS_TRY(impl.requestResync(r, ResyncReason::Retention, r.applied + 1));
            } else {
                STREAMS_TRY(impl.raise(AlarmType::GapTimeout, r, r.applied + 1, parked));
                STREAMS_TRY(impl.requestResync(r, ResyncReason::Gap, r.applied + 1));
            }
            STREAMS_TRY(impl.saveRow(r));
        }
        if (m_me.role() == Role::Hq && m_resyncSource)
            STREAMS_TRY(impl.sendWantedResyncs());
        if (m_me.role() == Role::Hq)
            STREAMS_TRY(impl.sendDueHeartbeats());
        return {};
    };
    if (auto s = run(); !s) {
        m_db.rollback();
        return s;
    }
    STREAMS_TRY(m_db.commit());
    impl.afterTransaction();
    return {};
}

Status Receiver::giveUpGap(const Id16 &sender)
{
    Impl impl(*this);
    STREAMS_TRY(m_db.begin());
    auto one = [&](Lane lane) -> Status {
        STREAMS_TRY_ASSIGN(InRow r, impl.loadRow(sender, lane));
        if (!r.exists || r.frozen || !r.gapSince || r.resyncWanted != ResyncReason::None)
            return {};
        STREAMS_TRY_ASSIGN(const int parked, impl.parkedCount(r));
        // Retention explains the gap: a catch-up (RESYNC), no alarm for the officer, as HQ's
        // onReceipt does for the same purge.
        STREAMS_TRY_ASSIGN(const bool purged, impl.pastRetentionOf(r, m_clock.wallMs()));
        if (purged)
            qCInfo(lcReceiver).noquote()
                << "gap from" << shortId(r.sender) << "epoch" << r.epoch << "seq" << r.applied + 1
                << "past the relay's retention," << parked << "parked: RESYNC to catch up";
        else
            STREAMS_TRY(impl.raise(AlarmType::GapTimeout, r, r.applied + 1, parked));
        STREAMS_TRY(impl.requestResync(r, ResyncReason::Retention, r.applied + 1));
        return impl.saveRow(r);
    };
    auto run = [&]() -> Status {
        STREAMS_TRY(one(Lane::Bulk));
        return one(Lane::Priority);
    };
    if (auto s = run(); !s) {
        m_db.rollback();
        return s;
    }
    STREAMS_TRY(m_db.commit());
    impl.afterTransaction();
    return {};
}

Result<std::vector<GapRequest>> Receiver::gapsWanted() const
{
    STREAMS_TRY_ASSIGN(
        const std::vector<InRow> rows,
        loadInRows(m_db, m_me.localId(), "state = 0 AND gap_since_online IS NOT NULL"));
    std::vector<GapRequest> out;
    STREAMS_TRY_ASSIGN(auto ps,
                       m_db.prepare("SELECT seq FROM stream_parked WHERE sender = ? AND "
                                    "recipient = ? AND epoch = ? ORDER BY seq LIMIT 2001"));
    Impl impl(const_cast<Receiver &>(*this));
    for (const InRow &r : rows) {
        const std::size_t firstOfRow = out.size();
        ps.bind(1, r.sender.view()).bind(2, r.recipient.view()).bind(3, std::int64_t(r.epoch));
        std::uint64_t expect = r.applied + 1;
        bool anyParked = false;
        for (;;) {
            STREAMS_TRY_ASSIGN(const bool row, ps.step());
            if (!row)
                break;
            anyParked = true;
            const auto seq = std::uint64_t(ps.columnInt64(0));
            if (seq > expect && out.size() < 64)
                out.push_back(GapRequest{StreamId{r.sender, r.recipient, r.epoch, r.direction},
                                         expect, seq - 1});
            expect = seq + 1;
        }
        ps.reset();
        // The start of a newer epoch whose opener is missing (its later envelopes are parked).
        // (A priority stream parked while the bulk lane is behind counts from the bulk lane's
        // new epoch on: drainPriority.)
        const QByteArray nextSql = QByteArray("SELECT epoch, min(seq) FROM stream_parked WHERE "
                                              "sender = ? AND recipient = ? AND epoch > ?") +
                                   kLaneEpochs + " GROUP BY epoch ORDER BY epoch LIMIT 1";
        STREAMS_TRY_ASSIGN(auto next, m_db.prepare(nextSql.constData()));
        next.bind(1, r.sender.view()).bind(2, r.recipient.view()).bind(3, std::int64_t(r.epoch));
        bindLane(next, 4, r.lane);
        STREAMS_TRY_ASSIGN(const bool newer, next.step());
        if (newer && next.columnInt64(1) > 1 && out.size() < 64)
            out.push_back(GapRequest{
                StreamId{r.sender, r.recipient, std::uint32_t(next.columnInt64(0)), r.direction}, 1,
                std::uint64_t(next.columnInt64(1)) - 1});
        next.reset();
        // The rest of an incomplete snapshot, when nothing after it is parked.
        STREAMS_TRY_ASSIGN(const Staging staging, impl.stagingOf(r));
        if (!anyParked && staging.received > 0 && staging.parts > staging.received &&
            out.size() < 64)
            out.push_back(GapRequest{StreamId{r.sender, r.recipient, r.epoch, r.direction},
                                     r.applied + 1,
                                     r.applied + (staging.parts - staging.received)});
        STREAMS_TRY_ASSIGN(const bool purged, impl.pastRetentionOf(r, m_clock.wallMs()));
        for (std::size_t i = firstOfRow; i < out.size(); ++i)
            out[i].pastRetention = purged;
    }
    return out;
}

Result<std::optional<StreamState>> Receiver::state(const Id16 &sender, Lane lane) const
{
    Impl impl(const_cast<Receiver &>(*this));
    STREAMS_TRY_ASSIGN(const InRow r, impl.loadRow(sender, lane));
    if (!r.exists)
        return std::optional<StreamState>{};
    STREAMS_TRY_ASSIGN(const int parked, impl.parkedCount(r));
    StreamState out = stateFrom(r, parked);
    STREAMS_TRY_ASSIGN(const Staging staging, impl.stagingOf(r));
    if (staging.received > 0) {
        out.snapshotParts = staging.parts;
        out.snapshotReceived = staging.received;
    }
    return std::optional<StreamState>(out);
}

Result<std::vector<Alarm>> Receiver::alarms() const
{
    STREAMS_TRY_ASSIGN(auto st, m_db.prepare("SELECT id, type, peer, direction, epoch, seq, count, "
                                             "at_ms FROM stream_alarm ORDER BY id"));
    std::vector<Alarm> out;
    for (;;) {
        STREAMS_TRY_ASSIGN(const bool row, st.step());
        if (!row)
            break;
        Alarm a;
        a.id = st.columnInt64(0);
        a.type = AlarmType(st.columnInt64(1));
        a.peer = fixedColumn<Id16>(st, 2);
        a.direction = Direction(st.columnInt64(3));
        a.epoch = std::uint32_t(st.columnInt64(4));
        a.seq = std::uint64_t(st.columnInt64(5));
        a.count = st.columnInt64(6);
        a.atMs = st.columnInt64(7);
        out.push_back(a);
    }
    return out;
}

Result<std::vector<Receiver::Evidence>> Receiver::evidence(const Id16 &sender) const
{
    STREAMS_TRY_ASSIGN(auto st, m_db.prepare("SELECT recipient, epoch, seq, env_hash, reason, "
                                             "bytes FROM stream_evidence WHERE sender = ? ORDER "
                                             "BY id"));
    st.bind(1, sender.view());
    const Direction inDir = m_me.role() == Role::Device ? Direction::Down : Direction::Up;
    std::vector<Evidence> out;
    for (;;) {
        STREAMS_TRY_ASSIGN(const bool row, st.step());
        if (!row)
            break;
        Evidence e;
        e.stream =
            StreamId{sender, fixedColumn<Id16>(st, 0), std::uint32_t(st.columnInt64(1)), inDir};
        e.seq = std::uint64_t(st.columnInt64(2));
        e.envHash = fixedColumn<Hash32>(st, 3);
        e.reason = int(st.columnInt64(4));
        e.bytes = st.columnBlob(5);
        out.push_back(std::move(e));
    }
    return out;
}

Result<QueuedEnvelope> Receiver::sendResync(const Id16 &device)
{
    if (m_me.role() != Role::Hq)
        return fail(Errc::Refused, QStringLiteral("only HQ sends RESYNC"));
    Impl impl(*this);
    // A savepoint: the desk's `device confirm` registers the device and sends its first RESYNC
    // in one transaction; on its own this is a transaction of its own.
    Savepoint sp(m_db);
    STREAMS_TRY(sp.begin());
    auto env = impl.resyncInTransaction(device);
    if (!env)
        return env; // the savepoint rolls back
    STREAMS_TRY(sp.release());
    return env;
}

Result<int> Receiver::afterRestore()
{
    if (m_me.role() != Role::Hq || !m_resyncSource)
        return fail(Errc::Refused, QStringLiteral("only HQ (with a resync source) is restored"));
    Impl impl(*this);
    STREAMS_TRY(m_db.begin());
    auto run = [&]() -> Result<int> {
        STREAMS_TRY_ASSIGN(const std::vector<Id16> devices,
                           m_outbox.jumpAllEpochs(kRestoreEpochJump));
        int sent = 0;
        for (const Id16 &device : devices) {
            STREAMS_TRY_ASSIGN(const bool allowed, m_outbox.mayReceive(device, Kind::Resync, {}));
            if (!allowed)
                continue;
            STREAMS_TRY(impl.resyncInTransaction(device));
            ++sent;
        }
        qCWarning(lcReceiver).noquote() << "HQ restored: streams of" << devices.size()
                                        << "devices moved on," << sent << "RESYNCs sent";
        return sent;
    };
    auto sent = run();
    if (!sent) {
        m_db.rollback();
        return sent;
    }
    if (auto s = m_db.commit(); !s) {
        m_db.rollback();
        return std::unexpected(s.error());
    }
    return sent;
}

Result<std::vector<StreamState>> Receiver::quarantined() const
{
    if (m_me.role() != Role::Hq)
        return std::vector<StreamState>{};
    STREAMS_TRY_ASSIGN(const std::vector<InRow> rows,
                       loadInRows(m_db, m_me.localId(), "state = 1 ORDER BY frozen_ms, sender"));
    // One entry per device (its bulk lane's, or its priority lane's when only that froze).
    std::vector<StreamState> out;
    for (const InRow &r : rows) {
        const bool listed = std::any_of(out.begin(), out.end(), [&r](const StreamState &s) {
            return s.stream.sender == r.sender;
        });
        if (!listed)
            out.push_back(stateFrom(r, 0));
    }
    return out;
}

Result<QueuedEnvelope> Receiver::release(const Id16 &device)
{
    if (m_me.role() != Role::Hq)
        return fail(Errc::Refused, QStringLiteral("only HQ releases a device"));
    const auto peer = m_peers.peer(device);
    if (!peer || peer->state != PeerState::Active)
        return fail(Errc::Refused, QStringLiteral("the device is not active"));
    Impl impl(*this);
    STREAMS_TRY(m_db.begin());
    auto run = [&]() -> Result<QueuedEnvelope> {
        for (const Lane lane : {Lane::Bulk, Lane::Priority}) {
            STREAMS_TRY_ASSIGN(InRow r, impl.loadRow(device, lane));
            if (r.exists && r.frozen) {
                qCInfo(lcReceiver).noquote()
                    << "desk releases" << shortId(device) << "from quarantine";
                r.frozen = false;
                r.frozenReason = ResyncReason::None;
                r.frozenSeq = 0;
                r.frozenMs = 0;
                r.resyncWanted = ResyncReason::None;
                r.resyncWantedMs = 0;
                STREAMS_TRY(impl.saveRow(r));
            }
        }
        return impl.resyncInTransaction(device);
    };
    auto env = run();
    if (!env) {
        m_db.rollback();
        return env;
    }
    if (auto s = m_db.commit(); !s) {
        m_db.rollback();
        return std::unexpected(s.error());
    }
    return env;
}

Result<QueuedEnvelope> Receiver::sendReceipt(std::uint32_t unlockFailures)
{
    if (m_me.role() != Role::Device)
        return fail(Errc::Refused, QStringLiteral("only a device sends RECEIPT"));
    STREAMS_TRY_ASSIGN(auto st, m_db.prepare("SELECT sender FROM stream_in WHERE recipient = ? "
                                             "LIMIT 1"));
    st.bind(1, m_me.localId().view());
    STREAMS_TRY_ASSIGN(const bool have, st.step());
    if (!have)
        return fail(Errc::Refused, QStringLiteral("no stream from HQ yet"));
    const Id16 hq = fixedColumn<Id16>(st, 0);
    st.reset();
    Impl impl(*this);
    Savepoint sp(m_db);
    STREAMS_TRY(sp.begin());
    STREAMS_TRY_ASSIGN(const InRow r, impl.loadRow(hq));
    protocol::ReceiptPayload rc;
    rc.downApplied = r.appliedHead();
    STREAMS_TRY_ASSIGN(rc.upSent, m_outbox.head(hq));
    rc.unlockFailures = unlockFailures;
    rc.features = m_features;
    STREAMS_TRY_ASSIGN(auto env, m_outbox.enqueue(hq, Kind::Receipt, rc.toCbor()));
    STREAMS_TRY(sp.release());
    return env;
}

Result<QueuedEnvelope> Receiver::sendHeartbeat(const Id16 &device)
{
    if (m_me.role() != Role::Hq)
        return fail(Errc::Refused, QStringLiteral("only HQ sends HEARTBEAT"));
    Impl impl(*this);
    Savepoint sp(m_db);
    STREAMS_TRY(sp.begin());
    STREAMS_TRY_ASSIGN(const InRow up, impl.loadRow(device));
    protocol::HeartbeatPayload hb;
    hb.hqTimeMs = m_clock.wallMs();
    hb.certSerial = m_certSerial;
    if (!m_certificate.isEmpty())
        hb.certificate = m_certificate;
    STREAMS_TRY_ASSIGN(hb.downHead, m_outbox.head(device));
    hb.upApplied = up.appliedHead();
    STREAMS_TRY_ASSIGN(auto env, m_outbox.enqueue(device, Kind::Heartbeat, hb.toCbor()));
    STREAMS_TRY(sp.release());
    return env;
}

} // namespace liaison::streams
