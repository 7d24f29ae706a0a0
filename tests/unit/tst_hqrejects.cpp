// HQ's record of the REJECTs it decided (sync/hq/hqrejects.h) stays bounded: a device that floods
// HQ with refused operations keeps only its newest HqRejects::kKeptPerDevice rows, and never
// pushes out another device's.

#include "crypto/crypto.h"
#include "hq/deviceregistry.h"
#include "hq/hqrejects.h"
#include "model/recordstore.h"
#include "streams/streamschema.h"

#include <QTemporaryDir>
#include <QTest>

using namespace liaison;

class TstHqRejects : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY(crypto::initialize()); }
    void floodKeepsNewestPerDevice();
};

void TstHqRejects::floodKeepsNewestPerDevice()
{
    QTemporaryDir dir;
    store::OpenOptions o;
    o.create = true;
    o.synchronousFull = false;
    o.migrations = model::RecordStore::migrations();
    for (auto &m : streams::streamMigrations())
        o.migrations.push_back(m);
    for (auto &m : hq::DeviceRegistry::migrations())
        o.migrations.push_back(m);
    o.migrations.push_back(streams::streamLaneMigration());
    auto db = store::Database::open(dir.filePath(QStringLiteral("hq.db")),
                                    crypto::SecretBytes::random(32), o);
    QVERIFY(db);
    hq::HqRejects rejects(**db);

    const auto flooder = *crypto::Id16::fromHex("01000000000000000000000000000000");
    const auto quiet = *crypto::Id16::fromHex("02000000000000000000000000000000");
    model::Operation op;
    op.type = model::RecordType::FieldReport;
    op.scope = QStringLiteral("mission:alpha");

    op.recordId = model::newRecordId();
    QVERIFY(rejects.record(quiet, op, model::RejectReason::OutOfScope, 1));
    const int flood = hq::HqRejects::kKeptPerDevice + 250;
    qint64 firstKept = 0;
    for (int i = 0; i < flood; ++i) {
        op.recordId = model::newRecordId();
        auto id = rejects.record(flooder, op, model::RejectReason::OutOfScope, 10 + i);
        QVERIFY(id);
        if (i == flood - hq::HqRejects::kKeptPerDevice)
            firstKept = *id;
    }
    op.recordId = model::newRecordId();
    QVERIFY(rejects.record(quiet, op, model::RejectReason::OutOfScope, 5000));

    QCOMPARE(*rejects.countFor(flooder), qint64(hq::HqRejects::kKeptPerDevice));
    QCOMPARE(*rejects.countFor(quiet), qint64(2));
    auto open = rejects.open(0);
    QVERIFY(open);
    QCOMPARE(open->size(), hq::HqRejects::kKeptPerDevice + 2);
    QCOMPARE(open->first().device, quiet); // the quiet device's oldest row survived the flood
    qint64 oldestFlooderRow = 0;
    for (const auto &e : *open) {
        if (e.device == flooder) {
            oldestFlooderRow = e.id;
            break;
        }
    }
    QCOMPARE(oldestFlooderRow, firstKept); // the newest ones stayed
}

QTEST_GUILESS_MAIN(TstHqRejects)
#include "tst_hqrejects.moc"
