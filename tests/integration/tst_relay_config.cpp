// Issue 9 point 8 (configuration): a switch in the environment set to 0/false/no is off, and
// --burst below 1 is a usage error (exit 2) rather than a relay that refuses every request.

#include "relaytestkit.h"
#include "testmain.h"

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
