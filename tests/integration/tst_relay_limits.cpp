// Issue 4 test 7, on SQLite and on PostgreSQL: a 1 GiB body, announced or streamed, is refused
// with 413 and the relay's memory stays bounded (VmRSS); a client sending one byte a second is
// dropped after the read timeout; malformed headers and JSON get 400 (or 431, 404, 405) and the
// relay goes on serving others.

#include "relaytestkit.h"
#include "testmain.h"

#include <QTest>
#include <QThread>

#include <atomic>

using namespace liaison;
using namespace liaison::relaytest;

namespace {
constexpr qint64 kGiB = 1024LL * 1024 * 1024;
// What the relay may grow while refusing: the in-flight bodies up to the route limit (16 MiB
// each), allocator and sanitizer slack. Clients offer gigabytes.
constexpr qint64 kRssHeadroomKiB = 128 * 1024;

// Streams up to `total` bytes of body (after `head`) on a raw socket until the relay answers or
// closes; returns the bytes sent and the answer (status -1 if none came).
struct StreamOutcome
{
    qint64 sent = 0;
    Reply reply;
    qint64 peakRssKiB = 0;
};

StreamOutcome streamBody(quint16 port, const QByteArray &head, qint64 total, bool chunked,
                         const RelayProcess &relay)
{
    StreamOutcome out;
    HttpConnection c(port);
    if (!c.sendRaw(head))
        return out;
    QTcpSocket *s = c.socket();
    const QByteArray block(64 * 1024, 'B');
    QByteArray chunk = QByteArray::number(block.size(), 16) + "\r\n" + block + "\r\n";
    const QByteArray &piece = chunked ? chunk : block;
    QElapsedTimer t;
    t.start();
    while (out.sent < total && t.elapsed() < 60000) {
        if (s->state() != QAbstractSocket::ConnectedState || s->bytesAvailable() > 0)
            break;
        if (s->bytesToWrite() < 1024 * 1024) {
            s->write(piece);
            out.sent += block.size();
        }
        s->waitForBytesWritten(50);
        if (s->waitForReadyRead(0) || s->bytesAvailable() > 0)
            break;
        if ((out.sent / block.size()) % 64 == 0)
            out.peakRssKiB = std::max(out.peakRssKiB, relay.rssKiB());
    }
    out.peakRssKiB = std::max(out.peakRssKiB, relay.rssKiB());
    out.reply = c.readReply(10000);
    return out;
}
} // namespace

class TestRelayLimits : public QObject
{
    Q_OBJECT

    RelayEnv env;

    // The relay still answers a normal signed request.
    void assertStillServing()
    {
        HttpConnection c(env.relay->port);
        Signer hq = hqSigner(*env.dep);
        const Reply r = signedCall(c, hq, "GET", "/v1/mailbox");
        QCOMPARE(r.status, 200);
    }

private Q_SLOTS:
    void initTestCase_data() { addBackendRows(); }

    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        QVERIFY2(env.setUp(backend), qPrintable(env.error));
        QVERIFY2(env.startRelay({"--read-timeout-ms", "1500"}), qPrintable(env.error));
    }

    void cleanup() { env.tearDown(); }

    void announcedGiBIsRefusedBeforeReading()
    {
        const qint64 before = env.relay->rssKiB();
        QVERIFY(before > 0);
        const QByteArray head = "POST /v1/envelopes HTTP/1.1\r\nHost: relay\r\nContent-Length: " +
                                QByteArray::number(kGiB) + "\r\n\r\n";
        const StreamOutcome o = streamBody(env.relay->port, head, kGiB, false, *env.relay);
        QCOMPARE(o.reply.status, 413);
        QCOMPARE(o.reply.errorCode(), QByteArray("body_too_large"));
        QVERIFY2(o.sent < 256LL * 1024 * 1024, qPrintable(QString::number(o.sent)));
        QVERIFY2(o.peakRssKiB - before < kRssHeadroomKiB,
                 qPrintable(QStringLiteral("RSS %1 -> %2 KiB").arg(before).arg(o.peakRssKiB)));
        // The headers alone, nothing else: refused at once.
        HttpConnection c(env.relay->port);
        QVERIFY(c.sendRaw("PUT /v1/devices/" + randomFixed<Id16>().toHex() +
                          " HTTP/1.1\r\nHost: relay\r\nContent-Length: " +
                          QByteArray::number(kGiB) + "\r\n\r\n"));
        const Reply r = c.readReply(5000);
        QCOMPARE(r.status, 413);
        assertStillServing();
    }

    void streamedGiBIsRefusedWhileReading()
    {
        const qint64 before = env.relay->rssKiB();
        // Three at once: memory must not grow with what clients send.
        std::vector<StreamOutcome> outcomes(3);
        std::vector<std::unique_ptr<QThread>> threads;
        const QByteArray head =
            "POST /v1/envelopes HTTP/1.1\r\nHost: relay\r\nTransfer-Encoding: chunked\r\n\r\n";
        for (std::size_t i = 0; i < outcomes.size(); ++i) {
            threads.emplace_back(QThread::create([&, i] {
                outcomes[i] = streamBody(env.relay->port, head, kGiB, true, *env.relay);
            }));
            threads.back()->start();
        }
        for (auto &t : threads)
            QVERIFY(t->wait(120000));
        qint64 peak = 0;
        for (const auto &o : outcomes) {
            QCOMPARE(o.reply.status, 413);
            QVERIFY2(o.sent < 256LL * 1024 * 1024, qPrintable(QString::number(o.sent)));
            peak = std::max(peak, o.peakRssKiB);
        }
        QVERIFY2(peak - before < kRssHeadroomKiB,
                 qPrintable(QStringLiteral("RSS %1 -> %2 KiB").arg(before).arg(peak)));
        assertStillServing();
    }

    void oneByteASecondIsDropped()
    {
        // A slow header.
        HttpConnection slow(env.relay->port);
        QVERIFY(slow.connectNow());
        const QByteArray line = "GET /v1/mailbox HTTP/1.1\r\nHost: relay\r\n";
        QElapsedTimer t;
        t.start();
        bool dropped = false;
        for (int i = 0; i < line.size() && t.elapsed() < 8000; ++i) {
            slow.socket()->write(line.mid(i, 1));
            slow.socket()->waitForBytesWritten(1000);
            // Meanwhile others are served.
            if (i == 1)
                assertStillServing();
            if (slow.socket()->waitForReadyRead(1000) ||
                slow.socket()->state() != QAbstractSocket::ConnectedState) {
                dropped = true;
                break;
            }
        }
        if (!dropped)
            dropped = !slow.socket()->waitForReadyRead(100) &&
                      slow.socket()->state() != QAbstractSocket::ConnectedState;
        QVERIFY2(dropped, "the slow client was not dropped");
        QVERIFY2(t.elapsed() < 4000, qPrintable(QString::number(t.elapsed())));
        QVERIFY(t.elapsed() >= 1000);

        // A slow body behind complete headers.
        HttpConnection slowBody(env.relay->port);
        QVERIFY(slowBody.sendRaw("POST /v1/envelopes HTTP/1.1\r\nHost: relay\r\nContent-Length: "
                                 "2000\r\n\r\n"));
        t.restart();
        dropped = false;
        while (t.elapsed() < 8000) {
            slowBody.socket()->write("x");
            slowBody.socket()->waitForBytesWritten(1000);
            if (slowBody.socket()->waitForReadyRead(1000) ||
                slowBody.socket()->state() != QAbstractSocket::ConnectedState) {
                dropped = true;
                break;
            }
        }
        QVERIFY2(dropped, "the slow body was not dropped");
        QVERIFY2(t.elapsed() < 4000, qPrintable(QString::number(t.elapsed())));
        assertStillServing();
        // Visible in the metrics as timeouts.
        HttpConnection ops(env.relay->opsPort);
        QVERIFY(ops.request("GET", "/metrics").body.contains("reason=\"timeout\""));
    }

    void malformedRequestsGet400AndOthersAreServed()
    {
        struct Case
        {
            QByteArray raw;
            int status;
        };
        const QList<Case> cases{
            {"GARBAGE\r\n\r\n", 400},
            {"GET /v1/mailbox HTTP/1.1\r\nHost relay\r\n\r\n", 400},
            {"GET /v1/mailbox HTTP/9.9\r\nHost: relay\r\n\r\n", 400},
            {"POST /v1/envelopes HTTP/1.1\r\nHost: relay\r\nContent-Length: abc\r\n\r\n", 400},
            {"POST /v1/envelopes HTTP/1.1\r\nHost: relay\r\nContent-Length: 5\r\nContent-Length: "
             "6\r\n\r\nhello",
             400},
            {"POST /v1/envelopes HTTP/1.1\r\nHost: relay\r\nTransfer-Encoding: "
             "chunked\r\n\r\nZZ\r\n",
             400},
            // Issue 9 point 8: a Transfer-Encoding whose last coding is not chunked has no
            // framing a proxy would agree on (smuggling): 400, also with a Content-Length.
            {"POST /v1/envelopes HTTP/1.1\r\nHost: relay\r\nTransfer-Encoding: gzip\r\n"
             "Content-Length: 5\r\n\r\nhello",
             400},
            {"POST /v1/envelopes HTTP/1.1\r\nHost: relay\r\nTransfer-Encoding: chunked, "
             "identity\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
             400},
            {"GET http://evil/v1/mailbox HTTP/1.1\r\nHost: relay\r\n\r\n", 400},
            {"GET /v1/../v1/mailbox HTTP/1.1\r\nHost: relay\r\n\r\n", 400},
            {"GET /v1/mailbox HTTP/1.1\r\nHost: relay\r\nX-Big: " + QByteArray(20000, 'a') +
                 "\r\n\r\n",
             431},
            {"GET /v1/nothing HTTP/1.1\r\nHost: relay\r\n\r\n", 404},
            {"DELETE /v1/mailbox HTTP/1.1\r\nHost: relay\r\n\r\n", 405},
            {"GET /v1/streams/zz/1 HTTP/1.1\r\nHost: relay\r\n\r\n", 404},
        };
        for (const Case &k : cases) {
            HttpConnection c(env.relay->port);
            QVERIFY(c.sendRaw(k.raw));
            const Reply r = c.readReply(5000);
            QVERIFY2(r.status == k.status,
                     qPrintable(QStringLiteral("%1 for %2")
                                    .arg(r.status)
                                    .arg(QString::fromLatin1(k.raw.left(60)))));
            QVERIFY(!r.errorCode().isEmpty()); // a JSON error body
            assertStillServing();
        }

        // Malformed JSON and queries in signed requests.
        HttpConnection c(env.relay->port);
        Signer admin = adminSigner(*env.dep);
        Signer hq = hqSigner(*env.dep);
        const QByteArray dev = "/v1/devices/" + randomFixed<Id16>().toHex();
        for (const QByteArray &body :
             {QByteArray("{not json"), QByteArray("[]"), QByteArray("{\"version\": \"one\"}"),
              QByteArray("{\"version\": 1.5, \"sign_pk\": \"00\", \"state\": \"active\"}"),
              QByteArray("{\"version\": 1, \"sign_pk\": \"") + QByteArray(64, 'a') +
                  "\", \"state\": \"sleeping\"}"}) {
            const Reply r = signedCall(c, admin, "PUT", dev, body);
            QVERIFY2(r.status == 400, body.constData());
        }
        for (const QByteArray &target :
             {QByteArray("/v1/mailbox?after=abc"), QByteArray("/v1/mailbox?after=-1"),
              QByteArray("/v1/mailbox?limit=0"), QByteArray("/v1/mailbox?colour=red"),
              QByteArray("/v1/mailbox?after=1&after=2")}) {
            const Reply r = signedCall(c, hq, "GET", target);
            QVERIFY2(r.status == 400, target.constData());
        }
        // A query that does not even percent-decode (the client cannot sign it either).
        const Reply bad = c.request("GET", "/v1/mailbox?after=%zz", {},
                                    {{"Liaison-Key", "hq"},
                                     {"Liaison-Time", QByteArray::number(qint64(nowMs()))},
                                     {"Liaison-Nonce", QByteArray(32, '0')},
                                     {"Liaison-Sig", QByteArray(128, '0')}});
        QCOMPARE(bad.status, 400);
        QCOMPARE(signedCall(c, hq, "POST", "/v1/mailbox/ack", "{\"through\": \"x\"}").status, 400);
        QCOMPARE(signedCall(c, hq, "POST", "/v1/mailbox/ack", "{}").status, 400);
        QCOMPARE(signedCall(c, hq, "POST", "/v1/envelopes", "LSE1 short").status, 400);
        assertStillServing();
    }
};

LIAISON_TEST_MAIN(TestRelayLimits)
#include "tst_relay_limits.moc"
