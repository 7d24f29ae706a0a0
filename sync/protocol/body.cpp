#include "protocol/body.h"

#include "protocol/deflate.h"
#include "protocol/envelope.h"

namespace liaison::protocol {

namespace {

constexpr qsizetype kMaxScopeChars = 256;
constexpr std::uint32_t kMaxParts = 1u << 20;

template <typename E> constexpr std::uint64_t k(E e)
{
    return std::uint64_t(e);
}

template <typename E> void put(QCborMap &m, E key, const QCborValue &value)
{
    m.insert(qint64(k(key)), value);
}

// A nested map read through its own fromCbor; a failure is recorded in the outer reader.
template <typename T, typename E> T nested(cbor::MapReader &r, E key)
{
    const QCborMap m = r.mapAt(k(key));
    if (!r.ok())
        return T{};
    auto v = T::fromCbor(m);
    if (!v) {
        r.reject(v.error().message);
        return T{};
    }
    return *v;
}

template <typename T, typename E> std::optional<T> optionalNested(cbor::MapReader &r, E key)
{
    if (!r.has(k(key)))
        return std::nullopt;
    T v = nested<T>(r, key);
    if (!r.ok())
        return std::nullopt;
    return v;
}

QCborArray opsAt(cbor::MapReader &r, std::uint64_t key, const OpValidator &validateOp)
{
    const QCborArray ops = r.arrayAt(key);
    if (!r.ok())
        return {};
    for (qsizetype i = 0; i < ops.size(); ++i) {
        const QCborValue op = ops.at(i);
        if (!op.isMap()) {
            r.reject(QStringLiteral("operation %1 is not a map").arg(i));
            return {};
        }
        if (validateOp) {
            if (auto s = validateOp(op.toMap()); !s) {
                r.reject(QStringLiteral("operation %1: %2").arg(i).arg(s.error().message));
                return {};
            }
        }
    }
    return ops;
}

QString scopeAt(cbor::MapReader &r, std::uint64_t key)
{
    const QString s = r.textAt(key, kMaxScopeChars);
    if (r.ok() && s.isEmpty())
        r.reject(QStringLiteral("empty scope"));
    return s;
}

std::int64_t timeAt(cbor::MapReader &r, std::uint64_t key)
{
    return std::int64_t(r.unsignedAt(key));
}

void partsAt(cbor::MapReader &r, std::uint64_t partKey, std::uint64_t partsKey, std::uint32_t &part,
             std::uint32_t &parts)
{
    part = std::uint32_t(r.unsignedAt(partKey, kMaxParts));
    parts = std::uint32_t(r.unsignedAt(partsKey, kMaxParts));
    if (r.ok() && (part < 1 || part > parts))
        r.reject(QStringLiteral("part %1 of %2").arg(part).arg(parts));
}

template <typename T> Result<T> finished(const cbor::MapReader &r, T &&value)
{
    if (auto s = r.finish(); !s)
        return std::unexpected(s.error());
    return std::move(value);
}

} // namespace

bool compressedKind(Kind kind)
{
    return kind == Kind::Resync || kind == Kind::ScopeJoin;
}

bool isKnownKind(std::uint64_t wire)
{
    return wire >= k(Kind::Delta) && wire <= k(Kind::ResyncRequest);
}

bool kindAllowed(Direction direction, Kind kind)
{
    switch (kind) {
    case Kind::Delta:
    case Kind::KeyUpdate:
        return true;
    case Kind::ScopeJoin:
    case Kind::ScopeLeave:
    case Kind::Reject:
    case Kind::Policy:
    case Kind::Command:
    case Kind::Heartbeat:
    case Kind::Resync:
        return direction == Direction::Down;
    case Kind::Receipt:
    case Kind::CommandAck:
    case Kind::ResyncRequest:
        return direction == Direction::Up;
    }
    return false;
}

const char *kindName(Kind kind)
{
    switch (kind) {
    case Kind::Delta:
        return "DELTA";
    case Kind::ScopeJoin:
        return "SCOPE_JOIN";
    case Kind::ScopeLeave:
        return "SCOPE_LEAVE";
    case Kind::Reject:
        return "REJECT";
    case Kind::Policy:
        return "POLICY";
    case Kind::Command:
        return "COMMAND";
    case Kind::KeyUpdate:
        return "KEY_UPDATE";
    case Kind::Heartbeat:
        return "HEARTBEAT";
    case Kind::Resync:
        return "RESYNC";
    case Kind::Receipt:
        return "RECEIPT";
    case Kind::CommandAck:
        return "COMMAND_ACK";
    case Kind::ResyncRequest:
        return "RESYNC_REQUEST";
    }
    return "?";
}

Status checkPayload(Kind kind, const QCborMap &payload, const OpValidator &validateOp)
{
    auto status = [](const auto &r) -> Status {
        if (!r)
            return std::unexpected(r.error());
        return {};
    };
    switch (kind) {
    case Kind::Delta:
        return status(DeltaPayload::fromCbor(payload, validateOp));
    case Kind::ScopeJoin:
        return status(ScopeJoinPayload::fromCbor(payload, validateOp));
    case Kind::ScopeLeave:
        return status(ScopeLeavePayload::fromCbor(payload));
    case Kind::Reject:
        return status(RejectPayload::fromCbor(payload, validateOp));
    case Kind::Policy:
        return status(PolicyPayload::fromCbor(payload));
    case Kind::Command:
        return status(CommandPayload::fromCbor(payload));
    case Kind::KeyUpdate:
        return status(KeyUpdatePayload::fromCbor(payload));
    case Kind::Heartbeat:
        return status(HeartbeatPayload::fromCbor(payload));
    case Kind::Resync:
        return status(ResyncPayload::fromCbor(payload, validateOp));
    case Kind::Receipt:
        return status(ReceiptPayload::fromCbor(payload));
    case Kind::CommandAck:
        return status(CommandAckPayload::fromCbor(payload));
    case Kind::ResyncRequest:
        return status(ResyncRequestPayload::fromCbor(payload));
    }
    return fail(Errc::Malformed, QStringLiteral("unknown kind"));
}

Result<QByteArray> encodeBody(const Body &body, const BodyOptions &options)
{
    if (!isKnownKind(k(body.kind)))
        return fail(Errc::InvalidArgument, QStringLiteral("unknown kind"));
    if (body.createdMs < 0)
        return fail(Errc::InvalidArgument, QStringLiteral("negative creation time"));
    auto checked = options.validatePayload
                       ? options.validatePayload(body.kind, body.payload)
                       : checkPayload(body.kind, body.payload, options.validateOp);
    if (!checked)
        return fail(Errc::InvalidArgument, checked.error().message);
    QCborMap m;
    m.insert(qint64(body_key::kind), qint64(body.kind));
    m.insert(qint64(body_key::created), qint64(body.createdMs));
    if (compressedKind(body.kind)) {
        auto plain = cbor::encode(body.payload);
        if (!plain)
            return std::unexpected(plain.error());
        auto packed = deflateRaw(*plain);
        if (!packed)
            return std::unexpected(packed.error());
        m.insert(qint64(body_key::compressedPayload), *packed);
    } else {
        m.insert(qint64(body_key::payload), body.payload);
    }
    return cbor::encode(m);
}

Result<Body> decodeBody(QByteArrayView bytes, Direction direction, const BodyOptions &options)
{
    auto v = cbor::decodeStrict(bytes);
    if (!v)
        return std::unexpected(v.error());
    if (!v->isMap())
        return fail(Errc::Malformed, QStringLiteral("body is not a map"));
    cbor::MapReader r(v->toMap(), "body");
    const std::uint64_t kind = r.unsignedAt(body_key::kind, 255);
    Body body;
    body.createdMs = timeAt(r, body_key::created);
    const bool compressed = isKnownKind(kind) && compressedKind(Kind(kind));
    QByteArray packed;
    if (compressed)
        packed = r.bytesAt(body_key::compressedPayload);
    else
        body.payload = r.mapAt(body_key::payload);
    if (auto s = r.finish(); !s)
        return std::unexpected(s.error());
    if (!isKnownKind(kind))
        return fail(Errc::Malformed, QStringLiteral("unknown kind %1").arg(kind));
    body.kind = Kind(kind);
    if (compressed) {
        auto plain = inflateRaw(packed);
        if (!plain)
            return std::unexpected(plain.error());
        auto payload = cbor::decodeStrict(*plain);
        if (!payload)
            return std::unexpected(payload.error());
        if (!payload->isMap())
            return fail(Errc::Malformed, QStringLiteral("compressed payload is not a map"));
        body.payload = payload->toMap();
    }
    if (!kindAllowed(direction, body.kind))
        return fail(Errc::Refused, QStringLiteral("kind %1 not allowed in this direction")
                                       .arg(QLatin1String(kindName(body.kind))));
    auto checked = options.validatePayload
                       ? options.validatePayload(body.kind, body.payload)
                       : checkPayload(body.kind, body.payload, options.validateOp);
    if (!checked)
        return fail(Errc::Malformed, checked.error().message);
    return body;
}

QByteArray padBody(QByteArrayView body)
{
    const qsizetype bucket = bodyBucketFor(body.size());
    const std::size_t block = std::size_t(std::min(bucket, kLargeBodyStep));
    QByteArray padded = crypto::sodium_pad(body, block);
    Q_ASSERT(padded.size() == bucket);
    return padded;
}

Result<QByteArray> unpadBody(QByteArrayView padded)
{
    if (!isBodyBucket(padded.size()))
        return fail(Errc::Malformed, QStringLiteral("padded body is not a bucket size"));
    const std::size_t block = std::size_t(std::min(padded.size(), kLargeBodyStep));
    auto body = crypto::sodium_unpad(padded, block);
    if (!body)
        return body;
    if (bodyBucketFor(body->size()) != padded.size())
        return fail(Errc::Malformed, QStringLiteral("body padded beyond its bucket"));
    return body;
}

// ---- payloads ----

QCborMap StreamHead::toCbor() const
{
    return QCborMap{{0, qint64(epoch)}, {1, qint64(seq)}, {2, cbor::fixedToCbor(envHash)}};
}

Result<StreamHead> StreamHead::fromCbor(const QCborMap &map)
{
    cbor::MapReader r(map, "stream head");
    StreamHead h;
    h.epoch = std::uint32_t(r.unsignedAt(0, UINT32_MAX));
    h.seq = r.unsignedAt(1);
    h.envHash = cbor::fixedAt<crypto::Hash32>(r, 2);
    return finished(r, std::move(h));
}

QCborMap HeartbeatPayload::toCbor() const
{
    QCborMap m;
    put(m, Key::HqTime, qint64(hqTimeMs));
    put(m, Key::CertSerial, qint64(certSerial));
    put(m, Key::DownHead, downHead.toCbor());
    put(m, Key::UpApplied, upApplied.toCbor());
    if (certificate)
        put(m, Key::Cert, *certificate);
    return m;
}

Result<HeartbeatPayload> HeartbeatPayload::fromCbor(const QCborMap &map)
{
    cbor::MapReader r(map, "HEARTBEAT");
    HeartbeatPayload p;
    p.hqTimeMs = timeAt(r, k(Key::HqTime));
    p.certSerial = r.unsignedAt(k(Key::CertSerial));
    p.downHead = nested<StreamHead>(r, Key::DownHead);
    p.upApplied = nested<StreamHead>(r, Key::UpApplied);
    p.certificate = r.optionalBytesAt(k(Key::Cert));
    return finished(r, std::move(p));
}

QCborMap ReceiptPayload::toCbor() const
{
    QCborMap m;
    put(m, Key::DownApplied, downApplied.toCbor());
    put(m, Key::UpSent, upSent.toCbor());
    put(m, Key::UnlockFailures, qint64(unlockFailures));
    if (features != 0)
        put(m, Key::Features, qint64(features));
    return m;
}

Result<ReceiptPayload> ReceiptPayload::fromCbor(const QCborMap &map)
{
    cbor::MapReader r(map, "RECEIPT");
    ReceiptPayload p;
    p.downApplied = nested<StreamHead>(r, Key::DownApplied);
    p.upSent = nested<StreamHead>(r, Key::UpSent);
    p.unlockFailures = std::uint32_t(r.unsignedAt(k(Key::UnlockFailures), UINT32_MAX));
    // Unknown feature bits are kept, not refused: a later device may announce more than this HQ
    // uses. 0 written out is not canonical (the key is left out then).
    if (const auto f = r.optionalUnsignedAt(k(Key::Features)); f) {
        if (*f == 0)
            r.reject(QStringLiteral("features 0 is written by leaving the key out"));
        p.features = *f;
    }
    return finished(r, std::move(p));
}

QCborMap ResyncRequestPayload::toCbor() const
{
    QCborMap m;
    put(m, Key::Reason, qint64(reason));
    put(m, Key::DownApplied, downApplied.toCbor());
    put(m, Key::Detail, qint64(detail));
    return m;
}

Result<ResyncRequestPayload> ResyncRequestPayload::fromCbor(const QCborMap &map)
{
    cbor::MapReader r(map, "RESYNC_REQUEST");
    ResyncRequestPayload p;
    const auto reason = r.unsignedAt(k(Key::Reason), k(Reason::Other));
    if (r.ok() && reason < k(Reason::Gap))
        r.reject(QStringLiteral("unknown reason"));
    p.reason = Reason(reason);
    p.downApplied = nested<StreamHead>(r, Key::DownApplied);
    p.detail = r.unsignedAt(k(Key::Detail));
    return finished(r, std::move(p));
}

QCborMap ScopeLeavePayload::toCbor() const
{
    QCborMap m;
    put(m, Key::Scope, scope);
    return m;
}

Result<ScopeLeavePayload> ScopeLeavePayload::fromCbor(const QCborMap &map)
{
    cbor::MapReader r(map, "SCOPE_LEAVE");
    ScopeLeavePayload p;
    p.scope = scopeAt(r, k(Key::Scope));
    return finished(r, std::move(p));
}

QCborMap RejectPayload::toCbor() const
{
    QCborMap m;
    put(m, Key::Op, op);
    put(m, Key::Reason, qint64(reason));
    put(m, Key::Authoritative, authoritative.isMap() ? authoritative : QCborValue(nullptr));
    if (sentIn)
        put(m, Key::SentIn, sentIn->toCbor());
    return m;
}

Result<RejectPayload> RejectPayload::fromCbor(const QCborMap &map, const OpValidator &validateOp)
{
    cbor::MapReader r(map, "REJECT");
    RejectPayload p;
    p.op = r.mapAt(k(Key::Op));
    if (r.ok() && validateOp) {
        if (auto s = validateOp(p.op); !s)
            r.reject(s.error().message);
    }
    const auto reason = r.unsignedAt(k(Key::Reason), k(Reason::DeleteRefused));
    if (r.ok() && reason < k(Reason::HqOnlyType))
        r.reject(QStringLiteral("unknown reason"));
    p.reason = Reason(reason);
    p.authoritative = r.valueAt(k(Key::Authoritative));
    if (r.ok() && !p.authoritative.isMap() && !p.authoritative.isNull())
        r.reject(QStringLiteral("authoritative values must be a map or null"));
    p.sentIn = optionalNested<StreamHead>(r, Key::SentIn);
    return finished(r, std::move(p));
}

QCborMap DeltaPayload::toCbor() const
{
    QCborMap m;
    put(m, Key::Ops, ops);
    return m;
}

Result<DeltaPayload> DeltaPayload::fromCbor(const QCborMap &map, const OpValidator &validateOp)
{
    cbor::MapReader r(map, "DELTA");
    DeltaPayload p;
    p.ops = opsAt(r, k(Key::Ops), validateOp);
    return finished(r, std::move(p));
}

QCborMap ScopeJoinPayload::toCbor() const
{
    QCborMap m;
    put(m, Key::Scope, scope);
    put(m, Key::Part, qint64(part));
    put(m, Key::Parts, qint64(parts));
    put(m, Key::Ops, ops);
    return m;
}

Result<ScopeJoinPayload> ScopeJoinPayload::fromCbor(const QCborMap &map,
                                                    const OpValidator &validateOp)
{
    cbor::MapReader r(map, "SCOPE_JOIN");
    ScopeJoinPayload p;
    p.scope = scopeAt(r, k(Key::Scope));
    partsAt(r, k(Key::Part), k(Key::Parts), p.part, p.parts);
    p.ops = opsAt(r, k(Key::Ops), validateOp);
    return finished(r, std::move(p));
}

QCborMap PolicyPayload::toCbor() const
{
    QCborMap m;
    put(m, Key::AutoLockSeconds, qint64(autoLockSeconds));
    put(m, Key::EraseAfter, qint64(eraseAfter));
    put(m, Key::Version, qint64(version));
    if (relayPins) {
        QCborArray pins;
        for (const RelayPin &pin : *relayPins)
            pins.append(cbor::fixedToCbor(pin));
        put(m, Key::RelayPins, pins);
    }
    return m;
}

Result<PolicyPayload> PolicyPayload::fromCbor(const QCborMap &map)
{
    cbor::MapReader r(map, "POLICY");
    PolicyPayload p;
    p.autoLockSeconds = std::uint32_t(r.unsignedAt(k(Key::AutoLockSeconds), 7 * 24 * 3600));
    p.eraseAfter = std::uint32_t(r.unsignedAt(k(Key::EraseAfter), 1000));
    p.version = r.unsignedAt(k(Key::Version));
    if (r.has(k(Key::RelayPins))) {
        const QCborArray pins = r.arrayAt(k(Key::RelayPins));
        if (r.ok() && (pins.isEmpty() || pins.size() > kEnrolMaxPins))
            r.reject(QStringLiteral("%1 relay pins (1 to %2 allowed)")
                         .arg(pins.size())
                         .arg(kEnrolMaxPins));
        QList<RelayPin> list;
        for (qsizetype i = 0; r.ok() && i < pins.size(); ++i) {
            const QCborValue v = pins.at(i);
            const auto pin = v.isByteArray() ? RelayPin::fromBytes(v.toByteArray()) : std::nullopt;
            if (!pin)
                r.reject(QStringLiteral("relay pin %1 is not 32 bytes").arg(i));
            else
                list.append(*pin);
        }
        if (r.ok())
            p.relayPins = std::move(list);
    }
    return finished(r, std::move(p));
}

QCborMap ResyncPayload::toCbor() const
{
    QCborMap m;
    QCborArray s;
    for (const QString &scope : scopes)
        s.append(scope);
    put(m, Key::Scopes, s);
    put(m, Key::UpAccepted, upAccepted.toCbor());
    put(m, Key::Heartbeat, heartbeat.toCbor());
    put(m, Key::Part, qint64(part));
    put(m, Key::Parts, qint64(parts));
    put(m, Key::Ops, ops);
    if (policy)
        put(m, Key::Policy, policy->toCbor());
    if (wipeId)
        put(m, Key::WipeId, cbor::fixedToCbor(*wipeId));
    return m;
}

Result<ResyncPayload> ResyncPayload::fromCbor(const QCborMap &map, const OpValidator &validateOp)
{
    cbor::MapReader r(map, "RESYNC");
    ResyncPayload p;
    const QCborArray scopes = r.arrayAt(k(Key::Scopes));
    for (const QCborValue &s : scopes) {
        if (!s.isString() || s.toString().isEmpty() || s.toString().size() > kMaxScopeChars) {
            r.reject(QStringLiteral("bad scope in the scope list"));
            break;
        }
        p.scopes.append(s.toString());
    }
    p.upAccepted = nested<StreamHead>(r, Key::UpAccepted);
    p.heartbeat = nested<HeartbeatPayload>(r, Key::Heartbeat);
    partsAt(r, k(Key::Part), k(Key::Parts), p.part, p.parts);
    p.ops = opsAt(r, k(Key::Ops), validateOp);
    p.policy = optionalNested<PolicyPayload>(r, Key::Policy);
    if (r.has(k(Key::WipeId)))
        p.wipeId = cbor::fixedAt<crypto::Id16>(r, k(Key::WipeId));
    return finished(r, std::move(p));
}

QCborMap CommandPayload::toCbor() const
{
    QCborMap m;
    put(m, Key::CommandId, cbor::fixedToCbor(commandId));
    put(m, Key::Type, qint64(type));
    put(m, Key::Target, cbor::fixedToCbor(target));
    put(m, Key::TargetSignKeyHash, cbor::fixedToCbor(targetSignKeyHash));
    put(m, Key::IssuedAt, qint64(issuedAtMs));
    put(m, Key::NotAfter, qint64(notAfterMs));
    if (args)
        put(m, Key::Args, *args);
    return m;
}

Result<CommandPayload> CommandPayload::fromCbor(const QCborMap &map)
{
    cbor::MapReader r(map, "COMMAND");
    CommandPayload p;
    p.commandId = cbor::fixedAt<crypto::Id16>(r, k(Key::CommandId));
    const auto type = r.unsignedAt(k(Key::Type), k(Type::Wipe));
    if (r.ok() && type < k(Type::Wipe))
        r.reject(QStringLiteral("unknown command type"));
    p.type = Type(type);
    p.target = cbor::fixedAt<crypto::Id16>(r, k(Key::Target));
    p.targetSignKeyHash = cbor::fixedAt<crypto::Hash32>(r, k(Key::TargetSignKeyHash));
    p.issuedAtMs = timeAt(r, k(Key::IssuedAt));
    p.notAfterMs = timeAt(r, k(Key::NotAfter));
    if (r.ok() && p.notAfterMs < p.issuedAtMs)
        r.reject(QStringLiteral("command expires before it is issued"));
    p.args = r.optionalMapAt(k(Key::Args));
    return finished(r, std::move(p));
}

QCborMap CommandAckPayload::toCbor() const
{
    QCborMap m;
    put(m, Key::CommandId, cbor::fixedToCbor(commandId));
    put(m, Key::Result, qint64(result));
    put(m, Key::DoneAt, qint64(doneAtMs));
    return m;
}

Result<CommandAckPayload> CommandAckPayload::fromCbor(const QCborMap &map)
{
    cbor::MapReader r(map, "COMMAND_ACK");
    CommandAckPayload p;
    p.commandId = cbor::fixedAt<crypto::Id16>(r, k(Key::CommandId));
    const auto result = r.unsignedAt(k(Key::Result), k(Outcome::Failed));
    if (r.ok() && result < k(Outcome::Done))
        r.reject(QStringLiteral("unknown command outcome"));
    p.result = Outcome(result);
    p.doneAtMs = timeAt(r, k(Key::DoneAt));
    return finished(r, std::move(p));
}

QCborMap KeyUpdatePayload::toCbor() const
{
    QCborMap m;
    put(m, Key::KeyId, qint64(keyId));
    put(m, Key::BoxKey, cbor::fixedToCbor(boxKey));
    put(m, Key::ValidFrom, qint64(validFromMs));
    return m;
}

Result<KeyUpdatePayload> KeyUpdatePayload::fromCbor(const QCborMap &map)
{
    cbor::MapReader r(map, "KEY_UPDATE");
    KeyUpdatePayload p;
    p.keyId = std::uint32_t(r.unsignedAt(k(Key::KeyId), UINT32_MAX));
    p.boxKey = cbor::fixedAt<crypto::BoxPublicKey>(r, k(Key::BoxKey));
    p.validFromMs = timeAt(r, k(Key::ValidFrom));
    return finished(r, std::move(p));
}

} // namespace liaison::protocol
