#include "router.h"

#include "protocol/envelope.h"
#include "protocol/hqcert.h"
#include "protocol/requestsig.h"

#include <QJsonDocument>
#include <QJsonParseError>

#include <algorithm>

namespace liaison::relay {

namespace {

bool isLowerHex(QByteArrayView v)
{
    return std::all_of(v.begin(), v.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

QList<QByteArrayView> splitPath(QByteArrayView path)
{
    QList<QByteArrayView> parts;
    qsizetype start = 1;
    while (start <= path.size()) {
        qsizetype end = path.indexOf('/', start);
        if (end < 0)
            end = path.size();
        parts.append(path.sliced(start, end - start));
        start = end + 1;
    }
    return parts;
}

RouteLookup found(Route r, const char *label, QByteArrayView method,
                  std::initializer_list<const char *> methods, crypto::Id16 id = {},
                  std::uint32_t epoch = 0)
{
    RouteLookup out;
    out.label = label;
    for (const char *m : methods) {
        if (method == QByteArrayView(m)) {
            out.match = RouteMatch{r, label, id, epoch};
            out.status = 200;
            return out;
        }
    }
    out.status = 405;
    for (const char *m : methods) {
        if (!out.allow.isEmpty())
            out.allow.append(", ");
        out.allow.append(m);
    }
    return out;
}

std::optional<int> hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return std::nullopt;
}

std::optional<QByteArray> percentDecode(QByteArrayView in)
{
    QByteArray out;
    for (qsizetype i = 0; i < in.size(); ++i) {
        if (in[i] == '%') {
            if (i + 2 >= in.size())
                return std::nullopt;
            auto hi = hexValue(in[i + 1]);
            auto lo = hexValue(in[i + 2]);
            if (!hi || !lo)
                return std::nullopt;
            out.append(char(*hi * 16 + *lo));
            i += 2;
        } else if (in[i] == '+') {
            out.append(' ');
        } else {
            out.append(in[i]);
        }
    }
    return out;
}

HttpResponse bad(const QString &message)
{
    return jsonError(400, errc::badRequest, message);
}

bool isSignedRoute(Route r, QByteArrayView method)
{
    switch (r) {
    case Route::Envelopes:
    case Route::Mailbox:
    case Route::MailboxAck:
    case Route::Stream:
    case Route::Device:
        return true;
    case Route::Enrol:
        return method != "POST";
    case Route::Wipe:
        return method == "PUT";
    case Route::WipeDone:
        return method == "GET";
    case Route::HqCert:
    case Route::Health:
    case Route::Metrics:
        return false;
    }
    return false;
}

} // namespace

RouteLookup lookupRoute(QByteArrayView method, QByteArrayView path, bool ops)
{
    if (ops) {
        if (path == "/v1/health")
            return found(Route::Health, "/v1/health", method, {"GET"});
        if (path == "/metrics")
            return found(Route::Metrics, "/metrics", method, {"GET"});
        return {};
    }
    if (!path.startsWith("/v1/"))
        return {};
    const QList<QByteArrayView> p = splitPath(path);
    // p[0] == "v1"
    if (p.size() == 2 && p[1] == "envelopes")
        return found(Route::Envelopes, "/v1/envelopes", method, {"POST"});
    if (p.size() == 2 && p[1] == "mailbox")
        return found(Route::Mailbox, "/v1/mailbox", method, {"GET"});
    if (p.size() == 3 && p[1] == "mailbox" && p[2] == "ack")
        return found(Route::MailboxAck, "/v1/mailbox/ack", method, {"POST"});
    if (p.size() == 2 && p[1] == "hq-cert")
        return found(Route::HqCert, "/v1/hq-cert", method, {"GET", "PUT"});
    if (p.size() == 4 && p[1] == "streams") {
        auto sender = parseIdHex(p[2]);
        auto epoch = parseDecimal(p[3], 0, 0xffffffffLL);
        if (!sender || !epoch)
            return {};
        return found(Route::Stream, "/v1/streams/{sender}/{epoch}", method, {"GET"}, *sender,
                     std::uint32_t(*epoch));
    }
    if (p.size() == 3 && p[1] == "enrol") {
        auto id = parseIdHex(p[2]);
        if (!id)
            return {};
        return found(Route::Enrol, "/v1/enrol/{id}", method, {"PUT", "GET", "POST"}, *id);
    }
    if (p.size() == 3 && p[1] == "wipe") {
        auto id = parseIdHex(p[2]);
        if (!id)
            return {};
        return found(Route::Wipe, "/v1/wipe/{id}", method, {"PUT", "GET"}, *id);
    }
    if (p.size() == 4 && p[1] == "wipe" && p[3] == "done") {
        auto id = parseIdHex(p[2]);
        if (!id)
            return {};
        return found(Route::WipeDone, "/v1/wipe/{id}/done", method, {"POST", "GET"}, *id);
    }
    if (p.size() == 3 && p[1] == "devices") {
        auto id = parseIdHex(p[2]);
        if (!id)
            return {};
        return found(Route::Device, "/v1/devices/{id}", method, {"PUT", "DELETE"}, *id);
    }
    return {};
}

qsizetype bodyLimit(const RouteLookup &lookup, QByteArrayView method, const BodyLimits &limits)
{
    if (!lookup.match)
        return limits.small; // read a little, then answer 404/405
    if (method == "GET" || method == "DELETE")
        return limits.none;
    switch (lookup.match->route) {
    case Route::Envelopes:
        return limits.envelope;
    default:
        return limits.small;
    }
}

Status splitTarget(QByteArrayView target, QByteArray &path, QByteArray &query)
{
    if (target.isEmpty() || target[0] != '/')
        return fail(Errc::Malformed, QStringLiteral("request target is not a path"));
    const qsizetype q = target.indexOf('?');
    path = (q < 0 ? target : target.first(q)).toByteArray();
    query = q < 0 ? QByteArray() : target.sliced(q + 1).toByteArray();
    if (path.contains("//") || path.contains("/../") || path.endsWith("/.."))
        return fail(Errc::Malformed, QStringLiteral("request path not normalised"));
    return {};
}

Result<QHash<QByteArray, QByteArray>> parseQuery(QByteArrayView query,
                                                 std::initializer_list<QByteArrayView> allowed)
{
    QHash<QByteArray, QByteArray> out;
    if (query.isEmpty())
        return out;
    qsizetype start = 0;
    while (start <= query.size()) {
        qsizetype end = query.indexOf('&', start);
        if (end < 0)
            end = query.size();
        const QByteArrayView part = query.sliced(start, end - start);
        start = end + 1;
        if (part.isEmpty())
            continue;
        const qsizetype eq = part.indexOf('=');
        auto name = percentDecode(eq < 0 ? part : part.first(eq));
        auto value = percentDecode(eq < 0 ? QByteArrayView() : part.sliced(eq + 1));
        if (!name || !value)
            return fail(Errc::Malformed, QStringLiteral("query does not percent-decode"));
        if (std::none_of(allowed.begin(), allowed.end(),
                         [&](QByteArrayView a) { return a == *name; }))
            return fail(Errc::Malformed, QStringLiteral("unknown query parameter"));
        if (out.contains(*name))
            return fail(Errc::Malformed, QStringLiteral("repeated query parameter"));
        out.insert(*name, *value);
    }
    return out;
}

std::optional<std::int64_t> parseDecimal(QByteArrayView text, std::int64_t min, std::int64_t max)
{
    if (text.isEmpty() || text.size() > 18)
        return std::nullopt;
    if (text.size() > 1 && text[0] == '0')
        return std::nullopt;
    std::int64_t v = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        v = v * 10 + (c - '0');
    }
    if (v < min || v > max)
        return std::nullopt;
    return v;
}

std::optional<crypto::Id16> parseIdHex(QByteArrayView text)
{
    if (text.size() != 32 || !isLowerHex(text))
        return std::nullopt;
    return crypto::Id16::fromHex(text);
}

Result<QJsonObject> parseJsonObject(QByteArrayView body)
{
    QJsonParseError err;
    const QJsonDocument doc = QJsonDocument::fromJson(body.toByteArray(), &err);
    if (err.error != QJsonParseError::NoError || !doc.isObject())
        return fail(Errc::Malformed, QStringLiteral("body is not a JSON object"));
    return doc.object();
}

std::optional<HttpResponse> preflight(const HttpRequest &request, bool ops,
                                      const BodyLimits &limits, RouteLookup *lookupOut)
{
    const RouteLookup lookup = lookupRoute(request.method, request.path, ops);
    if (lookupOut)
        *lookupOut = lookup;
    if (lookup.status == 404)
        return jsonError(404, errc::notFound, QStringLiteral("no such resource"));
    if (lookup.status == 405) {
        HttpResponse r =
            jsonError(405, errc::methodNotAllowed, QStringLiteral("method not allowed"));
        r.addHeader("Allow", lookup.allow);
        return r;
    }
    const RouteMatch &m = *lookup.match;
    if (request.body.size() > bodyLimit(lookup, request.method, limits))
        return jsonError(413, errc::bodyTooLarge, QStringLiteral("request body too large"));

    if (isSignedRoute(m.route, request.method)) {
        protocol::RequestAuthHeaders h{request.liaisonKey, request.liaisonTime,
                                       request.liaisonNonce, request.liaisonSig};
        auto auth = protocol::parseRequestAuth(h);
        if (!auth) {
            if (auth.error().code == Errc::Refused)
                return jsonError(401, errc::unsigned_, QStringLiteral("request is not signed"));
            return jsonError(400, errc::malformedAuth, auth.error().message);
        }
        if (!protocol::canonicalQuery(request.query))
            return bad(QStringLiteral("query does not percent-decode"));
    }

    switch (m.route) {
    case Route::Envelopes: {
        if (!request.query.isEmpty())
            return bad(QStringLiteral("no query parameters here"));
        auto frame = protocol::parseEnvelope(request.body, limits.envelope);
        if (!frame)
            return jsonError(400, errc::malformedEnvelope, frame.error().message);
        if (frame->header.seq == 0)
            return jsonError(400, errc::malformedEnvelope, QStringLiteral("seq starts at 1"));
        break;
    }
    case Route::Mailbox: {
        auto q = parseQuery(request.query,
                            {"after", "limit", "wait_ms", "lane", "max_bytes", "priority_after"});
        if (!q)
            return bad(q.error().message);
        if (q->contains("priority_after")) {
            if (!parseDecimal(q->value("priority_after"), 0, INT64_MAX / 2))
                return bad(QStringLiteral("bad priority_after"));
            // Answered with the page, so only by a bulk read that answers at once.
            if (q->value("lane") != "bulk" || q->contains("wait_ms"))
                return bad(QStringLiteral("priority_after goes with lane=bulk and no wait_ms"));
        }
        if (q->contains("max_bytes") && !parseDecimal(q->value("max_bytes"), 1, INT64_MAX / 2))
            return bad(QStringLiteral("bad max_bytes"));
        if (q->contains("lane") && q->value("lane") != "priority" && q->value("lane") != "bulk")
            return bad(QStringLiteral("bad lane"));
        if (q->contains("after") && !parseDecimal(q->value("after"), 0, INT64_MAX / 2))
            return bad(QStringLiteral("bad after"));
        if (q->contains("limit") && !parseDecimal(q->value("limit"), 1, 1000))
            return bad(QStringLiteral("bad limit"));
        if (q->contains("wait_ms") && !parseDecimal(q->value("wait_ms"), 0, 3600 * 1000))
            return bad(QStringLiteral("bad wait_ms"));
        break;
    }
    case Route::Stream: {
        auto q = parseQuery(request.query, {"from", "limit"});
        if (!q)
            return bad(q.error().message);
        if (q->contains("from") && !parseDecimal(q->value("from"), 0, INT64_MAX / 2))
            return bad(QStringLiteral("bad from"));
        if (q->contains("limit") && !parseDecimal(q->value("limit"), 1, 1000))
            return bad(QStringLiteral("bad limit"));
        break;
    }
    case Route::MailboxAck:
    case Route::Device:
    case Route::Enrol:
    case Route::Wipe: {
        if (m.route == Route::Device && request.method == "DELETE") {
            auto q = parseQuery(request.query, {"version"});
            if (!q)
                return bad(q.error().message);
            if (!parseDecimal(q->value("version"), 1, INT64_MAX / 2))
                return bad(QStringLiteral("bad version"));
            break;
        }
        if (!request.query.isEmpty())
            return bad(QStringLiteral("no query parameters here"));
        if (request.method == "PUT" || m.route == Route::MailboxAck) {
            auto json = parseJsonObject(request.body);
            if (!json)
                return bad(json.error().message);
        }
        if (m.route == Route::Enrol && request.method == "POST") {
            if (request.enrolToken.size() != 64 || !isLowerHex(request.enrolToken))
                return jsonError(401, errc::badToken,
                                 QStringLiteral("missing or bad enrolment token"));
            if (request.body.isEmpty())
                return bad(QStringLiteral("empty submission"));
        }
        break;
    }
    case Route::WipeDone:
        if (!request.query.isEmpty())
            return bad(QStringLiteral("no query parameters here"));
        if (request.method == "POST" && request.body.isEmpty())
            return bad(QStringLiteral("empty acknowledgement"));
        break;
    case Route::HqCert:
        if (!request.query.isEmpty())
            return bad(QStringLiteral("no query parameters here"));
        if (request.method == "PUT" && !protocol::HqCertificate::decode(request.body))
            return jsonError(400, errc::badCertificate, QStringLiteral("not an HQ certificate"));
        break;
    case Route::Health:
    case Route::Metrics:
        break;
    }
    return std::nullopt;
}

} // namespace liaison::relay
