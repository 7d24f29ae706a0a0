// Issue 4 test 9 (server part), on SQLite and on PostgreSQL: the relay serves its public address
// over TLS with a certificate made at test time; signed requests work over it; plain HTTP to it
// gets no HTTP answer; the SPKI SHA-256 pin the relay reports (health, log) is the one computed
// from the certificate, which is what the client pins. The relay refuses to run without TLS
// unless --dev-plain-http on a loopback address. (Pin checking is the client's, sync/client.)

#include "relaytestkit.h"
#include "testmain.h"

#include <QCryptographicHash>
#include <QSslCertificate>
#include <QSslKey>
#include <QTest>

using namespace liaison;
using namespace liaison::relaytest;

class TestRelayTls : public QObject
{
    Q_OBJECT

    RelayEnv env;
    QString certPath;
    QString keyPath;

    bool makeCertificate(const QString &dir, const QString &name)
    {
        certPath = dir + QLatin1Char('/') + name + QStringLiteral(".pem");
        keyPath = dir + QLatin1Char('/') + name + QStringLiteral("-key.pem");
        QProcess p;
        p.start(QStringLiteral("openssl"),
                {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                 "-keyout", keyPath, "-out", certPath, "-days", "2", "-subj", "/CN=relay.test",
                 "-addext", "subjectAltName=IP:127.0.0.1"});
        return p.waitForFinished(30000) && p.exitCode() == 0;
    }

    static QByteArray spkiPin(const QString &pemPath)
    {
        QFile f(pemPath);
        if (!f.open(QIODevice::ReadOnly))
            return {};
        const QSslCertificate cert(f.readAll(), QSsl::Pem);
        const QByteArray spki = cert.publicKey().toDer();
        return QCryptographicHash::hash(spki, QCryptographicHash::Sha256).toBase64();
    }

    int runRelayExpectingExit(const QStringList &args)
    {
        QProcess p;
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        e.insert(QStringLiteral("ASAN_OPTIONS"), QStringLiteral("detect_leaks=0"));
        p.setProcessEnvironment(e);
        p.start(relayBinary(), args);
        if (!p.waitForFinished(20000)) {
            p.kill();
            p.waitForFinished();
            return -100;
        }
        return p.exitCode();
    }

private Q_SLOTS:
    void initTestCase_data() { addBackendRows(); }

    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        QVERIFY2(env.setUp(backend), qPrintable(env.error));
        QVERIFY(makeCertificate(env.dir->path(), QStringLiteral("relay")));
    }

    void cleanup() { env.tearDown(); }

    void servesSignedRequestsOverTls()
    {
        QVERIFY2(env.startRelay({"--tls-cert", certPath, "--tls-key", keyPath}, false),
                 qPrintable(env.error));
        HttpConnection c(env.relay->port, true);
        QVERIFY(c.connectNow());
        auto *ssl = qobject_cast<QSslSocket *>(c.socket());
        QVERIFY(ssl && ssl->isEncrypted());
        QVERIFY(ssl->sessionProtocol() == QSsl::TlsV1_3 || ssl->sessionProtocol() == QSsl::TlsV1_2);
        // The certificate the relay presents is the one we made.
        QCOMPARE(QCryptographicHash::hash(ssl->peerCertificate().publicKey().toDer(),
                                          QCryptographicHash::Sha256)
                     .toBase64(),
                 spkiPin(certPath));

        Signer admin = adminSigner(*env.dep);
        DeviceIdentity dev;
        QCOMPARE(registerDevice(c, admin, dev).status, 200);
        Signer ds = deviceSigner(*env.dep, dev);
        const Built e = deviceEnvelope(*env.dep, dev, 1);
        QCOMPARE(signedCall(c, ds, "POST", "/v1/envelopes", e.bytes).status, 200);
        Signer hq = hqSigner(*env.dep);
        const auto items = drainMailbox(c, hq);
        QCOMPARE(items.size(), 1);
        QCOMPARE(items[0].data, e.bytes);

        // The pin the relay reports is the certificate's SPKI hash.
        HttpConnection ops(env.relay->opsPort);
        const Reply h = ops.request("GET", "/v1/health");
        QCOMPARE(h.json().value("tls_spki_sha256").toString().toLatin1(), spkiPin(certPath));
        QVERIFY(env.relay->log().contains(spkiPin(certPath)));

        // Plain HTTP to the TLS port: no HTTP answer.
        HttpConnection plain(env.relay->port, false);
        const Reply r = plain.request("GET", "/v1/hq-cert", {}, {}, 3000);
        QCOMPARE(r.status, -1);
    }

    void refusesToRunWithoutTlsOffLoopback()
    {
        const QStringList base{"--db",         env.backend.dbUrl, "--root-key", env.dep->rootHex(),
                               "--ops-listen", "127.0.0.1:0"};
        // No TLS and no development flag.
        QCOMPARE(runRelayExpectingExit(base + QStringList{"--listen", "127.0.0.1:0"}), 2);
        // The development flag off loopback.
        QCOMPARE(
            runRelayExpectingExit(base + QStringList{"--listen", "0.0.0.0:0", "--dev-plain-http"}),
            2);
        // A key that does not match the certificate.
        const QString goodCert = certPath;
        QVERIFY(makeCertificate(env.dir->path(), QStringLiteral("other")));
        QCOMPARE(runRelayExpectingExit(base + QStringList{"--listen", "127.0.0.1:0", "--tls-cert",
                                                          goodCert, "--tls-key", keyPath}),
                 1);
        // --help explains the flags and exits 0.
        QProcess help;
        help.start(relayBinary(), {"--help"});
        QVERIFY(help.waitForFinished(20000));
        QCOMPARE(help.exitCode(), 0);
        const QByteArray text = help.readAllStandardOutput();
        for (const char *flag : {"--listen", "--ops-listen", "--db", "--root-key", "--tls-cert",
                                 "--tls-key", "--dev-plain-http", "LIAISON_RELAY_"})
            QVERIFY2(text.contains(flag), flag);
    }
};

LIAISON_TEST_MAIN(TestRelayTls)
#include "tst_relay_tls.moc"
