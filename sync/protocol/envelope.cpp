#include "protocol/envelope.h"

#include <QtEndian>

#include <cstring>

namespace liaison::protocol {

namespace {

constexpr QByteArrayView kEnvContext = "LIAISN-env-v1";
constexpr QByteArrayView kSigContext = "LIAISN-sig-v1";

template <typename T> void putFixed(char *out, const T &value)
{
    std::memcpy(out, value.data(), T::size);
}

template <typename T> T getFixed(const char *in)
{
    T v;
    std::memcpy(v.data(), in, T::size);
    return v;
}

QByteArray ctLenBytes(qsizetype ctLen)
{
    QByteArray out(kCtLenBytes, Qt::Uninitialized);
    qToBigEndian<std::uint32_t>(std::uint32_t(ctLen), out.data());
    return out;
}

} // namespace

QByteArray EnvelopeHeader::encode() const
{
    namespace o = header_offset;
    QByteArray out(kHeaderBytes, '\0');
    char *p = out.data();
    std::memcpy(p + o::magic, kEnvelopeMagic.data(), 4);
    putFixed(p + o::deployment, deployment);
    putFixed(p + o::sender, sender);
    putFixed(p + o::recipient, recipient);
    qToBigEndian<std::uint32_t>(epoch, p + o::epoch);
    qToBigEndian<std::uint64_t>(seq, p + o::seq);
    putFixed(p + o::prev, prev);
    putFixed(p + o::nonce, nonce);
    putFixed(p + o::commitment, commitment);
    qToBigEndian<std::uint32_t>(recipientBoxKeyId, p + o::boxKeyId);
    putFixed(p + o::sealedKey, sealedKey);
    return out;
}

Result<EnvelopeHeader> EnvelopeHeader::decode(QByteArrayView bytes)
{
    namespace o = header_offset;
    if (bytes.size() != kHeaderBytes)
        return fail(Errc::Malformed, QStringLiteral("envelope header has the wrong length"));
    if (bytes.first(4) != kEnvelopeMagic)
        return fail(Errc::Malformed, QStringLiteral("unknown envelope magic"));
    const char *p = bytes.data();
    EnvelopeHeader h;
    h.deployment = getFixed<crypto::Id16>(p + o::deployment);
    h.sender = getFixed<crypto::Id16>(p + o::sender);
    h.recipient = getFixed<crypto::Id16>(p + o::recipient);
    h.epoch = qFromBigEndian<std::uint32_t>(p + o::epoch);
    h.seq = qFromBigEndian<std::uint64_t>(p + o::seq);
    h.prev = getFixed<crypto::Hash32>(p + o::prev);
    h.nonce = getFixed<crypto::XNonce>(p + o::nonce);
    h.commitment = getFixed<crypto::Hash32>(p + o::commitment);
    h.recipientBoxKeyId = qFromBigEndian<std::uint32_t>(p + o::boxKeyId);
    h.sealedKey = getFixed<SealedKey>(p + o::sealedKey);
    return h;
}

QByteArray EnvelopeFrame::encode() const
{
    return frameEnvelope(headerBytes, ciphertext, signature);
}

bool isBodyBucket(qsizetype paddedSize)
{
    if (paddedSize < kMinBodyBucket)
        return false;
    if (paddedSize <= kLargeBodyStep)
        return (paddedSize & (paddedSize - 1)) == 0;
    return paddedSize % kLargeBodyStep == 0;
}

qsizetype bodyBucketFor(qsizetype bodySize)
{
    const qsizetype need = bodySize + 1; // sodium_pad's 0x80 marker
    qsizetype bucket = kMinBodyBucket;
    while (bucket < need && bucket < kLargeBodyStep)
        bucket *= 2;
    if (bucket >= need)
        return bucket;
    return ((need + kLargeBodyStep - 1) / kLargeBodyStep) * kLargeBodyStep;
}

Result<EnvelopeFrame> parseEnvelope(QByteArrayView bytes, qsizetype maxBytes)
{
    const qsizetype limit = std::min(maxBytes, kMaxEnvelopeBytes);
    if (bytes.size() > limit)
        return fail(Errc::Malformed, QStringLiteral("envelope larger than allowed"));
    if (bytes.size() < kFramingOverhead + kMinCiphertextBytes)
        return fail(Errc::Malformed, QStringLiteral("envelope too short"));
    auto header = EnvelopeHeader::decode(bytes.first(kHeaderBytes));
    if (!header)
        return std::unexpected(header.error());
    const std::uint32_t ctLen = qFromBigEndian<std::uint32_t>(bytes.data() + kHeaderBytes);
    // Compare in 64 bits: ct_len comes from outside.
    if (std::uint64_t(ctLen) + std::uint64_t(kFramingOverhead) != std::uint64_t(bytes.size()))
        return fail(Errc::Malformed,
                    QStringLiteral("ciphertext length does not match the framing"));
    if (!isBodyBucket(qsizetype(ctLen) - kAeadTagBytes))
        return fail(Errc::Malformed, QStringLiteral("ciphertext length is not a body bucket"));

    EnvelopeFrame f;
    f.header = *header;
    f.headerBytes = bytes.first(kHeaderBytes).toByteArray();
    f.ciphertext = bytes.sliced(kHeaderBytes + kCtLenBytes, qsizetype(ctLen)).toByteArray();
    f.signature = getFixed<crypto::Signature>(bytes.data() + kHeaderBytes + kCtLenBytes + ctLen);
    f.envHash = envelopeHash(f.headerBytes, f.ciphertext);
    return f;
}

crypto::Hash32 envelopeHash(QByteArrayView headerBytes, QByteArrayView ciphertext)
{
    crypto::GenericHash h(32);
    h.update(kEnvContext);
    h.update(headerBytes);
    h.update(ctLenBytes(ciphertext.size()));
    h.update(ciphertext);
    return h.final32();
}

QByteArray envelopeSignedMessage(const crypto::Hash32 &envHash)
{
    QByteArray m;
    m.reserve(kSigContext.size() + qsizetype(crypto::Hash32::size));
    m.append(kSigContext);
    m.append(envHash.view());
    return m;
}

crypto::Signature signEnvelopeHash(const crypto::Hash32 &envHash,
                                   const crypto::SignSecretKey &senderKey)
{
    return crypto::crypto_sign_detached(envelopeSignedMessage(envHash), senderKey);
}

bool verifyEnvelopeSignature(const EnvelopeFrame &frame, const crypto::SignPublicKey &senderKey)
{
    return crypto::crypto_sign_verify_detached(frame.signature,
                                               envelopeSignedMessage(frame.envHash), senderKey);
}

QByteArray frameEnvelope(QByteArrayView headerBytes, QByteArrayView ciphertext,
                         const crypto::Signature &signature)
{
    QByteArray out;
    out.reserve(headerBytes.size() + kCtLenBytes + ciphertext.size() + kSignatureBytes);
    out.append(headerBytes);
    out.append(ctLenBytes(ciphertext.size()));
    out.append(ciphertext);
    out.append(signature.view());
    return out;
}

Status checkDeployment(const EnvelopeHeader &header, const crypto::Id16 &deployment)
{
    if (header.deployment != deployment)
        return fail(Errc::Refused, QStringLiteral("envelope names another deployment"));
    return {};
}

} // namespace liaison::protocol
