#include "relayservice.h"

#include "protocol/envelope.h"
#include "protocol/relaybatch.h"
#include "protocol/wipe.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>

#include <chrono>
#include <cmath>

Q_LOGGING_CATEGORY(lcRelay, "liaison.relay")
Q_LOGGING_CATEGORY(lcRelayRequest, "liaison.relay.request")

namespace liaison::relay {

namespace asio = boost::asio;

namespace {

constexpr std::int64_t kCertCacheMs = 5000;
constexpr std::int64_t kDeviceCacheMs = 2000;
// Unknown key ids are remembered this long (a device registered meanwhile through this relay
// clears its entry; through another instance it waits at most this long).
constexpr std::int64_t kUnknownKeyCacheMs = 1000;
// A key id seen to exist stays "known" this long for the failed-authentication limiter.
constexpr std::int64_t kKnownKeyMs = 10LL * 60 * 1000;
constexpr std::size_t kMaxCachedDevices = 200000;
// Failed authentications per client address: a burst, then one a second.
constexpr double kAuthFailureBurst = 20;
constexpr double kAuthFailureRate = 1;
// Refusal log lines, all clients together: a burst, then ten a second.
constexpr double kRefusalLogBurst = 50;
constexpr double kRefusalLogRate = 10;
constexpr int kDefaultLimit = 100;
constexpr int kMaxAckCursors = 1000;
constexpr qsizetype kMaxWipeTokenBytes = 4096;
// A parked long-poll re-reads at least this often, so a lost notification costs a few seconds at
// most; while the PostgreSQL listener is down it re-reads every second.
constexpr std::int64_t kParkSliceMs = 5000;
constexpr std::int64_t kParkSliceNoListenerMs = 1000;
constexpr std::int64_t kMaxEnrolAheadMs = 73LL * 3600 * 1000;
constexpr int kHealthDeadlineMs = 5000;

std::int64_t steadyMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

QByteArray json(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

// Unknown key id and a signature that does not verify get one answer, so that a caller cannot
// tell which device ids exist.
HttpResponse notAuthenticated()
{
    return jsonError(401, errc::badSignature, QStringLiteral("request is not authenticated"));
}

HttpResponse storeFailure()
{
    return jsonError(503, errc::unavailable, QStringLiteral("storage unavailable, retry later"));
}

std::optional<std::int64_t> jsonInt(const QJsonValue &v, std::int64_t min, std::int64_t max)
{
    if (!v.isDouble())
        return std::nullopt;
    const double d = v.toDouble();
    if (!std::isfinite(d) || d != std::floor(d) || d < double(min) || d > double(max) ||
        d > 9007199254740991.0)
        return std::nullopt;
    return std::int64_t(d);
}

// "name:port" -> "name", "[::1]:port" -> "::1".
QString hostWithoutPort(const QByteArray &host)
{
    if (host.startsWith('[')) {
        const qsizetype end = host.indexOf(']');
        return QString::fromLatin1(end > 0 ? host.mid(1, end - 1) : host);
    }
    const qsizetype colon = host.indexOf(':');
    if (colon >= 0 && host.indexOf(':', colon + 1) < 0)
        return QString::fromLatin1(host.left(colon));
    return QString::fromLatin1(host);
}

QByteArray hex(const crypto::Id16 &id)
{
    return id.toHex();
}

} // namespace

struct RelayService::Ctx
{
    HttpRequest request;
    HttpServer::Reply reply;
    RouteLookup lookup;
    std::int64_t startSteady = 0;
    quint64 id = 0;
    QByteArray keyId;
    QByteArray logExtra;
    bool done = false;
    bool ops = false;
};

struct RelayService::Waiter
{
    CtxPtr ctx;
    crypto::Id16 recipient;
    std::int64_t after = 0;
    int limit = kDefaultLimit;
    protocol::EpochRange epochs; // lane=priority|bulk: that lane's epochs; all without
    // max_bytes: the reader's page budget (a thin link), at most the relay's own; at least one
    // item is answered whatever its size.
    std::int64_t maxBytes = 0;
    std::int64_t deadlineSteady = 0;
    quint64 generation = 0;
    std::unique_ptr<asio::steady_timer> timer;
    bool finished = false;
};

RelayService::RelayService(asio::io_context &ioc, const RelayConfig &config, DbPool &db,
                           std::function<std::int64_t()> nowMs)
    : m_ioc(ioc)
    , m_config(config)
    , m_db(db)
    , m_now(std::move(nowMs))
    , m_rate(config.ratePerSecond, config.rateBurst)
    , m_addressRate(config.addressRate, config.addressBurst)
    , m_authFailures(kAuthFailureRate, kAuthFailureBurst)
    , m_refusalLog(kRefusalLogRate, kRefusalLogBurst)
    , m_retentionTimer(ioc)
    , m_pruneTimer(ioc)
{}

RelayService::~RelayService() = default;

// ---------------------------------------------------------------------------------------------
// plumbing

void RelayService::finish(const CtxPtr &ctx, HttpResponse response)
{
    if (ctx->done)
        return;
    ctx->done = true;
    --m_inFlight;
    response.addHeader("Liaison-Time", QByteArray::number(qint64(m_now())));
    if (m_stopping)
        response.close = true;
    const double seconds = double(steadyMs() - ctx->startSteady) / 1000.0;
    m_metrics.recordRequest(ctx->lookup.label, response.status, seconds, ctx->request.body.size(),
                            response.body.size());
    if (!response.errorCode.isEmpty())
        m_metrics.recordRejection(response.errorCode);
    // A failed authentication (not a clock to correct) spends the address's allowance.
    if ((response.status == 401 && response.errorCode != errc::clockSkew) ||
        response.errorCode == errc::malformedAuth)
        (void)m_authFailures.take(ctx->request.peer, steadyMs());
    if (!m_config.quiet && (response.status < 400 || refusalLogAllowed())) {
        // Ids and sizes only: never bodies, never keys.
        qCInfo(lcRelayRequest).noquote().nospace()
            << "req=" << ctx->id << ' ' << ctx->request.method << ' ' << ctx->lookup.label
            << " status=" << response.status
            << (response.errorCode.isEmpty() ? QByteArray() : " error=" + response.errorCode)
            << " in=" << ctx->request.body.size() << " out=" << response.body.size()
            << " ms=" << QByteArray::number(seconds * 1000.0, 'f', 1)
            << (ctx->keyId.isEmpty() ? QByteArray() : " key=" + ctx->keyId)
            << (ctx->logExtra.isEmpty() ? QByteArray() : ' ' + ctx->logExtra)
            << " peer=" << ctx->request.peer;
    }
    auto reply = std::move(ctx->reply);
    reply(std::move(response));
}

void RelayService::onTransportRefusal(const char *route, int status, const char *code,
                                      const QByteArray &peer)
{
    m_metrics.recordRequest(route, status, 0.0, 0, 0);
    m_metrics.recordRejection(code);
    if (!m_config.quiet && refusalLogAllowed())
        qCInfo(lcRelayRequest).noquote().nospace()
            << "req=- " << route << " status=" << status << " error=" << code << " peer=" << peer;
}

void RelayService::runJob(const CtxPtr &ctx, DbPool::Kind kind, JobWork work,
                          std::function<void(HttpResponse &)> after)
{
    auto out = std::make_shared<HttpResponse>();
    const bool queued = m_db.submit(
        kind,
        [work = std::move(work), out](RelayStore &store) -> Result<DbPool::Verdict> {
            *out = HttpResponse{};
            return work(store, *out);
        },
        [this, ctx, out, after = std::move(after)](Status st) {
            if (!st) {
                qCWarning(lcRelay) << "storage failed:" << st.error().message;
                return finish(ctx, storeFailure());
            }
            if (after)
                after(*out);
            if (out->status == 0)
                return; // the continuation answers (a parked long-poll)
            finish(ctx, std::move(*out));
        });
    if (!queued)
        finish(ctx, jsonError(503, errc::unavailable, QStringLiteral("relay overloaded")));
}

bool RelayService::refusalLogAllowed()
{
    if (!m_refusalLog.take(QByteArray(), steadyMs())) {
        ++m_suppressedLog;
        return false;
    }
    flushSuppressedLog();
    return true;
}

void RelayService::flushSuppressedLog()
{
    if (m_suppressedLog == 0)
        return;
    qCInfo(lcRelayRequest).noquote().nospace()
        << "suppressed " << m_suppressedLog << " refusal log lines (over " << int(kRefusalLogRate)
        << " a second)";
    m_suppressedLog = 0;
}

bool RelayService::rateLimited(const CtxPtr &ctx, const QByteArray &key)
{
    if (m_rate.take(key, steadyMs()))
        return false;
    HttpResponse r = jsonError(429, errc::rateLimited, QStringLiteral("too many requests"));
    r.addHeader("Retry-After", "1");
    finish(ctx, std::move(r));
    return true;
}

void RelayService::start()
{
    // Retention: acknowledged envelopes are gone already; this removes what is over 30 days,
    // spent nonces (10 min) and expired enrolment slots.
    auto scheduleRetention = std::make_shared<std::function<void()>>();
    *scheduleRetention = [this, scheduleRetention] {
        if (m_stopping)
            return;
        (void)m_db.submit(
            DbPool::Kind::Write,
            [now = m_now()](RelayStore &store) -> Result<DbPool::Verdict> {
                auto c = store.purge(now);
                if (!c)
                    return std::unexpected(c.error());
                if (c->envelopes > 0)
                    qCInfo(lcRelay)
                        << "retention removed" << c->envelopes << "envelopes older than 30 days";
                return DbPool::Verdict::Commit;
            },
            [](Status) {});
        m_retentionTimer.expires_after(std::chrono::seconds(60));
        m_retentionTimer.async_wait([scheduleRetention](boost::system::error_code ec) {
            if (!ec)
                (*scheduleRetention)();
        });
    };
    (*scheduleRetention)();

    auto schedulePrune = std::make_shared<std::function<void()>>();
    *schedulePrune = [this, schedulePrune] {
        if (m_stopping)
            return;
        m_rate.prune(steadyMs());
        m_addressRate.prune(steadyMs());
        m_authFailures.prune(steadyMs());
        if (!m_config.quiet)
            flushSuppressedLog();
        const std::int64_t now = m_now();
        std::erase_if(m_devices, [now](const auto &e) {
            return now - e.second.loadedMs > (e.second.record ? kKnownKeyMs : kUnknownKeyCacheMs);
        });
        m_pruneTimer.expires_after(std::chrono::seconds(30));
        m_pruneTimer.async_wait([schedulePrune](boost::system::error_code ec) {
            if (!ec)
                (*schedulePrune)();
        });
    };
    (*schedulePrune)();
}

void RelayService::shutdown()
{
    m_stopping = true;
    m_retentionTimer.cancel();
    m_pruneTimer.cancel();
    auto all = std::move(m_waiters);
    m_waiters.clear();
    for (auto &[id, list] : all) {
        for (auto &w : list) {
            if (w->timer)
                w->timer->cancel();
            if (!w->finished) {
                w->finished = true;
                answerMailbox(w->ctx, w->after, {});
            }
        }
    }
}

void RelayService::setListenerConnected(bool connected)
{
    m_listenerConnected = connected;
    if (connected) {
        // Anything committed while we were deaf: re-read every parked long-poll.
        std::vector<crypto::Id16> ids;
        for (const auto &[id, list] : m_waiters)
            ids.push_back(id);
        for (const auto &id : ids)
            wake(id);
    }
}

// ---------------------------------------------------------------------------------------------
// caches and authentication

void RelayService::withCertificate(std::function<void()> next)
{
    if (m_certLoadedMs >= 0 && m_now() - m_certLoadedMs < kCertCacheMs)
        return next();
    m_certWaiting.push_back(std::move(next));
    if (m_certLoading)
        return;
    m_certLoading = true;
    auto found = std::make_shared<std::optional<protocol::HqCertificate>>();
    const std::int64_t now = m_now();
    const crypto::SignPublicKey root = m_config.rootKey;
    const bool queued = m_db.submit(
        DbPool::Kind::Read,
        [found, now, root](RelayStore &store) -> Result<DbPool::Verdict> {
            auto rows = store.certificates();
            if (!rows)
                return std::unexpected(rows.error());
            QList<protocol::HqCertificate> certs;
            for (const QByteArray &b : *rows)
                if (auto c = protocol::HqCertificate::decode(b))
                    certs.append(*c);
            if (auto cur = protocol::currentHqCertificate(certs, root, now))
                *found = *cur;
            return DbPool::Verdict::Rollback;
        },
        [this, found](Status st) {
            m_certLoading = false;
            if (st) {
                m_cert = *found;
                m_certLoadedMs = m_now();
            }
            auto waiting = std::move(m_certWaiting);
            m_certWaiting.clear();
            for (auto &w : waiting)
                w();
        });
    if (!queued) {
        m_certLoading = false;
        auto waiting = std::move(m_certWaiting);
        m_certWaiting.clear();
        for (auto &w : waiting)
            w();
    }
}

void RelayService::withDevice(const crypto::Id16 &id,
                              std::function<void(const Result<std::optional<DeviceRecord>> &)> next)
{
    if (auto it = m_devices.find(id); it != m_devices.end()) {
        const std::int64_t age = m_now() - it->second.loadedMs;
        if (age < (it->second.record ? kDeviceCacheMs : kUnknownKeyCacheMs))
            return next(it->second.record);
    }
    auto found = std::make_shared<std::optional<DeviceRecord>>();
    m_metrics.recordKeyLookup();
    const bool queued = m_db.submit(
        DbPool::Kind::Read,
        [found, id](RelayStore &store) -> Result<DbPool::Verdict> {
            auto d = store.device(id);
            if (!d)
                return std::unexpected(d.error());
            *found = *d;
            return DbPool::Verdict::Rollback;
        },
        [this, found, id, next = std::move(next)](Status st) {
            if (!st) {
                qCWarning(lcRelay) << "storage failed:" << st.error().message;
                return next(std::unexpected(st.error()));
            }
            if (*found || m_devices.size() < kMaxCachedDevices)
                m_devices[id] = CachedDevice{*found, m_now()};
            next(*found);
        });
    if (!queued)
        next(fail(Errc::Io, QStringLiteral("relay overloaded")));
}

void RelayService::authenticate(const CtxPtr &ctx, std::function<void(const Caller &)> next)
{
    const HttpRequest &req = ctx->request;
    auto auth = protocol::parseRequestAuth(
        {req.liaisonKey, req.liaisonTime, req.liaisonNonce, req.liaisonSig});
    if (!auth) {
        if (auth.error().code == Errc::Refused)
            return finish(ctx,
                          jsonError(401, errc::unsigned_, QStringLiteral("request is not signed")));
        return finish(ctx, jsonError(400, errc::malformedAuth, auth.error().message));
    }
    ctx->keyId = auth->keyId;
    const std::int64_t now = m_now();
    if (!protocol::requestTimeInWindow(auth->timeMs, now)) {
        // The client recovers: offset = Liaison-Time of this answer - its own clock, retry once.
        return finish(ctx, jsonError(401, errc::clockSkew,
                                     QStringLiteral("request time is more than 5 minutes from "
                                                    "relay time; see Liaison-Time")));
    }
    if (!m_config.publicHosts.isEmpty()
            ? !m_config.publicHosts.contains(QString::fromLatin1(req.host), Qt::CaseInsensitive)
            : !m_defaultAudience.isEmpty() &&
                  !m_defaultAudience.contains(hostWithoutPort(req.host), Qt::CaseInsensitive))
        return finish(ctx, jsonError(401, errc::wrongAudience, QStringLiteral("unknown host")));

    withCertificate([this, ctx, auth = *auth, next = std::move(next)]() mutable {
        if (!m_cert)
            return finish(ctx, jsonError(503, errc::noHqCertificate,
                                         QStringLiteral("the relay has no valid HQ certificate")));
        const protocol::HqCertificate cert = *m_cert;
        auto verifyAndGo = [this, ctx, auth, cert, next](Caller caller) {
            const HttpRequest &req = ctx->request;
            protocol::SignedRequest sr;
            sr.deployment = cert.deployment;
            sr.host = req.host;
            sr.keyId = auth.keyId;
            sr.method = req.method;
            sr.path = req.path;
            sr.query = req.query;
            sr.timeMs = auth.timeMs;
            sr.nonce = auth.nonce;
            sr.bodyHash = protocol::requestBodyHash(req.body);
            if (!protocol::verifyRequestSignature(sr, auth.signature, caller.key))
                return finish(ctx, notAuthenticated());
            if (caller.kind == Caller::Kind::Device && caller.state != DeviceState::Active &&
                caller.state != DeviceState::WipeOnly)
                return finish(
                    ctx, jsonError(403, errc::revoked, QStringLiteral("this device is revoked")));
            // HQ speaks for every device (pulls, acknowledgements, one post per device): not
            // limited like one device's key (the per-address limiter still applies).
            if (caller.kind != Caller::Kind::Hq && rateLimited(ctx, caller.keyId))
                return;
            caller.keyId = auth.keyId;
            caller.nonce = auth.nonce;
            caller.requestMs = auth.timeMs;
            next(caller);
        };
        Caller caller;
        caller.keyId = auth.keyId;
        if (auth.keyId == protocol::kHqKeyId) {
            caller.kind = Caller::Kind::Hq;
            caller.id = protocol::hqParticipantId();
            caller.key = cert.contentKey;
            return verifyAndGo(caller);
        }
        if (auth.keyId == protocol::kAdminKeyId) {
            caller.kind = Caller::Kind::Admin;
            caller.id = protocol::hqParticipantId();
            caller.key = cert.relayAdminKey;
            return verifyAndGo(caller);
        }
        const auto id = parseIdHex(auth.keyId);
        if (!id || id->isZero())
            return finish(ctx, notAuthenticated());
        // An address that keeps failing to authenticate gets no more lookups of key ids this
        // relay has not seen exist.
        if (const auto it = m_devices.find(*id);
            (it == m_devices.end() || !it->second.record) &&
            !m_authFailures.has(ctx->request.peer, steadyMs())) {
            HttpResponse r =
                jsonError(429, errc::rateLimited,
                          QStringLiteral("too many failed authentications from this address"));
            r.addHeader("Retry-After", "1");
            return finish(ctx, std::move(r));
        }
        withDevice(*id, [this, ctx, caller,
                         verifyAndGo](const Result<std::optional<DeviceRecord>> &found) mutable {
            // A storage failure is the relay's problem, never the caller's key: 503.
            if (!found)
                return finish(ctx, storeFailure());
            const std::optional<DeviceRecord> &d = *found;
            if (!d || d->state == DeviceState::Deleted)
                return finish(ctx, notAuthenticated());
            caller.kind = Caller::Kind::Device;
            caller.id = d->id;
            caller.key = d->signKey;
            caller.state = d->state;
            verifyAndGo(caller);
        });
    });
}

Result<std::optional<HttpResponse>> RelayService::admit(RelayStore &store, const Caller &caller,
                                                        std::int64_t nowMs) const
{
    const RequestAuth auth = requestAuth(caller, nowMs);
    auto facts = store.admitFacts(auth.keyId, auth.nonce, auth.requestMs,
                                  auth.device ? &*auth.device : nullptr);
    if (!facts)
        return std::unexpected(facts.error());
    return refusalFor(caller, *facts);
}

RequestAuth RelayService::requestAuth(const Caller &caller, std::int64_t nowMs)
{
    RequestAuth auth;
    auth.keyId = caller.keyId;
    auth.nonce = caller.nonce.toByteArray();
    auth.requestMs = caller.requestMs;
    auth.nowMs = nowMs;
    if (caller.kind == Caller::Kind::Device) {
        auth.device = caller.id;
        auth.deviceKey = caller.key;
    }
    return auth;
}

std::optional<HttpResponse> RelayService::refusalFor(const Caller &caller, const AdmitFacts &facts)
{
    if (caller.kind == Caller::Kind::Device) {
        const auto &d = facts.device;
        if (!d || d->state == DeviceState::Deleted || d->signKey != caller.key)
            return notAuthenticated();
        if (!deviceAdmissible(d, caller.key))
            return jsonError(403, errc::revoked, QStringLiteral("this device is revoked"));
    }
    if (!facts.freshNonce)
        return jsonError(401, errc::replayed, QStringLiteral("nonce already used"));
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// dispatch

void RelayService::handle(HttpRequest request, HttpServer::Reply reply)
{
    auto ctx = std::make_shared<Ctx>();
    ctx->request = std::move(request);
    ctx->reply = std::move(reply);
    ctx->startSteady = steadyMs();
    ctx->id = ++m_requestCounter;
    ++m_inFlight;
    if (m_stopping)
        return finish(ctx, jsonError(503, errc::shuttingDown, QStringLiteral("relay is stopping")));
    if (!m_addressRate.take(ctx->request.peer, steadyMs())) {
        HttpResponse r = jsonError(429, errc::rateLimited,
                                   QStringLiteral("too many requests from this address"));
        r.addHeader("Retry-After", "1");
        return finish(ctx, std::move(r));
    }
    if (auto refusal = preflight(ctx->request, false, m_config.bodyLimits, &ctx->lookup))
        return finish(ctx, std::move(*refusal));
    route(ctx);
}

void RelayService::route(const CtxPtr &ctx)
{
    const RouteMatch &m = *ctx->lookup.match;
    const QByteArray &method = ctx->request.method;
    if (m.route != Route::Envelopes && m.route != Route::Mailbox && m.route != Route::MailboxAck &&
        m.route != Route::Stream)
        ctx->logExtra = "id=" + hex(m.id);
    switch (m.route) {
    case Route::Envelopes:
        return authenticate(ctx, [this, ctx](const Caller &c) { postEnvelope(ctx, c); });
    case Route::Mailbox:
        return authenticate(ctx, [this, ctx](const Caller &c) { getMailbox(ctx, c); });
    case Route::MailboxAck:
        return authenticate(ctx, [this, ctx](const Caller &c) { ackMailbox(ctx, c); });
    case Route::Stream:
        return authenticate(ctx, [this, ctx](const Caller &c) { getStream(ctx, c); });
    case Route::HqCert:
        return hqCert(ctx);
    case Route::Enrol:
        return enrol(ctx);
    case Route::Wipe:
        return wipe(ctx);
    case Route::WipeDone:
        return wipeDone(ctx);
    case Route::Device:
        return authenticate(ctx, [this, ctx](const Caller &c) { device(ctx, c); });
    case Route::Health:
    case Route::Metrics:
        break;
    }
    Q_UNUSED(method);
    finish(ctx, jsonError(404, errc::notFound, QStringLiteral("no such resource")));
}

// ---------------------------------------------------------------------------------------------
// envelopes and mailboxes

void RelayService::postEnvelope(const CtxPtr &ctx, const Caller &caller)
{
    if (caller.kind == Caller::Kind::Admin)
        return finish(ctx,
                      jsonError(403, errc::forbidden,
                                QStringLiteral("the relay-admin key does not post envelopes")));
    auto frame = protocol::parseEnvelope(ctx->request.body, m_config.bodyLimits.envelope);
    if (!frame)
        return finish(ctx, jsonError(400, errc::malformedEnvelope, frame.error().message));
    const protocol::EnvelopeHeader &h = frame->header;
    ctx->logExtra = "sender=" + hex(h.sender) + " recipient=" + hex(h.recipient) +
                    " epoch=" + QByteArray::number(h.epoch) +
                    " seq=" + QByteArray::number(qulonglong(h.seq));
    if (!m_cert || !protocol::checkDeployment(h, m_cert->deployment))
        return finish(ctx, jsonError(403, errc::wrongDeployment,
                                     QStringLiteral("envelope names another deployment")));
    if (h.sender != caller.id)
        return finish(ctx, jsonError(403, errc::senderNotCaller,
                                     QStringLiteral("the header's sender is not the caller")));
    const crypto::Id16 hq = protocol::hqParticipantId();
    if (caller.kind == Caller::Kind::Device && h.recipient != hq)
        return finish(ctx, jsonError(403, errc::recipientNotAllowed,
                                     QStringLiteral("devices send to HQ only")));
    if (caller.kind == Caller::Kind::Hq && h.recipient == hq)
        return finish(ctx, jsonError(403, errc::recipientNotAllowed,
                                     QStringLiteral("HQ does not send to itself")));
    // Devices sign envelopes with their registered key; HQ with the content key of the
    // current certificate. Both are the key that authenticated this request.
    if (!protocol::verifyEnvelopeSignature(*frame, caller.key))
        return finish(ctx, jsonError(403, errc::badEnvelopeSignature,
                                     QStringLiteral("envelope signature does not verify")));

    EnvelopeKey key{h.sender, h.recipient, h.epoch, h.seq, frame->envHash};
    const QByteArray data = ctx->request.body;
    const std::int64_t now = m_now();
    // A device's mailbox has one sender (HQ), whose envelopes fill it up to its depth; HQ's
    // mailbox is shared by every device, each within its own quota.
    AppendLimits limits;
    if (h.recipient == hq) {
        limits.senderMaxCount = m_config.senderQuota;
        limits.senderMaxBytes = m_config.senderQuotaBytes;
    } else {
        limits.maxDepth = m_config.mailboxDepth;
    }
    auto stored = std::make_shared<bool>(false);
    QJsonObject answer{{QStringLiteral("env_hash"), QString::fromLatin1(frame->envHash.toHex())},
                       {QStringLiteral("epoch"), qint64(h.epoch)},
                       {QStringLiteral("seq"), qint64(h.seq)}};
    // Grouped on PostgreSQL: admission and the append are one statement that stores all or
    // nothing, committed with the other appends and mailbox reads of the writer's group.
    runJob(
        ctx, DbPool::Kind::Grouped,
        [caller, key, data, now, limits, stored,
         answer](RelayStore &store, HttpResponse &out) -> Result<DbPool::Verdict> {
            *stored = false; // a group that failed runs its work again
            const bool fromHq = caller.kind == Caller::Kind::Hq;
            auto f = store.admitAndAppend(requestAuth(caller, now), fromHq, key, data, limits);
            if (!f)
                return std::unexpected(f.error());
            if (auto refusal = refusalFor(caller, f->admit)) {
                out = std::move(*refusal);
                return DbPool::Verdict::Rollback;
            }
            if (fromHq && (!f->recipientState || *f->recipientState == DeviceState::Deleted)) {
                out = jsonError(404, errc::unknownRecipient,
                                QStringLiteral("recipient is not registered"));
                return DbPool::Verdict::Rollback;
            }
            if (fromHq && !recipientAdmissible(f->recipientState)) {
                out = jsonError(403, errc::recipientNotAllowed,
                                QStringLiteral("recipient is revoked"));
                return DbPool::Verdict::Rollback;
            }
            const AppendOutcome *r = &f->append;
            switch (r->result) {
            case AppendResult::Stored:
                *stored = true;
                [[fallthrough]];
            case AppendResult::Duplicate:
                // Same bytes again: the same answer, whether or not it was delivered meanwhile.
                out = jsonResponse(200, json(answer));
                return DbPool::Verdict::Commit;
            case AppendResult::Conflict: {
                out = jsonError(409, errc::seqConflict,
                                QStringLiteral("another envelope holds this stream position"));
                return DbPool::Verdict::Rollback;
            }
            case AppendResult::UnknownRecipient:
                out = jsonError(404, errc::unknownRecipient,
                                QStringLiteral("recipient is not registered"));
                return DbPool::Verdict::Rollback;
            case AppendResult::MailboxFull:
                out = jsonError(429, errc::mailboxFull,
                                QStringLiteral("the recipient's mailbox is full"));
                out.addHeader("Retry-After", "30");
                return DbPool::Verdict::Rollback;
            case AppendResult::SenderCountFull:
            case AppendResult::SenderBytesFull:
                out = jsonError(
                    429, errc::mailboxFull,
                    r->result == AppendResult::SenderCountFull
                        ? QStringLiteral("this sender's share of the recipient's mailbox is full "
                                         "(envelopes waiting); other senders are not affected")
                        : QStringLiteral("this sender's share of the recipient's mailbox is full "
                                         "(bytes waiting); other senders are not affected"));
                out.addHeader("Retry-After", "30");
                return DbPool::Verdict::Rollback;
            }
            return DbPool::Verdict::Rollback;
        },
        [this, stored, recipient = key.recipient, size = data.size()](HttpResponse &) {
            if (*stored) {
                m_metrics.recordStored(size);
                wake(recipient);
            }
        });
}

void RelayService::answerMailbox(const CtxPtr &ctx, std::int64_t after, StoredBatch batch)
{
    const std::int64_t cursor = batch.count == 0 ? after : batch.lastKey;
    HttpResponse r = binaryResponse(200, std::move(batch.encoded));
    r.addHeader(protocol::kHeaderCursor, QByteArray::number(qint64(cursor)));
    r.addHeader(protocol::kHeaderMore, batch.more ? "1" : "0");
    if (batch.priorityWaiting)
        r.addHeader(protocol::kHeaderPriorityWaiting, *batch.priorityWaiting ? "1" : "0");
    ctx->logExtra = "items=" + QByteArray::number(batch.count) +
                    " cursor=" + QByteArray::number(qint64(cursor));
    finish(ctx, std::move(r));
}

void RelayService::getMailbox(const CtxPtr &ctx, const Caller &caller)
{
    if (caller.kind == Caller::Kind::Admin)
        return finish(ctx, jsonError(403, errc::forbidden, QStringLiteral("no mailbox for admin")));
    const auto q = *parseQuery(
        ctx->request.query, {"after", "limit", "wait_ms", "lane", "max_bytes", "priority_after"});
    auto w = std::make_shared<Waiter>();
    w->ctx = ctx;
    w->recipient = caller.id;
    if (q.contains("lane"))
        w->epochs = protocol::epochsOfLane(q.value("lane") == "priority" ? protocol::Lane::Priority
                                                                         : protocol::Lane::Bulk);
    w->after = q.contains("after") ? *parseDecimal(q.value("after"), 0, INT64_MAX / 2) : 0;
    w->limit = q.contains("limit") ? int(*parseDecimal(q.value("limit"), 1, 1000)) : kDefaultLimit;
    w->maxBytes = m_config.maxReadBytes;
    if (q.contains("max_bytes"))
        w->maxBytes = std::min(w->maxBytes, *parseDecimal(q.value("max_bytes"), 1, INT64_MAX / 2));
    const std::int64_t wait = std::min<std::int64_t>(
        q.contains("wait_ms") ? *parseDecimal(q.value("wait_ms"), 0, 3600000) : 0,
        m_config.longPollMaxMs);
    w->deadlineSteady = steadyMs() + wait;
    w->generation = generationOf(caller.id);
    auto items = std::make_shared<StoredBatch>();
    const std::int64_t now = m_now();
    const auto recipient = w->recipient;
    const auto after = w->after;
    const int limit = w->limit;
    const protocol::EpochRange epochs = w->epochs;
    const std::int64_t maxBytes = w->maxBytes;
    // (The router lets priority_after through only on a bulk read that does not wait.)
    std::optional<std::int64_t> priorityAfter;
    if (q.contains("priority_after"))
        priorityAfter = *parseDecimal(q.value("priority_after"), 0, INT64_MAX / 2);
    // The first read comes with the nonce (one statement on PostgreSQL, no transaction needed
    // around it, committed with the writer's group); parked re-reads are plain reads.
    runJob(
        ctx, DbPool::Kind::Grouped,
        [caller, now, items, recipient, after, limit, maxBytes, epochs,
         priorityAfter](RelayStore &store, HttpResponse &out) -> Result<DbPool::Verdict> {
            *items = StoredBatch{}; // a group that failed runs its work again
            auto r = store.admitAndReadMailbox(requestAuth(caller, now), recipient, after, limit,
                                               maxBytes, epochs, priorityAfter);
            if (!r)
                return std::unexpected(r.error());
            if (auto refusal = refusalFor(caller, r->first)) {
                out = std::move(*refusal);
                return DbPool::Verdict::Rollback;
            }
            *items = std::move(r->second);
            out.status = 0; // answered by the continuation below
            return DbPool::Verdict::Commit;
        },
        [this, w, items](HttpResponse &out) {
            if (out.status != 0)
                return; // refused in admit(): runJob answers
            if (items->count > 0 || steadyMs() >= w->deadlineSteady) {
                w->finished = true;
                return answerMailbox(w->ctx, w->after, std::move(*items));
            }
            if (generationOf(w->recipient) != w->generation)
                return pollMailbox(w);
            park(w);
        });
}

void RelayService::pollMailbox(const std::shared_ptr<Waiter> &w)
{
    if (w->finished || w->ctx->done)
        return;
    w->generation = generationOf(w->recipient);
    auto items = std::make_shared<StoredBatch>();
    const auto recipient = w->recipient;
    const auto after = w->after;
    const int limit = w->limit;
    const protocol::EpochRange epochs = w->epochs;
    const std::int64_t maxBytes = w->maxBytes;
    const bool queued = m_db.submit(
        DbPool::Kind::Read,
        [items, recipient, after, limit, maxBytes,
         epochs](RelayStore &store) -> Result<DbPool::Verdict> {
            auto r = store.readMailbox(recipient, after, limit, maxBytes, epochs);
            if (!r)
                return std::unexpected(r.error());
            *items = std::move(*r);
            return DbPool::Verdict::Rollback;
        },
        [this, w, items](Status st) {
            if (w->finished || w->ctx->done)
                return;
            if (!st) {
                w->finished = true;
                return finish(w->ctx, storeFailure());
            }
            if (items->count > 0 || steadyMs() >= w->deadlineSteady || m_stopping) {
                w->finished = true;
                return answerMailbox(w->ctx, w->after, std::move(*items));
            }
            if (generationOf(w->recipient) != w->generation)
                return pollMailbox(w);
            park(w);
        });
    if (!queued) {
        w->finished = true;
        finish(w->ctx, jsonError(503, errc::unavailable, QStringLiteral("relay overloaded")));
    }
}

void RelayService::park(const std::shared_ptr<Waiter> &w)
{
    if (m_stopping) {
        w->finished = true;
        return answerMailbox(w->ctx, w->after, {});
    }
    m_waiters[w->recipient].append(w);
    const std::int64_t slice =
        m_listenerConnected || !m_db.isPostgres() ? kParkSliceMs : kParkSliceNoListenerMs;
    const std::int64_t remaining = std::max<std::int64_t>(0, w->deadlineSteady - steadyMs());
    if (!w->timer)
        w->timer = std::make_unique<asio::steady_timer>(m_ioc);
    w->timer->expires_after(std::chrono::milliseconds(std::min(remaining, slice)));
    w->timer->async_wait([this, w](boost::system::error_code ec) {
        if (ec)
            return; // cancelled by wake() or shutdown()
        auto it = m_waiters.find(w->recipient);
        if (it != m_waiters.end()) {
            it->second.removeAll(w);
            if (it->second.isEmpty())
                m_waiters.erase(it);
        }
        pollMailbox(w); // answers empty once the deadline passed
    });
}

quint64 RelayService::generationOf(const crypto::Id16 &recipient) const
{
    const auto it = m_generation.find(recipient);
    return it == m_generation.end() ? 0 : it->second;
}

void RelayService::wake(const crypto::Id16 &recipient)
{
    ++m_generation[recipient];
    auto it = m_waiters.find(recipient);
    if (it == m_waiters.end())
        return;
    const auto list = std::move(it->second);
    m_waiters.erase(it);
    for (const auto &w : list) {
        if (w->timer)
            w->timer->cancel();
        pollMailbox(w);
    }
}

void RelayService::ackMailbox(const CtxPtr &ctx, const Caller &caller)
{
    if (caller.kind == Caller::Kind::Admin)
        return finish(ctx, jsonError(403, errc::forbidden, QStringLiteral("no mailbox for admin")));
    const QJsonObject o = *parseJsonObject(ctx->request.body);
    std::int64_t through = -1;
    QList<std::int64_t> cursors;
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (it.key() == QLatin1String("through")) {
            auto v = jsonInt(it.value(), 0, INT64_MAX / 2);
            if (!v)
                return finish(ctx, jsonError(400, errc::badRequest, QStringLiteral("bad through")));
            through = *v;
        } else if (it.key() == QLatin1String("cursors")) {
            if (!it.value().isArray() || it.value().toArray().size() > kMaxAckCursors)
                return finish(ctx, jsonError(400, errc::badRequest, QStringLiteral("bad cursors")));
            for (const QJsonValue &c : it.value().toArray()) {
                auto v = jsonInt(c, 1, INT64_MAX / 2);
                if (!v)
                    return finish(ctx,
                                  jsonError(400, errc::badRequest, QStringLiteral("bad cursor")));
                cursors.append(*v);
            }
        } else {
            return finish(ctx, jsonError(400, errc::badRequest, QStringLiteral("unknown field")));
        }
    }
    if (through < 0 && cursors.isEmpty())
        return finish(
            ctx, jsonError(400, errc::badRequest, QStringLiteral("give through and/or cursors")));
    const std::int64_t now = m_now();
    runJob(ctx, DbPool::Kind::Write,
           [this, caller, now, through, cursors](RelayStore &store,
                                                 HttpResponse &out) -> Result<DbPool::Verdict> {
               auto refusal = admit(store, caller, now);
               if (!refusal)
                   return std::unexpected(refusal.error());
               if (*refusal) {
                   out = std::move(**refusal);
                   return DbPool::Verdict::Rollback;
               }
               auto n = store.ack(caller.id, through, cursors);
               if (!n)
                   return std::unexpected(n.error());
               out = jsonResponse(200, json({{QStringLiteral("deleted"), qint64(*n)}}));
               return DbPool::Verdict::Commit;
           });
}

void RelayService::getStream(const CtxPtr &ctx, const Caller &caller)
{
    if (caller.kind == Caller::Kind::Admin)
        return finish(ctx, jsonError(403, errc::forbidden, QStringLiteral("no streams for admin")));
    const RouteMatch &m = *ctx->lookup.match;
    const auto q = *parseQuery(ctx->request.query, {"from", "limit"});
    const std::int64_t from =
        q.contains("from") ? *parseDecimal(q.value("from"), 0, INT64_MAX / 2) : 1;
    const int limit =
        q.contains("limit") ? int(*parseDecimal(q.value("limit"), 1, 1000)) : kDefaultLimit;
    ctx->logExtra = "sender=" + hex(m.id) + " epoch=" + QByteArray::number(m.epoch) +
                    " from=" + QByteArray::number(qint64(from));
    const std::int64_t now = m_now();
    runJob(ctx, DbPool::Kind::Autocommit,
           [this, caller, now, sender = m.id, epoch = m.epoch, from, limit,
            maxBytes = m_config.maxReadBytes](RelayStore &store,
                                              HttpResponse &out) -> Result<DbPool::Verdict> {
               auto refusal = admit(store, caller, now);
               if (!refusal)
                   return std::unexpected(refusal.error());
               if (*refusal) {
                   out = std::move(**refusal);
                   return DbPool::Verdict::Rollback;
               }
               auto page = store.readStream(sender, caller.id, epoch, from, limit, maxBytes);
               if (!page)
                   return std::unexpected(page.error());
               const bool more = page->more;
               out = binaryResponse(200, std::move(page->encoded));
               out.addHeader(protocol::kHeaderMore, more ? "1" : "0");
               return DbPool::Verdict::Commit;
           });
}

// ---------------------------------------------------------------------------------------------
// HQ certificate, enrolment, wipe, devices

void RelayService::installCertificate(QByteArray bytes, std::function<void(HttpResponse)> done)
{
    auto cert = protocol::HqCertificate::decode(bytes);
    if (!cert)
        return done(jsonError(400, errc::badCertificate, cert.error().message));
    if (auto s = protocol::verifyHqCertificate(*cert, m_config.rootKey); !s)
        return done(jsonError(403, errc::badCertificate, s.error().message));
    const std::int64_t now = m_now();
    if (cert->notAfterMs < now)
        return done(jsonError(403, errc::expired, QStringLiteral("HQ certificate has expired")));
    auto out = std::make_shared<HttpResponse>();
    const bool queued = m_db.submit(
        DbPool::Kind::Write,
        [c = *cert, bytes, out](RelayStore &store) -> Result<DbPool::Verdict> {
            auto rows = store.certificates();
            if (!rows)
                return std::unexpected(rows.error());
            for (const QByteArray &b : *rows) {
                auto other = protocol::HqCertificate::decode(b);
                if (other && other->deployment != c.deployment) {
                    *out = jsonError(403, errc::wrongDeployment,
                                     QStringLiteral("this relay serves another deployment"));
                    return DbPool::Verdict::Rollback;
                }
            }
            auto s =
                store.insertCertificate(c.serial, bytes, c.notBeforeMs, c.notAfterMs, c.deployment);
            if (!s && s.error().code == Errc::AlreadyExists) {
                *out = jsonError(409, errc::seqConflict,
                                 QStringLiteral("another certificate has this serial"));
                return DbPool::Verdict::Rollback;
            }
            if (!s)
                return std::unexpected(s.error());
            *out = jsonResponse(200, json({{QStringLiteral("serial"), qint64(c.serial)}}));
            return DbPool::Verdict::Commit;
        },
        [this, out, done = std::move(done)](Status st) {
            m_certLoadedMs = -1; // reload on next use
            done(st ? std::move(*out) : storeFailure());
        });
    if (!queued)
        done(jsonError(503, errc::unavailable, QStringLiteral("relay overloaded")));
}

void RelayService::hqCert(const CtxPtr &ctx)
{
    if (rateLimited(ctx, "ip:" + ctx->request.peer))
        return;
    if (ctx->request.method == "PUT")
        return installCertificate(ctx->request.body,
                                  [this, ctx](HttpResponse r) { finish(ctx, std::move(r)); });
    withCertificate([this, ctx] {
        if (!m_cert)
            return finish(ctx, jsonError(404, errc::noHqCertificate,
                                         QStringLiteral("the relay has no valid HQ certificate")));
        HttpResponse r = binaryResponse(200, m_cert->encode());
        r.addHeader("Liaison-Cert-Serial", QByteArray::number(qulonglong(m_cert->serial)));
        finish(ctx, std::move(r));
    });
}

void RelayService::enrol(const CtxPtr &ctx)
{
    const RouteMatch &m = *ctx->lookup.match;
    const crypto::Id16 deviceId = m.id;
    const std::int64_t now = m_now();
    if (ctx->request.method == "POST") {
        if (rateLimited(ctx, "ip:" + ctx->request.peer))
            return;
        const QByteArray token = QByteArray::fromHex(ctx->request.enrolToken);
        const crypto::Hash32 tokenHash = crypto::crypto_generichash(token);
        const QByteArray data = ctx->request.body;
        return runJob(
            ctx, DbPool::Kind::Write,
            [deviceId, tokenHash, data, now](RelayStore &store,
                                             HttpResponse &out) -> Result<DbPool::Verdict> {
                auto r = store.submitEnrolment(deviceId, tokenHash, data, now);
                if (!r)
                    return std::unexpected(r.error());
                switch (r->first) {
                case SubmitResult::Stored:
                    out = jsonResponse(201, json({{QStringLiteral("submission"), r->second}}));
                    return DbPool::Verdict::Commit;
                case SubmitResult::NoSlot:
                    out = jsonError(404, errc::notFound, QStringLiteral("no enrolment slot"));
                    break;
                case SubmitResult::BadToken:
                    out = jsonError(401, errc::badToken, QStringLiteral("wrong enrolment token"));
                    break;
                case SubmitResult::Expired:
                    out = jsonError(403, errc::expired, QStringLiteral("enrolment code expired"));
                    break;
                case SubmitResult::Limit:
                    out = jsonError(403, errc::submissionLimit,
                                    QStringLiteral("no more submissions for this code"));
                    break;
                }
                return DbPool::Verdict::Rollback;
            });
    }
    authenticate(ctx, [this, ctx, deviceId, now](const Caller &caller) {
        if (caller.kind != Caller::Kind::Admin)
            return finish(ctx, jsonError(403, errc::forbidden, QStringLiteral("admin calls only")));
        if (ctx->request.method == "PUT") {
            const QJsonObject o = *parseJsonObject(ctx->request.body);
            const QByteArray th = o.value(QStringLiteral("token_hash")).toString().toLatin1();
            const auto expires = jsonInt(o.value(QStringLiteral("expires_ms")), 0, INT64_MAX / 2);
            const auto hash = crypto::Hash32::fromHex(th);
            if (th.size() != 64 || !hash || !expires || o.size() != 2)
                return finish(ctx, jsonError(400, errc::badRequest,
                                             QStringLiteral("need token_hash and expires_ms")));
            if (*expires <= now || *expires > now + kMaxEnrolAheadMs)
                return finish(ctx, jsonError(400, errc::badRequest,
                                             QStringLiteral("expiry must be within 72 hours")));
            return runJob(ctx, DbPool::Kind::Write,
                          [this, caller, now, deviceId, h = *hash, e = *expires](
                              RelayStore &store, HttpResponse &out) -> Result<DbPool::Verdict> {
                              auto refusal = admit(store, caller, now);
                              if (!refusal)
                                  return std::unexpected(refusal.error());
                              if (*refusal) {
                                  out = std::move(**refusal);
                                  return DbPool::Verdict::Rollback;
                              }
                              if (auto s = store.putEnrolSlot(deviceId, h, e); !s)
                                  return std::unexpected(s.error());
                              out = jsonResponse(200, json({{QStringLiteral("ok"), true}}));
                              return DbPool::Verdict::Commit;
                          });
        }
        runJob(ctx, DbPool::Kind::Write,
               [this, caller, now, deviceId](RelayStore &store,
                                             HttpResponse &out) -> Result<DbPool::Verdict> {
                   auto refusal = admit(store, caller, now);
                   if (!refusal)
                       return std::unexpected(refusal.error());
                   if (*refusal) {
                       out = std::move(**refusal);
                       return DbPool::Verdict::Rollback;
                   }
                   auto slot = store.enrolSlot(deviceId);
                   if (!slot)
                       return std::unexpected(slot.error());
                   if (!*slot) {
                       out = jsonError(404, errc::notFound, QStringLiteral("no enrolment slot"));
                       return DbPool::Verdict::Commit;
                   }
                   QJsonArray subs;
                   for (const QByteArray &s : (*slot)->submissions)
                       subs.append(QString::fromLatin1(s.toBase64()));
                   out = jsonResponse(
                       200, json({{QStringLiteral("expires_ms"), qint64((*slot)->expiresMs)},
                                  {QStringLiteral("submissions"), subs}}));
                   return DbPool::Verdict::Commit;
               });
    });
}

void RelayService::wipe(const CtxPtr &ctx)
{
    const crypto::Id16 wipeId = ctx->lookup.match->id;
    const std::int64_t now = m_now();
    if (ctx->request.method == "GET") {
        // Unauthenticated and tiny: a locked device asks before the passphrase.
        if (rateLimited(ctx, "ip:" + ctx->request.peer))
            return;
        return runJob(ctx, DbPool::Kind::Read,
                      [wipeId](RelayStore &store, HttpResponse &out) -> Result<DbPool::Verdict> {
                          auto t = store.wipeToken(wipeId);
                          if (!t)
                              return std::unexpected(t.error());
                          out =
                              *t ? binaryResponse(200, **t)
                                 : jsonError(404, errc::notFound, QStringLiteral("no wipe token"));
                          return DbPool::Verdict::Rollback;
                      });
    }
    authenticate(ctx, [this, ctx, wipeId, now](const Caller &caller) {
        if (caller.kind != Caller::Kind::Admin)
            return finish(ctx, jsonError(403, errc::forbidden, QStringLiteral("admin calls only")));
        const QJsonObject o = *parseJsonObject(ctx->request.body);
        const QByteArray token =
            QByteArray::fromBase64(o.value(QStringLiteral("token")).toString().toLatin1(),
                                   QByteArray::AbortOnBase64DecodingErrors);
        if (token.isEmpty() || token.size() > kMaxWipeTokenBytes || o.size() != 1)
            return finish(ctx,
                          jsonError(400, errc::badRequest, QStringLiteral("need token (base64)")));
        // The acknowledgement is verified against the keys the token names: it must parse.
        if (!protocol::WipeToken::decode(token))
            return finish(
                ctx, jsonError(400, errc::badRequest, QStringLiteral("not a wipe token (LWT2)")));
        runJob(ctx, DbPool::Kind::Write,
               [this, caller, now, wipeId, token](RelayStore &store,
                                                  HttpResponse &out) -> Result<DbPool::Verdict> {
                   auto refusal = admit(store, caller, now);
                   if (!refusal)
                       return std::unexpected(refusal.error());
                   if (*refusal) {
                       out = std::move(**refusal);
                       return DbPool::Verdict::Rollback;
                   }
                   if (auto s = store.putWipe(wipeId, token, now); !s)
                       return std::unexpected(s.error());
                   out = jsonResponse(200, json({{QStringLiteral("ok"), true}}));
                   return DbPool::Verdict::Commit;
               });
    });
}

void RelayService::wipeDone(const CtxPtr &ctx)
{
    const crypto::Id16 wipeId = ctx->lookup.match->id;
    const std::int64_t now = m_now();
    if (ctx->request.method == "POST") {
        if (rateLimited(ctx, "ip:" + ctx->request.peer))
            return;
        // DESIGN.md "Commands, remote wipe": only an acknowledgement signed by the wipe-ack key
        // or the device key the token names is stored. A refused one stores nothing, so it
        // cannot block the genuine one.
        const QByteArray ack = ctx->request.body;
        auto parsed = protocol::WipeAcknowledgement::decode(ack);
        if (!parsed)
            return finish(ctx, jsonError(400, errc::badRequest,
                                         QStringLiteral("not a wipe acknowledgement (LWA2)")));
        return runJob(
            ctx, DbPool::Kind::Write,
            [wipeId, ack, parsed = *parsed, now](RelayStore &store,
                                                 HttpResponse &out) -> Result<DbPool::Verdict> {
                auto stored = store.wipeToken(wipeId);
                if (!stored)
                    return std::unexpected(stored.error());
                if (!*stored) {
                    out = jsonError(404, errc::notFound, QStringLiteral("no wipe token"));
                    return DbPool::Verdict::Rollback;
                }
                auto token = protocol::WipeToken::decode(**stored);
                if (!token) {
                    out = jsonError(409, errc::badRequest,
                                    QStringLiteral("the published token is not an LWT2 token"));
                    return DbPool::Verdict::Rollback;
                }
                if (auto v = protocol::verifyWipeAcknowledgement(parsed, *token); !v) {
                    qCInfo(lcRelay).noquote()
                        << "wipe acknowledgement refused:" << v.error().message;
                    out = jsonError(403, errc::badSignature,
                                    QStringLiteral("the acknowledgement is not signed by a key "
                                                   "the wipe token names"));
                    return DbPool::Verdict::Rollback;
                }
                auto s = store.wipeDone(wipeId, ack, now);
                if (!s && s.error().code == Errc::NotFound) {
                    out = jsonError(404, errc::notFound, QStringLiteral("no wipe token"));
                    return DbPool::Verdict::Rollback;
                }
                if (!s)
                    return std::unexpected(s.error());
                out = jsonResponse(200, json({{QStringLiteral("ok"), true}}));
                return DbPool::Verdict::Commit;
            });
    }
    authenticate(ctx, [this, ctx, wipeId, now](const Caller &caller) {
        if (caller.kind != Caller::Kind::Admin)
            return finish(ctx, jsonError(403, errc::forbidden, QStringLiteral("admin calls only")));
        runJob(ctx, DbPool::Kind::Write,
               [this, caller, now, wipeId](RelayStore &store,
                                           HttpResponse &out) -> Result<DbPool::Verdict> {
                   auto refusal = admit(store, caller, now);
                   if (!refusal)
                       return std::unexpected(refusal.error());
                   if (*refusal) {
                       out = std::move(**refusal);
                       return DbPool::Verdict::Rollback;
                   }
                   auto a = store.wipeAck(wipeId);
                   if (!a)
                       return std::unexpected(a.error());
                   out =
                       *a ? binaryResponse(200, **a)
                          : jsonError(404, errc::notFound, QStringLiteral("not acknowledged yet"));
                   return DbPool::Verdict::Commit;
               });
    });
}

void RelayService::device(const CtxPtr &ctx, const Caller &caller)
{
    if (caller.kind != Caller::Kind::Admin)
        return finish(ctx, jsonError(403, errc::forbidden, QStringLiteral("admin calls only")));
    const crypto::Id16 id = ctx->lookup.match->id;
    if (id.isZero())
        return finish(ctx, jsonError(400, errc::badRequest, QStringLiteral("the zero id is HQ's")));
    const std::int64_t now = m_now();
    std::function<Result<std::pair<bool, std::int64_t>>(RelayStore &)> op;
    if (ctx->request.method == "DELETE") {
        const auto q = *parseQuery(ctx->request.query, {"version"});
        const std::int64_t version = *parseDecimal(q.value("version"), 1, INT64_MAX / 2);
        ctx->logExtra += " version=" + QByteArray::number(qint64(version));
        op = [id, version, now](RelayStore &store) {
            return store.deleteDevice(id, version, now);
        };
    } else {
        const QJsonObject o = *parseJsonObject(ctx->request.body);
        const auto version = jsonInt(o.value(QStringLiteral("version")), 1, INT64_MAX / 2);
        const QByteArray pk = o.value(QStringLiteral("sign_pk")).toString().toLatin1();
        const auto key = crypto::SignPublicKey::fromHex(pk);
        const auto state =
            deviceStateFromName(o.value(QStringLiteral("state")).toString().toLatin1());
        if (!version || pk.size() != 64 || !key || !state || o.size() != 3)
            return finish(ctx, jsonError(400, errc::badRequest,
                                         QStringLiteral("need version, sign_pk and state")));
        DeviceRecord d{id, *key, *state, *version};
        ctx->logExtra += " version=" + QByteArray::number(qint64(*version)) +
                         " state=" + deviceStateName(*state);
        op = [d, now](RelayStore &store) {
            return store.putDevice(d, now);
        };
    }
    runJob(
        ctx, DbPool::Kind::Write,
        [this, caller, now, op](RelayStore &store, HttpResponse &out) -> Result<DbPool::Verdict> {
            auto refusal = admit(store, caller, now);
            if (!refusal)
                return std::unexpected(refusal.error());
            if (*refusal) {
                out = std::move(**refusal);
                return DbPool::Verdict::Rollback;
            }
            auto r = op(store);
            if (!r)
                return std::unexpected(r.error());
            // An older version is ignored, not refused: the answer says so.
            out = jsonResponse(200, json({{QStringLiteral("applied"), r->first},
                                          {QStringLiteral("version"), qint64(r->second)}}));
            return DbPool::Verdict::Commit;
        },
        [this, id](HttpResponse &) { m_devices.erase(id); });
}

// ---------------------------------------------------------------------------------------------
// operations address

void RelayService::handleOps(HttpRequest request, HttpServer::Reply reply)
{
    auto ctx = std::make_shared<Ctx>();
    ctx->request = std::move(request);
    ctx->reply = std::move(reply);
    ctx->startSteady = steadyMs();
    ctx->id = ++m_requestCounter;
    ctx->ops = true;
    ++m_inFlight;
    if (auto refusal = preflight(ctx->request, true, m_config.bodyLimits, &ctx->lookup))
        return finish(ctx, std::move(*refusal));
    if (ctx->lookup.match->route == Route::Metrics)
        return metrics(ctx);
    health(ctx);
}

void RelayService::metrics(const CtxPtr &ctx)
{
    auto stats = std::make_shared<StoreStats>();
    const bool queued = m_db.submit(
        DbPool::Kind::Read,
        [stats](RelayStore &store) -> Result<DbPool::Verdict> {
            auto s = store.stats();
            if (!s)
                return std::unexpected(s.error());
            *stats = *s;
            return DbPool::Verdict::Rollback;
        },
        [this, ctx, stats](Status st) {
            if (st)
                m_metrics.setStoreGauges(stats->envelopes, stats->bytes);
            m_metrics.setDbQueue(qint64(m_db.queueDepth()));
            m_metrics.setDbJobs(m_db.jobsSubmitted());
            if (m_connections)
                m_metrics.setConnections(qint64(m_connections()));
            HttpResponse r;
            r.status = 200;
            r.contentType = "text/plain; version=0.0.4";
            r.body = m_metrics.render();
            finish(ctx, std::move(r));
        });
    if (!queued)
        finish(ctx, jsonError(503, errc::unavailable, QStringLiteral("relay overloaded")));
}

// What a storage failure looks like to an operator, from the driver's message.
static QString storageFailureReason(const QString &message)
{
    const QString m = message.toLower();
    if (m.contains(QLatin1String("readonly")) || m.contains(QLatin1String("read-only")) ||
        m.contains(QLatin1String("read only")))
        return QStringLiteral("read_only");
    if (m.contains(QLatin1String("full")) || m.contains(QLatin1String("no space")) ||
        m.contains(QLatin1String("quota")))
        return QStringLiteral("full");
    if (m.contains(QLatin1String("malformed")) || m.contains(QLatin1String("not a database")) ||
        m.contains(QLatin1String("corrupt")) || m.contains(QLatin1String("did not return")))
        return QStringLiteral("corrupt");
    if (m.contains(QLatin1String("locked")) || m.contains(QLatin1String("busy")))
        return QStringLiteral("locked");
    return QStringLiteral("unreachable");
}

void RelayService::health(const CtxPtr &ctx)
{
    // A write and a read of the storage, answered within kHealthDeadlineMs whatever the storage
    // does (a database locked by another process makes SQLite wait; an unreachable server makes
    // the driver wait).
    struct Probe
    {
        bool answered = false;
        asio::steady_timer timer;
        explicit Probe(asio::io_context &ioc)
            : timer(ioc)
        {}
    };
    auto probe = std::make_shared<Probe>(m_ioc);
    auto answer = [this, ctx, probe](const QString &reason, const QString &detail) {
        if (probe->answered)
            return;
        probe->answered = true;
        probe->timer.cancel();
        withCertificate([this, ctx, reason, detail] {
            const bool ok = reason.isEmpty() && !m_stopping;
            QJsonObject o{
                {QStringLiteral("status"),
                 ok ? QStringLiteral("ok") : QStringLiteral("unavailable")},
                {QStringLiteral("backend"),
                 m_db.isPostgres() ? QStringLiteral("postgresql") : QStringLiteral("sqlite")},
                {QStringLiteral("storage"), reason.isEmpty() ? QStringLiteral("ok") : reason},
                {QStringLiteral("hq_certificate_serial"),
                 m_cert ? QJsonValue(qint64(m_cert->serial)) : QJsonValue()},
                {QStringLiteral("notify_listener"),
                 m_db.isPostgres() ? QJsonValue(m_listenerConnected) : QJsonValue()},
                {QStringLiteral("tls_spki_sha256"),
                 m_tlsPin.isEmpty() ? QJsonValue() : QJsonValue(QString::fromLatin1(m_tlsPin))},
            };
            if (m_stopping)
                o.insert(QStringLiteral("reason"), QStringLiteral("stopping"));
            else if (!reason.isEmpty())
                o.insert(QStringLiteral("reason"), detail);
            finish(ctx, jsonResponse(ok ? 200 : 503, json(o)));
        });
    };
    probe->timer.expires_after(std::chrono::milliseconds(kHealthDeadlineMs));
    probe->timer.async_wait([answer](boost::system::error_code ec) {
        if (!ec)
            answer(QStringLiteral("timeout"),
                   QStringLiteral("storage did not complete a write and read within %1 ms "
                                  "(locked by another process, overloaded or unreachable)")
                       .arg(kHealthDeadlineMs));
    });
    const std::int64_t token = m_now() ^ std::int64_t(++m_requestCounter << 40);
    const bool queued = m_db.submit(
        DbPool::Kind::Write,
        [token](RelayStore &store) -> Result<DbPool::Verdict> {
            if (auto s = store.probe(token); !s)
                return std::unexpected(s.error());
            return DbPool::Verdict::Commit;
        },
        [answer](Status st) {
            if (st)
                return answer({}, {});
            qCWarning(lcRelay).noquote() << "health: storage failed:" << st.error().message;
            answer(storageFailureReason(st.error().message), st.error().message);
        });
    if (!queued)
        answer(QStringLiteral("overloaded"), QStringLiteral("the storage queue is full"));
}

} // namespace liaison::relay
