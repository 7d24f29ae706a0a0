// Issue 8 point 11 (DESIGN.md "Streams": "A multi-part snapshot is applied only when all its parts
// are there"; review protocol.md M8) and point 4 across a RESYNC (DESIGN.md "Data": nothing an
// officer writes is dropped silently). HQ and a device over the real stack (HqFanout, HqApplier,
// DeviceApplier, RecordStore, receivers, sealed envelopes); the test is the relay and chooses
// what it delivers.

#include "model/deviceapplier.h"
#include "model/recordstore.h"
#include "streams/receiver.h"
#include "streams/streamoutbox.h"
#include "testmain.h"
#include "tst_hqstreams_harness.h"

#include <QTest>

#include <functional>
#include <optional>

using namespace liaison;
using namespace liaison::model;
using namespace liaison::hqtest;
using streams::Disposition;
using streams::Kind;

namespace {

const QString kVienna = QStringLiteral("post:vienna");
const QString kPrague = QStringLiteral("post:prague");

using Pick = std::function<bool(const streams::QueuedEnvelope &)>;

// Delivers HQ's pending `down` envelopes to `d` that `pick` chooses, in outbox order, and marks
// them delivered; the others stay pending. Returns the dispositions.
QList<Disposition> deliverDown(Star &s, hqtest::Device &d, const Pick &pick)
{
    QList<Disposition> out;
    auto pending = s.hq->outbox->pending(d.me.localId(), 100000);
    if (!pending)
        return out;
    for (const auto &q : *pending) {
        if (!pick(q))
            continue;
        if (!s.hq->outbox->markDelivered(d.me.localId(), q.stream.epoch, q.seq))
            return out;
        auto r = d.receiver->receive(q.bytes);
        out.append(r ? r->disposition : Disposition::Dropped);
    }
    return out;
}

// Every pending `down` envelope to `d`, oldest first (left pending).
std::vector<streams::QueuedEnvelope> pendingDown(Star &s, hqtest::Device &d)
{
    return s.hq->outbox->pending(d.me.localId(), 100000)
        .value_or(std::vector<streams::QueuedEnvelope>{});
}

// The device's `up` envelopes, all delivered to HQ.
bool deliverUp(Star &s, hqtest::Device &d)
{
    auto up = d.outbox->pending(s.hq->me.localId(), 100000);
    if (!up)
        return false;
    for (const auto &q : *up) {
        if (!d.outbox->markDelivered(s.hq->me.localId(), q.stream.epoch, q.seq))
            return false;
        if (!s.hq->receiver->receive(q.bytes))
            return false;
    }
    return true;
}

QByteArray hqDump(Star &s, const QStringList &scopes)
{
    auto d = s.hq->records->canonicalDump(scopes);
    return d ? *d : QByteArray("dump failed");
}

bool populate(Star &s, const QString &scope, int n, const char *prefix)
{
    for (int i = 0; i < n; ++i) {
        auto r =
            s.hq->records->create(RecordType::Contact, scope,
                                  {{QStringLiteral("name"),
                                    QStringLiteral("%1 %2").arg(QLatin1StringView(prefix)).arg(i)},
                                   {QStringLiteral("notes"), QString(60, QLatin1Char('x'))}});
        if (!r)
            return false;
    }
    // Nobody holds the scope yet, or the caller pumps: only marks them published.
    return s.hq->fanout->publishLocalEdits().has_value();
}

// A write of an HQ-only record, forged by the device as a DELTA: HQ answers with REJECT
// (HqOnlyType). Returns the operation.
std::optional<Operation> forgeInstructionWrite(Star &s, hqtest::Device &d, const QString &scope)
{
    auto instruction = s.hq->records->create(RecordType::Instruction, scope,
                                             {{QStringLiteral("title"), QStringLiteral("Orders")}});
    if (!instruction || !s.publish())
        return std::nullopt;
    Operation forged;
    forged.recordId = instruction->recordId;
    forged.type = RecordType::Instruction;
    forged.scope = scope;
    forged.fields = {{QStringLiteral("title"), QStringLiteral("Forged orders")}};
    forged.stamp = d.records->clock().tick();
    if (!d.records->applyRemote(forged))
        return std::nullopt;
    if (!d.outbox->enqueue(s.hq->me.localId(), Kind::Delta, DeltaPayload{{forged}}.toCbor()))
        return std::nullopt;
    return forged;
}

struct ResyncInParts
{
    std::uint32_t epoch = 0;
    int parts = 0;
};

// HQ changes a record the device has not heard of (never published), then sends the device a
// RESYNC in parts of about 1 KiB that carries it; left pending. nullopt if HQ failed.
std::optional<ResyncInParts> resyncInParts(Star &s, hqtest::Device &d)
{
    if (!s.hq->records->create(RecordType::Contact, kVienna,
                               {{QStringLiteral("name"), QStringLiteral("new")}}))
        return std::nullopt;
    s.hq->receiver->setResyncPartBytes(1024);
    auto first = s.hq->receiver->sendResync(d.me.localId());
    if (!first)
        return std::nullopt;
    ResyncInParts out{first->stream.epoch, 0};
    for (const auto &q : pendingDown(s, d))
        out.parts += q.stream.epoch == out.epoch && q.kind == Kind::Resync ? 1 : 0;
    return out;
}

int heldCount(hqtest::Device &d, const Operation &op)
{
    auto held = d.records->heldOperations();
    if (!held)
        return -1;
    int n = 0;
    for (const HeldOperation &h : *held)
        n += h.op.recordId == op.recordId && h.op.stamp == op.stamp && !h.willRetry ? 1 : 0;
    return n;
}

} // namespace

class TestSnapshotParts : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // A relay that delivers part 1 of a multi-part RESYNC alone cannot empty the device: it keeps
    // every record until all parts are there, then holds exactly HQ's state.
    void partialResyncKeepsEverything()
    {
        Star s;
        QVERIFY(s.open());
        QVERIFY(populate(s, kVienna, 60, "v"));
        auto &d = s.add();
        QVERIFY(s.enrol(d, {kVienna}));
        const QByteArray before = d.dump({kVienna});
        QCOMPARE(before, hqDump(s, {kVienna}));
        const qint64 count = *d.records->recordCount();
        QVERIFY(count >= 60);

        // HQ changes things the device has not heard of, then a RESYNC in parts carries them.
        const auto resync = resyncInParts(s, d);
        QVERIFY(resync);
        const std::uint32_t epoch = resync->epoch;
        const int parts = resync->parts;
        QVERIFY2(parts >= 3, qPrintable(QString::number(parts)));

        // Part 1 alone.
        const auto got = deliverDown(s, d, [&](const streams::QueuedEnvelope &q) {
            return q.stream.epoch == epoch && q.seq == 1;
        });
        QCOMPARE(got, QList<Disposition>{Disposition::Applied});
        QCOMPARE(*d.records->recordCount(), count);
        QCOMPARE(d.dump({kVienna}), before);
        QCOMPARE(d.records->scopes(), QStringList{kVienna});
        auto st = d.receiver->state(s.hq->me.localId());
        QVERIFY(st && *st);
        QCOMPARE((*st)->snapshotParts, std::uint32_t(parts));
        QCOMPARE((*st)->snapshotReceived, 1u);

        // Parts 2 .. n-1: still nothing changes.
        deliverDown(s, d, [&](const streams::QueuedEnvelope &q) {
            return q.stream.epoch == epoch && q.seq < std::uint64_t(parts);
        });
        QCOMPARE(d.dump({kVienna}), before);
        QCOMPARE((*d.receiver->state(s.hq->me.localId()))->snapshotReceived,
                 std::uint32_t(parts - 1));

        // The last part: everything at once, equal to HQ.
        QVERIFY(s.pump());
        QCOMPARE(d.dump({kVienna}), hqDump(s, {kVienna}));
        QCOMPARE(*d.records->recordCount(), count + 1);
        QCOMPARE((*d.receiver->state(s.hq->me.localId()))->snapshotParts, 0u);
    }

    // The staged parts are read back without the strict decoder's re-encoding check
    // (codec::decodeStagedPayload): a staged part that is not one whole CBOR map any more stops the
    // snapshot as damaged storage. Nothing of it is applied, and the device keeps its records.
    void damagedStagedPartStopsTheSnapshot()
    {
        Star s;
        QVERIFY(s.open());
        QVERIFY(populate(s, kVienna, 60, "v"));
        auto &d = s.add();
        QVERIFY(s.enrol(d, {kVienna}));
        const QByteArray before = d.dump({kVienna});
        const auto resync = resyncInParts(s, d);
        QVERIFY(resync);
        const std::uint32_t epoch = resync->epoch;
        const std::uint64_t parts = std::uint64_t(resync->parts);
        QVERIFY(parts >= 3);
        const auto staged = deliverDown(s, d, [&](const streams::QueuedEnvelope &q) {
            return q.stream.epoch == epoch && q.seq < parts;
        });
        QCOMPARE(staged.size(), qsizetype(parts - 1));

        // One staged part cut short, as a damaged file would give it.
        QVERIFY(d.db->execute("UPDATE stream_staged SET payload = substr(payload, 1, 40) "
                              "WHERE seq = 2"));
        std::optional<streams::QueuedEnvelope> last;
        for (const auto &q : pendingDown(s, d))
            if (q.stream.epoch == epoch && q.seq == parts)
                last = q;
        QVERIFY(last);
        auto r = d.receiver->receive(last->bytes);
        QVERIFY(!r);
        QCOMPARE(r.error().code, Errc::Tampered);
        QCOMPARE(d.dump({kVienna}), before);
    }

    // A part that never comes is a gap: the gap timer asks for a RESYNC; the device keeps its
    // records meanwhile, and the next RESYNC replaces the incomplete one.
    void missingPartIsAGap()
    {
        Star s;
        QVERIFY(s.open());
        QVERIFY(populate(s, kVienna, 40, "v"));
        auto &d = s.add();
        QVERIFY(s.enrol(d, {kVienna}));
        const QByteArray before = d.dump({kVienna});
        s.hq->receiver->setResyncPartBytes(1024);
        auto first = s.hq->receiver->sendResync(d.me.localId());
        QVERIFY(first);
        const std::uint32_t epoch = first->stream.epoch;
        deliverDown(s, d, [&](const streams::QueuedEnvelope &q) {
            return q.stream.epoch == epoch && q.seq == 1;
        });
        QCOMPARE(d.dump({kVienna}), before);
        auto gaps = d.receiver->gapsWanted();
        QVERIFY(gaps && gaps->size() == 1);
        QCOMPARE(gaps->front().fromSeq, 2u);
        // The rest never arrives (dropped at the relay); an hour online later: RESYNC_REQUEST.
        for (const auto &q : pendingDown(s, d))
            QVERIFY(s.hq->outbox->markDelivered(d.me.localId(), q.stream.epoch, q.seq));
        d.clock.advance(2 * 3600 * 1000);
        QVERIFY(d.receiver->tick());
        auto up = d.outbox->pending(s.hq->me.localId(), 100);
        QVERIFY(up);
        bool asked = false;
        for (const auto &q : *up)
            asked = asked || q.kind == Kind::ResyncRequest;
        QVERIFY(asked);
        QCOMPARE(d.dump({kVienna}), before);
        s.hq->clock.advance(2 * 3600 * 1000);
        QVERIFY(s.pump());
        QCOMPARE(d.dump({kVienna}), hqDump(s, {kVienna}));
        QCOMPARE((*d.receiver->state(s.hq->me.localId()))->snapshotParts, 0u);
    }

    // A SCOPE_JOIN in parts adds the scope only when its last part is there.
    void partialScopeJoinAddsNothing()
    {
        Star s;
        QVERIFY(s.open());
        QVERIFY(populate(s, kPrague, 40, "p"));
        auto &d = s.add();
        QVERIFY(s.enrol(d, {kVienna}));
        s.hq->fanout->setMaxPayloadBytes(1024);
        QVERIFY(s.hq->fanout->addMember(*s.hq->outbox, d.me.localId(), kPrague));
        int parts = 0;
        for (const auto &q : pendingDown(s, d))
            parts += q.kind == Kind::ScopeJoin ? 1 : 0;
        QVERIFY(parts >= 3);
        // Everything up to and including part 1.
        bool seenJoin = false;
        deliverDown(s, d, [&](const streams::QueuedEnvelope &q) {
            if (seenJoin)
                return false;
            seenJoin = q.kind == Kind::ScopeJoin;
            return true;
        });
        QVERIFY(seenJoin);
        QCOMPARE(d.records->scopes(), QStringList{kVienna});
        QCOMPARE(d.dump({kPrague}), QByteArray());
        QVERIFY(s.pump());
        QCOMPARE(d.records->scopes(), (QStringList{kPrague, kVienna}));
        QCOMPARE(d.dump({kPrague}), hqDump(s, {kPrague}));
    }

    // What the officer writes while a snapshot is incomplete survives its last part (the own
    // writes are merged again on top of the snapshot then) and reaches HQ.
    void editWhileSnapshotIncompleteSurvives()
    {
        Star s;
        QVERIFY(s.open());
        QVERIFY(populate(s, kVienna, 40, "v"));
        auto &d = s.add();
        QVERIFY(s.enrol(d, {kVienna}));
        s.hq->receiver->setResyncPartBytes(1024);
        auto first = s.hq->receiver->sendResync(d.me.localId());
        QVERIFY(first);
        const std::uint32_t epoch = first->stream.epoch;
        deliverDown(s, d, [&](const streams::QueuedEnvelope &q) {
            return q.stream.epoch == epoch && q.seq == 1;
        });
        d.clock.advance(1000);
        auto mine = d.records->create(RecordType::FieldReport, kVienna,
                                      {{QStringLiteral("text"), QStringLiteral("on the way")}});
        QVERIFY(mine);
        QVERIFY(d.applier->pushLocalEdits(*d.outbox, s.hq->me.localId()));
        QVERIFY(deliverUp(s, d)); // HQ has it before the device has the rest of the snapshot
        QVERIFY(s.pump());
        auto atDevice = d.records->record(mine->recordId);
        QVERIFY(atDevice && *atDevice);
        auto atHq = s.hq->records->record(mine->recordId);
        QVERIFY(atHq && *atHq);
        QCOMPARE(d.dump({kVienna}), hqDump(s, {kVienna}));
    }

    // HQ's REJECT parked behind a gap in a `down` epoch that a RESYNC then replaces still reaches
    // the held list (checker seeds 936 members, 4 members+delay: I2, the write lost).
    void rejectParkedInReplacedEpochIsHeld()
    {
        Star s;
        QVERIFY(s.open());
        auto &d = s.add();
        QVERIFY(s.enrol(d, {kVienna}));
        auto forged = forgeInstructionWrite(s, d, kVienna);
        QVERIFY(forged);
        // A HEARTBEAT the relay withholds, then the REJECT behind it: parked.
        QVERIFY(s.hq->receiver->sendHeartbeat(d.me.localId()));
        QVERIFY(deliverUp(s, d));
        QCOMPARE(s.hq->applier->lastResult().rejected, 1);
        std::optional<streams::QueuedEnvelope> reject, heartbeat;
        for (const auto &q : pendingDown(s, d)) {
            if (q.kind == Kind::Reject)
                reject = q;
            if (q.kind == Kind::Heartbeat)
                heartbeat = q;
        }
        QVERIFY(reject && heartbeat);
        auto parked = d.receiver->receive(reject->bytes);
        QVERIFY(parked);
        QCOMPARE(parked->disposition, Disposition::Parked);
        QCOMPARE(heldCount(d, *forged), 0);
        for (const auto &q : pendingDown(s, d))
            QVERIFY(s.hq->outbox->markDelivered(d.me.localId(), q.stream.epoch, q.seq));
        // A RESYNC replaces the epoch. (HQ also sends the REJECT again after it; only the
        // RESYNC is delivered here: the device's own salvage is under test.)
        auto first = s.hq->receiver->sendResync(d.me.localId());
        QVERIFY(first);
        deliverDown(s, d, [&](const streams::QueuedEnvelope &q) {
            return q.stream.epoch == first->stream.epoch && q.kind == Kind::Resync;
        });
        QCOMPARE(heldCount(d, *forged), 1);
        QVERIFY(s.pump());
        QCOMPARE(heldCount(d, *forged), 1);
        // The withheld HEARTBEAT and the REJECT again (a replay): nothing held twice.
        QVERIFY(d.receiver->receive(heartbeat->bytes));
        QVERIFY(d.receiver->receive(reject->bytes));
        QCOMPARE(heldCount(d, *forged), 1);
        QVERIFY(s.pump());
        QCOMPARE(d.dump({kVienna}), hqDump(s, {kVienna}));
    }

    // The same REJECT delivered only after the RESYNC (a relay that delays it): the old copy is
    // dropped, not taken (it carries HQ's record as it was before the snapshot; soak seed 3062:
    // taken after a RESYNC that carried the desk's acceptance of a deletion, it undid the
    // deletion). HQ's copy sent again in the new epoch is held, once, also when the old one
    // comes again.
    void lateRejectOfReplacedEpochIsHeld()
    {
        Star s;
        QVERIFY(s.open());
        auto &d = s.add();
        QVERIFY(s.enrol(d, {kVienna}));
        auto forged = forgeInstructionWrite(s, d, kVienna);
        QVERIFY(forged);
        QVERIFY(deliverUp(s, d));
        QCOMPARE(s.hq->applier->lastResult().rejected, 1);
        std::optional<streams::QueuedEnvelope> reject;
        for (const auto &q : pendingDown(s, d)) {
            if (q.kind == Kind::Reject)
                reject = q;
        }
        QVERIFY(reject);
        auto first = s.hq->receiver->sendResync(d.me.localId());
        QVERIFY(first);
        deliverDown(s, d, [&](const streams::QueuedEnvelope &q) {
            return q.stream.epoch == first->stream.epoch && q.kind == Kind::Resync;
        });
        QCOMPARE(heldCount(d, *forged), 0);
        for (int i = 0; i < 2; ++i) {
            auto r = d.receiver->receive(reject->bytes);
            QVERIFY(r);
            QCOMPARE(r->disposition, Disposition::Dropped);
            QVERIFY(r->acknowledge);
            QCOMPARE(heldCount(d, *forged), 0);
        }
        QVERIFY(s.pump()); // the new epoch: HQ's REJECT again
        QCOMPARE(heldCount(d, *forged), 1);
        QVERIFY(d.receiver->receive(reject->bytes));
        QCOMPARE(heldCount(d, *forged), 1);
        // A REJECT applied in order is not taken a second time either.
        auto again = forgeInstructionWrite(s, d, kVienna);
        QVERIFY(again && s.pump());
        QCOMPARE(heldCount(d, *again), 1);
        std::optional<streams::QueuedEnvelope> inOrder;
        s.hq->clock.advance(3600 * 1000);
        QVERIFY(s.hq->receiver->sendResync(d.me.localId()));
        QVERIFY(s.pump());
        for (std::uint64_t seq = 1;; ++seq) {
            auto q = s.hq->outbox->find(d.me.localId(), first->stream.epoch, seq);
            QVERIFY(q);
            if (!*q)
                break;
            if ((*q)->kind == Kind::Reject)
                inOrder = **q;
        }
        QVERIFY(inOrder);
        QVERIFY(d.receiver->receive(inOrder->bytes));
        QCOMPARE(heldCount(d, *again), 1);
    }
};

LIAISON_TEST_MAIN(TestSnapshotParts)
#include "tst_snapshot_parts.moc"
