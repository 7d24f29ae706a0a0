#include "envelopecodec.h"

#include "protocol/cbor.h"

#include <QCborStreamReader>

namespace liaison::streams::codec {

Result<QByteArray> encodePayload(const QCborMap &payload)
{
    return protocol::cbor::encode(payload);
}

Result<QCborMap> decodePayload(QByteArrayView bytes)
{
    auto v = protocol::cbor::decodeStrict(bytes);
    if (!v)
        return std::unexpected(v.error());
    if (!v->isMap())
        return fail(Errc::Malformed, QStringLiteral("payload is not a map"));
    return v->toMap();
}

Result<QCborMap> decodeStagedPayload(QByteArrayView bytes)
{
    QCborStreamReader reader(reinterpret_cast<const quint8 *>(bytes.data()), bytes.size());
    const QCborValue v = QCborValue::fromCbor(reader);
    if (reader.lastError() != QCborError::NoError || reader.currentOffset() != bytes.size() ||
        !v.isMap())
        return fail(Errc::Tampered, QStringLiteral("a staged snapshot part is damaged"));
    return v.toMap();
}

Result<Sealed> seal(const SealInput &in)
{
    if (!in.senderKey)
        return fail(Errc::InvalidArgument, QStringLiteral("no signing key"));
    protocol::SealParams p;
    p.deployment = in.deployment;
    p.sender = in.sender;
    p.recipient = in.recipient;
    p.epoch = in.epoch;
    p.seq = in.seq;
    p.prev = in.prev;
    p.recipientBoxKeyId = in.recipientBoxKeyId;
    p.recipientBoxKey = in.recipientBoxKey;
    p.direction = in.direction;
    p.kind = in.kind;
    p.createdMs = in.createdMs;
    p.payload = in.payload;
    auto s = protocol::sealEnvelope(p, *in.senderKey);
    if (!s)
        return std::unexpected(s.error());
    return Sealed{std::move(s->bytes), s->envHash};
}

Result<Body> open(const protocol::EnvelopeFrame &frame, const crypto::BoxKeyPair &me,
                  Direction direction)
{
    auto b = protocol::openEnvelope(frame, me, direction);
    if (!b)
        return std::unexpected(b.error().toError());
    return std::move(*b);
}

} // namespace liaison::streams::codec
