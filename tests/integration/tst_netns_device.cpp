// Issue 12 test 5 (network): in a network namespace of its own, the device side connects only to
// the relay's address and listens on nothing.
//
// main() moves this test (before Qt starts a thread) into a new network namespace with only the
// loopback interface up, so every process it starts shares a network with nothing else in it. A
// desk (liaison-hq), a relay (liaison-relay, plain http on 127.0.0.1, a kernel-chosen port) and
// the device (liaison-device: the app's device core and sync engine, headless) run there. The
// device enrols with a code from the desk, then syncs; each of its runs is watched two ways:
//  - from outside while it runs, every 20 ms: its sockets (/proc/PID/fd) looked up in the
//    namespace's /proc/net/{tcp,tcp6,udp,udp6,raw,raw6}: no socket in LISTEN, none of UDP or raw,
//    every TCP socket's peer the relay's 127.0.0.1:PORT;
//  - every network call it makes, from strace (connect, bind, listen, sendto, sendmsg): each
//    connect to an IP address goes to 127.0.0.1:PORT, and it never binds or listens on one.
// Needs root (CAP_SYS_ADMIN for the namespace) and strace; fails, never skips, without them.

#include "devicetoolkit.h"
#include "hqclikit.h"
#include "relaytestkit.h"
#include "testmain.h"

#include <QDirIterator>
#include <QRegularExpression>

#include <cerrno>
#include <cstring>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace liaison;
using namespace liaison::devicetest;
using namespace liaison::hqclitest;

namespace {

QString g_namespaceError; // set by main() when the namespace could not be made

// A new network namespace for this process with lo up. Before QCoreApplication: the process is
// single-threaded, and every thread and child made later shares the namespace.
QString enterOwnNetworkNamespace()
{
    if (::geteuid() != 0)
        return QStringLiteral("this test needs root: it runs in a network namespace of its own");
    if (::unshare(CLONE_NEWNET) != 0)
        return QStringLiteral("unshare(CLONE_NEWNET): %1")
            .arg(QString::fromLocal8Bit(std::strerror(errno)));
    const int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return QStringLiteral("socket: %1").arg(QString::fromLocal8Bit(std::strerror(errno)));
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    bool ok = ::ioctl(s, SIOCGIFFLAGS, &ifr) == 0;
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    ok = ok && ::ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
    ::close(s);
    if (!ok)
        return QStringLiteral("bringing lo up: %1")
            .arg(QString::fromLocal8Bit(std::strerror(errno)));
    return {};
}

// One socket of /proc/net/*: its kind, local and remote address (hex, as the kernel writes them)
// and state.
struct NetEntry
{
    QString table; // tcp, tcp6, udp, ...
    QString local;
    QString remote;
    QString state; // "0A" is LISTEN
};

QHash<QString, NetEntry> netTable()
{
    QHash<QString, NetEntry> byInode;
    for (const char *table : {"tcp", "tcp6", "udp", "udp6", "raw", "raw6", "udplite", "udplite6"}) {
        QFile f(QStringLiteral("/proc/net/%1").arg(QLatin1String(table)));
        if (!f.open(QIODevice::ReadOnly))
            continue;
        const QList<QByteArray> lines = f.readAll().split('\n');
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QList<QByteArray> cols = lines[i].simplified().split(' ');
            if (cols.size() < 10)
                continue;
            byInode.insert(QString::fromLatin1(cols[9]),
                           {QString::fromLatin1(table), QString::fromLatin1(cols[1]),
                            QString::fromLatin1(cols[2]), QString::fromLatin1(cols[3])});
        }
    }
    return byInode;
}

// The socket inodes a process holds.
QStringList socketInodes(qint64 pid)
{
    QStringList inodes;
    QDirIterator it(QStringLiteral("/proc/%1/fd").arg(pid), QDir::Files | QDir::System);
    static const QRegularExpression re(QStringLiteral("^socket:\\[(\\d+)\\]$"));
    while (it.hasNext()) {
        char buf[64] = {};
        const QByteArray path = it.next().toLocal8Bit();
        const ssize_t n = ::readlink(path.constData(), buf, sizeof buf - 1);
        if (n <= 0)
            continue;
        const auto m = re.match(QString::fromLatin1(buf, int(n)));
        if (m.hasMatch())
            inodes << m.captured(1);
    }
    return inodes;
}

// 127.0.0.1:port as /proc/net/tcp writes it (address in host byte order on x86: 0100007F).
QString loopbackHex(quint16 port)
{
    return QStringLiteral("0100007F:%1").arg(port, 4, 16, QLatin1Char('0')).toUpper();
}

// The device process under strace, watched while it runs.
class WatchedDevice
{
public:
    WatchedDevice(const QString &traceFile, const QStringList &args)
        : m_traceFile(traceFile)
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("LIAISON_DEVICE_TEST_KDF"), QStringLiteral("1"));
        env.insert(QStringLiteral("ASAN_OPTIONS"),
                   QStringLiteral("detect_leaks=0:abort_on_error=1"));
        m_process.setProcessEnvironment(env);
        m_process.setChildProcessModifier([] { ::setsid(); });
        m_process.start(QStringLiteral("strace"),
                        QStringList{QStringLiteral("-f"), QStringLiteral("-qq"),
                                    QStringLiteral("-o"), traceFile, QStringLiteral("-e"),
                                    QStringLiteral("trace=connect,bind,listen,sendto,sendmsg"),
                                    QStringLiteral("--"), deviceBinary()} +
                            args);
        m_process.closeWriteChannel();
    }
    ~WatchedDevice()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished();
        }
    }

    // Samples the device's sockets until `done` says stop or the process ends.
    template <typename Done> void watch(quint16 relayPort, Done done, int timeoutMs)
    {
        QElapsedTimer t;
        t.start();
        while (m_process.state() != QProcess::NotRunning && t.elapsed() < timeoutMs) {
            sample(relayPort);
            m_out += m_process.readAllStandardOutput();
            m_err += m_process.readAllStandardError();
            if (done(m_out))
                return;
            m_process.waitForFinished(20);
        }
        m_out += m_process.readAllStandardOutput();
        m_err += m_process.readAllStandardError();
    }

    int exitCode() const
    {
        return m_process.state() == QProcess::NotRunning &&
                       m_process.exitStatus() == QProcess::NormalExit
                   ? m_process.exitCode()
                   : -1;
    }
    const QByteArray &out() const { return m_out; }
    const QByteArray &err() const { return m_err; }
    const QStringList &violations() const { return m_violations; }
    int tcpSeen() const { return m_tcpSeen; }

    // Every network call of the trace that is not a connect to the relay.
    QStringList traceViolations(quint16 relayPort) const
    {
        QStringList bad;
        QFile f(m_traceFile);
        if (!f.open(QIODevice::ReadOnly))
            return {QStringLiteral("no strace output in %1").arg(m_traceFile)};
        const QString relay =
            QStringLiteral("sin_port=htons(%1), sin_addr=inet_addr(\"127.0.0.1\")").arg(relayPort);
        for (const QByteArray &raw : f.readAll().split('\n')) {
            const QString line = QString::fromLatin1(raw);
            const bool inet = line.contains(QLatin1String("AF_INET"));
            if (!inet)
                continue; // AF_UNIX, AF_NETLINK: not the network
            if (line.contains(QLatin1String(" connect(")) && line.contains(relay))
                continue;
            bad << line;
        }
        return bad;
    }

private:
    void sample(quint16 relayPort)
    {
        // The device is strace's child.
        QFile children(QStringLiteral("/proc/%1/task/%1/children").arg(m_process.processId()));
        if (!children.open(QIODevice::ReadOnly))
            return;
        const QList<QByteArray> pids = children.readAll().simplified().split(' ');
        const auto table = netTable();
        const QString relay = loopbackHex(relayPort);
        for (const QByteArray &pid : pids) {
            if (pid.isEmpty())
                continue;
            for (const QString &inode : socketInodes(pid.toLongLong())) {
                const auto it = table.constFind(inode);
                if (it == table.cend())
                    continue; // not an IP socket (AF_UNIX, netlink)
                const NetEntry &e = *it;
                const QString where =
                    QStringLiteral("%1 %2 -> %3 state %4").arg(e.table, e.local, e.remote, e.state);
                if (!e.table.startsWith(QLatin1String("tcp")))
                    m_violations << QStringLiteral("a non-TCP socket: ") + where;
                else if (e.state == QLatin1String("0A"))
                    m_violations << QStringLiteral("a listening socket: ") + where;
                else if (e.remote != relay && e.remote != QLatin1String("00000000:0000"))
                    m_violations << QStringLiteral("a connection not to the relay: ") + where;
                else if (e.remote == relay)
                    ++m_tcpSeen;
            }
        }
    }

    QString m_traceFile;
    QProcess m_process;
    QByteArray m_out;
    QByteArray m_err;
    QStringList m_violations;
    int m_tcpSeen = 0;
};

} // namespace

class TestNetnsDevice : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY2(g_namespaceError.isEmpty(), qPrintable(g_namespaceError)); }

    void deviceTalksOnlyToTheRelay()
    {
        // The namespace holds nothing but lo.
        QFile dev(QStringLiteral("/proc/net/dev"));
        QVERIFY(dev.open(QIODevice::ReadOnly));
        const QList<QByteArray> ifaces = dev.readAll().split('\n').mid(2);
        for (const QByteArray &line : ifaces)
            if (!line.trimmed().isEmpty())
                QVERIFY2(line.trimmed().startsWith("lo:"), line.constData());

        // ---- the desk, the relay, a scope with a contact ----
        Desk d;
        QVERIFY(d.rootInit());
        relaytest::Deployment dep;
        dep.root.publicKey = *crypto::SignPublicKey::fromHex(d.rootPublicKey.toLatin1());
        dep.id = *crypto::Id16::fromHex(d.deployment.toLatin1());
        dep.cert.clear();
        relaytest::Backend backend;
        QString error;
        QVERIFY2(relaytest::makeBackend(QStringLiteral("sqlite"), d.dir, backend, &error),
                 qPrintable(error));
        relaytest::RelayProcess relay;
        QVERIFY(relay.start(d.dir, backend, dep));
        const quint16 port = relay.port;
        QVERIFY(d.initStore(QStringLiteral("http://127.0.0.1:%1").arg(port)));
        QCOMPARE(
            d.hq({QStringLiteral("scope"), QStringLiteral("add"), QStringLiteral("post:vienna")})
                .code,
            0);
        QCOMPARE(d.hq({QStringLiteral("contact"), QStringLiteral("add"), QStringLiteral("--scope"),
                       QStringLiteral("post:vienna"), QStringLiteral("--name"),
                       QStringLiteral("Netns Vienna-Marker")})
                     .code,
                 0);
        QCOMPARE(d.hq({QStringLiteral("publish")}).code, 0);
        const Run added = d.hq({QStringLiteral("device"), QStringLiteral("add"),
                                QStringLiteral("--scope"), QStringLiteral("post:vienna"),
                                QStringLiteral("--label"), QStringLiteral("Vienna officer")});
        QVERIFY2(added.code == 0, describe(added).constData());
        const QString id = added.json.value(QStringLiteral("id")).toString();
        QVERIFY(d.writeFile(QStringLiteral("enrol.code"),
                            added.json.value(QStringLiteral("code")).toString().toLatin1() + '\n'));

        // ---- the device enrols (watched), the desk confirms its safety number ----
        DeviceDir device;
        WatchedDevice enrol(d.path(QStringLiteral("enrol.strace")),
                            QStringList{QStringLiteral("enrol"), QStringLiteral("--code-file"),
                                        d.path(QStringLiteral("enrol.code")),
                                        QStringLiteral("--timeout"), QStringLiteral("120")} +
                                device.common());
        static const QRegularExpression numberRe(
            QStringLiteral("Safety number: ((?:\\d{5} ){11}\\d{5})"));
        enrol.watch(
            port,
            [](const QByteArray &out) { return numberRe.match(QString::fromUtf8(out)).hasMatch(); },
            120000);
        const auto number = numberRe.match(QString::fromUtf8(enrol.out()));
        QVERIFY2(number.hasMatch(), enrol.out() + enrol.err());
        const Run confirm = d.hq({QStringLiteral("device"), QStringLiteral("confirm"), id,
                                  QStringLiteral("--number"), number.captured(1)});
        QVERIFY2(confirm.code == 0, describe(confirm).constData());
        enrol.watch(
            port, [](const QByteArray &) { return false; }, 120000);
        QVERIFY2(enrol.exitCode() == 0, enrol.out() + enrol.err());

        // ---- a sync round (watched) ----
        QCOMPARE(d.hq({QStringLiteral("publish")}).code, 0);
        WatchedDevice sync(d.path(QStringLiteral("sync.strace")),
                           QStringList{QStringLiteral("sync"), QStringLiteral("--json")} +
                               device.common());
        sync.watch(
            port, [](const QByteArray &) { return false; }, 120000);
        QVERIFY2(sync.exitCode() == 0, sync.out() + sync.err());
        const ToolRun rec = device.run(QStringLiteral("records"), {QStringLiteral("--json")});
        QVERIFY2(rec.out.contains("Netns Vienna-Marker"), describe(rec).constData());

        // ---- what was seen ----
        for (const WatchedDevice *w : {&enrol, &sync}) {
            QVERIFY2(w->violations().isEmpty(), qPrintable(w->violations().join(u'\n')));
            const QStringList traced = w->traceViolations(port);
            QVERIFY2(traced.isEmpty(), qPrintable(traced.join(u'\n')));
        }
        // The watch saw the device's connections to the relay (it looked at the right sockets).
        QVERIFY2(enrol.tcpSeen() > 0, "no connection of the enrolling device to the relay seen");
        QFile trace(d.path(QStringLiteral("sync.strace")));
        QVERIFY(trace.open(QIODevice::ReadOnly));
        QVERIFY2(
            trace.readAll().contains(QStringLiteral("sin_port=htons(%1)").arg(port).toLatin1()),
            "strace saw no connect of the syncing device to the relay");
    }
};

int main(int argc, char **argv)
{
    g_namespaceError = enterOwnNetworkNamespace();
    QCoreApplication app(argc, argv);
    liaison::test::prepareTestProcess();
    TestNetnsDevice tc;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&tc, argc, argv);
}
#include "tst_netns_device.moc"
