#include "wipe.h"

#include <QtEndian>

namespace liaison::protocol {

namespace {

void appendU64(QByteArray &out, std::uint64_t v)
{
    char b[8];
    qToBigEndian<quint64>(v, b);
    out.append(b, 8);
}

// Reads fixed fields from the front of a view whose length was checked.
struct Cursor
{
    QByteArrayView bytes;
    qsizetype at = 0;
    QByteArrayView take(qsizetype n)
    {
        QByteArrayView v = bytes.sliced(at, n);
        at += n;
        return v;
    }
    std::uint64_t u64() { return qFromBigEndian<quint64>(take(8).data()); }
};

} // namespace

// ---- token

QByteArray WipeToken::signedMessage() const
{
    QByteArray m;
    m.reserve(kWipeContext.size() + kWipeTokenBytes);
    m.append(kWipeContext);
    m.append(deployment.view());
    m.append(device.view());
    m.append(signKeyHash.view());
    m.append(wipeAckKeyHash.view());
    m.append(commandId.view());
    appendU64(m, std::uint64_t(issuedAtMs));
    appendU64(m, std::uint64_t(notAfterMs));
    appendU64(m, certificateSerial);
    return m;
}

QByteArray WipeToken::encode() const
{
    QByteArray out;
    out.reserve(kWipeTokenBytes);
    out.append(kWipeTokenMagic);
    out.append(signedMessage().sliced(kWipeContext.size()));
    out.append(signature.view());
    out.append(certificate.encode());
    return out;
}

Result<WipeToken> WipeToken::decode(QByteArrayView bytes)
{
    if (bytes.size() != kWipeTokenBytes || bytes.first(4) != kWipeTokenMagic)
        return fail(Errc::Malformed, QStringLiteral("wipe token has the wrong size or magic"));
    Cursor c{bytes, 4};
    WipeToken t;
    t.deployment = *crypto::Id16::fromBytes(c.take(16));
    t.device = *crypto::Id16::fromBytes(c.take(16));
    t.signKeyHash = *crypto::Hash32::fromBytes(c.take(32));
    t.wipeAckKeyHash = *crypto::Hash32::fromBytes(c.take(32));
    t.commandId = *crypto::Id16::fromBytes(c.take(16));
    const std::uint64_t issued = c.u64();
    const std::uint64_t notAfter = c.u64();
    if (issued > std::uint64_t(INT64_MAX) || notAfter > std::uint64_t(INT64_MAX))
        return fail(Errc::Malformed, QStringLiteral("wipe token time out of range"));
    t.issuedAtMs = std::int64_t(issued);
    t.notAfterMs = std::int64_t(notAfter);
    t.certificateSerial = c.u64();
    t.signature = *crypto::Signature::fromBytes(c.take(64));
    auto cert = HqCertificate::decode(c.take(kHqCertBytes));
    if (!cert)
        return std::unexpected(cert.error());
    t.certificate = *cert;
    return t;
}

Result<WipeToken> makeWipeToken(const WipeTarget &target, const crypto::Id16 &commandId,
                                std::int64_t issuedAtMs, std::int64_t notAfterMs,
                                const HqCertificate &certificate,
                                const crypto::SignSecretKey &contentKey)
{
    if (certificate.deployment != target.deployment)
        return fail(Errc::InvalidArgument, QStringLiteral("certificate names another deployment"));
    if (notAfterMs <= issuedAtMs)
        return fail(Errc::InvalidArgument, QStringLiteral("wipe token expires before it starts"));
    WipeToken t;
    t.deployment = target.deployment;
    t.device = target.device;
    t.signKeyHash = target.signKeyHash;
    t.wipeAckKeyHash = target.wipeAckKeyHash;
    t.commandId = commandId;
    t.issuedAtMs = issuedAtMs;
    t.notAfterMs = notAfterMs;
    t.certificateSerial = certificate.serial;
    t.certificate = certificate;
    t.signature = crypto::crypto_sign_detached(t.signedMessage(), contentKey);
    if (!crypto::crypto_sign_verify_detached(t.signature, t.signedMessage(),
                                             certificate.contentKey))
        return fail(Errc::InvalidArgument,
                    QStringLiteral("the key does not match the certificate's content key"));
    return t;
}

Status verifyWipeToken(const WipeToken &token, const WipeTarget &target,
                       const WipeTokenContext &context)
{
    if (auto s = verifyHqCertificate(token.certificate, target.rootKey); !s)
        return s;
    if (token.certificateSerial != token.certificate.serial)
        return fail(Errc::Refused, QStringLiteral("wipe token names another certificate"));
    if (token.certificate.serial < context.minimumSerial)
        return fail(Errc::Refused,
                    QStringLiteral("wipe token issued under a retired HQ certificate"));
    if (token.issuedAtMs < token.certificate.notBeforeMs ||
        token.issuedAtMs > token.certificate.notAfterMs)
        return fail(Errc::Refused, QStringLiteral("wipe token issued outside its certificate"));
    if (token.notAfterMs <= token.issuedAtMs)
        return fail(Errc::Refused, QStringLiteral("wipe token expires before it starts"));
    if (context.hqTimeMs && *context.hqTimeMs > token.notAfterMs)
        return fail(Errc::Refused, QStringLiteral("wipe token expired (HQ time)"));
    if (token.certificate.deployment != target.deployment || token.deployment != target.deployment)
        return fail(Errc::Refused, QStringLiteral("wipe token names another deployment"));
    if (token.device != target.device || token.signKeyHash != target.signKeyHash ||
        token.wipeAckKeyHash != target.wipeAckKeyHash)
        return fail(Errc::Refused, QStringLiteral("wipe token names another device"));
    if (!crypto::crypto_sign_verify_detached(token.signature, token.signedMessage(),
                                             token.certificate.contentKey))
        return fail(Errc::AuthFailed, QStringLiteral("wipe token signature does not verify"));
    return {};
}

// ---- acknowledgement

QByteArray WipeAcknowledgement::signedMessage() const
{
    QByteArray m;
    m.reserve(kWipeAckContext.size() + kWipeAckBytes);
    m.append(kWipeAckContext);
    m.append(deployment.view());
    m.append(device.view());
    m.append(commandId.view());
    appendU64(m, std::uint64_t(atMs));
    m.append(key.view());
    return m;
}

QByteArray WipeAcknowledgement::encode() const
{
    QByteArray out;
    out.reserve(kWipeAckBytes);
    out.append(kWipeAckMagic);
    out.append(signedMessage().sliced(kWipeAckContext.size()));
    out.append(signature.view());
    return out;
}

Result<WipeAcknowledgement> WipeAcknowledgement::decode(QByteArrayView bytes)
{
    if (bytes.size() != kWipeAckBytes || bytes.first(4) != kWipeAckMagic)
        return fail(Errc::Malformed, QStringLiteral("not a wipe acknowledgement"));
    Cursor c{bytes, 4};
    WipeAcknowledgement a;
    a.deployment = *crypto::Id16::fromBytes(c.take(16));
    a.device = *crypto::Id16::fromBytes(c.take(16));
    a.commandId = *crypto::Id16::fromBytes(c.take(16));
    const std::uint64_t at = c.u64();
    if (at > std::uint64_t(INT64_MAX))
        return fail(Errc::Malformed, QStringLiteral("wipe acknowledgement time out of range"));
    a.atMs = std::int64_t(at);
    a.key = *crypto::SignPublicKey::fromBytes(c.take(32));
    a.signature = *crypto::Signature::fromBytes(c.take(64));
    return a;
}

WipeAcknowledgement signWipeAcknowledgement(const crypto::Id16 &deployment,
                                            const crypto::Id16 &device,
                                            const crypto::Id16 &commandId, std::int64_t atMs,
                                            const crypto::SignKeyPair &key)
{
    WipeAcknowledgement a;
    a.deployment = deployment;
    a.device = device;
    a.commandId = commandId;
    a.atMs = atMs;
    a.key = key.publicKey;
    a.signature = crypto::crypto_sign_detached(a.signedMessage(), key.secretKey);
    return a;
}

Status verifyWipeAcknowledgement(const WipeAcknowledgement &ack, const crypto::Id16 &deployment,
                                 const crypto::Id16 &device, const crypto::Id16 &commandId,
                                 const QList<crypto::Hash32> &keyHashes)
{
    if (ack.deployment != deployment || ack.device != device || ack.commandId != commandId)
        return fail(Errc::Refused,
                    QStringLiteral("the acknowledgement names another device or command"));
    const crypto::Hash32 keyHash = crypto::crypto_generichash(ack.key.view());
    bool named = false;
    for (const crypto::Hash32 &h : keyHashes)
        named = named || (!h.isZero() && h == keyHash);
    if (!named)
        return fail(
            Errc::AuthFailed,
            QStringLiteral("the acknowledgement is signed by a key the token does not name"));
    if (!crypto::crypto_sign_verify_detached(ack.signature, ack.signedMessage(), ack.key))
        return fail(Errc::AuthFailed,
                    QStringLiteral("the acknowledgement's signature does not verify"));
    return {};
}

Status verifyWipeAcknowledgement(const WipeAcknowledgement &ack, const WipeToken &token)
{
    return verifyWipeAcknowledgement(ack, token.deployment, token.device, token.commandId,
                                     {token.signKeyHash, token.wipeAckKeyHash});
}

} // namespace liaison::protocol
