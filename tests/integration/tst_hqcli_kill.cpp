// kill -9 of liaison-hq in the middle of its work (issue 10 test 7; the import and the publish
// hooks are in tst_hqcli_import and tst_hqcli_publish): a real SIGKILL at random moments of
// `sync` (while a device's many envelopes are applied and fanned out) and of `publish` (while
// many envelopes go to the relay), and at the hook between a revocation's local and relay
// halves. After each, nothing is half-applied and the next run completes.

#include "hqcliopskit.h"
#include "testmain.h"

#include <QRandomGenerator>

#include <csignal>

using namespace liaison;
using namespace liaison::hqclitest;

class TestHqCliKill : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void syncAndPublishKilledAtRandomMoments();
    void revokeKilledBetweenItsHalves();
};

namespace {

const QString kVienna = QStringLiteral("post:vienna");

// Starts liaison-hq and SIGKILLs it after `afterMs` (unless it finished before). True when it
// was killed.
bool killDuring(const Desk &d, const QStringList &command, int afterMs)
{
    QProcess p;
    p.setProgram(hqBinary());
    QStringList args = command;
    args << QStringLiteral("--store") << d.store() << QStringLiteral("--passphrase-file")
         << d.deskPass() << QStringLiteral("--json");
    p.setArguments(args);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("LIAISON_HQ_TEST_KDF"), QStringLiteral("1"));
    p.setProcessEnvironment(env);
    p.start();
    if (!p.waitForStarted())
        return false;
    if (p.waitForFinished(afterMs))
        return false;
    ::kill(pid_t(p.processId()), SIGKILL);
    p.waitForFinished(10000);
    return p.exitStatus() == QProcess::CrashExit;
}

QStringList names(model::RecordStore &records)
{
    QStringList out;
    auto all = records.records({kVienna});
    if (all)
        for (const model::RecordState &r : *all)
            if (!r.deleted && r.type == model::RecordType::Contact)
                out.append(r.fields.value(QStringLiteral("name")).value.toString());
    out.sort();
    return out;
}

} // namespace

void TestHqCliKill::syncAndPublishKilledAtRandomMoments()
{
    OpsDesk desk;
    QVERIFY(desk.start({kVienna}));
    e2e::TestClock clock;
    FieldDevice writer(desk, clock, QStringLiteral("writer"));
    FieldDevice reader(desk, clock, QStringLiteral("reader"));
    QVERIFY(writer.open() && reader.open());
    QVERIFY(writer.enrol({kVienna}));
    QVERIFY(reader.enrol({kVienna}));
    QCOMPARE(desk.hq({QStringLiteral("publish")}).code, 0);
    QVERIFY(writer.node.syncOnce() && reader.node.syncOnce());

    // The writer sends many small envelopes: one DELTA per sync round.
    QStringList written;
    for (int i = 0; i < 40; ++i) {
        model::FieldMap f;
        const QString name = QStringLiteral("Kontakt %1 Řehoř").arg(i, 2, 10, QLatin1Char('0'));
        f.insert(QStringLiteral("name"), name);
        QVERIFY(writer.node.records->create(model::RecordType::Contact, kVienna, f));
        written.append(name);
        QVERIFY(writer.node.syncOnce());
    }
    written.sort();
    // `sync` killed at random moments while it applies and fans them out.
    auto *rng = QRandomGenerator::global();
    int killed = 0;
    for (int i = 0; i < 4; ++i)
        killed += killDuring(desk.d, {QStringLiteral("sync")}, 300 + int(rng->bounded(1200))) ? 1 : 0;
    qInfo("sync killed %d time(s) of 4", killed);
    const Run s = desk.hq({QStringLiteral("sync")});
    QVERIFY2(s.code == 0, describe(s).constData());
    QCOMPARE(desk.hq({QStringLiteral("sync")}).code, 0);
    {
        OpenedDesk opened(desk.d);
        QVERIFY(opened.store);
        QCOMPARE(names(opened.store->records()), written);
        QCOMPARE(e2e::dump(*writer.node.records, {kVienna}),
                 e2e::dump(opened.store->records(), {kVienna}));
    }
    QVERIFY(reader.node.syncOnce());
    QCOMPARE(names(*reader.node.records), written);

    // HQ's own edits: many, published with SIGKILLs at random moments.
    for (int i = 0; i < 60; ++i)
        QCOMPARE(desk.hq({QStringLiteral("contact"), QStringLiteral("add"),
                          QStringLiteral("--scope"), kVienna, QStringLiteral("--name"),
                          QStringLiteral("HQ %1").arg(i, 2, 10, QLatin1Char('0'))})
                     .code,
                 0);
    killed = 0;
    for (int i = 0; i < 3; ++i)
        killed += killDuring(desk.d, {QStringLiteral("publish")}, 200 + int(rng->bounded(800)))
                      ? 1
                      : 0;
    qInfo("publish killed %d time(s) of 3", killed);
    const Run p = desk.hq({QStringLiteral("publish")});
    QVERIFY2(p.code == 0, describe(p).constData());
    QCOMPARE(p.json.value(QStringLiteral("pending")).toInt(), 0);
    QVERIFY(reader.node.syncOnce() && writer.node.syncOnce());
    {
        OpenedDesk opened(desk.d);
        QVERIFY(opened.store);
        const auto hq = e2e::dump(opened.store->records(), {kVienna});
        QCOMPARE(e2e::dump(*reader.node.records, {kVienna}), hq);
        QCOMPARE(e2e::dump(*writer.node.records, {kVienna}), hq);
    }
    QCOMPARE(names(*reader.node.records).size(), 100);
    // No stream was forked or faulted by the kills.
    const Run alarms = desk.hq({QStringLiteral("alarms")});
    QCOMPARE(alarms.json.value(QStringLiteral("open")).toInt(), 0);
    auto devAlarms = reader.node.receiver->alarms();
    QVERIFY(devAlarms && devAlarms->empty());
}

void TestHqCliKill::revokeKilledBetweenItsHalves()
{
    OpsDesk desk;
    QVERIFY(desk.start({kVienna}));
    e2e::TestClock clock;
    FieldDevice dev(desk, clock, QStringLiteral("dev"));
    QVERIFY(dev.open());
    QVERIFY(dev.enrol({kVienna}));
    QCOMPARE(desk.hq({QStringLiteral("publish")}).code, 0);
    QVERIFY(dev.node.syncOnce());
    // Killed after the local half committed, before the relay heard of it.
    const Run killed = desk.d.hqEnv({QStringLiteral("device"), QStringLiteral("revoke"), dev.id()},
                                    {{QStringLiteral("LIAISON_HQ_TEST_KILL"),
                                      QStringLiteral("revoke")}});
    QCOMPARE(killed.code, -2);
    QJsonObject listed = listedDevice(desk, dev.id());
    QCOMPARE(listed.value(QStringLiteral("state")).toString(), QStringLiteral("wipe-only"));
    QCOMPARE(listed.value(QStringLiteral("scopes")).toArray(), QJsonArray());
    QJsonObject w = listed.value(QStringLiteral("wipe")).toObject();
    QVERIFY(w.value(QStringLiteral("sentOnDown")).toBool());
    QVERIFY(!w.value(QStringLiteral("tokenPublished")).toBool());
    QCOMPARE(dev.checkToken().first, client::WipeCheck::Outcome::NoToken);
    // `sync` finishes it: the token at the relay, the WIPE pushed.
    const Run s = desk.hq({QStringLiteral("sync")});
    QVERIFY2(s.code == 0, describe(s).constData());
    QVERIFY2(s.json.value(QStringLiteral("problems")).toArray().isEmpty(), s.out.constData());
    auto [outcome, token] = dev.checkToken();
    QCOMPARE(outcome, client::WipeCheck::Outcome::Wipe);
    QCOMPARE(QString::fromLatin1(token->commandId.toHex()),
             w.value(QStringLiteral("commandId")).toString());
    QVERIFY(dev.node.syncOnce());
    QCOMPARE(dev.wipes.size(), 1);
    QCOMPARE(dev.wipes.first().commandId, token->commandId);
    w = listedDevice(desk, dev.id()).value(QStringLiteral("wipe")).toObject();
    QVERIFY(w.value(QStringLiteral("tokenPublished")).toBool());
}

LIAISON_TEST_MAIN(TestHqCliKill)
#include "tst_hqcli_kill.moc"
