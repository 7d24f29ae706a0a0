#include "syncclient.h"

#include "clock/clock.h"
#include "protocol/requestsig.h"
#include "streams/peers.h"

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcSync)

namespace liaison::client {

namespace {
// A long-poll that comes back empty sooner than this is not repeated at once (a relay that caps
// the wait, or a proxy that cuts idle connections, must not turn it into a busy loop).
constexpr std::int64_t kMinLongPollMs = 1000;
} // namespace

SyncClient::SyncClient(QNetworkAccessManager *nam, RelayEndpoint endpoint,
                       streams::StreamOutbox &outbox, streams::Receiver &receiver,
                       const streams::LocalIdentity &me, const liaison::Clock &clock,
                       Connectivity *connectivity, SyncClientOptions options, QObject *parent)
    : QObject(parent)
    , m_ownedPort(std::make_unique<ReceiverStreamPort>(outbox, receiver, streams::Role::Device))
    , m_port(*m_ownedPort)
    , m_me(me)
    , m_clock(clock)
    , m_options(std::move(options))
    , m_backoff(m_options.backoff)
{
    m_http =
        std::make_unique<RelayHttp>(nam, std::move(endpoint), [&clock] { return clock.wallMs(); });
    init(connectivity);
}

SyncClient::SyncClient(QNetworkAccessManager *nam, RelayEndpoint endpoint, DeviceStreamPort &port,
                       const streams::LocalIdentity &me, const liaison::Clock &clock,
                       Connectivity *connectivity, SyncClientOptions options, QObject *parent)
    : QObject(parent)
    , m_port(port)
    , m_me(me)
    , m_clock(clock)
    , m_options(std::move(options))
    , m_backoff(m_options.backoff)
{
    m_http =
        std::make_unique<RelayHttp>(nam, std::move(endpoint), [&clock] { return clock.wallMs(); });
    init(connectivity);
}

SyncClient::~SyncClient()
{
    m_timer.stop();
    if (m_engine)
        m_engine->cancel();
    m_wipeCheck.reset();
    m_engine.reset();
    m_http.reset();
}

void SyncClient::init(Connectivity *connectivity)
{
    m_connectivity = connectivity;
    m_engine = std::make_unique<SyncEngine>(
        *m_http, m_port, [this] { return signer(); }, m_options.engine);
    m_engine->setAfterPull([this](const RoundStats &s) { return afterPull(s); });
    connect(m_engine.get(), &SyncEngine::progress, this,
            [this](int done, int total) { m_status.setSyncing(true, done, total); });
    connect(m_engine.get(), &SyncEngine::envelopeDelivered, this, &SyncClient::envelopeDelivered);
    connect(m_engine.get(), &SyncEngine::envelopeRefused, this, &SyncClient::envelopeRefused);
    connect(m_engine.get(), &SyncEngine::roundFinished, this, &SyncClient::onRoundFinished);

    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, [this] { runRound(); });

    if (m_options.wipe) {
        m_wipeCheck = std::make_unique<WipeCheck>(*m_http, *m_options.wipe);
        if (m_options.wipeContext)
            m_wipeCheck->setContextSource(m_options.wipeContext);
        connect(m_wipeCheck.get(), &WipeCheck::finished, this, &SyncClient::onWipeChecked);
    }
    if (m_connectivity) {
        connect(m_connectivity, &Connectivity::stateChanged, this, &SyncClient::onConnectivity);
        connect(m_connectivity, &Connectivity::meteredChanged, this,
                [this] { updateBulkDeferral(); });
        m_status.setOffline(m_connectivity->state() == Connectivity::State::Offline);
    }
}

std::optional<RequestSigner> SyncClient::signer() const
{
    if (!m_running)
        return std::nullopt;
    return RequestSigner{protocol::deviceKeyId(m_me.localId()), &m_me.signingKey()};
}

int SyncClient::timerRemainingMs() const
{
    return m_timer.isActive() ? m_timer.remainingTime() : -1;
}

void SyncClient::start()
{
    if (m_running)
        return;
    m_running = true;
    m_receiptSentThisSession = false;
    m_backoff.reset();
    refreshStatus();
    beginSession(true);
}

void SyncClient::stop()
{
    m_running = false;
    m_timer.stop();
    m_engine->cancel();
    m_http->abortAll();
    m_status.setSyncing(false);
    m_status.setNextAttempt({});
}

void SyncClient::setDeferBulkWhenMetered(bool defer)
{
    m_deferBulkWhenMetered = defer;
    updateBulkDeferral();
}

void SyncClient::updateBulkDeferral()
{
    const bool wanted = m_deferBulkWhenMetered && m_connectivity && m_connectivity->metered();
    const bool was = m_engine->bulkDeferred();
    m_engine->setBulkDeferred(wanted);
    m_status.setBulkDeferred(m_engine->bulkDeferred());
    if (m_engine->bulkDeferred() == was)
        return;
    qCInfo(lcSync) << (m_engine->bulkDeferred() ? "metered link: bulk sync deferred"
                                                : "bulk sync resumes");
    // What runs was begun under the other rule: a round now under the new one (a bulk page in
    // flight is dropped unacknowledged and read again later; a long-poll gives way).
    if (!m_running || m_wipeOrdered)
        return;
    m_engine->cancel();
    m_status.setSyncing(false);
    runRound();
}

void SyncClient::resume()
{
    beginSession(true);
}

void SyncClient::syncNow()
{
    refreshStatus();
    if (!m_running || m_wipeOrdered)
        return;
    if (m_connectivity && m_connectivity->state() == Connectivity::State::Offline)
        return;
    // In backoff the change waits for the timer; otherwise it goes now (or after the running
    // round, coalesced by the engine).
    if (m_backoff.failures() > 0 && m_timer.isActive())
        return;
    runRound();
}

void SyncClient::beginSession(bool wipeCheck)
{
    if (m_wipeOrdered)
        return;
    const bool offline = m_connectivity && m_connectivity->state() == Connectivity::State::Offline;
    m_status.setOffline(offline);
    if (wipeCheck && m_wipeCheck)
        m_pendingWipeCheck = true;
    if (offline)
        return;
    if (m_pendingWipeCheck) {
        m_engine->cancel();
        m_timer.stop();
        // A check already on its way may have been answered before this request (a token
        // published meanwhile): the request stays pending, and runRound() after that answer
        // asks again.
        if (m_wipeCheck->running())
            return;
        m_pendingWipeCheck = false;
        m_wipeCheck->check(); // the round follows its answer
        return;
    }
    runRound();
}

void SyncClient::onWipeChecked(WipeCheck::Outcome outcome, const std::optional<WipeToken> &token)
{
    Q_EMIT wipeCheckFinished(outcome);
    if (outcome == WipeCheck::Outcome::Wipe && token) {
        m_wipeOrdered = true;
        stop();
        Q_EMIT wipeRequested(*token);
        return;
    }
    if (outcome == WipeCheck::Outcome::Unreachable)
        m_pendingWipeCheck = true; // asked again before the next round
    runRound();
}

void SyncClient::onConnectivity(Connectivity::State state)
{
    if (state == Connectivity::State::Offline) {
        m_engine->cancel();
        m_http->abortAll();
        m_timer.stop();
        m_status.setOffline(true);
        m_status.setSyncing(false);
        m_status.setNextAttempt({});
        return;
    }
    m_status.setOffline(false);
    if (!m_running)
        return;
    m_backoff.reset();
    beginSession(false);
}

void SyncClient::runRound()
{
    if (!m_running || m_wipeOrdered)
        return;
    if (m_connectivity && m_connectivity->state() == Connectivity::State::Offline)
        return;
    if (m_pendingWipeCheck && m_wipeCheck && !m_wipeCheck->running()) {
        m_pendingWipeCheck = false;
        m_timer.stop();
        m_wipeCheck->check();
        return;
    }
    m_timer.stop();
    m_status.setNextAttempt({});
    m_status.setSyncing(true, 0, 0);
    m_engine->runRound();
}

void SyncClient::onRoundFinished(bool ok, const QString &error)
{
    m_status.setSyncing(false);
    const std::int64_t now = m_clock.wallMs();
    if (ok) {
        m_backoff.reset();
        m_status.setLastSynced(QDateTime::fromMSecsSinceEpoch(now, Qt::UTC));
        m_status.setLastError({});
    } else {
        m_status.setLastError(error);
    }
    refreshStatus();
    // The backoff moves before listeners hear of the failure.
    const std::int64_t retryMs = ok ? 0 : m_backoff.nextDelayMs();
    Q_EMIT roundFinished(ok, error);
    if (!m_running || m_wipeOrdered || m_engine->busy())
        return;
    if (m_connectivity && m_connectivity->state() == Connectivity::State::Offline)
        return;
    if (!ok)
        return scheduleIn(retryMs);
    if (m_pendingWipeCheck)
        return runRound();
    if (!m_options.longPoll)
        return scheduleIn(m_options.idleIntervalMs);
    if (m_longPollStartedMs > 0 && now - m_longPollStartedMs < kMinLongPollMs &&
        !m_engine->stats().mailArrived) {
        m_longPollStartedMs = 0;
        return scheduleIn(kMinLongPollMs);
    }
    m_longPollStartedMs = now;
    m_status.setNextAttempt({});
    m_engine->runLongPoll();
}

void SyncClient::scheduleIn(std::int64_t ms)
{
    ms = std::clamp<std::int64_t>(ms, 0, std::int64_t(INT_MAX));
    m_timer.start(int(ms));
    m_status.setNextAttempt(QDateTime::fromMSecsSinceEpoch(m_clock.wallMs() + ms, Qt::UTC));
}

Status SyncClient::afterPull(const RoundStats &stats)
{
    const std::int64_t now = m_clock.wallMs();
    const bool due = stats.applied > 0 || !m_receiptSentThisSession ||
                     now - m_lastReceiptMs >= m_options.receiptIntervalMs;
    if (!due)
        return {};
    // No RECEIPT before HQ opened our `down` stream (waiting for HQ confirmation).
    auto hq = m_port.hqStream();
    if (!hq)
        return std::unexpected(hq.error());
    if (!*hq)
        return {};
    if (auto s = m_port.sendReceipt(m_unlockFailures ? m_unlockFailures() : 0); !s)
        return s;
    m_receiptSentThisSession = true;
    m_lastReceiptMs = now;
    return {};
}

void SyncClient::refreshStatus()
{
    const std::int64_t now = m_clock.wallMs();
    if (auto n = m_port.pendingCount()) {
        qsizetype total = *n;
        if (m_localChanges) {
            if (auto local = m_localChanges())
                total += *local;
        }
        m_status.setPending(int(std::min<qsizetype>(total, INT_MAX)));
    }
    // "No word from HQ since" counts from HQ's own time in its newest verified HEARTBEAT, not
    // from when a relay chose to deliver it (protocol review L3).
    if (auto hq = m_port.hqStream(); hq && *hq && (*hq)->lastHeartbeatHqMs > 0)
        m_status.setLastHeartbeat(QDateTime::fromMSecsSinceEpoch((*hq)->lastHeartbeatHqMs, Qt::UTC),
                                  now);
    else
        m_status.refreshNoWord(now);
    if (auto a = m_port.alarms())
        m_status.setAlarms(std::move(*a));
}

} // namespace liaison::client
