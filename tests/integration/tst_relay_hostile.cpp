// Issue 9, "a hostile-client test that stays": drives the attacks of issue 9 against a real
// relay on loopback, on SQLite and on PostgreSQL, in bounded loops, and checks during and after
// each that health answers, legitimate traffic (a device posting to HQ, HQ pulling) is served,
// and the relay's peak memory (VmHWM) stays bounded.

#include "relaytestkit.h"
#include "testmain.h"

#include <QTest>

using namespace liaison;
using namespace liaison::relaytest;

namespace {
// Peak resident memory allowed for the whole run (an ASan build: shadow memory and a 16 MB
// quarantine included; the largest legitimate holding is a few 16 MB bodies).
constexpr qint64 kPeakKiB = 400 * 1024;
} // namespace

class TestRelayHostile : public QObject
{
    Q_OBJECT

    RelayEnv env;
    std::unique_ptr<DeviceIdentity> good, flooder;
    std::uint64_t goodSeq = 0;
    std::uint64_t flooderSeq = 0;
    std::int64_t hqCursor = 0;

    // One round of legitimate traffic: the good device posts, HQ pulls and acknowledges.
    bool legitimateRound(QString *why)
    {
        HttpConnection c(env.relay->port);
        Signer ds = deviceSigner(*env.dep, *good);
        const Reply p = signedCall(c, ds, "POST", "/v1/envelopes",
                                   deviceEnvelope(*env.dep, *good, ++goodSeq).bytes);
        if (p.status != 200) {
            *why =
                QStringLiteral("device post: %1 %2").arg(p.status).arg(QString::fromLatin1(p.body));
            return false;
        }
        Signer hq = hqSigner(*env.dep);
        const Reply m =
            signedCall(c, hq, "GET",
                       "/v1/mailbox?after=" + QByteArray::number(qint64(hqCursor)) + "&limit=500");
        if (m.status != 200) {
            *why = QStringLiteral("HQ pull: %1 %2").arg(m.status).arg(QString::fromLatin1(m.body));
            return false;
        }
        hqCursor = m.header("liaison-cursor").toLongLong();
        const Reply a = signedCall(c, hq, "POST", "/v1/mailbox/ack",
                                   jsonBytes({{"through", qint64(hqCursor)}}));
        if (a.status != 200) {
            *why = QStringLiteral("HQ ack: %1").arg(a.status);
            return false;
        }
        return true;
    }

    bool healthy(QString *why)
    {
        HttpConnection c(env.relay->opsPort);
        const Reply r = c.request("GET", "/v1/health", {}, {}, 10000);
        if (r.status != 200)
            *why = QStringLiteral("health: %1 %2").arg(r.status).arg(QString::fromLatin1(r.body));
        return r.status == 200;
    }

    void checkServing(const char *during)
    {
        QString why;
        QVERIFY2(healthy(&why),
                 qPrintable(QString::fromLatin1(during) + QLatin1String(": ") + why));
        QVERIFY2(legitimateRound(&why),
                 qPrintable(QString::fromLatin1(during) + QLatin1String(": ") + why));
        const qint64 peak = env.relay->peakRssKiB();
        QVERIFY2(
            peak > 0 && peak < kPeakKiB,
            qPrintable(QStringLiteral("%1: VmHWM %2 KiB").arg(QLatin1String(during)).arg(peak)));
    }

private Q_SLOTS:
    void initTestCase_data() { addBackendRows(); }

    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        QVERIFY2(env.setUp(backend), qPrintable(env.error));
        QVERIFY2(env.startRelay({"--read-timeout-ms", "1500", "--write-timeout-ms", "3000",
                                 "--sender-quota", "30", "--max-connections-per-address", "300",
                                 "--max-inflight-body", "67108864"}),
                 qPrintable(env.error));
        good = std::make_unique<DeviceIdentity>();
        flooder = std::make_unique<DeviceIdentity>();
        goodSeq = flooderSeq = 0;
        hqCursor = 0;
        HttpConnection c(env.relay->port);
        Signer admin = adminSigner(*env.dep);
        QCOMPARE(registerDevice(c, admin, *good).status, 200);
        QCOMPARE(registerDevice(c, admin, *flooder).status, 200);
    }

    void cleanup()
    {
        if (QTest::currentTestFailed() && env.relay)
            qWarning("relay log tail:\n%s", env.relay->logTail(3000).constData());
        env.tearDown();
    }

    void attacks()
    {
        QElapsedTimer total;
        total.start();
        checkServing("before");

        // 1. Random key ids: refused cheaply after a few lookups.
        {
            HttpConnection a(env.relay->port);
            int limited = 0;
            for (int i = 0; i < 400; ++i) {
                DeviceIdentity stranger;
                Signer ss = deviceSigner(*env.dep, stranger);
                const Reply r = a.request("GET", "/v1/mailbox", {},
                                          ss.headersFor(a.host(), "GET", "/v1/mailbox", {}));
                QVERIFY(r.status == 401 || r.status == 429);
                limited += r.status == 429;
                if (i % 100 == 50)
                    checkServing("random key ids");
            }
            QVERIFY2(limited >= 350, qPrintable(QString::number(limited)));
        }

        // 2. Slow loris: connections that send part of their headers, or announce a body and
        // send none; all are dropped by the read deadline while others are served.
        {
            std::vector<std::unique_ptr<HttpConnection>> loris;
            for (int i = 0; i < 60; ++i) {
                loris.push_back(std::make_unique<HttpConnection>(env.relay->port));
                QVERIFY(loris.back()->sendRaw(
                    i % 2 ? QByteArray("GET /v1/mailbox HTTP/1.1\r\nHost: rel")
                          : QByteArray("POST /v1/envelopes HTTP/1.1\r\nHost: relay\r\n"
                                       "Content-Length: 16000000\r\n\r\n")));
            }
            checkServing("slow loris");
            QTest::qWait(2500);
            int open = 0;
            for (auto &l : loris) {
                l->socket()->waitForReadyRead(10);
                l->socket()->readAll();
                open += l->socket()->state() == QAbstractSocket::ConnectedState;
            }
            QCOMPARE(open, 0);
        }

        // 3. Huge announced bodies and smuggling attempts: refused before reading.
        for (int i = 0; i < 20; ++i) {
            HttpConnection h(env.relay->port);
            QVERIFY(h.sendRaw(i % 2 ? QByteArray("POST /v1/envelopes HTTP/1.1\r\nHost: r\r\n"
                                                 "Content-Length: 1073741824\r\n\r\n")
                                    : QByteArray("POST /v1/envelopes HTTP/1.1\r\nHost: r\r\n"
                                                 "Transfer-Encoding: chunked, identity\r\n\r\n")));
            const int status = h.readReply(5000).status;
            QVERIFY2(status == (i % 2 ? 413 : 400), qPrintable(QString::number(status)));
        }
        checkServing("huge bodies");

        // 4. Concurrent streamed bodies past the in-flight budget: refused, memory bounded.
        {
            std::vector<std::unique_ptr<HttpConnection>> up;
            const QByteArray block(1024 * 1024, 'u');
            const QByteArray chunk = QByteArray::number(block.size(), 16) + "\r\n" + block + "\r\n";
            for (int i = 0; i < 6; ++i) {
                up.push_back(std::make_unique<HttpConnection>(env.relay->port));
                QVERIFY(up.back()->sendRaw("POST /v1/envelopes HTTP/1.1\r\nHost: r\r\n"
                                           "Transfer-Encoding: chunked\r\n\r\n"));
            }
            for (int round = 0; round < 15; ++round)
                for (auto &u : up)
                    if (u->socket() && u->socket()->state() == QAbstractSocket::ConnectedState) {
                        u->socket()->write(chunk);
                        u->socket()->waitForBytesWritten(200);
                    }
            checkServing("streamed bodies");
        }

        // 5. One device floods HQ's mailbox: refused at its quota, the other device is not.
        {
            HttpConnection f(env.relay->port);
            Signer fs = deviceSigner(*env.dep, *flooder);
            int refused = 0;
            for (int i = 0; i < 40; ++i) {
                const Reply r = signedCall(f, fs, "POST", "/v1/envelopes",
                                           deviceEnvelope(*env.dep, *flooder, ++flooderSeq).bytes);
                refused += r.status == 429;
            }
            QCOMPARE(refused, 10);
            checkServing("mailbox flood");
        }

        // 6. Connection flood past the per-address cap: fast 503s, then served again.
        {
            std::vector<std::unique_ptr<QTcpSocket>> flood;
            for (int i = 0; i < 320; ++i) {
                flood.push_back(std::make_unique<QTcpSocket>());
                flood.back()->connectToHost(QStringLiteral("127.0.0.1"), env.relay->port);
            }
            for (auto &s : flood)
                s->waitForConnected(2000);
            QString why;
            QVERIFY2(healthy(&why), qPrintable(why));
            HttpConnection extra(env.relay->port);
            const Reply r = extra.request("GET", "/v1/hq-cert", {}, {}, 5000);
            QCOMPARE(r.status, 503);
            flood.clear();
            QTest::qWait(500);
            checkServing("after connection flood");
        }
        qInfo("all attacks in %lld ms; relay VmHWM %lld KiB", total.elapsed(),
              env.relay->peakRssKiB());
    }
};

LIAISON_TEST_MAIN(TestRelayHostile)
#include "tst_relay_hostile.moc"
