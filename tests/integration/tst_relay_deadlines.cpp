// Issue 9 point 4: deadlines follow progress. A request that announces a body and sends nothing
// is dropped at the read deadline; body and response deadlines are minimum-rate based, so a
// slow but steady reader of a large envelope completes; connections are capped per client
// address, and behind a proxy named by --trusted-proxy per forwarded client (X-Forwarded-For is
// believed from that address only). Transport behaviour: SQLite only.

#include "relaytestkit.h"
#include "testmain.h"

#include <QTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

using namespace liaison;
using namespace liaison::relaytest;

namespace {

// A raw loopback socket with a small receive buffer, set before connecting (so the window the
// relay sees is small from the start).
int smallBufferSocket(quint16 port, int rcvbuf)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

struct SlowRead
{
    qint64 bodyBytes = 0;
    qint64 contentLength = -1;
    qint64 elapsedMs = 0;
    bool closedEarly = false;
};

// Reads one response at about `bytesPerSecond`, in small pieces.
SlowRead readSlowly(int fd, qint64 bytesPerSecond, qint64 limitMs)
{
    SlowRead out;
    QByteArray head;
    QElapsedTimer t;
    t.start();
    qint64 total = 0;
    char buf[8192];
    for (;;) {
        if (t.elapsed() > limitMs)
            break;
        // Keep to the rate: sleep until the bytes read so far are due.
        const qint64 dueMs = total * 1000 / bytesPerSecond;
        if (dueMs > t.elapsed())
            QThread::msleep(std::uint64_t(dueMs - t.elapsed()));
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 5000) <= 0)
            break;
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) {
            out.closedEarly = true;
            break;
        }
        total += n;
        if (out.contentLength < 0) {
            head.append(buf, n);
            const qsizetype end = head.indexOf("\r\n\r\n");
            if (end < 0)
                continue;
            static const QRegularExpression re(QStringLiteral("(?i)content-length:\\s*(\\d+)"));
            const auto m = re.match(QString::fromLatin1(head.left(end)));
            out.contentLength = m.hasMatch() ? m.captured(1).toLongLong() : 0;
            out.bodyBytes = head.size() - (end + 4);
        } else {
            out.bodyBytes += n;
        }
        if (out.contentLength >= 0 && out.bodyBytes >= out.contentLength)
            break;
    }
    out.elapsedMs = t.elapsed();
    return out;
}

// Sends an unsigned GET on a new connection and reads the answer's status (-1: none).
int statusOfNewConnection(quint16 port, std::unique_ptr<HttpConnection> &keep,
                          const QByteArray &forwardedFor = {})
{
    keep = std::make_unique<HttpConnection>(port);
    QList<QPair<QByteArray, QByteArray>> h;
    if (!forwardedFor.isEmpty())
        h.append({"X-Forwarded-For", forwardedFor});
    return keep->request("GET", "/v1/hq-cert", {}, h, 5000).status;
}

} // namespace

class TestRelayDeadlines : public QObject
{
    Q_OBJECT

    RelayEnv env;

private Q_SLOTS:
    void init() { QVERIFY2(env.setUp(QStringLiteral("sqlite")), qPrintable(env.error)); }
    void cleanup() { env.tearDown(); }

    void silentBodyIsDroppedAtTheReadDeadline()
    {
        QVERIFY2(env.startRelay({"--read-timeout-ms", "1500"}), qPrintable(env.error));
        HttpConnection c(env.relay->port);
        QElapsedTimer t;
        t.start();
        QVERIFY(c.sendRaw("POST /v1/envelopes HTTP/1.1\r\nHost: relay\r\nContent-Length: 16000000"
                          "\r\n\r\n"));
        QTcpSocket *s = c.socket();
        while (s->state() == QAbstractSocket::ConnectedState && t.elapsed() < 15000) {
            s->waitForReadyRead(200);
            s->readAll();
        }
        const qint64 ms = t.elapsed();
        qInfo("16 MB announced, nothing sent: connection closed after %lld ms", ms);
        QVERIFY2(s->state() != QAbstractSocket::ConnectedState, "still open after 15 s");
        QVERIFY2(ms < 4000, qPrintable(QString::number(ms)));
        // Sending a little and then nothing: dropped too, at the read deadline plus what was
        // sent at the minimum rate (1.5 s + 100000 B / 16384 B/s = 7.6 s).
        HttpConnection d(env.relay->port);
        t.restart();
        QVERIFY(d.sendRaw("POST /v1/envelopes HTTP/1.1\r\nHost: relay\r\nContent-Length: 16000000"
                          "\r\n\r\n" +
                          QByteArray(100000, 'x')));
        s = d.socket();
        while (s->state() == QAbstractSocket::ConnectedState && t.elapsed() < 15000) {
            s->waitForReadyRead(200);
            s->readAll();
        }
        QVERIFY2(t.elapsed() < 10000, qPrintable(QString::number(t.elapsed())));
    }

    void slowSteadyReaderCompletes()
    {
        // A short write deadline: a fixed one would cut this reader off after 2 s.
        QVERIFY2(env.startRelay({"--write-timeout-ms", "2000"}), qPrintable(env.error));
        HttpConnection c(env.relay->port);
        Signer admin = adminSigner(*env.dep);
        DeviceIdentity dev;
        QCOMPARE(registerDevice(c, admin, dev).status, 200);
        Signer ds = deviceSigner(*env.dep, dev);
        const QByteArray body(8 * 1024 * 1024, 'e');
        const Built e = deviceEnvelope(*env.dep, dev, 1, body);
        QCOMPARE(signedCall(c, ds, "POST", "/v1/envelopes", e.bytes, 60000).status, 200);

        const int fd = smallBufferSocket(env.relay->port, 16 * 1024);
        QVERIFY(fd >= 0);
        Signer hq = hqSigner(*env.dep);
        const QByteArray host = "127.0.0.1:" + QByteArray::number(env.relay->port);
        QByteArray req = "GET /v1/mailbox HTTP/1.1\r\nHost: " + host + "\r\n";
        for (const auto &[k, v] : hq.headersFor(host, "GET", "/v1/mailbox", {}))
            req += k + ": " + v + "\r\n";
        req += "\r\n";
        QCOMPARE(::send(fd, req.constData(), size_t(req.size()), 0), ssize_t(req.size()));
        const SlowRead r = readSlowly(fd, 1024 * 1024, 60000);
        ::close(fd);
        qInfo("read %lld of %lld bytes in %lld ms (closed early: %d)", r.bodyBytes, r.contentLength,
              r.elapsedMs, int(r.closedEarly));
        QVERIFY(r.contentLength > qint64(body.size()));
        QCOMPARE(r.bodyBytes, r.contentLength);
        QVERIFY2(r.elapsedMs > 4000, "the reader was not slow: the test proves nothing");
    }

    void connectionsAreCappedPerAddress()
    {
        QVERIFY2(env.startRelay({"--max-connections-per-address", "4"}), qPrintable(env.error));
        std::vector<std::unique_ptr<HttpConnection>> held(4);
        for (auto &h : held)
            QCOMPARE(statusOfNewConnection(env.relay->port, h), 200);
        std::unique_ptr<HttpConnection> extra;
        // Not a trusted proxy: X-Forwarded-For changes nothing.
        QCOMPARE(statusOfNewConnection(env.relay->port, extra, "10.9.8.7"), 503);
        QCOMPARE(extra->wire.contains("too many connections"), true);
        held[0].reset();
        QTest::qWait(300);
        QCOMPARE(statusOfNewConnection(env.relay->port, extra), 200);
    }

    void behindATrustedProxyTheCapIsPerForwardedClient()
    {
        QVERIFY2(
            env.startRelay({"--max-connections-per-address", "3", "--trusted-proxy", "127.0.0.1"}),
            qPrintable(env.error));
        std::vector<std::unique_ptr<HttpConnection>> held(3);
        for (auto &h : held)
            QCOMPARE(statusOfNewConnection(env.relay->port, h, "192.0.2.1"), 200);
        std::unique_ptr<HttpConnection> extra, other;
        QCOMPARE(statusOfNewConnection(env.relay->port, extra, "192.0.2.1"), 503);
        // The proxy appends the address it saw: the last entry counts.
        QCOMPARE(statusOfNewConnection(env.relay->port, extra, "192.0.2.2, 192.0.2.1"), 503);
        QCOMPARE(statusOfNewConnection(env.relay->port, other, "192.0.2.1, 198.51.100.7"), 200);
    }
};

LIAISON_TEST_MAIN(TestRelayDeadlines)
#include "tst_relay_deadlines.moc"
