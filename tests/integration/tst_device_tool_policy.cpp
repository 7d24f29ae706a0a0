// `liaison-hq policy show` / `policy set` (issue 12; DESIGN.md "Unlock, lockout, auto-lock"): HQ's
// auto-lock ceiling and erase-after count, end to end with real processes: a desk made with
// liaison-hq, liaison-relay on loopback and devices enrolled with liaison-device.
//
// 1. The command line: --help, usage errors (no value, out of range, not a number, arguments)
//    that change nothing: no policy version, no audit entry.
// 2. An enrolled device gets the policy as a signed POLICY on its `down` stream (`policy set`,
//    `publish`, `liaison-device sync`): the vault keeps it (status --json "policy") and its key
//    file holds the erase-after count (status --json "erase_after"). A device enrolled after
//    `policy set` gets it in its first RESYNC. Setting the same values again sends nothing; a
//    later change (erase-after 0 = never, no auto-lock ceiling) reaches the device the same way.

#include "devicetoolkit.h"
#include "hqclikit.h"
#include "relaytestkit.h"
#include "testmain.h"

#include <QJsonArray>

using namespace liaison;
using namespace liaison::devicetest;
using namespace liaison::hqclitest;

namespace {

Run policySet(const Desk &d, QStringList args)
{
    return d.hq(QStringList{QStringLiteral("policy"), QStringLiteral("set")} + args);
}

Run policyShow(const Desk &d)
{
    return d.hq({QStringLiteral("policy"), QStringLiteral("show")});
}

int auditEntries(const Desk &d)
{
    return int(
        d.hq({QStringLiteral("audit"), QStringLiteral("--action"), QStringLiteral("policy.set")})
            .json.value(QStringLiteral("entries"))
            .toArray()
            .size());
}

// device add, liaison-device enrol, device confirm; the device's id (empty, with a warning, when
// it did not enrol).
QString enrol(const Desk &d, const DeviceDir &dev)
{
    const Run add = d.hq({QStringLiteral("device"), QStringLiteral("add"),
                          QStringLiteral("--scope"), QStringLiteral("post:vienna"),
                          QStringLiteral("--label"), QStringLiteral("Vienna officer")});
    if (add.code != 0) {
        qWarning() << describe(add);
        return {};
    }
    const QString id = add.json.value(QStringLiteral("id")).toString();
    Enrolment tool(dev, add.json.value(QStringLiteral("code")).toString().toLatin1(),
                   {QStringLiteral("--timeout"), QStringLiteral("60")});
    const QString number = tool.waitForSafetyNumber();
    if (number.isEmpty()) {
        qWarning() << describe(tool.finish(1000));
        return {};
    }
    const Run confirm = d.hq({QStringLiteral("device"), QStringLiteral("confirm"), id,
                              QStringLiteral("--number"), number});
    if (confirm.code != 0) {
        qWarning() << describe(confirm);
        return {};
    }
    const ToolRun done = tool.finish(60000);
    if (done.code != 0) {
        qWarning() << describe(done);
        return {};
    }
    return id;
}

// `liaison-device status --json` with the passphrase: HQ's policy as the vault keeps it, and the
// key file's erase-after count.
struct DevicePolicy
{
    bool ok = false;
    QJsonValue policy; // null: none received
    int eraseAfter = -1;
    QByteArray said;
};

DevicePolicy devicePolicy(const DeviceDir &dev)
{
    const ToolRun st = dev.run(QStringLiteral("status"), {QStringLiteral("--json")});
    DevicePolicy out;
    out.said = describe(st);
    out.ok = st.code == 0 && st.json.contains(QStringLiteral("erase_after"));
    out.policy = st.json.value(QStringLiteral("policy"));
    out.eraseAfter = st.json.value(QStringLiteral("erase_after")).toInt(-1);
    return out;
}

QJsonObject policyObject(qint64 version, qint64 autoLockMax, qint64 eraseAfter)
{
    return {{QStringLiteral("version"), version},
            {QStringLiteral("auto_lock_max_s"), autoLockMax},
            {QStringLiteral("erase_after"), eraseAfter}};
}

} // namespace

class TestDeviceToolPolicy : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY(m_desk.setUp()); }
    void helpAndUsageErrorsChangeNothing();
    void devicesApplyThePolicy();

private:
    Desk m_desk; // for the command line checks (no relay: nothing there talks to one)
};

void TestDeviceToolPolicy::helpAndUsageErrorsChangeNothing()
{
    const Run help =
        runHq({QStringLiteral("policy"), QStringLiteral("set"), QStringLiteral("--help")});
    QVERIFY2(help.code == 0, describe(help).constData());
    QVERIFY2(help.out.startsWith("Usage: liaison-hq policy set [options]"), help.out.data());
    QVERIFY(help.out.contains("--auto-lock-max"));
    QVERIFY(help.out.contains("--erase-after"));
    QVERIFY(help.out.contains("--json"));
    const Run showHelp =
        runHq({QStringLiteral("policy"), QStringLiteral("show"), QStringLiteral("--help")});
    QVERIFY2(showHelp.code == 0, describe(showHelp).constData());
    QVERIFY(showHelp.out.startsWith("Usage: liaison-hq policy show"));
    const Run list = runHq({QStringLiteral("--help")});
    QVERIFY(list.out.contains("policy set"));
    QVERIFY(list.out.contains("policy show"));

    const Desk &d = m_desk;
    const Run before = policyShow(d);
    QVERIFY2(before.code == 0, describe(before).constData());
    QCOMPARE(before.json.value(QStringLiteral("policyVersion")).toInt(-1), 0);
    QCOMPARE(before.json.value(QStringLiteral("sent")).toBool(true), false);
    QCOMPARE(before.json.value(QStringLiteral("autoLockMaxSeconds")).toInt(-1), 0);
    QCOMPARE(before.json.value(QStringLiteral("eraseAfter")).toInt(-1), 10);

    const QString lock = QStringLiteral("--auto-lock-max");
    const QString erase = QStringLiteral("--erase-after");
    const struct
    {
        QStringList args;
        const char *says;
    } bad[] = {
        {{}, "give --auto-lock-max SECONDS, --erase-after N or both"},
        {{lock, QStringLiteral("29")}, "30 to 86400 seconds (or 0: none), not 29"},
        {{lock, QStringLiteral("86401")}, "30 to 86400 seconds (or 0: none), not 86401"},
        {{lock, QStringLiteral("5m")}, "--auto-lock-max takes whole seconds"},
        {{lock, QStringLiteral("-60")}, "--auto-lock-max takes whole seconds"},
        {{lock, QStringLiteral("")}, "--auto-lock-max takes whole seconds"},
        {{erase, QStringLiteral("1")}, "3 to 50 failed unlocks (or 0: never), not 1"},
        {{erase, QStringLiteral("2")}, "3 to 50 failed unlocks (or 0: never), not 2"},
        {{erase, QStringLiteral("51")}, "3 to 50 failed unlocks (or 0: never), not 51"},
        {{erase, QStringLiteral("ten")}, "--erase-after takes a whole number"},
        {{erase, QStringLiteral("99999999999")}, "--erase-after takes a whole number"},
        {{lock, QStringLiteral("300"), erase, QStringLiteral("1")}, "not 1"},
        {{lock, QStringLiteral("300"), QStringLiteral("extra")}, "takes no arguments"},
    };
    for (const auto &b : bad) {
        const Run r = policySet(d, b.args);
        QVERIFY2(r.code == 2, describe(r).constData());
        QVERIFY2(r.err.contains(b.says), describe(r).constData());
    }
    const Run after = policyShow(d);
    QCOMPARE(after.json.value(QStringLiteral("policyVersion")).toInt(-1), 0);
    QCOMPARE(auditEntries(d), 0);

    // In range, without devices: a version, an audit entry, nothing queued; the bounds included.
    const Run low = policySet(d, {lock, QStringLiteral("30"), erase, QStringLiteral("3")});
    QVERIFY2(low.code == 0, describe(low).constData());
    QCOMPARE(low.json.value(QStringLiteral("policyVersion")).toInt(), 1);
    QCOMPARE(low.json.value(QStringLiteral("queued")).toArray(), QJsonArray());
    const Run high = policySet(d, {lock, QStringLiteral("86400"), erase, QStringLiteral("50")});
    QVERIFY2(high.code == 0, describe(high).constData());
    QCOMPARE(high.json.value(QStringLiteral("policyVersion")).toInt(), 2);
    QCOMPARE(high.json.value(QStringLiteral("previous"))
                 .toObject()
                 .value(QStringLiteral("eraseAfter"))
                 .toInt(),
             3);
    QCOMPARE(auditEntries(d), 2);
    // Human output of show.
    const Run human =
        runHq({QStringLiteral("policy"), QStringLiteral("show"), QStringLiteral("--store"),
               d.store(), QStringLiteral("--passphrase-file"), d.deskPass()});
    QVERIFY2(human.code == 0, describe(human).constData());
    QVERIFY2(human.out.contains("policy version 2"), human.out.constData());
    QVERIFY2(human.out.contains("auto-lock ceiling: 86400 s"), human.out.constData());
    QVERIFY2(human.out.contains("after 50 failed unlocks"), human.out.constData());
}

void TestDeviceToolPolicy::devicesApplyThePolicy()
{
    Desk d;
    QVERIFY(d.rootInit());
    relaytest::Deployment dep;
    dep.root.publicKey = *crypto::SignPublicKey::fromHex(d.rootPublicKey.toLatin1());
    dep.id = *crypto::Id16::fromHex(d.deployment.toLatin1());
    dep.cert.clear(); // the desk installs its own certificate
    relaytest::Backend backend;
    QString error;
    QVERIFY2(relaytest::makeBackend(QStringLiteral("sqlite"), d.dir, backend, &error),
             qPrintable(error));
    relaytest::RelayProcess relay;
    QVERIFY(relay.start(d.dir, backend, dep));
    QVERIFY(d.initStore(QStringLiteral("http://127.0.0.1:%1").arg(relay.port)));
    QCOMPARE(
        d.hq({QStringLiteral("scope"), QStringLiteral("add"), QStringLiteral("post:vienna")}).code,
        0);
    const Run pub0 = d.hq({QStringLiteral("publish")});
    QVERIFY2(pub0.code == 0, describe(pub0).constData());

    // ---- a device enrolled before any policy: none, the key file's default count ----
    DeviceDir early;
    const QString earlyId = enrol(d, early);
    QVERIFY(!earlyId.isEmpty());
    DevicePolicy p0 = devicePolicy(early);
    QVERIFY2(p0.ok, p0.said.constData());
    QVERIFY2(p0.policy.isNull(), p0.said.constData());
    QCOMPARE(p0.eraseAfter, 10);

    // ---- policy set: a POLICY queued for it, published, synced, applied ----
    const Run set = policySet(d, {QStringLiteral("--auto-lock-max"), QStringLiteral("300"),
                                  QStringLiteral("--erase-after"), QStringLiteral("5")});
    QVERIFY2(set.code == 0, describe(set).constData());
    QCOMPARE(set.json.value(QStringLiteral("policyVersion")).toInt(), 1);
    QCOMPARE(set.json.value(QStringLiteral("changed")).toBool(), true);
    QCOMPARE(set.json.value(QStringLiteral("queued")).toArray(), QJsonArray({earlyId}));
    const Run shown = policyShow(d);
    QCOMPARE(shown.json.value(QStringLiteral("policyVersion")).toInt(), 1);
    QCOMPARE(shown.json.value(QStringLiteral("autoLockMaxSeconds")).toInt(), 300);
    QCOMPARE(shown.json.value(QStringLiteral("eraseAfter")).toInt(), 5);
    const Run pub1 = d.hq({QStringLiteral("publish")});
    QVERIFY2(pub1.code == 0, describe(pub1).constData());
    QVERIFY(pub1.json.value(QStringLiteral("delivered")).toInt() >= 1);
    const ToolRun s1 = early.run(QStringLiteral("sync"), {QStringLiteral("--json")});
    QVERIFY2(s1.code == 0, describe(s1).constData());
    DevicePolicy p1 = devicePolicy(early);
    QVERIFY2(p1.ok, p1.said.constData());
    QCOMPARE(p1.policy.toObject(), policyObject(1, 300, 5));
    QCOMPARE(p1.eraseAfter, 5);

    // ---- the same values again: nothing sent, no new version ----
    const Run same = policySet(d, {QStringLiteral("--erase-after"), QStringLiteral("5")});
    QVERIFY2(same.code == 0, describe(same).constData());
    QCOMPARE(same.json.value(QStringLiteral("changed")).toBool(true), false);
    QCOMPARE(same.json.value(QStringLiteral("policyVersion")).toInt(), 1);
    QCOMPARE(same.json.value(QStringLiteral("queued")).toArray(), QJsonArray());
    QCOMPARE(auditEntries(d), 1);

    // ---- a device enrolled after it: its first RESYNC carries the policy ----
    DeviceDir late;
    QVERIFY(!enrol(d, late).isEmpty());
    DevicePolicy p2 = devicePolicy(late);
    QVERIFY2(p2.ok, p2.said.constData());
    QCOMPARE(p2.policy.toObject(), policyObject(1, 300, 5));
    QCOMPARE(p2.eraseAfter, 5);

    // ---- one value changed (the other kept): no ceiling, never erase ----
    const Run off = policySet(d, {QStringLiteral("--auto-lock-max"), QStringLiteral("0"),
                                  QStringLiteral("--erase-after"), QStringLiteral("0")});
    QVERIFY2(off.code == 0, describe(off).constData());
    QCOMPARE(off.json.value(QStringLiteral("policyVersion")).toInt(), 2);
    QCOMPARE(off.json.value(QStringLiteral("queued")).toArray().size(), 2);
    const Run longer = policySet(d, {QStringLiteral("--auto-lock-max"), QStringLiteral("900")});
    QVERIFY2(longer.code == 0, describe(longer).constData());
    QCOMPARE(longer.json.value(QStringLiteral("policyVersion")).toInt(), 3);
    QCOMPARE(longer.json.value(QStringLiteral("eraseAfter")).toInt(-1), 0);
    QCOMPARE(d.hq({QStringLiteral("publish")}).code, 0);
    for (const DeviceDir *dev : {&early, &late}) {
        const ToolRun s = dev->run(QStringLiteral("sync"), {QStringLiteral("--json")});
        QVERIFY2(s.code == 0, describe(s).constData());
        DevicePolicy p = devicePolicy(*dev);
        QVERIFY2(p.ok, p.said.constData());
        QCOMPARE(p.policy.toObject(), policyObject(3, 900, 0));
        QCOMPARE(p.eraseAfter, 0);
    }
    QCOMPARE(auditEntries(d), 3);
}

LIAISON_TEST_MAIN(TestDeviceToolPolicy)
#include "tst_device_tool_policy.moc"
