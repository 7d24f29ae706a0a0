#include "requestsig.h"

#include <QtEndian>

#include <algorithm>
#include <optional>

namespace liaison::protocol {

namespace {

void appendLengthPrefixed(QByteArray &out, QByteArrayView part)
{
    char len[4];
    qToBigEndian<quint32>(quint32(part.size()), len);
    out.append(len, 4);
    out.append(part);
}

bool isUnreserved(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool isLowerHex(QByteArrayView v)
{
    return std::all_of(v.begin(), v.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::optional<QByteArray> percentDecode(QByteArrayView in)
{
    QByteArray out;
    out.reserve(in.size());
    for (qsizetype i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (c == '%') {
            if (i + 2 >= in.size())
                return std::nullopt;
            const int hi = hexValue(in[i + 1]);
            const int lo = hexValue(in[i + 2]);
            if (hi < 0 || lo < 0)
                return std::nullopt;
            out.append(char(hi * 16 + lo));
            i += 2;
        } else if (c == '+') {
            out.append(' ');
        } else {
            out.append(c);
        }
    }
    return out;
}

QByteArray percentEncode(QByteArrayView in)
{
    static const char hex[] = "0123456789ABCDEF";
    QByteArray out;
    out.reserve(in.size());
    for (char c : in) {
        if (isUnreserved(c)) {
            out.append(c);
        } else {
            const auto u = static_cast<unsigned char>(c);
            out.append('%');
            out.append(hex[u >> 4]);
            out.append(hex[u & 0x0f]);
        }
    }
    return out;
}

} // namespace

QByteArray deviceKeyId(const crypto::Id16 &deviceId)
{
    return deviceId.toHex();
}

crypto::Hash32 requestBodyHash(QByteArrayView body)
{
    return crypto::crypto_generichash(body);
}

Result<QByteArray> canonicalQuery(QByteArrayView rawQuery)
{
    if (rawQuery.isEmpty())
        return QByteArray();
    QList<QPair<QByteArray, QByteArray>> pairs;
    qsizetype start = 0;
    while (start <= rawQuery.size()) {
        qsizetype end = rawQuery.indexOf('&', start);
        if (end < 0)
            end = rawQuery.size();
        const QByteArrayView part = rawQuery.sliced(start, end - start);
        if (!part.isEmpty()) {
            const qsizetype eq = part.indexOf('=');
            const QByteArrayView name = eq < 0 ? part : part.first(eq);
            const QByteArrayView value = eq < 0 ? QByteArrayView() : part.sliced(eq + 1);
            auto n = percentDecode(name);
            auto v = percentDecode(value);
            if (!n || !v)
                return fail(Errc::Malformed, QStringLiteral("query does not percent-decode"));
            pairs.append({percentEncode(*n), percentEncode(*v)});
        }
        start = end + 1;
    }
    std::sort(pairs.begin(), pairs.end());
    QByteArray out;
    for (const auto &[n, v] : pairs) {
        if (!out.isEmpty())
            out.append('&');
        out.append(n);
        out.append('=');
        out.append(v);
    }
    return out;
}

Result<QByteArray> requestSigningMessage(const SignedRequest &request)
{
    auto query = canonicalQuery(request.query);
    if (!query)
        return std::unexpected(query.error());
    QByteArray audience = request.deployment.toByteArray();
    audience.append(request.host);
    char time[8];
    qToBigEndian<quint64>(quint64(request.timeMs), time);

    QByteArray msg;
    msg.reserve(256 + request.path.size() + query->size());
    msg.append(kRequestContext);
    appendLengthPrefixed(msg, audience);
    appendLengthPrefixed(msg, request.keyId);
    appendLengthPrefixed(msg, request.method);
    appendLengthPrefixed(msg, request.path);
    appendLengthPrefixed(msg, *query);
    appendLengthPrefixed(msg, QByteArrayView(time, 8));
    appendLengthPrefixed(msg, request.nonce.view());
    appendLengthPrefixed(msg, request.bodyHash.view());
    return msg;
}

Result<RequestAuthHeaders> signRequest(SignedRequest &request, const crypto::SignSecretKey &key)
{
    if (!isValidKeyId(request.keyId))
        return fail(Errc::InvalidArgument, QStringLiteral("invalid key id"));
    if (request.nonce.isZero())
        request.nonce = crypto::randomFixed<RequestNonce>();
    auto msg = requestSigningMessage(request);
    if (!msg)
        return std::unexpected(msg.error());
    const crypto::Signature sig = crypto::crypto_sign_detached(*msg, key);
    RequestAuthHeaders h;
    h.key = request.keyId;
    h.time = QByteArray::number(qint64(request.timeMs));
    h.nonce = request.nonce.toHex();
    h.sig = sig.toHex();
    return h;
}

QList<QPair<QByteArray, QByteArray>> authHeaderList(const RequestAuthHeaders &h)
{
    return {
        {kHeaderKey, h.key}, {kHeaderTime, h.time}, {kHeaderNonce, h.nonce}, {kHeaderSig, h.sig}};
}

bool isValidKeyId(QByteArrayView keyId)
{
    if (keyId.isEmpty() || keyId.size() > kMaxKeyIdBytes)
        return false;
    return std::all_of(keyId.begin(), keyId.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == ':';
    });
}

Result<ParsedRequestAuth> parseRequestAuth(const RequestAuthHeaders &headers)
{
    if (headers.key.isEmpty() && headers.sig.isEmpty())
        return fail(Errc::Refused, QStringLiteral("unsigned request"));
    if (!isValidKeyId(headers.key))
        return fail(Errc::Malformed, QStringLiteral("bad Liaison-Key"));
    ParsedRequestAuth out;
    out.keyId = headers.key;

    const QByteArray &t = headers.time;
    if (t.isEmpty() || t.size() > 15 ||
        !std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        (t.size() > 1 && t[0] == '0'))
        return fail(Errc::Malformed, QStringLiteral("bad Liaison-Time"));
    out.timeMs = t.toLongLong();

    if (headers.nonce.size() != 32 || !isLowerHex(headers.nonce))
        return fail(Errc::Malformed, QStringLiteral("bad Liaison-Nonce"));
    out.nonce = *RequestNonce::fromHex(headers.nonce);

    if (headers.sig.size() != 128 || !isLowerHex(headers.sig))
        return fail(Errc::Malformed, QStringLiteral("bad Liaison-Sig"));
    out.signature = *crypto::Signature::fromHex(headers.sig);
    return out;
}

bool verifyRequestSignature(const SignedRequest &request, const crypto::Signature &signature,
                            const crypto::SignPublicKey &key)
{
    auto msg = requestSigningMessage(request);
    if (!msg)
        return false;
    return crypto::crypto_sign_verify_detached(signature, *msg, key);
}

bool requestTimeInWindow(std::int64_t requestMs, std::int64_t nowMs)
{
    const std::int64_t d = requestMs > nowMs ? requestMs - nowMs : nowMs - requestMs;
    return d <= kRequestWindowMs;
}

} // namespace liaison::protocol
