// HQ under hostile or broken devices (issue 8, HQ side; review protocol.md H1, M2-M5, L1, L7):
// revoked means cut off, quarantine after a fork or sender fault, atomic and retryable
// membership changes, RESYNC coalescing, operation quotas, HQ-only tombstones, held tombstones
// of shared records, epochs after a restore. Real SQLCipher stores, real sealed envelopes,
// the real HqFanout behind the real receiver.

#include "testmain.h"
#include "tst_hqstreams_harness.h"

#include <QTest>

using namespace liaison;
using namespace liaison::model;
using namespace liaison::hqtest;
using liaison::streams::AlarmType;
using liaison::streams::Disposition;
using liaison::streams::Kind;
using liaison::streams::PeerState;
using liaison::streams::test::craft;

namespace {
const QString kVienna = QStringLiteral("post:vienna");
const QString kPrague = QStringLiteral("post:prague");
constexpr qint64 kMinute = 60'000;

template <typename R> QByteArray why(const R &r)
{
    return r ? QByteArray() : r.error().message.toUtf8();
}

// The `up` stream of a device as HQ holds it.
streams::StreamState upAtHq(Star &s, const Device &d)
{
    auto st = s.hq->receiver->state(d.me.localId());
    return st && *st ? **st : streams::StreamState{};
}

// Every pending `up` envelope of a device, marked delivered, handed to HQ one by one.
QList<Disposition> sendUp(Star &s, Device &d)
{
    QList<Disposition> out;
    auto up = d.outbox->pending(s.hq->me.localId(), 100000);
    if (!up)
        return out;
    for (const auto &q : *up) {
        if (!d.outbox->markDelivered(s.hq->me.localId(), q.stream.epoch, q.seq))
            return out;
        auto r = s.hq->receiver->receive(q.bytes);
        if (r)
            out.append(r->disposition);
    }
    return out;
}

// The device provokes HQ the way review H1 describes: far ahead, fork, sender fault, gap (with
// HQ's gap timer run out), or a RESYNC_REQUEST.
void provoke(Star &s, Device &d, const QString &how)
{
    const streams::StreamState up = upAtHq(s, d);
    const streams::Peer hqPeer = s.hq->me.asPeer();
    const QCborMap delta = DeltaPayload{}.toCbor();
    if (how == QLatin1String("far-ahead")) {
        QVERIFY(s.hq->receiver->receive(craft(d.me, hqPeer, up.stream.epoch, up.applied.seq + 2001,
                                              crypto::randomFixed<crypto::Hash32>(), Kind::Delta,
                                              delta)));
    } else if (how == QLatin1String("fork")) {
        QVERIFY(up.applied.seq >= 1);
        auto r = s.hq->receiver->receive(craft(d.me, hqPeer, up.stream.epoch, up.applied.seq,
                                               crypto::randomFixed<crypto::Hash32>(), Kind::Delta,
                                               delta));
        QVERIFY(r);
        QCOMPARE(r->disposition, Disposition::Forked);
    } else if (how == QLatin1String("sender-fault")) {
        streams::Peer wrong = hqPeer;
        wrong.boxKey = crypto::crypto_box_keypair().publicKey; // does not open at HQ
        auto r = s.hq->receiver->receive(craft(d.me, wrong, up.stream.epoch, up.applied.seq + 1,
                                               up.applied.envHash, Kind::Delta, delta));
        QVERIFY(r);
        QCOMPARE(r->disposition, Disposition::SenderFault);
    } else if (how == QLatin1String("gap")) {
        auto r = s.hq->receiver->receive(craft(d.me, hqPeer, up.stream.epoch, up.applied.seq + 2,
                                               crypto::randomFixed<crypto::Hash32>(), Kind::Delta,
                                               delta));
        QVERIFY(r);
        QCOMPARE(r->disposition, Disposition::Parked);
        s.hq->clock.advance(61 * kMinute);
        QVERIFY(s.hq->receiver->tick());
    } else if (how == QLatin1String("resync-request")) {
        auto down = d.receiver->state(s.hq->me.localId());
        QVERIFY(down && *down);
        protocol::ResyncRequestPayload rq;
        rq.reason = protocol::ResyncRequestPayload::Reason::Other;
        rq.downApplied = streams::EpochHead{(*down)->stream.epoch, (*down)->applied.seq,
                                            (*down)->applied.envHash};
        QVERIFY(d.outbox->enqueue(s.hq->me.localId(), Kind::ResyncRequest, rq.toCbor()));
        sendUp(s, d);
    } else {
        QFAIL("unknown provocation");
    }
}

void provocations()
{
    QTest::addColumn<QString>("how");
    for (const char *how : {"far-ahead", "fork", "sender-fault", "gap", "resync-request"})
        QTest::newRow(how) << QString::fromLatin1(how);
}

// HQ's stream state (outbox, heads, parked, applied) copied aside and put back: what restoring
// the HQ store from a backup does to its streams.
bool backupStreams(Star &s, bool restore)
{
    static const char *const tables[] = {"stream_out", "stream_outbox", "stream_in",
                                         "stream_applied", "stream_parked"};
    for (const char *t : tables) {
        const QByteArray name(t);
        const QByteArray sql =
            restore ? "DELETE FROM " + name + "; INSERT INTO " + name + " SELECT * FROM bak_" + name
                    : "DROP TABLE IF EXISTS bak_" + name + "; CREATE TABLE bak_" + name +
                          " AS SELECT * FROM " + name;
        if (!s.hq->db->execute(sql.constData()))
            return false;
    }
    return true;
}

} // namespace

class TestHqHostile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // Point 1 / H1: whatever a revoked (wipe-only) device sends, HQ seals nothing for it but a
    // WIPE; revocation drops its memberships in the same transaction.
    void revokedDeviceIsCutOff_data() { provocations(); }
    void revokedDeviceIsCutOff()
    {
        QFETCH(QString, how);
        Star s;
        QVERIFY(s.open());
        Device &a = s.add();
        Device &b = s.add();
        QVERIFY(s.enrol(a, {kVienna}));
        QVERIFY(s.enrol(b, {kVienna}));
        const crypto::Id16 aId = a.me.localId();
        QVERIFY(a.records->create(RecordType::Contact, kVienna,
                                  {{QStringLiteral("name"), QStringLiteral("from a")}}));
        QVERIFY(a.applier->pushLocalEdits(*a.outbox, s.hq->me.localId()));
        QVERIFY(s.pump() && s.allApplied());

        QVERIFY(s.hq->registry->setState(aId, PeerState::WipeOnly));
        const int before = s.outboxRows(aId);
        provoke(s, a, how);
        QCOMPARE(s.outboxRows(aId, Kind::Resync), 1); // the enrolment RESYNC only
        QCOMPARE(s.outboxRows(aId), before);
        // Nor any other path: the desk's RESYNC, a HEARTBEAT, fan-out, a scope join.
        QVERIFY(!s.hq->receiver->sendResync(aId));
        QVERIFY(!s.hq->receiver->sendHeartbeat(aId));
        QVERIFY(s.hq->records->create(RecordType::Contact, kVienna,
                                      {{QStringLiteral("name"), QStringLiteral("after")}}));
        QVERIFY(s.publish());
        QVERIFY(!s.hq->fanout->addMember(*s.hq->outbox, aId, kPrague)); // refused: revoked
        QCOMPARE(s.outboxRows(aId), before);
        // The other member still gets HQ's edit.
        QCOMPARE(b.dump({kVienna}), s.hq->records->canonicalDump({kVienna}).value());
        // Revocation dropped the memberships (the prague join above did not add one back).
        QCOMPARE(s.hq->registry->scopesOf(aId).value(), QStringList{});
        // The WIPE is the one thing HQ still seals for it.
        protocol::CommandPayload wipe;
        wipe.commandId = crypto::randomFixed<crypto::Id16>();
        wipe.type = protocol::CommandPayload::Type::Wipe;
        wipe.target = aId;
        wipe.targetSignKeyHash = a.me.asPeer().signKeyHash;
        wipe.issuedAtMs = s.hq->clock.wallMs();
        wipe.notAfterMs = wipe.issuedAtMs + 3600 * 1000;
        auto sealed = s.hq->outbox->enqueue(aId, Kind::Command, wipe.toCbor());
        QVERIFY2(sealed, why(sealed).constData());
        QCOMPARE(s.outboxRows(aId), before + 1);
    }

    // Point 1: a fork or sender fault on `up` quarantines the device with an alarm: no RESYNC,
    // nothing sealed for it; the quarantined `up` cannot open a new epoch by itself (L1); the
    // desk's release sends the RESYNC and both sides converge.
    void forkOrSenderFaultQuarantines_data()
    {
        QTest::addColumn<QString>("how");
        QTest::newRow("fork") << QStringLiteral("fork");
        QTest::newRow("sender-fault") << QStringLiteral("sender-fault");
    }
    void forkOrSenderFaultQuarantines()
    {
        QFETCH(QString, how);
        Star s;
        QVERIFY(s.open());
        Device &a = s.add();
        Device &b = s.add();
        QVERIFY(s.enrol(a, {kVienna}));
        QVERIFY(s.enrol(b, {kVienna}));
        const crypto::Id16 aId = a.me.localId();
        QVERIFY(a.records->create(RecordType::Contact, kVienna,
                                  {{QStringLiteral("name"), QStringLiteral("from a")}}));
        QVERIFY(a.applier->pushLocalEdits(*a.outbox, s.hq->me.localId()));
        QVERIFY(s.pump() && s.allApplied());
        const int before = s.outboxRows(aId);
        const streams::StreamState up = upAtHq(s, a);

        provoke(s, a, how);
        QCOMPARE(s.alarms(how == QLatin1String("fork") ? AlarmType::Fork : AlarmType::SenderFault),
                 1);
        QCOMPARE(s.outboxRows(aId), before); // no automatic snapshot
        auto q = s.hq->receiver->quarantined();
        QVERIFY(q && q->size() == 1);
        QCOMPARE(q->front().stream.sender, aId);
        // Cut off while quarantined: HQ's edits do not reach it, nor does a HEARTBEAT.
        QVERIFY(s.hq->records->create(RecordType::Contact, kVienna,
                                      {{QStringLiteral("name"), QStringLiteral("meanwhile")}}));
        QVERIFY(s.publish());
        QVERIFY(!s.hq->receiver->sendHeartbeat(aId));
        QCOMPARE(s.outboxRows(aId), before);
        // L1: a RECEIPT opening `up` epoch + 1 and naming the enrolment RESYNC does not unfreeze.
        auto enrolResync = s.hq->outbox->find(aId, 1, 1);
        QVERIFY(enrolResync && *enrolResync);
        protocol::ReceiptPayload rc;
        rc.downApplied = streams::EpochHead{1, 1, (*enrolResync)->envHash};
        rc.upSent = streams::EpochHead{up.stream.epoch, up.applied.seq, up.applied.envHash};
        auto reopen = s.hq->receiver->receive(craft(a.me, s.hq->me.asPeer(), up.stream.epoch + 1, 1,
                                                    crypto::Hash32{}, Kind::Receipt, rc.toCbor()));
        QVERIFY(reopen);
        QCOMPARE(reopen->disposition, Disposition::Frozen);
        QVERIFY(upAtHq(s, a).frozen);
        QCOMPARE(upAtHq(s, a).stream.epoch, up.stream.epoch);
        // The desk releases it: one RESYNC, the device answers, everything converges.
        auto released = s.hq->receiver->release(aId);
        QVERIFY2(released, why(released).constData());
        QCOMPARE(s.outboxRows(aId, Kind::Resync), 2);
        QVERIFY(s.pump());
        QVERIFY(!upAtHq(s, a).frozen);
        QCOMPARE(upAtHq(s, a).stream.epoch, up.stream.epoch + 1);
        QVERIFY(s.hq->receiver->quarantined()->empty());
        QCOMPARE(a.dump({kVienna}), s.hq->records->canonicalDump({kVienna}).value());
        QCOMPARE(b.dump({kVienna}), s.hq->records->canonicalDump({kVienna}).value());
    }

    // Point 7 / M3: a membership change whose SCOPE_JOIN / SCOPE_LEAVE was lost (a crash after
    // the registry change) is built again when the desk retries.
    void membershipChangesAreRetryable()
    {
        Star s;
        QVERIFY(s.open());
        Device &a = s.add();
        QVERIFY(s.enrol(a, {kVienna}));
        const crypto::Id16 aId = a.me.localId();
        QVERIFY(s.hq->records->create(RecordType::Contact, kPrague,
                                      {{QStringLiteral("name"), QStringLiteral("p")}}));
        QVERIFY(s.publish());
        // The join is lost (the process died before sealing it); the retry builds it again.
        QVERIFY(s.hq->fanout->addMember(aId, kPrague));
        auto again = s.hq->fanout->addMember(aId, kPrague);
        QVERIFY(again);
        QCOMPARE(again->size(), 1);
        QCOMPARE(again->front().kind, Kind::ScopeJoin);
        QVERIFY(hq::HqFanout::enqueue(*s.hq->outbox, *again));
        QVERIFY(s.pump() && s.allApplied());
        QCOMPARE(a.records->scopes(), (QStringList{kPrague, kVienna}));
        // The same for the leave.
        QVERIFY(s.hq->fanout->removeMember(aId, kPrague));
        auto leave = s.hq->fanout->removeMember(aId, kPrague);
        QVERIFY(leave);
        QCOMPARE(leave->size(), 1);
        QCOMPARE(leave->front().kind, Kind::ScopeLeave);
        QVERIFY(hq::HqFanout::enqueue(*s.hq->outbox, *leave));
        QVERIFY(s.pump() && s.allApplied());
        QCOMPARE(a.records->scopes(), QStringList{kVienna});
        QCOMPARE(a.dump({kPrague}), QByteArray());
    }

    // Point 7 / M3: the registry change and the sealing of its SCOPE_LEAVE / SCOPE_JOIN commit
    // together: a failure while sealing (here a trigger aborting the outbox insert, as a crash
    // or a full disk would) leaves the membership unchanged.
    void membershipChangeIsAtomicWithItsMessage()
    {
        Star s;
        QVERIFY(s.open());
        Device &a = s.add();
        QVERIFY(s.enrol(a, {kVienna}));
        const crypto::Id16 aId = a.me.localId();
        QVERIFY(s.hq->db->execute("CREATE TEMP TRIGGER crash BEFORE INSERT ON stream_outbox "
                                  "BEGIN SELECT RAISE(ABORT, 'crash'); END"));
        QVERIFY(!s.hq->fanout->removeMember(*s.hq->outbox, aId, kVienna));
        QVERIFY(s.hq->registry->isMember(aId, kVienna).value()); // still a member
        QVERIFY(!s.hq->fanout->addMember(*s.hq->outbox, aId, kPrague));
        QVERIFY(!s.hq->registry->isMember(aId, kPrague).value()); // not a member
        QVERIFY(s.hq->db->execute("DROP TRIGGER crash"));
        QVERIFY(s.hq->fanout->removeMember(*s.hq->outbox, aId, kVienna));
        QVERIFY(!s.hq->registry->isMember(aId, kVienna).value());
        QVERIFY(s.pump() && s.allApplied());
        QCOMPARE(a.records->scopes(), QStringList{});
    }

    // Point 8 / M4, L7: a device asking for RESYNC again and again gets at most one per interval;
    // requests in between are coalesced into the one sent when the interval is over.
    void resyncRequestsAreCoalesced()
    {
        Star s;
        QVERIFY(s.open());
        Device &a = s.add();
        QVERIFY(s.enrol(a, {kVienna}));
        const crypto::Id16 aId = a.me.localId();
        for (int i = 0; i < 20; ++i) {
            provoke(s, a, QStringLiteral("resync-request"));
            QVERIFY(s.pump());
            s.hq->clock.advance(1000);
        }
        QCOMPARE(s.outboxRows(aId, Kind::Resync), 1); // the enrolment RESYNC only
        // The coalesced request is answered once the interval is over, and only once.
        s.hq->clock.advance(streams::kResyncIntervalMs);
        QVERIFY(s.hq->receiver->tick());
        QVERIFY(s.hq->receiver->tick());
        QCOMPARE(s.outboxRows(aId, Kind::Resync), 2);
        QVERIFY(s.pump() && s.allApplied());
        s.hq->clock.advance(streams::kResyncIntervalMs);
        QVERIFY(s.hq->receiver->tick());
        QCOMPARE(s.outboxRows(aId, Kind::Resync), 2); // answered: nothing more wanted
        QCOMPARE(a.dump({kVienna}), s.hq->records->canonicalDump({kVienna}).value());
    }

    // Point 5 (HQ side): a RECEIPT showing that the device has not applied what the relay took
    // long ago (a withheld envelope, the rest parked) is answered with a RESYNC.
    void receiptShowingAGapGetsAResync()
    {
        Star s;
        QVERIFY(s.open());
        Device &a = s.add();
        QVERIFY(s.enrol(a, {kVienna}));
        const crypto::Id16 aId = a.me.localId();
        s.hq->clock.advance(streams::kResyncIntervalMs);
        a.clock.advance(streams::kResyncIntervalMs);
        for (int i = 0; i < 3; ++i) {
            QVERIFY(
                s.hq->records->create(RecordType::Contact, kVienna,
                                      {{QStringLiteral("name"), QStringLiteral("c%1").arg(i)}}));
            auto r = s.hq->fanout->publishLocalEdits();
            QVERIFY(r && hq::HqFanout::enqueue(*s.hq->outbox, r->messages));
        }
        // The relay takes all three and withholds the first one.
        auto down = s.hq->outbox->pending(aId);
        QVERIFY(down && down->size() == 3);
        for (const auto &q : *down)
            QVERIFY(s.hq->outbox->markDelivered(aId, q.stream.epoch, q.seq));
        for (std::size_t i = 1; i < down->size(); ++i)
            QCOMPARE(a.receiver->receive((*down)[i].bytes)->disposition, Disposition::Parked);
        s.hq->clock.advance(streams::kWithholdGraceMs + kMinute);
        a.clock.advance(streams::kWithholdGraceMs + kMinute);
        QVERIFY(a.receiver->sendReceipt(0));
        const QList<Disposition> got = sendUp(s, a);
        QCOMPARE(got, QList<Disposition>{Disposition::Applied});
        QCOMPARE(s.alarms(AlarmType::ReceiptMismatch), 1);
        QCOMPARE(s.outboxRows(aId, Kind::Resync), 2);
        QVERIFY(s.pump());
        QCOMPARE(a.dump({kVienna}), s.hq->records->canonicalDump({kVienna}).value());
    }

    // Point 8: outbox rows of superseded epochs are collected (kept: the epoch before the
    // current one and those from the one the device's last RECEIPT named, for RECEIPTs in
    // flight).
    void superseededEpochsAreCollected()
    {
        Star s;
        QVERIFY(s.open());
        Device &a = s.add();
        QVERIFY(s.enrol(a, {kVienna}));
        const crypto::Id16 aId = a.me.localId();
        for (int i = 0; i < 4; ++i) {
            QVERIFY(
                s.hq->records->create(RecordType::Contact, kVienna,
                                      {{QStringLiteral("name"), QStringLiteral("c%1").arg(i)}}));
            auto r = s.hq->fanout->publishLocalEdits();
            QVERIFY(r && hq::HqFanout::enqueue(*s.hq->outbox, r->messages));
            QVERIFY(s.hq->receiver->sendResync(aId)); // never delivered
            if (i == 0) {
                QVERIFY(s.pump()); // the device's RECEIPTs name epoch 2 from now on
                QVERIFY(a.receiver->sendReceipt(0));
                QCOMPARE(sendUp(s, a), QList<Disposition>{Disposition::Applied});
            }
        }
        auto st = s.hq->db->prepare("SELECT count(*) FROM stream_outbox WHERE recipient = ? AND "
                                    "epoch < ?");
        QVERIFY(st);
        st->bind(1, aId.view()).bind(2, std::int64_t(2));
        QVERIFY(st->step().value_or(false));
        QCOMPARE(st->columnInt64(0), 0);
        QCOMPARE(s.hq->outbox->head(aId)->epoch, 5u);
        QVERIFY(s.hq->outbox->find(aId, 2, 1).value().has_value()); // named by the RECEIPT
        QVERIFY(s.pump() && s.allApplied());
        QCOMPARE(a.dump({kVienna}), s.hq->records->canonicalDump({kVienna}).value());
    }

    // Point 9 / M5: one bad phone tombstones 50 shared contacts HQ created. HQ applies none of
    // them and fans none out: it holds all 50 for the desk (device, record, time). Accepted, a
    // deletion reaches every member; refused, the device gets the contact back.
    void massDeleteOfSharedContactsIsHeld()
    {
        Star s;
        QVERIFY(s.open());
        Device &a = s.add();
        Device &b = s.add();
        QVERIFY(s.enrol(a, {kVienna}));
        QVERIFY(s.enrol(b, {kVienna}));
        QList<RecordId> ids;
        for (int i = 0; i < 50; ++i) {
            auto c =
                s.hq->records->create(RecordType::Contact, kVienna,
                                      {{QStringLiteral("name"), QStringLiteral("c%1").arg(i)}});
            QVERIFY(c);
            ids.append(c->recordId);
        }
        QVERIFY(s.publish() && s.allApplied());
        const qint64 when = s.hq->clock.wallMs();
        for (const RecordId &id : ids)
            QVERIFY(a.records->remove(id));
        QVERIFY(a.applier->pushLocalEdits(*a.outbox, s.hq->me.localId()));
        QVERIFY(s.pump() && s.allApplied());
        const auto deleted = [](RecordStore &rs, const RecordId &id) {
            auto h = rs.header(id);
            return h && *h && (*h)->tombstone.has_value();
        };
        int liveAtHq = 0;
        int liveAtB = 0;
        for (const RecordId &id : ids) {
            liveAtHq += deleted(*s.hq->records, id) ? 0 : 1;
            liveAtB += deleted(*b.records, id) ? 0 : 1;
        }
        QCOMPARE(liveAtHq, 50);
        QCOMPARE(liveAtB, 50);
        auto held = s.hq->fanout->heldDeletes();
        QVERIFY2(held, why(held).constData());
        QCOMPARE(held->size(), 50);
        for (const hq::HeldDelete &h : *held) {
            QCOMPARE(h.device, a.me.localId());
            QVERIFY(ids.contains(h.record));
            QCOMPARE(h.scope, kVienna);
            QVERIFY(h.receivedMs >= when);
            QVERIFY(h.op.tombstone);
        }
        // Accepted: deleted at HQ, at B, and (still) at A.
        const hq::HeldDelete accept = held->at(0);
        const hq::HeldDelete refuse = held->at(1);
        QVERIFY(s.hq->fanout->acceptHeldDelete(*s.hq->outbox, accept.id));
        QVERIFY(s.pump() && s.allApplied());
        QVERIFY(deleted(*s.hq->records, accept.record));
        QVERIFY(deleted(*b.records, accept.record));
        QVERIFY(deleted(*a.records, accept.record));
        // Refused: A has the contact again, with HQ's values; its officer sees why.
        QVERIFY(s.hq->fanout->refuseHeldDelete(*s.hq->outbox, refuse.id));
        QVERIFY(s.pump() && s.allApplied());
        QVERIFY(!deleted(*a.records, refuse.record));
        auto back = a.records->record(refuse.record);
        auto atHq = s.hq->records->record(refuse.record);
        QVERIFY(back && *back && atHq && *atHq);
        QCOMPARE((*back)->toCbor(), (*atHq)->toCbor());
        auto shown = a.records->heldOperations();
        QVERIFY(shown);
        QCOMPARE(shown->size(), 1);
        QCOMPARE(shown->front().reason, int(RejectReason::DeleteRefused));
        // A decision is final: neither can be decided again; 48 still wait.
        QVERIFY(!s.hq->fanout->acceptHeldDelete(*s.hq->outbox, refuse.id));
        QVERIFY(!s.hq->fanout->refuseHeldDelete(*s.hq->outbox, accept.id));
        QCOMPARE(s.hq->fanout->heldDeletes()->size(), 48);
    }

    // Point 9 with a lossy relay: the REJECT of a refused deletion is lost with its `down` epoch
    // (a RESYNC replaces it before the device applied it). The RESYNC's snapshot gives the
    // device the contact back; the REJECT, sent again in the new epoch, shows its officer why.
    void refusalLostBehindResyncIsSentAgain()
    {
        Star s;
        QVERIFY(s.open());
        Device &a = s.add();
        QVERIFY(s.enrol(a, {kVienna}));
        auto c = s.hq->records->create(RecordType::Contact, kVienna,
                                       {{QStringLiteral("name"), QStringLiteral("desk's")}});
        QVERIFY(c && s.publish());
        QVERIFY(a.records->remove(c->recordId));
        QVERIFY(a.applier->pushLocalEdits(*a.outbox, s.hq->me.localId()));
        QVERIFY(s.pump() && s.allApplied());
        auto held = s.hq->fanout->heldDeletes();
        QVERIFY(held && held->size() == 1);
        QVERIFY(s.hq->fanout->refuseHeldDelete(*s.hq->outbox, held->front().id));
        // The relay takes the REJECT and loses it.
        auto down = s.hq->outbox->pending(a.me.localId());
        QVERIFY(down && down->size() == 1 && down->front().kind == Kind::Reject);
        QVERIFY(s.hq->outbox->markDelivered(a.me.localId(), down->front().stream.epoch,
                                            down->front().seq));
        QVERIFY(s.hq->receiver->sendResync(a.me.localId()));
        QVERIFY(s.pump() && s.allApplied());
        auto h = a.records->header(c->recordId);
        QVERIFY(h && *h && !(*h)->tombstone);
        auto shown = a.records->heldOperations();
        QVERIFY(shown);
        QCOMPARE(shown->size(), 1);
        QCOMPARE(shown->front().reason, int(RejectReason::DeleteRefused));
        // Sent again once more (another RESYNC before a RECEIPT): still one entry.
        QVERIFY(s.hq->receiver->sendResync(a.me.localId()));
        QVERIFY(s.pump() && s.allApplied());
        QCOMPARE(a.records->heldOperations()->size(), 1);
        QCOMPARE(a.dump({kVienna}), s.hq->records->canonicalDump({kVienna}).value());
    }

    // Point 9 with point 4, the DeleteRefused variant of the REJECT/copy race (soak seeds 240
    // and 465 of session 4, which no longer replay): A's deletion of HQ's contact is held up by
    // the relay; a RESYNC makes A send it again in its next `up` epoch. The first copy reaches HQ
    // and is held; the desk refuses it (REJECT DeleteRefused, still on its way to A) and accepts
    // B's deletion of the same contact; then A's second copy reaches HQ, where the contact is
    // already deleted. Row "copy above": A deleted after B, so the copy raises HQ's tombstone.
    // No write is lost (B's accepted deletion and the copy are in every node's state, every
    // node equal) and A's officer sees the refusal.
    void refusedDeletionSentAgainAfterAnotherWasAccepted_data()
    {
        QTest::addColumn<bool>("aDeletesLast");
        QTest::newRow("copy above") << true;
        QTest::newRow("copy below") << false;
    }
    void refusedDeletionSentAgainAfterAnotherWasAccepted()
    {
        QFETCH(bool, aDeletesLast);
        Star s;
        QVERIFY(s.open());
        Device &a = s.add();
        Device &b = s.add();
        QVERIFY(s.enrol(a, {kVienna}));
        QVERIFY(s.enrol(b, {kVienna}));
        auto c = s.hq->records->create(RecordType::Contact, kVienna,
                                       {{QStringLiteral("name"), QStringLiteral("desk's")}});
        QVERIFY(c && s.publish());
        const RecordId x = c->recordId;
        const auto tick = [&] {
            for (ManualClock *clock : {&s.hq->clock, &a.clock, &b.clock})
                clock->advance(kMinute);
        };
        Device &first = aDeletesLast ? b : a;
        Device &second = aDeletesLast ? a : b;
        tick();
        QVERIFY(first.records->remove(x));
        tick();
        QVERIFY(second.records->remove(x));
        const Hlc stampA = (*a.records->header(x))->tombstone.value();
        const Hlc stampB = (*b.records->header(x))->tombstone.value();
        QCOMPARE(stampB < stampA, aDeletesLast);
        // B's deletion reaches HQ and is held; A's is sealed and held up by the relay.
        QVERIFY(b.applier->pushLocalEdits(*b.outbox, s.hq->me.localId()));
        QVERIFY(sendUp(s, b) == QList<Disposition>{Disposition::Applied});
        QVERIFY(a.applier->pushLocalEdits(*a.outbox, s.hq->me.localId()));
        // A RESYNC, sealed before HQ saw A's envelope, reaches A: A opens a new `up` epoch and
        // sends the deletion again.
        QVERIFY(s.hq->receiver->sendResync(a.me.localId()));
        auto down = s.hq->outbox->pending(a.me.localId());
        QVERIFY(down && down->size() == 1 && down->front().kind == Kind::Resync);
        QVERIFY(s.hq->outbox->markDelivered(a.me.localId(), down->front().stream.epoch,
                                            down->front().seq));
        auto rs = a.receiver->receive(down->front().bytes);
        QVERIFY(rs && rs->disposition == Disposition::Applied);
        auto up = a.outbox->pending(s.hq->me.localId(), 100);
        QVERIFY(up);
        QList<streams::QueuedEnvelope> copies;
        for (const auto &q : *up) {
            if (q.kind == Kind::Delta)
                copies.append(q);
        }
        QCOMPARE(copies.size(), 2); // the held-up first copy and the re-issued one
        QVERIFY(copies[0].stream.epoch < copies[1].stream.epoch);
        QVERIFY((*a.records->header(x))->tombstone == stampA); // still deleted on A
        // The first copy reaches HQ (its `up` epoch still current there) and is held.
        QVERIFY(a.outbox->markDelivered(s.hq->me.localId(), copies[0].stream.epoch, copies[0].seq));
        auto got = s.hq->receiver->receive(copies[0].bytes);
        QVERIFY(got && got->disposition == Disposition::Applied);
        auto held = s.hq->fanout->heldDeletes();
        QVERIFY2(held, why(held).constData());
        QCOMPARE(held->size(), 2);
        const hq::HeldDelete ofA = held->at(0).device == a.me.localId() ? held->at(0) : held->at(1);
        const hq::HeldDelete ofB = held->at(0).device == a.me.localId() ? held->at(1) : held->at(0);
        QCOMPARE(ofA.device, a.me.localId());
        QCOMPARE(ofB.device, b.me.localId());
        // The desk refuses A's (the REJECT waits in A's mailbox) and accepts B's.
        QVERIFY(s.hq->fanout->refuseHeldDelete(*s.hq->outbox, ofA.id));
        QVERIFY(s.hq->fanout->acceptHeldDelete(*s.hq->outbox, ofB.id));
        QVERIFY(s.hq->fanout->heldDeletes()->isEmpty());
        // A's second copy meets the accepted deletion at HQ; then everything is delivered.
        QVERIFY(!sendUp(s, a).contains(Disposition::Dropped));
        QVERIFY(s.pump() && s.allApplied());
        auto atHq = s.hq->records->record(x);
        QVERIFY(atHq && *atHq && (*atHq)->deleted);
        QCOMPARE((*atHq)->tombstone, aDeletesLast ? stampA : stampB);
        QCOMPARE(a.dump({kVienna}), s.hq->records->canonicalDump({kVienna}).value());
        QCOMPARE(b.dump({kVienna}), s.hq->records->canonicalDump({kVienna}).value());
        // A's officer sees the refusal, once.
        auto shown = a.records->heldOperations();
        QVERIFY(shown);
        QCOMPARE(shown->size(), 1);
        QCOMPARE(shown->front().reason, int(RejectReason::DeleteRefused));
        QCOMPARE(shown->front().op.recordId, x);
        QVERIFY(shown->front().op.tombstone);
        QVERIFY(s.hq->fanout->heldDeletes()->isEmpty());
    }

    // Point 5 (HQ side) / the checker's withhold and drop families: the RECEIPT that opens a
    // device's new `up` epoch is lost. What follows in that epoch is parked at HQ (acknowledged,
    // not dropped unread), and once the gap stays open for the timeout HQ sends a RESYNC; the
    // device answers with another `up` epoch, sends its writes again, and nothing is lost.
    void lostUpEpochOpenerIsRecovered()
    {
        Star s;
        QVERIFY(s.open());
        Device &a = s.add();
        QVERIFY(s.enrol(a, {kVienna}));
        QVERIFY(s.hq->receiver->sendResync(a.me.localId()));
        // A applies the RESYNC and opens `up` epoch 2 with a RECEIPT, which the relay loses.
        auto down = s.hq->outbox->pending(a.me.localId());
        QVERIFY(down && !down->empty());
        for (const auto &q : *down) {
            QVERIFY(s.hq->outbox->markDelivered(a.me.localId(), q.stream.epoch, q.seq));
            QVERIFY(a.receiver->receive(q.bytes));
        }
        auto opener = a.outbox->pending(s.hq->me.localId());
        QVERIFY(opener && opener->size() == 1 && opener->front().kind == Kind::Receipt);
        QVERIFY(a.outbox->markDelivered(s.hq->me.localId(), opener->front().stream.epoch, 1));
        const std::uint32_t upEpochAtHq = upAtHq(s, a).stream.epoch;
        auto c = a.records->create(RecordType::Contact, kVienna,
                                   {{QStringLiteral("name"), QStringLiteral("kept")}});
        QVERIFY(c && a.applier->pushLocalEdits(*a.outbox, s.hq->me.localId()));
        auto up = a.outbox->pending(s.hq->me.localId());
        QVERIFY(up && up->size() == 1);
        QVERIFY(up->front().stream.epoch > upEpochAtHq && up->front().seq == 2);
        QVERIFY(a.outbox->markDelivered(s.hq->me.localId(), up->front().stream.epoch, 2));
        auto r = s.hq->receiver->receive(up->front().bytes);
        QVERIFY(r);
        QCOMPARE(r->disposition, Disposition::Parked);
        QVERIFY(r->acknowledge);
        // The gap before it stays open: after the timeout HQ sends a RESYNC.
        const int resyncs = s.outboxRows(a.me.localId(), Kind::Resync);
        s.hq->clock.advance(61 * kMinute);
        a.clock.advance(61 * kMinute);
        QVERIFY(s.hq->receiver->tick());
        QVERIFY(s.outboxRows(a.me.localId(), Kind::Resync) > resyncs);
        QVERIFY(s.pump());
        auto atHq = s.hq->records->header(c->recordId);
        QVERIFY(atHq && *atHq);
        QCOMPARE(a.dump({kVienna}), s.hq->records->canonicalDump({kVienna}).value());
        QVERIFY(upAtHq(s, a).stream.epoch > up->front().stream.epoch);
        QVERIFY(!upAtHq(s, a).frozen);
    }

    // Point 6 / M2: HQ restored from a backup after it moved the device two `down` epochs on.
    // What the restored HQ seals in its old epoch is not silently dropped and acknowledged: the
    // device alarms and asks for a RESYNC; HQ, seeing the device ahead of its own epochs, jumps
    // past them (alarm) and the two converge.
    void restoredHqNeverGoesBackInEpochs()
    {
        Star s;
        QVERIFY(s.open());
        Device &a = s.add();
        QVERIFY(s.enrol(a, {kVienna}));
        QVERIFY(s.hq->records->create(RecordType::Contact, kVienna,
                                      {{QStringLiteral("name"), QStringLiteral("before")}}));
        QVERIFY(s.publish() && s.allApplied());
        QVERIFY(backupStreams(s, false));
        for (int i = 0; i < 2; ++i) {
            s.hq->clock.advance(kMinute);
            a.clock.advance(kMinute);
            QVERIFY(s.hq->receiver->sendResync(a.me.localId()));
            QVERIFY(s.pump() && s.allApplied());
        }
        auto down = a.receiver->state(s.hq->me.localId());
        QVERIFY(down && *down);
        const std::uint32_t deviceEpoch = (*down)->stream.epoch;
        QCOMPARE(deviceEpoch, 3u);
        // Restored; the desk goes on.
        QVERIFY(backupStreams(s, true));
        s.hq->clock.advance(kMinute);
        a.clock.advance(kMinute);
        auto after = s.hq->records->create(RecordType::Contact, kVienna,
                                           {{QStringLiteral("name"), QStringLiteral("after")}});
        QVERIFY(after);
        auto r = s.hq->fanout->publishLocalEdits();
        QVERIFY(r && hq::HqFanout::enqueue(*s.hq->outbox, r->messages));
        auto stale = s.hq->outbox->pending(a.me.localId());
        QVERIFY(stale && stale->size() == 1);
        QVERIFY(stale->front().stream.epoch < deviceEpoch);
        QVERIFY(s.hq->outbox->markDelivered(a.me.localId(), stale->front().stream.epoch,
                                            stale->front().seq));
        auto seen = a.receiver->receive(stale->front().bytes);
        QVERIFY(seen);
        auto alarms = a.receiver->alarms();
        QVERIFY(alarms);
        int regressed = 0;
        for (const auto &al : *alarms)
            regressed += al.type == AlarmType::EpochRegressed ? 1 : 0;
        QCOMPARE(regressed, 1);
        QVERIFY(s.pump());
        QCOMPARE(s.alarms(AlarmType::EpochRegressed), 1);
        auto hqDown = s.hq->outbox->head(a.me.localId());
        QVERIFY(hqDown && hqDown->epoch > deviceEpoch);
        auto h = a.records->header(after->recordId);
        QVERIFY(h && *h);
        QCOMPARE(a.dump({kVienna}), s.hq->records->canonicalDump({kVienna}).value());
        // The restored HQ's old-epoch envelope delivered again: an alarm, not a silent ack...
        // unless it is older than the device's current epoch (then it is a late one, dropped).
        down = a.receiver->state(s.hq->me.localId());
        QVERIFY(down && *down && !(*down)->frozen);
        QVERIFY(upAtHq(s, a).stream.epoch > 0 && !upAtHq(s, a).frozen);
    }

    // Point 6, the restore marker: `liaison-hq restore` calls Receiver::afterRestore. Every
    // `down` stream moves past any epoch a device can hold and gets its RESYNC at once, so what
    // the desk publishes after the restore reaches the device with no alarm and no envelope of
    // an old epoch; a write HQ lost with the restore is sent again by its device.
    void restoreMarkerMovesEveryStreamOn()
    {
        Star s;
        QVERIFY(s.open());
        Device &a = s.add();
        Device &b = s.add();
        QVERIFY(s.enrol(a, {kVienna}));
        QVERIFY(s.enrol(b, {kVienna}));
        QVERIFY(backupStreams(s, false));
        // After the backup: two RESYNCs to A, and a write of B that HQ takes.
        for (int i = 0; i < 2; ++i) {
            s.hq->clock.advance(kMinute);
            a.clock.advance(kMinute);
            QVERIFY(s.hq->receiver->sendResync(a.me.localId()));
            QVERIFY(s.pump() && s.allApplied());
        }
        auto lost = b.records->create(RecordType::Contact, kVienna,
                                      {{QStringLiteral("name"), QStringLiteral("lost")}});
        QVERIFY(lost);
        QVERIFY(b.applier->pushLocalEdits(*b.outbox, s.hq->me.localId()));
        QVERIFY(s.pump() && s.allApplied());
        const std::uint32_t aEpoch = (*a.receiver->state(s.hq->me.localId()))->stream.epoch;
        // Restored (the records too: the write of B is gone at HQ).
        QVERIFY(backupStreams(s, true));
        const QByteArray which = "(SELECT rid FROM rec_record WHERE id = x'" +
                                 lost->recordId.toHex() + "')";
        const QByteArray forgetSearch = "DELETE FROM rec_contact_fts WHERE docid = " + which;
        const QByteArray forget = "DELETE FROM rec_record WHERE rid = " + which; // fields cascade
        QVERIFY(s.hq->db->execute(forgetSearch.constData()));
        QVERIFY(s.hq->db->execute(forget.constData()));
        auto sent = s.hq->receiver->afterRestore();
        QVERIFY2(sent, why(sent).constData());
        QCOMPARE(*sent, 2);
        // The desk goes on at once.
        s.hq->clock.advance(kMinute);
        auto made = s.hq->records->create(RecordType::Contact, kVienna,
                                          {{QStringLiteral("name"), QStringLiteral("after")}});
        QVERIFY2(made, why(made).constData());
        auto r = s.hq->fanout->publishLocalEdits();
        QVERIFY(r && hq::HqFanout::enqueue(*s.hq->outbox, r->messages));
        auto pending = s.hq->outbox->pending(a.me.localId());
        QVERIFY(pending && !pending->empty());
        for (const auto &q : *pending)
            QVERIFY(q.stream.epoch > aEpoch); // nothing sealed in an epoch the device left
        QVERIFY(s.pump());
        QVERIFY(s.allApplied());
        QVERIFY(s.pump() && s.allApplied());
        QCOMPARE(s.alarms(AlarmType::EpochRegressed), 0);
        for (Device *d : {&a, &b}) {
            auto al = d->receiver->alarms();
            QVERIFY(al && al->empty());
            QCOMPARE(d->dump({kVienna}), s.hq->records->canonicalDump({kVienna}).value());
        }
        auto back = s.hq->records->header(lost->recordId);
        QVERIFY(back && *back); // B sent it again
    }

    // Point 8 / M4: HQ may delete a device's author-only records (spam FieldReports); the
    // tombstone reaches every member, the author included.
    void hqDeletesAuthorOnlySpam()
    {
        Star s;
        QVERIFY(s.open());
        Device &a = s.add();
        Device &b = s.add();
        QVERIFY(s.enrol(a, {kVienna}));
        QVERIFY(s.enrol(b, {kVienna}));
        auto spam = a.records->create(RecordType::FieldReport, kVienna,
                                      {{QStringLiteral("text"), QStringLiteral("spam")}});
        QVERIFY(spam);
        QVERIFY(a.applier->pushLocalEdits(*a.outbox, s.hq->me.localId()));
        QVERIFY(s.pump() && s.allApplied());
        auto removed = s.hq->records->remove(spam->recordId);
        QVERIFY2(removed, why(removed).constData());
        QVERIFY(s.publish() && s.allApplied());
        for (Device *d : {&a, &b}) {
            auto h = d->records->header(spam->recordId);
            QVERIFY(h && *h && (*h)->tombstone);
        }
        QCOMPARE(a.dump({kVienna}), s.hq->records->canonicalDump({kVienna}).value());
    }

    // Point 8 / M4: per-device operation quota at HQ; operations over it are REJECTed with a
    // reason the device decodes (Quota); a new interval accepts again.
    void operationQuotaPerDevice()
    {
        Star s;
        QVERIFY(s.open());
        s.hq->fanout->setOpQuota(5, 60 * kMinute);
        Device &a = s.add();
        Device &b = s.add();
        QVERIFY(s.enrol(a, {kVienna}));
        QVERIFY(s.enrol(b, {kVienna}));
        for (int i = 0; i < 8; ++i) {
            QVERIFY(a.records->create(RecordType::FieldReport, kVienna,
                                      {{QStringLiteral("text"), QStringLiteral("r%1").arg(i)}}));
        }
        QVERIFY(a.applier->pushLocalEdits(*a.outbox, s.hq->me.localId()));
        QVERIFY(s.pump() && s.allApplied());
        QCOMPARE(s.hq->applier->lastResult().accepted, 5);
        QCOMPARE(s.hq->applier->lastResult().rejected, 3);
        QCOMPARE(s.hq->applier->lastResult().reasons.front(), RejectReason::Quota);
        QCOMPARE(b.dump({kVienna}), s.hq->records->canonicalDump({kVienna}).value());
        QCOMPARE(a.dump({kVienna}), s.hq->records->canonicalDump({kVienna}).value());
        // B has its own quota; A's next interval is accepted again.
        s.hq->clock.advance(61 * kMinute);
        a.clock.advance(61 * kMinute);
        QVERIFY(a.records->create(RecordType::FieldReport, kVienna,
                                  {{QStringLiteral("text"), QStringLiteral("later")}}));
        QVERIFY(a.applier->pushLocalEdits(*a.outbox, s.hq->me.localId()));
        QVERIFY(s.pump() && s.allApplied());
        QCOMPARE(s.hq->applier->lastResult().accepted, 1);
    }

    // Point 9 / M5: a device's tombstone of a shared record it did not create is held at HQ:
    // not applied, not fanned out; the desk sees record, device and time and accepts (apply and
    // fan out) or refuses (REJECT with HQ's values: the device gets the record back).
    void sharedDeleteIsHeldForTheDesk()
    {
        Star s;
        QVERIFY(s.open());
        Device &a = s.add();
        Device &b = s.add();
        QVERIFY(s.enrol(a, {kVienna}));
        QVERIFY(s.enrol(b, {kVienna}));
        auto byHq = s.hq->records->create(RecordType::Contact, kVienna,
                                          {{QStringLiteral("name"), QStringLiteral("desk's")}});
        QVERIFY(byHq && s.publish());
        auto byB = b.records->create(RecordType::Contact, kVienna,
                                     {{QStringLiteral("name"), QStringLiteral("b's")}});
        QVERIFY(byB && b.applier->pushLocalEdits(*b.outbox, s.hq->me.localId()));
        QVERIFY(s.pump() && s.allApplied());
        auto own = a.records->create(RecordType::Contact, kVienna,
                                     {{QStringLiteral("name"), QStringLiteral("a's")}});
        QVERIFY(own && a.applier->pushLocalEdits(*a.outbox, s.hq->me.localId()));
        QVERIFY(s.pump() && s.allApplied());
        const qint64 when = s.hq->clock.wallMs();
        QVERIFY(a.records->remove(byHq->recordId));
        QVERIFY(a.records->remove(byB->recordId));
        QVERIFY(a.records->remove(own->recordId));
        QVERIFY(a.applier->pushLocalEdits(*a.outbox, s.hq->me.localId()));
        QVERIFY(s.pump() && s.allApplied());
        const auto deleted = [](Device &d, const RecordId &id) {
            auto h = d.records->header(id);
            return h && *h && (*h)->tombstone.has_value();
        };
        // Its own contact is deleted everywhere; the two others are held.
        QVERIFY(deleted(b, own->recordId));
        QVERIFY(!deleted(b, byHq->recordId) && !deleted(b, byB->recordId));
        auto atHq = s.hq->records->header(byHq->recordId);
        QVERIFY(atHq && *atHq && !(*atHq)->tombstone);
        auto held = s.hq->fanout->heldDeletes();
        QVERIFY2(held, why(held).constData());
        QCOMPARE(held->size(), 2);
        for (const hq::HeldDelete &h : *held) {
            QCOMPARE(h.device, a.me.localId());
            QVERIFY(h.receivedMs >= when);
            QVERIFY(h.current.has_value()); // HQ's record, for the desk to look at
            QCOMPARE(h.current->id, h.record);
        }
        const hq::HeldDelete first =
            held->at(0).record == byHq->recordId ? held->at(0) : held->at(1);
        const hq::HeldDelete second =
            held->at(0).record == byHq->recordId ? held->at(1) : held->at(0);
        // Refused: A gets the desk's contact back.
        QVERIFY(s.hq->fanout->refuseHeldDelete(*s.hq->outbox, first.id));
        QVERIFY(s.pump() && s.allApplied());
        QVERIFY(!deleted(a, byHq->recordId));
        // Accepted: deleted at HQ and at B.
        QVERIFY(s.hq->fanout->acceptHeldDelete(*s.hq->outbox, second.id));
        QVERIFY(s.pump() && s.allApplied());
        QVERIFY(deleted(b, byB->recordId));
        QVERIFY(s.hq->fanout->heldDeletes()->isEmpty());
        QCOMPARE(a.dump({kVienna}), s.hq->records->canonicalDump({kVienna}).value());
        QCOMPARE(b.dump({kVienna}), s.hq->records->canonicalDump({kVienna}).value());
    }

    // A member of the scope that is active but has no `down` stream yet (enrolled, its first
    // RESYNC not sealed yet; the desk console's `publish` while a device is being enrolled) does
    // not fail HQ's fan-out: the desk's publish, another device's DELTA and a scope join go on
    // for the others, and the new device gets every record with its RESYNC.
    void fanOutSkipsAMemberWithoutAStreamYet()
    {
        Star s;
        QVERIFY(s.open());
        Device &a = s.add();
        Device &b = s.add();
        QVERIFY(s.enrol(a, {kVienna}));
        // B: active and a member of vienna and prague, its RESYNC not sent yet.
        QVERIFY(b.records->open());
        b.clock.setWall(s.hq->clock.wallMs());
        b.peers.add(s.hq->me.asPeer());
        const streams::Peer p = b.me.asPeer();
        hq::DeviceRecord rec;
        rec.id = p.id;
        rec.signKey = p.signKey;
        rec.boxKey = p.boxKey;
        rec.boxKeyId = p.boxKeyId;
        rec.state = PeerState::Active;
        QVERIFY(s.hq->registry->addDevice(rec));
        QVERIFY(s.hq->registry->addMember(rec.id, kVienna));

        // The desk publishes.
        QVERIFY(s.hq->records->create(RecordType::Contact, kVienna,
                                      {{QStringLiteral("name"), QStringLiteral("desk")}}));
        auto r = s.hq->fanout->publishLocalEdits();
        QVERIFY2(r, why(r).constData());
        auto queued = hq::HqFanout::enqueue(*s.hq->outbox, r->messages);
        QVERIFY2(queued, why(queued).constData());
        // A's DELTA reaches HQ and is fanned out (to nobody yet).
        QVERIFY(a.records->create(RecordType::Contact, kVienna,
                                  {{QStringLiteral("name"), QStringLiteral("from a")}}));
        QVERIFY(a.applier->pushLocalEdits(*a.outbox, s.hq->me.localId()));
        // B joins prague (its SCOPE_JOIN waits for the RESYNC too), and the desk publishes
        // there, to B alone.
        auto joined = s.hq->fanout->addMember(*s.hq->outbox, rec.id, kPrague);
        QVERIFY2(joined, why(joined).constData());
        QVERIFY(s.hq->records->create(RecordType::Contact, kPrague,
                                      {{QStringLiteral("name"), QStringLiteral("p")}}));
        auto r2 = s.hq->fanout->publishLocalEdits();
        QVERIFY(r2 && !r2->messages.isEmpty());
        auto queued2 = hq::HqFanout::enqueue(*s.hq->outbox, r2->messages);
        QVERIFY2(queued2, why(queued2).constData());
        QVERIFY(s.pump() && s.allApplied());
        QCOMPARE(s.outboxRows(rec.id), 0);
        QCOMPARE(a.dump({kVienna}), s.hq->records->canonicalDump({kVienna}).value());
        // The enrolment RESYNC brings B everything.
        QVERIFY(s.hq->receiver->sendResync(rec.id));
        QVERIFY(s.pump() && s.allApplied());
        QCOMPARE(b.records->scopes(), (QStringList{kPrague, kVienna}));
        QCOMPARE(b.dump({kVienna, kPrague}),
                 s.hq->records->canonicalDump({kVienna, kPrague}).value());
        // From then on B gets fan-out as everyone does.
        QVERIFY(s.hq->records->create(RecordType::Contact, kVienna,
                                      {{QStringLiteral("name"), QStringLiteral("later")}}));
        QVERIFY(s.publish() && s.allApplied());
        QCOMPARE(b.dump({kVienna}), s.hq->records->canonicalDump({kVienna}).value());
    }
};

LIAISON_TEST_MAIN(TestHqHostile)
#include "tst_hq_hostile.moc"
