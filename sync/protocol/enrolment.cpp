#include "enrolment.h"

#include "protocol/cbor.h"

#include <QCborArray>
#include <QCborMap>
#include <QDateTime>

namespace liaison::protocol {

namespace {

enum class CodeKey : std::uint64_t {
    Format = 0,
    Deployment = 1,
    RelayUrl = 2,
    RelayPins = 3,
    RootKey = 4,
    Device = 5,
    Secret = 6,
    Expires = 7,
    HqBoxKey = 8,
    HqBoxKeyId = 9,
};

constexpr qsizetype kChecksumBytes = 4;

QCborValue key(CodeKey k)
{
    return QCborValue(qint64(k));
}

// ---- base32 (RFC 4648 §6, upper case, no padding) ----

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

QByteArray base32Encode(QByteArrayView in)
{
    QByteArray out;
    out.reserve((in.size() * 8 + 4) / 5);
    std::uint32_t buffer = 0;
    int bits = 0;
    for (char c : in) {
        buffer = (buffer << 8) | std::uint8_t(c);
        bits += 8;
        while (bits >= 5) {
            out.append(kAlphabet[(buffer >> (bits - 5)) & 31]);
            bits -= 5;
        }
    }
    if (bits > 0)
        out.append(kAlphabet[(buffer << (5 - bits)) & 31]);
    return out;
}

int base32Value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a';
    if (c >= '2' && c <= '7')
        return 26 + (c - '2');
    return -1;
}

bool isSeparator(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '-';
}

// Decodes after the prefix, skipping separators. Trailing bits must be zero (a canonical form
// only), so one text never has two spellings that differ in more than case and separators.
Result<QByteArray> base32Decode(QByteArrayView in, qsizetype prefixLength)
{
    QByteArray out;
    out.reserve(in.size() * 5 / 8 + 1);
    std::uint32_t buffer = 0;
    int bits = 0;
    for (qsizetype i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (isSeparator(c))
            continue;
        const int v = base32Value(c);
        if (v < 0) {
            const QString shown = (c >= 0x21 && c < 0x7f) ? QString(QLatin1Char(c))
                                                          : QStringLiteral("0x%1").arg(
                                                                int(std::uint8_t(c)), 2, 16,
                                                                QLatin1Char('0'));
            return fail(Errc::Malformed,
                        QStringLiteral("the enrolment code is damaged (character %1 at position "
                                       "%2 is not valid)")
                            .arg(shown)
                            .arg(prefixLength + i + 1));
        }
        buffer = (buffer << 5) | std::uint32_t(v);
        bits += 5;
        if (bits >= 8) {
            out.append(char((buffer >> (bits - 8)) & 0xff));
            bits -= 8;
        }
    }
    if (bits >= 5 || (buffer & ((1u << bits) - 1)) != 0)
        return fail(Errc::Malformed,
                    QStringLiteral("the enrolment code is damaged (length: characters missing or "
                                   "extra?)"));
    return out;
}

QByteArray checksum(QByteArrayView cbor)
{
    QByteArray msg = kEnrolCodeChecksumContext.toByteArray();
    msg.append(cbor);
    return crypto::crypto_generichash(msg).toByteArray().first(kChecksumBytes);
}

std::unexpected<Error> damaged(const QString &why)
{
    return fail(Errc::Malformed, QStringLiteral("the enrolment code is damaged (%1)").arg(why));
}

QString whenText(std::int64_t ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODate);
}

} // namespace

// ---------------------------------------------------------------------------------------------
// The code

EnrolmentCode newEnrolmentCode(const crypto::Id16 &deployment, const QString &relayUrl,
                               const QList<RelayPin> &relayPins,
                               const crypto::SignPublicKey &rootKey, const crypto::Id16 &device,
                               std::int64_t expiresMs, const crypto::BoxPublicKey &hqBoxKey,
                               std::uint32_t hqBoxKeyId)
{
    EnrolmentCode c;
    c.deployment = deployment;
    c.relayUrl = relayUrl;
    c.relayPins = relayPins;
    c.rootKey = rootKey;
    c.device = device;
    c.secret = crypto::SymmetricKey::random();
    c.expiresMs = expiresMs;
    c.hqBoxKey = hqBoxKey;
    c.hqBoxKeyId = hqBoxKeyId;
    return c;
}

Result<QByteArray> encodeEnrolmentCode(const EnrolmentCode &code)
{
    if (code.relayUrl.isEmpty() || code.relayUrl.toUtf8().size() > kEnrolMaxRelayUrl)
        return fail(Errc::InvalidArgument, QStringLiteral("relay URL empty or too long"));
    if (code.relayPins.size() > kEnrolMaxPins)
        return fail(Errc::InvalidArgument, QStringLiteral("at most %1 relay pins").arg(kEnrolMaxPins));
    if (code.device.isZero() || code.deployment.isZero() || code.rootKey.isZero() ||
        code.hqBoxKey.isZero() || !code.secret.isValid() || code.expiresMs <= 0)
        return fail(Errc::InvalidArgument, QStringLiteral("enrolment code fields missing"));
    QCborArray pins;
    for (const RelayPin &p : code.relayPins)
        pins.append(cbor::fixedToCbor(p));
    QCborMap m;
    m.insert(key(CodeKey::Format), qint64(kEnrolCodeFormat));
    m.insert(key(CodeKey::Deployment), cbor::fixedToCbor(code.deployment));
    m.insert(key(CodeKey::RelayUrl), code.relayUrl);
    m.insert(key(CodeKey::RelayPins), pins);
    m.insert(key(CodeKey::RootKey), cbor::fixedToCbor(code.rootKey));
    m.insert(key(CodeKey::Device), cbor::fixedToCbor(code.device));
    m.insert(key(CodeKey::Secret), QCborValue(code.secret.view().toByteArray()));
    m.insert(key(CodeKey::Expires), qint64(code.expiresMs));
    m.insert(key(CodeKey::HqBoxKey), cbor::fixedToCbor(code.hqBoxKey));
    m.insert(key(CodeKey::HqBoxKeyId), qint64(code.hqBoxKeyId));
    auto bytes = cbor::encode(m);
    if (!bytes)
        return std::unexpected(bytes.error());
    QByteArray payload = *bytes;
    payload.append(checksum(*bytes));
    QByteArray text = kEnrolCodePrefix.toByteArray();
    text.append(base32Encode(payload));
    crypto::memzero(payload.data(), std::size_t(payload.size()));
    crypto::memzero(bytes->data(), std::size_t(bytes->size()));
    return text;
}

QByteArray groupEnrolmentCode(QByteArrayView text, int group)
{
    if (!text.startsWith(kEnrolCodePrefix) || group <= 0)
        return text.toByteArray();
    QByteArray out = kEnrolCodePrefix.toByteArray();
    const QByteArrayView body = text.sliced(kEnrolCodePrefix.size());
    for (qsizetype i = 0; i < body.size(); i += group) {
        if (i > 0)
            out.append('-');
        out.append(body.sliced(i, std::min<qsizetype>(group, body.size() - i)));
    }
    return out;
}

Result<EnrolmentCode> parseEnrolmentCode(QByteArrayView raw)
{
    const QByteArrayView text = raw.trimmed();
    if (text.size() > kEnrolCodeMaxChars)
        return fail(Errc::Malformed, QStringLiteral("not a Liaison enrolment code (too long)"));
    // "LIAISON<n>-", case-insensitive.
    constexpr QByteArrayView stem = "LIAISON";
    if (text.size() < stem.size() + 2 ||
        QByteArray(text.first(stem.size()).toByteArray()).toUpper() != stem)
        return fail(Errc::Malformed, QStringLiteral("not a Liaison enrolment code"));
    qsizetype at = stem.size();
    qsizetype digitsEnd = at;
    while (digitsEnd < text.size() && digitsEnd - at < 4 && text[digitsEnd] >= '0' &&
           text[digitsEnd] <= '9')
        ++digitsEnd;
    if (digitsEnd == at || digitsEnd >= text.size() || !isSeparator(text[digitsEnd]))
        return fail(Errc::Malformed, QStringLiteral("not a Liaison enrolment code"));
    const int version = text.sliced(at, digitsEnd - at).toByteArray().toInt();
    if (version != int(kEnrolCodeFormat))
        return fail(Errc::Refused,
                    QStringLiteral("unsupported enrolment code format %1 (this version reads %2)")
                        .arg(version)
                        .arg(kEnrolCodeFormat));
    const qsizetype bodyStart = digitsEnd + 1;
    auto payload = base32Decode(text.sliced(bodyStart), bodyStart);
    if (!payload)
        return std::unexpected(payload.error());
    if (payload->size() <= kChecksumBytes)
        return damaged(QStringLiteral("too short"));
    const QByteArrayView body = QByteArrayView(*payload).first(payload->size() - kChecksumBytes);
    const QByteArrayView sum = QByteArrayView(*payload).last(kChecksumBytes);
    if (!crypto::equalConstantTime(checksum(body), sum))
        return damaged(QStringLiteral("checksum: mistyped?"));
    auto value = cbor::decodeStrict(body, cbor::DecodeLimits{4, 64});
    if (!value || !value->isMap())
        return damaged(QStringLiteral("fields"));
    cbor::MapReader r(value->toMap(), "enrolment code");
    EnrolmentCode c;
    const std::uint64_t format = r.unsignedAt(std::uint64_t(CodeKey::Format));
    c.deployment = cbor::fixedAt<crypto::Id16>(r, std::uint64_t(CodeKey::Deployment));
    c.relayUrl = r.textAt(std::uint64_t(CodeKey::RelayUrl), kEnrolMaxRelayUrl);
    const QCborArray pins = r.arrayAt(std::uint64_t(CodeKey::RelayPins));
    c.rootKey = cbor::fixedAt<crypto::SignPublicKey>(r, std::uint64_t(CodeKey::RootKey));
    c.device = cbor::fixedAt<crypto::Id16>(r, std::uint64_t(CodeKey::Device));
    QByteArray secret = r.bytesAt(std::uint64_t(CodeKey::Secret), crypto::SymmetricKey::size);
    c.expiresMs = std::int64_t(r.unsignedAt(std::uint64_t(CodeKey::Expires)));
    c.hqBoxKey = cbor::fixedAt<crypto::BoxPublicKey>(r, std::uint64_t(CodeKey::HqBoxKey));
    c.hqBoxKeyId = std::uint32_t(r.unsignedAt(std::uint64_t(CodeKey::HqBoxKeyId), UINT32_MAX));
    if (r.ok() && format != kEnrolCodeFormat)
        r.reject(QStringLiteral("format %1").arg(format));
    if (r.ok() && pins.size() > kEnrolMaxPins)
        r.reject(QStringLiteral("too many relay pins"));
    for (const QCborValue &p : pins) {
        const auto pin = p.isByteArray() ? RelayPin::fromBytes(p.toByteArray()) : std::nullopt;
        if (!pin) {
            r.reject(QStringLiteral("a relay pin is not 32 bytes"));
            break;
        }
        c.relayPins.append(*pin);
    }
    if (r.ok() && (c.relayUrl.isEmpty() || c.device.isZero() || c.deployment.isZero() ||
                   c.expiresMs <= 0))
        r.reject(QStringLiteral("empty field"));
    auto finished = r.finish();
    if (secret.size() == qsizetype(crypto::SymmetricKey::size))
        c.secret = crypto::SymmetricKey(crypto::SecretBytes::copyOf(secret));
    secret.detach();
    crypto::memzero(secret.data(), std::size_t(secret.size()));
    if (!finished)
        return damaged(QStringLiteral("fields: %1").arg(finished.error().message));
    return c;
}

Status checkEnrolmentCodeFresh(const EnrolmentCode &code, std::int64_t nowMs)
{
    if (nowMs > code.expiresMs)
        return fail(Errc::Refused, QStringLiteral("the enrolment code expired at %1")
                                       .arg(whenText(code.expiresMs)));
    return {};
}

crypto::SymmetricKey enrolmentRelayToken(const crypto::SymmetricKey &secret)
{
    return crypto::crypto_kdf_derive_from_key(secret, 1, kEnrolKdfContext);
}

crypto::SymmetricKey enrolmentMacKey(const crypto::SymmetricKey &secret)
{
    return crypto::crypto_kdf_derive_from_key(secret, 2, kEnrolKdfContext);
}

crypto::Hash32 enrolmentTokenHash(const crypto::SymmetricKey &relayToken)
{
    return crypto::crypto_generichash(relayToken.view());
}

crypto::SecretBytes enrolmentTokenHeader(const crypto::SymmetricKey &relayToken)
{
    static constexpr char kHex[] = "0123456789abcdef";
    crypto::SecretBytes out(2 * crypto::SymmetricKey::size);
    for (std::size_t i = 0; i < crypto::SymmetricKey::size; ++i) {
        out.data()[2 * i] = std::uint8_t(kHex[relayToken.data()[i] >> 4]);
        out.data()[2 * i + 1] = std::uint8_t(kHex[relayToken.data()[i] & 15]);
    }
    return out;
}

Result<HqCertificate> acceptEnrolmentCertificate(const EnrolmentCode &code,
                                                 QByteArrayView certificate, std::int64_t nowMs)
{
    auto cert = HqCertificate::decode(certificate);
    if (!cert)
        return std::unexpected(cert.error());
    if (auto s = verifyHqCertificateAt(*cert, code.rootKey, nowMs); !s)
        return std::unexpected(s.error());
    if (cert->deployment != code.deployment)
        return fail(Errc::Refused,
                    QStringLiteral("the relay's HQ certificate names another deployment"));
    return *cert;
}

// ---------------------------------------------------------------------------------------------
// The transcript

QByteArray EnrolmentTranscript::encode() const
{
    QByteArray out;
    out.reserve(kEnrolTranscriptBytes);
    out.append(kEnrolContext);
    out.append(deployment.view());
    out.append(device.view());
    out.append(rootKey.view());
    out.append(certificateHash.view());
    out.append(hqSignKey.view());
    out.append(hqBoxKey.view());
    out.append(deviceSignKey.view());
    out.append(deviceBoxKey.view());
    out.append(deviceWipeAckKey.view());
    return out;
}

Result<EnrolmentTranscript> EnrolmentTranscript::decode(QByteArrayView bytes)
{
    if (bytes.size() != kEnrolTranscriptBytes)
        return fail(Errc::Malformed, QStringLiteral("enrolment transcript has the wrong length"));
    if (bytes.first(kEnrolContext.size()) != kEnrolContext)
        return fail(Errc::Malformed, QStringLiteral("enrolment transcript has an unknown context"));
    qsizetype at = kEnrolContext.size();
    auto take = [&]<typename F>(F &field) {
        field = *F::fromBytes(bytes.sliced(at, qsizetype(F::size)));
        at += qsizetype(F::size);
    };
    EnrolmentTranscript t;
    take(t.deployment);
    take(t.device);
    take(t.rootKey);
    take(t.certificateHash);
    take(t.hqSignKey);
    take(t.hqBoxKey);
    take(t.deviceSignKey);
    take(t.deviceBoxKey);
    take(t.deviceWipeAckKey);
    return t;
}

EnrolmentTranscript enrolmentTranscript(const EnrolmentCode &code,
                                        const HqCertificate &certificate,
                                        const crypto::SignPublicKey &deviceSignKey,
                                        const crypto::BoxPublicKey &deviceBoxKey,
                                        const crypto::SignPublicKey &wipeAckKey)
{
    EnrolmentTranscript t;
    t.deployment = code.deployment;
    t.device = code.device;
    t.rootKey = code.rootKey;
    t.certificateHash = crypto::crypto_generichash(certificate.encode());
    t.hqSignKey = certificate.contentKey;
    t.hqBoxKey = code.hqBoxKey;
    t.deviceSignKey = deviceSignKey;
    t.deviceBoxKey = deviceBoxKey;
    t.deviceWipeAckKey = wipeAckKey;
    return t;
}

// ---------------------------------------------------------------------------------------------
// The submission

Result<QByteArray> sealEnrolmentSubmission(const EnrolmentTranscript &t,
                                           const crypto::SignSecretKey &deviceSignKey,
                                           const crypto::SymmetricKey &macKey)
{
    // The secret key's second half is its public key (libsodium's layout).
    if (!deviceSignKey.isValid() ||
        deviceSignKey.view().sliced(32) != t.deviceSignKey.view())
        return fail(Errc::InvalidArgument,
                    QStringLiteral("the signing key is not the transcript's device key"));
    QByteArray plain = t.encode();
    const crypto::Signature sig = crypto::crypto_sign_detached(plain, deviceSignKey);
    plain.append(sig.view());
    const crypto::AuthTag mac = crypto::crypto_auth(plain, macKey);
    plain.append(mac.view());
    QByteArray sealed = crypto::crypto_box_seal(plain, t.hqBoxKey);
    if (sealed.size() != kEnrolSubmissionBytes)
        return fail(Errc::CryptoFailure, QStringLiteral("sealing the submission failed"));
    return sealed;
}

Result<EnrolmentTranscript> openEnrolmentSubmission(QByteArrayView sealed,
                                                    const crypto::BoxKeyPair &hqBox,
                                                    const crypto::SymmetricKey &macKey,
                                                    const EnrolmentExpectation &expect,
                                                    std::int64_t nowMs)
{
    if (nowMs > expect.expiresMs)
        return fail(Errc::Refused, QStringLiteral("the enrolment code expired at %1")
                                       .arg(whenText(expect.expiresMs)));
    if (sealed.size() != kEnrolSubmissionBytes)
        return fail(Errc::Malformed, QStringLiteral("the submission has the wrong length"));
    auto plain = crypto::crypto_box_seal_open(sealed, hqBox);
    if (!plain || plain->size() != kEnrolSubmissionPlainBytes)
        return fail(Errc::AuthFailed,
                    QStringLiteral("the submission is not sealed to this HQ's box key"));
    const QByteArrayView all(*plain);
    const QByteArrayView signedPart = all.first(kEnrolTranscriptBytes + 64);
    const auto mac = crypto::AuthTag::fromBytes(all.last(32));
    if (!crypto::crypto_auth_verify(*mac, signedPart, macKey))
        return fail(Errc::AuthFailed,
                    QStringLiteral("the submission's MAC does not verify (not made with this "
                                   "device's enrolment code, or changed on the way)"));
    auto t = EnrolmentTranscript::decode(all.first(kEnrolTranscriptBytes));
    if (!t)
        return std::unexpected(t.error());
    const auto sig = crypto::Signature::fromBytes(all.sliced(kEnrolTranscriptBytes, 64));
    if (!crypto::crypto_sign_verify_detached(*sig, all.first(kEnrolTranscriptBytes),
                                             t->deviceSignKey))
        return fail(Errc::AuthFailed,
                    QStringLiteral("the device's signature over the transcript does not verify"));
    auto refuse = [](const char *what) {
        return fail(Errc::Refused,
                    QStringLiteral("the submission names another %1").arg(QLatin1String(what)));
    };
    if (t->deployment != expect.deployment)
        return refuse("deployment");
    if (t->device != expect.device)
        return refuse("device");
    if (t->rootKey != expect.rootKey)
        return refuse("HQ root key");
    if (t->hqSignKey != expect.hqSignKey)
        return refuse("HQ signing key");
    if (t->hqBoxKey != expect.hqBoxKey)
        return refuse("HQ box key");
    if (!expect.certificateHashes.contains(t->certificateHash))
        return refuse("HQ certificate");
    return *t;
}

// ---------------------------------------------------------------------------------------------
// The safety number

SafetyNumber safetyNumber(const EnrolmentTranscript &t)
{
    QByteArray msg = kSafetyNumberContext.toByteArray();
    msg.append(t.encode());
    const crypto::Hash64 h = crypto::crypto_generichash_512(msg);
    SafetyNumber sn;
    for (int i = 0; i < kSafetyNumberGroups; ++i) {
        std::uint64_t v = 0;
        for (int j = 0; j < 5; ++j)
            v = (v << 8) | h.bytes[std::size_t(5 * i + j)];
        sn.groups[std::size_t(i)] = std::uint32_t(v % 100000);
    }
    return sn;
}

QString SafetyNumber::digits() const
{
    QString out;
    out.reserve(kSafetyNumberDigits);
    for (std::uint32_t g : groups)
        out.append(QStringLiteral("%1").arg(g, 5, 10, QLatin1Char('0')));
    return out;
}

QString SafetyNumber::toString() const
{
    const QString d = digits();
    QStringList parts;
    for (int i = 0; i < kSafetyNumberGroups; ++i)
        parts.append(d.mid(5 * i, 5));
    return parts.join(QLatin1Char(' '));
}

QString SafetyNumber::toDisplayString() const
{
    const QStringList parts = toString().split(QLatin1Char(' '));
    QStringList lines;
    for (int i = 0; i < kSafetyNumberGroups; i += 4)
        lines.append(parts.mid(i, 4).join(QLatin1Char(' ')));
    return lines.join(QLatin1Char('\n'));
}

Result<SafetyNumber> parseSafetyNumber(QStringView typed)
{
    QString d;
    for (QChar c : typed) {
        if (c == u' ' || c == u'\t' || c == u'\r' || c == u'\n' || c == u'-' || c == u'.')
            continue;
        if (c < u'0' || c > u'9')
            return fail(Errc::Malformed,
                        QStringLiteral("a safety number has only digits (found \"%1\")").arg(c));
        d.append(c);
        if (d.size() > kSafetyNumberDigits)
            break;
    }
    if (d.size() != kSafetyNumberDigits)
        return fail(Errc::Malformed,
                    QStringLiteral("a safety number has %1 digits (%2 given)")
                        .arg(kSafetyNumberDigits)
                        .arg(d.size() > kSafetyNumberDigits ? QStringLiteral("more")
                                                            : QString::number(d.size())));
    SafetyNumber sn;
    for (int i = 0; i < kSafetyNumberGroups; ++i)
        sn.groups[std::size_t(i)] = d.mid(5 * i, 5).toUInt();
    return sn;
}

bool safetyNumberMatches(const SafetyNumber &expected, QStringView typed)
{
    auto got = parseSafetyNumber(typed);
    if (!got)
        return false;
    return crypto::equalConstantTime(expected.digits().toLatin1(), got->digits().toLatin1());
}

} // namespace liaison::protocol
