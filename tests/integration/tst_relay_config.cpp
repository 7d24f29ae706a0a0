// Issue 9 point 8 (configuration): a switch in the environment set to 0/false/no is off, and
// --burst below 1 is a usage error (exit 2) rather than a relay that refuses every request.
// Issue 13: a database of an older schema is migrated at start and keeps what it held.

#include "relaytestkit.h"
#include "testmain.h"

#include <QDateTime>
#include <QTest>

using namespace liaison;
using namespace liaison::relaytest;

namespace {
struct Run
{
    int exitCode = -1; // -1: still running after the wait (it started serving)
    QByteArray err;
};

Run runRelay(const QStringList &args, const QHash<QString, QString> &env,
             const QString &dirPath = {})
{
    QTemporaryDir tmp;
    const QDir dir(dirPath.isEmpty() ? tmp.path() : dirPath);
    static const Deployment dep;
    QProcess p;
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    e.insert(QStringLiteral("ASAN_OPTIONS"), QStringLiteral("detect_leaks=0"));
    for (auto it = env.cbegin(); it != env.cend(); ++it)
        e.insert(it.key(), it.value());
    p.setProcessEnvironment(e);
    p.setWorkingDirectory(dir.path());
    p.start(relayBinary(),
            QStringList{QStringLiteral("--root-key"), dep.rootHex(), QStringLiteral("--listen"),
                        QStringLiteral("127.0.0.1:0"), QStringLiteral("--ops-listen"),
                        QStringLiteral("127.0.0.1:0"), QStringLiteral("--db"),
                        QStringLiteral("sqlite:") + dir.filePath("r.db")} +
                args);
    Run r;
    if (p.waitForFinished(8000)) {
        r.exitCode = p.exitCode();
    } else {
        p.kill();
        p.waitForFinished(5000);
    }
    r.err = p.readAllStandardError();
    return r;
}

// Runs `sql` with the sqlite3 shell on the file at `path`; its output, trimmed.
QByteArray sqliteShell(const QString &path, const QByteArray &sql)
{
    QProcess p;
    p.start(QStringLiteral("sqlite3"), {path});
    p.write(sql);
    p.closeWriteChannel();
    if (!p.waitForFinished(10000) || p.exitCode() != 0)
        return "sqlite3 failed: " + p.readAllStandardError();
    return p.readAllStandardOutput().trimmed();
}

// The schema a relay of schema version 2 created (migrations 1 and 2 as they were then).
constexpr char kSchema2[] =
    "CREATE TABLE relay_meta (name TEXT PRIMARY KEY, value BIGINT NOT NULL);"
    "CREATE TABLE hq_certs (serial BIGINT PRIMARY KEY, cert BLOB NOT NULL,"
    " not_before BIGINT NOT NULL, not_after BIGINT NOT NULL, deployment BLOB NOT NULL);"
    "CREATE TABLE devices (device_id BLOB PRIMARY KEY, sign_pk BLOB, state INTEGER NOT NULL,"
    " version BIGINT NOT NULL, updated_ms BIGINT NOT NULL);"
    "CREATE TABLE mailboxes (recipient BLOB PRIMARY KEY, next_cursor BIGINT NOT NULL,"
    " depth BIGINT NOT NULL, bytes BIGINT NOT NULL);"
    "CREATE TABLE envelopes (recipient BLOB NOT NULL, cursor BIGINT NOT NULL,"
    " sender BLOB NOT NULL, epoch BIGINT NOT NULL, seq BIGINT NOT NULL,"
    " env_hash BLOB NOT NULL, size BIGINT NOT NULL, data BLOB NOT NULL,"
    " stored_ms BIGINT NOT NULL, PRIMARY KEY (recipient, cursor));"
    "CREATE INDEX envelopes_stream ON envelopes (recipient, sender, epoch, seq);"
    "CREATE INDEX envelopes_age ON envelopes (stored_ms);"
    "CREATE TABLE stream_index (sender BLOB NOT NULL, recipient BLOB NOT NULL,"
    " epoch BIGINT NOT NULL, seq BIGINT NOT NULL, env_hash BLOB NOT NULL,"
    " stored_ms BIGINT NOT NULL, PRIMARY KEY (sender, recipient, epoch, seq));"
    "CREATE INDEX stream_index_age ON stream_index (stored_ms);"
    "CREATE TABLE nonces (key_id TEXT NOT NULL, nonce BLOB NOT NULL, seen_ms BIGINT NOT NULL,"
    " PRIMARY KEY (key_id, nonce));"
    "CREATE INDEX nonces_age ON nonces (seen_ms);"
    "CREATE TABLE enrol_slots (device_id BLOB PRIMARY KEY, token_hash BLOB NOT NULL,"
    " expires_ms BIGINT NOT NULL, submissions INTEGER NOT NULL);"
    "CREATE TABLE enrol_submissions (device_id BLOB NOT NULL, n INTEGER NOT NULL,"
    " data BLOB NOT NULL, received_ms BIGINT NOT NULL, PRIMARY KEY (device_id, n));"
    "CREATE TABLE wipes (wipe_id BLOB PRIMARY KEY, token BLOB NOT NULL,"
    " published_ms BIGINT NOT NULL, done BLOB, done_ms BIGINT);"
    "CREATE TABLE mailbox_senders (recipient BLOB NOT NULL, sender BLOB NOT NULL,"
    " depth BIGINT NOT NULL, bytes BIGINT NOT NULL, PRIMARY KEY (recipient, sender));";
} // namespace

class TestRelayConfig : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void falseEnvironmentSwitchIsOff()
    {
        // Without TLS files, only --dev-plain-http would let it start; "0" must not count.
        for (const char *off : {"0", "false", "no"}) {
            const Run r = runRelay(
                {}, {{QStringLiteral("LIAISON_RELAY_DEV_PLAIN_HTTP"), QString::fromLatin1(off)}});
            QVERIFY2(r.exitCode == 2, qPrintable(QStringLiteral("%1: exit %2 %3")
                                                     .arg(QLatin1String(off))
                                                     .arg(r.exitCode)
                                                     .arg(QString::fromLatin1(r.err))));
            QVERIFY(r.err.contains("--tls-cert"));
        }
        const Run on = runRelay(
            {}, {{QStringLiteral("LIAISON_RELAY_DEV_PLAIN_HTTP"), QStringLiteral("true")}});
        QCOMPARE(on.exitCode, -1); // serving
        const Run junk = runRelay(
            {}, {{QStringLiteral("LIAISON_RELAY_DEV_PLAIN_HTTP"), QStringLiteral("maybe")}});
        QCOMPARE(junk.exitCode, 2);
    }

    // Operator point: a database whose schema is newer than the relay knows is refused at start.
    void newerSchemaIsRefused()
    {
        QTemporaryDir dir;
        QCOMPARE(runRelay({QStringLiteral("--dev-plain-http")}, {}, dir.path()).exitCode, -1);
        QCOMPARE(QProcess::execute(QStringLiteral("sqlite3"),
                                   {dir.filePath(QStringLiteral("r.db")),
                                    QStringLiteral("UPDATE relay_meta SET value = 999 WHERE name = "
                                                   "'schema_version'")}),
                 0);
        const Run r = runRelay({QStringLiteral("--dev-plain-http")}, {}, dir.path());
        QVERIFY2(r.exitCode > 0, qPrintable(QStringLiteral("exit %1").arg(r.exitCode)));
        QVERIFY2(r.err.contains("newer"), r.err.constData());
    }

    // Issue 13 (schemas 3 and 4: fewer B-trees per append): a schema-2 database holding a
    // device's envelope in HQ's mailbox, its stream position and a spent request nonce. After the
    // relay migrated it: the envelope is in the mailbox and found by gap fill, the position is
    // still held (the same bytes again: 200, others: 409), the nonce is still spent (replayed),
    // and the tables are the new ones.
    void schema2DatabaseIsMigrated()
    {
        RelayEnv env;
        QVERIFY2(env.setUp(QStringLiteral("sqlite")), qPrintable(env.error));
        const QString path = env.backend.sqlitePath;
        DeviceIdentity dev;
        const Built first = deviceEnvelope(*env.dep, dev, 1);
        constexpr char kSpent[] = "00112233445566778899aabbccddeeff"; // a spent request nonce
        // The rows a schema-2 relay wrote for them (placeholders filled in below).
        QByteArray sql =
            QByteArray(kSchema2) +
            "INSERT INTO relay_meta VALUES ('schema_version', 2);"
            "INSERT INTO devices VALUES (@ID, @PK, 1, 1, @NOW);"
            "INSERT INTO mailboxes VALUES (@HQ, 2, 1, @SIZE), (@ID, 1, 0, 0);"
            "INSERT INTO envelopes VALUES (@HQ, 1, @ID, 1, 1, @HASH, @SIZE, @DATA, @NOW);"
            "INSERT INTO stream_index VALUES (@ID, @HQ, 1, 1, @HASH, @NOW);"
            "INSERT INTO mailbox_senders VALUES (@HQ, @ID, 1, @SIZE);"
            "INSERT INTO nonces VALUES (@KEY, @NONCE, @NOW);";
        const auto blob = [](const QByteArray &bytes) {
            return "X'" + bytes.toHex() + "'";
        };
        sql.replace("@HQ", blob(protocol::hqParticipantId().toByteArray()))
            .replace("@ID", blob(dev.id.toByteArray()))
            .replace("@PK", blob(dev.keys.publicKey.toByteArray()))
            .replace("@HASH", blob(first.envHash.toByteArray()))
            .replace("@DATA", blob(first.bytes))
            .replace("@SIZE", QByteArray::number(first.bytes.size()))
            .replace("@KEY", "'" + dev.keyId() + "'")
            .replace("@NONCE", "X'" + QByteArray(kSpent) + "'")
            .replace("@NOW", QByteArray::number(QDateTime::currentMSecsSinceEpoch()));
        QCOMPARE(sqliteShell(path, sql), QByteArray());
        QVERIFY2(env.startRelay(), qPrintable(env.error));

        HttpConnection c(env.relay->port);
        Signer hqs = hqSigner(*env.dep);
        Signer ds = deviceSigner(*env.dep, dev);
        Reply r = signedCall(c, hqs, "GET", "/v1/streams/" + dev.id.toHex() + "/1?from=1");
        QCOMPARE(r.status, 200);
        auto items = batchOf(r);
        QCOMPARE(items.size(), 1);
        QCOMPARE(items[0].data, first.bytes);
        QCOMPARE(signedCall(c, ds, "POST", "/v1/envelopes", first.bytes).status, 200);
        QCOMPARE(signedCall(c, ds, "POST", "/v1/envelopes",
                            deviceEnvelope(*env.dep, dev, 1, QByteArray(1000, 'z')).bytes)
                     .status,
                 409);
        // A request signed with the spent nonce is a replay still.
        const Reply replay =
            c.request("GET", "/v1/mailbox", {},
                      ds.headersFor(c.host(), "GET", "/v1/mailbox", {},
                                    *protocol::RequestNonce::fromHex(QByteArray(kSpent))));
        QCOMPARE(replay.status, 401);
        QCOMPARE(replay.errorCode(), QByteArray("replayed"));
        const Built second = deviceEnvelope(*env.dep, dev, 2);
        QCOMPARE(signedCall(c, ds, "POST", "/v1/envelopes", second.bytes).status, 200);
        items = batchOf(signedCall(c, hqs, "GET", "/v1/streams/" + dev.id.toHex() + "/1?from=1"));
        QCOMPARE(items.size(), 2);
        QCOMPARE(items[1].data, second.bytes);
        const auto mail = drainMailbox(c, hqs);
        QCOMPARE(mail.size(), 2);
        QCOMPARE(mail[0].key, quint64(1));
        QCOMPARE(mail[0].data, first.bytes);
        QCOMPARE(mail[1].key, quint64(2));
        QCOMPARE(mail[1].data, second.bytes);
        QCOMPARE(env.relay->terminate(), 0);

        QCOMPARE(sqliteShell(path, "SELECT value FROM relay_meta WHERE name = 'schema_version';"),
                 QByteArray("4"));
        for (const char *table : {"stream_index", "nonces"})
            QVERIFY2(sqliteShell(path, QByteArray("SELECT sql FROM sqlite_master WHERE name = '") +
                                           table + "';")
                         .contains("WITHOUT ROWID"),
                     table);
        QCOMPARE(sqliteShell(path, "SELECT count(*) FROM sqlite_master"
                                   " WHERE name = 'envelopes_stream';"),
                 QByteArray("0"));
        // Schema 4: spent nonces keyed by the request's signed time; the ones from before the
        // upgrade (no request time kept) wait in nonces_legacy until retention.
        QVERIFY(sqliteShell(path, "SELECT sql FROM sqlite_master WHERE name = 'nonces';")
                    .contains("PRIMARY KEY (req_ms, key_id, nonce)"));
        QCOMPARE(sqliteShell(path, "SELECT count(*) FROM nonces_legacy;"), QByteArray("1"));
        env.tearDown();
    }

    void burstBelowOneIsAUsageError()
    {
        const Run r = runRelay(
            {QStringLiteral("--dev-plain-http"), QStringLiteral("--burst"), QStringLiteral("0.5")},
            {});
        QVERIFY2(r.exitCode == 2, qPrintable(QStringLiteral("exit %1").arg(r.exitCode)));
        QVERIFY(r.err.contains("--burst"));
    }
};

LIAISON_TEST_MAIN(TestRelayConfig)
#include "tst_relay_config.moc"
