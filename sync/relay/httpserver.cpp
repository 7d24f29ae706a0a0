#include "httpserver.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <QHash>
#include <QLoggingCategory>

#include <cerrno>
#include <chrono>
#include <limits>
#include <set>
#include <variant>

Q_LOGGING_CATEGORY(lcRelayHttp, "liaison.relay.http")

namespace liaison::relay {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
constexpr std::size_t kLingerBytes = 4 * 1024 * 1024;
constexpr int kLingerMs = 1000;
constexpr int kTlsHandshakeMs = 10000;

QByteArray toQ(beast::string_view v)
{
    return QByteArray(v.data(), qsizetype(v.size()));
}

// A body that is a QByteArray itself. A request body is read straight into the QByteArray the
// handler gets, and a response is written from the handler's QByteArray where it lies: neither is
// copied (an envelope or a mailbox answer can be many megabytes, and a copy would be memory the
// in-flight budget does not see).
struct QByteArrayBody
{
    using value_type = QByteArray;

    static std::uint64_t size(const value_type &body) { return std::uint64_t(body.size()); }

    class reader
    {
        // Far beyond any route's limit (the parser enforces those); keeps the sizes in range.
        static constexpr qsizetype kMaxBody = std::numeric_limits<qsizetype>::max() / 4;

    public:
        template <bool isRequest, class Fields>
        reader(http::header<isRequest, Fields> &, value_type &body)
            : m_body(body)
        {}

        void init(const boost::optional<std::uint64_t> &length, beast::error_code &ec)
        {
            ec = {};
            if (length && *length > std::uint64_t(kMaxBody))
                ec = http::error::buffer_overflow;
        }

        template <class ConstBufferSequence>
        std::size_t put(const ConstBufferSequence &buffers, beast::error_code &ec)
        {
            const std::size_t n = asio::buffer_size(buffers);
            const qsizetype at = m_body.size();
            if (n > std::size_t(kMaxBody - at)) {
                ec = http::error::buffer_overflow;
                return 0;
            }
            ec = {};
            m_body.resize(at + qsizetype(n)); // within what the session reserved: no copy
            return asio::buffer_copy(asio::buffer(m_body.data() + at, n), buffers);
        }

        void finish(beast::error_code &ec) { ec = {}; }

    private:
        value_type &m_body;
    };

    class writer
    {
    public:
        using const_buffers_type = asio::const_buffer;

        template <bool isRequest, class Fields>
        writer(const http::header<isRequest, Fields> &, const value_type &body)
            : m_body(body)
        {}

        void init(beast::error_code &ec) { ec = {}; }

        boost::optional<std::pair<const_buffers_type, bool>> get(beast::error_code &ec)
        {
            ec = {};
            if (m_done || m_body.isEmpty())
                return boost::none;
            m_done = true;
            return std::make_pair(
                const_buffers_type(m_body.constData(), std::size_t(m_body.size())), false);
        }

    private:
        const value_type &m_body;
        bool m_done = false;
    };
};
} // namespace

class Session;

struct HttpServer::State
{
    asio::io_context &ioc;
    ServerOptions options;
    Handler handler;
    std::function<std::int64_t()> nowMs;
    asio::ssl::context *tls = nullptr;
    RefusalHook refusal;
    std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
    std::vector<std::unique_ptr<asio::steady_timer>> acceptBackoff; // one per acceptor
    std::set<Session *> sessions;
    QHash<QByteArray, int> perAddress; // open connections per client address
    bool stopping = false;
    std::size_t bodyBytesInFlight = 0; // request bodies being read, all sessions
    int acceptBackoffMs = 0;
    std::chrono::steady_clock::time_point lastAcceptWarning{};

    State(asio::io_context &i, ServerOptions o, Handler h, std::function<std::int64_t()> n,
          asio::ssl::context *t)
        : ioc(i)
        , options(std::move(o))
        , handler(std::move(h))
        , nowMs(std::move(n))
        , tls(t)
    {}
};

class Session : public std::enable_shared_from_this<Session>
{
public:
    using TlsStream = beast::ssl_stream<beast::tcp_stream>;

    Session(tcp::socket &&socket, std::shared_ptr<HttpServer::State> server, bool overloaded)
        : m_server(std::move(server))
        , m_peer(peerOf(socket))
        , m_client(m_peer)
        , m_stream(makeStream(std::move(socket), m_server->tls))
        , m_overloaded(overloaded)
    {
        m_server->sessions.insert(this);
        const auto &proxies = opt().trustedProxies;
        m_fromProxy = std::find(proxies.begin(), proxies.end(), m_peer) != proxies.end();
        // A proxy's connections are counted per forwarded client once its headers are read.
        if (!m_fromProxy && !countClient(m_peer))
            m_overloaded = true;
    }

    ~Session()
    {
        releaseBudget();
        releaseClient();
        m_server->sessions.erase(this);
    }

    void start()
    {
        if (m_overloaded) {
            // Over --max-connections: a 503 at once and the socket closed, so the descriptor is
            // back within a write deadline (TLS: closed without a handshake).
            if (std::holds_alternative<TlsStream>(m_stream))
                return closeNow();
            m_shortLinger = true;
            m_busy = true;
            return failAndClose(503, errc::unavailable, QStringLiteral("too many connections"));
        }
        if (auto *tls = std::get_if<TlsStream>(&m_stream)) {
            lowest().expires_after(std::chrono::milliseconds(kTlsHandshakeMs));
            tls->async_handshake(asio::ssl::stream_base::server,
                                 [self = shared_from_this()](beast::error_code ec) {
                                     if (ec)
                                         return self->closeNow();
                                     self->readHeader();
                                 });
            return;
        }
        readHeader();
    }

    // Server stop: a connection waiting for the next request, or still reading one (a stalled
    // uploader must not hold the stop; nothing of its request was acknowledged), is closed now.
    void stopIfIdle()
    {
        if (!m_inHandler && !m_writing)
            closeNow();
    }

private:
    using Stream = std::variant<beast::tcp_stream, TlsStream>;

    static QByteArray peerOf(const tcp::socket &socket)
    {
        beast::error_code ec;
        const auto ep = socket.remote_endpoint(ec);
        return ec ? QByteArray() : QByteArray::fromStdString(ep.address().to_string());
    }

    static Stream makeStream(tcp::socket &&socket, asio::ssl::context *tls)
    {
        if (tls)
            return Stream(std::in_place_type<TlsStream>, std::move(socket), *tls);
        return Stream(std::in_place_type<beast::tcp_stream>, std::move(socket));
    }

    beast::tcp_stream &lowest()
    {
        return std::visit([](auto &s) -> beast::tcp_stream & { return beast::get_lowest_layer(s); },
                          m_stream);
    }

    const ServerOptions &opt() const { return m_server->options; }

    // Counts this connection for `client`; false when that client is over its cap.
    bool countClient(const QByteArray &client)
    {
        releaseClient();
        m_countedClient = client;
        const int n = ++m_server->perAddress[client];
        return opt().maxConnectionsPerAddress <= 0 || n <= opt().maxConnectionsPerAddress;
    }

    void releaseClient()
    {
        if (m_countedClient.isEmpty())
            return;
        auto it = m_server->perAddress.find(m_countedClient);
        if (it != m_server->perAddress.end() && --*it <= 0)
            m_server->perAddress.erase(it);
        m_countedClient.clear();
    }

    // The client behind a trusted proxy: the last X-Forwarded-For entry (the one the proxy
    // appended); the proxy itself when there is none.
    QByteArray forwardedClient(const http::request_parser<http::empty_body>::value_type &req) const
    {
        QByteArray last;
        const auto range = req.equal_range("X-Forwarded-For");
        for (auto it = range.first; it != range.second; ++it) {
            const QByteArray v = toQ(it->value());
            last = v.mid(v.lastIndexOf(',') + 1).trimmed();
        }
        if (last.isEmpty() || last.size() > 64)
            return m_peer;
        return last;
    }

    std::chrono::steady_clock::time_point
    progressDeadline(std::chrono::steady_clock::time_point start, int graceMs,
                     std::uint64_t bytes) const
    {
        const auto rate = std::uint64_t(std::max<std::int64_t>(1, opt().minRateBytesPerSecond));
        return start + std::chrono::milliseconds(graceMs) +
               std::chrono::milliseconds(std::int64_t(bytes * 1000 / rate));
    }

    void readHeader()
    {
        if (m_server->stopping)
            return closeNow();
        m_header.emplace();
        m_header->header_limit(opt().maxHeaderBytes);
        m_header->body_limit(boost::none); // checked against the route below
        m_body.reset();
        m_busy = false;
        lowest().expires_after(std::chrono::milliseconds(opt().readTimeoutMs));
        std::visit(
            [this](auto &s) {
                http::async_read_header(
                    s, m_buffer, *m_header,
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        self->onHeader(ec);
                    });
            },
            m_stream);
    }

    void onHeader(beast::error_code ec)
    {
        if (ec == http::error::end_of_stream || ec == asio::error::eof ||
            ec == asio::error::operation_aborted || ec == beast::error::timeout ||
            ec == asio::error::connection_reset || ec == asio::ssl::error::stream_truncated) {
            if (ec == beast::error::timeout && m_header->got_some())
                refused("unmatched", 408, errc::timeout);
            return closeNow();
        }
        m_busy = true;
        if (ec == http::error::header_limit)
            return failAndClose(431, errc::headerTooLarge,
                                QStringLiteral("request headers too large"));
        if (ec)
            return failAndClose(400, errc::badRequest, QStringLiteral("malformed HTTP request"));

        const auto &req = m_header->get();
        // A Transfer-Encoding whose last coding is not chunked leaves the body's end to the
        // connection's close, which a proxy in front may read differently (smuggling): refused.
        if (req.find(http::field::transfer_encoding) != req.end() && !m_header->chunked())
            return failAndClose(400, errc::badRequest,
                                QStringLiteral("Transfer-Encoding must end with chunked"));
        if (m_fromProxy) {
            const QByteArray client = forwardedClient(req);
            if (client != m_client || m_countedClient.isEmpty()) {
                m_client = client;
                if (!countClient(client))
                    return failAndClose(503, errc::unavailable,
                                        QStringLiteral("too many connections from this address"));
            }
        }
        const QByteArray method = toQ(req.method_string());
        QByteArray path, query;
        if (!splitTarget(toQ(req.target()), path, query))
            return failAndClose(400, errc::badRequest, QStringLiteral("bad request target"));
        const RouteLookup lookup = lookupRoute(method, path, opt().ops);
        m_routeLabel = lookup.label;
        const qsizetype limit = bodyLimit(lookup, method, opt().bodyLimits);
        if (const auto len = m_header->content_length(); len && *len > std::uint64_t(limit))
            return failAndClose(
                413, errc::bodyTooLarge,
                QStringLiteral("request body too large (limit %1 bytes)").arg(limit));

        m_body.emplace(std::move(*m_header));
        m_header.reset();
        m_body->body_limit(std::uint64_t(limit));
        if (m_body->is_done())
            return onBody({});
        // The body's deadline moves with the bytes that arrive (readBodySome): nothing sent,
        // dropped at the read deadline; sent at the minimum rate or faster, never dropped.
        m_bodyStart = std::chrono::steady_clock::now();
        const auto len = m_body->content_length().value_or(0);
        // Address space only: pages are touched as bytes arrive, and a streamed body never
        // reallocates (no doubling copies on the way to the limit).
        m_body->get().body().reserve(qsizetype(len ? len : std::uint64_t(limit)));
        // A client waiting for "100 Continue" before it sends the body gets it (the limits
        // above have passed).
        if (beast::iequals(m_body->get()[http::field::expect], "100-continue") &&
            m_body->get().version() >= 11) {
            m_continue.emplace(http::status::continue_, 11);
            lowest().expires_after(std::chrono::milliseconds(opt().writeTimeoutMs));
            std::visit(
                [this](auto &s) {
                    http::async_write(
                        s, *m_continue,
                        [self = shared_from_this()](beast::error_code ec, std::size_t) {
                            self->m_continue.reset();
                            if (ec)
                                return self->closeNow();
                            self->m_bodyStart = std::chrono::steady_clock::now();
                            self->readBodySome();
                        });
                },
                m_stream);
            return;
        }
        readBodySome();
    }

    // The body is read piece by piece so that every byte held for a request counts against the
    // process-wide in-flight budget; crossing it refuses the request (503) instead of growing.
    void readBodySome()
    {
        lowest().expires_at(progressDeadline(m_bodyStart, opt().readTimeoutMs,
                                             std::size_t(m_body->get().body().size())));
        std::visit(
            [this](auto &s) {
                http::async_read_some(
                    s, m_buffer, *m_body,
                    [self = shared_from_this()](beast::error_code e, std::size_t) {
                        self->onBodySome(e);
                    });
            },
            m_stream);
    }

    void onBodySome(beast::error_code ec)
    {
        const std::size_t held = m_body ? std::size_t(m_body->get().body().size()) : 0;
        if (held > m_counted) {
            m_server->bodyBytesInFlight += held - m_counted;
            m_counted = held;
        }
        if (ec)
            return onBody(ec);
        // Complete or not, a body over the budget is refused: bodies count until their request
        // is answered (they wait for the database with the handler), not only while read.
        if (m_server->bodyBytesInFlight > opt().maxInflightBodyBytes) {
            dropBody();
            return failAndClose(503, errc::unavailable,
                                QStringLiteral("too many large requests at once, retry later"));
        }
        if (m_body->is_done())
            return onBody(ec);
        readBodySome();
    }

    void releaseBudget()
    {
        m_server->bodyBytesInFlight -= m_counted;
        m_counted = 0;
    }

    // A refused or broken upload frees what it read at once: the refusal may linger on the
    // connection for a while, and bytes kept there would no longer count against the budget.
    void dropBody()
    {
        releaseBudget();
        m_body.reset();
    }

    void onBody(beast::error_code ec)
    {
        if (ec)
            dropBody();
        if (ec == http::error::body_limit)
            return failAndClose(413, errc::bodyTooLarge, QStringLiteral("request body too large"));
        if (ec == beast::error::timeout) {
            refused(m_routeLabel, 408, errc::timeout);
            return closeNow();
        }
        if (ec == asio::error::eof || ec == http::error::end_of_stream ||
            ec == asio::error::connection_reset || ec == asio::error::operation_aborted ||
            ec == http::error::partial_message)
            return closeNow();
        if (ec)
            return failAndClose(400, errc::badRequest, QStringLiteral("malformed HTTP request"));

        lowest().expires_never();
        auto msg = m_body->release();
        m_body.reset();
        // The body now lives in the request; it stays counted until the answer (write()).
        m_keepAlive = msg.keep_alive();

        HttpRequest r;
        r.method = toQ(msg.method_string());
        r.target = toQ(msg.target());
        (void)splitTarget(r.target, r.path, r.query);
        r.host = toQ(msg[http::field::host]);
        r.liaisonKey = toQ(msg["Liaison-Key"]);
        r.liaisonTime = toQ(msg["Liaison-Time"]);
        r.liaisonNonce = toQ(msg["Liaison-Nonce"]);
        r.liaisonSig = toQ(msg["Liaison-Sig"]);
        r.enrolToken = toQ(msg["Liaison-Enrol-Token"]);
        r.contentType = toQ(msg[http::field::content_type]);
        r.body = std::move(msg.body());
        r.peer = m_client;
        r.receivedMs = m_server->nowMs();
        m_version = msg.version();

        auto self = shared_from_this();
        m_inHandler = true;
        m_server->handler(std::move(r),
                          [self](HttpResponse resp) { self->write(std::move(resp)); });
    }

    void write(HttpResponse resp)
    {
        releaseBudget();
        m_inHandler = false;
        m_writing = true;
        const bool close = resp.close || !m_keepAlive || m_server->stopping;
        m_response = {};
        m_response.version(m_version ? m_version : 11);
        m_response.result(http::int_to_status(unsigned(resp.status)));
        if (!resp.contentType.isEmpty())
            m_response.set(http::field::content_type, resp.contentType.toStdString());
        bool hasTime = false;
        for (const auto &[k, v] : resp.headers) {
            m_response.set(k.toStdString(), v.toStdString());
            hasTime = hasTime || k == "Liaison-Time";
        }
        if (!hasTime)
            m_response.set("Liaison-Time", std::to_string(m_server->nowMs()));
        m_response.body() = std::move(resp.body);
        m_response.keep_alive(!close);
        m_response.prepare_payload();
        m_closeAfterWrite = close;
        m_serializer.emplace(m_response);
        m_writeStart = std::chrono::steady_clock::now();
        m_written = 0;
        writeSome();
    }

    // Piece by piece, so that the deadline moves with the bytes the client takes.
    void writeSome()
    {
        lowest().expires_at(progressDeadline(m_writeStart, opt().writeTimeoutMs, m_written));
        std::visit(
            [this](auto &s) {
                http::async_write_some(
                    s, *m_serializer,
                    [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                        self->m_written += n;
                        if (ec || self->m_serializer->is_done())
                            return self->onWrite(ec);
                        self->writeSome();
                    });
            },
            m_stream);
    }

    void onWrite(beast::error_code ec)
    {
        m_writing = false;
        m_serializer.reset();
        m_response = {};
        if (ec)
            return closeNow();
        if (m_closeAfterWrite)
            return lingeringClose();
        readHeader();
    }

    void refused(const char *route, int status, const char *code)
    {
        if (m_server->refusal)
            m_server->refusal(route, status, code, m_client);
    }

    // Answer from the transport itself, then close (what follows on the wire is not trusted).
    void failAndClose(int status, const char *code, const QString &message)
    {
        refused(m_routeLabel ? m_routeLabel : "unmatched", status, code);
        m_keepAlive = false;
        m_version = 11;
        HttpResponse r = jsonError(status, code, message);
        r.close = true;
        write(std::move(r));
    }

    // Half-close, then read and drop what the client is still sending for a short while, so
    // that it can read the refusal instead of a reset. Bounded in time and bytes.
    void lingeringClose()
    {
        beast::error_code ec;
        if (std::holds_alternative<beast::tcp_stream>(m_stream)) {
            lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
        } else {
            // TLS: no close_notify dance with a client that is still streaming; just drop.
            return closeNow();
        }
        m_lingerBytes = 0;
        lowest().expires_after(
            std::chrono::milliseconds(m_shortLinger ? kLingerMs / 5 : kLingerMs));
        lingerRead();
    }

    void lingerRead()
    {
        lowest().async_read_some(asio::buffer(m_scratch),
                                 [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                                     self->m_lingerBytes += n;
                                     if (ec || self->m_lingerBytes > kLingerBytes)
                                         return self->closeNow();
                                     self->lingerRead();
                                 });
    }

    void closeNow()
    {
        beast::error_code ec;
        lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
        lowest().close();
    }

    std::shared_ptr<HttpServer::State> m_server;
    QByteArray m_peer;
    QByteArray m_client;        // m_peer, or the forwarded client behind a trusted proxy
    QByteArray m_countedClient; // what this connection counts against in perAddress
    bool m_fromProxy = false;
    Stream m_stream;
    beast::flat_buffer m_buffer{64 * 1024};
    std::optional<http::request_parser<http::empty_body>> m_header;
    std::optional<http::request_parser<QByteArrayBody>> m_body;
    http::response<QByteArrayBody> m_response;
    std::optional<http::response_serializer<QByteArrayBody>> m_serializer;
    std::optional<http::response<http::empty_body>> m_continue;
    std::chrono::steady_clock::time_point m_bodyStart{};
    std::chrono::steady_clock::time_point m_writeStart{};
    std::uint64_t m_written = 0;
    std::array<char, 16 * 1024> m_scratch{};
    std::size_t m_lingerBytes = 0;
    std::size_t m_counted = 0; // body bytes of this request counted in bodyBytesInFlight
    const char *m_routeLabel = nullptr;
    unsigned m_version = 11;
    bool m_keepAlive = true;
    bool m_closeAfterWrite = false;
    bool m_busy = false;
    bool m_writing = false;
    bool m_inHandler = false; // the request is with the handler: its answer is awaited
    bool m_overloaded = false;
    bool m_shortLinger = false; // linger only briefly (the over-the-limit 503)
};

HttpServer::HttpServer(asio::io_context &ioc, ServerOptions options, Handler handler,
                       std::function<std::int64_t()> nowMs, asio::ssl::context *tls)
    : m_state(std::make_shared<State>(ioc, std::move(options), std::move(handler), std::move(nowMs),
                                      tls))
{}

HttpServer::~HttpServer()
{
    stop();
}

void HttpServer::setRefusalHook(RefusalHook hook)
{
    m_state->refusal = std::move(hook);
}

namespace {
// Accept errors that mean "no descriptor or memory for a new socket right now": retrying at once
// would spin (the pending connection stays in the backlog), so the acceptor backs off.
// (By errno value: asio reports accept failures in the system category.)
bool resourceExhausted(int err)
{
    return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

void doAccept(const std::shared_ptr<HttpServer::State> &state, tcp::acceptor *acceptor,
              asio::steady_timer *backoff)
{
    // Every descriptor the process may use is nearly taken (by this listener's sockets, the
    // over-the-limit ones included): wait in the kernel's backlog rather than meet EMFILE.
    if (state->options.maxOpenSockets > 0 &&
        int(state->sessions.size()) >= state->options.maxOpenSockets) {
        backoff->expires_after(std::chrono::milliseconds(20));
        backoff->async_wait([state, acceptor, backoff](beast::error_code e) {
            if (!e && !state->stopping)
                doAccept(state, acceptor, backoff);
        });
        return;
    }
    acceptor->async_accept(state->ioc, [state, acceptor, backoff](beast::error_code ec,
                                                                  tcp::socket socket) {
        if (ec == asio::error::operation_aborted || state->stopping)
            return;
        if (ec) {
            // Back off (10 ms doubling to 1 s while it lasts); warn at most every 10 s.
            state->acceptBackoffMs =
                state->acceptBackoffMs == 0 ? 10 : std::min(1000, state->acceptBackoffMs * 2);
            const auto now = std::chrono::steady_clock::now();
            if (now - state->lastAcceptWarning > std::chrono::seconds(10)) {
                state->lastAcceptWarning = now;
                const int err = ec.value();
                qCWarning(lcRelayHttp).noquote()
                    << "accept failed: errno" << err
                    << (resourceExhausted(err) ? "(out of file descriptors or memory); backing off"
                                               : "; backing off");
            }
            backoff->expires_after(std::chrono::milliseconds(state->acceptBackoffMs));
            backoff->async_wait([state, acceptor, backoff](beast::error_code e) {
                if (!e && !state->stopping)
                    doAccept(state, acceptor, backoff);
            });
            return;
        }
        state->acceptBackoffMs = 0;
        socket.set_option(tcp::no_delay(true), ec);
        const bool overloaded = int(state->sessions.size()) >= state->options.maxConnections;
        std::make_shared<Session>(std::move(socket), state, overloaded)->start();
        doAccept(state, acceptor, backoff);
    });
}
} // namespace

Result<quint16> HttpServer::listen(const ListenAddress &address)
{
    beast::error_code ec;
    const QString host =
        address.host == QLatin1String("localhost") ? QStringLiteral("127.0.0.1") : address.host;
    const auto ip = asio::ip::make_address(host.toStdString(), ec);
    if (ec)
        return fail(Errc::InvalidArgument, QStringLiteral("bad listen address %1").arg(host));
    auto acceptor = std::make_unique<tcp::acceptor>(m_state->ioc);
    const tcp::endpoint ep(ip, address.port);
    acceptor->open(ep.protocol(), ec);
    if (!ec)
        acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec)
        acceptor->bind(ep, ec);
    if (!ec)
        acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
        return fail(Errc::Io, QStringLiteral("cannot listen on %1:%2: %3")
                                  .arg(host)
                                  .arg(address.port)
                                  .arg(QString::fromStdString(ec.message())));
    const quint16 port = acceptor->local_endpoint().port();
    auto backoff = std::make_unique<asio::steady_timer>(m_state->ioc);
    doAccept(m_state, acceptor.get(), backoff.get());
    m_state->acceptors.push_back(std::move(acceptor));
    m_state->acceptBackoff.push_back(std::move(backoff));
    return port;
}

void HttpServer::stop()
{
    if (!m_state || m_state->stopping)
        return;
    m_state->stopping = true;
    for (auto &a : m_state->acceptors) {
        beast::error_code ec;
        a->close(ec);
    }
    for (auto &t : m_state->acceptBackoff)
        t->cancel();
    // Copy: stopIfIdle may destroy sessions.
    std::vector<std::shared_ptr<Session>> live;
    for (Session *s : m_state->sessions)
        if (auto p = s->weak_from_this().lock())
            live.push_back(std::move(p));
    for (auto &s : live)
        s->stopIfIdle();
}

std::size_t HttpServer::openConnections() const
{
    return m_state->sessions.size();
}

} // namespace liaison::relay
