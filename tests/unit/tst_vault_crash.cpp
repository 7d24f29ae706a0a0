// Crash safety of the vault (issue 2, tests 5 and 6): the test binary re-runs itself as a child
// with --child, the child stops at a chosen step, and the parent kills it with SIGKILL.

#include "testmain.h"
#include "testsupport.h"
#include "vaultfixture.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QProcess>
#include <QTest>

#include <csignal>
#include <cstdio>
#include <unistd.h>

using namespace liaison;
using namespace liaison::vault;
using liaison::test::secret;
using liaison::test::VaultFixture;

namespace {

// --child <unlock|change> <stop step> <vault dir> <key-store dir> <passphrase> [<new passphrase>]
int childMain(const QStringList &args)
{
    if (args.size() < 6)
        return 3;
    const QString mode = args[1];
    const int stop = args[2].toInt();
    platform::SoftwareKeyStore keyStore(args[4]);
    SystemClock clock;
    VaultOptions options = test::testVaultOptions();
    auto halt = [stop](int reached) {
        if (reached != stop)
            return;
        std::printf("STOPPED %d\n", reached);
        std::fflush(stdout);
        for (;;)
            ::pause(); // wait for SIGKILL
    };
    if (mode == QLatin1String("unlock"))
        options.unlockHook = [halt](UnlockStep s) {
            halt(int(s));
        };
    else
        options.changeHook = [halt](ChangeStep c) {
            halt(int(c));
        };
    auto v = Vault::load(args[3], keyStore, clock, options);
    if (!v) {
        std::printf("DONE load %s\n", errcName(v.error().code));
        return 0;
    }
    const QByteArray p1 = args[5].toUtf8();
    auto s = (*v)->unlock(crypto::SecretBytes::copyOf(p1));
    if (mode == QLatin1String("change")) {
        if (!s) {
            std::printf("DONE unlock %s\n", errcName(s.error().code));
            return 0;
        }
        s = (*v)->changePassphrase(crypto::SecretBytes::copyOf(p1),
                                   crypto::SecretBytes::copyOf(args.value(6).toUtf8()));
    }
    std::printf("DONE %s\n", s ? "ok" : errcName(s.error().code));
    std::fflush(stdout);
    return 0;
}

struct ChildResult
{
    bool killed = false;
    QByteArray output;
};

// Runs the child until it reports that it stopped, then kill -9. Waits at most 120 s.
ChildResult runChild(const QStringList &args)
{
    ChildResult r;
    QProcess p;
    p.setProgram(QCoreApplication::applicationFilePath());
    p.setArguments(QStringList{QStringLiteral("--child")} + args);
    p.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    p.start();
    if (!p.waitForStarted(10'000))
        return r;
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < 120'000) {
        p.waitForReadyRead(200);
        r.output += p.readAllStandardOutput();
        if (r.output.contains("STOPPED")) {
            ::kill(pid_t(p.processId()), SIGKILL);
            p.waitForFinished(10'000);
            r.killed = p.exitStatus() == QProcess::CrashExit;
            return r;
        }
        if (p.state() == QProcess::NotRunning)
            break;
    }
    p.waitForFinished(10'000);
    r.output += p.readAllStandardOutput();
    return r;
}

bool opens(VaultFixture &f, const char *passphrase)
{
    auto v = f.load();
    return v && (*v)->unlock(secret(passphrase)).has_value();
}

} // namespace

class TestVaultCrash : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    // Issue 2, test 5.
    void wrongPassphraseCountedBeforeArgon2AndSurvivesKill()
    {
        VaultFixture f;
        QVERIFY(f.create());
        const QString db = Vault::databasePath(f.dir);
        const auto dbBefore = test::snapshotDatabaseFiles(db);
        QVERIFY(dbBefore.contains(db));
        QVERIFY(!dbBefore.contains(db + QStringLiteral("-wal")));

        // Killed right after the counter was synced, before Argon2id ran.
        auto r =
            runChild({QStringLiteral("unlock"), QString::number(int(UnlockStep::AttemptRecorded)),
                      f.dir, f.keyStoreDir, QString::fromUtf8(test::kWrongPassphrase)});
        QVERIFY2(r.killed, r.output.constData());
        auto v = f.load();
        QVERIFY(v);
        QCOMPARE((*v)->failureCount(), 1u);
        QCOMPARE(test::snapshotDatabaseFiles(db), dbBefore);

        // Killed right after the wrong passphrase was refused.
        r = runChild({QStringLiteral("unlock"), QString::number(int(UnlockStep::AttemptFailed)),
                      f.dir, f.keyStoreDir, QString::fromUtf8(test::kWrongPassphrase)});
        QVERIFY2(r.killed, r.output.constData());
        QCOMPARE((*v)->failureCount(), 2u);
        QCOMPARE(test::snapshotDatabaseFiles(db), dbBefore);

        // Even the right passphrase is counted until the database key is proven: killing the
        // process mid-attempt never gives a free try.
        r = runChild({QStringLiteral("unlock"), QString::number(int(UnlockStep::KdfFinished)),
                      f.dir, f.keyStoreDir, QString::fromUtf8(test::kPassphraseA)});
        QVERIFY2(r.killed, r.output.constData());
        QCOMPARE((*v)->failureCount(), 3u);
        QCOMPARE(test::snapshotDatabaseFiles(db), dbBefore);

        // A child that is not killed: the wrong passphrase fails with WrongKey.
        r = runChild({QStringLiteral("unlock"), QStringLiteral("0"), f.dir, f.keyStoreDir,
                      QString::fromUtf8(test::kWrongPassphrase)});
        QVERIFY(!r.killed);
        QVERIFY2(r.output.contains("DONE wrong key"), r.output.constData());
        QCOMPARE((*v)->failureCount(), 4u);

        QVERIFY((*v)->unlock(secret(test::kPassphraseA)));
        QCOMPARE((*v)->failureCount(), 0u);
    }

    // Issue 2, test 6.
    void passphraseChangeKilledAtEachStep_data()
    {
        QTest::addColumn<int>("stop");
        QTest::addColumn<bool>("newWorks");
        QTest::newRow("pending recorded") << int(ChangeStep::PendingRecorded) << false;
        QTest::newRow("new pepper stored") << int(ChangeStep::NewPepperStored) << false;
        QTest::newRow("temp key file written") << int(ChangeStep::TempKeyFileWritten) << false;
        QTest::newRow("key file replaced") << int(ChangeStep::KeyFileReplaced) << true;
        QTest::newRow("generation mirrored") << int(ChangeStep::DatabaseGenerationUpdated) << true;
        QTest::newRow("old pepper removed") << int(ChangeStep::OldPepperRemoved) << true;
        QTest::newRow("not killed") << 0 << true;
    }
    void passphraseChangeKilledAtEachStep()
    {
        QFETCH(int, stop);
        QFETCH(bool, newWorks);
        VaultFixture f;
        {
            auto v = f.create();
            QVERIFY(v);
        }
        auto r = runChild({QStringLiteral("change"), QString::number(stop), f.dir, f.keyStoreDir,
                           QString::fromUtf8(test::kPassphraseA),
                           QString::fromUtf8(test::kPassphraseB)});
        if (stop == 0) {
            QVERIFY2(r.output.contains("DONE ok"), r.output.constData());
        } else {
            QVERIFY2(r.killed, r.output.constData());
            QVERIFY(r.output.contains("STOPPED " + QByteArray::number(stop)));
        }
        const bool oldOk = opens(f, test::kPassphraseA);
        const bool newOk = opens(f, test::kPassphraseB);
        QVERIFY2(oldOk != newOk, qPrintable(QStringLiteral("old %1 new %2").arg(oldOk).arg(newOk)));
        QCOMPARE(newOk, newWorks);
        // The successful unlock finished the bookkeeping: one pepper left, no temp key file,
        // and it keeps working.
        QCOMPARE(f.pepperEntries().size(), 1);
        QVERIFY(!QFileInfo::exists(Vault::keyFilePath(f.dir) + QStringLiteral(".tmp")));
        QVERIFY(opens(f, newWorks ? test::kPassphraseB : test::kPassphraseA));
        auto v = f.load();
        QVERIFY(v);
        QCOMPARE((*v)->generation(), newWorks ? 2u : 1u);
    }
};

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    liaison::test::prepareTestProcess();
    const QStringList args = QCoreApplication::arguments().mid(1);
    if (!args.isEmpty() && args.first() == QLatin1String("--child"))
        return childMain(args);
    TestVaultCrash tc;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&tc, argc, argv);
}

#include "tst_vault_crash.moc"
