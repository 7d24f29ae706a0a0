// Issue 4 test 8 (relay part), on SQLite and on PostgreSQL: records with plaintext canaries
// travel through the relay in sealed envelopes (device -> HQ and HQ -> device). Afterwards the
// relay's storage (the SQLite file with its WAL, or `pg_dump` of the database), its log, and
// every byte that crossed the client sockets hold none of the canaries in any encoding, while the
// envelopes themselves are demonstrably there (so the checks are not vacuous).

#include "relaytestkit.h"
#include "testmain.h"

#include <QProcess>
#include <QTest>

using namespace liaison;
using namespace liaison::relaytest;

namespace {
QStringList canariesIn(const QByteArray &haystack, const QStringList &canaries)
{
    QStringList hits;
    for (const QString &c : canaries)
        for (const QByteArray &enc : test::canaryEncodings(c))
            if (haystack.contains(enc)) {
                hits << c;
                break;
            }
    return hits;
}
} // namespace

class TestRelayCanary : public QObject
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

    void storageLogAndWireHoldNoPlaintext()
    {
        const QString tag = QString::fromLatin1(randomBytes(4).toHex());
        const QStringList canaries{
            QStringLiteral("Havránková-Canary-") + tag,
            QStringLiteral("+420 974 834 210 canary ") + tag,
            QStringLiteral("rmps.canary.") + tag + QStringLiteral("@pcr.cz"),
            QStringLiteral("Münzbergerových 2811/8 canary ") + tag,
        };
        HttpConnection c(env.relay->port);
        Signer admin = adminSigner(*env.dep);
        DeviceIdentity dev;
        QCOMPARE(registerDevice(c, admin, dev).status, 200);
        Signer ds = deviceSigner(*env.dep, dev);
        Signer hq = hqSigner(*env.dep);

        QList<Built> sent;
        std::uint64_t upSeq = 0, downSeq = 0;
        for (const QString &canary : canaries) {
            const QByteArray record = "{\"name\":\"" + canary.toUtf8() + "\",\"notes\":\"" +
                                      canary.toUtf8().toBase64() + "\"}";
            sent << deviceEnvelope(*env.dep, dev, ++upSeq, record);
            QCOMPARE(signedCall(c, ds, "POST", "/v1/envelopes", sent.last().bytes).status, 200);
            sent << hqEnvelope(*env.dep, dev, ++downSeq, record);
            QCOMPARE(signedCall(c, hq, "POST", "/v1/envelopes", sent.last().bytes).status, 200);
        }
        // Read some back (over the same recorded socket), leave the rest stored.
        QCOMPARE(drainMailbox(c, hq).size(), canaries.size());
        QCOMPARE(drainMailbox(c, ds).size(), canaries.size());

        // The wire: envelopes crossed it, canaries did not.
        QVERIFY(c.wire.contains(sent.first().bytes));
        QVERIFY2(canariesIn(c.wire, canaries).isEmpty(),
                 qPrintable(canariesIn(c.wire, canaries).join(u',')));

        // The log: ids and sizes only.
        QVERIFY(env.relay->log().contains("key=" + dev.id.toHex()));
        QVERIFY(canariesIn(env.relay->log(), canaries).isEmpty());

        if (env.backend.kind == QLatin1String("sqlite")) {
            // While running (WAL not checkpointed) and after a clean stop.
            QVERIFY2(test::filesContainingCanaries(env.backend.sqlitePath, canaries).isEmpty(),
                     "canary in the SQLite files");
            QCOMPARE(env.relay->terminate(), 0);
            QVERIFY2(test::filesContainingCanaries(env.backend.sqlitePath, canaries).isEmpty(),
                     "canary in the SQLite files");
            QFile db(env.backend.sqlitePath);
            QVERIFY(db.open(QIODevice::ReadOnly));
            QByteArray all = db.readAll();
            QFile wal(env.backend.sqlitePath + QStringLiteral("-wal"));
            if (wal.open(QIODevice::ReadOnly))
                all += wal.readAll();
            // The stored envelopes are really in there.
            QVERIFY(all.contains(sent.last().bytes));
        } else {
            QProcess dump;
            dump.start(pgBinary(QStringLiteral("pg_dump")),
                       {QStringLiteral("--dbname=") + env.backend.pgUrl});
            QVERIFY(dump.waitForFinished(60000));
            QCOMPARE(dump.exitCode(), 0);
            const QByteArray out = dump.readAllStandardOutput();
            QVERIFY(out.contains("COPY public.envelopes"));
            // bytea is dumped as hex: the last envelope is there, the canaries are not.
            QVERIFY(out.contains(sent.last().bytes.toHex()));
            QVERIFY2(canariesIn(out, canaries).isEmpty(),
                     qPrintable(canariesIn(out, canaries).join(u',')));
        }
    }
};

LIAISON_TEST_MAIN(TestRelayCanary)
#include "tst_relay_canary.moc"
