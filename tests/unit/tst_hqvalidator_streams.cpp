// HQ and devices wired through the real stream layer: HqApplier and DeviceApplier plugged into
// the receiver, sealed envelopes delivered in process. Enrolment RESYNC, HQ edits, device edits
// fanned out to the other member, a REJECT converging the author (issue 3 test 12 end to end),
// SCOPE_JOIN and SCOPE_LEAVE, reports of a scope HQ just closed (issue 8 point 4), and the HLC
// reference time from a verified HEARTBEAT (test 13).

#include "hq/deviceregistry.h"
#include "hq/hqapplier.h"
#include "hq/hqfanout.h"
#include "model/deviceapplier.h"
#include "model/recordstore.h"
#include "streams/receiver.h"
#include "streams/streamoutbox.h"
#include "streams/streamschema.h"
#include "testmain.h"
#include "tst_hqstreams_harness.h"

#include <QCborArray>
#include <QTemporaryDir>
#include <QTest>

using namespace liaison;
using namespace liaison::model;
using liaison::streams::test::Directory;
using liaison::streams::test::Identity;
using namespace liaison::hqtest;

namespace {
const QString kVienna = QStringLiteral("post:vienna");
const QString kPrague = QStringLiteral("post:prague");
const QString kBrussels = QStringLiteral("post:brussels");
const QString kVisit = QStringLiteral("visit:2026-12-brussels");
const QStringList kSeededScopes = {kVienna, kBrussels, kVisit};
constexpr qint64 kMinute = 60'000;
constexpr qint64 kDay = 24 * 60 * kMinute;

template <typename R> QByteArray why(const R &r)
{
    return r ? QByteArray() : r.error().message.toUtf8();
}

// HQ's records before anyone is enrolled: every record type HQ authors, in the scope the devices
// join and in two they never hold. Returns how many were made.
Result<int> seedHq(RecordStore &hq, qint64 now)
{
    int made = 0;
    const auto add = [&](RecordType type, const QString &scope, const FieldMap &f) -> Status {
        auto op = hq.create(type, scope, f);
        if (!op)
            return std::unexpected(op.error());
        ++made;
        return {};
    };
    for (const QString &scope : kSeededScopes) {
        for (int i = 0; i < 4; ++i) {
            const FieldMap contact = {
                {QStringLiteral("name"), QStringLiteral("Desk %1 of %2").arg(i).arg(scope)},
                {QStringLiteral("organisation"), QStringLiteral("Partner police (test)")},
                {QStringLiteral("phones"),
                 QCborArray{phone(QStringLiteral("24/7"),
                                  QStringLiteral("+420 000 000 00%1").arg(i), i == 0)}},
                {QStringLiteral("tags"), QCborArray{QStringLiteral("sirene")}},
                {QStringLiteral("lastVerified"), now - i * kDay},
            };
            if (auto s = add(RecordType::Contact, scope, contact); !s)
                return std::unexpected(s.error());
        }
        const FieldMap caseSummary = {
            {QStringLiteral("reference"), QStringLiteral("TEST-%1").arg(scope)},
            {QStringLiteral("channel"), QStringLiteral("europol")},
            {QStringLiteral("title"), QStringLiteral("A case in %1").arg(scope)},
            {QStringLiteral("status"), QStringLiteral("open")},
            {QStringLiteral("priority"), 3},
            {QStringLiteral("updated"), now - kDay},
        };
        const FieldMap instruction = {
            {QStringLiteral("title"), QStringLiteral("Check in at every item")},
            {QStringLiteral("body"), QStringLiteral("Tap check in on arrival.")},
            {QStringLiteral("issuedAt"), now - kDay},
            {QStringLiteral("requiresAck"), true},
            {QStringLiteral("version"), 1},
        };
        const FieldMap item = {
            {QStringLiteral("visit"), QStringLiteral("Test visit")},
            {QStringLiteral("title"), QStringLiteral("Working meeting")},
            {QStringLiteral("start"), now + kDay},
            {QStringLiteral("end"), now + kDay + 60 * kMinute},
            {QStringLiteral("timeZone"), QStringLiteral("Europe/Brussels")},
            {QStringLiteral("position"), QCborArray{508'400'000, 43'800'000}},
            {QStringLiteral("status"), QStringLiteral("confirmed")},
        };
        for (const auto &[type, fields] : {std::pair{RecordType::CaseSummary, caseSummary},
                                           std::pair{RecordType::Instruction, instruction},
                                           std::pair{RecordType::ScheduleItem, item}}) {
            if (auto s = add(type, scope, fields); !s)
                return std::unexpected(s.error());
        }
    }
    return made;
}

} // namespace

class TestHqStreams : public QObject
{
    Q_OBJECT
    // The harness's star (HQ, devices, in-process relay); this test needs every envelope
    // applied in order.
    Star m_star;
    Hq *m_hq = nullptr;
    Device *m_a = nullptr;
    Device *m_b = nullptr;

    bool pump() { return m_star.pump() && m_star.allApplied(); }
    bool enrol(Device &d, const QStringList &scopes)
    {
        return m_star.enrol(d, scopes) && m_star.allApplied();
    }
    bool publish() { return m_star.publish() && m_star.allApplied(); }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_star.dir.isValid());
        QVERIFY(m_star.open());
        m_hq = m_star.hq.get();
        m_a = &m_star.add();
        m_b = &m_star.add(); // records opened at enrolment
        // Records at HQ before anyone is enrolled: the enrolment RESYNC carries them.
        auto made = seedHq(*m_hq->records, m_hq->clock.wallMs());
        QVERIFY2(made.has_value(), why(made).constData());
        QCOMPARE(*made, 21);
        QVERIFY(m_hq->fanout->publishLocalEdits().has_value()); // nobody to send to yet
    }

    void enrolmentResyncCarriesTheScopes()
    {
        QVERIFY(enrol(*m_a, {kVienna}));
        QVERIFY(enrol(*m_b, {kVienna}));
        QCOMPARE(m_a->records->scopes(), (QStringList{kVienna}));
        QCOMPARE(m_a->dump(kSeededScopes), m_hq->records->canonicalDump({kVienna}).value());
        QVERIFY(!m_a->dump(kSeededScopes).isEmpty());
        QCOMPARE(m_b->dump(kSeededScopes), m_a->dump(kSeededScopes));
    }

    void editsFlowBothWays()
    {
        auto hqEdit = m_hq->records->create(RecordType::Contact, kVienna,
                                            {{QStringLiteral("name"), QStringLiteral("New desk")}});
        QVERIFY(hqEdit.has_value());
        QVERIFY(publish());
        m_a->clock.advance(1000);
        auto mine =
            m_a->records->create(RecordType::FieldReport, kVienna,
                                 {{QStringLiteral("text"), QStringLiteral("at the venue")}});
        QVERIFY(mine.has_value());
        auto sent = m_a->applier->pushLocalEdits(*m_a->outbox, m_hq->me.localId());
        QVERIFY(sent && *sent == 1);
        QVERIFY(pump());
        QCOMPARE(m_hq->applier->lastResult().accepted, 1);
        QCOMPARE(m_a->dump({kVienna}), m_hq->records->canonicalDump({kVienna}).value());
        QCOMPARE(m_b->dump({kVienna}), m_hq->records->canonicalDump({kVienna}).value());
        auto atB = m_b->records->record(mine->recordId);
        QVERIFY(atB && *atB);
        QCOMPARE((*atB)->fields.value(QStringLiteral("text")).stamp, mine->stamp); // kept
    }

    void rejectedEditConvergesThroughStreams()
    {
        auto contact = m_hq->records->create(
            RecordType::Contact, kVienna, {{QStringLiteral("name"), QStringLiteral("HQ value")}});
        QVERIFY(contact && publish());
        // A's clock runs an hour ahead. A HEARTBEAT cannot prove that (DESIGN.md "Data", issue
        // 8): the edit is stamped an hour ahead and HQ refuses it. A holds it, learns its clock
        // is ahead, and re-issues it stamped with HQ's time: accepted.
        QVERIFY(m_a->records->clock().hasReference());
        m_a->clock.setWall(m_hq->clock.wallMs() + 60 * kMinute);
        auto fine = m_a->records->update(contact->recordId,
                                         {{QStringLiteral("role"), QStringLiteral("desk")}});
        QVERIFY(fine && *fine);
        QVERIFY(m_a->applier->pushLocalEdits(*m_a->outbox, m_hq->me.localId()));
        QVERIFY(pump());
        QCOMPARE(m_hq->applier->lastResult().reasons,
                 QList<RejectReason>{RejectReason::ClockAhead});
        QVERIFY(m_a->records->clock().wallClockOff());
        QVERIFY(m_a->applier->pushLocalEdits(*m_a->outbox, m_hq->me.localId()));
        QVERIFY(pump());
        QCOMPARE(m_hq->applier->lastResult().accepted, 1);
        auto role = m_hq->records->record(contact->recordId);
        QCOMPARE((*role)->fields.value(QStringLiteral("role")).value.toString(),
                 QStringLiteral("desk"));
        // Without a reference the stamp is an hour ahead: HQ refuses, A gets HQ's value back.
        m_a->records->clock().clearReference();
        auto edit = m_a->records->update(contact->recordId,
                                         {{QStringLiteral("name"), QStringLiteral("ahead")}});
        QVERIFY(edit && *edit);
        QVERIFY(m_a->applier->pushLocalEdits(*m_a->outbox, m_hq->me.localId()));
        QVERIFY(pump());
        QCOMPARE(m_hq->applier->lastResult().rejected, 1);
        QCOMPARE(m_a->dump({kVienna}), m_hq->records->canonicalDump({kVienna}).value());
        QCOMPARE(m_b->dump({kVienna}), m_hq->records->canonicalDump({kVienna}).value());
        // A forged write to an HQ-only record, sent as a DELTA: refused, A converges.
        auto instruction =
            m_hq->records->create(RecordType::Instruction, kVienna,
                                  {{QStringLiteral("title"), QStringLiteral("Orders")}});
        QVERIFY(instruction && publish());
        m_a->clock.setWall(m_hq->clock.wallMs());
        Operation forged;
        forged.recordId = instruction->recordId;
        forged.type = RecordType::Instruction;
        forged.scope = kVienna;
        forged.fields = {{QStringLiteral("title"), QStringLiteral("Forged orders")}};
        forged.stamp = m_a->records->clock().tick();
        QVERIFY(m_a->records->applyRemote(forged).has_value());
        QVERIFY(m_a->outbox->enqueue(m_hq->me.localId(), streams::Kind::Delta,
                                     DeltaPayload{{forged}}.toCbor()));
        QVERIFY(pump());
        QCOMPARE(m_hq->applier->lastResult().reasons,
                 QList<RejectReason>{RejectReason::HqOnlyType});
        QCOMPARE(m_a->dump({kVienna}), m_hq->records->canonicalDump({kVienna}).value());
        // With HQ's time back, the refused "ahead" goes out again, re-stamped: nothing lost.
        QVERIFY(m_a->records->setReference(m_hq->clock.wallMs()));
        QVERIFY(m_a->applier->pushLocalEdits(*m_a->outbox, m_hq->me.localId()));
        QVERIFY(pump());
        auto named = m_hq->records->record(contact->recordId);
        QCOMPARE((*named)->fields.value(QStringLiteral("name")).value.toString(),
                 QStringLiteral("ahead"));
        QCOMPARE(m_a->dump({kVienna}), m_hq->records->canonicalDump({kVienna}).value());
    }

    void heartbeatSetsTheReferenceTime()
    {
        // Issue 3 test 13 end to end: after a verified HEARTBEAT a device whose clock is 3 days
        // wrong stamps with HQ's time.
        m_b->clock.setWall(m_hq->clock.wallMs() - 3 * kDay);
        QVERIFY(m_hq->receiver->sendHeartbeat(m_b->me.localId()).has_value());
        QVERIFY(pump());
        QVERIFY(m_b->records->clock().wallClockOff());
        m_hq->clock.advance(5000);
        m_b->clock.advance(5000);
        auto op = m_b->records->create(RecordType::Contact, kVienna,
                                       {{QStringLiteral("name"), QStringLiteral("stamped right")}});
        QVERIFY(op.has_value());
        QVERIFY(std::llabs(qint64(op->stamp.ms48) - m_hq->clock.wallMs()) < 1000);
        QVERIFY(m_b->applier->pushLocalEdits(*m_b->outbox, m_hq->me.localId()));
        QVERIFY(pump());
        QCOMPARE(m_hq->applier->lastResult().accepted, 1);
        QCOMPARE(m_a->dump({kVienna}), m_hq->records->canonicalDump({kVienna}).value());
        m_b->clock.setWall(m_hq->clock.wallMs());
    }

    // Issue 8 point 3 (protocol review H3) end to end: correct clocks, a HEARTBEAT that
    // reaches the devices 6 hours after HQ sealed it. No "clock wrong", and the device's later
    // edit of a contact HQ changed in between wins at HQ.
    void lateHeartbeatLosesNoEdit()
    {
        // B starts without a reference (before issue 8 every unlock did).
        m_b->records->clock().clearReference();
        QVERIFY(m_hq->receiver->sendHeartbeat(m_b->me.localId()).has_value());
        QVERIFY(m_hq->receiver->sendHeartbeat(m_a->me.localId()).has_value());
        for (auto *c : {&m_hq->clock, &m_a->clock, &m_b->clock})
            c->advance(6 * 60 * kMinute);
        auto contact = m_hq->records->create(RecordType::Contact, kVienna,
                                             {{QStringLiteral("name"), QStringLiteral("HQ name")}});
        QVERIFY(contact);
        auto hqEdits = m_hq->fanout->publishLocalEdits();
        QVERIFY(hqEdits && hq::HqFanout::enqueue(*m_hq->outbox, hqEdits->messages));
        QVERIFY(pump()); // the old HEARTBEAT and the fresh edit, in one round
        QVERIFY(!m_b->records->clock().wallClockOff());
        m_b->clock.advance(1000);
        m_hq->clock.advance(1000);
        auto edit = m_b->records->update(contact->recordId,
                                         {{QStringLiteral("name"), QStringLiteral("B's name")}});
        QVERIFY2(edit && *edit, edit ? "no change" : qPrintable(edit.error().message));
        QVERIFY(qint64((*edit)->stamp.ms48) >= m_b->clock.wallMs());
        QVERIFY(m_b->applier->pushLocalEdits(*m_b->outbox, m_hq->me.localId()));
        QVERIFY(pump());
        auto atHq = m_hq->records->record(contact->recordId);
        QVERIFY(atHq && *atHq);
        QCOMPARE((*atHq)->fields.value(QStringLiteral("name")).value.toString(),
                 QStringLiteral("B's name"));
    }

    // Issue 8 point 4 (protocol review H4): a FieldReport stamped 30 minutes ahead is refused
    // (ClockAhead). It is held (the officer can see what HQ refused), not dropped, and reaches
    // HQ re-stamped once the device has a verified HQ time.
    void clockAheadReportIsHeldAndReissued()
    {
        m_b->records->clock().clearReference();
        m_b->clock.setWall(m_hq->clock.wallMs() + 30 * kMinute);
        auto report = m_b->records->create(RecordType::FieldReport, kVienna,
                                           {{QStringLiteral("text"), QStringLiteral("arrived")}});
        QVERIFY(report);
        QVERIFY(m_b->applier->pushLocalEdits(*m_b->outbox, m_hq->me.localId()));
        QVERIFY(pump());
        QCOMPARE(m_hq->applier->lastResult().reasons,
                 QList<RejectReason>{RejectReason::ClockAhead});
        auto held = m_b->records->heldOperations();
        QVERIFY(held && held->size() == 1);
        QCOMPARE(held->first().op.recordId, report->recordId);
        QCOMPARE(held->first().reason, int(RejectReason::ClockAhead));
        QVERIFY(held->first().willRetry);
        // A verified HQ time arrives; the wall clock stays ahead (HQ said so: stamps use it).
        QVERIFY(m_hq->receiver->sendHeartbeat(m_b->me.localId()).has_value());
        QVERIFY(pump());
        QVERIFY(m_b->records->clock().wallClockOff());
        QVERIFY(m_b->applier->pushLocalEdits(*m_b->outbox, m_hq->me.localId()));
        QVERIFY(pump());
        QCOMPARE(m_hq->applier->lastResult().accepted, 1);
        auto atHq = m_hq->records->record(report->recordId);
        QVERIFY(atHq && *atHq);
        QCOMPARE((*atHq)->fields.value(QStringLiteral("text")).value.toString(),
                 QStringLiteral("arrived"));
        QVERIFY(m_b->records->heldOperations()->isEmpty());
        QCOMPARE(m_b->dump({kVienna}), m_hq->records->canonicalDump({kVienna}).value());
        m_b->clock.setWall(m_hq->clock.wallMs());
    }

    void scopeJoinAndLeaveThroughStreams()
    {
        for (int i = 0; i < 40; ++i) {
            QVERIFY(
                m_hq->records->create(RecordType::Contact, kPrague,
                                      {{QStringLiteral("name"), QStringLiteral("p%1").arg(i)}}));
        }
        QVERIFY(publish()); // nobody holds prague yet
        m_hq->fanout->setMaxPayloadBytes(1024);
        const crypto::Id16 b = m_b->me.localId();
        QVERIFY(m_hq->fanout->addMember(*m_hq->outbox, b, kPrague));
        QVERIFY(m_star.outboxRows(b, streams::Kind::ScopeJoin) > 1); // in parts
        QVERIFY(pump());
        QCOMPARE(m_b->dump({kPrague}), m_hq->records->canonicalDump({kPrague}).value());
        QVERIFY(m_hq->fanout->removeMember(*m_hq->outbox, b, kPrague));
        QVERIFY(pump());
        QCOMPARE(m_b->dump({kPrague}), QByteArray());
        QCOMPARE(m_b->records->scopes(), QStringList{kVienna});
    }

    // Issue 8 point 4: reports written for a scope HQ has just closed reach HQ or are shown to
    // the officer as not delivered. B writes three in prague: one reaches HQ before the
    // SCOPE_LEAVE is sealed, one is sealed and on its way when it is (HQ refuses it, OutOfScope),
    // one is still unsent when the SCOPE_LEAVE arrives (kept as not delivered, never sent).
    void reportsOfAClosedScopeReachHqOrAreShown()
    {
        const crypto::Id16 b = m_b->me.localId();
        QVERIFY(m_hq->fanout->addMember(*m_hq->outbox, b, kPrague));
        QVERIFY(pump());
        QVERIFY(m_b->records->holdsScope(kPrague));
        const auto report = [&](const QString &text) {
            auto op = m_b->records->create(RecordType::FieldReport, kPrague,
                                           {{QStringLiteral("text"), text}});
            return op ? op->recordId : RecordId{};
        };
        const auto atHq = [&](const RecordId &id) {
            auto r = m_hq->records->record(id);
            return r && *r && !(*r)->deleted;
        };
        const RecordId delivered = report(QStringLiteral("delivered"));
        QVERIFY(m_b->applier->pushLocalEdits(*m_b->outbox, m_hq->me.localId()));
        QVERIFY(pump());
        const RecordId inFlight = report(QStringLiteral("in flight"));
        QVERIFY(m_b->applier->pushLocalEdits(*m_b->outbox, m_hq->me.localId()));
        const RecordId unsent = report(QStringLiteral("unsent"));
        QVERIFY(m_hq->fanout->removeMember(*m_hq->outbox, b, kPrague));
        QVERIFY(pump());
        QVERIFY(!m_b->records->holdsScope(kPrague));
        QVERIFY(atHq(delivered));
        QVERIFY(!atHq(inFlight) && !atHq(unsent));
        // The officer sees the two that did not reach HQ, each once and final, with its reason.
        auto held = m_b->records->heldOperations();
        QVERIFY2(held, why(held).constData());
        QCOMPARE(held->size(), 2);
        for (const HeldOperation &h : *held) {
            QVERIFY(h.op.recordId == inFlight || h.op.recordId == unsent);
            QCOMPARE(h.reason,
                     h.op.recordId == inFlight ? int(RejectReason::OutOfScope) : kHeldScopeClosed);
            QVERIFY(!h.willRetry);
        }
        QVERIFY(held->at(0).op.recordId != held->at(1).op.recordId);
        // Nothing of the closed scope is sent later.
        QCOMPARE(*m_b->records->outboxCount(), 0);
        QVERIFY(m_b->applier->pushLocalEdits(*m_b->outbox, m_hq->me.localId()));
        QVERIFY(pump());
        QVERIFY(!atHq(unsent));
        for (const HeldOperation &h : *held)
            QVERIFY(m_b->records->dismissHeld(h.id));
        QVERIFY(m_b->records->heldOperations()->isEmpty());
        QCOMPARE(m_b->dump({kVienna}), m_hq->records->canonicalDump({kVienna}).value());
    }

    void resyncAfterTheFactRestoresHqState()
    {
        // A RESYNC (new epoch, in parts) replaces A's records by HQ's.
        auto stray = m_a->records->create(RecordType::Contact, kVienna,
                                          {{QStringLiteral("name"), QStringLiteral("unsent")}});
        QVERIFY(stray.has_value());
        QVERIFY(m_hq->receiver->sendResync(m_a->me.localId()).has_value());
        QVERIFY(pump());
        // The unsent local edit survives (still queued); everything else equals HQ.
        QCOMPARE(*m_a->records->outboxCount(), 1);
        QVERIFY(m_a->applier->pushLocalEdits(*m_a->outbox, m_hq->me.localId()));
        QVERIFY(pump());
        const QStringList scopes = {kVienna};
        QCOMPARE(m_a->dump(scopes), m_hq->records->canonicalDump(scopes).value());
        QCOMPARE(m_b->dump({kVienna}), m_hq->records->canonicalDump({kVienna}).value());
    }
};

LIAISON_TEST_MAIN(TestHqStreams)
#include "tst_hqvalidator_streams.moc"
