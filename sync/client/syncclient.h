#pragma once

// The device sync engine (DESIGN.md "Device sync engine", issue 4). Wires SyncEngine (push,
// pull, apply, acknowledge, gap fill) to its triggers and to the UI state:
//
//  - start() and resume(): the wipe check first (GET /v1/wipe/{wipe id}), then a round
//  - connectivity online: a round at once; offline: everything in flight is aborted
//  - after a round: an idle long-poll on the mailbox (or, without long-poll, a timer)
//  - a failure: exponential backoff with jitter (crypto::randomUniform), reset on success
//  - syncNow(): a local change was queued
//  - after every round that applied something (and the first of a session, and at least daily)
//    a RECEIPT is enqueued and pushed in the same round
//
// Every dependency comes in through the constructor; it reports through signals and SyncStatus.
// Sync runs only while unlocked: stop() when the vault locks (the wipe check needs no vault:
// WipeCheck can run on its own before unlock).

#include "backoff.h"
#include "connectivity.h"
#include "relayhttp.h"
#include "streamport.h"
#include "syncengine.h"
#include "syncstatus.h"
#include "wipecheck.h"

#include <QObject>
#include <QPointer>
#include <QTimer>

#include <memory>
#include <optional>

class QNetworkAccessManager;

namespace liaison {
class Clock;
}

namespace liaison::streams {
class LocalIdentity;
class StreamOutbox;
class Receiver;
} // namespace liaison::streams

namespace liaison::client {

struct SyncClientOptions
{
    EngineOptions engine;
    BackoffPolicy backoff;
    bool longPoll = true;                              // hold a mailbox long-poll while idle
    std::int64_t idleIntervalMs = 15 * 60 * 1000;      // without long-poll: a round this often
    std::int64_t receiptIntervalMs = 24 * 3600 * 1000; // a RECEIPT at least this often
    std::optional<WipeTarget> wipe;                    // checked at start and resume
    std::function<WipeTokenContext()> wipeContext;     // HQ time bound, lowest serial
};

class SyncClient final : public QObject
{
    Q_OBJECT
public:
    // The usual composition: the device's stream outbox and receiver.
    SyncClient(QNetworkAccessManager *nam, RelayEndpoint endpoint, streams::StreamOutbox &outbox,
               streams::Receiver &receiver, const streams::LocalIdentity &me,
               const liaison::Clock &clock, Connectivity *connectivity,
               SyncClientOptions options = {}, QObject *parent = nullptr);
    // Any DeviceStreamPort (tests use fakes).
    SyncClient(QNetworkAccessManager *nam, RelayEndpoint endpoint, DeviceStreamPort &port,
               const streams::LocalIdentity &me, const liaison::Clock &clock,
               Connectivity *connectivity, SyncClientOptions options = {},
               QObject *parent = nullptr);
    ~SyncClient() override;
    Q_DISABLE_COPY_MOVE(SyncClient)

    void start();   // unlocked: wipe check, then sync
    void stop();    // locking: abort everything, no more rounds
    void resume();  // back in the foreground: wipe check, then a round
    void syncNow(); // a local change was queued (coalesced with a running round)

    // The unlock-failure count the next RECEIPT carries.
    void setUnlockFailureSource(std::function<std::int64_t()> source)
    {
        m_unlockFailures = std::move(source);
    }

    // Metered links (issue 11): while set and the connectivity says the link is metered, a round
    // reads, pushes and gap-fills the priority lanes only (SyncEngine::setBulkDeferred); bulk
    // waits for an unmetered link. Changing it, or the link changing, starts a round.
    void setDeferBulkWhenMetered(bool defer);
    [[nodiscard]] bool deferBulkWhenMetered() const { return m_deferBulkWhenMetered; }

    // Local changes not yet sealed into envelopes (the records' change log): counted in
    // "N pending" together with the stored envelopes the relay has not acknowledged.
    void setLocalChangeCount(std::function<Result<qsizetype>()> count)
    {
        m_localChanges = std::move(count);
    }

    [[nodiscard]] SyncStatus *status() { return &m_status; }
    [[nodiscard]] RelayHttp &http() { return *m_http; }
    [[nodiscard]] SyncEngine &engine() { return *m_engine; }
    [[nodiscard]] const Backoff &backoff() const { return m_backoff; }
    [[nodiscard]] bool running() const { return m_running; }
    // Milliseconds until the timer fires (-1 when not waiting).
    [[nodiscard]] int timerRemainingMs() const;

Q_SIGNALS:
    void roundFinished(bool ok, const QString &error);
    void envelopeDelivered(const liaison::crypto::Id16 &recipient, quint32 epoch, quint64 seq);
    void envelopeRefused(const liaison::crypto::Id16 &recipient, quint32 epoch, quint64 seq,
                         int httpStatus, const QByteArray &reason);
    // A verified wipe token: the app runs the wipe (DESIGN.md wipe order). Sync has stopped.
    void wipeRequested(const liaison::client::WipeToken &token);
    void wipeCheckFinished(liaison::client::WipeCheck::Outcome outcome);

private:
    void init(Connectivity *connectivity);
    void onConnectivity(Connectivity::State state);
    void beginSession(bool wipeCheck);
    void runRound();
    void onRoundFinished(bool ok, const QString &error);
    void onWipeChecked(WipeCheck::Outcome outcome, const std::optional<WipeToken> &token);
    void scheduleIn(std::int64_t ms);
    void refreshStatus();
    // The engine's deferral from the setting and the link; restarts what runs when it changes.
    void updateBulkDeferral();
    [[nodiscard]] Status afterPull(const RoundStats &stats);
    [[nodiscard]] std::optional<RequestSigner> signer() const;

    std::unique_ptr<DeviceStreamPort> m_ownedPort;
    DeviceStreamPort &m_port;
    const streams::LocalIdentity &m_me;
    const liaison::Clock &m_clock;
    QPointer<Connectivity> m_connectivity;
    SyncClientOptions m_options;
    std::unique_ptr<RelayHttp> m_http;
    std::unique_ptr<SyncEngine> m_engine;
    std::unique_ptr<WipeCheck> m_wipeCheck;
    SyncStatus m_status;
    Backoff m_backoff;
    QTimer m_timer;
    std::function<std::int64_t()> m_unlockFailures;
    std::function<Result<qsizetype>()> m_localChanges;

    bool m_deferBulkWhenMetered = false;
    bool m_running = false;
    bool m_wipeOrdered = false;
    bool m_pendingWipeCheck = false;
    bool m_receiptSentThisSession = false;
    std::int64_t m_lastReceiptMs = 0;
    std::int64_t m_longPollStartedMs = 0;
};

} // namespace liaison::client
