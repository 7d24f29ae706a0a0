// Scope membership at HQ: SCOPE_JOIN with the snapshot in bounded parts, SCOPE_LEAVE purging at
// once, pending devices getting their scopes with RESYNC, and no fan-out after removal.

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

template <typename R> QByteArray why(const R &r)
{
    return r ? QByteArray() : r.error().message.toUtf8();
}
} // namespace

class TestScopes : public QObject
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

    void scopeJoinInBoundedParts()
    {
        const QString dir = freshDir();
        HqFixture f;
        QVERIFY(f.open(dir).has_value());
        for (int i = 0; i < 120; ++i) {
            QVERIFY(
                f.hq.records->create(RecordType::Contact, i % 3 ? kVienna : kPrague,
                                     {{QStringLiteral("name"), QStringLiteral("Contact %1").arg(i)},
                                      {QStringLiteral("notes"), QString(100, QLatin1Char('x'))}}));
        }
        // A deleted record travels as its tombstone.
        auto gone = f.hq.records->create(RecordType::Contact, kVienna,
                                         {{QStringLiteral("name"), QStringLiteral("gone")}});
        QVERIFY(gone && f.hq.records->remove(gone->recordId));
        QVERIFY(f.fanout->publishLocalEdits().has_value()); // no members yet: nothing to send

        ModelReplica a;
        QVERIFY(f.addDevice(a, dir, 1, {}).has_value());
        f.fanout->setMaxPayloadBytes(2048);
        auto join = f.fanout->addMember(idOf(1), kVienna);
        QVERIFY2(join.has_value(), why(join).constData());
        QVERIFY(join->size() > 3);
        int total = 0;
        for (qsizetype i = 0; i < join->size(); ++i) {
            const Outgoing &m = join->at(i);
            QCOMPARE(m.device, idOf(1));
            QCOMPARE(m.kind, streams::Kind::ScopeJoin);
            QVERIFY(QCborValue(m.payload).toCbor().size() <= 2048 + 64);
            auto p = ScopeJoinPayload::fromCbor(m.payload);
            QVERIFY(p.has_value());
            QCOMPARE(p->scope, kVienna);
            QCOMPARE(p->part, int(i + 1));
            QCOMPARE(p->parts, int(join->size()));
            total += int(p->ops.size());
        }
        QCOMPARE(total, 81); // 80 contacts + 1 tombstone
        QVERIFY(f.deliver(*join).has_value());
        QCOMPARE(a.records->scopes(), QStringList{kVienna});
        QCOMPARE(a.dump({kVienna, kPrague}), f.hq.dump({kVienna}));
        // Joining again sends the join again (a retry after a crash, issue 8 point 7) and
        // changes nothing on the device.
        auto twice = f.fanout->addMember(idOf(1), kVienna);
        QVERIFY(twice && twice->size() == join->size());
        QVERIFY(f.deliver(*twice).has_value());
        QCOMPARE(a.dump({kVienna, kPrague}), f.hq.dump({kVienna}));

        // An empty scope: one part with no operations, and the device holds the scope.
        auto empty = f.fanout->addMember(idOf(1), QStringLiteral("visit:2026-12-brussels"));
        QVERIFY(empty.has_value());
        QCOMPARE(empty->size(), 1);
        QVERIFY(f.deliver(*empty).has_value());
        QVERIFY(a.records->holdsScope(QStringLiteral("visit:2026-12-brussels")));
    }

    void scopeLeavePurgesAndStopsFanOut()
    {
        const QString dir = freshDir();
        HqFixture f;
        QVERIFY(f.open(dir).has_value());
        ModelReplica a, b;
        QVERIFY(f.addDevice(a, dir, 1, {kVienna, kPrague}).has_value());
        QVERIFY(f.addDevice(b, dir, 2, {kVienna}).has_value());
        for (int i = 0; i < 10; ++i) {
            QVERIFY(f.hq.records->create(RecordType::Contact, i % 2 ? kVienna : kPrague,
                                         {{QStringLiteral("name"), QStringLiteral("c%1").arg(i)}}));
        }
        QVERIFY(f.publish().has_value());
        auto mine = a.records->create(RecordType::Contact, kVienna,
                                      {{QStringLiteral("name"), QStringLiteral("pending")}});
        QVERIFY(mine.has_value());
        QCOMPARE(*a.records->recordCount(), 11);

        auto leave = f.fanout->removeMember(idOf(1), kVienna);
        QVERIFY(leave.has_value());
        QCOMPARE(leave->size(), 1);
        QCOMPARE(leave->at(0).kind, streams::Kind::ScopeLeave);
        QVERIFY(f.deliver(*leave).has_value());
        QCOMPARE(a.records->scopes(), QStringList{kPrague});
        QCOMPARE(a.dump({kVienna}), QByteArray()); // purged at once
        QCOMPARE(a.dump({kPrague}), f.hq.dump({kPrague}));
        QCOMPARE(*a.records->outboxCount(), 0); // the pending vienna edit went too
        auto search = a.records->searchContacts(QStringLiteral("c1"));
        QVERIFY(search && search->isEmpty());

        // Later vienna edits reach B only.
        QVERIFY(f.hq.records->create(RecordType::Contact, kVienna,
                                     {{QStringLiteral("name"), QStringLiteral("later")}}));
        auto pub = f.fanout->publishLocalEdits();
        QVERIFY(pub.has_value());
        QCOMPARE(pub->messages.size(), 1);
        QCOMPARE(pub->messages.at(0).device, idOf(2));
        // A device op for the scope it left is refused.
        a.records->clock().setReference(f.hq.clock.wallMs());
        Operation stale = *mine;
        auto r = f.fanout->acceptDeviceOps(idOf(1), QList<Operation>{stale}, f.hq.clock.wallMs());
        QVERIFY(r.has_value());
        QCOMPARE(r->reasons, QList<RejectReason>{RejectReason::OutOfScope});
        // Removing twice sends the leave again (retryable, issue 8 point 7).
        auto twice = f.fanout->removeMember(idOf(1), kVienna);
        QVERIFY(twice && twice->size() == 1 && twice->front().kind == streams::Kind::ScopeLeave);
    }

    void pendingDeviceGetsScopesWithResync()
    {
        const QString dir = freshDir();
        HqFixture f;
        QVERIFY(f.open(dir).has_value());
        for (int i = 0; i < 6; ++i) {
            QVERIFY(f.hq.records->create(RecordType::Contact, i % 2 ? kVienna : kPrague,
                                         {{QStringLiteral("name"), QStringLiteral("c%1").arg(i)}}));
        }
        hq::DeviceRecord rec;
        rec.id = idOf(7);
        rec.state = streams::PeerState::Pending;
        QVERIFY(f.registry->addDevice(rec).has_value());
        auto join = f.fanout->addMember(idOf(7), kVienna);
        QVERIFY(join && join->isEmpty()); // nothing before confirmation
        auto content = f.fanout->resyncContent(idOf(7));
        QVERIFY(content.has_value());
        const QStringList scopes = content->scopes;
        QCOMPARE(scopes, QStringList{kVienna});
        auto snapshot = operationsFromCbor(content->ops);
        QVERIFY(snapshot.has_value());
        QCOMPARE(snapshot->size(), 3);

        ModelReplica dev;
        QVERIFY(dev.open(dir, QStringLiteral("pending"), idOf(7), ReplicaRole::Device));
        QVERIFY(dev.records->resetToSnapshot(scopes, *snapshot).has_value());
        QCOMPARE(dev.dump({kVienna, kPrague}), f.hq.dump({kVienna}));
    }
};

LIAISON_TEST_MAIN(TestScopes)
#include "tst_scopes.moc"
