// liaison-hq device wipe (issue 10 test 4; DESIGN.md "Commands, remote wipe, revocation"): both
// paths of one wipe order, with the real binary and a real liaison-relay on loopback.
//  - locked: the app checks the token at the relay from its wipe file alone and acknowledges
//    with its wipe-ack key;
//  - unlocked: the WIPE arrives on `down`, the app acknowledges with its device key.
// `device list` shows a device as wiped only once `sync` read a verified LWA2 acknowledgement;
// then the device is revoked.

#include "hqcliopskit.h"
#include "testmain.h"

using namespace liaison;
using namespace liaison::hqclitest;

class TestHqCliWipe : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void lockedAndUnlockedDevicesAreWiped();
};

namespace {

QJsonObject wipeOf(const OpsDesk &desk, const FieldDevice &dev)
{
    return listedDevice(desk, dev.id()).value(QStringLiteral("wipe")).toObject();
}

} // namespace

void TestHqCliWipe::lockedAndUnlockedDevicesAreWiped()
{
    const QString vienna = QStringLiteral("post:vienna");
    OpsDesk desk;
    QVERIFY(desk.start({vienna}));
    e2e::TestClock clock;
    FieldDevice locked(desk, clock, QStringLiteral("locked"));
    FieldDevice unlocked(desk, clock, QStringLiteral("unlocked"));
    QVERIFY(locked.open() && unlocked.open());
    QVERIFY(locked.enrol({vienna}));
    QVERIFY(unlocked.enrol({vienna}));
    QCOMPARE(desk.hq({QStringLiteral("publish")}).code, 0);
    QVERIFY(locked.node.syncOnce());
    QVERIFY(unlocked.node.syncOnce());
    // Nothing ordered: no token, nothing in the list.
    QCOMPARE(locked.checkToken().first, client::WipeCheck::Outcome::NoToken);
    QVERIFY(listedDevice(desk, locked.id()).value(QStringLiteral("wipe")).isNull());

    // ---- locked path: the token at the relay ----
    const Run w1 = desk.hq({QStringLiteral("device"), QStringLiteral("wipe"), locked.id()});
    QVERIFY2(w1.code == 0, describe(w1).constData());
    QCOMPARE(w1.json.value(QStringLiteral("state")).toString(), QStringLiteral("active"));
    const QJsonObject o1 = w1.json.value(QStringLiteral("wipe")).toObject();
    QVERIFY(o1.value(QStringLiteral("tokenPublished")).toBool());
    QVERIFY(o1.value(QStringLiteral("sentOnDown")).toBool());
    QVERIFY(!o1.value(QStringLiteral("acknowledged")).toBool());
    const QString command1 = o1.value(QStringLiteral("commandId")).toString();
    auto [outcome, token] = locked.checkToken(); // the app starts, locked
    QCOMPARE(outcome, client::WipeCheck::Outcome::Wipe);
    QCOMPARE(QString::fromLatin1(token->commandId.toHex()), command1);
    // Before the acknowledgement: ordered, not wiped.
    QCOMPARE(desk.hq({QStringLiteral("sync")}).json.value(QStringLiteral("wipesAcknowledged")).toInt(),
             0);
    QCOMPARE(wipeOf(desk, locked).value(QStringLiteral("acknowledged")).toBool(true), false);
    // An acknowledgement signed by a key the device never registered: the relay refuses it.
    {
        FieldDevice impostor(desk, clock, QStringLiteral("impostor"));
        impostor.node.id = locked.node.id;
        impostor.wipeId = locked.wipeId;
        QVERIFY(!impostor.postAcknowledgement(token->commandId, false));
    }
    QCOMPARE(desk.hq({QStringLiteral("sync")}).json.value(QStringLiteral("wipesAcknowledged")).toInt(),
             0);
    // The app wipes and posts its acknowledgement, signed by the wipe-ack key (it is locked).
    QVERIFY(locked.postAcknowledgement(token->commandId, false));
    const Run s1 = desk.hq({QStringLiteral("sync")});
    QVERIFY2(s1.code == 0, describe(s1).constData());
    QCOMPARE(s1.json.value(QStringLiteral("wipesAcknowledged")).toInt(), 1);
    QJsonObject listed = listedDevice(desk, locked.id());
    QCOMPARE(listed.value(QStringLiteral("state")).toString(), QStringLiteral("revoked"));
    QJsonObject w = listed.value(QStringLiteral("wipe")).toObject();
    QVERIFY(w.value(QStringLiteral("acknowledged")).toBool());
    QCOMPARE(w.value(QStringLiteral("commandId")).toString(), command1);
    QCOMPARE(w.value(QStringLiteral("signedBy")).toString(), QStringLiteral("wipe-ack key"));
    // The human table says it too.
    const Run table = runHq({QStringLiteral("device"), QStringLiteral("list"),
                             QStringLiteral("--store"), desk.d.store(),
                             QStringLiteral("--passphrase-file"), desk.d.deskPass()});
    QCOMPARE(table.code, 0);
    QVERIFY2(table.out.contains("wiped "), table.out.constData());
    // A second sync does not count it again.
    QCOMPARE(desk.hq({QStringLiteral("sync")}).json.value(QStringLiteral("wipesAcknowledged")).toInt(),
             0);
    // A wiped device is not wiped again.
    QCOMPARE(desk.hq({QStringLiteral("device"), QStringLiteral("wipe"), locked.id()}).code, 1);

    // ---- unlocked path: the WIPE on `down` ----
    const Run w2 = desk.hq({QStringLiteral("device"), QStringLiteral("wipe"), unlocked.id()});
    QVERIFY2(w2.code == 0, describe(w2).constData());
    const QString command2 = w2.json.value(QStringLiteral("wipe"))
                                 .toObject()
                                 .value(QStringLiteral("commandId"))
                                 .toString();
    QVERIFY(command2 != command1);
    QVERIFY(unlocked.wipes.isEmpty());
    QVERIFY(unlocked.node.syncOnce()); // the app is open and syncing
    QCOMPARE(unlocked.wipes.size(), 1);
    const protocol::CommandPayload &cmd = unlocked.wipes.first();
    QCOMPARE(cmd.type, protocol::CommandPayload::Type::Wipe);
    QCOMPARE(cmd.target, unlocked.node.id);
    QCOMPARE(QString::fromLatin1(cmd.commandId.toHex()), command2);
    QCOMPARE(cmd.targetSignKeyHash, crypto::crypto_generichash(unlocked.node.keys.publicKey.view()));
    QVERIFY(cmd.notAfterMs > cmd.issuedAtMs);
    // Acknowledged with the device key (the app is unlocked).
    QVERIFY(unlocked.postAcknowledgement(cmd.commandId, true));
    const Run s2 = desk.hq({QStringLiteral("sync")});
    QVERIFY2(s2.code == 0, describe(s2).constData());
    QCOMPARE(s2.json.value(QStringLiteral("wipesAcknowledged")).toInt(), 1);
    listed = listedDevice(desk, unlocked.id());
    QCOMPARE(listed.value(QStringLiteral("state")).toString(), QStringLiteral("revoked"));
    w = listed.value(QStringLiteral("wipe")).toObject();
    QVERIFY(w.value(QStringLiteral("acknowledged")).toBool());
    QCOMPARE(w.value(QStringLiteral("commandId")).toString(), command2);
    QCOMPARE(w.value(QStringLiteral("signedBy")).toString(), QStringLiteral("device key"));
    // Every step is in the audit.
    const Run audit = desk.hq({QStringLiteral("audit"), QStringLiteral("--action"),
                               QStringLiteral("device")});
    QStringList actions;
    for (const QJsonValue &v : audit.json.value(QStringLiteral("entries")).toArray())
        actions.append(v.toObject().value(QStringLiteral("action")).toString());
    QCOMPARE(actions.count(QStringLiteral("device.wipe")), 2);
    QCOMPARE(actions.count(QStringLiteral("device.wiped")), 2);
    QCOMPARE(actions.count(QStringLiteral("device.revoked")), 2);
}

LIAISON_TEST_MAIN(TestHqCliWipe)
#include "tst_hqcli_wipe.moc"
