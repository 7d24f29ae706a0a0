// HQ's validation and fan-out: issue 3 test 12 (HQ-only type, another author's report, outside
// the device's scopes, stamped 1 h ahead: REJECT with HQ's values, and the device converges),
// author = sender, scope immutability, and fan-out keeping origin and stamp and excluding the
// author and inactive devices.

#include "hq/hqfanout.h"
#include "hqfixture.h"
#include "model/payloads.h"
#include "testmain.h"

#include <QCborArray>
#include <QTemporaryDir>
#include <QTest>

using namespace liaison;
using namespace liaison::model;
using liaison::hq::Outgoing;
using liaison::test::HqFixture;
using liaison::test::idOf;
using liaison::test::ModelReplica;

namespace {
const QString kVienna = QStringLiteral("post:vienna");
const QString kPrague = QStringLiteral("post:prague");
constexpr qint64 kMinute = 60'000;

template <typename R> QByteArray why(const R &r)
{
    return r ? QByteArray() : r.error().message.toUtf8();
}

QList<Outgoing> to(const QList<Outgoing> &messages, const crypto::Id16 &device)
{
    QList<Outgoing> out;
    for (const Outgoing &m : messages) {
        if (m.device == device)
            out.append(m);
    }
    return out;
}

QList<Operation> deltaOps(const QList<Outgoing> &messages)
{
    QList<Operation> ops;
    for (const Outgoing &m : messages) {
        if (m.kind != streams::Kind::Delta)
            continue;
        auto d = DeltaPayload::fromCbor(m.payload);
        if (d)
            ops += d->ops;
    }
    return ops;
}
} // namespace

class TestHqValidator : public QObject
{
    Q_OBJECT
    QTemporaryDir m_dir;
    int m_run = 0;

    QString freshDir()
    {
        const QString d = m_dir.path() + QStringLiteral("/run%1").arg(m_run++);
        QDir().mkpath(d);
        return d;
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    // Issue 3, test 12.
    void refusedOperationsConvergeToHqValues()
    {
        const QString dir = freshDir();
        HqFixture f;
        QVERIFY(f.open(dir).has_value());
        ModelReplica a, b, c;
        auto added = f.addDevice(a, dir, 1, {kVienna});
        QVERIFY2(added.has_value(), why(added).constData());
        QVERIFY(f.addDevice(b, dir, 2, {kVienna}).has_value());
        QVERIFY(f.addDevice(c, dir, 3, {kPrague}).has_value());

        // HQ's records, published to the members.
        auto contact = f.hq.records->create(RecordType::Contact, kVienna,
                                            {{QStringLiteral("name"), QStringLiteral("HQ name")}});
        auto instruction =
            f.hq.records->create(RecordType::Instruction, kVienna,
                                 {{QStringLiteral("title"), QStringLiteral("Meet the delegation")},
                                  {QStringLiteral("version"), 1}});
        auto secret =
            f.hq.records->create(RecordType::Contact, kPrague,
                                 {{QStringLiteral("name"), QStringLiteral("prague only")}});
        QVERIFY(contact && instruction && secret);
        QVERIFY(f.publish().has_value());
        // B files a report; HQ accepts and A sees it.
        auto report = b.records->create(RecordType::FieldReport, kVienna,
                                        {{QStringLiteral("text"), QStringLiteral("arrived")}});
        QVERIFY(report.has_value());
        auto fromB = f.fanout->acceptDeviceOps(idOf(2), HqFixture::take(b), f.hq.clock.wallMs());
        QVERIFY(fromB.has_value());
        QCOMPARE(fromB->accepted, 1);
        QVERIFY(f.deliver(fromB->messages).has_value());
        QCOMPARE(a.dump({kVienna}), f.hq.dump({kVienna}));

        // Device A goes wrong in four ways, plus one good edit.
        QList<Operation> ops;
        Operation forged; // (1) an HQ-only type, which A also applied locally
        forged.recordId = instruction->recordId;
        forged.type = RecordType::Instruction;
        forged.scope = kVienna;
        forged.fields = {{QStringLiteral("title"), QStringLiteral("Forged")}};
        forged.stamp = a.records->clock().tick();
        QVERIFY(a.records->applyRemote(forged).has_value()); // a buggy device's local state
        ops.append(forged);
        Operation notMine; // (2) another author's report
        notMine.recordId = report->recordId;
        notMine.type = RecordType::FieldReport;
        notMine.scope = kVienna;
        notMine.fields = {{QStringLiteral("text"), QStringLiteral("rewritten")}};
        notMine.stamp = a.records->clock().tick();
        ops.append(notMine);
        Operation outside; // (3) outside its scopes, aimed at an existing prague record
        outside.recordId = secret->recordId;
        outside.type = RecordType::Contact;
        outside.scope = kPrague;
        outside.fields = {{QStringLiteral("name"), QStringLiteral("x")}};
        outside.stamp = a.records->clock().tick();
        ops.append(outside);
        Operation moved = outside; // (3b) the same record claimed for a scope A holds
        moved.scope = kVienna;
        moved.stamp = a.records->clock().tick();
        ops.append(moved);
        a.clock.advance(1000);
        auto good = a.records->update(contact->recordId,
                                      {{QStringLiteral("role"), QStringLiteral("duty officer")}});
        QVERIFY(good && *good);
        // (4) one hour in the future, through the ordinary local API.
        a.clock.setWall(f.hq.clock.wallMs() + 60 * kMinute);
        auto future = a.records->update(contact->recordId,
                                        {{QStringLiteral("name"), QStringLiteral("future name")}});
        QVERIFY(future && *future);
        ops += HqFixture::take(a);

        auto result = f.fanout->acceptDeviceOps(idOf(1), ops, f.hq.clock.wallMs());
        QVERIFY2(result.has_value(), why(result).constData());
        QCOMPARE(result->accepted, 1);
        QCOMPARE(result->rejected, 5);
        QCOMPARE(result->reasons,
                 (QList<RejectReason>{RejectReason::HqOnlyType, RejectReason::NotOwner,
                                      RejectReason::OutOfScope, RejectReason::ScopeChanged,
                                      RejectReason::ClockAhead}));
        const QList<Outgoing> toA = to(result->messages, idOf(1));
        QCOMPARE(toA.size(), 5);
        for (const Outgoing &m : toA) {
            QCOMPARE(m.kind, streams::Kind::Reject);
            auto r = RejectPayload::fromCbor(m.payload);
            QVERIFY(r.has_value());
            if (r->op.recordId == secret->recordId) {
                // Never HQ's values of a record in a scope A does not hold.
                QVERIFY(!r->authoritative.has_value());
            } else {
                QVERIFY(r->authoritative.has_value());
                auto hqState = f.hq.records->record(r->op.recordId);
                QCOMPARE(*r->authoritative, **hqState);
            }
        }
        // HQ's state: the good edit only.
        auto hqContact = f.hq.records->record(contact->recordId);
        QCOMPARE((*hqContact)->fields.value(QStringLiteral("name")).value.toString(),
                 QStringLiteral("HQ name"));
        QCOMPARE((*hqContact)->fields.value(QStringLiteral("role")).value.toString(),
                 QStringLiteral("duty officer"));
        QVERIFY(a.dump({kVienna}) != f.hq.dump({kVienna})); // A diverged before the REJECTs

        QVERIFY(f.deliver(result->messages).has_value());
        QCOMPARE(a.dump({kVienna}), f.hq.dump({kVienna}));
        QCOMPARE(b.dump({kVienna}), f.hq.dump({kVienna}));
        QCOMPARE(c.dump({kPrague}), f.hq.dump({kPrague}));
        QCOMPARE(*a.records->outboxCount(), 0); // applying REJECTs queued nothing

        // Once its clock is right, A re-issues the edit and HQ accepts it.
        a.clock.setWall(f.hq.clock.wallMs());
        a.records->clock().setReference(f.hq.clock.wallMs());
        auto again = a.records->update(contact->recordId,
                                       {{QStringLiteral("name"), QStringLiteral("future name")}});
        QVERIFY(again && *again);
        auto retry = f.fanout->acceptDeviceOps(idOf(1), HqFixture::take(a), f.hq.clock.wallMs());
        QVERIFY(retry.has_value());
        QCOMPARE(retry->accepted, 1);
        QVERIFY(f.deliver(retry->messages).has_value());
        QCOMPARE(a.dump({kVienna}), f.hq.dump({kVienna}));
        QCOMPARE(b.dump({kVienna}), f.hq.dump({kVienna}));
    }

    void clockBoundIsTenMinutes()
    {
        const QString dir = freshDir();
        HqFixture f;
        QVERIFY(f.open(dir).has_value());
        ModelReplica a;
        QVERIFY(f.addDevice(a, dir, 1, {kVienna}).has_value());
        const qint64 now = f.hq.clock.wallMs();
        Operation op;
        op.recordId = newRecordId();
        op.type = RecordType::Contact;
        op.scope = kVienna;
        op.fields = {{QStringLiteral("name"), QStringLiteral("n")}};
        op.stamp = Hlc{quint64(now + 10 * kMinute), 0, idOf(1)};
        auto v = f.fanout->validator().check(idOf(1), op, now);
        QVERIFY(v && v->accepted);
        op.stamp.ms48 += 1;
        v = f.fanout->validator().check(idOf(1), op, now);
        QVERIFY(v && !v->accepted);
        QCOMPARE(v->reason, RejectReason::ClockAhead);
    }

    void authorMustBeSenderAndActive()
    {
        const QString dir = freshDir();
        HqFixture f;
        QVERIFY(f.open(dir).has_value());
        ModelReplica a, b;
        QVERIFY(f.addDevice(a, dir, 1, {kVienna}).has_value());
        QVERIFY(f.addDevice(b, dir, 2, {kVienna}).has_value());
        auto op = b.records->create(RecordType::Contact, kVienna,
                                    {{QStringLiteral("name"), QStringLiteral("n")}});
        QVERIFY(op.has_value());
        const qint64 now = f.hq.clock.wallMs();
        // B's operation relayed by A: the origin is not the sender.
        auto v = f.fanout->validator().check(idOf(1), *op, now);
        QVERIFY(v && !v->accepted);
        QCOMPARE(v->reason, RejectReason::OriginNotSender);
        // Unknown, wipe-only and revoked senders are quarantined.
        v = f.fanout->validator().check(idOf(9), *op, now);
        QCOMPARE(v->reason, RejectReason::DeviceNotActive);
        QVERIFY(f.registry->setState(idOf(2), streams::PeerState::WipeOnly).has_value());
        v = f.fanout->validator().check(idOf(2), *op, now);
        QCOMPARE(v->reason, RejectReason::DeviceNotActive);
        QVERIFY(f.registry->setState(idOf(2), streams::PeerState::Active).has_value());
        // Revocation dropped the memberships (issue 8 point 1): back in the scope, accepted.
        v = f.fanout->validator().check(idOf(2), *op, now);
        QCOMPARE(v->reason, RejectReason::OutOfScope);
        QVERIFY(f.registry->addMember(idOf(2), kVienna).has_value());
        v = f.fanout->validator().check(idOf(2), *op, now);
        QVERIFY(v->accepted);
    }

    void fanOutKeepsOriginAndStampAndExcludesAuthor()
    {
        const QString dir = freshDir();
        HqFixture f;
        QVERIFY(f.open(dir).has_value());
        ModelReplica a, b, c, d, e;
        QVERIFY(f.addDevice(a, dir, 1, {kVienna}).has_value());
        QVERIFY(f.addDevice(b, dir, 2, {kVienna, kPrague}).has_value());
        QVERIFY(f.addDevice(c, dir, 3, {kPrague}).has_value());
        QVERIFY(f.addDevice(d, dir, 4, {kVienna}).has_value());
        QVERIFY(f.addDevice(e, dir, 5, {kVienna}).has_value());
        QVERIFY(f.registry->setState(idOf(4), streams::PeerState::Revoked).has_value());
        QVERIFY(f.registry->setState(idOf(5), streams::PeerState::WipeOnly).has_value());

        QList<Operation> sent;
        for (int i = 0; i < 3; ++i) {
            auto op = a.records->create(RecordType::Contact, kVienna,
                                        {{QStringLiteral("name"), QStringLiteral("c%1").arg(i)}});
            QVERIFY(op.has_value());
            sent.append(*op);
        }
        auto report = a.records->create(RecordType::FieldReport, kVienna,
                                        {{QStringLiteral("text"), QStringLiteral("r")}});
        QVERIFY(report.has_value());
        sent.append(*report);
        auto r = f.fanout->acceptDeviceOps(idOf(1), HqFixture::take(a), f.hq.clock.wallMs());
        QVERIFY(r.has_value());
        QCOMPARE(r->accepted, 4);
        QVERIFY(to(r->messages, idOf(1)).isEmpty()); // not back to the author
        QVERIFY(to(r->messages, idOf(3)).isEmpty()); // not a member of vienna
        QVERIFY(to(r->messages, idOf(4)).isEmpty()); // revoked
        QVERIFY(to(r->messages, idOf(5)).isEmpty()); // wipe-only
        const QList<Operation> toB = deltaOps(to(r->messages, idOf(2)));
        QCOMPARE(toB.size(), 4);
        for (int i = 0; i < 4; ++i) {
            QCOMPARE(toB[i].encode(), sent[i].encode()); // byte-identical: origin, stamp kept
            QCOMPARE(toB[i].author(), idOf(1));
        }
        // HQ's own edits go to every active member, stamped by HQ.
        auto edit = f.hq.records->update(sent[0].recordId,
                                         {{QStringLiteral("name"), QStringLiteral("by HQ")}});
        QVERIFY(edit && *edit);
        auto pub = f.fanout->publishLocalEdits();
        QVERIFY(pub.has_value());
        QCOMPARE(deltaOps(to(pub->messages, idOf(1))).size(), 1);
        QCOMPARE(deltaOps(to(pub->messages, idOf(2))).size(), 1);
        QCOMPARE(deltaOps(to(pub->messages, idOf(1))).at(0).author(), idOf(0xf0));
        QCOMPARE(pub->messages.size(), 2);
        QCOMPARE(*f.hq.records->outboxCount(), 0);
        auto again = f.fanout->publishLocalEdits();
        QVERIFY(again && again->messages.isEmpty());
    }

    void largeDeltasAreSplit()
    {
        const QString dir = freshDir();
        HqFixture f;
        QVERIFY(f.open(dir).has_value());
        ModelReplica a, b;
        QVERIFY(f.addDevice(a, dir, 1, {kVienna}).has_value());
        QVERIFY(f.addDevice(b, dir, 2, {kVienna}).has_value());
        f.fanout->setMaxPayloadBytes(1024);
        for (int i = 0; i < 60; ++i) {
            QVERIFY(
                f.hq.records->create(RecordType::Contact, kVienna,
                                     {{QStringLiteral("name"), QStringLiteral("contact %1").arg(i)},
                                      {QStringLiteral("notes"), QString(40, QLatin1Char('n'))}}));
        }
        auto pub = f.fanout->publishLocalEdits();
        QVERIFY(pub.has_value());
        const QList<Outgoing> toA = to(pub->messages, idOf(1));
        QVERIFY(toA.size() > 3);
        for (const Outgoing &m : toA)
            QVERIFY(QCborValue(m.payload).toCbor().size() <= 1024 + 16);
        QCOMPARE(deltaOps(toA).size(), 60);
        QVERIFY(f.deliver(pub->messages).has_value());
        QCOMPARE(a.dump({kVienna}), f.hq.dump({kVienna}));
    }
};

LIAISON_TEST_MAIN(TestHqValidator)
#include "tst_hqvalidator.moc"
