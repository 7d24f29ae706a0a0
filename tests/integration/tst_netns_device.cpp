// Issue 12 test 5 (network): in a network namespace of its own, the device side connects only to
// the relay's address and listens on nothing.
//
// main() moves this test (before Qt starts a thread) into a new network namespace with only the
// loopback interface up, so every process it starts shares a network with nothing else in it. A
// desk (liaison-hq), a relay (liaison-relay, plain http on 127.0.0.1, a kernel-chosen port) and
// the device (liaison-device: the app's device core and sync engine, headless) run there. The
// device enrols with a code from the desk, then syncs; then the product app (`liaison`, offscreen)
// starts on that vault and, locked, makes its wipe check. In a second world the app's UI and core
// run unlocked (liaison-screens --script, the test build's driver of the app's QML: the product
// binary takes a passphrase only from a person at its unlock page): unlock, a sync that brings an
// instruction (and a case and a visit item) HQ issued after the enrolment, browse, acknowledge, a
// field report, a sync that takes both to the desk, lock. Each of these runs is watched two ways:
//  - from outside while it runs, every 20 ms: its sockets (/proc/PID/fd) looked up in the
//    namespace's /proc/net/{tcp,tcp6,udp,udp6,raw,raw6}: no socket in LISTEN, none of UDP or raw,
//    every TCP socket's peer the relay's 127.0.0.1:PORT;
//  - every network call it makes, from `strace -f -yy` (socket, connect, bind, listen, sendto,
//    sendmsg, sendmmsg; traceLineViolation says what is allowed): only TCP sockets, each connect
//    to an IP address goes to 127.0.0.1:PORT, it never binds an IP address nor listens on one.
// The strace check is itself tested on captured lines (listen, foreign connect, UDP ...).
// Needs root (CAP_SYS_ADMIN for the namespace) and strace; fails, never skips, without them.

#include "devicetoolkit.h"
#include "hqclikit.h"
#include "relaytestkit.h"
#include "testmain.h"

#include <QDirIterator>
#include <QJsonArray>
#include <QRegularExpression>

#include <cerrno>
#include <csignal>
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

} // namespace

namespace netnstest {

// Why one line of `strace -f -yy -e trace=socket,connect,bind,listen,sendto,sendmsg,sendmmsg`
// is not allowed for a process that may only connect to the relay at 127.0.0.1:relayPort; empty
// when it is allowed or no network call (AF_UNIX, netlink, the "resumed" tail of a call, a
// signal). Allowed: TCP sockets, a connect to the relay, sending on a TCP socket (whose peer the
// connect decided). Not allowed: any other IP connect (another address or port, IPv6), any bind
// of an IP address, listen() on anything but a UNIX socket, UDP, raw and packet sockets and
// anything sent on them or to an IP address other than the relay.
QString traceLineViolation(const QString &line, quint16 relayPort)
{
    static const QRegularExpression callRe(QStringLiteral("^\\s*(?:\\d+\\s+)?(\\w+)\\((.*)$"));
    const auto call = callRe.match(line);
    if (!call.hasMatch())
        return {};
    const QString name = call.captured(1);
    const QString args = call.captured(2);
    // The socket argument as -yy decodes it: "4<TCP:[...]>", "5<UDPv6:[...]>",
    // "6<UNIX-STREAM:[...]>".
    static const QRegularExpression fdRe(QStringLiteral("^\\d+<([A-Za-z0-9-]+):\\[(.*?)\\]>"));
    const auto fd = fdRe.match(args);
    const QString kind = fd.hasMatch() ? fd.captured(1) : QString();
    const bool unixSocket = kind.startsWith(QLatin1String("UNIX")); // UNIX, UNIX-STREAM ...
    const bool local = unixSocket || kind == QLatin1String("NETLINK");
    const bool tcp = kind == QLatin1String("TCP") || kind == QLatin1String("TCPv6");
    const bool ipAddress = args.contains(QLatin1String("sa_family=AF_INET")); // and AF_INET6
    const bool toRelay = args.contains(
        QStringLiteral("sa_family=AF_INET, sin_port=htons(%1), sin_addr=inet_addr(\"127.0.0.1\")")
            .arg(relayPort));
    if (name == QLatin1String("socket")) {
        if (args.startsWith(QLatin1String("AF_UNIX")) ||
            args.startsWith(QLatin1String("AF_LOCAL")) ||
            args.startsWith(QLatin1String("AF_NETLINK")))
            return {};
        const bool ip = args.startsWith(QLatin1String("AF_INET,")) ||
                        args.startsWith(QLatin1String("AF_INET6,"));
        if (ip && args.contains(QLatin1String("SOCK_STREAM")))
            return {};
        return QStringLiteral("a socket that is not TCP: ") + line;
    }
    if (name == QLatin1String("connect"))
        return ipAddress && !toRelay ? QStringLiteral("a connect not to the relay: ") + line
                                     : QString();
    if (name == QLatin1String("bind"))
        return ipAddress ? QStringLiteral("a bind of an IP address: ") + line : QString();
    if (name == QLatin1String("listen"))
        return unixSocket ? QString() : QStringLiteral("a listen: ") + line;
    if (name.startsWith(QLatin1String("send"))) {
        if (ipAddress && !toRelay)
            return QStringLiteral("sent to an IP address not the relay's: ") + line;
        if (!local && !tcp && !kind.isEmpty())
            return QStringLiteral("sent on a socket that is not TCP: ") + line;
        if (tcp) {
            // "a:p->b:q" once connected: the peer must be the relay.
            const qsizetype arrow = fd.captured(2).indexOf(QLatin1String("->"));
            if (arrow >= 0 &&
                fd.captured(2).mid(arrow + 2) != QStringLiteral("127.0.0.1:%1").arg(relayPort))
                return QStringLiteral("sent to a peer not the relay: ") + line;
        }
        return {};
    }
    return {};
}

// Every line of an strace log that traceLineViolation refuses.
QStringList traceViolations(const QByteArray &trace, quint16 relayPort)
{
    QStringList bad;
    for (const QByteArray &raw : trace.split('\n')) {
        const QString why = traceLineViolation(QString::fromLatin1(raw), relayPort);
        if (!why.isEmpty())
            bad << why;
    }
    return bad;
}

} // namespace netnstest

namespace {

// A process under strace (liaison-device, or the app), watched while it runs.
class WatchedDevice
{
public:
    // `input`: written to the program's stdin, which is then closed.
    WatchedDevice(const QString &traceFile, const QStringList &args,
                  const QString &program = deviceBinary(),
                  const QHash<QString, QString> &extraEnv = {}, const QByteArray &input = {})
        : m_traceFile(traceFile)
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("LIAISON_DEVICE_TEST_KDF"), QStringLiteral("1"));
        env.insert(QStringLiteral("ASAN_OPTIONS"),
                   QStringLiteral("detect_leaks=0:abort_on_error=1"));
        for (auto it = extraEnv.cbegin(); it != extraEnv.cend(); ++it)
            env.insert(it.key(), it.value());
        m_process.setProcessEnvironment(env);
        m_process.setChildProcessModifier([] { ::setsid(); });
        // -yy: every socket argument with its kind and addresses ("4<TCP:[a:p->b:q]>"), so a
        // listen() or a send on a UDP socket is seen for what it is.
        m_process.start(
            QStringLiteral("strace"),
            QStringList{QStringLiteral("-f"), QStringLiteral("-qq"), QStringLiteral("-yy"),
                        QStringLiteral("-o"), traceFile, QStringLiteral("-e"),
                        QStringLiteral("trace=socket,connect,bind,listen,sendto,sendmsg,sendmmsg"),
                        QStringLiteral("--"), program} +
                args);
        if (!input.isEmpty() && m_process.waitForStarted(10000))
            m_process.write(input);
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

    bool running() const { return m_process.state() != QProcess::NotRunning; }
    // The traced program (strace's child), or 0 once it has ended.
    qint64 tracedPid() const
    {
        QFile children(QStringLiteral("/proc/%1/task/%1/children").arg(m_process.processId()));
        if (!children.open(QIODevice::ReadOnly))
            return 0;
        return children.readAll().simplified().split(' ').value(0).toLongLong();
    }
    // SIGTERM to the traced program (strace ends with it); waits for both.
    void terminate()
    {
        if (const qint64 pid = tracedPid(); pid > 0)
            ::kill(pid_t(pid), SIGTERM);
        if (!m_process.waitForFinished(20000))
            m_process.kill();
        m_process.waitForFinished();
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
        QFile f(m_traceFile);
        if (!f.open(QIODevice::ReadOnly))
            return {QStringLiteral("no strace output in %1").arg(m_traceFile)};
        return netnstest::traceViolations(f.readAll(), relayPort);
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

// The desk, the relay (plain http on 127.0.0.1, a kernel-chosen port) and a device enrolled in
// post:vienna (whose one contact is "Netns Vienna-Marker"), all in this namespace. The enrolment
// runs watched, and what was seen of it is checked here.
struct World
{
    Desk d;
    relaytest::Backend backend;
    relaytest::RelayProcess relay;
    quint16 port = 0;
    QString deviceId;
    DeviceDir device;
};

// QVERIFY inside: the caller returns when QTest::currentTestFailed().
void setUpWorld(World &w)
{
    // The namespace holds nothing but lo.
    QFile dev(QStringLiteral("/proc/net/dev"));
    QVERIFY(dev.open(QIODevice::ReadOnly));
    const QList<QByteArray> ifaces = dev.readAll().split('\n').mid(2);
    for (const QByteArray &line : ifaces)
        if (!line.trimmed().isEmpty())
            QVERIFY2(line.trimmed().startsWith("lo:"), line.constData());

    // ---- the desk, the relay, a scope with a contact ----
    Desk &d = w.d;
    QVERIFY(d.rootInit());
    relaytest::Deployment dep;
    dep.root.publicKey = *crypto::SignPublicKey::fromHex(d.rootPublicKey.toLatin1());
    dep.id = *crypto::Id16::fromHex(d.deployment.toLatin1());
    dep.cert.clear();
    QString error;
    QVERIFY2(relaytest::makeBackend(QStringLiteral("sqlite"), d.dir, w.backend, &error),
             qPrintable(error));
    QVERIFY(w.relay.start(d.dir, w.backend, dep));
    w.port = w.relay.port;
    const quint16 port = w.port;
    QVERIFY(d.initStore(QStringLiteral("http://127.0.0.1:%1").arg(port)));
    QCOMPARE(
        d.hq({QStringLiteral("scope"), QStringLiteral("add"), QStringLiteral("post:vienna")}).code,
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
    w.deviceId = added.json.value(QStringLiteral("id")).toString();
    QVERIFY(d.writeFile(QStringLiteral("enrol.code"),
                        added.json.value(QStringLiteral("code")).toString().toLatin1() + '\n'));

    // ---- the device enrols (watched), the desk confirms its safety number ----
    WatchedDevice enrol(d.path(QStringLiteral("enrol.strace")),
                        QStringList{QStringLiteral("enrol"), QStringLiteral("--code-file"),
                                    d.path(QStringLiteral("enrol.code")),
                                    QStringLiteral("--timeout"), QStringLiteral("120")} +
                            w.device.common());
    static const QRegularExpression numberRe(
        QStringLiteral("Safety number: ((?:\\d{5} ){11}\\d{5})"));
    enrol.watch(
        port,
        [](const QByteArray &out) { return numberRe.match(QString::fromUtf8(out)).hasMatch(); },
        120000);
    const auto number = numberRe.match(QString::fromUtf8(enrol.out()));
    QVERIFY2(number.hasMatch(), enrol.out() + enrol.err());
    const Run confirm = d.hq({QStringLiteral("device"), QStringLiteral("confirm"), w.deviceId,
                              QStringLiteral("--number"), number.captured(1)});
    QVERIFY2(confirm.code == 0, describe(confirm).constData());
    enrol.watch(
        port, [](const QByteArray &) { return false; }, 120000);
    QVERIFY2(enrol.exitCode() == 0, enrol.out() + enrol.err());

    QVERIFY2(enrol.violations().isEmpty(), qPrintable(enrol.violations().join(u'\n')));
    const QStringList traced = enrol.traceViolations(port);
    QVERIFY2(traced.isEmpty(), qPrintable(traced.join(u'\n')));
    // The watch saw the device's connections to the relay (it looked at the right sockets).
    QVERIFY2(enrol.tcpSeen() > 0, "no connection of the enrolling device to the relay seen");
}

} // namespace

class TestNetnsDevice : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY2(g_namespaceError.isEmpty(), qPrintable(g_namespaceError)); }

    // The strace check catches what it must: lines as strace 6.1 writes them with -f -yy (most
    // captured from a python3 client and server in a namespace of their own), the relay being
    // 127.0.0.1:49733. Allowed lines give no violation, every other line exactly one.
    void traceCheckCatchesListenersAndForeignTraffic_data()
    {
        QTest::addColumn<QString>("line");
        QTest::addColumn<bool>("violation");
        // Allowed: a TCP socket, its connect to the relay and what it sends there; the local
        // sockets (AF_UNIX, netlink); the tail of a call strace printed in two parts.
        QTest::newRow("tcp socket")
            << "21522 socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = 4<TCP:[801829]>"
            << false;
        QTest::newRow("connect to the relay")
            << "21522 connect(4<TCP:[801829]>, {sa_family=AF_INET, sin_port=htons(49733), "
               "sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 0"
            << false;
        QTest::newRow("send to the relay")
            << "21522 sendto(4<TCP:[127.0.0.1:41850->127.0.0.1:49733]>, \"hi\", 2, 0, NULL, 0) = 2"
            << false;
        QTest::newRow("unix connect") << "21522 connect(6<UNIX:[801900]>, {sa_family=AF_UNIX, "
                                         "sun_path=\"/run/dbus/system_bus_socket\"}, 110) = 0"
                                      << false;
        QTest::newRow("netlink")
            << "21522 sendto(7<NETLINK:[801901]>, [{nlmsg_len=20, nlmsg_type=RTM_GETLINK, "
               "nlmsg_flags=NLM_F_REQUEST|NLM_F_DUMP, nlmsg_seq=1, nlmsg_pid=0}], 20, 0, "
               "{sa_family=AF_NETLINK, nl_pid=0, nl_groups=00000000}, 12) = 20"
            << false;
        QTest::newRow("unix stream") // the app, looking for nscd
            << "27336 connect(4<UNIX-STREAM:[843737]>, {sa_family=AF_UNIX, "
               "sun_path=\"/var/run/nscd/socket\"}, 110) = -1 ENOENT (No such file or directory)"
            << false;
        QTest::newRow("listen unix") << "21522 listen(5<UNIX-STREAM:[843740]>, 50) = 0" << false;
        QTest::newRow("resumed") << "21522 <... connect resumed>) = 0" << false;
        // Caught: listening (TCP, TCPv6), binding an IP address, a connect anywhere else (another
        // host, another port, IPv6 loopback, one strace printed unfinished), UDP and raw sockets
        // and what they send.
        QTest::newRow("listen tcp") << "21522 listen(3<TCP:[127.0.0.1:5555]>, 128) = 0" << true;
        QTest::newRow("listen tcp6") << "21522 listen(3<TCPv6:[[::]:5555]>, 128) = 0" << true;
        QTest::newRow("bind")
            << "21522 bind(3<TCP:[801825]>, {sa_family=AF_INET, sin_port=htons(0), "
               "sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 0"
            << true;
        QTest::newRow("connect elsewhere")
            << "21522 connect(4<TCP:[801829]>, {sa_family=AF_INET, sin_port=htons(443), "
               "sin_addr=inet_addr(\"93.184.216.34\")}, 16) = -1 ENETUNREACH (Network is "
               "unreachable)"
            << true;
        QTest::newRow("connect another port")
            << "21522 connect(4<TCP:[801829]>, {sa_family=AF_INET, sin_port=htons(49734), "
               "sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 0"
            << true;
        QTest::newRow("connect ipv6")
            << "21522 connect(4<TCPv6:[801830]>, {sa_family=AF_INET6, sin6_port=htons(49733), "
               "sin6_flowinfo=htonl(0), inet_pton(AF_INET6, \"::1\", &sin6_addr), "
               "sin6_scope_id=0}, 28) = 0"
            << true;
        QTest::newRow("connect unfinished")
            << "21523 connect(4<TCP:[801829]>, {sa_family=AF_INET, sin_port=htons(80), "
               "sin_addr=inet_addr(\"10.0.0.1\")}, 16 <unfinished ...>"
            << true;
        QTest::newRow("send on tcp elsewhere")
            << "21522 sendto(4<TCP:[127.0.0.1:41850->10.0.0.1:443]>, \"hi\", 2, 0, NULL, 0) = 2"
            << true;
        QTest::newRow("udp socket")
            << "21522 socket(AF_INET, SOCK_DGRAM|SOCK_CLOEXEC, IPPROTO_IP) = 5<UDP:[801834]>"
            << true;
        QTest::newRow("udp sendto")
            << "21522 sendto(5<UDP:[801834]>, \"x\", 1, 0, {sa_family=AF_INET, sin_port=htons(9), "
               "sin_addr=inet_addr(\"127.0.0.1\")}, 16) = 1"
            << true;
        QTest::newRow("udp sendmsg connected")
            << "21522 sendmsg(5<UDP:[127.0.0.1:40000->127.0.0.1:53]>, {msg_name=NULL, "
               "msg_namelen=0, msg_iov=[{iov_base=\"x\", iov_len=1}], msg_iovlen=1, "
               "msg_controllen=0, msg_flags=0}, 0) = 1"
            << true;
        QTest::newRow("packet socket")
            << "21522 socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)) = 8<PACKET:[801840]>" << true;
    }
    void traceCheckCatchesListenersAndForeignTraffic()
    {
        QFETCH(QString, line);
        QFETCH(bool, violation);
        const QStringList found = netnstest::traceViolations(line.toLatin1(), 49733);
        QVERIFY2(found.size() == (violation ? 1 : 0),
                 qPrintable(QStringLiteral("%1 violation(s) in: %2").arg(found.size()).arg(line)));
    }

    void deviceTalksOnlyToTheRelay()
    {
        World w;
        setUpWorld(w);
        if (QTest::currentTestFailed())
            return;
        Desk &d = w.d;
        const quint16 port = w.port;
        const DeviceDir &device = w.device;
        [[maybe_unused]] relaytest::RelayProcess &relay = w.relay;

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
        QVERIFY2(sync.violations().isEmpty(), qPrintable(sync.violations().join(u'\n')));
        const QStringList syncTraced = sync.traceViolations(port);
        QVERIFY2(syncTraced.isEmpty(), qPrintable(syncTraced.join(u'\n')));
        QFile trace(d.path(QStringLiteral("sync.strace")));
        QVERIFY(trace.open(QIODevice::ReadOnly));
        QVERIFY2(
            trace.readAll().contains(QStringLiteral("sin_port=htons(%1)").arg(port).toLatin1()),
            "strace saw no connect of the syncing device to the relay");

#if defined(LIAISON_NETNS_WITH_APP)
        // ---- the product app, locked, on the enrolled and synced vault ----
        // Nothing types a passphrase here (the app takes it only on its unlock page), so the app
        // stays locked; what it does on the network then is the wipe check: one request to the
        // relay named in the wipe file, which the device wrote once HQ confirmed it. The test
        // waits for that request at the relay (at most 45 s), watches 5 s more, then SIGTERM.
        const ToolRun st = device.run(QStringLiteral("status"), {QStringLiteral("--json")});
        QVERIFY2(st.json.value(QStringLiteral("wipe_file")).toBool(), describe(st).constData());
        static const QRegularExpression wipeGet(QStringLiteral("GET /v1/wipe/\\{id\\} status="));
        const auto wipeChecks = [&relay] {
            return QString::fromLatin1(relay.log()).count(wipeGet);
        };
        const qsizetype wipeChecksBefore = wipeChecks();
        QTemporaryDir home;
        QVERIFY(home.isValid());
        QElapsedTimer appTime;
        appTime.start();
        WatchedDevice app(d.path(QStringLiteral("app.strace")),
                          QStringList{QStringLiteral("--vault"), device.vaultDir(),
                                      QStringLiteral("--keystore"), device.keyStoreDir()},
                          test::buildPath(QStringLiteral("app/liaison")),
                          {{QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen")},
                           { QStringLiteral("HOME"),
                             home.path() }});
        app.watch(
            port, [&](const QByteArray &) { return wipeChecks() > wipeChecksBefore; }, 45000);
        const qint64 checkedAfterMs = appTime.elapsed();
        const bool checked = wipeChecks() > wipeChecksBefore;
        app.watch(
            port, [](const QByteArray &) { return false; }, 5000);
        const bool stillUp = app.running();
        app.terminate();
        QVERIFY2(stillUp, "the app ended before the test stopped it: " + app.out() + app.err());
        QVERIFY2(checked, "no wipe check of the locked app reached the relay in 45 s: " +
                              app.err().right(4000));
        qInfo("the locked app's wipe check reached the relay after %lld ms", checkedAfterMs);
        QVERIFY2(app.violations().isEmpty(), qPrintable(app.violations().join(u'\n')));
        const QStringList appTraced = app.traceViolations(port);
        QVERIFY2(appTraced.isEmpty(), qPrintable(appTraced.join(u'\n')));
        QFile appTrace(d.path(QStringLiteral("app.strace")));
        QVERIFY(appTrace.open(QIODevice::ReadOnly));
        QVERIFY2(
            appTrace.readAll().contains(QStringLiteral("sin_port=htons(%1)").arg(port).toLatin1()),
            "strace saw no connect of the app to the relay");
#endif
    }

    // The app's own UI and core unlocked and syncing in the namespace: liaison-screens --script
    // (tests/screens/scriptedsession.h; a test build's executable over the app's QML module and
    // AppController, as `liaison` builds them) types the passphrase into the unlock page, syncs,
    // finds the instruction HQ issued after the enrolment, opens every tab and a card of each
    // list, searches the contacts, acknowledges the instruction on its card, queues a field
    // report, presses "Sync now" until both are out, and locks. Watched like the device; then the
    // desk syncs and holds the acknowledgement and the report.
    void appSessionTalksOnlyToTheRelay()
    {
#if !defined(LIAISON_NETNS_WITH_APP)
        QFAIL("built without the app (LIAISON_BUILD_APP=OFF): no liaison-screens to run");
#else
        World w;
        setUpWorld(w);
        if (QTest::currentTestFailed())
            return;
        Desk &d = w.d;
        const quint16 port = w.port;

        // ---- HQ adds a case and a visit item and issues an instruction after the enrolment ----
        const Run caseAdded =
            d.hq({QStringLiteral("case"), QStringLiteral("add"), QStringLiteral("--scope"),
                  QStringLiteral("post:vienna"), QStringLiteral("--reference"),
                  QStringLiteral("NS-1"), QStringLiteral("--title"), QStringLiteral("Netns case")});
        QVERIFY2(caseAdded.code == 0, describe(caseAdded).constData());
        const Run itemAdded =
            d.hq({QStringLiteral("schedule"), QStringLiteral("add"), QStringLiteral("--scope"),
                  QStringLiteral("post:vienna"), QStringLiteral("--title"),
                  QStringLiteral("Netns visit item"), QStringLiteral("--start"),
                  QDateTime::currentDateTimeUtc().addDays(1).toString(
                      QStringLiteral("yyyy-MM-ddT09:00")),
                  QStringLiteral("--minutes"), QStringLiteral("60"), QStringLiteral("--time-zone"),
                  QStringLiteral("Europe/Vienna")});
        QVERIFY2(itemAdded.code == 0, describe(itemAdded).constData());
        QVERIFY(d.writeFile(QStringLiteral("late-order.md"),
                            "# Netns Late-Order\n\nMeet the desk at the side entrance.\n"));
        const Run issued =
            d.hq({QStringLiteral("instruction"), QStringLiteral("issue"), QStringLiteral("--scope"),
                  QStringLiteral("post:vienna"), QStringLiteral("--body"),
                  d.path(QStringLiteral("late-order.md")), QStringLiteral("--requires-ack")});
        QVERIFY2(issued.code == 0, describe(issued).constData());
        const QString instructionId = issued.json.value(QStringLiteral("id")).toString();
        QCOMPARE(d.hq({QStringLiteral("publish")}).code, 0);

        // ---- the app's UI: unlock, sync, browse, acknowledge, report, sync, lock (watched) ----
        static const QByteArray report = "Netns field report: the side entrance was locked";
        QTemporaryDir home;
        QVERIFY(home.isValid());
        QElapsedTimer sessionTime;
        sessionTime.start();
        WatchedDevice app(d.path(QStringLiteral("session.strace")),
                          QStringList{QStringLiteral("--script"), QStringLiteral("--vault"),
                                      w.device.vaultDir(), QStringLiteral("--keystore"),
                                      w.device.keyStoreDir(), QStringLiteral("--passphrase-stdin"),
                                      QStringLiteral("--expect"),
                                      QStringLiteral("Netns Late-Order"),
                                      QStringLiteral("--report"), QString::fromLatin1(report)},
                          test::buildPath(QStringLiteral("tests/screens/liaison-screens")),
                          {{QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen")},
                           {QStringLiteral("HOME"), home.path()},
                           {QStringLiteral("LIAISON_SCREENS_TEST_KDF"), QStringLiteral("1")}},
                          kDevicePassphrase + '\n');
        app.watch(
            port, [](const QByteArray &) { return false; }, 240000);
        qInfo("the app's session took %lld ms:\n%s", sessionTime.elapsed(), app.out().constData());
        QVERIFY2(app.exitCode() == 0, app.out() + app.err().right(6000));
        for (const char *step :
             {"session: unlocked", "session: first sync round", "session: expected record arrived",
              "awaits acknowledgement", "session: browsed", "session: acknowledged the instruction",
              "session: report queued", "session: sent 2 change(s)", "session: locked",
              "session: done"})
            QVERIFY2(app.out().contains(step),
                     (QByteArray("no \"") + step + "\" in: " + app.out()));
        // A card of each list was opened: the contact, the case, the instruction, the visit item.
        QVERIFY2(app.out().contains("4 cards opened"), app.out().constData());
        QVERIFY(!app.out().contains(report)); // the tool prints no record text

        // ---- what was seen ----
        QVERIFY2(app.violations().isEmpty(), qPrintable(app.violations().join(u'\n')));
        const QStringList traced = app.traceViolations(port);
        QVERIFY2(traced.isEmpty(), qPrintable(traced.join(u'\n')));
        QVERIFY2(app.tcpSeen() > 0, "no connection of the app to the relay seen");
        QFile trace(d.path(QStringLiteral("session.strace")));
        QVERIFY(trace.open(QIODevice::ReadOnly));
        const QByteArray traceText = trace.readAll();
        const QByteArray toRelay = QStringLiteral("sin_port=htons(%1)").arg(port).toLatin1();
        QVERIFY2(traceText.contains(toRelay), "strace saw no connect of the app to the relay");
        int calls = 0, ipSockets = 0, relayConnects = 0;
        for (const QByteArray &line : traceText.split('\n')) {
            if (line.isEmpty())
                continue;
            ++calls;
            ipSockets += line.contains("socket(AF_INET") ? 1 : 0;
            relayConnects += line.contains("connect(") && line.contains(toRelay) ? 1 : 0;
        }
        qInfo("traced: %d network calls, %d IP sockets, %d connects to the relay; sampled: %d "
              "times a socket connected to the relay",
              calls, ipSockets, relayConnects, app.tcpSeen());

        // ---- the desk has what the app sent ----
        const Run synced = d.hq({QStringLiteral("sync")});
        QVERIFY2(synced.code == 0, describe(synced).constData());
        const Run acks =
            d.hq({QStringLiteral("acks"), QStringLiteral("--instruction"), instructionId});
        QVERIFY2(acks.code == 0, describe(acks).constData());
        const QJsonArray acknowledged = acks.json.value(QStringLiteral("acknowledged")).toArray();
        QVERIFY2(acknowledged.size() == 1 &&
                     acknowledged.at(0).toObject().value(QStringLiteral("id")).toString() ==
                         w.deviceId,
                 describe(acks).constData());
        const Run reports = d.hq({QStringLiteral("reports")});
        QVERIFY2(reports.code == 0, describe(reports).constData());
        const QJsonArray all = reports.json.value(QStringLiteral("reports")).toArray();
        QVERIFY2(all.size() == 1 && all.at(0).toObject().value(QStringLiteral("text")).toString() ==
                                        QString::fromLatin1(report),
                 describe(reports).constData());
#endif
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
