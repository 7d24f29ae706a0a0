#include "payloads.h"

#include <QCborArray>
#include <QSet>

namespace liaison::streams::payload {

namespace {

// Reads a payload map against its schema: every key must be asked for exactly once.
class Reader
{
public:
    Reader(const QCborMap &map, const char *what)
        : m_map(map)
        , m_what(what)
    {
        for (auto it = map.begin(); it != map.end(); ++it) {
            if (!it.key().isInteger() || it.key().toInteger() < 0)
                reject("non-integer key");
        }
    }
    QCborValue take(std::uint64_t key)
    {
        const QCborValue v = m_map.value(qint64(key));
        if (v.isUndefined()) {
            reject("missing field");
            return {};
        }
        m_seen.insert(key);
        return v;
    }
    std::int64_t integer(std::uint64_t key, std::int64_t min, std::int64_t max)
    {
        const QCborValue v = take(key);
        if (!v.isInteger() || v.toInteger() < min || v.toInteger() > max) {
            reject("integer field");
            return 0;
        }
        return v.toInteger();
    }
    QByteArray bytes(std::uint64_t key, qsizetype exact)
    {
        const QCborValue v = take(key);
        if (!v.isByteArray() || (exact >= 0 && v.toByteArray().size() != exact)) {
            reject("byte field");
            return {};
        }
        return v.toByteArray();
    }
    template <typename Fixed> Fixed fixed(std::uint64_t key)
    {
        return Fixed::fromBytes(bytes(key, qsizetype(Fixed::size))).value_or(Fixed{});
    }
    void reject(const char *why)
    {
        if (!m_error)
            m_error =
                QStringLiteral("%1: %2").arg(QLatin1StringView(m_what), QLatin1StringView(why));
    }
    Status finish()
    {
        if (!m_error && m_seen.size() != m_map.size())
            reject("unknown field");
        if (m_error)
            return fail(Errc::Malformed, *m_error);
        return {};
    }

private:
    QCborMap m_map;
    const char *m_what;
    QSet<std::uint64_t> m_seen;
    std::optional<QString> m_error;
};

constexpr std::int64_t kMaxI64 = std::numeric_limits<std::int64_t>::max();

QCborValue fixedValue(const auto &fixed)
{
    return QCborValue(fixed.toByteArray());
}

} // namespace

QCborMap encodeHead(const EpochHead &head)
{
    QCborMap m;
    m.insert(1, qint64(head.epoch));
    m.insert(2, qint64(head.seq));
    m.insert(3, fixedValue(head.envHash));
    return m;
}

Result<EpochHead> decodeHead(const QCborValue &value)
{
    if (!value.isMap())
        return fail(Errc::Malformed, QStringLiteral("head: not a map"));
    Reader r(value.toMap(), "head");
    EpochHead h;
    h.epoch = std::uint32_t(r.integer(1, 0, 0xffffffffll));
    h.seq = std::uint64_t(r.integer(2, 0, kMaxI64));
    h.envHash = r.fixed<Hash32>(3);
    if (auto s = r.finish(); !s)
        return std::unexpected(s.error());
    return h;
}

#define LIAISON_HEAD(r, key, out)                                                                  \
    do {                                                                                           \
        auto h_ = decodeHead(r.take(key));                                                         \
        if (!h_)                                                                                   \
            return std::unexpected(h_.error());                                                    \
        out = *h_;                                                                                 \
    } while (0)

QCborMap encode(const Heartbeat &h)
{
    QCborMap m;
    m.insert(qint64(Heartbeat::HqTime), qint64(h.hqTimeMs));
    m.insert(qint64(Heartbeat::CertSerial), qint64(h.certSerial));
    m.insert(qint64(Heartbeat::DownHead), encodeHead(h.downHead));
    m.insert(qint64(Heartbeat::UpApplied), encodeHead(h.upApplied));
    return m;
}

Result<Heartbeat> decodeHeartbeat(const QCborMap &m)
{
    Reader r(m, "heartbeat");
    Heartbeat h;
    h.hqTimeMs = r.integer(Heartbeat::HqTime, 0, kMaxI64);
    h.certSerial = std::uint64_t(r.integer(Heartbeat::CertSerial, 0, kMaxI64));
    LIAISON_HEAD(r, Heartbeat::DownHead, h.downHead);
    LIAISON_HEAD(r, Heartbeat::UpApplied, h.upApplied);
    if (auto s = r.finish(); !s)
        return std::unexpected(s.error());
    return h;
}

QCborMap encode(const Receipt &r)
{
    QCborMap m;
    m.insert(qint64(Receipt::DownApplied), encodeHead(r.downApplied));
    m.insert(qint64(Receipt::UpSent), encodeHead(r.upSent));
    m.insert(qint64(Receipt::UnlockFailures), qint64(r.unlockFailures));
    return m;
}

Result<Receipt> decodeReceipt(const QCborMap &m)
{
    Reader r(m, "receipt");
    Receipt out;
    LIAISON_HEAD(r, Receipt::DownApplied, out.downApplied);
    LIAISON_HEAD(r, Receipt::UpSent, out.upSent);
    out.unlockFailures = r.integer(Receipt::UnlockFailures, 0, 1 << 20);
    if (auto s = r.finish(); !s)
        return std::unexpected(s.error());
    return out;
}

QCborMap encode(const ResyncRequest &q)
{
    QCborMap m;
    m.insert(qint64(ResyncRequest::Reason), qint64(q.reason));
    m.insert(qint64(ResyncRequest::At), encodeHead(q.at));
    return m;
}

Result<ResyncRequest> decodeResyncRequest(const QCborMap &m)
{
    Reader r(m, "resync request");
    ResyncRequest out;
    out.reason = ResyncReason(r.integer(ResyncRequest::Reason, 1, 6));
    LIAISON_HEAD(r, ResyncRequest::At, out.at);
    if (auto s = r.finish(); !s)
        return std::unexpected(s.error());
    return out;
}

QCborMap encode(const Resync &x)
{
    QCborMap m;
    m.insert(qint64(Resync::Snapshot), x.snapshot);
    m.insert(qint64(Resync::Scopes), QCborArray::fromStringList(x.scopes));
    m.insert(qint64(Resync::LastUp), encodeHead(x.lastUp));
    m.insert(qint64(Resync::Heartbeat), encode(x.heartbeat));
    return m;
}

Result<Resync> decodeResync(const QCborMap &m)
{
    Reader r(m, "resync");
    Resync out;
    const QCborValue snap = r.take(Resync::Snapshot);
    if (!snap.isMap())
        r.reject("snapshot");
    out.snapshot = snap.toMap();
    const QCborValue scopes = r.take(Resync::Scopes);
    if (!scopes.isArray())
        r.reject("scopes");
    for (const QCborValue &s : scopes.toArray()) {
        if (!s.isString())
            r.reject("scope name");
        out.scopes.append(s.toString());
    }
    LIAISON_HEAD(r, Resync::LastUp, out.lastUp);
    const QCborValue hb = r.take(Resync::Heartbeat);
    if (!hb.isMap())
        return fail(Errc::Malformed, QStringLiteral("resync: heartbeat"));
    auto h = decodeHeartbeat(hb.toMap());
    if (!h)
        return std::unexpected(h.error());
    out.heartbeat = *h;
    if (auto s = r.finish(); !s)
        return std::unexpected(s.error());
    return out;
}

QCborMap encode(const Command &c)
{
    QCborMap m;
    m.insert(qint64(CommandKeys::CommandId), fixedValue(c.commandId));
    m.insert(qint64(CommandKeys::Type), qint64(c.type));
    m.insert(qint64(CommandKeys::Target), fixedValue(c.target));
    m.insert(qint64(CommandKeys::TargetKeyHash), fixedValue(c.targetSignKeyHash));
    m.insert(qint64(CommandKeys::IssuedAt), qint64(c.issuedAtMs));
    m.insert(qint64(CommandKeys::NotAfter), qint64(c.notAfterMs));
    return m;
}

Result<Command> decodeCommand(const QCborMap &m)
{
    Reader r(m, "command");
    Command c;
    c.commandId = r.fixed<Id16>(CommandKeys::CommandId);
    c.type = CommandType(r.integer(CommandKeys::Type, 1, 1));
    c.target = r.fixed<Id16>(CommandKeys::Target);
    c.targetSignKeyHash = r.fixed<Hash32>(CommandKeys::TargetKeyHash);
    c.issuedAtMs = r.integer(CommandKeys::IssuedAt, 0, kMaxI64);
    c.notAfterMs = r.integer(CommandKeys::NotAfter, 0, kMaxI64);
    if (auto s = r.finish(); !s)
        return std::unexpected(s.error());
    return c;
}

QCborMap encode(const CommandAck &a)
{
    QCborMap m;
    m.insert(qint64(CommandAck::CommandId), fixedValue(a.commandId));
    m.insert(qint64(CommandAck::Type), qint64(a.type));
    m.insert(qint64(CommandAck::DoneAt), qint64(a.doneAtMs));
    return m;
}

Result<CommandAck> decodeCommandAck(const QCborMap &m)
{
    Reader r(m, "command ack");
    CommandAck a;
    a.commandId = r.fixed<Id16>(CommandAck::CommandId);
    a.type = CommandType(r.integer(CommandAck::Type, 1, 1));
    a.doneAtMs = r.integer(CommandAck::DoneAt, 0, kMaxI64);
    if (auto s = r.finish(); !s)
        return std::unexpected(s.error());
    return a;
}

} // namespace liaison::streams::payload
