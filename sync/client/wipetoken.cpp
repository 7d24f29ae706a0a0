#include "wipetoken.h"

#include <QtEndian>

namespace liaison::client {

namespace {

void appendU64(QByteArray &out, std::uint64_t v)
{
    char b[8];
    qToBigEndian<quint64>(v, b);
    out.append(b, 8);
}

} // namespace

QByteArray WipeToken::signedMessage() const
{
    QByteArray m;
    m.reserve(kWipeContext.size() + 16 + 16 + 32 + 16 + 8);
    m.append(kWipeContext);
    m.append(deployment.view());
    m.append(device.view());
    m.append(signKeyHash.view());
    m.append(commandId.view());
    appendU64(m, std::uint64_t(issuedAtMs));
    return m;
}

QByteArray WipeToken::encode() const
{
    QByteArray out;
    out.reserve(kWipeTokenBytes);
    out.append(kWipeTokenMagic);
    out.append(deployment.view());
    out.append(device.view());
    out.append(signKeyHash.view());
    out.append(commandId.view());
    appendU64(out, std::uint64_t(issuedAtMs));
    out.append(signature.view());
    out.append(certificate.encode());
    return out;
}

Result<WipeToken> WipeToken::decode(QByteArrayView bytes)
{
    if (bytes.size() != kWipeTokenBytes || bytes.first(4) != kWipeTokenMagic)
        return fail(Errc::Malformed, QStringLiteral("wipe token has the wrong size or magic"));
    WipeToken t;
    qsizetype at = 4;
    auto take = [&](qsizetype n) {
        QByteArrayView v = bytes.sliced(at, n);
        at += n;
        return v;
    };
    t.deployment = *crypto::Id16::fromBytes(take(16));
    t.device = *crypto::Id16::fromBytes(take(16));
    t.signKeyHash = *crypto::Hash32::fromBytes(take(32));
    t.commandId = *crypto::Id16::fromBytes(take(16));
    const quint64 issued = qFromBigEndian<quint64>(take(8).data());
    if (issued > quint64(INT64_MAX))
        return fail(Errc::Malformed, QStringLiteral("wipe token time out of range"));
    t.issuedAtMs = std::int64_t(issued);
    t.signature = *crypto::Signature::fromBytes(take(64));
    auto cert = protocol::HqCertificate::decode(take(protocol::kHqCertBytes));
    if (!cert)
        return std::unexpected(cert.error());
    t.certificate = *cert;
    return t;
}

Result<WipeToken> makeWipeToken(const WipeTarget &target, const crypto::Id16 &commandId,
                                std::int64_t issuedAtMs, const protocol::HqCertificate &certificate,
                                const crypto::SignSecretKey &contentKey)
{
    if (certificate.deployment != target.deployment)
        return fail(Errc::InvalidArgument, QStringLiteral("certificate names another deployment"));
    WipeToken t;
    t.deployment = target.deployment;
    t.device = target.device;
    t.signKeyHash = target.signKeyHash;
    t.commandId = commandId;
    t.issuedAtMs = issuedAtMs;
    t.certificate = certificate;
    t.signature = crypto::crypto_sign_detached(t.signedMessage(), contentKey);
    if (!crypto::crypto_sign_verify_detached(t.signature, t.signedMessage(),
                                             certificate.contentKey))
        return fail(Errc::InvalidArgument,
                    QStringLiteral("the key does not match the certificate's content key"));
    return t;
}

Status verifyWipeToken(const WipeToken &token, const WipeTarget &target)
{
    if (auto s = protocol::verifyHqCertificate(token.certificate, target.rootKey); !s)
        return s;
    if (token.issuedAtMs < token.certificate.notBeforeMs ||
        token.issuedAtMs > token.certificate.notAfterMs)
        return fail(Errc::Refused, QStringLiteral("wipe token issued outside its certificate"));
    if (token.certificate.deployment != target.deployment || token.deployment != target.deployment)
        return fail(Errc::Refused, QStringLiteral("wipe token names another deployment"));
    if (token.device != target.device || token.signKeyHash != target.signKeyHash)
        return fail(Errc::Refused, QStringLiteral("wipe token names another device"));
    if (!crypto::crypto_sign_verify_detached(token.signature, token.signedMessage(),
                                             token.certificate.contentKey))
        return fail(Errc::AuthFailed, QStringLiteral("wipe token signature does not verify"));
    return {};
}

} // namespace liaison::client
