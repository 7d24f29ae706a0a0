#pragma once

// One sync round against liaison-relay, shared by the device (SyncClient) and HQ (HqTransport).
// DESIGN.md "Device sync engine":
//
//   push   every stored outbox envelope, oldest first, the stored bytes as they are. 200 with our
//          env_hash (also the "same answer" of a retry) -> markDelivered once. 409 -> another
//          envelope holds that stream position at the relay: reported, that (recipient, epoch)
//          is skipped for the rest of the round, nothing is marked.
//   pull   GET /v1/mailbox?after=C (long-poll when idle), each envelope through the receiver,
//          then POST /v1/mailbox/ack with exactly the cursors the receiver said to acknowledge;
//          with EngineOptions::priorityLane the priority lane's mail is read first, and again
//          between the bulk lane's pages
//   gaps   GET /v1/streams/{sender}/{epoch}?from=S for every gap the receiver wants filled
//   after  a hook (the device enqueues its RECEIPT here), then push again
//   metered with setBulkDeferred (issue 11, "Metered links"), and the priority lane on: push,
//          pull (a long-poll too) and gap fill touch the priority lanes only; bulk waits
//
// Every step is resumable and idempotent: the relay is idempotent on env_hash, the receiver
// answers a duplicate with "acknowledge again", and nothing is acknowledged before it is applied.
// A crash between any two steps loses nothing and duplicates nothing; the mailbox cursor lives
// in memory only (after a restart everything unacknowledged comes again and is a duplicate).

#include "relayhttp.h"
#include "streamport.h"

#include <QElapsedTimer>
#include <QObject>
#include <QSet>

#include <functional>
#include <optional>

namespace liaison::client {

struct EngineOptions
{
    int pushBatch = 32;            // outbox envelopes read per step
    int pullLimit = 200;           // mailbox envelopes per read (relay allows up to 1000)
    int gapFillLimit = 200;        // envelopes per gap-fill read
    int requestTimeoutMs = 30'000; // no bytes for that long ends a call
    int longPollWaitMs = 25'000;   // wait_ms of an idle long-poll (relay caps it)
    int maxGapPasses = 8;          // gap fill passes per round (each must make progress)
    // Rounds in a row whose gap fill brought nothing before the device asks for a RESYNC
    // (the relay withholds the missing envelope or no longer holds it).
    int fruitlessGapRounds = 3;
    // The most a mailbox or gap-fill answer may hold (security review L-14): the relay answers
    // at most its max-read-bytes (8 MiB by default) or one envelope (at most 16 MiB), whichever
    // is larger. A larger answer fails the round (RelayReply::tooLarge) and is never buffered.
    qsizetype maxBatchBytes = 32 * 1024 * 1024;
    // Priority lanes (DESIGN.md "Streams", protocol/lanes.h): the pull reads the priority lane
    // first (GET /v1/mailbox?lane=priority, its own cursor), then one page of the bulk lane
    // (lane=bulk), then the priority lane again, so urgent mail never waits for more than one
    // bulk page. Each bulk read asks whether the priority lane holds mail past the device's
    // priority cursor (priority_after, protocol::kHeaderPriorityWaiting): a page answered within
    // priorityHintMaxPageMs whose relay said no is not followed by a priority read. What reached
    // `down!` meanwhile has a later cursor than the page (cursors follow commit order), so the
    // next page's answer, or the long-poll after both cursors that follows the round, sees it.
    // After a slower page (a thin link, where mail can reach the relay while the page crosses)
    // `down!` is read whatever the relay said.
    bool priorityLane = true;
    int priorityHintMaxPageMs = 500;
    // With priorityLane: a bulk page (and a long-poll's answer) is bounded in bytes
    // (GET /v1/mailbox?max_bytes=, at least one envelope), so the priority lane waits for at
    // most about bulkPageTargetMs on any link: the budget follows the throughput of the
    // previous bulk pages, from bulkPageMinBytes (a 64 kbit/s link moves 16 KiB in 2 s; the
    // relay sends one envelope however large) up to bulkPageMaxBytes (a fast link reads big
    // pages, as without lanes).
    int bulkPageTargetMs = 2000;
    qsizetype bulkPageMinBytes = 16 * 1024;
    qsizetype bulkPageMaxBytes = 8 * 1024 * 1024;
};

struct RoundStats
{
    int pushed = 0;       // envelopes the relay acknowledged in this round
    int conflicts = 0;    // 409 answers
    int refused = 0;      // other permanent refusals of an envelope
    int pulled = 0;       // envelopes read from the mailbox
    int applied = 0;      // envelopes applied by the receiver (including parked successors)
    int acknowledged = 0; // cursors acknowledged to the relay
    int gapFilled = 0;    // envelopes read from the stream endpoint
    // Envelopes dropped because their signature did not verify under the sender's key as this
    // side knows it (a device that missed HQ's key rotation; DeviceSync fetches HQ's certificate).
    int badSignatures = 0;
    bool mailArrived = false;
};

class SyncEngine final : public QObject
{
    Q_OBJECT
public:
    // nullopt: no key (locked): the round fails at once.
    using SignerSource = std::function<std::optional<RequestSigner>()>;
    // Runs after pull and gap fill, before the final push. An error fails the round.
    using AfterPull = std::function<Status(const RoundStats &)>;
    // Runs before each push: seal what is waiting into the stream outbox (a device's change log
    // into DELTAs, HQ's own edits into fan-out). An error fails the round.
    using Prepare = std::function<Status()>;

    SyncEngine(RelayHttp &http, StreamPort &port, SignerSource signer, EngineOptions options = {},
               QObject *parent = nullptr);
    Q_DISABLE_COPY_MOVE(SyncEngine)

    void setAfterPull(AfterPull hook) { m_afterPull = std::move(hook); }
    void setPrepare(Prepare hook) { m_prepare = std::move(hook); }

    // A full round: push, pull until the mailbox is empty, gap fill, hook, push.
    // If a round or long-poll is running, a round follows it (coalesced).
    void runRound();
    // Waits for mail (wait_ms); mail that arrives goes on as a round (apply, ack, gaps, hook,
    // push). Finishes with mailArrived false when the wait ran out.
    void runLongPoll();
    // Aborts what is in flight; no roundFinished for it.
    void cancel();

    [[nodiscard]] bool busy() const { return m_phase != Phase::Idle; }
    [[nodiscard]] bool longPolling() const { return m_phase == Phase::LongPoll; }
    [[nodiscard]] const RoundStats &stats() const { return m_stats; }
    [[nodiscard]] std::int64_t cursor() const { return m_cursor; }
    // The next pull starts from the beginning of the mailbox: what was dropped unacknowledged
    // (a bad signature before a new HQ key was adopted) comes again.
    void rewindMailbox()
    {
        m_cursor = 0;
        m_priorityCursor = 0;
    }
    [[nodiscard]] std::int64_t priorityCursor() const { return m_priorityCursor; }
    // The byte budget of the next bulk page (EngineOptions::bulkPageTargetMs).
    [[nodiscard]] qsizetype bulkPageBudget() const { return m_bulkBudget; }
    [[nodiscard]] const EngineOptions &options() const { return m_options; }
    // Metered links (issue 11): from the next round or long-poll on, only the priority lanes
    // are pushed, read and gap-filled (needs EngineOptions::priorityLane; without it nothing is
    // deferred). The caller restarts what runs when it wants the change at once.
    void setBulkDeferred(bool deferred) { m_bulkDeferred = deferred; }
    [[nodiscard]] bool bulkDeferred() const { return m_bulkDeferred && m_options.priorityLane; }

Q_SIGNALS:
    // x of y for the UI: envelopes pushed or applied of those known so far in this round.
    void progress(int done, int total);
    // The relay acknowledged a durable commit and the outbox marked it (exactly once).
    void envelopeDelivered(const liaison::crypto::Id16 &recipient, quint32 epoch, quint64 seq);
    // 409 or another permanent refusal of one stored envelope (reason: the relay's error code).
    void envelopeRefused(const liaison::crypto::Id16 &recipient, quint32 epoch, quint64 seq,
                         int httpStatus, const QByteArray &reason);
    // ok false: error says why (ids and codes only). `reply` holds the failing relay answer.
    void roundFinished(bool ok, const QString &error);
    void failedReply(const liaison::client::RelayReply &reply);

private:
    enum class Phase { Idle, Push, Pull, LongPoll, Ack, GapFill, FinalPush };

    void begin(Phase first);
    void pushStep();
    void pushOne(std::vector<streams::QueuedEnvelope> batch, std::size_t index);
    // Mid-pull (priority lane on): seals local edits and pushes the priority lanes' envelopes
    // only, then `next`.
    void pushPriority(std::function<void()> next);
    void afterPush();
    void pullStep(int waitMs);
    enum class Read { All, Priority, Bulk }; // which lane a mailbox read asked for
    void handleBatch(const RelayReply &reply, bool fromLongPoll, Read read);
    void ackStep(std::function<void()> next);
    void gapStep();
    void gapFetch(std::vector<streams::GapRequest> gaps, std::size_t index, int appliedBefore);
    void finishPull();
    void finish(bool ok, const QString &error, const RelayReply *reply = nullptr);
    void noteBadSignature(const streams::ReceiveResult &res);
    void finishLater(const QString &error);
    [[nodiscard]] std::optional<RequestSigner> signer();
    [[nodiscard]] bool current(quint64 gen) const { return gen == m_gen; }
    void bumpProgress(int done, int total);

    RelayHttp &m_http;
    StreamPort &m_port;
    SignerSource m_signer;
    EngineOptions m_options;
    AfterPull m_afterPull;
    Prepare m_prepare;

    Phase m_phase = Phase::Idle;
    quint64 m_gen = 0;
    quint64 m_inFlight = 0; // RelayHttp handle
    bool m_again = false;
    RoundStats m_stats;
    std::int64_t m_cursor = 0;         // the bulk lane's (everything without priorityLane)
    std::int64_t m_priorityCursor = 0; // the priority lane's
    bool m_bulkNext = false;           // in this pull: the priority lane is read, a bulk page next
    bool m_bulkDone = false;           // in this pull: the bulk lane is read to its end
    bool m_bulkDeferred = false;       // setBulkDeferred
    bool m_priorityOnly = false;       // this round or long-poll: bulkDeferred() at its start
    qsizetype m_bulkBudget = 0;        // bytes of the next bulk page (0: bulkPageMinBytes)
    QElapsedTimer m_pageTimer;         // since the current mailbox read was sent
    std::function<void()> m_priorityPushNext; // set while pushPriority runs
    QList<std::int64_t> m_unacked;    // cursors applied but not yet acknowledged at the relay
    qsizetype m_unackedBulkBytes = 0; // of bulk envelopes among them (kAckBulkBytes)
    QSet<QByteArray> m_skip;          // (recipient, epoch) refused in this round
    int m_gapPasses = 0;
    int m_fruitlessRounds = 0;  // consecutive rounds whose gap fill brought nothing
    bool m_gapProgress = false; // this round's gap fill applied something
    int m_done = 0;
    int m_total = 0;
};

} // namespace liaison::client
