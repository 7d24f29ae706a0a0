#pragma once

// Pure request classification: which route a method and path name, path parameters, strict query
// parsing and the body limit of each route. No I/O, no state: the fuzz target drives it directly.

// <QHash> before crypto/bytes.h: its qHash overload needs qHashBits declared.
#include <QHash>

#include "crypto/bytes.h"
#include "error.h"
#include "httptypes.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QHash>
#include <QJsonObject>

#include <cstdint>
#include <optional>

namespace liaison::relay {

enum class Route {
    Envelopes,  // POST /v1/envelopes
    Mailbox,    // GET /v1/mailbox
    MailboxAck, // POST /v1/mailbox/ack
    Stream,     // GET /v1/streams/{sender}/{epoch}
    HqCert,     // GET|PUT /v1/hq-cert
    Enrol,      // PUT|GET|POST /v1/enrol/{device}
    Wipe,       // PUT|GET /v1/wipe/{wipe id}
    WipeDone,   // POST|GET /v1/wipe/{wipe id}/done
    Device,     // PUT|DELETE /v1/devices/{device}
    Health,     // GET /v1/health (operations address)
    Metrics,    // GET /metrics (operations address)
};

struct RouteMatch
{
    Route route = Route::Health;
    const char *label = ""; // the route template, used as the metric label
    crypto::Id16 id;        // device, sender or wipe id from the path
    std::uint32_t epoch = 0;
};

struct RouteLookup
{
    std::optional<RouteMatch> match; // set when the path and method are known
    int status = 404;                // 404 unknown path, 405 known path with another method
    QByteArray allow;                // for 405
    const char *label = "unmatched";
};

struct BodyLimits
{
    qsizetype envelope = 16 * 1024 * 1024 + 4096;
    qsizetype small = 16 * 1024; // admin JSON, enrolment submissions, wipe acknowledgements
    qsizetype none = 0;          // GET and DELETE
};

// ops = the operations listener (health, metrics) rather than the public one.
[[nodiscard]] RouteLookup lookupRoute(QByteArrayView method, QByteArrayView path, bool ops);
[[nodiscard]] qsizetype bodyLimit(const RouteLookup &lookup, QByteArrayView method,
                                  const BodyLimits &limits);

// Splits a target into path and query. Errc::Malformed if it is not origin-form ("/...").
[[nodiscard]] Status splitTarget(QByteArrayView target, QByteArray &path, QByteArray &query);

// Strict query: names from `allowed` only, each at most once, values percent-decoded.
[[nodiscard]] Result<QHash<QByteArray, QByteArray>>
parseQuery(QByteArrayView query, std::initializer_list<QByteArrayView> allowed);
// Decimal without sign or leading zeros, in [min, max].
[[nodiscard]] std::optional<std::int64_t> parseDecimal(QByteArrayView text, std::int64_t min,
                                                       std::int64_t max);
// 32 lower-case hex digits.
[[nodiscard]] std::optional<crypto::Id16> parseIdHex(QByteArrayView text);
// A JSON object body, strictly: Errc::Malformed otherwise.
[[nodiscard]] Result<QJsonObject> parseJsonObject(QByteArrayView body);

// The pure part of handling a request: routing, method, path parameters, query and auth-header
// shapes, JSON and envelope framing. Returns the error response the relay would send, or
// nothing when the request is well-formed enough to go on to authentication and storage.
[[nodiscard]] std::optional<HttpResponse> preflight(const HttpRequest &request, bool ops,
                                                    const BodyLimits &limits,
                                                    RouteLookup *lookupOut = nullptr);

} // namespace liaison::relay
