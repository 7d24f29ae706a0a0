// Issue 9 point 8, the smaller points each with a test: the signed audience names this relay by
// default; --max-inflight-body bounds the memory
// of request bodies until they are answered; TLS 1.2 limited to AEAD suites;
// `Expect: 100-continue` answered; SIGTERM does not wait on a stalled uploader; a second relay
// on the same SQLite file is refused; a PostgreSQL password in the URL is never logged.

#include "relaytestkit.h"
#include "testmain.h"

#include <QSslCipher>
#include <QSslConfiguration>
#include <QTest>

using namespace liaison;
using namespace liaison::relaytest;

namespace {

bool makeCertificate(const QString &dir, QString *certPath, QString *keyPath)
{
    *certPath = dir + QStringLiteral("/relay.pem");
    *keyPath = dir + QStringLiteral("/relay-key.pem");
    QProcess p;
    p.start(QStringLiteral("openssl"),
            {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", *keyPath, "-out", *certPath, "-days", "2", "-subj", "/CN=relay.test",
             "-addext", "subjectAltName=IP:127.0.0.1,DNS:relay.test"});
    return p.waitForFinished(30000) && p.exitCode() == 0;
}

// A TLS 1.2 handshake offering only `ciphers`: 1 when it completes, 0 when it fails, -1 when
// this client cannot offer them (the test would prove nothing).
int handshakeWith(quint16 port, const QStringList &ciphers)
{
    QSslSocket s;
    QSslConfiguration conf = QSslConfiguration::defaultConfiguration();
    conf.setProtocol(QSsl::TlsV1_2);
    QList<QSslCipher> list;
    for (const QString &c : ciphers) {
        const QSslCipher cipher(c);
        if (!cipher.isNull())
            list.append(cipher);
    }
    if (list.size() != ciphers.size())
        return -1;
    conf.setCiphers(list);
    conf.setPeerVerifyMode(QSslSocket::VerifyNone);
    s.setSslConfiguration(conf);
    s.connectToHostEncrypted(QStringLiteral("127.0.0.1"), port);
    return s.waitForEncrypted(5000) ? 1 : 0;
}

// A signed GET /v1/mailbox as HQ with the given Host header (signed for that host).
int statusForHost(HttpConnection &c, const Deployment &dep, const QByteArray &host)
{
    Signer hq = hqSigner(dep);
    QByteArray raw = "GET /v1/mailbox HTTP/1.1\r\nHost: " + host + "\r\n";
    for (const auto &[k, v] : hq.headersFor(host, "GET", "/v1/mailbox", {}))
        raw += k + ": " + v + "\r\n";
    raw += "\r\n";
    if (!c.sendRaw(raw))
        return -1;
    const Reply r = c.readReply(10000);
    return r.status == 401 && r.errorCode() != "wrong_audience" ? -401 : r.status;
}

} // namespace

class TestRelaySmall : public QObject
{
    Q_OBJECT

    RelayEnv env;

private Q_SLOTS:
    void init() { QVERIFY2(env.setUp(QStringLiteral("sqlite")), qPrintable(env.error)); }
    void cleanup() { env.tearDown(); }

    void inflightBodyBudgetBoundsMemory()
    {
        // 32 MiB of bodies at once; sixteen 6 MB envelopes arrive while the database is locked
        // by another process (so each waits for the writer with its body in memory).
        QVERIFY2(env.startRelay({"--max-inflight-body", "33554432"}), qPrintable(env.error));
        HttpConnection c(env.relay->port);
        Signer admin = adminSigner(*env.dep);
        DeviceIdentity dev;
        QCOMPARE(registerDevice(c, admin, dev).status, 200);
        Signer ds = deviceSigner(*env.dep, dev);
        QList<QByteArray> requests;
        for (std::uint64_t seq = 1; seq <= 16; ++seq) {
            const Built e = deviceEnvelope(*env.dep, dev, seq, QByteArray(6 * 1024 * 1024, 'm'));
            QByteArray raw = "POST /v1/envelopes HTTP/1.1\r\nHost: " + c.host() +
                             "\r\nContent-Length: " + QByteArray::number(e.bytes.size()) + "\r\n";
            for (const auto &[k, v] : ds.headersFor(c.host(), "POST", "/v1/envelopes", e.bytes))
                raw += k + ": " + v + "\r\n";
            requests.append(raw + "\r\n" + e.bytes);
        }
        QProcess locker;
        locker.start(QStringLiteral("sqlite3"), {env.backend.sqlitePath});
        QVERIFY(locker.waitForStarted(5000));
        locker.write("PRAGMA busy_timeout=10000;\nBEGIN EXCLUSIVE;\nSELECT 'locked';\n");
        QElapsedTimer t;
        t.start();
        while (!locker.readAllStandardOutput().contains("locked") && t.elapsed() < 10000)
            locker.waitForReadyRead(200);
        const qint64 before = env.relay->rssKiB();
        std::vector<std::unique_ptr<HttpConnection>> conns;
        qint64 peak = before;
        for (const QByteArray &r : requests) {
            conns.push_back(std::make_unique<HttpConnection>(env.relay->port));
            // A refused upload may see its connection closed before all of it is sent.
            (void)conns.back()->sendRaw(r);
            peak = std::max(peak, env.relay->rssKiB());
        }
        for (int i = 0; i < 10; ++i) {
            QTest::qWait(100);
            peak = std::max(peak, env.relay->rssKiB());
        }
        locker.write("ROLLBACK;\n.quit\n");
        locker.closeWriteChannel();
        QVERIFY(locker.waitForFinished(10000));
        int stored = 0, refused = 0, dropped = 0;
        for (auto &cn : conns) {
            const Reply r = cn->readReply(30000);
            stored += r.status == 200;
            refused += r.status == 503;
            dropped += r.status == -1; // refused, and reset while the client was still sending
        }
        qInfo("96 MB of bodies against a 32 MiB budget: %d stored, %d refused 503, %d dropped; "
              "RSS grew %lld KiB",
              stored, refused, dropped, peak - before);
        QCOMPARE(stored + refused + dropped, 16);
        QVERIFY(refused > 0);
        refused += dropped;
        QVERIFY2(refused >= 8, qPrintable(QString::number(refused)));
        // The budget and one body being copied, plus allocator and ASan quarantine slack.
        QVERIFY2(peak - before < 72 * 1024, qPrintable(QString::number(peak - before)));
    }

    void refusedBodiesAreFreedAtOnce()
    {
        // A 16 MiB budget. Sixteen 6 MB uploads send 1 MB each (16 MB, within the budget), then
        // 3 MB more each: the budget is crossed again and again, and each crossing refuses one
        // upload with what it has read so far (1 to 4 MB). A refused upload lingers up to a
        // second so its client can read the 503; what it read must be freed at the refusal, not
        // when its connection ends, or the budget bounds nothing.
        env.relayEnv.insert(QStringLiteral("ASAN_OPTIONS"),
                            QStringLiteral("detect_leaks=0:quarantine_size_mb=0:abort_on_error=1"));
        QVERIFY2(env.startRelay({"--max-inflight-body", "16777216"}), qPrintable(env.error));
        HttpConnection c(env.relay->port);
        Signer admin = adminSigner(*env.dep);
        DeviceIdentity dev;
        QCOMPARE(registerDevice(c, admin, dev).status, 200);
        Signer ds = deviceSigner(*env.dep, dev);
        constexpr qsizetype kMiB = 1024 * 1024;
        QList<QByteArray> requests;
        for (std::uint64_t seq = 1; seq <= 16; ++seq) {
            const Built e = deviceEnvelope(*env.dep, dev, seq, QByteArray(6 * kMiB, 'r'));
            QByteArray raw = "POST /v1/envelopes HTTP/1.1\r\nHost: " + c.host() +
                             "\r\nContent-Length: " + QByteArray::number(e.bytes.size()) + "\r\n";
            for (const auto &[k, v] : ds.headersFor(c.host(), "POST", "/v1/envelopes", e.bytes))
                raw += k + ": " + v + "\r\n";
            requests.append(raw + "\r\n" + e.bytes);
        }
        const qint64 before = env.relay->rssKiB();
        std::vector<std::unique_ptr<HttpConnection>> conns;
        for (const QByteArray &r : requests) {
            conns.push_back(std::make_unique<HttpConnection>(env.relay->port));
            QVERIFY(conns.back()->sendRaw(r.left(kMiB)));
        }
        QTest::qWait(300); // the relay reads all of it
        qint64 peak = env.relay->rssKiB();
        for (int i = 0; i < 16; ++i) {
            (void)conns[std::size_t(i)]->sendRaw(requests[i].mid(kMiB, 3 * kMiB));
            peak = std::max(peak, env.relay->rssKiB());
        }
        for (int i = 0; i < 6; ++i) {
            QTest::qWait(50);
            peak = std::max(peak, env.relay->rssKiB());
        }
        int refused = 0;
        for (auto &cn : conns)
            refused += cn->readReply(2000).status == 503;
        qInfo("sixteen uploads of 4 MB each against a 16 MiB budget: %d refused; RSS grew %lld KiB",
              refused, peak - before);
        QVERIFY2(refused >= 8, qPrintable(QString::number(refused)));
        // The budget and slack for the allocator; refused bodies kept until their connections
        // end add many megabytes more.
        QVERIFY2(peak - before < 24 * 1024, qPrintable(QString::number(peak - before)));
    }

    void defaultAudienceNamesThisRelay()
    {
        // Plain HTTP on loopback: the loopback names only.
        QVERIFY2(env.startRelay(), qPrintable(env.error));
        HttpConnection c(env.relay->port);
        QCOMPARE(statusForHost(c, *env.dep, c.host()), 200);
        QCOMPARE(statusForHost(c, *env.dep, "localhost:" + QByteArray::number(env.relay->port)),
                 200);
        QCOMPARE(statusForHost(c, *env.dep, "relay.other-deployment.example"), 401);
        env.relay->stop();
        // TLS: the names of the relay's certificate.
        QString cert, key;
        QVERIFY(makeCertificate(env.dir->path(), &cert, &key));
        QVERIFY2(env.startRelay({"--tls-cert", cert, "--tls-key", key}, false),
                 qPrintable(env.error));
        HttpConnection t(env.relay->port, true);
        QCOMPARE(statusForHost(t, *env.dep, "relay.test"), 200);
        QCOMPARE(statusForHost(t, *env.dep, "127.0.0.1:" + QByteArray::number(env.relay->port)),
                 200);
        QCOMPARE(statusForHost(t, *env.dep, "elsewhere.test"), 401);
    }

    void tls12OffersOnlyAeadSuites()
    {
        QString cert, key;
        QVERIFY(makeCertificate(env.dir->path(), &cert, &key));
        QVERIFY2(env.startRelay({"--tls-cert", cert, "--tls-key", key}, false),
                 qPrintable(env.error));
        // The AEAD suite works (so a failure below is the suite's, not the set-up's).
        QCOMPARE(handshakeWith(env.relay->port, {"ECDHE-ECDSA-AES128-GCM-SHA256"}), 1);
        QCOMPARE(handshakeWith(env.relay->port,
                               {"ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA",
                                "ECDHE-ECDSA-AES128-SHA256", "ECDHE-ECDSA-AES256-SHA384"}),
                 0);
    }

    void expectContinueIsAnswered()
    {
        QVERIFY2(env.startRelay(), qPrintable(env.error));
        HttpConnection c(env.relay->port);
        Signer admin = adminSigner(*env.dep);
        DeviceIdentity dev;
        QCOMPARE(registerDevice(c, admin, dev).status, 200);
        Signer ds = deviceSigner(*env.dep, dev);
        const Built e = deviceEnvelope(*env.dep, dev, 1);
        QByteArray head =
            "POST /v1/envelopes HTTP/1.1\r\nHost: " + c.host() +
            "\r\nExpect: 100-continue\r\nContent-Length: " + QByteArray::number(e.bytes.size()) +
            "\r\n";
        for (const auto &[k, v] : ds.headersFor(c.host(), "POST", "/v1/envelopes", e.bytes))
            head += k + ": " + v + "\r\n";
        head += "\r\n";
        HttpConnection u(env.relay->port);
        QVERIFY(u.sendRaw(head));
        // The client waits for the interim answer before sending the body.
        const Reply interim = u.readReply(3000);
        QCOMPARE(interim.status, 100);
        QVERIFY(u.sendRaw(e.bytes));
        const Reply r = u.readReply(10000);
        QCOMPARE(r.status, 200);
        // A body refused from its announced size gets the refusal instead of 100.
        HttpConnection big(env.relay->port);
        QVERIFY(big.sendRaw("POST /v1/envelopes HTTP/1.1\r\nHost: relay\r\nExpect: "
                            "100-continue\r\nContent-Length: 999999999\r\n\r\n"));
        QCOMPARE(big.readReply(3000).status, 413);
    }

    void stopDoesNotWaitForAStalledUploader()
    {
        QVERIFY2(env.startRelay(), qPrintable(env.error));
        HttpConnection c(env.relay->port);
        QVERIFY(c.sendRaw("POST /v1/envelopes HTTP/1.1\r\nHost: relay\r\nContent-Length: 1000000"
                          "\r\n\r\nabc"));
        QTest::qWait(200);
        QElapsedTimer t;
        t.start();
        QCOMPARE(env.relay->terminate(30000), 0);
        qInfo("stopped in %lld ms with a stalled upload open", t.elapsed());
        QVERIFY2(t.elapsed() < 3000, qPrintable(QString::number(t.elapsed())));
    }

    void secondRelayOnTheSameSqliteFileIsRefused()
    {
        QVERIFY2(env.startRelay(), qPrintable(env.error));
        RelayProcess second;
        QVERIFY(!second.start(*env.dir, env.backend, *env.dep));
        QVERIFY2(second.log().contains("another liaison-relay"), second.logTail().constData());
        // The first one still serves.
        HttpConnection c(env.relay->port);
        Signer hq = hqSigner(*env.dep);
        QCOMPARE(signedCall(c, hq, "GET", "/v1/mailbox").status, 200);
    }

    void postgresPasswordIsNeverLogged()
    {
        Backend pg;
        QString error;
        QVERIFY2(makeBackend(QStringLiteral("postgres"), *env.dir, pg, &error), qPrintable(error));
        // The test cluster trusts every local connection: any password is accepted.
        const QByteArray secret = "Pw-" + randomBytes(8).toHex();
        QUrl url(pg.pgUrl);
        url.setPassword(QString::fromLatin1(secret));
        Backend withPassword = pg;
        withPassword.dbUrl = url.toString();
        RelayProcess relay;
        QVERIFY2(relay.start(*env.dir, withPassword, *env.dep), relay.logTail().constData());
        HttpConnection c(relay.port);
        Signer hq = hqSigner(*env.dep);
        QCOMPARE(signedCall(c, hq, "GET", "/v1/mailbox").status, 200);
        QCOMPARE(relay.terminate(), 0);
        // And a database that does not exist: the failure is reported, the password is not.
        QUrl missing = url;
        missing.setPath(QStringLiteral("/no_such_db_") +
                        QString::fromLatin1(randomBytes(4).toHex()));
        Backend broken = withPassword;
        broken.dbUrl = missing.toString();
        RelayProcess failing;
        QVERIFY(!failing.start(*env.dir, broken, *env.dep));
        QTest::qWait(500);
        const QByteArray logs = relay.log() + failing.log();
        dropBackend(pg);
        QVERIFY2(!logs.isEmpty(), "no log captured");
        QVERIFY2(!logs.contains(secret), logs.right(3000).constData());
    }
};

LIAISON_TEST_MAIN(TestRelaySmall)
#include "tst_relay_small.moc"
