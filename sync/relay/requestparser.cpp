#include "requestparser.h"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>

namespace liaison::relay {

namespace beast = boost::beast;
namespace http = beast::http;

namespace {
QByteArray toQ(beast::string_view v)
{
    return QByteArray(v.data(), qsizetype(v.size()));
}

HttpResponse incomplete()
{
    HttpResponse r;
    r.status = 0;
    return r;
}
} // namespace

std::variant<HttpRequest, HttpResponse> parseRequestBytes(QByteArrayView bytes,
                                                          const ParseOptions &options)
{
    http::request_parser<http::empty_body> header;
    header.header_limit(options.maxHeaderBytes);
    header.body_limit(boost::none);
    header.eager(false);
    beast::error_code ec;
    std::size_t used = 0;
    while (!header.is_header_done()) {
        const std::size_t n = header.put(
            boost::asio::buffer(bytes.data() + used, std::size_t(bytes.size()) - used), ec);
        used += n;
        if (ec == http::error::need_more)
            return incomplete();
        if (ec == http::error::header_limit)
            return jsonError(431, errc::headerTooLarge,
                             QStringLiteral("request headers too large"));
        if (ec)
            return jsonError(400, errc::badRequest, QStringLiteral("malformed HTTP request"));
        if (n == 0 && !header.is_header_done())
            return incomplete();
    }
    const auto &req = header.get();
    const QByteArray method = toQ(req.method_string());
    QByteArray path, query;
    if (!splitTarget(toQ(req.target()), path, query))
        return jsonError(400, errc::badRequest, QStringLiteral("bad request target"));
    const RouteLookup lookup = lookupRoute(method, path, options.ops);
    const qsizetype limit = bodyLimit(lookup, method, options.bodyLimits);
    if (const auto len = header.content_length(); len && *len > std::uint64_t(limit))
        return jsonError(413, errc::bodyTooLarge, QStringLiteral("request body too large"));

    http::request_parser<http::string_body> body(std::move(header));
    body.body_limit(std::uint64_t(limit));
    body.eager(true);
    while (!body.is_done()) {
        const std::size_t n = body.put(
            boost::asio::buffer(bytes.data() + used, std::size_t(bytes.size()) - used), ec);
        used += n;
        if (ec == http::error::need_more || (n == 0 && !ec))
            return incomplete();
        if (ec == http::error::body_limit)
            return jsonError(413, errc::bodyTooLarge, QStringLiteral("request body too large"));
        if (ec)
            return jsonError(400, errc::badRequest, QStringLiteral("malformed HTTP request"));
    }
    const auto &msg = body.get();
    HttpRequest r;
    r.method = method;
    r.target = toQ(msg.target());
    r.path = path;
    r.query = query;
    r.host = toQ(msg[http::field::host]);
    r.liaisonKey = toQ(msg["Liaison-Key"]);
    r.liaisonTime = toQ(msg["Liaison-Time"]);
    r.liaisonNonce = toQ(msg["Liaison-Nonce"]);
    r.liaisonSig = toQ(msg["Liaison-Sig"]);
    r.enrolToken = toQ(msg["Liaison-Enrol-Token"]);
    r.contentType = toQ(msg[http::field::content_type]);
    r.body = QByteArray::fromStdString(msg.body());
    return r;
}

} // namespace liaison::relay
