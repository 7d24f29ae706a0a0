#include "envelopecodec.h"

#include <QCborValue>

// Interim: sealing and opening written against protocol/envelope.h and the crypto wrapper until
// sync/protocol publishes sealEnvelope/openEnvelope and the strict CBOR codec; then these bodies
// become thin calls into it.

namespace liaison::streams::codec {

namespace {

constexpr QByteArrayView kCommitContext = "LIAISN-commit-v1";

crypto::Hash32 commitment(const crypto::SymmetricKey &cek, const crypto::XNonce &nonce)
{
    QByteArray msg = kCommitContext.toByteArray();
    msg.append(nonce.view());
    return crypto::crypto_generichash_keyed(msg, cek.view());
}

} // namespace

Result<QByteArray> encodePayload(const QCborMap &payload)
{
    return QCborValue(payload).toCbor();
}

Result<QCborMap> decodePayload(QByteArrayView bytes)
{
    QCborParserError err;
    const QCborValue v = QCborValue::fromCbor(bytes.toByteArray(), &err);
    if (err.error != QCborError::NoError || !v.isMap())
        return fail(Errc::Malformed, QStringLiteral("payload is not a CBOR map"));
    return v.toMap();
}

Result<Sealed> seal(const SealInput &in)
{
    if (!in.senderKey)
        return fail(Errc::InvalidArgument, QStringLiteral("no signing key"));
    protocol::EnvelopeHeader h;
    h.deployment = in.deployment;
    h.sender = in.sender;
    h.recipient = in.recipient;
    h.epoch = in.epoch;
    h.seq = in.seq;
    h.prev = in.prev;
    h.nonce = crypto::randomFixed<crypto::XNonce>();
    h.recipientBoxKeyId = in.recipientBoxKeyId;
    auto cek = crypto::SymmetricKey::random();
    h.commitment = commitment(cek, h.nonce);
    const QByteArray sealedKey = crypto::crypto_box_seal(cek.view(), in.recipientBoxKey);
    auto sk = protocol::SealedKey::fromBytes(sealedKey);
    if (!sk)
        return fail(Errc::CryptoFailure, QStringLiteral("sealed key has the wrong size"));
    h.sealedKey = *sk;
    QCborMap body;
    body.insert(1, qint64(in.kind));
    body.insert(2, qint64(in.createdMs));
    body.insert(3, in.payload);
    const QByteArray plain = QCborValue(body).toCbor();
    const QByteArray padded =
        crypto::sodium_pad(plain, std::size_t(protocol::bodyBucketFor(plain.size())));
    const QByteArray headerBytes = h.encode();
    const QByteArray ct = crypto::crypto_aead_encrypt(padded, headerBytes, h.nonce, cek);
    Sealed out;
    out.envHash = protocol::envelopeHash(headerBytes, ct);
    out.bytes = protocol::frameEnvelope(headerBytes, ct,
                                        protocol::signEnvelopeHash(out.envHash, *in.senderKey));
    return out;
}

Result<Body> open(const protocol::EnvelopeFrame &frame, const crypto::BoxKeyPair &me)
{
    auto cekBytes = crypto::crypto_box_seal_open_secret(frame.header.sealedKey.view(), me);
    if (!cekBytes)
        return fail(Errc::AuthFailed, QStringLiteral("sealed content key does not open"));
    if (cekBytes->size() != crypto::SymmetricKey::size)
        return fail(Errc::Malformed, QStringLiteral("content key has the wrong size"));
    crypto::SymmetricKey cek(std::move(*cekBytes));
    if (!crypto::equalConstantTime(commitment(cek, frame.header.nonce).view(),
                                   frame.header.commitment.view()))
        return fail(Errc::AuthFailed, QStringLiteral("commitment does not match"));
    auto padded =
        crypto::crypto_aead_decrypt(frame.ciphertext, frame.headerBytes, frame.header.nonce, cek);
    if (!padded)
        return fail(Errc::AuthFailed, QStringLiteral("ciphertext does not decrypt"));
    auto plain = crypto::sodium_unpad(*padded, std::size_t(padded->size()));
    if (!plain)
        return fail(Errc::Malformed, QStringLiteral("bad padding"));
    QCborParserError err;
    const QCborValue v = QCborValue::fromCbor(*plain, &err);
    if (err.error != QCborError::NoError || !v.isMap())
        return fail(Errc::Malformed, QStringLiteral("body is not a CBOR map"));
    const QCborMap m = v.toMap();
    if (m.size() != 3 || !m.value(1).isInteger() || !m.value(2).isInteger() || !m.value(3).isMap())
        return fail(Errc::Malformed, QStringLiteral("body fields"));
    const qint64 kind = m.value(1).toInteger();
    if (kind < 1 || kind > 12)
        return fail(Errc::Malformed, QStringLiteral("unknown kind"));
    Body b;
    b.kind = Kind(kind);
    b.createdMs = m.value(2).toInteger();
    b.payload = m.value(3).toMap();
    return b;
}

} // namespace liaison::streams::codec
