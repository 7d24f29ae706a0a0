// Which lane HQ and a device choose (DESIGN.md "Streams": `down!` / `up!`; issue 13 "Thin
// links"), through the real appliers and the stream layer: HQ puts commands and DELTAs of urgent
// records (model/urgency.h) on `down!` only for a device that announced the lanes and whose
// newest RECEIPT shows the last RESYNC / SCOPE_JOIN / SCOPE_LEAVE applied; everything else, and
// everything for an old-style device, on `down` as before. A device sends acknowledgements,
// check-ins and reports on `up!`.

#include "hq/hqfanout.h"
#include "model/deviceapplier.h"
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
};

LIAISON_TEST_MAIN(TestHqLanes)
#include "tst_hqlanes.moc"
