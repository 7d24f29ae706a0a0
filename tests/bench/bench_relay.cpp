// bench_relay: liaison-relay under load from simulated devices (issue 4 "Benchmark").
//
// Each simulated device keeps one HTTP/1.1 connection and loops: POST /v1/envelopes (a sealed
// envelope with a 1 KiB body) to HQ, then GET /v1/mailbox (its own, pre-filled by HQ with 1 KiB
// envelopes). Every request is signed (LIAISN-req-v1), the relay checks everything as in
// production, and commits durably (SQLite WAL + synchronous FULL; PostgreSQL fsync on). All
// devices run in one client thread on non-blocking sockets; the relay processes and PostgreSQL
// share the same machine.
//
//   relay_sqlite_req_per_s        completed requests per second on SQLite (reported)
//   relay_sqlite_p99_ms           99th percentile request latency on SQLite (goal <= 50)
//   relay_pg_over_sqlite          PostgreSQL throughput / SQLite throughput, same run (goal >= 0.5)
//   relay_pg_p99_ms               99th percentile request latency on PostgreSQL (issue 13: goal
//                                 <= 100 at 100 devices, absolute, this machine)
//   relay_two_instances_over_one  two relay processes on one PostgreSQL / one (goal >= 0.9)
//
// --smoke: 10 devices, 1 s per phase (ctest). PostgreSQL: LIAISON_TEST_PG_URL, or a throw-away
// cluster started with scripts/pg-cluster when it is not set.
//
// --versus-static PORT (tests/bench/peers/run, issue 13): instead of the above, the same load
// generator and connection count against the relay as shipped (SQLite, its per-request log line
// on, plain http on loopback) posting envelopes only, then against PORT on 127.0.0.1 (nginx,
// plain, access log on) fetching /1k.bin, a 1 KiB static file:
//   relay_append_req_per_s, static_req_per_s (reported)
//   relay_append_over_nginx       the first / the second (goal >= 0.25)

#include "../integration/relaytestkit.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QTimer>

#include <algorithm>
#include <cstdio>

using namespace liaison;
using namespace liaison::relaytest;

namespace {

struct PhaseResult
{
    double reqPerS = 0;
    double p99Ms = 0;
    double p50Ms = 0;
    qint64 requests = 0;
    qint64 errors = 0;
};

// What each simulated connection sends.
enum class Load {
    PostThenMailbox, // POST /v1/envelopes, then GET /v1/mailbox, in turn
    PostOnly,        // POST /v1/envelopes only
    StaticFile,      // GET /1k.bin (a static server, not the relay)
};

struct Sim
{
    int index = 0;
    DeviceIdentity *dev = nullptr;
    Signer signer;
    quint16 port = 0;
    QTcpSocket *socket = nullptr;
    QByteArray buffer;
    bool posting = true;
    std::uint64_t nextSeq = 1;
    qsizetype nextEnvelope = 0;
    QList<Built> envelopes;
    qint64 sentAtNs = 0;
};

class LoadRun
{
public:
    LoadRun(std::vector<Sim> &sims, const Deployment &dep, qint64 warmupMs, qint64 measureMs,
            Load load = Load::PostThenMailbox)
        : m_sims(sims)
        , m_dep(dep)
        , m_warmupMs(warmupMs)
        , m_measureMs(measureMs)
        , m_load(load)
    {}

    PhaseResult run()
    {
        m_clock.start();
        for (Sim &s : m_sims) {
            s.socket = new QTcpSocket;
            s.socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
            QObject::connect(s.socket, &QTcpSocket::connected, [this, &s] { send(s); });
            QObject::connect(s.socket, &QTcpSocket::readyRead, [this, &s] { onReadable(s); });
            QObject::connect(s.socket, &QTcpSocket::errorOccurred, [this, &s] {
                ++m_errors;
                s.socket->abort();
            });
            s.socket->connectToHost(QStringLiteral("127.0.0.1"), s.port);
        }
        QTimer::singleShot(int(m_warmupMs), [this] {
            m_measuring = true;
            m_measureStart = m_clock.nsecsElapsed();
        });
        QTimer::singleShot(int(m_warmupMs + m_measureMs), [this] {
            m_measuring = false;
            m_measureEnd = m_clock.nsecsElapsed();
            m_stopping = true;
            m_loop.quit();
        });
        m_loop.exec();
        for (Sim &s : m_sims) {
            s.socket->abort();
            delete s.socket;
            s.socket = nullptr;
        }
        PhaseResult r;
        r.requests = qint64(m_latenciesNs.size());
        r.errors = m_errors;
        const double seconds = double(m_measureEnd - m_measureStart) / 1e9;
        r.reqPerS = seconds > 0 ? double(r.requests) / seconds : 0;
        if (!m_latenciesNs.empty()) {
            std::sort(m_latenciesNs.begin(), m_latenciesNs.end());
            r.p99Ms =
                double(m_latenciesNs[std::min(m_latenciesNs.size() - 1,
                                              std::size_t(double(m_latenciesNs.size()) * 0.99))]) /
                1e6;
            r.p50Ms = double(m_latenciesNs[m_latenciesNs.size() / 2]) / 1e6;
        }
        return r;
    }

private:
    void send(Sim &s)
    {
        if (m_stopping)
            return;
        const QByteArray host = "127.0.0.1:" + QByteArray::number(s.port);
        QByteArray raw;
        if (m_load == Load::StaticFile) {
            raw = "GET /1k.bin HTTP/1.1\r\nHost: " + host + "\r\n\r\n";
        } else if (s.posting) {
            if (s.nextEnvelope >= s.envelopes.size())
                s.envelopes.append(deviceEnvelope(m_dep, *s.dev, s.nextSeq));
            const Built &e = s.envelopes[s.nextEnvelope++];
            ++s.nextSeq;
            raw = "POST /v1/envelopes HTTP/1.1\r\nHost: " + host +
                  "\r\nContent-Length: " + QByteArray::number(e.bytes.size()) + "\r\n";
            for (const auto &[k, v] : s.signer.headersFor(host, "POST", "/v1/envelopes", e.bytes))
                raw += k + ": " + v + "\r\n";
            raw += "\r\n" + e.bytes;
        } else {
            const QByteArray target = "/v1/mailbox?after=0&limit=5";
            raw = "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\n";
            for (const auto &[k, v] : s.signer.headersFor(host, "GET", target, {}))
                raw += k + ": " + v + "\r\n";
            raw += "\r\n";
        }
        s.sentAtNs = m_clock.nsecsElapsed();
        s.socket->write(raw);
    }

    void onReadable(Sim &s)
    {
        s.buffer += s.socket->readAll();
        for (;;) {
            const qsizetype end = s.buffer.indexOf("\r\n\r\n");
            if (end < 0)
                return;
            const QByteArray head = s.buffer.left(end);
            const qsizetype cl = head.toLower().indexOf("content-length:");
            qsizetype length = 0;
            if (cl >= 0) {
                const qsizetype eol = head.indexOf("\r\n", cl);
                length = head.mid(cl + 15, (eol < 0 ? head.size() : eol) - cl - 15)
                             .trimmed()
                             .toLongLong();
            }
            if (s.buffer.size() < end + 4 + length)
                return;
            const int status = head.mid(9, 3).toInt();
            s.buffer.remove(0, end + 4 + length);
            const qint64 now = m_clock.nsecsElapsed();
            if (status != 200)
                ++m_errors;
            else if (m_measuring && s.sentAtNs >= m_measureStart)
                m_latenciesNs.push_back(now - s.sentAtNs);
            if (m_load == Load::PostThenMailbox)
                s.posting = !s.posting;
            send(s);
        }
    }

    std::vector<Sim> &m_sims;
    const Deployment &m_dep;
    qint64 m_warmupMs;
    qint64 m_measureMs;
    Load m_load;
    QElapsedTimer m_clock;
    QEventLoop m_loop;
    bool m_measuring = false;
    bool m_stopping = false;
    qint64 m_measureStart = 0;
    qint64 m_measureEnd = 0;
    qint64 m_errors = 0;
    std::vector<qint64> m_latenciesNs;
};

QString sourceDir()
{
    // CMakeCache.txt of the build tree names the source directory.
    QDir dir(QCoreApplication::applicationDirPath());
    for (int up = 0; up < 4; ++up) {
        QFile cache(dir.filePath(QStringLiteral("CMakeCache.txt")));
        if (cache.open(QIODevice::ReadOnly)) {
            for (const QByteArray &line : cache.readAll().split('\n'))
                if (line.startsWith("Liaison_SOURCE_DIR:STATIC="))
                    return QString::fromLocal8Bit(line.mid(26).trimmed());
        }
        dir.cdUp();
    }
    return {};
}

struct PhaseSpec
{
    QString backend;
    int instances = 1;
    Load load = Load::PostThenMailbox;
    bool quiet = true; // false: the relay's per-request log line, as shipped
};

bool runPhase(const PhaseSpec &spec, int devices, qint64 warmupMs, qint64 measureMs,
              PhaseResult &out, QString &error)
{
    RelayEnv env;
    if (!env.setUp(spec.backend)) {
        error = env.error;
        return false;
    }
    // All simulated devices share one address: the per-address limits are lifted.
    QStringList flags{"--rate", "1000000", "--burst", "1000000", "--mailbox-depth", "100000000"};
    if (spec.quiet)
        flags.prepend(QStringLiteral("--quiet"));
    std::vector<std::unique_ptr<RelayProcess>> relays;
    for (int i = 0; i < spec.instances; ++i) {
        relays.push_back(std::make_unique<RelayProcess>());
        if (!relays.back()->start(*env.dir, env.backend, *env.dep, flags)) {
            error = QStringLiteral("relay did not start: ") +
                    QString::fromLatin1(relays.back()->logTail());
            env.tearDown();
            return false;
        }
    }
    std::vector<DeviceIdentity> ids(static_cast<std::size_t>(devices));
    std::vector<Sim> sims(static_cast<std::size_t>(devices));
    {
        HttpConnection c(relays[0]->port);
        Signer admin = adminSigner(*env.dep);
        Signer hq = hqSigner(*env.dep);
        for (int i = 0; i < devices; ++i) {
            if (registerDevice(c, admin, ids[std::size_t(i)]).status != 200) {
                error = QStringLiteral("device registration failed");
                env.tearDown();
                return false;
            }
            for (int k = 1; k <= 5; ++k)
                (void)signedCall(
                    c, hq, "POST", "/v1/envelopes",
                    hqEnvelope(*env.dep, ids[std::size_t(i)], quint64(k), QByteArray(1024, 'd'))
                        .bytes);
        }
    }
    const int perDevice = int(std::max<qint64>(20, (warmupMs + measureMs) / 25));
    for (int i = 0; i < devices; ++i) {
        Sim &s = sims[std::size_t(i)];
        s.index = i;
        s.dev = &ids[std::size_t(i)];
        s.signer = deviceSigner(*env.dep, *s.dev);
        s.port = relays[std::size_t(i) % relays.size()]->port;
        for (int k = 1; k <= perDevice; ++k)
            s.envelopes.append(deviceEnvelope(*env.dep, *s.dev, quint64(k), QByteArray(1024, 'u')));
    }
    LoadRun run(sims, *env.dep, warmupMs, measureMs, spec.load);
    out = run.run();
    for (auto &r : relays)
        r->stop();
    env.tearDown();
    if (out.requests == 0) {
        error = QStringLiteral("no request completed");
        return false;
    }
    return true;
}

// The same load generator and connection count against a static file server on `port`.
bool runStatic(quint16 port, int connections, qint64 warmupMs, qint64 measureMs, PhaseResult &out,
               QString &error)
{
    Deployment dep;
    std::vector<Sim> sims(static_cast<std::size_t>(connections));
    for (int i = 0; i < connections; ++i) {
        sims[std::size_t(i)].index = i;
        sims[std::size_t(i)].port = port;
    }
    LoadRun run(sims, dep, warmupMs, measureMs, Load::StaticFile);
    out = run.run();
    if (out.requests == 0 || out.errors > 0) {
        error = QStringLiteral("the static server answered %1 requests, %2 errors")
                    .arg(out.requests)
                    .arg(out.errors);
        return false;
    }
    return true;
}

int versusStatic(quint16 port, int connections, qint64 warmupMs, qint64 measureMs)
{
    PhaseResult relay, file;
    QString error;
    PhaseSpec shipped{QStringLiteral("sqlite"), 1, Load::PostOnly, false};
    if (!runPhase(shipped, connections, warmupMs, measureMs, relay, error) ||
        !runStatic(port, connections, warmupMs, measureMs, file, error)) {
        std::fprintf(stderr, "bench_relay: %s\n", qPrintable(error));
        return 1;
    }
    std::printf("relay_append_connections: %d (reported)\n", connections);
    std::printf("relay_append_req_per_s: %.0f (reported)\n", relay.reqPerS);
    std::printf("relay_append_p99_ms: %.1f (reported)\n", relay.p99Ms);
    std::printf("relay_append_errors: %lld (reported)\n", static_cast<long long>(relay.errors));
    std::printf("static_req_per_s: %.0f (reported)\n", file.reqPerS);
    std::printf("static_p99_ms: %.1f (reported)\n", file.p99Ms);
    std::printf("relay_append_over_nginx: %.3f (goal >= 0.25)\n", relay.reqPerS / file.reqPerS);
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (!crypto::initialize()) {
        std::fprintf(stderr, "bench_relay: crypto self-test failed\n");
        return 1;
    }
    const bool smoke = app.arguments().contains(QStringLiteral("--smoke"));
    const int devices = smoke ? 10 : 100;
    const qint64 warmupMs = smoke ? 300 : 2000;
    const qint64 measureMs = smoke ? 1000 : 10000;
    if (const qsizetype at = app.arguments().indexOf(QStringLiteral("--versus-static")); at > 0) {
        bool ok = false;
        const uint port = app.arguments().value(at + 1).toUInt(&ok);
        if (!ok || port == 0 || port > 65535) {
            std::fprintf(stderr, "bench_relay: --versus-static needs a port\n");
            return 2;
        }
        return versusStatic(quint16(port), devices, warmupMs, measureMs);
    }

    // PostgreSQL: the test cluster, or a throw-away one.
    QString pgDir;
    if (pgBaseUrl().isEmpty()) {
        const QString script = sourceDir() + QStringLiteral("/scripts/pg-cluster");
        pgDir = QDir::tempPath() + QStringLiteral("/liaison-bench-pg-") +
                QString::number(QCoreApplication::applicationPid());
        QProcess p;
        p.start(script, {QStringLiteral("start"), pgDir});
        if (!QFile::exists(script) || !p.waitForFinished(120000) || p.exitCode() != 0) {
            std::fprintf(stderr,
                         "bench_relay: LIAISON_TEST_PG_URL is not set and no cluster "
                         "could be started (%s)\n",
                         qPrintable(script));
            return 1;
        }
        qputenv("LIAISON_TEST_PG_URL", p.readAllStandardOutput().trimmed());
    }
    auto stopCluster = [&] {
        if (!pgDir.isEmpty()) {
            QProcess::execute(sourceDir() + QStringLiteral("/scripts/pg-cluster"),
                              {QStringLiteral("stop"), pgDir});
            QDir(pgDir).removeRecursively();
        }
    };

    PhaseResult sqlite, pg, pg2;
    QString error;
    const bool ok =
        runPhase({QStringLiteral("sqlite"), 1}, devices, warmupMs, measureMs, sqlite, error) &&
        runPhase({QStringLiteral("postgres"), 1}, devices, warmupMs, measureMs, pg, error) &&
        runPhase({QStringLiteral("postgres"), 2}, devices, warmupMs, measureMs, pg2, error);
    stopCluster();
    if (!ok) {
        std::fprintf(stderr, "bench_relay: %s\n", qPrintable(error));
        return 1;
    }
    std::printf("relay_sqlite_req_per_s: %.0f (reported)\n", sqlite.reqPerS);
    std::printf("relay_sqlite_p99_ms: %.1f (goal <= 50; absolute, this machine)\n", sqlite.p99Ms);
    std::printf("relay_pg_over_sqlite: %.2f (goal >= 0.5)\n", pg.reqPerS / sqlite.reqPerS);
    std::printf("relay_two_instances_over_one: %.2f (goal >= 0.9)\n", pg2.reqPerS / pg.reqPerS);
    std::printf("relay_sqlite_p50_ms: %.1f (reported)\n", sqlite.p50Ms);
    std::printf("relay_pg_req_per_s: %.0f (reported)\n", pg.reqPerS);
    std::printf("relay_pg_p99_ms: %.1f (goal <= 100; absolute, this machine, %d devices)\n",
                pg.p99Ms, devices);
    std::printf("relay_pg_two_instances_req_per_s: %.0f (reported)\n", pg2.reqPerS);
    std::printf("relay_pg_two_instances_p99_ms: %.1f (reported)\n", pg2.p99Ms);
    std::printf("relay_bench_errors: %lld (reported)\n",
                static_cast<long long>(sqlite.errors + pg.errors + pg2.errors));
    std::printf("relay_bench_devices: %d (reported)\n", devices);
    return 0;
}
