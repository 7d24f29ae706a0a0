// liaison-hq backup and restore (issue 10; issue 8 point 6): the encrypted copy restores the
// same records, devices and audit; after the restore every device's `down` stream moves
// forward (a new, much higher epoch with a RESYNC), never back, and the device converges on the
// restored desk. A wrong passphrase, a changed byte and an existing store are refused.

#include "hqcliopskit.h"
#include "testmain.h"

#include "desk/deskbackup.h"

using namespace liaison;
using namespace liaison::hqclitest;

class TestHqCliBackup : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void restoreGivesTheSameRecordsAndMovesEpochsForward();
};

namespace {

const QString kVienna = QStringLiteral("post:vienna");
const QByteArray kBackupPassphrase = "granite orchard signal ferry meadow";

QJsonArray contacts(const Desk &d, const QString &store)
{
    const Run r = runHq({QStringLiteral("contact"), QStringLiteral("list"),
                         QStringLiteral("--store"), store, QStringLiteral("--passphrase-file"),
                         d.deskPass(), QStringLiteral("--json")});
    return r.json.value(QStringLiteral("contacts")).toArray();
}

Run onStore(const Desk &d, const QString &store, QStringList args)
{
    args << QStringLiteral("--store") << store << QStringLiteral("--passphrase-file")
         << d.deskPass() << QStringLiteral("--json");
    return runHq(args, {}, d.dir.path());
}

} // namespace

void TestHqCliBackup::restoreGivesTheSameRecordsAndMovesEpochsForward()
{
    OpsDesk desk;
    QVERIFY(desk.start({kVienna}));
    for (const char *name : {"Jana Nováková", "Petr Svoboda", "Zoltán Kovács"})
        QCOMPARE(desk.hq({QStringLiteral("contact"), QStringLiteral("add"),
                          QStringLiteral("--scope"), kVienna, QStringLiteral("--name"),
                          QString::fromUtf8(name)})
                     .code,
                 0);
    e2e::TestClock clock;
    FieldDevice dev(desk, clock, QStringLiteral("dev"));
    QVERIFY(dev.open());
    QVERIFY(dev.enrol({kVienna}));
    QCOMPARE(desk.hq({QStringLiteral("publish")}).code, 0);
    QVERIFY(dev.node.syncOnce());
    QCOMPARE(desk.hq({QStringLiteral("sync")}).code, 0);

    // ---- backup ----
    QVERIFY(desk.d.writeFile(QStringLiteral("backup.pass"), kBackupPassphrase + '\n'));
    const QString file = desk.d.path(QStringLiteral("desk.lhb"));
    const Run b = desk.hq({QStringLiteral("backup"), QStringLiteral("--out"), file,
                           QStringLiteral("--backup-passphrase-file"),
                           desk.d.path(QStringLiteral("backup.pass"))});
    QVERIFY2(b.code == 0, describe(b).constData());
    QVERIFY(b.json.value(QStringLiteral("files")).toInt() >= 3);
    QFile raw(file);
    QVERIFY(raw.open(QIODevice::ReadOnly));
    const QByteArray bytes = raw.readAll();
    raw.close();
    QVERIFY(bytes.startsWith("LHB1"));
    QVERIFY(!bytes.contains("SQLite format 3"));
    QVERIFY(!bytes.contains(kVienna.toUtf8()));
    // Never over an existing file.
    QCOMPARE(desk.hq({QStringLiteral("backup"), QStringLiteral("--out"), file,
                      QStringLiteral("--backup-passphrase-file"),
                      desk.d.path(QStringLiteral("backup.pass"))})
                 .code,
             1);

    // ---- the desk goes on after the backup: more RESYNCs (epochs) the backup does not know ----
    const QJsonObject before = listedDevice(desk, dev.id());
    const int epochAtBackup = before.value(QStringLiteral("downEpoch")).toInt();
    {
        OpenedDesk opened(desk.d);
        QVERIFY(opened.store);
        auto link = desk::DeskRelay::open(*opened.store);
        QVERIFY(link);
        QVERIFY((*link)->receiver().sendResync(dev.node.id));
        QVERIFY((*link)->receiver().sendResync(dev.node.id));
    }
    QCOMPARE(desk.hq({QStringLiteral("sync")}).code, 0);
    QVERIFY(dev.node.syncOnce());
    auto seen = dev.node.receiver->state(protocol::hqParticipantId());
    QVERIFY(seen && *seen);
    const std::uint32_t deviceEpoch = (*seen)->stream.epoch;
    QCOMPARE(int(deviceEpoch), epochAtBackup + 2);

    // ---- restore: refused cases first ----
    const QString restored = desk.d.path(QStringLiteral("restored"));
    QVERIFY(desk.d.writeFile(QStringLiteral("wrong.pass"), "not the passphrase\n"));
    const Run wrong = onStore(desk.d, restored,
                              {QStringLiteral("restore"), file, QStringLiteral("--backup-passphrase-file"),
                               desk.d.path(QStringLiteral("wrong.pass"))});
    QCOMPARE(wrong.code, 1);
    QVERIFY(wrong.err.contains("does not open this backup"));
    QVERIFY(!desk::DeskStore::exists(restored));
    QByteArray bent = bytes;
    bent[bent.size() - 100] = char(bent[bent.size() - 100] ^ 1);
    QVERIFY(desk.d.writeFile(QStringLiteral("bent.lhb"), bent));
    QCOMPARE(onStore(desk.d, restored,
                     {QStringLiteral("restore"), desk.d.path(QStringLiteral("bent.lhb")),
                      QStringLiteral("--backup-passphrase-file"),
                      desk.d.path(QStringLiteral("backup.pass"))})
                 .code,
             1);
    QCOMPARE(onStore(desk.d, desk.d.store(),
                     {QStringLiteral("restore"), file, QStringLiteral("--backup-passphrase-file"),
                      desk.d.path(QStringLiteral("backup.pass"))})
                 .code,
             1); // over the live store: refused
    QCOMPARE(onStore(desk.d, restored, {QStringLiteral("restore")}).code, 2);

    // ---- restore ----
    const Run r = onStore(desk.d, restored,
                          {QStringLiteral("restore"), file, QStringLiteral("--backup-passphrase-file"),
                           desk.d.path(QStringLiteral("backup.pass"))});
    QVERIFY2(r.code == 0, describe(r).constData());
    QCOMPARE(r.json.value(QStringLiteral("streamsMoved")).toInt(), 1);
    // The same records and devices as when the backup was taken.
    QCOMPARE(contacts(desk.d, restored), contacts(desk.d, desk.d.store()));
    QCOMPARE(contacts(desk.d, restored).size(), 3);
    const Run list = onStore(desk.d, restored, {QStringLiteral("device"), QStringLiteral("list")});
    const QJsonObject after = list.json.value(QStringLiteral("devices")).toArray()[0].toObject();
    QCOMPARE(after.value(QStringLiteral("id")).toString(), dev.id());
    QCOMPARE(after.value(QStringLiteral("scopes")).toArray(), QJsonArray{kVienna});
    // Forward, never back: far past what the lost store had reached.
    const qint64 restoredEpoch = after.value(QStringLiteral("downEpoch")).toInteger();
    QCOMPARE(restoredEpoch, qint64(epochAtBackup) + qint64(desk::kRestoreEpochGap) + 1);
    QVERIFY(restoredEpoch > qint64(deviceEpoch));
    // The live store's audit has the backup (the copy was read before it was written); the
    // restored store's has the restore.
    QCOMPARE(desk.hq({QStringLiteral("audit"), QStringLiteral("--action"), QStringLiteral("backup")})
                 .json.value(QStringLiteral("entries"))
                 .toArray()
                 .size(),
             1);
    const Run audit = onStore(desk.d, restored, {QStringLiteral("audit")});
    QStringList actions;
    for (const QJsonValue &v : audit.json.value(QStringLiteral("entries")).toArray())
        actions.append(v.toObject().value(QStringLiteral("action")).toString());
    QVERIFY(actions.contains(QStringLiteral("restore")));
    QVERIFY(!QFileInfo::exists(restored + QStringLiteral(".restoring")));
    QVERIFY(actions.contains(QStringLiteral("restore.epochs")));

    // ---- the device follows the restored desk: a new epoch, the same records, no alarm ----
    const Run s = onStore(desk.d, restored, {QStringLiteral("sync")});
    QVERIFY2(s.code == 0, describe(s).constData());
    QVERIFY(dev.node.syncOnce());
    seen = dev.node.receiver->state(protocol::hqParticipantId());
    QVERIFY(seen && *seen);
    QCOMPARE(qint64((*seen)->stream.epoch), restoredEpoch);
    QCOMPARE(dev.node.records->recordCount().value_or(-1), qint64(3));
    auto alarms = dev.node.receiver->alarms();
    QVERIFY(alarms);
    for (const streams::Alarm &a : *alarms)
        QVERIFY2(a.type != streams::AlarmType::EpochRegressed, qPrintable(a.describe()));
}

LIAISON_TEST_MAIN(TestHqCliBackup)
#include "tst_hqcli_backup.moc"
