#include "protocol/seal.h"

namespace liaison::protocol {

namespace {

constexpr QByteArrayView kCommitContext = "LIAISN-commit-v1";

std::unexpected<EnvelopeError> refuse(EnvelopeFault fault, QString message)
{
    return std::unexpected(EnvelopeError{fault, std::move(message)});
}

} // namespace

int EnvelopeError::step() const
{
    switch (fault) {
    case EnvelopeFault::Framing:
    case EnvelopeFault::Deployment:
    case EnvelopeFault::Sender:
    case EnvelopeFault::Recipient:
    case EnvelopeFault::Epoch:
    case EnvelopeFault::BoxKeyId:
        return 1;
    case EnvelopeFault::Signature:
        return 2;
    case EnvelopeFault::SealedKey:
    case EnvelopeFault::Commitment:
    case EnvelopeFault::Decrypt:
    case EnvelopeFault::Padding:
    case EnvelopeFault::Body:
        return 4;
    case EnvelopeFault::Kind:
        return 5;
    }
    return 1;
}

Error EnvelopeError::toError() const
{
    Errc code = Errc::Malformed;
    switch (fault) {
    case EnvelopeFault::Deployment:
    case EnvelopeFault::Sender:
    case EnvelopeFault::Recipient:
    case EnvelopeFault::Epoch:
    case EnvelopeFault::BoxKeyId:
    case EnvelopeFault::Kind:
        code = Errc::Refused;
        break;
    case EnvelopeFault::Signature:
    case EnvelopeFault::SealedKey:
    case EnvelopeFault::Commitment:
    case EnvelopeFault::Decrypt:
        code = Errc::AuthFailed;
        break;
    default:
        break;
    }
    return Error(code, QStringLiteral("%1: %2").arg(QLatin1String(faultName(fault)), message));
}

const char *faultName(EnvelopeFault fault)
{
    switch (fault) {
    case EnvelopeFault::Framing:
        return "framing";
    case EnvelopeFault::Deployment:
        return "deployment";
    case EnvelopeFault::Sender:
        return "sender";
    case EnvelopeFault::Recipient:
        return "recipient";
    case EnvelopeFault::Epoch:
        return "epoch";
    case EnvelopeFault::BoxKeyId:
        return "box key id";
    case EnvelopeFault::Signature:
        return "signature";
    case EnvelopeFault::SealedKey:
        return "sealed key";
    case EnvelopeFault::Commitment:
        return "commitment";
    case EnvelopeFault::Decrypt:
        return "decrypt";
    case EnvelopeFault::Padding:
        return "padding";
    case EnvelopeFault::Body:
        return "body";
    case EnvelopeFault::Kind:
        return "kind";
    }
    return "?";
}

crypto::XNonce newEnvelopeNonce()
{
    return crypto::randomFixed<crypto::XNonce>();
}

crypto::Hash32 contentKeyCommitment(const crypto::SymmetricKey &cek, const crypto::XNonce &nonce)
{
    QByteArray message;
    message.reserve(kCommitContext.size() + qsizetype(crypto::XNonce::size));
    message.append(kCommitContext);
    message.append(nonce.view());
    return crypto::crypto_generichash_keyed(message, cek.view());
}

Result<SealedEnvelope> sealEncodedBody(const SealParams &params, QByteArrayView bodyBytes,
                                       const crypto::SignSecretKey &senderKey)
{
    if (params.seq == 0)
        return fail(Errc::InvalidArgument, QStringLiteral("seq starts at 1"));
    if (!senderKey.isValid())
        return fail(Errc::InvalidArgument, QStringLiteral("no sender key"));
    const QByteArray padded = padBody(bodyBytes);
    if (padded.size() + kAeadTagBytes + kFramingOverhead > kMaxEnvelopeBytes)
        return fail(Errc::InvalidArgument, QStringLiteral("body too large for one envelope"));

    crypto::SymmetricKey cek = crypto::SymmetricKey::random();
    EnvelopeHeader h;
    h.deployment = params.deployment;
    h.sender = params.sender;
    h.recipient = params.recipient;
    h.epoch = params.epoch;
    h.seq = params.seq;
    h.prev = params.prev;
    h.nonce = newEnvelopeNonce();
    h.commitment = contentKeyCommitment(cek, h.nonce);
    h.recipientBoxKeyId = params.recipientBoxKeyId;
    const QByteArray sealed = crypto::crypto_box_seal(cek.view(), params.recipientBoxKey);
    auto sealedKey = SealedKey::fromBytes(sealed);
    if (!sealedKey)
        return fail(Errc::CryptoFailure, QStringLiteral("sealed content key has the wrong size"));
    h.sealedKey = *sealedKey;

    const QByteArray header = h.encode();
    const QByteArray ciphertext = crypto::crypto_aead_encrypt(padded, header, h.nonce, cek);
    cek.wipe();
    SealedEnvelope out;
    out.envHash = envelopeHash(header, ciphertext);
    out.bytes = frameEnvelope(header, ciphertext, signEnvelopeHash(out.envHash, senderKey));
    return out;
}

Result<SealedEnvelope> sealEnvelope(const SealParams &params,
                                    const crypto::SignSecretKey &senderKey)
{
    if (!kindAllowed(params.direction, params.kind))
        return fail(Errc::InvalidArgument, QStringLiteral("kind %1 not allowed in this direction")
                                               .arg(QLatin1String(kindName(params.kind))));
    auto body = encodeBody(Body{params.kind, params.createdMs, params.payload}, params.bodyOptions);
    if (!body)
        return std::unexpected(body.error());
    return sealEncodedBody(params, *body, senderKey);
}

EnvelopeResult<void> checkEnvelopeRouting(const EnvelopeHeader &header,
                                          const EnvelopeContext &context,
                                          const BoxKeyLookup &boxKeyFor)
{
    if (header.deployment != context.deployment)
        return refuse(EnvelopeFault::Deployment, QStringLiteral("another deployment"));
    if (header.sender != context.sender)
        return refuse(EnvelopeFault::Sender, QStringLiteral("unexpected sender"));
    if (header.recipient != context.recipient)
        return refuse(EnvelopeFault::Recipient, QStringLiteral("not addressed to this receiver"));
    if (context.epoch && header.epoch != *context.epoch)
        return refuse(
            EnvelopeFault::Epoch,
            QStringLiteral("epoch %1, expected %2").arg(header.epoch).arg(*context.epoch));
    if (boxKeyFor && !boxKeyFor(header.recipientBoxKeyId))
        return refuse(EnvelopeFault::BoxKeyId,
                      QStringLiteral("box key id %1 not held").arg(header.recipientBoxKeyId));
    return {};
}

EnvelopeResult<Body> openEnvelope(const EnvelopeFrame &frame,
                                  const crypto::BoxKeyPair &recipientKeys, Direction direction,
                                  const BodyOptions &options)
{
    auto cekBytes =
        crypto::crypto_box_seal_open_secret(frame.header.sealedKey.view(), recipientKeys);
    if (!cekBytes || cekBytes->size() != crypto::SymmetricKey::size)
        return refuse(EnvelopeFault::SealedKey, QStringLiteral("sealed content key does not open"));
    crypto::SymmetricKey cek(std::move(*cekBytes));

    // The commitment binds the sender to this one CEK; check it before decrypting anything.
    const crypto::Hash32 commitment = contentKeyCommitment(cek, frame.header.nonce);
    if (!crypto::equalConstantTime(commitment.view(), frame.header.commitment.view()))
        return refuse(EnvelopeFault::Commitment, QStringLiteral("content key commitment mismatch"));

    auto padded =
        crypto::crypto_aead_decrypt(frame.ciphertext, frame.headerBytes, frame.header.nonce, cek);
    cek.wipe();
    if (!padded)
        return refuse(EnvelopeFault::Decrypt, QStringLiteral("ciphertext does not decrypt"));
    auto bodyBytes = unpadBody(*padded);
    if (!bodyBytes)
        return refuse(EnvelopeFault::Padding, bodyBytes.error().message);
    auto body = decodeBody(*bodyBytes, direction, options);
    if (!body) {
        const EnvelopeFault fault =
            body.error().code == Errc::Refused ? EnvelopeFault::Kind : EnvelopeFault::Body;
        return refuse(fault, body.error().message);
    }
    return std::move(*body);
}

EnvelopeResult<void> checkEnvelopeContext(const EnvelopeFrame &frame, const Body &body,
                                          const EnvelopeContext &context)
{
    if (auto r = checkEnvelopeRouting(frame.header, context); !r)
        return r;
    if (!kindAllowed(context.direction, body.kind))
        return refuse(EnvelopeFault::Kind, QStringLiteral("kind %1 not allowed in this direction")
                                               .arg(QLatin1String(kindName(body.kind))));
    return {};
}

EnvelopeResult<ReceivedEnvelope> receiveEnvelope(QByteArrayView bytes, qsizetype maxBytes,
                                                 const EnvelopeContext &context,
                                                 const crypto::SignPublicKey &senderKey,
                                                 const BoxKeyLookup &boxKeyFor,
                                                 const BodyOptions &options)
{
    auto frame = parseEnvelope(bytes, maxBytes);
    if (!frame)
        return refuse(EnvelopeFault::Framing, frame.error().message);
    if (auto r = checkEnvelopeRouting(frame->header, context, boxKeyFor); !r)
        return std::unexpected(r.error());
    if (!verifyEnvelopeSignature(*frame, senderKey))
        return refuse(EnvelopeFault::Signature, QStringLiteral("signature does not verify"));
    const crypto::BoxKeyPair *keys =
        boxKeyFor ? boxKeyFor(frame->header.recipientBoxKeyId) : nullptr;
    if (!keys)
        return refuse(EnvelopeFault::BoxKeyId, QStringLiteral("no box key"));
    auto body = openEnvelope(*frame, *keys, context.direction, options);
    if (!body)
        return std::unexpected(body.error());
    return ReceivedEnvelope{std::move(*frame), std::move(*body)};
}

} // namespace liaison::protocol
