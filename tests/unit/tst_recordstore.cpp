// RecordStore: local edits and the outbox, provenance, remote application without re-queueing,
// writer rules, HLC persistence and reference time through the store, REJECT convergence,
// SCOPE_JOIN/SCOPE_LEAVE, RESYNC, search, and no plaintext outside SQLCipher.

#include "model/payloads.h"
#include "model/recordstore.h"
#include "modelreplica.h"
#include "testmain.h"
#include "testsupport.h"

#include <QCborArray>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

using namespace liaison;
using namespace liaison::model;
using liaison::test::idOf;
using liaison::test::ModelReplica;

namespace {
const QString kVienna = QStringLiteral("post:vienna");
const QString kPrague = QStringLiteral("post:prague");
constexpr qint64 kMinute = 60'000;
constexpr qint64 kDay = 24 * 60 * kMinute;

template <typename R> QByteArray why(const R &r)
{
    return r ? QByteArray() : r.error().message.toUtf8();
}

FieldMap contact(const QString &name, const QString &org = QString())
{
    FieldMap f;
    f.insert(QStringLiteral("name"), name);
    if (!org.isEmpty())
        f.insert(QStringLiteral("organisation"), org);
    return f;
}
} // namespace

class TestRecordStore : public QObject
{
    Q_OBJECT
    QTemporaryDir m_dir;
    int m_n = 0;

    // A fresh replica each time.
    void make(ModelReplica &r, std::uint8_t id, ReplicaRole role, const QStringList &scopes = {})
    {
        auto s = r.open(m_dir.path(), QStringLiteral("s%1").arg(m_n++), idOf(id), role);
        QVERIFY2(s.has_value(), why(s).constData());
        for (const QString &scope : scopes)
            QVERIFY(r.records->addScope(scope).has_value());
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void localEditsAreStampedMergedAndQueued()
    {
        ModelReplica dev;
        make(dev, 1, ReplicaRole::Device, {kVienna});
        QList<RecordId> notified;
        dev.records->setChangeListener([&](const QList<RecordId> &ids) { notified += ids; });

        auto created = dev.records->create(RecordType::Contact, kVienna,
                                           contact(QStringLiteral("Anna"), QStringLiteral("BMI")));
        QVERIFY2(created.has_value(), why(created).constData());
        QCOMPARE(created->author(), idOf(1));
        QCOMPARE(qint64(created->stamp.ms48), dev.clock.wallMs());
        QCOMPARE(notified.size(), 1);

        dev.clock.advance(1000);
        auto updated = dev.records->update(
            created->recordId, {{QStringLiteral("role"), QStringLiteral("liaison officer")},
                                {QStringLiteral("name"), QStringLiteral("Anna")}}); // unchanged
        QVERIFY(updated.has_value() && updated->has_value());
        QCOMPARE((*updated)->fields.size(), 1); // only what differs travels
        QVERIFY(created->stamp < (*updated)->stamp);
        // Nothing changed: no operation at all.
        auto same = dev.records->update(created->recordId,
                                        {{QStringLiteral("name"), QStringLiteral("Anna")}});
        QVERIFY(same.has_value() && !same->has_value());

        // Provenance per field.
        auto st = dev.records->record(created->recordId);
        QVERIFY(st.has_value() && st->has_value());
        QCOMPARE((*st)->fields.value(QStringLiteral("name")).stamp, created->stamp);
        QCOMPARE((*st)->fields.value(QStringLiteral("role")).stamp, (*updated)->stamp);
        QCOMPARE((*st)->fields.value(QStringLiteral("role")).stamp.origin, idOf(1));

        auto removed = dev.records->remove(created->recordId);
        QVERIFY(removed.has_value());
        QVERIFY(removed->tombstone);

        auto outbox = dev.records->pendingOutbox();
        QVERIFY(outbox.has_value());
        QCOMPARE(outbox->size(), 3);
        QCOMPARE(outbox->at(0).op, *created);
        QCOMPARE(outbox->at(1).op, **updated);
        QCOMPARE(outbox->at(2).op, *removed);
        QVERIFY(outbox->at(0).seq < outbox->at(1).seq);
        QVERIFY(dev.records->markSent(outbox->at(1).seq).has_value());
        QCOMPARE(*dev.records->outboxCount(), 1);
    }

    void remoteApplyNeverRequeues()
    {
        ModelReplica hq, dev;
        make(hq, 0xf0, ReplicaRole::Hq);
        make(dev, 1, ReplicaRole::Device, {kVienna});
        QList<Operation> ops;
        for (int i = 0; i < 20; ++i) {
            auto op = hq.records->create(RecordType::Contact, kVienna,
                                         contact(QStringLiteral("c%1").arg(i)));
            QVERIFY(op.has_value());
            ops.append(*op);
        }
        auto one = dev.records->applyRemote(ops[0]);
        QVERIFY(one.has_value());
        QCOMPARE(one->changed, 1);
        QVERIFY(dev.records->applyRemoteBatch(ops).has_value());
        ScopeJoinPayload join{kVienna, 1, 1, ops};
        QVERIFY(dev.records->applyScopeJoin(join).has_value());
        QVERIFY(dev.records->resetToSnapshot({kVienna}, ops).has_value());
        QCOMPARE(*dev.records->outboxCount(), 0);
        QCOMPARE(dev.dump({kVienna}), hq.dump({kVienna}));
        // Remote stamps raise the HLC: the next local stamp is above them.
        hq.clock.advance(10 * kMinute);
        auto ahead = hq.records->update(ops[1].recordId, contact(QStringLiteral("renamed")));
        QVERIFY(ahead.has_value() && ahead->has_value());
        QVERIFY(dev.records->applyRemote(**ahead).has_value());
        auto mine = dev.records->create(RecordType::Contact, kVienna, contact(QStringLiteral("x")));
        QVERIFY(mine.has_value());
        QVERIFY((*ahead)->stamp < mine->stamp);
        QCOMPARE(*dev.records->outboxCount(), 1);
    }

    void writerRules()
    {
        ModelReplica hq, dev, other;
        make(hq, 0xf0, ReplicaRole::Hq);
        make(dev, 1, ReplicaRole::Device, {kVienna});
        make(other, 2, ReplicaRole::Device, {kVienna});
        // Devices: no HQ-only types, nothing outside their scopes.
        auto c = dev.records->create(RecordType::CaseSummary, kVienna,
                                     {{QStringLiteral("title"), QStringLiteral("x")}});
        QVERIFY(!c.has_value());
        QCOMPARE(c.error().code, Errc::Refused);
        QVERIFY(!dev.records->create(RecordType::Contact, kPrague, contact(QStringLiteral("x"))));
        // Their own reports: yes. Someone else's: no.
        auto report = other.records->create(RecordType::FieldReport, kVienna,
                                            {{QStringLiteral("text"), QStringLiteral("seen")}});
        QVERIFY(report.has_value());
        QVERIFY(dev.records->applyRemote(*report).has_value());
        auto edit = dev.records->update(report->recordId,
                                        {{QStringLiteral("text"), QStringLiteral("forged")}});
        QVERIFY(!edit.has_value());
        QCOMPARE(edit.error().code, Errc::Refused);
        QVERIFY(!dev.records->remove(report->recordId).has_value());
        QVERIFY(other.records->update(report->recordId,
                                      {{QStringLiteral("text"), QStringLiteral("seen twice")}}));
        // HQ writes HQ types and contacts, not device-authored records.
        QVERIFY(hq.records->create(RecordType::Instruction, kVienna,
                                   {{QStringLiteral("title"), QStringLiteral("Be there")}}));
        QVERIFY(!hq.records->create(RecordType::CheckIn, kVienna,
                                    {{QStringLiteral("time"), qint64(1)}}));
        // Schema: unknown fields and wrong kinds are refused locally too.
        QVERIFY(
            !dev.records->create(RecordType::Contact, kVienna, {{QStringLiteral("shoeSize"), 44}}));
        QVERIFY(!dev.records->create(RecordType::Contact, kVienna, {{QStringLiteral("name"), 44}}));
    }

    void hlcHighWaterPersistsAcrossReopen()
    {
        ModelReplica dev;
        make(dev, 1, ReplicaRole::Device, {kVienna});
        auto a = dev.records->create(RecordType::Contact, kVienna, contact(QStringLiteral("a")));
        QVERIFY(a.has_value());
        // Restart with the wall clock an hour behind.
        dev.clock.setWall(dev.clock.wallMs() - 60 * kMinute);
        QVERIFY(dev.reopen().has_value());
        auto b = dev.records->create(RecordType::Contact, kVienna, contact(QStringLiteral("b")));
        QVERIFY(b.has_value());
        QVERIFY2(a->stamp < b->stamp, qPrintable(a->stamp.toString() + " " + b->stamp.toString()));
        QCOMPARE(dev.records->scopes(), QStringList{kVienna}); // scopes persist too
    }

    // Issue 3, test 13, through the store: stamps of local edits use the reference time.
    void referenceTimeStampsLocalEdits()
    {
        ModelReplica dev;
        make(dev, 1, ReplicaRole::Device, {kVienna});
        const qint64 hqNow = dev.clock.wallMs();
        dev.clock.setWall(hqNow - 3 * kDay); // 3 days behind
        dev.records->clock().setReference(hqNow);
        QVERIFY(dev.records->clock().wallClockOff());
        dev.clock.advance(5000);
        auto op = dev.records->create(RecordType::Contact, kVienna, contact(QStringLiteral("a")));
        QVERIFY(op.has_value());
        QCOMPARE(qint64(op->stamp.ms48), hqNow + 5000);
    }

    // Issue 8 point 3 (protocol review H3): a late HEARTBEAT does not turn an edit into a
    // silent no-op. HQ changed R 5 minutes ago; the reference is an hour old.
    void editAfterLateHeartbeatTakesEffect()
    {
        ModelReplica hq, dev;
        make(hq, 0xf0, ReplicaRole::Hq);
        make(dev, 1, ReplicaRole::Device, {kVienna});
        const qint64 t = dev.clock.wallMs();
        hq.clock.setWall(t - 5 * kMinute);
        auto op = hq.records->create(RecordType::Contact, kVienna, contact(QStringLiteral("hq")));
        QVERIFY(op.has_value());
        QVERIFY(dev.records->applyRemote(*op).has_value());
        QVERIFY(dev.records->setReference(t - 60 * kMinute).has_value());
        QVERIFY(!dev.records->clock().wallClockOff());
        auto edit = dev.records->update(op->recordId, contact(QStringLiteral("new")));
        QVERIFY2(edit.has_value(), why(edit).constData());
        QVERIFY(edit->has_value());
        QVERIFY(qint64((*edit)->stamp.ms48) >= t);
        auto rec = dev.records->record(op->recordId);
        QVERIFY(rec && *rec);
        QCOMPARE((*rec)->fields.value(QStringLiteral("name")).value.toString(),
                 QStringLiteral("new"));
        // The bound and the observed stamp outlive a restart (another unlock).
        QVERIFY(dev.reopen().has_value());
        QVERIFY(dev.records->clock().hasReference());
        QCOMPARE(*dev.records->clock().referenceMs(), t - 60 * kMinute);
        QCOMPARE(qint64(dev.records->clock().observedMs()), qint64(op->stamp.ms48));
    }

    // Issue 8 point 3: an edit that the merge would not apply is an error, never a success.
    // Issue 8 / protocol review M9: a record stamped far ahead (HQ's clock ran a day ahead) is
    // not bumped over: the edit is refused loudly and counted.
    void editThatCannotWinFailsLoudly()
    {
        ModelReplica dev;
        make(dev, 1, ReplicaRole::Device, {kVienna});
        for (const quint64 ms : {quint64(dev.clock.wallMs() + kDay), Hlc::kMaxMs}) {
            // A fresh HQ each time: its first edit has no confirmed time to be bounded by.
            ModelReplica hq;
            make(hq, 0xf0, ReplicaRole::Hq);
            hq.clock.setWall(qint64(ms));
            auto op =
                hq.records->create(RecordType::Contact, kVienna, contact(QStringLiteral("hq")));
            QVERIFY(op.has_value());
            if (ms == Hlc::kMaxMs)
                op->stamp.counter = 0xffff; // the largest stamp there is
            QVERIFY(dev.records->applyRemote(*op).has_value());
            const int before = dev.records->futureStampedEdits();
            auto edit = dev.records->update(op->recordId, contact(QStringLiteral("device")));
            QVERIFY(!edit.has_value());
            QCOMPARE(edit.error().code, Errc::Refused);
            QCOMPARE(dev.records->futureStampedEdits(), before + 1);
            auto rec = dev.records->record(op->recordId);
            QCOMPARE((*rec)->fields.value(QStringLiteral("name")).value.toString(),
                     QStringLiteral("hq"));
            auto pending = dev.records->outboxCount();
            QCOMPARE(*pending, 0); // nothing queued that would lose everywhere
        }
    }

    // Protocol review M9, HQ side: the desk PC's clock runs a day ahead for a while. HQ's edits
    // then are refused loudly and counted, never stamped into the future; once the clock is
    // back, a device's edit of the record takes effect at HQ. A correction forward that the
    // relay's clock confirms (RecordStore::setReference) lets HQ edit again.
    void hqClockAheadIsRefusedNotStamped()
    {
        ModelReplica hq, dev;
        make(hq, 0xf0, ReplicaRole::Hq);
        make(dev, 1, ReplicaRole::Device, {kVienna});
        auto op = hq.records->create(RecordType::Contact, kVienna, contact(QStringLiteral("hq")));
        QVERIFY(op.has_value());
        QVERIFY(dev.records->applyRemote(*op).has_value());
        const qint64 right = hq.clock.wallMs();
        const auto queued = hq.records->outboxCount();
        hq.clock.advance(kMinute);
        hq.clock.setWall(right + kDay);
        auto ahead = hq.records->update(op->recordId, contact(QStringLiteral("ahead")));
        QVERIFY2(!ahead.has_value(), "HQ stamped an edit a day ahead");
        QCOMPARE(ahead.error().code, Errc::Refused);
        auto created =
            hq.records->create(RecordType::Contact, kVienna, contact(QStringLiteral("new")));
        QVERIFY(!created.has_value());
        QCOMPARE(created.error().code, Errc::Refused);
        auto removed = hq.records->remove(op->recordId);
        QVERIFY(!removed.has_value());
        QCOMPARE(removed.error().code, Errc::Refused);
        QCOMPARE(hq.records->hqClockAheadRefusals(), 3);
        QCOMPARE(*hq.records->outboxCount(), *queued);
        QVERIFY(qint64(hq.records->clock().highWaterMs()) < right + kDay);

        // The clock is back: the device's edit wins at HQ.
        hq.clock.setWall(right + 2 * kMinute);
        dev.clock.advance(2 * kMinute);
        auto edit = dev.records->update(op->recordId, contact(QStringLiteral("device")));
        QVERIFY(edit.has_value() && edit->has_value());
        QVERIFY(hq.records->applyRemote(**edit).has_value());
        auto st = hq.records->record(op->recordId);
        QCOMPARE((*st)->fields.value(QStringLiteral("name")).value.toString(),
                 QStringLiteral("device"));

        // Set forward for good, and the relay's clock agrees: HQ edits again.
        hq.clock.setWall(right + kDay);
        QVERIFY(hq.records->setReference(right + kDay).has_value());
        auto confirmed = hq.records->update(op->recordId, contact(QStringLiteral("confirmed")));
        QVERIFY(confirmed.has_value() && confirmed->has_value());
    }

    void localEditWinsOverFieldStampedAhead()
    {
        // A field stamped by a replica whose clock runs ahead: a later local edit still takes
        // effect here (its stamp is raised above the field's).
        ModelReplica hq, dev;
        make(hq, 0xf0, ReplicaRole::Hq);
        make(dev, 1, ReplicaRole::Device, {kVienna});
        hq.clock.advance(8 * kMinute);
        auto op = hq.records->create(RecordType::Contact, kVienna, contact(QStringLiteral("hq")));
        QVERIFY(op.has_value());
        QVERIFY(dev.records->applyRemote(*op).has_value());
        auto edit = dev.records->update(op->recordId, contact(QStringLiteral("device")));
        QVERIFY(edit.has_value() && edit->has_value());
        QVERIFY(op->stamp < (*edit)->stamp);
        auto st = dev.records->record(op->recordId);
        QCOMPARE((*st)->fields.value(QStringLiteral("name")).value.toString(),
                 QStringLiteral("device"));
    }

    void rejectConvergesToAuthoritativeValues()
    {
        ModelReplica hq, dev;
        make(hq, 0xf0, ReplicaRole::Hq);
        make(dev, 1, ReplicaRole::Device, {kVienna});
        auto base = hq.records->create(RecordType::Contact, kVienna,
                                       contact(QStringLiteral("HQ name"), QStringLiteral("PČR")));
        QVERIFY(base.has_value());
        QVERIFY(dev.records->applyRemote(*base).has_value());
        dev.clock.advance(1000);

        // A field edit that HQ refuses: HQ's value comes back, the other field is untouched.
        auto bad = dev.records->update(base->recordId, contact(QStringLiteral("device name")));
        QVERIFY(bad.has_value() && bad->has_value());
        auto hqState = hq.records->record(base->recordId);
        RejectPayload reject{**bad, RejectReason::ClockAhead, **hqState};
        auto applied = dev.records->applyReject(reject);
        QVERIFY2(applied.has_value(), why(applied).constData());
        QCOMPARE(dev.dump({kVienna}), hq.dump({kVienna}));
        QCOMPARE(*dev.records->outboxCount(), 1); // the REJECT queued nothing

        // A refused deletion: the record comes back with HQ's values.
        auto del = dev.records->remove(base->recordId);
        QVERIFY(del.has_value());
        QVERIFY(dev.records->applyReject({*del, RejectReason::ClockAhead, **hqState}).has_value());
        QCOMPARE(dev.dump({kVienna}), hq.dump({kVienna}));

        // A refused create HQ shows nothing for: the record disappears.
        auto fresh =
            dev.records->create(RecordType::Contact, kVienna, contact(QStringLiteral("n")));
        QVERIFY(fresh.has_value());
        QVERIFY(dev.records->applyReject({*fresh, RejectReason::OutOfScope, std::nullopt}));
        auto gone = dev.records->record(fresh->recordId);
        QVERIFY(gone.has_value() && !gone->has_value());
        QCOMPARE(dev.dump({kVienna}), hq.dump({kVienna}));

        // A field overwritten after the rejected op keeps its newer value.
        dev.clock.advance(1000);
        auto first = dev.records->update(base->recordId, contact(QStringLiteral("one")));
        dev.clock.advance(1000);
        auto second = dev.records->update(base->recordId, contact(QStringLiteral("two")));
        QVERIFY(first && *first && second && *second);
        QVERIFY(dev.records->applyReject({**first, RejectReason::ClockAhead, **hqState}));
        auto st = dev.records->record(base->recordId);
        QCOMPARE((*st)->fields.value(QStringLiteral("name")).value.toString(),
                 QStringLiteral("two"));
        // Only the REJECT of another replica's operation is refused.
        Operation foreign = **second;
        foreign.stamp.origin = idOf(9);
        QVERIFY(!dev.records->applyReject({foreign, RejectReason::ClockAhead, std::nullopt}));
    }

    void scopeJoinPartsAndLeavePurge()
    {
        ModelReplica hq, dev;
        make(hq, 0xf0, ReplicaRole::Hq);
        make(dev, 1, ReplicaRole::Device);
        for (int i = 0; i < 30; ++i) {
            QVERIFY(hq.records->create(RecordType::Contact, i % 2 ? kVienna : kPrague,
                                       contact(QStringLiteral("c%1").arg(i))));
        }
        auto snap = hq.records->snapshot({kVienna});
        QVERIFY(snap.has_value());
        QCOMPARE(snap->size(), 15);
        QVERIFY(dev.records->applyScopeJoin({kVienna, 1, 2, snap->mid(0, 7)}));
        QCOMPARE(dev.records->scopes(), QStringList{kVienna});
        QVERIFY(dev.records->applyScopeJoin({kVienna, 2, 2, snap->mid(7)}));
        QCOMPARE(dev.dump({kVienna}), hq.dump({kVienna}));
        QCOMPARE(*dev.records->recordCount(), 15);
        // Ops of another scope in a SCOPE_JOIN are refused; so are DELTAs for a scope not held.
        auto prague = hq.records->snapshot({kPrague});
        QVERIFY(!dev.records->applyScopeJoin({kVienna, 1, 1, *prague}));
        QVERIFY(!dev.records->applyRemoteBatch(*prague));

        // A pending local edit of the scope goes with it.
        QVERIFY(dev.records->create(RecordType::Contact, kVienna, contact(QStringLiteral("mine"))));
        QVERIFY(dev.records->applyScopeLeave({kVienna}).has_value());
        QCOMPARE(*dev.records->recordCount(), 0);
        QCOMPARE(*dev.records->outboxCount(), 0);
        QVERIFY(dev.records->scopes().isEmpty());
        auto found = dev.records->searchContacts(QStringLiteral("c1"));
        QVERIFY(found.has_value() && found->isEmpty());
    }

    void resyncReplacesEverythingAndKeepsUnsentEdits()
    {
        ModelReplica hq, dev;
        make(hq, 0xf0, ReplicaRole::Hq);
        make(dev, 1, ReplicaRole::Device, {kVienna, kPrague});
        QVERIFY(hq.records->create(RecordType::Contact, kVienna, contact(QStringLiteral("v"))));
        auto stray =
            dev.records->create(RecordType::Contact, kPrague, contact(QStringLiteral("p")));
        QVERIFY(stray.has_value());
        auto snap = hq.records->snapshot({kVienna});
        QVERIFY(dev.records->resetToSnapshot({kVienna}, *snap).has_value());
        QCOMPARE(dev.records->scopes(), QStringList{kVienna});
        QCOMPARE(dev.dump({kVienna, kPrague}), hq.dump({kVienna}));
        QCOMPARE(*dev.records->outboxCount(), 0); // the prague edit went with its scope

        auto unsent =
            dev.records->create(RecordType::Contact, kVienna, contact(QStringLiteral("u")));
        QVERIFY(unsent.has_value());
        QVERIFY(dev.records->resetToSnapshot({kVienna}, *snap).has_value());
        auto kept = dev.records->record(unsent->recordId);
        QVERIFY(kept.has_value() && kept->has_value()); // still visible, still queued
        QCOMPARE(*dev.records->outboxCount(), 1);
    }

    void contactSearch()
    {
        ModelReplica hq;
        make(hq, 0xf0, ReplicaRole::Hq);
        FieldMap f = contact(QStringLiteral("Ředitelství mezinárodní policejní spolupráce"),
                             QStringLiteral("Policejní prezidium ČR"));
        f.insert(QStringLiteral("role"), QStringLiteral("Sekretariát"));
        f.insert(QStringLiteral("country"), QStringLiteral("CZ"));
        f.insert(QStringLiteral("tags"),
                 QCborArray{QStringLiteral("interpol"), QStringLiteral("sirene")});
        auto c = hq.records->create(RecordType::Contact, kPrague, f);
        QVERIFY(c.has_value());
        QVERIFY(hq.records->create(RecordType::Contact, kPrague, contact(QStringLiteral("Other"))));
        const auto hits = [&](const QString &q) {
            auto r = hq.records->searchContacts(q);
            return r ? r->size() : -1;
        };
        QCOMPARE(hits(QStringLiteral("reditelstvi")), 1);   // diacritics ignored
        QCOMPARE(hits(QStringLiteral("MEZINÁR polic")), 1); // prefixes, every word
        QCOMPARE(hits(QStringLiteral("sirene")), 1);        // tags
        QCOMPARE(hits(QStringLiteral("sekretariat cz")), 1);
        QCOMPARE(hits(QStringLiteral("interpol other")), 0);
        QCOMPARE(hits(QStringLiteral("\" OR * NEAR(")), 0); // operators are just words
        QCOMPARE(hits(QStringLiteral("\"other\"*(")), 1);
        QCOMPARE(hits(QStringLiteral("  ")), 0);
        QVERIFY(hq.records->update(c->recordId, {{QStringLiteral("tags"), QCborArray()}}));
        QCOMPARE(hits(QStringLiteral("sirene")), 0);
        QVERIFY(hq.records->remove(c->recordId));
        QCOMPARE(hits(QStringLiteral("reditelstvi")), 0);
    }

    // The contact list's initials answer a one-letter search without the index (the search
    // field's first keystroke): for every initial the app folds itself (ASCII, Latin-1 and
    // Latin Extended-A letters, in each searched field, after punctuation), the contacts with
    // a letter's bit are exactly the index's matches for that letter, upper or lower case.
    void contactInitialsAgreeWithTheIndex()
    {
        ModelReplica hq;
        make(hq, 0xf1, ReplicaRole::Hq, {kPrague});
        const QStringList fields{QStringLiteral("name"), QStringLiteral("organisation"),
                                 QStringLiteral("role"), QStringLiteral("country"),
                                 QStringLiteral("tags")};
        QString initials = QStringLiteral("AZaz09");
        for (char16_t u = 0xC0; u <= 0x17F; ++u) {
            if (u != 0xD7 && u != 0xF7) // × and ÷: signs, not letters
                initials.append(QChar(u));
        }
        int n = 0;
        for (const QChar c : std::as_const(initials)) {
            const QString field = fields[n % fields.size()];
            // "_" keeps the tag's other letters out of the a-to-z initials of the probe.
            const QString word = (n % 3 == 0 ? QStringLiteral("(") : QStringLiteral("9-")) + c +
                                 QStringLiteral("_%1").arg(n);
            FieldMap f = contact(QStringLiteral("7"));
            if (field == QLatin1String("name"))
                f.insert(field, QStringLiteral("7 ") + word);
            else if (field == QLatin1String("tags"))
                f.insert(field, QCborArray{QStringLiteral("8"), word});
            else
                f.insert(field, word);
            QVERIFY(hq.records->create(RecordType::Contact, kPrague, f).has_value());
            ++n;
        }
        auto list = hq.records->contactList();
        QVERIFY(list.has_value());
        QCOMPARE(list->size(), initials.size());
        QString disagree;
        for (char c : QByteArrayLiteral("abcdefghijklmnopqrstuvwxyz0123456789")) {
            if (c == 0)
                break;
            for (const QString &q : {QString(QLatin1Char(c)), QString(QLatin1Char(c)).toUpper()}) {
                const int bit = model::RecordStore::initialBit(QStringLiteral(" %1. ").arg(q));
                QVERIFY2(bit >= 0, qPrintable(q));
                auto found = hq.records->matchContacts(q);
                QVERIFY(found.has_value());
                const QSet<qint64> byIndex(found->cbegin(), found->cend());
                for (const auto &e : std::as_const(*list)) {
                    QVERIFY(!(e.initials & model::RecordStore::kUnknownInitials));
                    const bool byBit = e.initials & (quint64(1) << bit);
                    if (byBit != byIndex.contains(e.key))
                        disagree += QStringLiteral("query %1: %2 (bit %3, index %4)\n")
                                        .arg(q, e.name)
                                        .arg(byBit)
                                        .arg(byIndex.contains(e.key));
                }
            }
        }
        QVERIFY2(disagree.isEmpty(), qPrintable(disagree));

        // Outside those blocks only the index knows: the entry says so.
        QVERIFY(hq.records->create(RecordType::Contact, kPrague, contact(QStringLiteral("Жук")))
                    .has_value());
        list = hq.records->contactList();
        QVERIFY(list.has_value());
        QCOMPARE(std::count_if(list->cbegin(), list->cend(),
                               [](const auto &e) {
                                   return e.initials & model::RecordStore::kUnknownInitials;
                               }),
                 1);
        for (const QString &q : {QStringLiteral("no"), QStringLiteral("n o"), QStringLiteral("č"),
                                 QStringLiteral(""), QStringLiteral("."), QStringLiteral("ж")})
            QVERIFY2(model::RecordStore::initialBit(q) == -1, qPrintable(q));
        QCOMPARE(model::RecordStore::initialBit(QStringLiteral("N")), 13);
        QCOMPARE(model::RecordStore::initialBit(QStringLiteral("-7-")), 33);
    }

    void noPlaintextOutsideSqlcipher()
    {
        ModelReplica hq;
        make(hq, 0xf0, ReplicaRole::Hq);
        const QString canary = QStringLiteral("Canaryfieldvalue7731");
        FieldMap f = contact(canary);
        f.insert(QStringLiteral("tags"), QCborArray{QStringLiteral("canarytagvalue8842")});
        QVERIFY(hq.records->create(RecordType::Contact, kPrague, f));
        QVERIFY(hq.db->checkpoint().has_value());
        const QStringList files =
            test::filesContainingCanaries(hq.path, {canary, QStringLiteral("canarytagvalue8842")});
        QVERIFY2(files.isEmpty(), qPrintable(files.join(QLatin1Char(' '))));
        auto found = hq.records->searchContacts(QStringLiteral("canaryfield"));
        QVERIFY(found.has_value());
        QCOMPARE(found->size(), 1);
    }
};

LIAISON_TEST_MAIN(TestRecordStore)
#include "tst_recordstore.moc"
