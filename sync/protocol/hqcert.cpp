#include "hqcert.h"

#include <QtEndian>

namespace liaison::protocol {

namespace {
void putU64(QByteArray &out, std::uint64_t v)
{
    char b[8];
    qToBigEndian<quint64>(quint64(v), b);
    out.append(b, 8);
}
std::uint64_t getU64(QByteArrayView in, qsizetype at)
{
    return qFromBigEndian<quint64>(in.data() + at);
}
QByteArray signedMessage(const HqCertificate &cert)
{
    QByteArray msg = kHqCertContext.toByteArray();
    msg.append(cert.encodeBody());
    return msg;
}
} // namespace

QByteArray HqCertificate::encodeBody() const
{
    QByteArray out;
    out.reserve(kHqCertBodyBytes);
    out.append(kHqCertMagic);
    out.append(deployment.view());
    putU64(out, serial);
    putU64(out, std::uint64_t(notBeforeMs));
    putU64(out, std::uint64_t(notAfterMs));
    out.append(contentKey.view());
    out.append(relayAdminKey.view());
    return out;
}

QByteArray HqCertificate::encode() const
{
    QByteArray out = encodeBody();
    out.append(signature.view());
    return out;
}

Result<HqCertificate> HqCertificate::decode(QByteArrayView bytes)
{
    if (bytes.size() != kHqCertBytes)
        return fail(Errc::Malformed, QStringLiteral("HQ certificate has the wrong length"));
    if (bytes.first(4) != kHqCertMagic)
        return fail(Errc::Malformed, QStringLiteral("HQ certificate has an unknown magic"));
    HqCertificate c;
    c.deployment = *crypto::Id16::fromBytes(bytes.sliced(4, 16));
    c.serial = getU64(bytes, 20);
    c.notBeforeMs = std::int64_t(getU64(bytes, 28));
    c.notAfterMs = std::int64_t(getU64(bytes, 36));
    c.contentKey = *crypto::SignPublicKey::fromBytes(bytes.sliced(44, 32));
    c.relayAdminKey = *crypto::SignPublicKey::fromBytes(bytes.sliced(76, 32));
    c.signature = *crypto::Signature::fromBytes(bytes.sliced(108, 64));
    if (c.notBeforeMs < 0 || c.notAfterMs < 0)
        return fail(Errc::Malformed, QStringLiteral("HQ certificate time out of range"));
    return c;
}

void signHqCertificate(HqCertificate &cert, const crypto::SignSecretKey &rootKey)
{
    cert.signature = crypto::crypto_sign_detached(signedMessage(cert), rootKey);
}

Status verifyHqCertificate(const HqCertificate &cert, const crypto::SignPublicKey &rootKey)
{
    if (cert.notAfterMs <= cert.notBeforeMs ||
        cert.notAfterMs - cert.notBeforeMs > kHqCertMaxValidityMs)
        return fail(Errc::Refused, QStringLiteral("HQ certificate validity span not allowed"));
    if (!crypto::crypto_sign_verify_detached(cert.signature, signedMessage(cert), rootKey))
        return fail(Errc::AuthFailed, QStringLiteral("HQ certificate signature does not verify"));
    return {};
}

Status verifyHqCertificateAt(const HqCertificate &cert, const crypto::SignPublicKey &rootKey,
                             std::int64_t nowMs)
{
    if (auto s = verifyHqCertificate(cert, rootKey); !s)
        return s;
    if (nowMs < cert.notBeforeMs || nowMs > cert.notAfterMs)
        return fail(Errc::Refused, QStringLiteral("HQ certificate not valid at this time"));
    return {};
}

Result<HqCertificate> currentHqCertificate(const QList<HqCertificate> &candidates,
                                           const crypto::SignPublicKey &rootKey, std::int64_t nowMs)
{
    const HqCertificate *best = nullptr;
    for (const HqCertificate &c : candidates) {
        if (!verifyHqCertificateAt(c, rootKey, nowMs))
            continue;
        if (!best || c.serial > best->serial)
            best = &c;
    }
    if (!best)
        return fail(Errc::NotFound, QStringLiteral("no valid HQ certificate"));
    return *best;
}

} // namespace liaison::protocol
