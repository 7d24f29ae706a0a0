// The demo data set: the directorate's published contact points are there exactly, everything
// validates, it fans out to devices, and the generator produces valid, searchable contacts.

#include "hqfixture.h"
#include "model/demodata.h"
#include "testmain.h"

#include <QCborArray>
#include <QTemporaryDir>
#include <QTest>

using namespace liaison;
using namespace liaison::model;
using liaison::test::HqFixture;
using liaison::test::idOf;
using liaison::test::ModelReplica;

namespace {
template <typename R> QByteArray why(const R &r)
{
    return r ? QByteArray() : r.error().message.toUtf8();
}

QStringList texts(const QCborValue &v)
{
    QStringList out;
    for (const QCborValue &item : v.toArray())
        out.append(item.isMap() ? item.toMap().value(kPhoneNumber).toString() : item.toString());
    return out;
}
} // namespace

class TestRecordsDemo : public QObject
{
    Q_OBJECT
    QTemporaryDir m_dir;

private Q_SLOTS:
    void directorateContactPoints()
    {
        const QList<FieldMap> contacts = demo::directorateContacts(1'790'000'000'000);
        QVERIFY(contacts.size() >= 9);
        const FieldMap &sec = contacts.at(0);
        QCOMPARE(sec.value(QStringLiteral("address")).toString(),
                 QStringLiteral("Münzbergerových 2811/8, 155 00 Praha 5 - Stodůlky"));
        QCOMPARE(
            texts(sec.value(QStringLiteral("phones"))),
            (QStringList{QStringLiteral("+420 974 804 400"), QStringLiteral("+420 974 804 401"),
                         QStringLiteral("+420 974 834 210")}));
        QCOMPARE(
            texts(sec.value(QStringLiteral("fax"))),
            (QStringList{QStringLiteral("+420 974 834 723"), QStringLiteral("+420 974 834 716")}));
        QCOMPARE(texts(sec.value(QStringLiteral("emails"))),
                 QStringList{QStringLiteral("rmps@pcr.cz")});
        QCOMPARE(texts(contacts.at(1).value(QStringLiteral("emails"))),
                 QStringList{QStringLiteral("rmps.pripady@pcr.cz")});
        QCOMPARE(texts(contacts.at(2).value(QStringLiteral("emails"))),
                 QStringList{QStringLiteral("pp.sekretpp@pcr.cz")});
        QStringList names;
        for (const FieldMap &c : contacts)
            names.append(c.value(QStringLiteral("name")).toString());
        for (const char *channel :
             {"Interpol NCB", "Europol", "SIRENE", "Frontex", "Liaison Officers", "Delegations"}) {
            QVERIFY2(names.join(QLatin1Char('|')).contains(QLatin1StringView(channel)), channel);
        }
        // The 24/7 line is flagged 24/7.
        const QCborArray phones = contacts.at(1).value(QStringLiteral("phones")).toArray();
        QVERIFY(phones.at(0).toMap().value(kPhone24h).toBool());
        for (const FieldMap &c : contacts) {
            Operation op;
            op.recordId = newRecordId();
            op.scope = QStringLiteral("post:prague-hq");
            op.stamp = Hlc{1, 0, idOf(1)};
            op.fields = c;
            QVERIFY2(op.validate().has_value(),
                     qPrintable(c.value(QStringLiteral("name")).toString()));
        }
    }

    void populateAndFanOut()
    {
        QVERIFY(m_dir.isValid());
        HqFixture f;
        QVERIFY(f.open(m_dir.path()).has_value());
        ModelReplica dev;
        QVERIFY(f.addDevice(dev, m_dir.path(), 1,
                            {QString::fromLatin1(demo::kScopeVienna),
                             QString::fromLatin1(demo::kScopeVisit)})
                    .has_value());
        auto counts = demo::populate(*f.hq.records, f.hq.clock.wallMs(), 30);
        QVERIFY2(counts.has_value(), why(counts).constData());
        QVERIFY(counts->contacts > 60);
        QCOMPARE(counts->cases, 4);
        QCOMPARE(counts->instructions, 3);
        QCOMPARE(counts->schedule, 4);
        QVERIFY(f.publish().has_value());
        const QStringList mine = {QString::fromLatin1(demo::kScopeVienna),
                                  QString::fromLatin1(demo::kScopeVisit)};
        QCOMPARE(dev.dump(mine), f.hq.dump(mine));
        auto hits = dev.records->searchContacts(QStringLiteral("sirene"));
        QVERIFY(hits.has_value());
        QVERIFY(hits->size() >= 2); // one copy per post the device holds
        auto none = dev.records->searchContacts(QStringLiteral("secretariat brussels-only-word"));
        QVERIFY(none && none->isEmpty());
    }

    void generatedContactsAreValidAndBatchApply()
    {
        const QList<Operation> ops = demo::generateContacts(500, QStringLiteral("post:vienna"),
                                                            idOf(0xf0), 1'790'000'000'000);
        QCOMPARE(ops.size(), 500);
        for (int i = 1; i < ops.size(); ++i)
            QVERIFY(ops[i - 1].stamp < ops[i].stamp);
        for (const Operation &op : ops)
            QVERIFY(Operation::decode(op.encode()).has_value());
        ModelReplica r;
        QVERIFY(r.open(m_dir.path(), QStringLiteral("gen"), idOf(1), ReplicaRole::Device));
        QVERIFY(r.records->addScope(QStringLiteral("post:vienna")));
        auto stats = r.records->applyRemoteBatch(ops);
        QVERIFY(stats.has_value());
        QCOMPARE(stats->changed, 500);
        QCOMPARE(*r.records->recordCount(), 500);
        auto hits = r.records->searchContacts(QStringLiteral("nováková"));
        QVERIFY(hits.has_value() && !hits->isEmpty());
    }
};

LIAISON_TEST_MAIN(TestRecordsDemo)
#include "tst_records_demo.moc"
