// Issue 12 test 4: the hardening facts, read from the running processes and from the binaries.
//
// liaison, liaison-hq, liaison-relay and liaison-device are each started as they run in the field
// and left waiting (the app on its unlock page, the relay listening, the two command lines reading
// a passphrase from stdin); then, from outside:
//  - not dumpable: the kernel gives the files of a non-dumpable process's /proc/PID to root. The
//    test runs each binary as an unprivileged user (as root: `setpriv --reuid=nobody
//    --regid=nogroup --clear-groups`; otherwise as itself), so /proc/PID/status owned by uid 0
//    means PR_SET_DUMPABLE 0;
//  - core limit 0: /proc/PID/limits "Max core file size" soft and hard 0, although the process
//    was started with the largest core limit the test can give it;
// and from each binary (readelf):
//  - PIE: ELF type DYN;
//  - full RELRO: a GNU_RELRO segment and BIND_NOW (DT_FLAGS BIND_NOW or DT_FLAGS_1 NOW);
//  - stack protector: __stack_chk_fail among the symbols it imports.
// In-process: secret memory (crypto::SecretBytes) is locked and left out of core dumps, and
// crypto::readSecret takes one line from a descriptor and leaves the rest unread.

#include "crypto/crypto.h"
#include "crypto/secretio.h"
#include "hardening/processhardening.h"
#include "testmain.h"
#include "testsupport.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <grp.h>
#include <pwd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace liaison;

namespace {

struct ProcessFacts
{
    bool running = false;
    QString comm;
    long realUid = -1;   // Uid: of /proc/PID/status (real)
    long procOwner = -1; // owner of /proc/PID
    QString coreLimit;   // "soft hard" of "Max core file size"
    QString umask;       // Umask: of /proc/PID/status ("0077")
};

QByteArray readProc(qint64 pid, const char *file)
{
    QFile f(QStringLiteral("/proc/%1/%2").arg(pid).arg(QLatin1String(file)));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll();
}

ProcessFacts readFacts(qint64 pid)
{
    ProcessFacts facts;
    struct stat st
    {};
    // The files of /proc/PID (not the directory itself, which keeps the user's id).
    const QByteArray status = QStringLiteral("/proc/%1/status").arg(pid).toLatin1();
    if (::stat(status.constData(), &st) != 0)
        return facts;
    facts.running = true;
    facts.procOwner = long(st.st_uid);
    facts.comm = QString::fromLatin1(readProc(pid, "comm")).trimmed();
    static const QRegularExpression uidLine(QStringLiteral("^Uid:\\s+(\\d+)"),
                                            QRegularExpression::MultilineOption);
    if (const auto m = uidLine.match(QString::fromLatin1(readProc(pid, "status"))); m.hasMatch())
        facts.realUid = m.captured(1).toLong();
    static const QRegularExpression umaskLine(QStringLiteral("^Umask:\\s+(\\d+)"),
                                              QRegularExpression::MultilineOption);
    if (const auto m = umaskLine.match(QString::fromLatin1(readProc(pid, "status"))); m.hasMatch())
        facts.umask = m.captured(1);
    static const QRegularExpression coreLine(
        QStringLiteral("^Max core file size\\s+(\\S+)\\s+(\\S+)"),
        QRegularExpression::MultilineOption);
    if (const auto m = coreLine.match(QString::fromLatin1(readProc(pid, "limits"))); m.hasMatch())
        facts.coreLimit = m.captured(1) + QLatin1Char(' ') + m.captured(2);
    return facts;
}

QString binaryPath(const QString &relative)
{
    return test::buildPath(relative);
}

struct Unprivileged
{
    uid_t uid = 0;
    gid_t gid = 0;
};

// The user the binaries run as: nobody/nogroup when the test is root, else the test's own user.
std::optional<Unprivileged> unprivilegedUser()
{
    if (::geteuid() != 0)
        return Unprivileged{::geteuid(), ::getegid()};
    const passwd *pw = ::getpwnam("nobody");
    const group *gr = ::getgrnam("nogroup");
    if (!pw || !gr)
        return std::nullopt;
    return Unprivileged{pw->pw_uid, gr->gr_gid};
}

// readelf's view of a binary: header, program headers, dynamic section, dynamic symbols.
QString readElf(const QString &path)
{
    QProcess p;
    p.start(QStringLiteral("readelf"),
            {QStringLiteral("-W"), QStringLiteral("-h"), QStringLiteral("-l"), QStringLiteral("-d"),
             QStringLiteral("--dyn-syms"), path});
    if (!p.waitForFinished(60000) || p.exitCode() != 0)
        return {};
    return QString::fromLatin1(p.readAllStandardOutput());
}

// The kernel's VmFlags of the mapping that holds `address` (/proc/self/smaps): "lo" locked,
// "dd" left out of core dumps.
QStringList vmFlagsAt(const void *address)
{
    QFile f(QStringLiteral("/proc/self/smaps"));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    const auto a = quintptr(address);
    bool inside = false;
    static const QRegularExpression range(QStringLiteral("^([0-9a-f]+)-([0-9a-f]+) "));
    const QList<QByteArray> lines = f.readAll().split('\n');
    for (const QByteArray &raw : lines) {
        const QString line = QString::fromLatin1(raw);
        if (const auto m = range.match(line); m.hasMatch()) {
            inside = m.captured(1).toULongLong(nullptr, 16) <= a &&
                     a < m.captured(2).toULongLong(nullptr, 16);
            continue;
        }
        if (inside && line.startsWith(QLatin1String("VmFlags:")))
            return line.mid(8).split(QLatin1Char(' '), Qt::SkipEmptyParts);
    }
    return {};
}

} // namespace

class TestHardening : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void binaries_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("comm");
        QTest::addColumn<QStringList>("args");
        // {dir}: the test's temporary directory, owned by the user the binary runs as.
#if defined(LIAISON_HARDENING_WITH_APP)
        QTest::newRow("liaison") << QStringLiteral("app/liaison") << QStringLiteral("liaison")
                                 << QStringList{QStringLiteral("--vault"),
                                                QStringLiteral("{dir}/vault"),
                                                QStringLiteral("--keystore"),
                                                QStringLiteral("{dir}/keystore")};
#endif
        QTest::newRow("liaison-hq")
            << QStringLiteral("sync/hq/cli/liaison-hq") << QStringLiteral("liaison-hq")
            << QStringList{QStringLiteral("root"),
                           QStringLiteral("init"),
                           QStringLiteral("--out"),
                           QStringLiteral("{dir}/root.key"),
                           QStringLiteral("--passphrase-file"),
                           QStringLiteral("-")};
        QTest::newRow("liaison-relay")
            << QStringLiteral("sync/relay/liaison-relay") << QStringLiteral("liaison-relay")
            << QStringList{QStringLiteral("--listen"),
                           QStringLiteral("127.0.0.1:0"),
                           QStringLiteral("--ops-listen"),
                           QStringLiteral("127.0.0.1:0"),
                           QStringLiteral("--db"),
                           QStringLiteral("sqlite:{dir}/relay.db"),
                           QStringLiteral("--root-key"),
                           QStringLiteral("{root}"),
                           QStringLiteral("--dev-plain-http")};
        QTest::newRow("liaison-device")
            << QStringLiteral("sync/device/tool/liaison-device") << QStringLiteral("liaison-device")
            << QStringList{QStringLiteral("sync"), QStringLiteral("--dir"), QStringLiteral("{dir}"),
                           QStringLiteral("--passphrase-file"), QStringLiteral("-")};
    }

    // The binary's ELF facts: PIE, full RELRO, stack protector.
    void binaries()
    {
        QFETCH(QString, path);
        const QString elf = readElf(binaryPath(path));
        QVERIFY2(!elf.isEmpty(), qPrintable(QStringLiteral("readelf could not read %1").arg(path)));
        QVERIFY2(elf.contains(QRegularExpression(QStringLiteral("Type:\\s+DYN"))),
                 qPrintable(QStringLiteral("%1 is not a position-independent executable (ELF type "
                                           "is not DYN)")
                                .arg(path)));
        QVERIFY2(elf.contains(QLatin1String("GNU_RELRO")),
                 qPrintable(QStringLiteral("%1 has no GNU_RELRO segment").arg(path)));
        const bool bindNow =
            elf.contains(QRegularExpression(QStringLiteral("\\(FLAGS\\)[^\\n]*BIND_NOW"))) ||
            elf.contains(QRegularExpression(QStringLiteral("\\(FLAGS_1\\)[^\\n]*\\bNOW\\b"))) ||
            elf.contains(QRegularExpression(QStringLiteral("\\(BIND_NOW\\)")));
        QVERIFY2(bindNow, qPrintable(QStringLiteral("%1 is not linked with BIND_NOW (-z now): its "
                                                    "RELRO is partial")
                                         .arg(path)));
        QVERIFY2(elf.contains(QLatin1String("__stack_chk_fail")),
                 qPrintable(QStringLiteral("%1 references no __stack_chk_fail: built without the "
                                           "stack protector")
                                .arg(path)));
    }

    void processes_data()
    {
        binaries_data();
    }

    // The running process: not dumpable, core limit 0.
    void processes()
    {
        QFETCH(QString, path);
        QFETCH(QString, comm);
        QFETCH(QStringList, args);
        const auto user = unprivilegedUser();
        QVERIFY2(user, "no nobody/nogroup user to run the binaries unprivileged");
        QVERIFY2(user->uid != 0, "the binaries must run as a user other than root");

        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QVERIFY(::chown(QFile::encodeName(dir.path()).constData(), user->uid, user->gid) == 0);
        const QString root = QString::fromLatin1(crypto::crypto_sign_keypair().publicKey.toHex());
        for (QString &a : args)
            a.replace(QLatin1String("{dir}"), dir.path()).replace(QLatin1String("{root}"), root);

        // The largest core limit this test may give: the process must bring it down itself.
        struct rlimit core
        {};
        QVERIFY(::getrlimit(RLIMIT_CORE, &core) == 0);
        QVERIFY2(core.rlim_max != 0 || ::geteuid() == 0,
                 "the test's hard core limit is 0: it cannot show that the binary lowers it");
        const rlim_t coreMax = ::geteuid() == 0 ? RLIM_INFINITY : core.rlim_max;

        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("HOME"), dir.path());
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        env.insert(QStringLiteral("ASAN_OPTIONS"),
                   QStringLiteral("detect_leaks=0:abort_on_error=1"));
        env.remove(QStringLiteral("XDG_RUNTIME_DIR"));
        p.setProcessEnvironment(env);
        p.setWorkingDirectory(dir.path());
        p.setStandardOutputFile(dir.filePath(QStringLiteral("out.log")));
        p.setStandardErrorFile(dir.filePath(QStringLiteral("err.log")));
        p.setChildProcessModifier([coreMax] {
            struct rlimit unlimited
            {
                coreMax, coreMax
            };
            ::setrlimit(RLIMIT_CORE, &unlimited);
        });
        const QString binary = binaryPath(path);
        if (::geteuid() == 0)
            p.start(QStringLiteral("setpriv"),
                    QStringList{QStringLiteral("--reuid=nobody"), QStringLiteral("--regid=nogroup"),
                                QStringLiteral("--clear-groups"), QStringLiteral("--"), binary} +
                        args);
        else
            p.start(binary, args);
        QVERIFY2(p.waitForStarted(10000), qPrintable(p.errorString()));
        const qint64 pid = p.processId();

        // Past exec (comm is the binary's) and past the start of main(): poll until the facts
        // hold or 20 s have gone (a binary without the hardening never gets there).
        ProcessFacts facts;
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < 20000) {
            facts = readFacts(pid);
            if (!facts.running || p.state() != QProcess::Running)
                break;
            if (facts.comm == comm && facts.procOwner == 0 &&
                facts.coreLimit == QLatin1String("0 0") && facts.umask == QLatin1String("0077"))
                break;
            QTest::qWait(100);
        }
        const bool stillRunning = p.state() == QProcess::Running;
        p.kill();
        p.waitForFinished(10000);
        QFile err(dir.filePath(QStringLiteral("err.log")));
        const QString errText =
            err.open(QIODevice::ReadOnly) ? QString::fromLocal8Bit(err.readAll()) : QString();
        QVERIFY2(stillRunning && facts.running,
                 qPrintable(QStringLiteral("%1 exited instead of waiting: %2").arg(comm, errText)));
        QCOMPARE(facts.comm, comm);
        QVERIFY2(facts.realUid == long(user->uid),
                 qPrintable(QStringLiteral("%1 runs as uid %2, not the unprivileged %3")
                                .arg(comm)
                                .arg(facts.realUid)
                                .arg(user->uid)));
        QVERIFY2(facts.procOwner == 0,
                 qPrintable(QStringLiteral("%1 is dumpable: /proc/%2/status belongs to uid %3 (a "
                                           "non-dumpable process's belongs to root)")
                                .arg(comm)
                                .arg(pid)
                                .arg(facts.procOwner)));
        QVERIFY2(
            facts.coreLimit == QLatin1String("0 0"),
            qPrintable(QStringLiteral("%1's core file size limit is '%2' (soft hard), not '0 0'")
                           .arg(comm, facts.coreLimit)));
        // Whatever it creates (vault, WAL, key files, backups, folders) is the user's alone.
        QVERIFY2(facts.umask == QLatin1String("0077"),
                 qPrintable(QStringLiteral("%1 runs with umask %2, not 0077: its files are "
                                           "readable by others")
                                .arg(comm, facts.umask)));
    }

#if defined(LIAISON_HARDENING_WITH_APP)
    // Screen security (issue 12 "platform/"): the app hands its window to
    // platform::protectWindow() (Android FLAG_SECURE, the iOS cover view; a no-op on the desktop,
    // so nothing on this machine can see it act). What can be seen here is that `liaison` links
    // it: the function sits in a static library (liaison_platform_ui), whose object goes into the
    // executable only when something in it calls the function.
    void appProtectsItsWindow()
    {
        QProcess nm;
        nm.start(QStringLiteral("nm"),
                 {QStringLiteral("-C"), binaryPath(QStringLiteral("app/liaison"))});
        QVERIFY(nm.waitForFinished(60000));
        QVERIFY2(nm.exitStatus() == QProcess::NormalExit && nm.exitCode() == 0,
                 nm.readAllStandardError().constData());
        const QString symbols = QString::fromLatin1(nm.readAllStandardOutput());
        QVERIFY2(symbols.contains(QRegularExpression(
                     QStringLiteral("\\s[Tt]\\sliaison::platform::protectWindow\\(QWindow\\*\\)"))),
                 "the app never calls platform::protectWindow(): no FLAG_SECURE on Android, no "
                 "cover view on iOS");
    }
#endif

    // hardenProcess() in this process: read back through the kernel.
    void hardenProcessHolds()
    {
        QVERIFY(hardening::hardenProcess().has_value());
        QVERIFY(!hardening::processDumpable());
        struct rlimit core
        {};
        QVERIFY(::getrlimit(RLIMIT_CORE, &core) == 0);
        QCOMPARE(core.rlim_cur, rlim_t(0));
        QCOMPARE(core.rlim_max, rlim_t(0));
        const mode_t mask = ::umask(077);
        QCOMPARE(int(mask), 077);
    }

    // Key buffers: the mapping of a SecretBytes is left out of core dumps ("dd") and locked
    // ("lo"). Under AddressSanitizer mlock(2) is intercepted and does nothing (its shadow memory
    // cannot be locked), so the sanitizer build checks "dd" only; a build without it checks "lo".
    void secretMemoryIsLocked()
    {
        crypto::SecretBytes secret(64 * 1024);
        const QStringList flags = vmFlagsAt(secret.data());
        QVERIFY2(!flags.isEmpty(), "no mapping in /proc/self/smaps holds the secret");
        const QString shown = flags.join(QLatin1Char(' '));
        QVERIFY2(
            flags.contains(QLatin1String("dd")),
            qPrintable(
                QStringLiteral("secret memory would go into a core dump: VmFlags %1").arg(shown)));
#if !defined(__SANITIZE_ADDRESS__)
        QVERIFY2(flags.contains(QLatin1String("lo")),
                 qPrintable(QStringLiteral("secret memory is not locked: VmFlags %1").arg(shown)));
#endif
    }

    // A passphrase line from a descriptor: the line only, '\r' dropped, the rest left for the
    // next reader; too long is refused.
    void readSecretTakesOneLine()
    {
        int fds[2];
        QVERIFY(::pipe(fds) == 0);
        const QByteArray input = "amber harbour\r\nsecond line\n";
        QCOMPARE(::write(fds[1], input.constData(), size_t(input.size())), ssize_t(input.size()));
        ::close(fds[1]);
        auto first = crypto::readSecret(fds[0], 64, crypto::SecretReadMode::FirstLine);
        QVERIFY(first);
        QCOMPARE(first->view(), QByteArrayView("amber harbour"));
        auto rest = crypto::readSecret(fds[0], 64, crypto::SecretReadMode::Whole);
        QVERIFY(rest);
        QCOMPARE(rest->view(), QByteArrayView("second line\n"));
        ::close(fds[0]);

        QVERIFY(::pipe(fds) == 0);
        QCOMPARE(::write(fds[1], "0123456789\n", 11), ssize_t(11));
        ::close(fds[1]);
        auto tooLong = crypto::readSecret(fds[0], 8, crypto::SecretReadMode::FirstLine);
        ::close(fds[0]);
        QVERIFY(!tooLong);
        QCOMPARE(tooLong.error().code, Errc::Malformed);
    }
};

LIAISON_TEST_MAIN(TestHardening)
#include "tst_hardening.moc"
