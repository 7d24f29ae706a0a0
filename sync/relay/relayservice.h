#pragma once

// The relay's request handling: authentication (signed requests, admin calls, enrolment tokens),
// the endpoints of DESIGN.md "Relay", long-poll waiters, caches, limits, metrics and the request
// log. Lives on the Asio thread; storage work runs on DbPool workers and comes back here.

#include "dbpool.h"
#include "httpserver.h"
#include "httptypes.h"
#include "metrics.h"
#include "protocol/hqcert.h"
#include "protocol/requestsig.h"
#include "ratelimiter.h"
#include "relayconfig.h"
#include "router.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <QList>

#include <cstring>

#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>

namespace liaison::relay {

struct IdHash
{
    std::size_t operator()(const crypto::Id16 &id) const noexcept
    {
        std::size_t h;
        std::memcpy(&h, id.data(), sizeof h); // ids are random
        return h;
    }
};

struct Caller
{
    enum class Kind { Device, Hq, Admin };
    Kind kind = Kind::Device;
    crypto::Id16 id; // the device id; HQ's participant id (zero) for Hq and Admin
    crypto::SignPublicKey key;
    DeviceState state = DeviceState::Active;
    QByteArray keyId;
    protocol::RequestNonce nonce;
    std::int64_t requestMs = 0; // the request's signed time
};

class RelayService
{
public:
    RelayService(boost::asio::io_context &ioc, const RelayConfig &config, DbPool &db,
                 std::function<std::int64_t()> nowMs);
    ~RelayService();
    RelayService(const RelayService &) = delete;
    RelayService &operator=(const RelayService &) = delete;

    void handle(HttpRequest request, HttpServer::Reply reply);
    void handleOps(HttpRequest request, HttpServer::Reply reply);
    void onTransportRefusal(const char *route, int status, const char *code,
                            const QByteArray &peer);

    // Starts the periodic jobs (retention, cache refresh).
    void start();
    // New mail for a recipient (local commit or NOTIFY from another process): wakes long-polls.
    void wake(const crypto::Id16 &recipient);
    void setListenerConnected(bool connected);
    void setTlsPin(const QByteArray &spkiSha256Base64) { m_tlsPin = spkiSha256Base64; }
    // Without --public-host, the signed audience must name one of these hosts (any port): the
    // names of the relay's TLS certificate, or the loopback names for plain HTTP.
    void setDefaultAudience(const QStringList &hosts) { m_defaultAudience = hosts; }
    void setConnectionCounter(std::function<std::size_t()> counter)
    {
        m_connections = std::move(counter);
    }

    // Installs an HQ certificate (the --hq-cert path and PUT /v1/hq-cert).
    void installCertificate(QByteArray bytes, std::function<void(HttpResponse)> done);

    // Graceful stop: answer parked long-polls now, refuse new requests with 503.
    void shutdown();
    [[nodiscard]] int inFlight() const { return m_inFlight; }

    struct Ctx;
    struct Waiter;

private:
    using CtxPtr = std::shared_ptr<Ctx>;
    using JobWork = std::function<Result<DbPool::Verdict>(RelayStore &, HttpResponse &)>;

    void finish(const CtxPtr &ctx, HttpResponse response);
    void route(const CtxPtr &ctx);
    void authenticate(const CtxPtr &ctx, std::function<void(const Caller &)> next);
    void withCertificate(std::function<void()> next);
    void withDevice(const crypto::Id16 &id,
                    std::function<void(const Result<std::optional<DeviceRecord>> &)> next);
    void runJob(const CtxPtr &ctx, DbPool::Kind kind, JobWork work,
                std::function<void(HttpResponse &)> after = {});
    // In the request's transaction: the caller is still who the cache said, and the nonce is new.
    [[nodiscard]] static RequestAuth requestAuth(const Caller &caller, std::int64_t nowMs);
    // Why a request with these facts is refused (unknown or changed key, revoked, replayed).
    [[nodiscard]] static std::optional<HttpResponse> refusalFor(const Caller &caller,
                                                                const AdmitFacts &facts);
    [[nodiscard]] Result<std::optional<HttpResponse>> admit(RelayStore &store, const Caller &caller,
                                                            std::int64_t nowMs) const;
    [[nodiscard]] bool rateLimited(const CtxPtr &ctx, const QByteArray &key);
    // Refusal log lines are rate-limited (an attack must not fill the disk): false = skip this
    // one (counted, and said in one line later).
    [[nodiscard]] bool refusalLogAllowed();
    void flushSuppressedLog();

    void postEnvelope(const CtxPtr &ctx, const Caller &caller);
    void getMailbox(const CtxPtr &ctx, const Caller &caller);
    void ackMailbox(const CtxPtr &ctx, const Caller &caller);
    void getStream(const CtxPtr &ctx, const Caller &caller);
    void hqCert(const CtxPtr &ctx);
    void enrol(const CtxPtr &ctx);
    void wipe(const CtxPtr &ctx);
    void wipeDone(const CtxPtr &ctx);
    void device(const CtxPtr &ctx, const Caller &caller);
    void health(const CtxPtr &ctx);
    void metrics(const CtxPtr &ctx);

    [[nodiscard]] quint64 generationOf(const crypto::Id16 &recipient) const;
    void pollMailbox(const std::shared_ptr<Waiter> &w);
    void park(const std::shared_ptr<Waiter> &w);
    void answerMailbox(const CtxPtr &ctx, std::int64_t after, StoredBatch batch);

    boost::asio::io_context &m_ioc;
    RelayConfig m_config;
    DbPool &m_db;
    std::function<std::int64_t()> m_now;
    Metrics m_metrics;
    RateLimiter m_rate;        // per authenticated key
    RateLimiter m_addressRate; // per client address, before any database or crypto work
    // Failed authentications per client address; when empty, unknown key ids from that address
    // are refused without a database lookup.
    RateLimiter m_authFailures;
    RateLimiter m_refusalLog; // refusal log lines, all callers together
    quint64 m_suppressedLog = 0;

    std::optional<protocol::HqCertificate> m_cert;
    std::int64_t m_certLoadedMs = -1;
    bool m_certLoading = false;
    std::vector<std::function<void()>> m_certWaiting;

    // A device record (fresh for a short time, then reloaded; kept longer as "a key id that
    // exists" for the failed-authentication limiter), or none: an unknown key id, cached
    // negatively for a shorter time.
    struct CachedDevice
    {
        std::optional<DeviceRecord> record;
        std::int64_t loadedMs = 0;
    };
    std::unordered_map<crypto::Id16, CachedDevice, IdHash> m_devices;

    std::unordered_map<crypto::Id16, QList<std::shared_ptr<Waiter>>, IdHash> m_waiters;
    std::unordered_map<crypto::Id16, quint64, IdHash> m_generation;
    bool m_listenerConnected = true;

    boost::asio::steady_timer m_retentionTimer;
    boost::asio::steady_timer m_pruneTimer;
    QByteArray m_tlsPin;
    QStringList m_defaultAudience;
    std::function<std::size_t()> m_connections;
    bool m_stopping = false;
    int m_inFlight = 0;
    quint64 m_requestCounter = 0;
};

} // namespace liaison::relay
