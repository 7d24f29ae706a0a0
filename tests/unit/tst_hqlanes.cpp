// Which lane HQ and a device choose (DESIGN.md "Streams": `down!` / `up!`; issue 13 "Thin
// links"), through the real appliers and the stream layer: HQ puts commands and DELTAs of urgent
// records (model/urgency.h) on `down!` only for a device that announced the lanes and whose
// newest RECEIPT shows the last RESYNC / SCOPE_JOIN / SCOPE_LEAVE applied; everything else, and
// everything for an old-style device, on `down` as before. A device sends acknowledgements,
// check-ins and reports on `up!`.

#include "hq/hqfanout.h"
#include "model/deviceapplier.h"
#include "protocol/features.h"
#include "testmain.h"
#include "tst_hqstreams_harness.h"

#include <QTest>

using namespace liaison;
using namespace liaison::model;
using namespace liaison::hqtest;

namespace {

const QString kVienna = QStringLiteral("post:vienna");
const QString kPrague = QStringLiteral("post:prague");

constexpr bool isPriority(std::uint32_t epoch)
{
    return protocol::laneOfEpoch(epoch) == protocol::Lane::Priority;
}

// What HQ has sealed for the device and not yet delivered: (priority?, ops types) per envelope.
struct Sealed
{
    QList<QList<RecordType>> priority;
    QList<QList<RecordType>> bulk;
};

Sealed pendingDeltas(streams::StreamOutbox &outbox, const crypto::Id16 &to,
                     const streams::LocalIdentity &, const Identity &recipient)
{
    Sealed out;
    auto p = outbox.pending(to, 1000);
    if (!p)
        return out;
    for (const auto &q : *p) {
        if (q.kind != streams::Kind::Delta)
            continue;
        auto frame = protocol::parseEnvelope(q.bytes, protocol::kMaxEnvelopeBytes);
        if (!frame)
            continue;
        auto body = streams::codec::open(*frame, *recipient.boxKey(1),
                                         recipient.role() == streams::Role::Device
                                             ? streams::Direction::Down
                                             : streams::Direction::Up);
        if (!body)
            continue;
        auto delta = DeltaPayload::fromCbor(body->payload);
        if (!delta)
            continue;
        QList<RecordType> types;
        for (const Operation &op : delta->ops)
            types.append(op.type);
        (isPriority(q.stream.epoch) ? out.priority : out.bulk).append(types);
    }
    return out;
}

FieldMap instruction(const QString &title)
{
    return {{QStringLiteral("title"), title},
            {QStringLiteral("body"), QStringLiteral("Meet at the embassy.")},
            {QStringLiteral("requiresAck"), true},
            {QStringLiteral("version"), 1}};
}

FieldMap contact(const QString &name)
{
    return {{QStringLiteral("name"), name}};
}

} // namespace

class TestHqLanes : public QObject
{
    Q_OBJECT

private:
    // HQ's pending DELTAs for `d` after publishing one contact and one instruction together.
    static Sealed publishMixed(Star &star, Device &d, const QString &tag)
    {
        Hq &hq = *star.hq;
        if (!hq.records->create(RecordType::Contact, kVienna, contact(tag)) ||
            !hq.records->create(RecordType::Instruction, kVienna, instruction(tag)))
            return {};
        auto r = hq.fanout->publishLocalEdits();
        if (!r || !hq::HqFanout::enqueue(*hq.outbox, r->messages))
            return {};
        return pendingDeltas(*hq.outbox, d.me.localId(), hq.me, d.me);
    }
    static bool announce(Star &star, Device &d)
    {
        d.receiver->setAnnouncedFeatures(protocol::ReceiptPayload::kFeaturePriorityLanes);
        return d.receiver->sendReceipt(0).has_value() && star.pump();
    }

private Q_SLOTS:
    void oldStyleDeviceGetsEverythingOnDown()
    {
        Star star;
        QVERIFY(star.open());
        Device &d = star.add();
        QVERIFY(star.enrol(d, {kVienna}));
        QVERIFY(d.receiver->sendReceipt(0)); // a v1 RECEIPT: no features
        QVERIFY(star.pump());
        const Sealed s = publishMixed(star, d, QStringLiteral("one"));
        QCOMPARE(s.priority.size(), 0);
        QCOMPARE(s.bulk.size(), 1);
        QCOMPARE(s.bulk.first().size(), 2);
        QVERIFY(star.pump());
        QVERIFY(star.allApplied());
    }

    void announcedDeviceGetsUrgentOpsOnPriorityLane()
    {
        Star star;
        QVERIFY(star.open());
        Device &d = star.add();
        QVERIFY(star.enrol(d, {kVienna}));
        QVERIFY(announce(star, d));
        const Sealed s = publishMixed(star, d, QStringLiteral("two"));
        QCOMPARE(s.priority, (QList<QList<RecordType>>{{RecordType::Instruction}}));
        QCOMPARE(s.bulk, (QList<QList<RecordType>>{{RecordType::Contact}}));
        QVERIFY(star.pump());
        QVERIFY(star.allApplied());
        QCOMPARE(d.dump({kVienna}), star.hq->records->canonicalDump({kVienna}).value());
    }

    // The other side of the rule: a SCOPE_JOIN the device has not confirmed applying keeps
    // everything on `down` (an instruction of the new scope must not overtake its snapshot).
    void scopeJoinNotYetConfirmedKeepsDown()
    {
        Star star;
        QVERIFY(star.open());
        Device &d = star.add();
        QVERIFY(star.enrol(d, {kVienna}));
        QVERIFY(announce(star, d));
        QVERIFY(star.hq->fanout->addMember(*star.hq->outbox, d.me.localId(), kPrague));
        QVERIFY(star.hq->records->create(RecordType::Instruction, kPrague,
                                         instruction(QStringLiteral("prague"))));
        auto r = star.hq->fanout->publishLocalEdits();
        QVERIFY(r && hq::HqFanout::enqueue(*star.hq->outbox, r->messages));
        const Sealed s = pendingDeltas(*star.hq->outbox, d.me.localId(), star.hq->me, d.me);
        QCOMPARE(s.priority.size(), 0);
        QCOMPARE(s.bulk, (QList<QList<RecordType>>{{RecordType::Instruction}}));
        QVERIFY(star.pump());
        QVERIFY(star.allApplied());
        // Once the device's RECEIPT shows the join applied, `down!` again.
        QVERIFY(announce(star, d));
        const Sealed after = publishMixed(star, d, QStringLiteral("three"));
        QCOMPARE(after.priority.size(), 1);
    }

    void deviceSendsUrgentOpsOnUpPriority()
    {
        Star star;
        QVERIFY(star.open());
        Device &d = star.add();
        QVERIFY(star.enrol(d, {kVienna}));
        d.applier->setPriorityLane(true);
        QVERIFY(d.records->create(RecordType::FieldReport, kVienna,
                                  {{QStringLiteral("text"), QStringLiteral("at the venue")}}));
        QVERIFY(d.records->create(RecordType::Contact, kVienna, contact(QStringLiteral("met"))));
        auto sent = d.applier->pushLocalEdits(*d.outbox, star.hq->me.localId());
        QVERIFY(sent && *sent == 2);
        const Sealed s = pendingDeltas(*d.outbox, star.hq->me.localId(), d.me, star.hq->me);
        QCOMPARE(s.priority, (QList<QList<RecordType>>{{RecordType::FieldReport}}));
        QCOMPARE(s.bulk, (QList<QList<RecordType>>{{RecordType::Contact}}));
        QVERIFY(star.pump());
        QVERIFY(star.allApplied());
        QCOMPARE(d.dump({kVienna}), star.hq->records->canonicalDump({kVienna}).value());
        // Bulk alone: no (empty) DELTA on `up!` with it.
        QVERIFY(d.records->create(RecordType::Contact, kVienna, contact(QStringLiteral("two"))));
        QVERIFY(d.applier->pushLocalEdits(*d.outbox, star.hq->me.localId()));
        const Sealed bulkOnly = pendingDeltas(*d.outbox, star.hq->me.localId(), d.me, star.hq->me);
        QCOMPARE(bulkOnly.priority.size(), 0);
        QCOMPARE(bulkOnly.bulk.size(), 1);
        QVERIFY(star.pump());
        QVERIFY(star.allApplied());
    }
    // Issue 13, a fresh device on a thin link: an instruction HQ seals before it has the
    // device's answer to the RESYNC's first part goes on `down`, behind the whole snapshot (HQ
    // chooses the lane when sealing). Once the device's RECEIPT opens `down!` for it
    // (kFeaturePriorityDuringSnapshot), HQ seals the urgent operations of that epoch's bulk
    // envelopes the device has not applied again on `down!`: the device has the instruction
    // before the snapshot's last part. The bulk copy that follows changes nothing (per-field
    // stamps), raises no alarm, and nothing is promoted twice. A device without the feature
    // gets nothing promoted before its snapshot is whole.
    void urgentSealedBeforeSnapshotAnswerIsPromoted()
    {
        for (const bool during : {true, false}) {
            Star star;
            QVERIFY(star.open());
            Hq &hq = *star.hq;
            constexpr int kContacts = 200;
            for (int i = 0; i < kContacts; ++i)
                QVERIFY(hq.records->create(RecordType::Contact, kVienna,
                                           contact(QStringLiteral("Counterpart %1").arg(i))));
            auto published = hq.records->pendingOutbox(kContacts + 10);
            QVERIFY(published && !published->isEmpty());
            QVERIFY(hq.records->markSent(published->last().seq));
            hq.receiver->setResyncPartBytes(2048);
            Device &d = star.add();
            d.receiver->setAnnouncedFeatures(
                protocol::ReceiptPayload::kFeaturePriorityLanes |
                (during ? protocol::kFeaturePriorityDuringSnapshot : 0));
            QVERIFY(star.enrol(d, {kVienna}, false));
            const crypto::Id16 dev = d.me.localId();

            // Issued right after the RESYNC was sealed: HQ has no answer from the device yet.
            auto issued = hq.records->create(RecordType::Instruction, kVienna,
                                             instruction(QStringLiteral("early")));
            QVERIFY(issued);
            const RecordId id = issued->recordId;
            auto r = hq.fanout->publishLocalEdits();
            QVERIFY(r && hq::HqFanout::enqueue(*hq.outbox, r->messages));
            const Sealed before = pendingDeltas(*hq.outbox, dev, hq.me, d.me);
            QCOMPARE(before.priority.size(), 0);
            QCOMPARE(before.bulk, (QList<QList<RecordType>>{{RecordType::Instruction}}));

            // Part 1 reaches the device; its answer (the RECEIPT opening `up`) reaches HQ.
            auto down = hq.outbox->pending(dev, 100000);
            QVERIFY(down && down->size() > 4);
            QCOMPARE(down->front().kind, streams::Kind::Resync);
            QCOMPARE(d.receiver->receive(down->front().bytes)->disposition,
                     streams::Disposition::Applied);
            auto answer = d.outbox->pending(hq.me.localId(), 100);
            QVERIFY(answer && !answer->empty());
            for (const auto &q : *answer) {
                QVERIFY(d.outbox->markDelivered(hq.me.localId(), q.stream.epoch, q.seq));
                QCOMPARE(hq.receiver->receive(q.bytes)->disposition, streams::Disposition::Applied);
            }
            const Sealed promoted = pendingDeltas(*hq.outbox, dev, hq.me, d.me);
            QCOMPARE(promoted.priority.size(), during ? 1 : 0);
            if (!during) {
                QVERIFY(star.pump());
                QVERIFY(star.allApplied());
                QCOMPARE(d.dump({kVienna}), hq.records->canonicalDump({kVienna}).value());
                continue;
            }
            QCOMPARE(promoted.priority, (QList<QList<RecordType>>{{RecordType::Instruction}}));

            // The `down!` copy overtakes the rest of the snapshot.
            auto all = hq.outbox->pending(dev, 100000);
            QVERIFY(all && !all->empty());
            const streams::QueuedEnvelope &urgent = all->front();
            QVERIFY(isPriority(urgent.stream.epoch));
            QCOMPARE(d.receiver->receive(urgent.bytes)->disposition, streams::Disposition::Applied);
            auto early = d.records->record(id);
            QVERIFY(early && *early);
            QCOMPARE(d.records->records({kVienna})->size(), 1); // the snapshot is not whole yet
            // The rest of the snapshot, then the bulk copy: applied in order, no change twice.
            for (std::size_t i = 1; i < down->size(); ++i)
                QCOMPARE(d.receiver->receive(down->at(i).bytes)->disposition,
                         streams::Disposition::Applied);
            auto after = d.records->record(id);
            QVERIFY(after && *after);
            QCOMPARE(**after, **early);
            for (const auto &q : *all)
                QVERIFY(hq.outbox->markDelivered(dev, q.stream.epoch, q.seq));
            QVERIFY(star.pump());
            QVERIFY(star.allApplied());
            QCOMPARE(d.dump({kVienna}), hq.records->canonicalDump({kVienna}).value());
            QCOMPARE(d.records->records({kVienna})->size(), qsizetype(kContacts + 1));
            // Promoted once: later RECEIPTs seal nothing again.
            QVERIFY(d.receiver->sendReceipt(0));
            QVERIFY(star.pump());
            QVERIFY(d.receiver->sendReceipt(0));
            QVERIFY(star.pump());
            auto st = hq.db->prepare("SELECT count(*) FROM stream_outbox WHERE recipient = ? AND "
                                     "epoch >= 2147483648");
            QVERIFY(st);
            st->bind(1, dev.view());
            QVERIFY(*st->step());
            QCOMPARE(st->columnInt64(0), 1);
            auto hqAlarms = hq.receiver->alarms();
            QVERIFY(hqAlarms);
            QVERIFY2(hqAlarms->empty(),
                     qPrintable(hqAlarms->empty() ? QString() : hqAlarms->front().describe()));
            auto devAlarms = d.receiver->alarms();
            QVERIFY(devAlarms);
            QVERIFY2(devAlarms->empty(),
                     qPrintable(devAlarms->empty() ? QString() : devAlarms->front().describe()));
        }
    }
};

LIAISON_TEST_MAIN(TestHqLanes)
#include "tst_hqlanes.moc"
