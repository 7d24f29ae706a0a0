#include "faultproxy.h"

#include <QTcpSocket>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <optional>

#include <sys/socket.h>

namespace liaison::test {

namespace {
// QElapsedTimer::msecsSinceReference() of now (the clock a caller's QElapsedTimer uses).
qint64 monotonicMs()
{
    QElapsedTimer t;
    t.start();
    return t.msecsSinceReference();
}
} // namespace

struct FaultProxy::Conn
{
    QPointer<QTcpSocket> client;
    QPointer<QTcpSocket> server;
    QByteArray toServer; // held until the upstream connection is up
    bool serverConnected = false;
    bool dead = false;
    bool hanging = false;
    bool raw = false; // raw framing (raw mode, or an HTTP answer we cannot frame)
    int delayed = 0;  // answers waiting for a Delay, or link segments on their way to the client
    bool closeWhenFlushed = false;
    bool resetWhenFlushed = false; // a link fault: reset once what went before has arrived
    double upNotBeforeMs = 0;      // the link: the handshake's round trip

    // HTTP framing
    QByteArray reqBuf;
    qint64 reqBodyLeft = -1; // -1: reading a head
    struct Req
    {
        QByteArray method;
        QByteArray target;
        qint64 bytes = 0;
        qint64 atMs = 0; // read whole (QElapsedTimer::msecsSinceReference)
    };
    QList<Req> requests;
    QByteArray respBuf;

    // raw mode
    std::optional<Rule> rawRule;
    qint64 rawForwarded = 0;
};

namespace {

std::optional<qint64> contentLength(const QByteArray &head, bool *chunked)
{
    *chunked = false;
    qint64 length = 0;
    const QList<QByteArray> lines = head.split('\n');
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines[i].trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        const QByteArray name = line.left(colon).trimmed().toLower();
        const QByteArray value = line.mid(colon + 1).trimmed();
        if (name == "content-length") {
            bool ok = false;
            length = value.toLongLong(&ok);
            if (!ok || length < 0)
                return std::nullopt;
        } else if (name == "transfer-encoding" && value.toLower() != "identity") {
            *chunked = true;
        }
    }
    return length;
}

QByteArray withContentLength(const QByteArray &head, qint64 length)
{
    QList<QByteArray> lines = head.split('\n');
    for (QByteArray &line : lines) {
        const qsizetype colon = line.indexOf(':');
        if (colon > 0 && line.left(colon).trimmed().toLower() == "content-length")
            line = "Content-Length: " + QByteArray::number(length) + '\r';
    }
    return lines.join('\n');
}

} // namespace

FaultProxy::FaultProxy(QString upstreamHost, quint16 upstreamPort, QObject *parent)
    : QObject(parent)
    , m_upstreamHost(std::move(upstreamHost))
    , m_upstreamPort(upstreamPort)
{
    connect(&m_server, &QTcpServer::newConnection, this, &FaultProxy::onNewConnection);
    m_outageTimer.setSingleShot(true);
    m_outageTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_outageTimer, &QTimer::timeout, this, &FaultProxy::beginOutage);
}

FaultProxy::~FaultProxy()
{
    for (const auto &c : std::as_const(m_conns)) {
        c->dead = true;
        if (c->client) {
            c->client->disconnect(this);
            c->client->abort();
            delete c->client;
        }
        if (c->server) {
            c->server->disconnect(this);
            c->server->abort();
            delete c->server;
        }
    }
}

bool FaultProxy::listen(const QHostAddress &address)
{
    return m_server.listen(address, 0);
}

QUrl FaultProxy::url(const QString &scheme) const
{
    QUrl u;
    u.setScheme(scheme);
    u.setHost(QStringLiteral("127.0.0.1"));
    u.setPort(port());
    return u;
}

int FaultProxy::applied(Action action) const
{
    return m_applied[int(action)];
}

void FaultProxy::clearCapture()
{
    m_fromClient.clear();
    m_fromServer.clear();
    m_requestLines.clear();
    m_exchanges.clear();
    m_deliveredToClient = 0;
}

void FaultProxy::setLink(const Link &link)
{
    m_link = link;
    m_random.seed(link.seed);
    m_linkClock.start();
    m_up = {};
    m_down = {};
    m_up.tokens = m_down.tokens = double(link.burstBytes);
    m_outageTimer.stop();
    m_outageUntilMs = -1;
    scheduleOutage();
}

void FaultProxy::scheduleOutage()
{
    if (m_link.outageEveryMs <= 0)
        return;
    // The next multiple of outageEveryMs of link time (no drift: timers only ever fire late).
    const double every = m_link.outageEveryMs;
    const double next = (std::floor(linkNowMs() / every) + 1) * every;
    m_outageTimer.start(std::max(0, int(std::ceil(next - linkNowMs()))));
}

bool FaultProxy::inOutage() const
{
    return m_outageUntilMs >= 0 && linkNowMs() < m_outageUntilMs;
}

void FaultProxy::beginOutage()
{
    ++m_outages;
    m_outageUntilMs = linkNowMs() + m_link.outageMs;
    // Everything open goes down at once, mid-transfer; what was on its way is lost.
    const QList<std::shared_ptr<Conn>> open = m_conns;
    for (const auto &c : open) {
        if (c->dead)
            continue;
        ++m_outageResets;
        resetNow(c);
    }
    // The link comes back empty: nothing queued on it any more.
    const double now = linkNowMs();
    m_up = {};
    m_down = {};
    m_up.tokens = m_down.tokens = double(m_link.burstBytes);
    m_up.lastMs = m_down.lastMs = now;
    scheduleOutage();
}

double FaultProxy::linkNowMs() const
{
    return m_linkClock.isValid() ? double(m_linkClock.nsecsElapsed()) / 1e6 : 0;
}

double FaultProxy::arrival(Bucket &b, qint64 bytes, double notBeforeMs)
{
    double t = std::max({linkNowMs(), b.freeAtMs, notBeforeMs});
    if (m_link.bitsPerSecond > 0) {
        const double perMs = double(m_link.bitsPerSecond) / 8000.0;
        b.tokens = std::min(double(m_link.burstBytes), b.tokens + (t - b.lastMs) * perMs);
        b.lastMs = t;
        if (b.tokens >= double(bytes)) {
            b.tokens -= double(bytes);
        } else {
            t += (double(bytes) - b.tokens) / perMs;
            b.tokens = 0;
            b.lastMs = t;
        }
    }
    b.freeAtMs = t;
    return t + m_link.delayMs;
}

bool FaultProxy::linkFault()
{
    if (m_link.faultRate <= 0)
        return false;
    return std::uniform_real_distribution<double>(0, 1)(m_random) < m_link.faultRate;
}

void FaultProxy::writeToServer(const std::shared_ptr<Conn> &c, const QByteArray &data)
{
    if (c->dead)
        return;
    if (c->serverConnected && c->server)
        c->server->write(data);
    else
        c->toServer.append(data);
}

void FaultProxy::sendShaped(const std::shared_ptr<Conn> &c, const QByteArray &data, bool toServer)
{
    // Segments of a packet's size, so that the other end sees a transfer make progress.
    constexpr qsizetype kSegment = 1400;
    for (qsizetype at = 0; at < data.size(); at += kSegment) {
        const QByteArray part = data.mid(at, kSegment);
        const double when = toServer ? arrival(m_up, part.size(), c->upNotBeforeMs)
                                     : arrival(m_down, part.size(), 0);
        const int inMs = std::max(0, int(std::ceil(when - linkNowMs())));
        if (toServer) {
            QTimer::singleShot(inMs, Qt::PreciseTimer, this,
                               [this, c, part] { writeToServer(c, part); });
            continue;
        }
        ++c->delayed;
        QTimer::singleShot(inMs, Qt::PreciseTimer, this, [this, c, part] {
            --c->delayed;
            if (c->dead || !c->client)
                return;
            writeToClient(c, part);
            if (c->delayed > 0)
                return;
            if (c->resetWhenFlushed)
                reset(c);
            else if (c->closeWhenFlushed)
                closeBoth(c);
        });
    }
}

FaultProxy::Rule *FaultProxy::match(const QByteArray &method, const QByteArray &target)
{
    for (Rule &r : m_rules) {
        if (r.times == 0)
            continue;
        if (!r.method.isEmpty() && r.method != method)
            continue;
        if (!r.pathPrefix.isEmpty() && !target.startsWith(r.pathPrefix))
            continue;
        if (!r.targetContains.isEmpty() && !target.contains(r.targetContains))
            continue;
        if (r.times > 0)
            --r.times;
        return &r;
    }
    return nullptr;
}

void FaultProxy::onNewConnection()
{
    while (QTcpSocket *client = m_server.nextPendingConnection()) {
        ++m_connections;
        if (inOutage()) {
            // No bearer: the connection dies at once (nothing reaches the server).
            ++m_outageRefused;
            client->abort();
            client->deleteLater();
            continue;
        }
        auto c = std::make_shared<Conn>();
        c->client = client;
        client->setParent(nullptr);
        c->raw = !m_http;
        if (shaping())
            c->upNotBeforeMs = linkNowMs() + 2.0 * m_link.delayMs;

        // DropConnection: a rule without method and path (HTTP mode) or any rule (raw mode)
        // applies to whole connections.
        for (Rule &r : m_rules) {
            if (r.times == 0)
                continue;
            const bool perConnection = !m_http || (r.method.isEmpty() && r.pathPrefix.isEmpty() &&
                                                   r.action == Action::DropConnection);
            if (!perConnection)
                continue;
            if (r.action == Action::DropConnection) {
                if (r.times > 0)
                    --r.times;
                note(Action::DropConnection);
                client->abort();
                client->deleteLater();
                return onNewConnection();
            }
            if (!m_http) {
                c->rawRule = r;
                if (r.times > 0)
                    --r.times;
            }
            break;
        }

        m_conns.append(c);
        auto *server = new QTcpSocket;
        c->server = server;
        connect(server, &QTcpSocket::connected, this, [this, c] {
            c->serverConnected = true;
            if (!c->toServer.isEmpty() && c->server)
                c->server->write(std::exchange(c->toServer, {}));
        });
        connect(server, &QTcpSocket::readyRead, this, [this, c] { onServerData(c); });
        connect(server, &QTcpSocket::disconnected, this, [this, c] {
            if (c->dead)
                return;
            if (c->server && c->server->bytesAvailable())
                onServerData(c);
            if (c->delayed > 0) {
                c->closeWhenFlushed = true;
                return;
            }
            if (c->hanging)
                return; // keep the client waiting
            closeBoth(c);
        });
        connect(
            server, &QTcpSocket::errorOccurred, this, [this, c](QAbstractSocket::SocketError e) {
                if (e != QAbstractSocket::RemoteHostClosedError && !c->dead && !c->serverConnected)
                    closeBoth(c);
            });
        connect(client, &QTcpSocket::readyRead, this, [this, c] { onClientData(c); });
        connect(client, &QTcpSocket::disconnected, this, [this, c] {
            if (!c->dead)
                closeBoth(c);
        });
        server->connectToHost(m_upstreamHost, m_upstreamPort);
    }
}

void FaultProxy::onClientData(const std::shared_ptr<Conn> &c)
{
    if (c->dead || !c->client)
        return;
    const QByteArray data = c->client->readAll();
    m_fromClient.append(data);
    if (!c->raw) {
        c->reqBuf.append(data);
        parseRequests(c);
    }
    if (shaping())
        return sendShaped(c, data, true);
    writeToServer(c, data);
}

void FaultProxy::parseRequests(const std::shared_ptr<Conn> &c)
{
    for (;;) {
        if (c->reqBodyLeft < 0) {
            const qsizetype end = c->reqBuf.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            const QByteArray head = c->reqBuf.left(end + 2);
            c->reqBuf.remove(0, end + 4);
            const QByteArray line = head.left(head.indexOf("\r\n"));
            const QList<QByteArray> parts = line.split(' ');
            Conn::Req req;
            req.bytes = end + 4;
            if (parts.size() >= 2) {
                req.method = parts[0];
                req.target = parts[1];
            }
            m_requestLines.append(req.method + ' ' + req.target);
            c->requests.append(req);
            bool chunked = false;
            const auto len = contentLength(head, &chunked);
            if (!len || chunked) {
                c->raw = true; // cannot frame: plain pass-through from here on
                return;
            }
            c->reqBodyLeft = *len;
            c->requests.last().bytes += *len;
        }
        const qint64 take = std::min<qint64>(c->reqBodyLeft, c->reqBuf.size());
        c->reqBuf.remove(0, take);
        c->reqBodyLeft -= take;
        if (c->reqBodyLeft > 0)
            return;
        c->reqBodyLeft = -1;
        if (!c->requests.isEmpty())
            c->requests.last().atMs = monotonicMs();
    }
}

void FaultProxy::onServerData(const std::shared_ptr<Conn> &c)
{
    if (c->dead || !c->server)
        return;
    const QByteArray data = c->server->readAll();
    m_fromServer.append(data);
    if (c->hanging)
        return;
    if (c->raw)
        return rawServerData(c, c->respBuf.isEmpty() ? data : std::exchange(c->respBuf, {}) + data);
    c->respBuf.append(data);
    parseResponses(c);
}

void FaultProxy::rawServerData(const std::shared_ptr<Conn> &c, const QByteArray &data)
{
    if (!c->rawRule || c->rawRule->action == Action::PassThrough)
        return forwardToClient(c, data);
    const Rule &r = *c->rawRule;
    switch (r.action) {
    case Action::ResetAfterResponseBytes:
    case Action::ResetBeforeResponse: {
        const qint64 limit = r.action == Action::ResetBeforeResponse ? 0 : r.bytes;
        const qint64 room = limit - c->rawForwarded;
        if (room > 0) {
            forwardToClient(c, data.left(room));
            c->rawForwarded += std::min<qint64>(room, data.size());
        }
        if (c->rawForwarded >= limit) {
            note(r.action);
            reset(c);
        }
        return;
    }
    case Action::Hang:
        note(Action::Hang);
        c->hanging = true;
        return;
    case Action::Delay:
        note(Action::Delay);
        ++c->delayed;
        QTimer::singleShot(r.delayMs, this, [this, c, data] {
            --c->delayed;
            forwardToClient(c, data);
            if (c->delayed == 0 && c->closeWhenFlushed)
                closeBoth(c);
        });
        return;
    default:
        return forwardToClient(c, data);
    }
}

void FaultProxy::parseResponses(const std::shared_ptr<Conn> &c)
{
    while (!c->dead && !c->hanging && !c->resetWhenFlushed) {
        const qsizetype end = c->respBuf.indexOf("\r\n\r\n");
        if (end < 0)
            return;
        const QByteArray head = c->respBuf.left(end + 2);
        bool chunked = false;
        const auto len = contentLength(head, &chunked);
        if (!len || chunked) {
            c->raw = true;
            return rawServerData(c, std::exchange(c->respBuf, {}));
        }
        const qint64 total = end + 4 + *len;
        if (c->respBuf.size() < total)
            return;
        const QByteArray response = c->respBuf.left(total);
        c->respBuf.remove(0, total);
        const Conn::Req req = c->requests.isEmpty() ? Conn::Req{} : c->requests.takeFirst();
        Exchange ex{req.method + ' ' + req.target,
                    req.bytes,
                    response.size(),
                    false,
                    req.atMs,
                    monotonicMs()};
        Rule *r = match(req.method, req.target);
        if (!r && linkFault()) {
            // The thin link loses this answer: reset before it, or cut somewhere inside it.
            ++m_linkFaults;
            ex.cut = true;
            ex.responseBytes = 0;
            if (std::uniform_int_distribution<int>(0, 1)(m_random) == 1 && response.size() > 1) {
                ex.responseBytes =
                    std::uniform_int_distribution<qint64>(1, response.size() - 1)(m_random);
                forwardToClient(c, response.left(ex.responseBytes));
            }
            m_exchanges.append(ex);
            return reset(c);
        }
        if (r && (r->action == Action::ResetBeforeResponse ||
                  r->action == Action::ResetAfterResponseBytes || r->action == Action::Hang)) {
            ex.cut = true;
            ex.responseBytes = r->action == Action::ResetAfterResponseBytes
                                   ? std::min<qint64>(r->bytes, response.size())
                                   : 0;
        }
        m_exchanges.append(ex);
        if (!r) {
            forwardToClient(c, response);
            continue;
        }
        note(r->action);
        switch (r->action) {
        case Action::PassThrough:
        case Action::DropConnection:
            forwardToClient(c, response);
            break;
        case Action::ResetBeforeResponse:
            return reset(c);
        case Action::ResetAfterResponseBytes:
            forwardToClient(c, response.left(r->bytes));
            return reset(c);
        case Action::Hang:
            c->hanging = true;
            return;
        case Action::Delay: {
            ++c->delayed;
            QTimer::singleShot(r->delayMs, this, [this, c, response] {
                --c->delayed;
                forwardToClient(c, response);
                if (c->delayed == 0 && c->closeWhenFlushed)
                    closeBoth(c);
            });
            break;
        }
        case Action::RewriteResponse: {
            const QByteArray body = response.mid(end + 4);
            const QByteArray newBody = r->rewrite ? r->rewrite(req.target, body) : body;
            forwardToClient(c, withContentLength(head, newBody.size()) + "\r\n" + newBody);
            break;
        }
        }
    }
}

void FaultProxy::forwardToClient(const std::shared_ptr<Conn> &c, const QByteArray &data)
{
    if (c->dead || !c->client || data.isEmpty() || c->resetWhenFlushed)
        return;
    if (shaping())
        return sendShaped(c, data, false);
    writeToClient(c, data);
}

void FaultProxy::writeToClient(const std::shared_ptr<Conn> &c, const QByteArray &data)
{
    m_deliveredToClient += data.size();
    c->client->write(data);
}

void FaultProxy::reset(const std::shared_ptr<Conn> &c)
{
    if (c->dead)
        return;
    if (c->delayed > 0 && shaping()) {
        // What went before is still on the link: the reset follows it.
        c->resetWhenFlushed = true;
        return;
    }
    resetNow(c);
}

void FaultProxy::resetNow(const std::shared_ptr<Conn> &c)
{
    if (c->dead)
        return;
    if (c->client) {
        // SO_LINGER 0: close() sends RST, as a broken path would.
        const qintptr fd = c->client->socketDescriptor();
        if (fd >= 0) {
            struct linger l
            {
                1, 0
            };
            ::setsockopt(int(fd), SOL_SOCKET, SO_LINGER, &l, sizeof l);
        }
    }
    closeBoth(c, false);
}

void FaultProxy::closeBoth(const std::shared_ptr<Conn> &c, bool graceful)
{
    if (c->dead)
        return;
    c->dead = true;
    if (c->client) {
        c->client->disconnect(this);
        if (graceful) {
            // Lets what was written reach the client, then closes; deletes itself afterwards.
            QTcpSocket *client = c->client;
            connect(client, &QTcpSocket::disconnected, client, &QObject::deleteLater);
            client->disconnectFromHost();
            if (client->state() == QAbstractSocket::UnconnectedState)
                client->deleteLater();
        } else {
            c->client->abort();
            c->client->deleteLater();
        }
    }
    if (c->server) {
        c->server->disconnect(this);
        c->server->abort();
        c->server->deleteLater();
    }
    m_conns.removeAll(c);
}

} // namespace liaison::test
