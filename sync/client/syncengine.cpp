#include "syncengine.h"

#include "protocol/envelope.h"
#include "protocol/lanes.h"
#include "protocol/relaybatch.h"

#include <algorithm>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QTimer>

Q_LOGGING_CATEGORY(lcSync, "liaison.sync")

namespace liaison::client {

namespace {

constexpr int kMaxAckCursors = 1000; // the relay's limit per acknowledgement
// Bulk pages are acknowledged together once this many bytes of them wait, and when the bulk
// lane is read to its end (issue 13, thin link): an acknowledgement only frees the relay's
// storage (the cursor moves on anyway) but costs a round trip per page, ~15 % of a 16 KiB page
// at 64 kbit/s and 500 ms RTT. Bounded so that what a restarted app reads again (the cursor is
// not kept; the receiver takes it as duplicates) stays about 8 s of that link.
constexpr qsizetype kAckBulkBytes = 64 * 1024;

QByteArray skipKey(const crypto::Id16 &recipient, std::uint32_t epoch)
{
    return recipient.toByteArray() + QByteArray::number(epoch);
}

QByteArray idHex(const crypto::Id16 &id)
{
    return id.toHex();
}

// The lane of a mailbox item from its header's epoch; what does not parse is left to the
// receiver and counted as bulk.
protocol::Lane laneOf(QByteArrayView envelope)
{
    if (envelope.size() < protocol::kHeaderBytes)
        return protocol::Lane::Bulk;
    auto header = protocol::EnvelopeHeader::decode(envelope.first(protocol::kHeaderBytes));
    return header ? protocol::laneOfEpoch(header->epoch) : protocol::Lane::Bulk;
}

// A refusal that concerns this one envelope (or its recipient), not the caller or the relay.
bool envelopeSpecific(const RelayReply &r)
{
    if (r.status == 409 || r.status == 413 || r.status == 400)
        return true;
    if (r.status == 404)
        return true; // unknown_recipient
    if (r.status == 403)
        return r.errorCode != "revoked" && r.errorCode != "forbidden";
    if (r.status == 429)
        return r.errorCode == "mailbox_full"; // that recipient only
    return false;
}

} // namespace

SyncEngine::SyncEngine(RelayHttp &http, StreamPort &port, SignerSource signer,
                       EngineOptions options, QObject *parent)
    : QObject(parent)
    , m_http(http)
    , m_port(port)
    , m_signer(std::move(signer))
    , m_options(options)
{
    m_options.pullLimit = std::clamp(m_options.pullLimit, 1, 1000);
    m_options.gapFillLimit = std::clamp(m_options.gapFillLimit, 1, 1000);
    m_options.pushBatch = std::max(1, m_options.pushBatch);
}

std::optional<RequestSigner> SyncEngine::signer()
{
    return m_signer ? m_signer() : std::nullopt;
}

void SyncEngine::bumpProgress(int done, int total)
{
    m_done = done;
    m_total = std::max(total, done);
    Q_EMIT progress(m_done, m_total);
}

void SyncEngine::runRound()
{
    if (m_phase == Phase::LongPoll) {
        // A round is wanted now: the long-poll gives way.
        cancel();
    } else if (m_phase != Phase::Idle) {
        m_again = true;
        return;
    }
    begin(Phase::Push);
}

void SyncEngine::runLongPoll()
{
    if (m_phase != Phase::Idle)
        return;
    begin(Phase::LongPoll);
}

void SyncEngine::cancel()
{
    ++m_gen;
    m_priorityPushNext = {};
    m_phase = Phase::Idle;
    m_again = false;
    if (m_inFlight) {
        const quint64 h = m_inFlight;
        m_inFlight = 0;
        m_http.abort(h); // its callback sees a stale generation
    }
}

void SyncEngine::begin(Phase first)
{
    ++m_gen;
    m_stats = {};
    m_skip.clear();
    m_gapPasses = 0;
    m_gapProgress = false;
    m_again = false;
    m_bulkNext = false;
    m_priorityOnly = bulkDeferred();
    m_bulkDone = m_priorityOnly; // deferred: the bulk lane is not read at all
    m_priorityPushNext = {};
    m_done = 0;
    m_total = 0;
    if (!signer()) {
        m_phase = Phase::Push;
        return finishLater(QStringLiteral("locked: no signing key"));
    }
    if (first == Phase::LongPoll) {
        m_phase = Phase::LongPoll;
        // Acknowledgements a failed round left behind go first.
        if (!m_unacked.isEmpty())
            return ackStep([this] { pullStep(m_options.longPollWaitMs); });
        return pullStep(m_options.longPollWaitMs);
    }
    m_phase = Phase::Push;
    if (m_prepare) {
        if (auto st = m_prepare(); !st)
            return finishLater(QStringLiteral("prepare: %1").arg(st.error().message));
    }
    auto count = m_port.pendingCount();
    if (count)
        bumpProgress(0, int(*count));
    pushStep();
}

void SyncEngine::finishLater(const QString &error)
{
    // Asynchronous like every other outcome, so callers never re-enter.
    const quint64 gen = m_gen;
    QTimer::singleShot(0, this, [this, gen, error] {
        if (current(gen))
            finish(false, error);
    });
}

// ---- push ------------------------------------------------------------------------------------

void SyncEngine::pushPriority(std::function<void()> next)
{
    if (!m_options.priorityLane)
        return next();
    // What was written since the round began (an acknowledgement the officer just gave) is
    // sealed now, so its `up!` envelope need not wait for the rest of the pull.
    if (m_prepare) {
        if (auto st = m_prepare(); !st)
            return finish(false, QStringLiteral("prepare: %1").arg(st.error().message));
    }
    m_priorityPushNext = std::move(next);
    pushStep();
}

void SyncEngine::pushStep()
{
    int limit = m_options.pushBatch;
    std::vector<streams::QueuedEnvelope> batch;
    const bool priorityOnly = bool(m_priorityPushNext) || m_priorityOnly;
    for (;;) {
        auto pending = m_port.pendingEnvelopes(limit);
        if (!pending)
            return finish(false, QStringLiteral("outbox: %1").arg(pending.error().message));
        const bool full = int(pending->size()) >= limit;
        for (auto &e : *pending) {
            // Between bulk pages: the priority lanes, and the RECEIPT that opens a new `up`
            // epoch (the answer to a RESYNC's first part): it tells HQ this device has begun the
            // snapshot, which opens `down!` for a device that keeps priority envelopes across it
            // (protocol::kFeaturePriorityDuringSnapshot), and `up!` of that epoch needs it at HQ.
            const bool opener = e.seq == 1 && e.kind == streams::Kind::Receipt;
            if (priorityOnly && protocol::laneOfEpoch(e.stream.epoch) != protocol::Lane::Priority &&
                !opener)
                continue;
            if (!m_skip.contains(skipKey(e.stream.recipient, e.stream.epoch)))
                batch.push_back(std::move(e));
        }
        if (priorityOnly)
            break; // (the outbox lists the priority lanes first)
        // Everything read belongs to streams refused in this round, and there may be more.
        if (batch.empty() && full && limit < (1 << 20)) {
            limit *= 4;
            continue;
        }
        break;
    }
    if (batch.empty()) {
        if (m_priorityPushNext) {
            auto next = std::exchange(m_priorityPushNext, {});
            return next();
        }
        return afterPush();
    }
    pushOne(std::move(batch), 0);
}

void SyncEngine::pushOne(std::vector<streams::QueuedEnvelope> batch, std::size_t index)
{
    while (index < batch.size() &&
           m_skip.contains(skipKey(batch[index].stream.recipient, batch[index].stream.epoch)))
        ++index;
    if (index >= batch.size())
        return pushStep();
    auto s = signer();
    if (!s)
        return finish(false, QStringLiteral("locked: no signing key"));
    const quint64 gen = m_gen;
    const streams::QueuedEnvelope &e = batch[index];
    const QByteArray bytes = e.bytes;
    m_inFlight = m_http.call(
        "POST", "/v1/envelopes", bytes, s, m_options.requestTimeoutMs,
        [this, gen, batch = std::move(batch), index](const RelayReply &r) mutable {
            if (!current(gen))
                return;
            m_inFlight = 0;
            const streams::QueuedEnvelope &e = batch[index];
            if (r.ok()) {
                const QJsonObject o = QJsonDocument::fromJson(r.body).object();
                const QByteArray answered =
                    o.value(QStringLiteral("env_hash")).toString().toLatin1();
                if (answered != e.envHash.toHex())
                    return finish(false, QStringLiteral("relay answered another env_hash"), &r);
                if (auto st = m_port.markDelivered(e); !st)
                    return finish(false, QStringLiteral("outbox: %1").arg(st.error().message));
                ++m_stats.pushed;
                bumpProgress(m_done + 1, m_total);
                Q_EMIT envelopeDelivered(e.stream.recipient, e.stream.epoch, e.seq);
                return pushOne(std::move(batch), index + 1);
            }
            if (envelopeSpecific(r)) {
                if (r.status == 409)
                    ++m_stats.conflicts;
                else
                    ++m_stats.refused;
                qCWarning(lcSync).noquote()
                    << "relay refused envelope to" << idHex(e.stream.recipient) << "epoch"
                    << e.stream.epoch << "seq" << e.seq << ":" << r.describe();
                m_skip.insert(skipKey(e.stream.recipient, e.stream.epoch));
                Q_EMIT envelopeRefused(e.stream.recipient, e.stream.epoch, e.seq, r.status,
                                       r.errorCode);
                return pushOne(std::move(batch), index + 1);
            }
            finish(false, QStringLiteral("push: %1").arg(r.describe()), &r);
        });
}

void SyncEngine::afterPush()
{
    if (m_phase == Phase::FinalPush)
        return finish(true, {});
    m_phase = Phase::Pull;
    if (!m_unacked.isEmpty())
        return ackStep([this] { pullStep(0); });
    pullStep(0);
}

// ---- pull ------------------------------------------------------------------------------------

void SyncEngine::pullStep(int waitMs)
{
    auto s = signer();
    if (!s)
        return finish(false, QStringLiteral("locked: no signing key"));
    const bool longPoll = m_phase == Phase::LongPoll;
    // A long-poll waits for mail of either lane; a round reads the lanes one by one.
    Read read = Read::All;
    if (m_options.priorityLane && (!longPoll || m_priorityOnly))
        read = m_bulkNext ? Read::Bulk : Read::Priority; // deferred: a long-poll on `down!` only
    std::int64_t after = m_cursor;
    if (read == Read::Priority)
        after = m_priorityCursor;
    else if (read == Read::All && m_options.priorityLane)
        after = std::max(m_cursor, m_priorityCursor); // both lanes are read up to here
    QByteArray path = "/v1/mailbox?after=" + QByteArray::number(qint64(after)) +
                      "&limit=" + QByteArray::number(m_options.pullLimit);
    if (read != Read::All)
        path += read == Read::Priority ? "&lane=priority" : "&lane=bulk";
    if (m_options.priorityLane && read != Read::Priority) {
        if (m_bulkBudget <= 0)
            m_bulkBudget = m_options.bulkPageMinBytes;
        path += "&max_bytes=" + QByteArray::number(qint64(m_bulkBudget));
    }
    // A bulk page also says whether `down!` holds mail past what this device has read of it
    // (protocol::kHeaderPriorityWaiting): if not, no read of `down!` follows the page.
    if (read == Read::Bulk)
        path += "&priority_after=" + QByteArray::number(qint64(m_priorityCursor));
    m_pageTimer.start();
    if (waitMs > 0)
        path += "&wait_ms=" + QByteArray::number(waitMs);
    const quint64 gen = m_gen;
    m_inFlight = m_http.call(
        "GET", path, {}, s, m_options.requestTimeoutMs + waitMs,
        [this, gen, longPoll, read](const RelayReply &r) {
            if (!current(gen))
                return;
            m_inFlight = 0;
            handleBatch(r, longPoll, read);
        },
        "application/octet-stream", m_options.maxBatchBytes);
}

void SyncEngine::handleBatch(const RelayReply &r, bool fromLongPoll, Read read)
{
    const qint64 pageMs = std::max<qint64>(1, m_pageTimer.elapsed()); // (not what applying took)
    if (!r.ok())
        return finish(false, QStringLiteral("mailbox: %1").arg(r.describe()), &r);
    auto items =
        protocol::decodeRelayBatch(r.body, m_options.pullLimit, protocol::kMaxEnvelopeBytes);
    if (!items)
        return finish(false, QStringLiteral("mailbox: %1").arg(items.error().message), &r);
    if (fromLongPoll) {
        if (items->isEmpty())
            return finish(true, {});
        m_phase = Phase::Pull;
    } else if (read == Read::Bulk && !items->isEmpty()) {
        // The next budget: what this link moved per bulkPageTargetMs (a long-poll's time is
        // mostly waiting, so only the bulk pages of a round count), growing at most twofold per
        // page: a few small pages on a fast link say little about the link the next bulk
        // crosses (a phone that left the Wi-Fi), so a thin link costs one small page, not one
        // of megabytes.
        const qint64 perTarget = qint64(r.body.size()) * m_options.bulkPageTargetMs / pageMs;
        const qsizetype low = m_options.bulkPageMinBytes;
        const qsizetype high =
            std::max(low, std::min(m_options.bulkPageMaxBytes, 2 * qsizetype(r.body.size())));
        m_bulkBudget = std::clamp<qsizetype>(qsizetype(perTarget), low, high);
    }
    m_stats.pulled += int(items->size());
    if (!items->isEmpty())
        m_stats.mailArrived = true;
    bumpProgress(m_done, m_total + int(items->size()));

    std::optional<Error> localFailure;
    bool priorityToAck = false;
    for (const protocol::RelayBatchItem &item : *items) {
        bool priority = read == Read::Priority;
        if (read == Read::All && m_options.priorityLane)
            priority = laneOf(item.data) == protocol::Lane::Priority;
        std::int64_t &cursor = priority ? m_priorityCursor : m_cursor;
        if (std::int64_t(item.key) <= cursor)
            continue; // the relay repeated something we have processed: harmless, skip
        auto res = m_port.receive(item.data);
        if (!res) {
            // A local failure (store): not acknowledged, offered again by the next round.
            localFailure = res.error();
            break;
        }
        cursor = std::int64_t(item.key);
        m_stats.applied += res->applied;
        noteBadSignature(*res);
        if (res->acknowledge) {
            m_unacked.append(std::int64_t(item.key));
            if (priority)
                priorityToAck = true;
            else
                m_unackedBulkBytes += item.data.size();
        }
        bumpProgress(m_done + 1, m_total);
    }
    const bool more = r.header("liaison-more") == "1";
    if (localFailure) {
        const QString why = QStringLiteral("receiver: %1").arg(localFailure->message);
        return ackStep([this, why] { finish(false, why); });
    }
    const bool full = more || items->size() >= m_options.pullLimit;
    // (A relay that does not say is read as one that has priority mail waiting; so is a page
    // that took long enough for mail to reach `down!` while it crossed the link.)
    const bool priorityWaiting = read != Read::Bulk ||
                                 r.header("liaison-priority-waiting") != "0" ||
                                 pageMs > m_options.priorityHintMaxPageMs;
    // Priority mail is acknowledged at once; bulk pages together (kAckBulkBytes), and all of it
    // when the bulk lane is done.
    bool ackNow = true;
    if (read == Read::Priority)
        ackNow = priorityToAck || m_unackedBulkBytes >= kAckBulkBytes;
    else if (read == Read::Bulk)
        ackNow = !full || m_unackedBulkBytes >= kAckBulkBytes;
    ackNow = ackNow || m_unacked.size() >= kMaxAckCursors;
    auto next = [this, full, read, priorityWaiting] {
        if (read == Read::Priority) {
            if (full)
                return pullStep(0);
            if (m_bulkDone)
                return finishPull();
            m_bulkNext = true; // one page of the bulk lane, then the priority lane again
            return pullStep(0);
        }
        if (read == Read::Bulk) {
            m_bulkDone = !full;
            m_bulkNext = false;
            // Between bulk pages the priority lane goes both ways: what waits on `up!` is
            // pushed, then `down!` is read unless the relay said, on a quick page, that it holds
            // nothing there for this device (EngineOptions::priorityHintMaxPageMs).
            return pushPriority([this, priorityWaiting] {
                if (priorityWaiting)
                    return pullStep(0);
                if (m_bulkDone)
                    return finishPull();
                m_bulkNext = true;
                pullStep(0);
            });
        }
        if (full)
            return pullStep(0);
        finishPull();
    };
    if (ackNow)
        return ackStep(std::move(next));
    next();
}

void SyncEngine::ackStep(std::function<void()> next)
{
    if (m_unacked.isEmpty())
        return next();
    auto s = signer();
    if (!s)
        return finish(false, QStringLiteral("locked: no signing key"));
    const QList<std::int64_t> chunk = m_unacked.mid(0, kMaxAckCursors);
    QJsonArray cursors;
    for (std::int64_t c : chunk)
        cursors.append(qint64(c));
    const QByteArray body = QJsonDocument(QJsonObject{{QStringLiteral("cursors"), cursors}})
                                .toJson(QJsonDocument::Compact);
    const quint64 gen = m_gen;
    m_inFlight = m_http.call(
        "POST", "/v1/mailbox/ack", body, s, m_options.requestTimeoutMs,
        [this, gen, n = chunk.size(), next = std::move(next)](const RelayReply &r) mutable {
            if (!current(gen))
                return;
            m_inFlight = 0;
            if (!r.ok())
                return finish(false, QStringLiteral("ack: %1").arg(r.describe()), &r);
            m_unacked.remove(0, n);
            if (m_unacked.isEmpty())
                m_unackedBulkBytes = 0;
            m_stats.acknowledged += int(n);
            ackStep(std::move(next));
        },
        "application/json");
}

void SyncEngine::finishPull()
{
    if (!m_unacked.isEmpty()) // (bulk pages acknowledged together: what is left of them)
        return ackStep([this] { finishPull(); });
    m_phase = Phase::GapFill;
    gapStep();
}

// ---- gap fill ---------------------------------------------------------------------------------

void SyncEngine::gapStep()
{
    if (auto st = m_port.tick(); !st)
        return finish(false, QStringLiteral("receiver: %1").arg(st.error().message));
    auto gaps = m_port.gapsWanted();
    if (!gaps)
        return finish(false, QStringLiteral("receiver: %1").arg(gaps.error().message));
    if (m_priorityOnly) // bulk gaps wait too (and are not fruitless: they were not asked for)
        std::erase_if(*gaps, [](const streams::GapRequest &g) {
            return protocol::laneOfEpoch(g.stream.epoch) == protocol::Lane::Bulk;
        });
    if (gaps->empty() || m_gapPasses >= m_options.maxGapPasses) {
        if (gaps->empty() || m_gapProgress) {
            m_fruitlessRounds = 0;
        } else {
            // Gap fill came back empty round after round: no timer can help any more. A gap
            // behind a peer time older than the relay's retention is mail the relay has purged
            // (back from a long absence): RESYNC is asked for in this first round already.
            const bool enough = ++m_fruitlessRounds >= m_options.fruitlessGapRounds;
            int given = 0;
            for (const streams::GapRequest &g : *gaps) {
                if (!enough && !g.pastRetention)
                    continue;
                if (auto st = m_port.giveUpGap(g.stream.sender); !st)
                    return finish(false, QStringLiteral("receiver: %1").arg(st.error().message));
                ++given;
            }
            if (given > 0)
                qCInfo(lcSync) << "gap not filled in" << m_fruitlessRounds
                               << (enough ? "rounds" : "round, past the relay's retention")
                               << ": RESYNC asked for";
            if (enough)
                m_fruitlessRounds = 0;
        }
        if (m_afterPull) {
            if (auto st = m_afterPull(m_stats); !st)
                return finish(false, st.error().message);
        }
        m_phase = Phase::FinalPush;
        if (m_prepare) {
            if (auto st = m_prepare(); !st)
                return finish(false, QStringLiteral("prepare: %1").arg(st.error().message));
        }
        return pushStep();
    }
    ++m_gapPasses;
    gapFetch(std::move(*gaps), 0, m_stats.applied);
}

void SyncEngine::gapFetch(std::vector<streams::GapRequest> gaps, std::size_t index,
                          int appliedBefore)
{
    if (index >= gaps.size()) {
        // Another pass only if this one made progress; a gap the relay cannot fill stays for
        // the receiver's timer (RESYNC_REQUEST after an hour online).
        if (m_stats.applied == appliedBefore)
            m_gapPasses = m_options.maxGapPasses;
        else
            m_gapProgress = true;
        return gapStep();
    }
    auto s = signer();
    if (!s)
        return finish(false, QStringLiteral("locked: no signing key"));
    const streams::GapRequest &g = gaps[index];
    const std::uint64_t want = g.toSeq >= g.fromSeq ? g.toSeq - g.fromSeq + 1 : 1;
    const int limit = int(std::min<std::uint64_t>(want, std::uint64_t(m_options.gapFillLimit)));
    const QByteArray path =
        "/v1/streams/" + idHex(g.stream.sender) + '/' + QByteArray::number(g.stream.epoch) +
        "?from=" + QByteArray::number(quint64(g.fromSeq)) + "&limit=" + QByteArray::number(limit);
    const quint64 gen = m_gen;
    m_inFlight = m_http.call(
        "GET", path, {}, s, m_options.requestTimeoutMs,
        [this, gen, gaps = std::move(gaps), index, appliedBefore,
         limit](const RelayReply &r) mutable {
            if (!current(gen))
                return;
            m_inFlight = 0;
            if (!r.ok())
                return finish(false, QStringLiteral("gap fill: %1").arg(r.describe()), &r);
            auto items = protocol::decodeRelayBatch(r.body, limit, protocol::kMaxEnvelopeBytes);
            if (!items)
                return finish(false, QStringLiteral("gap fill: %1").arg(items.error().message), &r);
            m_stats.gapFilled += int(items->size());
            for (const auto &item : *items) {
                auto res = m_port.receive(item.data);
                if (!res)
                    return finish(false, QStringLiteral("receiver: %1").arg(res.error().message));
                m_stats.applied += res->applied;
                noteBadSignature(*res);
            }
            gapFetch(std::move(gaps), index + 1, appliedBefore);
        },
        "application/octet-stream", m_options.maxBatchBytes);
}

// ---- end ---------------------------------------------------------------------------------------

void SyncEngine::noteBadSignature(const streams::ReceiveResult &res)
{
    if (res.disposition == streams::Disposition::Dropped &&
        res.reason == QLatin1StringView("signature"))
        ++m_stats.badSignatures;
}

void SyncEngine::finish(bool ok, const QString &error, const RelayReply *reply)
{
    ++m_gen; // late callbacks of this round are ignored
    m_inFlight = 0;
    m_phase = Phase::Idle;
    if (!ok)
        qCInfo(lcSync).noquote() << "round failed:" << error;
    if (reply)
        Q_EMIT failedReply(*reply);
    const bool again = m_again && ok;
    m_again = false;
    Q_EMIT roundFinished(ok, error);
    // A listener may have started a long-poll meanwhile: runRound() makes it give way.
    if (again)
        runRound();
}

} // namespace liaison::client
