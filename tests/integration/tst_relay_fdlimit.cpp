// Issue 9 point 3: running out of file descriptors is not a spin. The relay runs under
// `ulimit -n 1024`; 1,500 idle connections are opened against it. Its CPU stays low (the
// acceptor backs off on EMFILE and connections beyond what it can hold are answered 503 and
// closed), /v1/health answers, and a new client gets a fast 503 or is served. At start it warns
// that its fd limit is below --max-connections.

#include "relaytestkit.h"
#include "testmain.h"

#include <QTest>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace liaison;
using namespace liaison::relaytest;

namespace {
constexpr int kIdle = 1500;

int connectRaw(quint16 port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0) {
        ::close(fd);
        return -1;
    }
    // Kept above 2048, so that the low descriptors stay free for Qt's sockets (which refuses
    // descriptors past FD_SETSIZE).
    const int high = ::fcntl(fd, F_DUPFD_CLOEXEC, 2048);
    ::close(fd);
    return high;
}
} // namespace

class TestRelayFdLimit : public QObject
{
    Q_OBJECT

    RelayEnv env;

private Q_SLOTS:
    void initTestCase()
    {
        // This process holds the idle connections: raise its own soft limit.
        struct rlimit r
        {};
        QCOMPARE(::getrlimit(RLIMIT_NOFILE, &r), 0);
        QVERIFY2(r.rlim_max >= rlim_t(kIdle + 2048 + 256),
                 "the hard fd limit of the test is too low");
        r.rlim_cur = std::min<rlim_t>(r.rlim_max, kIdle + 4096);
        QCOMPARE(::setrlimit(RLIMIT_NOFILE, &r), 0);
    }

    void init()
    {
        QVERIFY2(env.setUp(QStringLiteral("sqlite")), qPrintable(env.error));
        env.relayFdLimit = 1024;
        QVERIFY2(env.startRelay({"--read-timeout-ms", "60000"}), qPrintable(env.error));
    }

    void cleanup() { env.tearDown(); }

    void idleConnectionsBeyondTheFdLimit()
    {
        std::vector<int> idle;
        idle.reserve(kIdle);
        for (int i = 0; i < kIdle; ++i) {
            const int fd = connectRaw(env.relay->port);
            if (fd >= 0)
                idle.push_back(fd);
        }
        auto closeAll = qScopeGuard([&] {
            for (int fd : idle)
                ::close(fd);
        });
        QVERIFY2(idle.size() >= std::size_t(kIdle * 9 / 10),
                 qPrintable(QStringLiteral("only %1 connections").arg(idle.size())));
        QTest::qWait(1000); // let the relay meet its limit

        const double cpu0 = env.relay->cpuSeconds();
        QElapsedTimer wall;
        wall.start();
        QTest::qWait(3000);
        const double cpu = (env.relay->cpuSeconds() - cpu0) / (double(wall.elapsed()) / 1000.0);

        QElapsedTimer t;
        t.start();
        HttpConnection ops(env.relay->opsPort);
        const Reply h = ops.request("GET", "/v1/health", {}, {}, 10000);
        const qint64 healthMs = t.elapsed();

        t.restart();
        HttpConnection fresh(env.relay->port);
        const Reply r = fresh.request("GET", "/v1/hq-cert", {}, {}, 10000);
        const qint64 freshMs = t.elapsed();
        qInfo("relay CPU %.0f%% while holding %zu idle connections; health %d in %lld ms (%s); "
              "new client %d in %lld ms (%s)",
              cpu * 100, idle.size(), h.status, healthMs, qPrintable(h.error), r.status, freshMs,
              qPrintable(r.error));
        if (h.status != 200)
            qInfo("relay running: %d; log: %s", env.relay->running(),
                  env.relay->logTail(3000).constData());
        QVERIFY2(cpu < 0.25, qPrintable(QStringLiteral("relay CPU %1%").arg(cpu * 100)));
        QCOMPARE(h.status, 200);
        QVERIFY2(r.status == 503 || r.status == 200, qPrintable(QString::number(r.status)));
        QVERIFY2(freshMs < 3000,
                 qPrintable(QStringLiteral("new client waited %1 ms").arg(freshMs)));
    }
};

LIAISON_TEST_MAIN(TestRelayFdLimit)
#include "tst_relay_fdlimit.moc"
