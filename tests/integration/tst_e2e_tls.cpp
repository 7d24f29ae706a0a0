// Issue 4 test 9 against liaison-relay with TLS (both backends): the client accepts the relay
// only when its certificate's public key is pinned. A wrong certificate, or the right host with
// an unpinned key, is refused before any request byte is sent; the pinned key is accepted and a
// signed round works over it. Certificates are made at test time with the openssl CLI. Issue 12
// test 6: each refusal says "TLS key of the relay is not pinned", and a certificate valid for an
// ordinary client (a trusted CA, the right address) is refused all the same when not pinned.

#include "e2eharness.h"
#include "testmain.h"
#include "testtls.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QSslConfiguration>

using namespace liaison;
using namespace liaison::e2e;

class TestE2eTls : public QObject
{
    Q_OBJECT

private:
    relaytest::RelayEnv m_env;
    TestClock m_clock;
    test::TestCertificate m_good;
    test::TestCertificate m_sameHost;
    test::TestCertificate m_wrongName;

    bool startTlsRelay(const test::TestCertificate &cert)
    {
        if (m_env.relay)
            m_env.relay->stop();
        return m_env.startRelay({QStringLiteral("--tls-cert"), cert.certPath,
                                 QStringLiteral("--tls-key"), cert.keyPath},
                                /*plainHttp*/ false);
    }

    // One unauthenticated GET over TLS with the given pins.
    client::RelayReply get(const QList<client::SpkiPin> &pins, const QByteArray &path)
    {
        QNetworkAccessManager nam;
        client::RelayHttp http(&nam, endpointFor(*m_env.dep, m_env.relay->port, true, pins),
                               [this] { return m_clock.wallMs(); });
        std::optional<client::RelayReply> got;
        http.call("GET", path, {}, std::nullopt, 15000,
                  [&](const client::RelayReply &r) { got = r; });
        if (!waitFor([&] { return got.has_value(); }, 30000))
            return {};
        return *got;
    }

private Q_SLOTS:
    void initTestCase_data() { relaytest::addBackendRows(); }
    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        QVERIFY2(m_env.setUp(backend), qPrintable(m_env.error));
        const QString d = m_env.dir->path();
        m_good = test::makeSelfSignedCertificate(
            d, QStringLiteral("good"), QStringLiteral("127.0.0.1"), QStringLiteral("IP:127.0.0.1"));
        m_sameHost = test::makeSelfSignedCertificate(d, QStringLiteral("samehost"),
                                                     QStringLiteral("127.0.0.1"),
                                                     QStringLiteral("IP:127.0.0.1"));
        m_wrongName = test::makeSelfSignedCertificate(d, QStringLiteral("wrong"),
                                                      QStringLiteral("evil.example"),
                                                      QStringLiteral("DNS:evil.example"));
        QVERIFY(!m_good.certPem.isEmpty() && !m_sameHost.certPem.isEmpty() &&
                !m_wrongName.certPem.isEmpty());
    }
    void cleanup() { m_env.tearDown(); }

    void pinnedKeyAcceptedOthersRefused();
    void validCertificateNotPinnedIsRefused();
};

void TestE2eTls::pinnedKeyAcceptedOthersRefused()
{
    const client::SpkiPin goodPin = client::spkiSha256(QSslCertificate(m_good.certPem, QSsl::Pem));

    // The relay serving the pinned key: accepted; the relay's own start-up line prints the same
    // pin.
    QVERIFY2(startTlsRelay(m_good), qPrintable(m_env.error));
    {
        static const QRegularExpression re(QStringLiteral("SPKI SHA-256, base64\\): (\\S+)"));
        const auto m = re.match(QString::fromLatin1(m_env.relay->log()));
        QVERIFY2(m.hasMatch(), m_env.relay->logTail().constData());
        QCOMPARE(client::parseSpkiPin(m.captured(1).toLatin1()).value(), goodPin);
    }
    const client::RelayReply ok = get({goodPin}, "/v1/hq-cert");
    QCOMPARE(ok.status, 200);
    QCOMPARE(ok.body, m_env.dep->cert);

    // A signed round over TLS: HQ registers a device (admin key) and the device syncs.
    HqNode hq(*m_env.dep, m_clock);
    QVERIFY(hq.open(m_env.dir->path()));
    const auto endpoint = endpointFor(*m_env.dep, m_env.relay->port, true, {goodPin});
    hq.connectTo(endpoint);
    DeviceNode dev(*m_env.dep, m_clock);
    QVERIFY(dev.open(m_env.dir->path(), hq));
    client::SyncClientOptions o;
    o.longPoll = false;
    dev.connectTo(endpoint, o);
    QVERIFY(enrol(hq, dev, {QStringLiteral("post:vienna")}));
    QVERIFY(hq.syncOnce());
    QVERIFY(dev.syncOnce());
    auto st = dev.receiver->state(protocol::hqParticipantId());
    QVERIFY(st && st->has_value() && (*st)->applied.seq >= 1); // the RESYNC arrived over TLS

    // The same relay, but the client pins another key (as if the code named another relay):
    // refused, nothing reaches the relay's request log.
    const client::SpkiPin otherPin =
        client::spkiSha256(QSslCertificate(m_sameHost.certPem, QSsl::Pem));
    const QByteArray logBefore = m_env.relay->log();
    const client::RelayReply refusedPin =
        get({otherPin}, "/v1/wipe/0123456789abcdef0123456789abcdef");
    QCOMPARE(refusedPin.status, 0);
    QVERIFY(refusedPin.pinRefused);
    QTest::qWait(200);
    QVERIFY(!m_env.relay->log().mid(logBefore.size()).contains("/v1/wipe/"));

    // The right host with an unpinned key (a valid certificate for 127.0.0.1, another key).
    QVERIFY2(startTlsRelay(m_sameHost), qPrintable(m_env.error));
    const client::RelayReply sameHost = get({goodPin}, "/v1/hq-cert");
    QCOMPARE(sameHost.status, 0);
    QVERIFY(sameHost.pinRefused);
    QCOMPARE(sameHost.describe(), QStringLiteral("TLS key of the relay is not pinned"));

    // A wrong certificate altogether (another name, another key).
    QVERIFY2(startTlsRelay(m_wrongName), qPrintable(m_env.error));
    const client::RelayReply wrong = get({goodPin}, "/v1/hq-cert");
    QCOMPARE(wrong.status, 0);
    QVERIFY(wrong.pinRefused);
    QCOMPARE(wrong.describe(), QStringLiteral("TLS key of the relay is not pinned"));

    // The sync client refuses it too: its round fails, nothing is marked, it backs off.
    client::SyncClientOptions o2;
    o2.longPoll = false;
    DeviceNode dev2(*m_env.dep, m_clock);
    QVERIFY(dev2.open(m_env.dir->path(), hq));
    dev2.connectTo(endpointFor(*m_env.dep, m_env.relay->port, true, {goodPin}), o2);
    QVERIFY(!dev2.syncOnce());
    QVERIFY(dev2.client->status()->lastError().contains(QLatin1String("not pinned")));
}

// Issue 12 test 6: a certificate that any ordinary client accepts (issued for 127.0.0.1 by a CA
// that client trusts) is still refused when its key is not the pinned one, with a clear message;
// the pin, not the CA system, decides.
void TestE2eTls::validCertificateNotPinnedIsRefused()
{
    const auto valid =
        test::makeCaSignedCertificate(m_env.dir->path(), QStringLiteral("valid"),
                                      QStringLiteral("127.0.0.1"), QStringLiteral("IP:127.0.0.1"));
    QVERIFY(!valid.leaf.certPem.isEmpty() && !valid.caCertPem.isEmpty());
    QVERIFY2(startTlsRelay(valid.leaf), qPrintable(m_env.error));

    // Valid: a client trusting the CA (and no pin) completes the handshake and gets an answer.
    {
        QNetworkAccessManager nam;
        QNetworkRequest request(
            QUrl(QStringLiteral("https://127.0.0.1:%1/v1/hq-cert").arg(m_env.relay->port)));
        QSslConfiguration conf = QSslConfiguration::defaultConfiguration();
        conf.setCaCertificates({QSslCertificate(valid.caCertPem, QSsl::Pem)});
        request.setSslConfiguration(conf);
        QNetworkReply *reply = nam.get(request);
        QList<QSslError> sslErrors;
        QObject::connect(reply, &QNetworkReply::sslErrors, reply,
                         [&](const QList<QSslError> &e) { sslErrors = e; });
        QVERIFY(waitFor([&] { return reply->isFinished(); }, 30000));
        QVERIFY2(sslErrors.isEmpty(), qPrintable(sslErrors.value(0).errorString()));
        QCOMPARE(reply->error(), QNetworkReply::NoError);
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        reply->deleteLater();
    }

    // Not pinned: refused before any request, and the reply says why.
    const client::SpkiPin goodPin = client::spkiSha256(QSslCertificate(m_good.certPem, QSsl::Pem));
    const QByteArray logBefore = m_env.relay->log();
    const client::RelayReply refused = get({goodPin}, "/v1/wipe/0123456789abcdef0123456789abcdef");
    QCOMPARE(refused.status, 0);
    QVERIFY(refused.pinRefused);
    QCOMPARE(refused.describe(), QStringLiteral("TLS key of the relay is not pinned"));
    QTest::qWait(200);
    QVERIFY(!m_env.relay->log().mid(logBefore.size()).contains("/v1/wipe/"));

    // Pinning the CA's key instead of the relay's does not help either: the pin is the leaf's.
    const client::SpkiPin caPin = client::spkiSha256(QSslCertificate(valid.caCertPem, QSsl::Pem));
    const client::RelayReply caPinned = get({caPin}, "/v1/hq-cert");
    QCOMPARE(caPinned.status, 0);
    QVERIFY(caPinned.pinRefused);

    // The sync client: its round fails with the same sentence in its status.
    HqNode hq(*m_env.dep, m_clock);
    QVERIFY(hq.open(m_env.dir->path()));
    DeviceNode dev(*m_env.dep, m_clock);
    QVERIFY(dev.open(m_env.dir->path(), hq));
    client::SyncClientOptions o;
    o.longPoll = false;
    dev.connectTo(endpointFor(*m_env.dep, m_env.relay->port, true, {goodPin}), o);
    QVERIFY(!dev.syncOnce());
    QVERIFY2(dev.client->status()->lastError().contains(
                 QLatin1String("TLS key of the relay is not pinned")),
             qPrintable(dev.client->status()->lastError()));

    // The pinned leaf key of the same valid certificate: accepted.
    const client::SpkiPin validPin =
        client::spkiSha256(QSslCertificate(valid.leaf.certPem, QSsl::Pem));
    const client::RelayReply ok = get({validPin}, "/v1/hq-cert");
    QCOMPARE(ok.status, 200);
}

LIAISON_TEST_MAIN(TestE2eTls)
#include "tst_e2e_tls.moc"
