// Issue 9 point 7, on SQLite and on PostgreSQL: cheap refusals first. One client sending signed
// requests under random key ids must not cost one database query each (a per-address limiter
// and a short negative cache stop it before any database work), the refusals must not flood the
// log (rate-limited log lines), and a registered device and HQ on the same address keep being
// served meanwhile.

#include "relaytestkit.h"
#include "testmain.h"

#include <QTest>

using namespace liaison;
using namespace liaison::relaytest;

namespace {

// One counter of the relay's /metrics (operations address), or -1 when it has none.
qint64 metric(quint16 opsPort, const QByteArray &name)
{
    HttpConnection c(opsPort);
    const Reply r = c.request("GET", "/metrics");
    for (const QByteArray &line : r.body.split('\n'))
        if (line.startsWith(name + ' '))
            return line.mid(name.size() + 1).trimmed().toLongLong();
    return -1;
}

qsizetype refusalLogLines(const QByteArray &log)
{
    qsizetype n = 0;
    for (const QByteArray &line : log.split('\n'))
        if (line.contains(" status=4") || line.contains(" status=5"))
            ++n;
    return n;
}

} // namespace

class TestRelayRefusals : public QObject
{
    Q_OBJECT

    RelayEnv env;

private Q_SLOTS:
    void initTestCase_data() { addBackendRows(); }

    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        QVERIFY2(env.setUp(backend), qPrintable(env.error));
        QVERIFY2(env.startRelay(), qPrintable(env.error));
    }

    void cleanup() { env.tearDown(); }

    void randomKeyIdsAreCheap()
    {
        constexpr int kRequests = 600;
        HttpConnection c(env.relay->port);
        Signer admin = adminSigner(*env.dep);
        DeviceIdentity dev;
        QCOMPARE(registerDevice(c, admin, dev).status, 200);
        Signer ds = deviceSigner(*env.dep, dev);
        Signer hq = hqSigner(*env.dep);
        QCOMPARE(signedCall(c, ds, "GET", "/v1/mailbox").status, 200);

        const qint64 lookupsBefore = metric(env.relay->opsPort, "liaison_relay_key_lookups_total");
        const qint64 jobsBefore = metric(env.relay->opsPort, "liaison_relay_db_jobs_total");
        const qsizetype logBefore = env.relay->log().size();

        HttpConnection attacker(env.relay->port);
        int unauthenticated = 0, limited = 0, other = 0, legitimateOk = 0, legitimateCalls = 0;
        QElapsedTimer t;
        t.start();
        for (int i = 0; i < kRequests; ++i) {
            DeviceIdentity stranger; // a fresh random key id each time
            Signer ss = deviceSigner(*env.dep, stranger);
            const Reply r = attacker.request(
                "GET", "/v1/mailbox", {}, ss.headersFor(attacker.host(), "GET", "/v1/mailbox", {}));
            if (r.status == 401)
                ++unauthenticated;
            else if (r.status == 429)
                ++limited;
            else
                ++other;
            if (i % 50 == 25) {
                // The device and HQ, from the same address, are served throughout.
                legitimateCalls += 2;
                legitimateOk += signedCall(c, ds, "GET", "/v1/mailbox").status == 200;
                legitimateOk += signedCall(c, hq, "GET", "/v1/mailbox").status == 200;
            }
        }
        const qint64 attackMs = t.elapsed();
        qInfo("%d requests in %lld ms: %d x 401, %d x 429, %d other; legitimate %d/%d", kRequests,
              attackMs, unauthenticated, limited, other, legitimateOk, legitimateCalls);
        QCOMPARE(other, 0);
        QCOMPARE(legitimateOk, legitimateCalls);
        // Each 401 here followed a database lookup of the key id; after a few, the address is
        // refused before any.
        QVERIFY2(unauthenticated <= 60, qPrintable(QString::number(unauthenticated)));
        // 20 failures allowed, then the device's own cache refreshes.
        const qint64 lookups =
            metric(env.relay->opsPort, "liaison_relay_key_lookups_total") - lookupsBefore;
        // Database jobs: those lookups, the legitimate calls, certificate reloads, the scrape.
        const qint64 jobs = metric(env.relay->opsPort, "liaison_relay_db_jobs_total") - jobsBefore;
        qInfo("key lookups during the attack: %lld, database jobs: %lld", lookups, jobs);
        QVERIFY2(lookupsBefore >= 0 && lookups <= 30, qPrintable(QString::number(lookups)));
        QVERIFY2(jobsBefore >= 0 && jobs <= 30 + legitimateCalls + 10,
                 qPrintable(QString::number(jobs)));
        const qsizetype lines = refusalLogLines(env.relay->log().mid(logBefore));
        qInfo("refusal log lines: %lld", qint64(lines));
        QVERIFY2(lines <= 150, qPrintable(QString::number(lines)));
        // The suppression itself is said.
        QVERIFY2(env.relay->log().mid(logBefore).contains("suppressed"),
                 env.relay->logTail(1500).constData());
    }

    void unknownKeyIdIsCachedNegatively()
    {
        // The same unknown key id again and again (fewer times than the failed-authentication
        // allowance): one lookup, then answers from the negative cache.
        HttpConnection c(env.relay->port);
        DeviceIdentity stranger;
        Signer ss = deviceSigner(*env.dep, stranger);
        const qint64 before = metric(env.relay->opsPort, "liaison_relay_key_lookups_total");
        QVERIFY(before >= 0);
        for (int i = 0; i < 10; ++i) {
            const Reply r = signedCall(c, ss, "GET", "/v1/mailbox");
            QCOMPARE(r.status, 401);
            QCOMPARE(r.errorCode(), QByteArray("bad_signature"));
        }
        const qint64 lookups =
            metric(env.relay->opsPort, "liaison_relay_key_lookups_total") - before;
        // One, or two when the loop crossed the cache's one-second lifetime.
        QVERIFY2(lookups >= 1 && lookups <= 2, qPrintable(QString::number(lookups)));
        // A device registered meanwhile is served at once (the registration clears the entry).
        Signer admin = adminSigner(*env.dep);
        QCOMPARE(registerDevice(c, admin, stranger).status, 200);
        QCOMPARE(signedCall(c, ss, "GET", "/v1/mailbox").status, 200);
    }
};

LIAISON_TEST_MAIN(TestRelayRefusals)
#include "tst_relay_refusals.moc"
