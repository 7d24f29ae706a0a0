#include "snapshotstaging.h"

#include "envelopecodec.h"
#include "protocol/body.h"
#include "protocol/cbor.h"
#include "store/database.h"
#include "streamutil.h"

#include <QCborArray>
#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcReceiver)

namespace liaison::streams {

namespace {

// The parts of a RESYNC or SCOPE_JOIN (ResyncPayload, ScopeJoinPayload) as one: part 1 of 1
// with every part's operations, the rest as part 1 says.
template <typename Payload> Result<QCborMap> joinParts(const std::vector<QCborMap> &parts)
{
    STREAMS_TRY_ASSIGN(Payload first, Payload::fromCbor(parts.front()));
    QCborArray ops;
    for (const QCborMap &m : parts) {
        STREAMS_TRY_ASSIGN(const Payload part, Payload::fromCbor(m));
        for (const QCborValue &op : part.ops)
            ops.append(op);
    }
    first.part = 1;
    first.parts = 1;
    first.ops = std::move(ops);
    return first.toCbor();
}

} // namespace

std::optional<SnapshotPart> snapshotPartOf(const Body &body)
{
    QStringList scopes;
    SnapshotPart p;
    p.kind = body.kind;
    if (body.kind == Kind::Resync) {
        auto rs = protocol::ResyncPayload::fromCbor(body.payload);
        if (!rs)
            return std::nullopt;
        p.part = rs->part;
        p.parts = rs->parts;
        scopes = rs->scopes;
    } else if (body.kind == Kind::ScopeJoin) {
        auto join = protocol::ScopeJoinPayload::fromCbor(body.payload);
        if (!join)
            return std::nullopt;
        p.part = join->part;
        p.parts = join->parts;
        scopes = QStringList{join->scope};
    } else {
        return std::nullopt;
    }
    auto enc = protocol::cbor::encode(QCborArray::fromStringList(scopes));
    if (!enc)
        return std::nullopt;
    p.scopes = *enc;
    return p;
}

Result<Staging> stagedSnapshot(store::Database &db, const StreamKey &stream)
{
    STREAMS_TRY_ASSIGN(auto st, db.prepare("SELECT kind, parts, scopes, (SELECT count(*) FROM "
                                           "stream_staged WHERE sender = ?1 AND recipient = ?2 AND "
                                           "epoch = ?3) FROM stream_staged WHERE sender = ?1 AND "
                                           "recipient = ?2 AND epoch = ?3 ORDER BY seq LIMIT 1"));
    st.bind(1, stream.sender.view())
        .bind(2, stream.recipient.view())
        .bind(3, std::int64_t(stream.epoch));
    STREAMS_TRY_ASSIGN(const bool row, st.step());
    Staging out;
    if (!row)
        return out;
    out.kind = Kind(st.columnInt64(0));
    out.parts = std::uint32_t(st.columnInt64(1));
    out.scopes = st.columnBlob(2);
    out.received = std::uint32_t(st.columnInt64(3));
    return out;
}

QString stagingFault(const Staging &staging, const std::optional<SnapshotPart> &p)
{
    if (p && (p->parts == 0 || p->part == 0 || p->part > p->parts))
        return QStringLiteral("snapshot part out of range");
    if (staging.received == 0) {
        if (p && p->part != 1)
            return QStringLiteral("snapshot part without its first part");
        return {};
    }
    if (!p || p->kind != staging.kind || p->parts != staging.parts ||
        p->part != staging.received + 1 || p->scopes != staging.scopes)
        return QStringLiteral("a snapshot in parts interrupted");
    return {};
}

Status stageSnapshotPart(store::Database &db, const StreamKey &stream, std::uint64_t seq,
                         const SnapshotPart &p, const Body &body)
{
    STREAMS_TRY_ASSIGN(const QByteArray payload, codec::encodePayload(body.payload));
    STREAMS_TRY_ASSIGN(auto st, db.prepare("INSERT OR REPLACE INTO stream_staged (sender, "
                                           "recipient, epoch, seq, kind, part, parts, scopes, "
                                           "payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    st.bind(1, stream.sender.view())
        .bind(2, stream.recipient.view())
        .bind(3, std::int64_t(stream.epoch))
        .bind(4, std::int64_t(seq))
        .bind(5, int(p.kind))
        .bind(6, std::int64_t(p.part))
        .bind(7, std::int64_t(p.parts))
        .bind(8, QByteArrayView(p.scopes))
        .bind(9, QByteArrayView(payload));
    STREAMS_TRY(st.exec());
    qCInfo(lcReceiver).noquote() << protocol::kindName(p.kind) << "part" << p.part << "of"
                                 << p.parts << "staged";
    return {};
}

Result<Body> joinStagedSnapshot(store::Database &db, const StreamKey &stream, const Body &last)
{
    STREAMS_TRY_ASSIGN(auto st, db.prepare("SELECT payload FROM stream_staged WHERE sender = ? "
                                           "AND recipient = ? AND epoch = ? ORDER BY seq"));
    st.bind(1, stream.sender.view())
        .bind(2, stream.recipient.view())
        .bind(3, std::int64_t(stream.epoch));
    std::vector<QCborMap> parts;
    for (;;) {
        STREAMS_TRY_ASSIGN(const bool row, st.step());
        if (!row)
            break;
        STREAMS_TRY_ASSIGN(QCborMap m, codec::decodeStagedPayload(st.columnBlob(0)));
        parts.push_back(std::move(m));
    }
    st.reset();
    parts.push_back(last.payload);
    Body whole{last.kind, last.createdMs, {}};
    if (last.kind == Kind::Resync) {
        STREAMS_TRY_ASSIGN(whole.payload, joinParts<protocol::ResyncPayload>(parts));
    } else {
        STREAMS_TRY_ASSIGN(whole.payload, joinParts<protocol::ScopeJoinPayload>(parts));
    }
    qCInfo(lcReceiver).noquote() << protocol::kindName(last.kind) << "complete:" << parts.size()
                                 << "parts applied together";
    return whole;
}

Status clearStagedSnapshot(store::Database &db, const StreamKey &stream)
{
    STREAMS_TRY_ASSIGN(auto st, db.prepare("DELETE FROM stream_staged WHERE sender = ? AND "
                                           "recipient = ?"));
    st.bind(1, stream.sender.view()).bind(2, stream.recipient.view());
    return st.exec();
}

} // namespace liaison::streams
