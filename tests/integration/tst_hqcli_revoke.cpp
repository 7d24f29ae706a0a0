// liaison-hq device revoke (issue 10 test 3; DESIGN.md "Commands, remote wipe, revocation"): the
// real binary, a real liaison-relay on loopback, two devices of this process on the library's
// device side. After the revocation later publications exclude the device, its later envelopes
// are quarantined, and HQ seals nothing new for it but the WIPE.

#include "hqcliopskit.h"
#include "testmain.h"

using namespace liaison;
using namespace liaison::hqclitest;

class TestHqCliRevoke : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void revokedDeviceIsCutOff();
    void revokeUsageAndErrors();
};

namespace {

QStringList liveNames(model::RecordStore &records, const QString &scope)
{
    QStringList names;
    auto live = records.records({scope});
    if (live)
        for (const model::RecordState &r : *live)
            if (!r.deleted && r.type == model::RecordType::Contact)
                names.append(r.fields.value(QStringLiteral("name")).value.toString());
    names.sort();
    return names;
}

QStringList hqNames(const OpsDesk &desk, const QString &scope)
{
    QStringList names;
    const Run r = desk.hq({QStringLiteral("contact"), QStringLiteral("list"),
                           QStringLiteral("--scope"), scope});
    for (const QJsonValue &v : r.json.value(QStringLiteral("contacts")).toArray())
        names.append(v.toObject().value(QStringLiteral("name")).toString());
    names.sort();
    return names;
}

} // namespace

void TestHqCliRevoke::revokedDeviceIsCutOff()
{
    const QString vienna = QStringLiteral("post:vienna");
    OpsDesk desk;
    QVERIFY(desk.start({vienna}));
    QCOMPARE(desk.hq({QStringLiteral("contact"), QStringLiteral("add"), QStringLiteral("--scope"),
                      vienna, QStringLiteral("--name"), QStringLiteral("Jana Nováková")})
                 .code,
             0);
    e2e::TestClock clock;
    FieldDevice kept(desk, clock, QStringLiteral("kept"));
    FieldDevice lost(desk, clock, QStringLiteral("lost"));
    QVERIFY(kept.open() && lost.open());
    QVERIFY(kept.enrol({vienna}));
    QVERIFY(lost.enrol({vienna}));
    const Run p1 = desk.hq({QStringLiteral("publish")});
    QVERIFY2(p1.code == 0, describe(p1).constData());
    QVERIFY(kept.node.syncOnce());
    QVERIFY(lost.node.syncOnce());
    QCOMPARE(liveNames(*lost.node.records, vienna), QStringList{QStringLiteral("Jana Nováková")});
    QCOMPARE(desk.hq({QStringLiteral("sync")}).code, 0); // the RECEIPTs

    // ---- revoke ----
    const Run revoke = desk.hq({QStringLiteral("device"), QStringLiteral("revoke"), lost.id()});
    QVERIFY2(revoke.code == 0, describe(revoke).constData());
    QCOMPARE(revoke.json.value(QStringLiteral("state")).toString(), QStringLiteral("wipe-only"));
    QCOMPARE(revoke.json.value(QStringLiteral("previousState")).toString(),
             QStringLiteral("active"));
    QCOMPARE(revoke.json.value(QStringLiteral("droppedScopes")).toArray(), QJsonArray{vienna});
    const QJsonObject wipe = revoke.json.value(QStringLiteral("wipe")).toObject();
    QVERIFY(wipe.value(QStringLiteral("sentOnDown")).toBool());
    QVERIFY(wipe.value(QStringLiteral("tokenPublished")).toBool());
    const QString commandId = wipe.value(QStringLiteral("commandId")).toString();
    QCOMPARE(commandId.size(), 32);
    // The wipe token is at the relay for a locked app, under the same command id.
    {
        auto [outcome, token] = lost.checkToken();
        QCOMPARE(outcome, client::WipeCheck::Outcome::Wipe);
        QVERIFY(token);
        QCOMPARE(QString::fromLatin1(token->commandId.toHex()), commandId);
    }
    QJsonObject listed = listedDevice(desk, lost.id());
    QCOMPARE(listed.value(QStringLiteral("state")).toString(), QStringLiteral("wipe-only"));
    QCOMPARE(listed.value(QStringLiteral("scopes")).toArray(), QJsonArray());
    const int downAfterRevoke = listed.value(QStringLiteral("downSeq")).toInt();
    QCOMPARE(listed.value(QStringLiteral("downPending")).toInt(), 0); // the WIPE went out
    // Audited.
    QCOMPARE(desk.hq({QStringLiteral("audit"), QStringLiteral("--action"),
                      QStringLiteral("device.revoke")})
                 .json.value(QStringLiteral("entries"))
                 .toArray()
                 .size(),
             1);

    // ---- later publications exclude it ----
    QCOMPARE(desk.hq({QStringLiteral("contact"), QStringLiteral("add"), QStringLiteral("--scope"),
                      vienna, QStringLiteral("--name"), QStringLiteral("Petr Svoboda")})
                 .code,
             0);
    const Run p2 = desk.hq({QStringLiteral("publish")});
    QVERIFY2(p2.code == 0, describe(p2).constData());
    QCOMPARE(p2.json.value(QStringLiteral("queued")).toInt(), 1); // the kept device's DELTA only
    QVERIFY(kept.node.syncOnce());
    QCOMPARE(liveNames(*kept.node.records, vienna),
             (QStringList{QStringLiteral("Jana Nováková"), QStringLiteral("Petr Svoboda")}));
    // The revoked device reads its `down` once more: only the WIPE is there.
    QVERIFY(lost.node.syncOnce());
    QCOMPARE(lost.wipes.size(), 1);
    QCOMPARE(QString::fromLatin1(lost.wipes.first().commandId.toHex()), commandId);
    QCOMPARE(liveNames(*lost.node.records, vienna), QStringList{QStringLiteral("Jana Nováková")});

    // ---- its later envelopes are quarantined ----
    model::FieldMap f;
    f.insert(QStringLiteral("name"), QStringLiteral("Planted by the lost phone"));
    QVERIFY(lost.node.records->create(model::RecordType::Contact, vienna, f));
    QVERIFY(lost.node.syncOnce()); // the relay takes `up` from a wipe-only device
    const Run s = desk.hq({QStringLiteral("sync")});
    QVERIFY2(s.code == 0, describe(s).constData());
    QVERIFY(s.json.value(QStringLiteral("received")).toInt() >= 1);
    QVERIFY(s.json.value(QStringLiteral("alarms")).toInt() >= 1);
    QCOMPARE(hqNames(desk, vienna),
             (QStringList{QStringLiteral("Jana Nováková"), QStringLiteral("Petr Svoboda")}));
    const Run alarms = desk.hq({QStringLiteral("alarms"), QStringLiteral("--device"), lost.id()});
    QVERIFY2(alarms.code == 0, describe(alarms).constData());
    bool quarantined = false;
    for (const QJsonValue &v : alarms.json.value(QStringLiteral("alarms")).toArray())
        quarantined |= v.toObject().value(QStringLiteral("type")).toString() ==
                       QLatin1String("quarantined");
    QVERIFY2(quarantined, alarms.out.constData());
    // The kept device never sees it either.
    QVERIFY(kept.node.syncOnce());
    QCOMPARE(liveNames(*kept.node.records, vienna),
             (QStringList{QStringLiteral("Jana Nováková"), QStringLiteral("Petr Svoboda")}));

    // ---- HQ seals nothing new for it: not by publish, sync, release, or a wipe order ----
    QCOMPARE(desk.hq({QStringLiteral("contact"), QStringLiteral("add"), QStringLiteral("--scope"),
                      vienna, QStringLiteral("--name"), QStringLiteral("Eva Dvořáková")})
                 .code,
             0);
    QCOMPARE(desk.hq({QStringLiteral("publish")}).code, 0);
    QCOMPARE(desk.hq({QStringLiteral("sync")}).code, 0);
    const Run release = desk.hq({QStringLiteral("device"), QStringLiteral("release"), lost.id()});
    QCOMPARE(release.code, 1);
    QVERIFY(release.err.contains("not active"));
    const Run again = desk.hq({QStringLiteral("device"), QStringLiteral("revoke"), lost.id()});
    QVERIFY2(again.code == 0, describe(again).constData());
    // The same wipe is published again, nothing new is sealed.
    QCOMPARE(again.json.value(QStringLiteral("wipe"))
                 .toObject()
                 .value(QStringLiteral("commandId"))
                 .toString(),
             commandId);
    listed = listedDevice(desk, lost.id());
    QCOMPARE(listed.value(QStringLiteral("downSeq")).toInt(), downAfterRevoke);
    {
        OpenedDesk opened(desk.d);
        QVERIFY(opened.store);
        auto link = desk::DeskRelay::open(*opened.store);
        QVERIFY(link);
        // Every other path is refused by the outbox itself.
        auto resync = (*link)->receiver().sendResync(lost.node.id);
        QVERIFY(!resync);
        auto hb = (*link)->receiver().sendHeartbeat(lost.node.id);
        QVERIFY(!hb);
        auto head = (*link)->outbox().head(lost.node.id);
        QVERIFY(head);
        QCOMPARE(int(head->seq), downAfterRevoke);
    }
    QVERIFY(lost.node.syncOnce());
    QCOMPARE(liveNames(*lost.node.records, vienna),
             (QStringList{QStringLiteral("Jana Nováková"), QStringLiteral("Planted by the lost phone")}));
    QVERIFY(kept.node.syncOnce());
    QCOMPARE(liveNames(*kept.node.records, vienna).size(), 3);
}

void TestHqCliRevoke::revokeUsageAndErrors()
{
    Desk d;
    QVERIFY(d.setUp());
    QCOMPARE(d.hq({QStringLiteral("device"), QStringLiteral("revoke")}).code, 2);
    const Run help = runHq({QStringLiteral("device"), QStringLiteral("revoke"), QStringLiteral("--help")});
    QCOMPARE(help.code, 0);
    QVERIFY(help.out.contains("device revoke [options] ID"));
    const Run bad = d.hq({QStringLiteral("device"), QStringLiteral("revoke"), QStringLiteral("xyz!")});
    QCOMPARE(bad.code, 1);
    QVERIFY(bad.err.contains("is not a device id"));
    QCOMPARE(bad.json.value(QStringLiteral("ok")).toBool(true), false);
    const Run none = d.hq({QStringLiteral("device"), QStringLiteral("wipe"), QStringLiteral("abcd1234")});
    QCOMPARE(none.code, 1);
    QVERIFY(none.err.contains("no device abcd1234"));
    QCOMPARE(d.hq({QStringLiteral("device"), QStringLiteral("revoke"), QStringLiteral("abcd"),
                   QStringLiteral("--timeout"), QStringLiteral("0")})
                 .code,
             2);
}

LIAISON_TEST_MAIN(TestHqCliRevoke)
#include "tst_hqcli_revoke.moc"
