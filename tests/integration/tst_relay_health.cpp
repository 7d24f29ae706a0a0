// Issue 9 point 6: /v1/health performs a write and a read against the storage within its own
// deadline and answers 503 with the reason when it cannot; a storage failure is 503 to clients,
// never 401. The PostgreSQL case stops a cluster of its own (scripts/pg-cluster), never the one
// the suite shares.

#include "relaytestkit.h"
#include "testmain.h"

#include <QFileInfo>
#include <QTest>

using namespace liaison;
using namespace liaison::relaytest;

namespace {

QString sourceRoot()
{
    // __FILE__ is relative to the build directory (where the compiler ran) or absolute.
    QFileInfo here(QStringLiteral(__FILE__));
    for (const QString &base :
         {qEnvironmentVariable("LIAISON_TEST_BIN_DIR"), QDir::currentPath()}) {
        if (!here.isRelative() || here.exists())
            break;
        here = QFileInfo(QDir(base), QStringLiteral(__FILE__));
    }
    return QDir(here.absolutePath() + QStringLiteral("/../..")).canonicalPath();
}

Reply health(quint16 opsPort, qint64 *elapsedMs = nullptr)
{
    QElapsedTimer t;
    t.start();
    HttpConnection c(opsPort);
    Reply r = c.request("GET", "/v1/health", {}, {}, 20000);
    if (elapsedMs)
        *elapsedMs = t.elapsed();
    return r;
}

} // namespace

class TestRelayHealth : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // Another process holds SQLite's write lock: health says so within its deadline (today it
    // ran SELECT 1 and said ok), and says ok again once the lock is gone.
    void lockedSqliteIsUnhealthy()
    {
        RelayEnv env;
        QVERIFY2(env.setUp(QStringLiteral("sqlite")), qPrintable(env.error));
        QVERIFY2(env.startRelay(), qPrintable(env.error));
        Reply r = health(env.relay->opsPort);
        QCOMPARE(r.status, 200);

        QProcess locker;
        locker.start(QStringLiteral("sqlite3"), {env.backend.sqlitePath});
        QVERIFY(locker.waitForStarted(5000));
        locker.write("PRAGMA busy_timeout=10000;\nBEGIN EXCLUSIVE;\nSELECT 'locked';\n");
        QElapsedTimer t;
        t.start();
        while (!locker.readAllStandardOutput().contains("locked") && t.elapsed() < 10000)
            locker.waitForReadyRead(200);

        qint64 ms = 0;
        r = health(env.relay->opsPort, &ms);
        QCOMPARE(r.status, 503);
        QCOMPARE(r.json().value(QStringLiteral("status")).toString(),
                 QStringLiteral("unavailable"));
        QVERIFY(r.json().value(QStringLiteral("storage")).toString() != QLatin1String("ok"));
        QVERIFY(!r.json().value(QStringLiteral("reason")).toString().isEmpty());
        QVERIFY2(ms < 8000, qPrintable(QStringLiteral("health took %1 ms").arg(ms)));

        locker.write("ROLLBACK;\n.quit\n");
        locker.closeWriteChannel();
        QVERIFY(locker.waitForFinished(10000));
        // The writer may still be waiting out its busy timeout on the old probe.
        t.restart();
        do {
            r = health(env.relay->opsPort);
        } while (r.status != 200 && t.elapsed() < 20000);
        QCOMPARE(r.status, 200);
        env.tearDown();
    }

    // PostgreSQL stops under a running relay: a signed device request is 503 (storage), not
    // 401 (today: unknown_key), and health is 503 with the reason.
    void stoppedPostgresIs503Not401()
    {
        QTemporaryDir pgDir;
        QVERIFY(pgDir.isValid());
        const QString script = sourceRoot() + QStringLiteral("/scripts/pg-cluster");
        QVERIFY2(QFile::exists(script), qPrintable(script));
        QProcess pg;
        pg.start(script, {QStringLiteral("start"), pgDir.path()});
        QVERIFY(pg.waitForFinished(120000));
        QCOMPARE(pg.exitCode(), 0);
        const QString url = QString::fromLatin1(pg.readAllStandardOutput().trimmed());
        QVERIFY(url.startsWith(QLatin1String("postgresql://")));
        auto stopCluster = [&] {
            QProcess::execute(script, {QStringLiteral("stop"), pgDir.path()});
        };

        RelayEnv env;
        env.dir = std::make_unique<QTemporaryDir>();
        env.dep = std::make_unique<Deployment>();
        env.backend.kind = QStringLiteral("postgres");
        env.backend.dbUrl = url;
        if (!env.startRelay()) {
            stopCluster();
            QFAIL(qPrintable(env.error));
        }
        DeviceIdentity dev;
        HttpConnection c(env.relay->port);
        Signer admin = adminSigner(*env.dep);
        QCOMPARE(registerDevice(c, admin, dev).status, 200);
        Signer ds = deviceSigner(*env.dep, dev);
        QCOMPARE(signedCall(c, ds, "GET", "/v1/mailbox").status, 200);
        QCOMPARE(health(env.relay->opsPort).status, 200);

        stopCluster();
        QTest::qWait(2500); // past the relay's device cache

        const Reply r = signedCall(c, ds, "GET", "/v1/mailbox", {}, 30000);
        const Reply h = health(env.relay->opsPort);
        env.tearDown();
        QCOMPARE(r.status, 503);
        QCOMPARE(r.errorCode(), QByteArray("unavailable"));
        QCOMPARE(h.status, 503);
        QVERIFY(!h.json().value(QStringLiteral("reason")).toString().isEmpty());
        QVERIFY(h.json().value(QStringLiteral("storage")).toString() != QLatin1String("ok"));
    }
};

LIAISON_TEST_MAIN(TestRelayHealth)
#include "tst_relay_health.moc"
