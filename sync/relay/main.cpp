// liaison-relay: builds and wires the relay's services, then runs the Asio loop until SIGTERM.

#include "crypto/crypto.h"
#include "dbpool.h"
#include "hardening/processhardening.h"
#include "httpserver.h"
#include "maillistener.h"
#include "relayconfig.h"
#include "relayservice.h"
#include "router.h"
#include "tlsconfig.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QLoggingCategory>

#include <csignal>
#include <cstdio>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <unistd.h>

Q_DECLARE_LOGGING_CATEGORY(lcRelay)

using namespace liaison;
using namespace liaison::relay;
namespace asio = boost::asio;

namespace {
constexpr int kStopGraceMs = 10000;

std::int64_t g_clockOffsetMs = 0;

std::int64_t wallClockMs()
{
    return QDateTime::currentMSecsSinceEpoch() + g_clockOffsetMs;
}

// Descriptors kept back from client connections: the operations listener and its clients (64),
// database connections, the PostgreSQL listener, log and TLS files.
constexpr rlim_t kFdReserve = 128;

// Raises the soft limit of open files as far as the hard limit allows and returns the number of
// public connections the relay can hold: --max-connections, or less with a warning when the
// limit is too low for it (the rest are answered 503 and closed instead of exhausting the
// process's descriptors).
int connectionCapacity(int maxConnections, int *maxOpenSockets)
{
    struct rlimit r
    {};
    if (::getrlimit(RLIMIT_NOFILE, &r) != 0)
        return maxConnections;
    auto ceiling = [&] {
        if (r.rlim_cur != RLIM_INFINITY && r.rlim_cur > kFdReserve / 2)
            *maxOpenSockets = int(std::min<rlim_t>(r.rlim_cur - kFdReserve / 2, 1 << 30));
    };
    const rlim_t wanted = rlim_t(maxConnections) + kFdReserve;
    if (r.rlim_cur < wanted && r.rlim_cur < r.rlim_max) {
        struct rlimit raised = r;
        raised.rlim_cur = r.rlim_max == RLIM_INFINITY ? wanted : std::min(r.rlim_max, wanted);
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0)
            r = raised;
    }
    ceiling();
    if (r.rlim_cur >= wanted)
        return maxConnections;
    const int capacity = r.rlim_cur > kFdReserve * 2 ? int(r.rlim_cur - kFdReserve)
                                                     : int(std::max<rlim_t>(r.rlim_cur / 2, 1));
    qCWarning(lcRelay).noquote()
        << QStringLiteral(
               "open-file limit %1 (hard %2) is below --max-connections %3 + %4 "
               "reserved; serving at most %5 connections (raise LimitNOFILE / ulimit -n)")
               .arg(qulonglong(r.rlim_cur))
               .arg(r.rlim_max == RLIM_INFINITY ? QStringLiteral("unlimited")
                                                : QString::number(qulonglong(r.rlim_max)))
               .arg(maxConnections)
               .arg(qulonglong(kFdReserve))
               .arg(capacity);
    return capacity;
}
} // namespace

int main(int argc, char **argv)
{
    if (auto h = liaison::hardening::hardenProcess(); !h) {
        std::fprintf(stderr, "liaison-relay: refusing to run unhardened: %s\n",
                     qPrintable(h.error().message));
        return 1;
    }
    std::signal(SIGPIPE, SIG_IGN);
    QCoreApplication app(argc, argv); // Qt SQL and the listener's event loop need one
    QCoreApplication::setApplicationName(QStringLiteral("liaison-relay"));
    qSetMessagePattern(QStringLiteral("%{time yyyy-MM-ddThh:mm:ss.zzz} %{category} %{message}"));

    bool help = false;
    auto config = parseRelayArguments(QCoreApplication::arguments(), &help);
    if (help) {
        std::fputs(qPrintable(relayHelpText()), stdout);
        return 0;
    }
    if (!config) {
        std::fprintf(stderr, "liaison-relay: %s\n", qPrintable(config.error().message));
        return 2;
    }
    g_clockOffsetMs = config->testClockOffsetMs;
    if (auto s = crypto::initialize(); !s) {
        std::fprintf(stderr, "liaison-relay: %s\n", qPrintable(s.error().message));
        return 1;
    }

    asio::io_context ioc(1);
    std::unique_ptr<asio::ssl::context> tls;
    QByteArray pin;
    if (!config->devPlainHttp) {
        auto t = makeServerTlsContext(config->tlsCert, config->tlsKey);
        if (!t) {
            std::fprintf(stderr, "liaison-relay: %s\n", qPrintable(t.error().message));
            return 1;
        }
        tls = std::move(*t);
        if (auto p = spkiSha256Base64(*tls))
            pin = *p;
    } else {
        qCWarning(lcRelay) << "plain HTTP on loopback (--dev-plain-http): development only";
    }

    // One relay process per SQLite file (DESIGN.md "Relay"): a second one would interleave
    // cursors and group commits. The lock lives as long as the process.
    int sqliteLock = -1;
    if (config->db.kind == DbUrl::Kind::Sqlite) {
        const QByteArray lockPath =
            QFile::encodeName(config->db.sqlitePath + QStringLiteral(".lock"));
        sqliteLock = ::open(lockPath.constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (sqliteLock < 0) {
            std::fprintf(stderr, "liaison-relay: cannot open lock file %s: %s\n",
                         lockPath.constData(), std::strerror(errno));
            return 1;
        }
        if (::flock(sqliteLock, LOCK_EX | LOCK_NB) != 0) {
            std::fprintf(stderr,
                         "liaison-relay: another liaison-relay uses %s (lock %s held); one relay "
                         "process per SQLite file (use PostgreSQL to run several)\n",
                         qPrintable(config->db.sqlitePath), lockPath.constData());
            return 1;
        }
    }

    DbPool pool(config->db, config->dbThreads,
                [&ioc](std::function<void()> fn) { asio::post(ioc, std::move(fn)); });
    if (auto s = pool.start(); !s) {
        std::fprintf(stderr, "liaison-relay: %s\n", qPrintable(s.error().message));
        return 1;
    }
    qCInfo(lcRelay).noquote() << "storage:" << config->db.display;

    RelayService service(ioc, *config, pool, wallClockMs);
    if (tls)
        service.setDefaultAudience(certificateNames(*tls));
    else
        service.setDefaultAudience(
            {QStringLiteral("127.0.0.1"), QStringLiteral("localhost"), QStringLiteral("::1")});
    if (!pin.isEmpty()) {
        service.setTlsPin(pin);
        qCInfo(lcRelay).noquote() << "TLS public-key pin (SPKI SHA-256, base64):" << pin;
    }

    if (!config->hqCertFile.isEmpty()) {
        QFile f(config->hqCertFile);
        if (!f.open(QIODevice::ReadOnly)) {
            std::fprintf(stderr, "liaison-relay: cannot read --hq-cert file\n");
            return 1;
        }
        std::optional<HttpResponse> result;
        {
            auto guard = asio::make_work_guard(ioc); // the answer comes from a DB worker
            service.installCertificate(f.read(4096),
                                       [&](HttpResponse r) { result = std::move(r); });
            while (!result && ioc.run_one() > 0) {
            }
        }
        ioc.restart();
        if (!result || result->status != 200) {
            std::fprintf(stderr, "liaison-relay: --hq-cert refused: %s\n",
                         result ? result->body.constData() : "no answer");
            return 1;
        }
    }

    ServerOptions pub;
    pub.maxHeaderBytes = config->maxHeaderBytes;
    pub.bodyLimits = config->bodyLimits;
    pub.readTimeoutMs = config->readTimeoutMs;
    pub.writeTimeoutMs = config->writeTimeoutMs;
    pub.maxConnections = connectionCapacity(config->maxConnections, &pub.maxOpenSockets);
    pub.maxInflightBodyBytes = std::size_t(config->maxInflightBody);
    pub.maxConnectionsPerAddress = config->maxConnectionsPerAddress;
    pub.minRateBytesPerSecond = config->minRate;
    for (const QString &p : config->trustedProxies)
        pub.trustedProxies.push_back(p.toLatin1());
    HttpServer publicServer(
        ioc, pub,
        [&service](HttpRequest r, HttpServer::Reply reply) {
            service.handle(std::move(r), std::move(reply));
        },
        wallClockMs, tls.get());
    ServerOptions opsOptions = pub;
    opsOptions.ops = true;
    opsOptions.maxConnections = 64;
    opsOptions.maxConnectionsPerAddress = 64;
    opsOptions.trustedProxies.clear();
    HttpServer opsServer(
        ioc, opsOptions,
        [&service](HttpRequest r, HttpServer::Reply reply) {
            service.handleOps(std::move(r), std::move(reply));
        },
        wallClockMs, nullptr);
    auto hook = [&service](const char *route, int status, const char *code,
                           const QByteArray &peer) {
        service.onTransportRefusal(route, status, code, peer);
    };
    publicServer.setRefusalHook(hook);
    opsServer.setRefusalHook(hook);
    service.setConnectionCounter([&publicServer] { return publicServer.openConnections(); });

    auto port = publicServer.listen(config->listen);
    if (!port) {
        std::fprintf(stderr, "liaison-relay: %s\n", qPrintable(port.error().message));
        return 1;
    }
    auto opsPort = opsServer.listen(config->opsListen);
    if (!opsPort) {
        std::fprintf(stderr, "liaison-relay: %s\n", qPrintable(opsPort.error().message));
        return 1;
    }

    std::unique_ptr<MailListener> listener;
    if (pool.isPostgres()) {
        listener = std::make_unique<MailListener>(
            config->db,
            [&ioc, &service](QByteArray payload) {
                asio::post(ioc, [&service, payload] {
                    if (auto id = parseIdHex(payload))
                        service.wake(*id);
                });
            },
            [&ioc, &service](bool up) {
                asio::post(ioc, [&service, up] { service.setListenerConnected(up); });
            });
        listener->start();
    }
    service.start();

    // Tests and scripts read this line to learn the ports (with port 0).
    std::printf("liaison-relay: listening public=%s:%u ops=%s:%u tls=%s\n",
                qPrintable(config->listen.host), unsigned(*port),
                qPrintable(config->opsListen.host), unsigned(*opsPort), tls ? "on" : "off");
    std::fflush(stdout);

    asio::signal_set signals(ioc, SIGTERM, SIGINT);
    asio::steady_timer drainTimer(ioc);
    std::int64_t stopStarted = 0;
    std::function<void()> drain = [&] {
        const bool idle = service.inFlight() == 0 && publicServer.openConnections() == 0;
        if (idle || wallClockMs() - stopStarted > kStopGraceMs) {
            ioc.stop();
            return;
        }
        drainTimer.expires_after(std::chrono::milliseconds(20));
        drainTimer.async_wait([&](boost::system::error_code) { drain(); });
    };
    signals.async_wait([&](boost::system::error_code ec, int sig) {
        if (ec)
            return;
        qCInfo(lcRelay) << "signal" << sig << "- stopping: answering requests in flight";
        stopStarted = wallClockMs();
        publicServer.stop();
        opsServer.stop();
        service.shutdown();
        drain();
    });

    ioc.run();
    if (listener) {
        listener->stopListening();
        listener->wait();
    }
    pool.stop();
    qCInfo(lcRelay) << "stopped";
    return 0;
}
