// liaison-hq's everyday reading of the field (issue 10): `acks` (test 6: exactly the active
// devices that have not acknowledged the current version), `reports`, `checkins` (overdue ones
// marked), `review list|accept|refuse|dismiss` (held deletions; the REJECTs HQ sent), `sync
// --follow` (stops cleanly on SIGTERM). The real binary, a real liaison-relay on loopback, devices
// of this process.

#include "hqcliopskit.h"
#include "testmain.h"

#include "desk/deskinbox.h"
#include "model/instructionhash.h"

#include <QCborArray>
#include <QDateTime>

#include <csignal>

using namespace liaison;
using namespace liaison::hqclitest;

class TestHqCliOps : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void acksListExactlyTheMissingDevices();
    void reportsCheckInsAndReview();
    void syncFollowStopsOnSignal();
};

namespace {

const QString kVienna = QStringLiteral("post:vienna");
const QString kBerlin = QStringLiteral("post:berlin");

QStringList ids(const QJsonArray &a)
{
    QStringList out;
    for (const QJsonValue &v : a)
        out.append(v.toObject().value(QStringLiteral("id")).toString());
    out.sort();
    return out;
}

// The device acknowledges the instruction as the app does: its id, the version and content hash
// of the copy the device holds.
bool acknowledge(FieldDevice &dev, const model::RecordId &instruction, qint64 versionOverride = 0,
                 bool wrongHash = false)
{
    auto r = dev.node.records->record(instruction);
    if (!r || !*r)
        return false;
    const qint64 version = versionOverride
                               ? versionOverride
                               : (*r)->fields.value(QStringLiteral("version")).value.toInteger();
    crypto::Hash32 hash = model::instructionContentHash(**r);
    if (wrongHash)
        hash = crypto::crypto_generichash(QByteArrayView("not the content"));
    model::FieldMap f;
    f.insert(QStringLiteral("instruction"), QCborValue(instruction.toByteArray()));
    f.insert(QStringLiteral("version"), QCborValue(version));
    f.insert(QStringLiteral("contentHash"), QCborValue(hash.toByteArray()));
    f.insert(QStringLiteral("time"), QCborValue(dev.node.clock.wallMs()));
    return bool(dev.node.records->create(model::RecordType::Acknowledgement, kVienna, f)) &&
           dev.node.syncOnce();
}

} // namespace

void TestHqCliOps::acksListExactlyTheMissingDevices()
{
    OpsDesk desk;
    QVERIFY(desk.start({kVienna, kBerlin}));
    e2e::TestClock clock;
    FieldDevice a(desk, clock, QStringLiteral("a")), b(desk, clock, QStringLiteral("b")),
        c(desk, clock, QStringLiteral("c")), berlin(desk, clock, QStringLiteral("berlin")),
        gone(desk, clock, QStringLiteral("gone"));
    for (FieldDevice *d : {&a, &b, &c, &berlin, &gone})
        QVERIFY(d->open());
    for (FieldDevice *d : {&a, &b, &c, &gone})
        QVERIFY(d->enrol({kVienna}));
    QVERIFY(berlin.enrol({kBerlin}));
    QVERIFY(desk.d.writeFile(QStringLiteral("order.md"),
                             "# Border crossing procedure\n\nCarry the letter at all times.\n"));
    const Run issued =
        desk.hq({QStringLiteral("instruction"), QStringLiteral("issue"), QStringLiteral("--scope"),
                 kVienna, QStringLiteral("--body"), desk.d.path(QStringLiteral("order.md")),
                 QStringLiteral("--requires-ack")});
    QVERIFY2(issued.code == 0, describe(issued).constData());
    const QString instructionId = issued.json.value(QStringLiteral("id")).toString();
    auto rid = model::RecordId::fromHex(QString(instructionId).remove(QLatin1Char('-')).toLatin1());
    QVERIFY(rid);
    QCOMPARE(desk.hq({QStringLiteral("publish")}).code, 0);
    for (FieldDevice *d : {&a, &b, &c, &berlin, &gone})
        QVERIFY(d->node.syncOnce());
    QCOMPARE(desk.hq({QStringLiteral("device"), QStringLiteral("revoke"), gone.id()}).code, 0);

    // Nobody has acknowledged: every active Vienna device is missing, nobody else is listed.
    Run acks =
        desk.hq({QStringLiteral("acks"), QStringLiteral("--instruction"), instructionId.left(8)});
    QVERIFY2(acks.code == 0, describe(acks).constData());
    QCOMPARE(acks.json.value(QStringLiteral("version")).toInt(), 1);
    QCOMPARE(ids(acks.json.value(QStringLiteral("missing")).toArray()), ([&] {
                 QStringList l{a.id(), b.id(), c.id()};
                 l.sort();
                 return l;
             }()));
    QCOMPARE(ids(acks.json.value(QStringLiteral("acknowledged")).toArray()), QStringList());

    // a and b acknowledge version 1; c acknowledges with a hash of other content (not counted).
    QVERIFY(acknowledge(a, *rid));
    QVERIFY(acknowledge(b, *rid));
    QVERIFY(acknowledge(c, *rid, 0, true));
    const Run s1 = desk.hq({QStringLiteral("sync")});
    QVERIFY2(s1.code == 0, describe(s1).constData());
    QCOMPARE(s1.json.value(QStringLiteral("acknowledgements")).toInt(), 3);
    acks = desk.hq({QStringLiteral("acks"), QStringLiteral("--instruction"), instructionId});
    QCOMPARE(ids(acks.json.value(QStringLiteral("missing")).toArray()), QStringList{c.id()});

    // Re-issued: version 2. Only a, who acknowledges again, is done; b acked version 1 only.
    QVERIFY(desk.d.writeFile(QStringLiteral("order2.md"),
                             "# Border crossing procedure\n\nCarry the letter and the badge.\n"));
    QCOMPARE(
        desk.hq({QStringLiteral("instruction"), QStringLiteral("issue"), QStringLiteral("--update"),
                 instructionId, QStringLiteral("--body"), desk.d.path(QStringLiteral("order2.md"))})
            .code,
        0);
    QCOMPARE(desk.hq({QStringLiteral("publish")}).code, 0);
    for (FieldDevice *d : {&a, &b, &c})
        QVERIFY(d->node.syncOnce());
    QVERIFY(acknowledge(a, *rid));
    QCOMPARE(desk.hq({QStringLiteral("sync")}).code, 0);
    acks = desk.hq({QStringLiteral("acks"), QStringLiteral("--instruction"), instructionId});
    QVERIFY2(acks.code == 0, describe(acks).constData());
    QCOMPARE(acks.json.value(QStringLiteral("version")).toInt(), 2);
    QCOMPARE(ids(acks.json.value(QStringLiteral("acknowledged")).toArray()), QStringList{a.id()});
    QStringList missing{b.id(), c.id()};
    missing.sort();
    QCOMPARE(ids(acks.json.value(QStringLiteral("missing")).toArray()), missing);
    for (const QJsonValue &v : acks.json.value(QStringLiteral("missing")).toArray())
        if (v.toObject().value(QStringLiteral("id")).toString() == b.id())
            QCOMPARE(v.toObject().value(QStringLiteral("acknowledgedVersion")).toInt(), 1);
    // The human form names them too; --missing leaves the done ones out.
    const Run human = runHq({QStringLiteral("acks"), QStringLiteral("--instruction"), instructionId,
                             QStringLiteral("--missing"), QStringLiteral("--store"), desk.d.store(),
                             QStringLiteral("--passphrase-file"), desk.d.deskPass()});
    QCOMPARE(human.code, 0);
    QVERIFY(human.out.contains("1 of 3 active device(s) acknowledged"));
    QVERIFY(human.out.contains(b.id().left(8).toLatin1()));
    QVERIFY(!human.out.contains(a.id().left(8).toLatin1()));
    // Errors.
    QCOMPARE(desk.hq({QStringLiteral("acks")}).code, 2);
    QCOMPARE(desk.hq({QStringLiteral("acks"), QStringLiteral("--instruction"),
                      QStringLiteral("ffffffff")})
                 .code,
             1);
}

void TestHqCliOps::reportsCheckInsAndReview()
{
    OpsDesk desk;
    QVERIFY(desk.start({kVienna, kBerlin}));
    // A contact of HQ's, and two visits (one done, one overdue) and one tomorrow.
    QCOMPARE(desk.hq({QStringLiteral("contact"), QStringLiteral("add"), QStringLiteral("--scope"),
                      kVienna, QStringLiteral("--name"), QStringLiteral("Jana Nováková")})
                 .code,
             0);
    QCOMPARE(desk.hq({QStringLiteral("contact"), QStringLiteral("add"), QStringLiteral("--scope"),
                      kVienna, QStringLiteral("--name"), QStringLiteral("Petr Svoboda")})
                 .code,
             0);
    model::RecordId visitDone, visitMissed;
    {
        OpenedDesk opened(desk.d);
        QVERIFY(opened.store);
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        auto item = [&](const QString &title, qint64 start) {
            model::FieldMap f;
            f.insert(QStringLiteral("title"), title);
            f.insert(QStringLiteral("start"), start);
            f.insert(QStringLiteral("end"), start + 3600000);
            f.insert(QStringLiteral("timeZone"), QStringLiteral("Europe/Vienna"));
            f.insert(QStringLiteral("status"), QStringLiteral("confirmed"));
            auto op = opened.store->records().create(model::RecordType::ScheduleItem, kVienna, f);
            return op ? op->recordId : model::RecordId{};
        };
        visitDone = item(QStringLiteral("Ministry visit"), now - 3 * 3600000);
        visitMissed = item(QStringLiteral("Embassy meeting"), now - 2 * 3600000);
        item(QStringLiteral("Tomorrow's visit"), now + 24 * 3600000);
    }
    e2e::TestClock clock;
    FieldDevice a(desk, clock, QStringLiteral("a")), b(desk, clock, QStringLiteral("b"));
    QVERIFY(a.open() && b.open());
    QVERIFY(a.enrol({kVienna}));
    QVERIFY(b.enrol({kVienna}));
    QCOMPARE(desk.hq({QStringLiteral("publish")}).code, 0);
    QVERIFY(a.node.syncOnce() && b.node.syncOnce());

    // ---- a report and a check-in from a ----
    model::FieldMap report;
    report.insert(QStringLiteral("text"),
                  QStringLiteral("Meeting moved to Thursday.\nThe liaison sends regards."));
    report.insert(QStringLiteral("time"), clock.wallMs());
    report.insert(QStringLiteral("position"), QCborArray{482081700, 163738900});
    QVERIFY(a.node.records->create(model::RecordType::FieldReport, kVienna, report));
    model::FieldMap checkIn;
    checkIn.insert(QStringLiteral("scheduleItem"), QCborValue(visitDone.toByteArray()));
    checkIn.insert(QStringLiteral("time"), clock.wallMs());
    QVERIFY(a.node.records->create(model::RecordType::CheckIn, kVienna, checkIn));
    QVERIFY(a.node.syncOnce());
    const Run s = desk.hq({QStringLiteral("sync")});
    QVERIFY2(s.code == 0, describe(s).constData());
    QCOMPARE(s.json.value(QStringLiteral("reports")).toInt(), 1);
    QCOMPARE(s.json.value(QStringLiteral("checkIns")).toInt(), 1);

    const Run reports = desk.hq({QStringLiteral("reports")});
    QVERIFY2(reports.code == 0, describe(reports).constData());
    const QJsonArray list = reports.json.value(QStringLiteral("reports")).toArray();
    QCOMPARE(list.size(), 1);
    const QJsonObject r0 = list[0].toObject();
    QCOMPARE(r0.value(QStringLiteral("author")).toString(), a.id());
    QVERIFY(r0.value(QStringLiteral("text")).toString().startsWith(QLatin1String("Meeting moved")));
    const Run show = desk.hq({QStringLiteral("reports"), QStringLiteral("show"),
                              r0.value(QStringLiteral("id")).toString().left(8)});
    QVERIFY2(show.code == 0, describe(show).constData());
    QCOMPARE(show.json.value(QStringLiteral("position")).toString(),
             QStringLiteral("48.2081700,16.3738900"));
    QCOMPARE(desk.hq({QStringLiteral("reports"), QStringLiteral("--scope"), kBerlin})
                 .json.value(QStringLiteral("reports"))
                 .toArray()
                 .size(),
             0);
    QCOMPARE(desk.hq({QStringLiteral("reports"), QStringLiteral("--since"),
                      QStringLiteral("2099-01-01")})
                 .json.value(QStringLiteral("reports"))
                 .toArray()
                 .size(),
             0);
    QCOMPARE(
        desk.hq({QStringLiteral("reports"), QStringLiteral("--since"), QStringLiteral("yesterday")})
            .code,
        2);
    QCOMPARE(
        desk.hq({QStringLiteral("reports"), QStringLiteral("show"), QStringLiteral("0000abcd")})
            .code,
        1);

    const Run checkins = desk.hq({QStringLiteral("checkins")});
    QVERIFY2(checkins.code == 0, describe(checkins).constData());
    const QJsonArray done = checkins.json.value(QStringLiteral("checkIns")).toArray();
    QCOMPARE(done.size(), 1);
    QCOMPARE(done[0].toObject().value(QStringLiteral("scheduleItem")).toString(),
             model::recordIdToString(visitDone));
    const QJsonArray overdue = checkins.json.value(QStringLiteral("overdue")).toArray();
    QCOMPARE(overdue.size(), 1);
    QCOMPARE(overdue[0].toObject().value(QStringLiteral("scheduleItem")).toString(),
             model::recordIdToString(visitMissed));
    const Run checkinsHuman =
        runHq({QStringLiteral("checkins"), QStringLiteral("--store"), desk.d.store(),
               QStringLiteral("--passphrase-file"), desk.d.deskPass()});
    QVERIFY(checkinsHuman.out.contains("OVERDUE"));
    QVERIFY(checkinsHuman.out.contains("Embassy meeting"));
    // With a grace of three hours nothing is overdue yet.
    QCOMPARE(desk.hq({QStringLiteral("checkins"), QStringLiteral("--grace"), QStringLiteral("180")})
                 .json.value(QStringLiteral("overdue"))
                 .toArray()
                 .size(),
             0);

    // ---- review: b deletes HQ's contacts; held, refused once and accepted once ----
    auto contactId = [&](FieldDevice &d, const QString &name) {
        auto all = d.node.records->records({kVienna});
        for (const model::RecordState &r : *all)
            if (r.fields.value(QStringLiteral("name")).value.toString() == name)
                return r.id;
        return model::RecordId{};
    };
    QVERIFY(b.node.records->remove(contactId(b, QStringLiteral("Jana Nováková"))));
    QVERIFY(b.node.records->remove(contactId(b, QStringLiteral("Petr Svoboda"))));
    QVERIFY(b.node.syncOnce());
    const Run s2 = desk.hq({QStringLiteral("sync")});
    QVERIFY2(s2.code == 0, describe(s2).constData());
    QCOMPARE(s2.json.value(QStringLiteral("held")).toInt(), 2);
    const Run held = desk.hq({QStringLiteral("review"), QStringLiteral("list")});
    QVERIFY2(held.code == 0, describe(held).constData());
    const QJsonArray items = held.json.value(QStringLiteral("items")).toArray();
    QCOMPARE(items.size(), 2);
    qint64 refuseId = 0, acceptId = 0;
    for (const QJsonValue &v : items) {
        const QJsonObject o = v.toObject();
        QCOMPARE(o.value(QStringLiteral("device")).toString(), b.id());
        (o.value(QStringLiteral("title")).toString() == QStringLiteral("Jana Nováková")
             ? refuseId
             : acceptId) = o.value(QStringLiteral("id")).toInteger();
    }
    QVERIFY2(refuseId && acceptId, held.out.constData());
    const Run refused =
        desk.hq({QStringLiteral("review"), QStringLiteral("refuse"), QString::number(refuseId)});
    QVERIFY2(refused.code == 0, describe(refused).constData());
    const Run accepted =
        desk.hq({QStringLiteral("review"), QStringLiteral("accept"), QString::number(acceptId)});
    QVERIFY2(accepted.code == 0, describe(accepted).constData());
    QCOMPARE(
        desk.hq({QStringLiteral("review"), QStringLiteral("accept"), QString::number(acceptId)})
            .code,
        1);
    QCOMPARE(desk.hq({QStringLiteral("review"), QStringLiteral("list")})
                 .json.value(QStringLiteral("items"))
                 .toArray()
                 .size(),
             0);
    QVERIFY(a.node.syncOnce() && b.node.syncOnce());
    for (FieldDevice *d : {&a, &b}) {
        QStringList names;
        auto all = d->node.records->records({kVienna});
        QVERIFY(all);
        for (const model::RecordState &r : *all)
            if (!r.deleted && r.type == model::RecordType::Contact)
                names.append(r.fields.value(QStringLiteral("name")).value.toString());
        QCOMPARE(names, QStringList{QStringLiteral("Jana Nováková")});
    }
    const Run audit =
        desk.hq({QStringLiteral("audit"), QStringLiteral("--action"), QStringLiteral("review")});
    QCOMPARE(audit.json.value(QStringLiteral("entries")).toArray().size(), 2);
    // The desk's own refusal above (REJECT DeleteRefused) is not listed for review.
    QCOMPARE(desk.hq({QStringLiteral("review"), QStringLiteral("list")})
                 .json.value(QStringLiteral("rejects"))
                 .toArray()
                 .size(),
             0);

    // ---- review: the REJECTs HQ sends a, listed until dismissed ----
    // a forges a write to HQ's schedule item and a report in a scope it is not in, as one DELTA.
    model::Operation hqOnly;
    hqOnly.recordId = visitDone;
    hqOnly.type = model::RecordType::ScheduleItem;
    hqOnly.scope = kVienna;
    hqOnly.fields = {{QStringLiteral("title"), QStringLiteral("Forged title")}};
    hqOnly.stamp = a.node.records->clock().tick();
    model::Operation outOfScope;
    outOfScope.recordId = model::newRecordId();
    outOfScope.type = model::RecordType::FieldReport;
    outOfScope.scope = kBerlin;
    outOfScope.fields = {{QStringLiteral("text"), QStringLiteral("Secret words")},
                         {QStringLiteral("time"), clock.wallMs()}};
    outOfScope.stamp = a.node.records->clock().tick();
    QVERIFY(a.node.outbox->enqueue(protocol::hqParticipantId(), streams::Kind::Delta,
                                   model::DeltaPayload{{hqOnly, outOfScope}}.toCbor()));
    QVERIFY(a.node.syncOnce());
    const Run s3 = desk.hq({QStringLiteral("sync")});
    QVERIFY2(s3.code == 0, describe(s3).constData());
    const Run withRejects = desk.hq({QStringLiteral("review"), QStringLiteral("list")});
    QVERIFY2(withRejects.code == 0, describe(withRejects).constData());
    QCOMPARE(withRejects.json.value(QStringLiteral("items")).toArray().size(), 0);
    const QJsonArray rejects = withRejects.json.value(QStringLiteral("rejects")).toArray();
    QCOMPARE(rejects.size(), 2);
    QHash<QString, QJsonObject> byReason;
    for (const QJsonValue &v : rejects) {
        const QJsonObject o = v.toObject();
        QCOMPARE(o.value(QStringLiteral("device")).toString(), a.id());
        // Ids, type, scope and the reason only: never a field value of the record.
        QVERIFY(!QJsonDocument(o).toJson().contains("Forged"));
        QVERIFY(!QJsonDocument(o).toJson().contains("Secret"));
        byReason.insert(o.value(QStringLiteral("reason")).toString(), o);
    }
    QCOMPARE(byReason.value(QStringLiteral("hq-only-type")).value(QStringLiteral("record")),
             QJsonValue(model::recordIdToString(visitDone)));
    QCOMPARE(byReason.value(QStringLiteral("hq-only-type")).value(QStringLiteral("type")),
             QJsonValue(QStringLiteral("schedule")));
    const QJsonObject scopeReject = byReason.value(QStringLiteral("out-of-scope"));
    QCOMPARE(scopeReject.value(QStringLiteral("record")),
             QJsonValue(model::recordIdToString(outOfScope.recordId)));
    QCOMPARE(scopeReject.value(QStringLiteral("scope")), QJsonValue(kBerlin));
    QVERIFY(scopeReject.value(QStringLiteral("detail")).toString().contains(kBerlin));
    QVERIFY(!scopeReject.value(QStringLiteral("time")).toString().isEmpty());
    // The human form lists them after the held deletions.
    const Run reviewHuman =
        runHq({QStringLiteral("review"), QStringLiteral("list"), QStringLiteral("--store"),
               desk.d.store(), QStringLiteral("--passphrase-file"), desk.d.deskPass()});
    QCOMPARE(reviewHuman.code, 0);
    QVERIFY2(reviewHuman.out.contains("out-of-scope") && reviewHuman.out.contains("hq-only-type"),
             reviewHuman.out.constData());
    QVERIFY(reviewHuman.out.contains(a.id().left(8).toLatin1()));

    // Dismissed: it leaves the list, with an audit entry; twice, unknown or not a number fail.
    const qint64 dismissId = scopeReject.value(QStringLiteral("id")).toInteger();
    const Run dismissed =
        desk.hq({QStringLiteral("review"), QStringLiteral("dismiss"), QString::number(dismissId)});
    QVERIFY2(dismissed.code == 0, describe(dismissed).constData());
    const QJsonArray left = desk.hq({QStringLiteral("review"), QStringLiteral("list")})
                                .json.value(QStringLiteral("rejects"))
                                .toArray();
    QCOMPARE(left.size(), 1);
    QCOMPARE(left[0].toObject().value(QStringLiteral("reason")).toString(),
             QStringLiteral("hq-only-type"));
    QCOMPARE(
        desk.hq({QStringLiteral("review"), QStringLiteral("dismiss"), QString::number(dismissId)})
            .code,
        1);
    QCOMPARE(desk.hq({QStringLiteral("review"), QStringLiteral("dismiss"),
                      QString::number(dismissId + 1000)})
                 .code,
             1);
    QCOMPARE(
        desk.hq({QStringLiteral("review"), QStringLiteral("dismiss"), QStringLiteral("x")}).code,
        2);
    QCOMPARE(desk.hq({QStringLiteral("review"), QStringLiteral("list"), QStringLiteral("--since"),
                      QStringLiteral("0")})
                 .code,
             2);
    QCOMPARE(
        desk.hq({QStringLiteral("audit"), QStringLiteral("--action"), QStringLiteral("review")})
            .json.value(QStringLiteral("entries"))
            .toArray()
            .size(),
        3);
}

void TestHqCliOps::syncFollowStopsOnSignal()
{
    OpsDesk desk;
    QVERIFY(desk.start({kVienna}));
    QProcess p;
    p.setProgram(hqBinary());
    p.setArguments({QStringLiteral("sync"), QStringLiteral("--follow"),
                    QStringLiteral("--interval"), QStringLiteral("1"), QStringLiteral("--store"),
                    desk.d.store(), QStringLiteral("--passphrase-file"), desk.d.deskPass(),
                    QStringLiteral("--json")});
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("LIAISON_HQ_TEST_KDF"), QStringLiteral("1"));
    p.setProcessEnvironment(env);
    p.start();
    QVERIFY(p.waitForStarted());
    QTest::qWait(3500);
    QCOMPARE(p.state(), QProcess::Running);
    ::kill(pid_t(p.processId()), SIGTERM);
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(p.exitCode(), 0);
    const QJsonObject o = QJsonDocument::fromJson(p.readAllStandardOutput()).object();
    QVERIFY(o.value(QStringLiteral("stoppedBySignal")).toBool());
    QVERIFY(o.value(QStringLiteral("rounds")).toInt() >= 2);
    QCOMPARE(o.value(QStringLiteral("failedRounds")).toInt(), 0);
    // Usage errors.
    QCOMPARE(
        desk.hq({QStringLiteral("sync"), QStringLiteral("--interval"), QStringLiteral("5")}).code,
        2);
    QCOMPARE(desk.hq({QStringLiteral("sync"), QStringLiteral("--follow"),
                      QStringLiteral("--rounds"), QStringLiteral("0")})
                 .code,
             2);
    // --rounds bounds it.
    const Run two =
        desk.hq({QStringLiteral("sync"), QStringLiteral("--follow"), QStringLiteral("--interval"),
                 QStringLiteral("1"), QStringLiteral("--rounds"), QStringLiteral("2")});
    QVERIFY2(two.code == 0, describe(two).constData());
    QCOMPARE(two.json.value(QStringLiteral("rounds")).toInt(), 2);
}

LIAISON_TEST_MAIN(TestHqCliOps)
#include "tst_hqcli_ops.moc"
