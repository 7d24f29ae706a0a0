#pragma once

// HTTP/1.1 over Boost.Beast, plain or TLS, with the limits of DESIGN.md "Relay" enforced while
// reading: the request line and headers are capped (431), the body limit of the route is checked
// against Content-Length before a byte of body is read and against the bytes of a streamed
// (chunked) body as they arrive (413, then a short lingering close). Deadlines follow progress:
// the headers must arrive within the read deadline, a body within the read deadline plus its
// bytes at the minimum rate, a response within the write deadline plus its bytes at the
// minimum rate (a slow but steady phone completes, a client that stalls is dropped).
// Connections are capped in all and per client address (behind a trusted proxy: per
// forwarded client). All of it runs on one Asio thread.

#include "httptypes.h"
#include "relayconfig.h"
#include "router.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include <functional>
#include <memory>
#include <vector>

namespace liaison::relay {

struct ServerOptions
{
    bool ops = false; // the operations listener (health, metrics)
    std::uint32_t maxHeaderBytes = 16 * 1024;
    BodyLimits bodyLimits;
    int readTimeoutMs = 20000;
    int writeTimeoutMs = 20000;
    int maxConnections = 4096;        // over it: accepted, answered 503 and closed
    int maxConnectionsPerAddress = 0; // per client address; 0 = no cap; over it: 503
    std::int64_t minRateBytesPerSecond = 16 * 1024;
    // Peers whose last X-Forwarded-For entry names the client (textual IP addresses).
    std::vector<QByteArray> trustedProxies;
    // > 0: no accept while this many sockets are open (the fd limit's ceiling); the kernel's
    // backlog holds new connections meanwhile.
    int maxOpenSockets = 0;
    // Request bodies being read at once, all connections together; over it: 503.
    std::size_t maxInflightBodyBytes = 256u << 20;
};

class HttpServer
{
public:
    using Reply = std::function<void(HttpResponse)>;
    // Called on the Asio thread; `reply` must be called exactly once, on the Asio thread.
    using Handler = std::function<void(HttpRequest, Reply)>;
    // Requests refused by the transport itself (limits, malformed HTTP, timeouts).
    using RefusalHook = std::function<void(const char *route, int status, const char *code,
                                           const QByteArray &peer)>;

    HttpServer(boost::asio::io_context &ioc, ServerOptions options, Handler handler,
               std::function<std::int64_t()> nowMs, boost::asio::ssl::context *tls = nullptr);
    ~HttpServer();
    HttpServer(const HttpServer &) = delete;
    HttpServer &operator=(const HttpServer &) = delete;

    void setRefusalHook(RefusalHook hook);
    // Binds and starts accepting; returns the bound port (useful with port 0).
    [[nodiscard]] Result<quint16> listen(const ListenAddress &address);
    // Stops accepting and closes idle connections; requests in flight are answered, then closed.
    void stop();
    [[nodiscard]] std::size_t openConnections() const;

    struct State;

private:
    std::shared_ptr<State> m_state;
};

} // namespace liaison::relay
