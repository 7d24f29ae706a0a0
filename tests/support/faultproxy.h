#pragma once

// An in-process TCP fault proxy for network tests (this kernel has no tc netem). It sits between a
// client and a server on loopback, forwards bytes both ways, records every byte it saw, and
// applies faults:
//
//   PassThrough             forward as is
//   ResetBeforeResponse     the server answered (so it has committed), the client gets a reset
//                           instead of the answer
//   ResetAfterResponseBytes forward the first N bytes of the answer, then reset
//   Hang                    never forward the answer; keep the connection open
//   Delay                   forward the answer after delayMs
//   DropConnection          close a new connection at once (nothing reaches the server)
//   RewriteResponse         hand the answer's body to a function and forward what it returns
//                           (Content-Length fixed up)
//
// In HTTP mode (plain http, the default) the proxy follows HTTP/1.1 framing (Content-Length) on
// both directions, so a rule can match one request by method and path prefix and acts on that
// request's answer only. In raw mode (TLS passes through untouched) rules act per connection:
// ResetAfterResponseBytes counts the server's bytes on the connection, Hang and Delay hold all of
// them, DropConnection refuses the connection.
//
// A thin link (setLink, issue 13 "Thin links"; netem is missing here) shapes every byte in both
// directions, on all connections together as one device's link: a token bucket per direction
// (bitsPerSecond, burst burstBytes), a fixed delay each way (delayMs; a new connection's first
// request also waits the handshake's round trip), and in HTTP mode faultRate of the answers lost:
// half of them reset before the answer (the server has committed), half cut after a random part
// of the answer and then reset. The faults draw from a generator seeded with seed.
//
// Link outages (Link::outageEveryMs, outageMs; issue 13 "a link that drops every 30 s"), as a
// phone losing its bearer: at every multiple of outageEveryMs of link time (setLink starts the
// clock; the first outage at outageEveryMs, not at 0) every open connection is reset at once,
// mid-transfer, both ways (the client gets a RST, the server an abort; what the link still had
// on its way is lost, and the link's queue starts empty afterwards), and for outageMs after it
// every new connection is closed at once (nothing reaches the server). The schedule depends on
// the link clock only: the same Link resets at the same times in every run (what is in flight
// then depends on the run). outages() counts the outages begun, outageRefused() the connections
// refused in them; deliveredToClient() counts the bytes written to the client, so a test can
// see what a transfer cost the device's side of the link.

#include <QByteArray>
#include <QElapsedTimer>
#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QTcpServer>
#include <QTimer>
#include <QUrl>

#include <functional>
#include <memory>
#include <random>

class QTcpSocket;

namespace liaison::test {

class FaultProxy final : public QObject
{
    Q_OBJECT
public:
    enum class Action {
        PassThrough,
        ResetBeforeResponse,
        ResetAfterResponseBytes,
        Hang,
        Delay,
        DropConnection,
        RewriteResponse,
    };

    struct Rule
    {
        Action action = Action::PassThrough;
        QByteArray method;     // HTTP mode: upper case, empty = any
        QByteArray pathPrefix; // HTTP mode: empty = any
        int times = 1;         // matches it applies to; -1 = forever
        qint64 bytes = 0;      // ResetAfterResponseBytes
        int delayMs = 0;       // Delay
        std::function<QByteArray(const QByteArray &requestTarget, const QByteArray &body)> rewrite;
        QByteArray targetContains; // HTTP mode: the request target must contain this too
    };

    struct Link
    {
        qint64 bitsPerSecond = 0; // 0: no limit
        int delayMs = 0;          // added each way
        double faultRate = 0;     // HTTP mode: share of answers reset or cut mid-transfer
        qint64 burstBytes = 1500; // token bucket depth
        quint32 seed = 1;
        int outageEveryMs = 0; // an outage begins every this many ms of link time (0: none)
        int outageMs = 0;      // how long each outage lasts (new connections refused)
    };

    // One HTTP exchange as the client's side of the link saw it (HTTP mode).
    struct Exchange
    {
        QByteArray requestLine; // "POST /v1/envelopes"
        qint64 requestBytes = 0;
        qint64 responseBytes = 0; // what was forwarded to the client
        bool cut = false;         // a link fault or a reset rule ended it
        // QElapsedTimer::msecsSinceReference() when the request was read whole from the client
        // and when the server's answer was (the client has it later, by the link's queue).
        qint64 requestMs = 0;
        qint64 answeredMs = 0;
    };

    FaultProxy(QString upstreamHost, quint16 upstreamPort, QObject *parent = nullptr);
    ~FaultProxy() override;

    [[nodiscard]] bool listen(const QHostAddress &address = QHostAddress::LocalHost);
    [[nodiscard]] quint16 port() const { return m_server.serverPort(); }
    // scheme://127.0.0.1:port
    [[nodiscard]] QUrl url(const QString &scheme = QStringLiteral("http")) const;

    // HTTP mode is the default; raw mode for TLS.
    void setHttpMode(bool on) { m_http = on; }

    // The thin link (see the top); a default Link turns it off.
    void setLink(const Link &link);
    // Answers the link's faults reset or cut.
    [[nodiscard]] int linkFaults() const { return m_linkFaults; }
    // The link's outages begun so far, the connections they reset, and the connections refused
    // during them.
    [[nodiscard]] int outages() const { return m_outages; }
    [[nodiscard]] int outageResets() const { return m_outageResets; }
    [[nodiscard]] int outageRefused() const { return m_outageRefused; }
    // Bytes written to the client (after the link delivered them), since the last clearCapture().
    [[nodiscard]] qint64 deliveredToClient() const { return m_deliveredToClient; }
    // HTTP mode: every answered exchange, in order of the answers (cleared by clearCapture()).
    [[nodiscard]] const QList<Exchange> &exchanges() const { return m_exchanges; }

    void addRule(Rule rule) { m_rules.append(std::move(rule)); }
    void clearRules() { m_rules.clear(); }
    // How many times a rule with this action has been applied.
    [[nodiscard]] int applied(Action action) const;

    // Every byte read from the client and from the server, in order of arrival.
    [[nodiscard]] const QByteArray &clientBytes() const { return m_fromClient; }
    [[nodiscard]] const QByteArray &serverBytes() const { return m_fromServer; }
    void clearCapture();
    [[nodiscard]] int connections() const { return m_connections; }
    // HTTP mode: request lines seen ("POST /v1/envelopes").
    [[nodiscard]] const QList<QByteArray> &requestLines() const { return m_requestLines; }

private:
    struct Conn;
    void onNewConnection();
    void onClientData(const std::shared_ptr<Conn> &c);
    void onServerData(const std::shared_ptr<Conn> &c);
    void parseRequests(const std::shared_ptr<Conn> &c);
    void parseResponses(const std::shared_ptr<Conn> &c);
    void rawServerData(const std::shared_ptr<Conn> &c, const QByteArray &data);
    Rule *match(const QByteArray &method, const QByteArray &target);
    void forwardToClient(const std::shared_ptr<Conn> &c, const QByteArray &data);
    void reset(const std::shared_ptr<Conn> &c);
    void resetNow(const std::shared_ptr<Conn> &c); // RST to the client now, whatever is queued
    void writeToClient(const std::shared_ptr<Conn> &c, const QByteArray &data);
    void scheduleOutage();
    void beginOutage();
    [[nodiscard]] bool inOutage() const;
    void closeBoth(const std::shared_ptr<Conn> &c, bool graceful = true);
    void note(Action a) { ++m_applied[int(a)]; }
    struct Bucket
    {
        double tokens = 0;
        double lastMs = 0;
        double freeAtMs = 0;
    };
    [[nodiscard]] bool shaping() const { return m_link.bitsPerSecond > 0 || m_link.delayMs > 0; }
    // When `bytes` sent now (not before notBeforeMs) arrive at the other end, in m_linkClock ms.
    double arrival(Bucket &b, qint64 bytes, double notBeforeMs);
    void sendShaped(const std::shared_ptr<Conn> &c, const QByteArray &data, bool toServer);
    void writeToServer(const std::shared_ptr<Conn> &c, const QByteArray &data);
    [[nodiscard]] bool linkFault();
    [[nodiscard]] double linkNowMs() const;

    QString m_upstreamHost;
    quint16 m_upstreamPort;
    QTcpServer m_server;
    bool m_http = true;
    QList<Rule> m_rules;
    QList<std::shared_ptr<Conn>> m_conns;
    QByteArray m_fromClient;
    QByteArray m_fromServer;
    QList<QByteArray> m_requestLines;
    int m_connections = 0;
    int m_applied[7] = {};
    Link m_link;
    Bucket m_up;   // client -> server
    Bucket m_down; // server -> client
    QElapsedTimer m_linkClock;
    std::mt19937 m_random{1};
    int m_linkFaults = 0;
    QList<Exchange> m_exchanges;
    QTimer m_outageTimer;
    double m_outageUntilMs = -1; // link time
    int m_outages = 0;
    int m_outageResets = 0;
    int m_outageRefused = 0;
    qint64 m_deliveredToClient = 0;
};

} // namespace liaison::test
