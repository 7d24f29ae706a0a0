// The demo's records are plain files (scripts/demo-data/) that scripts/demo imports through
// liaison-hq, as a desk would (issue 10). Here they go through the same parsers: every file reads
// without a problem, every row is a valid record, the directorate's published contact points are
// there exactly (the public page, ../shared/seeds), and everything else is marked fictional.

#include "imports/contactcsv.h"
#include "imports/csv.h"
#include "imports/textdecode.h"
#include "imports/vcard.h"
#include "model/operation.h"
#include "model/records.h"
#include "modelreplica.h"
#include "testmain.h"

#include <QCborArray>
#include <QCborMap>
#include <QDir>
#include <QFile>
#include <QTest>

using namespace liaison;
using namespace liaison::model;
using liaison::test::idOf;

namespace {

const QString kDataDir = QStringLiteral(LIAISON_DEMO_DATA_DIR);
const QString kPost = QStringLiteral("post:vienna");
const QString kAddress =
    QStringLiteral("Münzbergerových 2811/8\n155 00 Praha 5 – Stodůlky\nCzech Republic");

QByteArray readData(const QString &name)
{
    QFile f(kDataDir + QLatin1Char('/') + name);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll();
}

QStringList texts(const QCborValue &v)
{
    QStringList out;
    for (const QCborValue &item : v.toArray())
        out.append(item.isMap() ? item.toMap().value(kPhoneNumber).toString() : item.toString());
    return out;
}

// Every row of a sheet is a valid Contact create operation.
bool allValid(const imports::ContactSheet &sheet)
{
    for (const imports::ContactRow &row : sheet.rows) {
        Operation op;
        op.recordId = newRecordId();
        op.type = RecordType::Contact;
        op.scope = row.scope;
        op.stamp = Hlc{1, 0, idOf(1)};
        op.fields = row.fields;
        if (!op.validate()) {
            qWarning() << "invalid row" << row.line;
            return false;
        }
    }
    return true;
}

const imports::ContactRow *byName(const imports::ContactSheet &sheet, const QString &name)
{
    for (const imports::ContactRow &row : sheet.rows)
        if (row.fields.value(QStringLiteral("name")).toString() == name)
            return &row;
    return nullptr;
}

QString problems(const QList<imports::ImportProblem> &list)
{
    QStringList out;
    for (const imports::ImportProblem &p : list)
        out.append(p.describe());
    return out.join(QLatin1Char('\n'));
}

} // namespace

class TestRecordsDemo : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // The directorate's public contact points (vCard 4.0), exactly as its page publishes them.
    void directorateContactPoints()
    {
        const QByteArray bytes = readData(QStringLiteral("directorate.vcf"));
        QVERIFY(!bytes.isEmpty());
        auto sheet = imports::readContactVcard(
            bytes, {QStringLiteral("directorate.vcf"), QString(), kPost, std::nullopt});
        QVERIFY2(sheet, sheet ? "" : qPrintable(sheet.error().message));
        QVERIFY2(sheet->problems.isEmpty(), qPrintable(problems(sheet->problems)));
        QCOMPARE(sheet->rows.size(), 6);
        QVERIFY(allValid(*sheet));
        for (const imports::ContactRow &row : sheet->rows) {
            QCOMPARE(row.scope, kPost);
            QCOMPARE(row.fields.value(QStringLiteral("address")).toString(), kAddress);
            QCOMPARE(row.fields.value(QStringLiteral("timeZone")).toString(),
                     QStringLiteral("Europe/Prague"));
            QVERIFY(row.key.startsWith(QStringLiteral("uid:post:vienna:pcr-ipcd-")));
        }

        const imports::ContactRow *permanent =
            byName(*sheet, QStringLiteral("Permanent service (24/7)"));
        QVERIFY(permanent);
        const QCborArray phones = permanent->fields.value(QStringLiteral("phones")).toArray();
        QCOMPARE(texts(phones), QStringList{QStringLiteral("+420 974 834 210")});
        QVERIFY(phones.at(0).toMap().value(kPhone24h).toBool());
        QCOMPARE(phones.at(0).toMap().value(kPhoneLabel).toString(),
                 QStringLiteral("Permanent service"));
        QCOMPARE(texts(permanent->fields.value(QStringLiteral("fax"))),
                 (QStringList{QStringLiteral("+420 974 834 716 (24/7)"),
                              QStringLiteral("+420 974 834 723")}));
        QCOMPARE(
            texts(permanent->fields.value(QStringLiteral("emails"))),
            (QStringList{QStringLiteral("rmps@pcr.cz"), QStringLiteral("rmps.pripady@pcr.cz")}));
        QCOMPARE(
            texts(permanent->fields.value(QStringLiteral("tags"))),
            (QStringList{QStringLiteral("hq"), QStringLiteral("24/7"), QStringLiteral("interpol"),
                         QStringLiteral("europol"), QStringLiteral("sirene")}));
        QCOMPARE(permanent->fields.value(QStringLiteral("organisation")).toString(),
                 QStringLiteral("International Police Cooperation Directorate, Police Presidium "
                                "of the Czech Republic"));

        const imports::ContactRow *secretariat =
            byName(*sheet, QStringLiteral("Secretariat of the Directorate"));
        QVERIFY(secretariat);
        QCOMPARE(
            texts(secretariat->fields.value(QStringLiteral("phones"))),
            (QStringList{QStringLiteral("+420 974 804 400"), QStringLiteral("+420 974 804 401")}));
        QCOMPARE(texts(secretariat->fields.value(QStringLiteral("emails"))),
                 QStringList{QStringLiteral("pp.sekretpp@pcr.cz")});

        const imports::ContactRow *head = byName(*sheet, QStringLiteral("Šárka Havránková"));
        QVERIFY(head);
        QCOMPARE(head->fields.value(QStringLiteral("role")).toString(),
                 QStringLiteral("Head of the Directorate, Colonel"));
        for (const char *division :
             {"Operational Cooperation Division", "Strategic Cooperation Division",
              "International Relations Support Division"})
            QVERIFY2(byName(*sheet, QString::fromLatin1(division)), division);
        // Nothing fictional among the real contact points.
        for (const imports::ContactRow &row : sheet->rows)
            QVERIFY(!row.fields.value(QStringLiteral("notes"))
                         .toString()
                         .contains(QStringLiteral("fictional")));
    }

    // The fictional counterparts (Liaison's own CSV): marked so, reserved addresses only.
    void fictionalCounterparts()
    {
        const QByteArray bytes = readData(QStringLiteral("counterparts.csv"));
        QVERIFY(!bytes.isEmpty());
        auto sheet = imports::readContactCsv(
            bytes, {QStringLiteral("counterparts.csv"), QString(), kPost, std::nullopt});
        QVERIFY2(sheet, sheet ? "" : qPrintable(sheet.error().message));
        QVERIFY2(sheet->problems.isEmpty(), qPrintable(problems(sheet->problems)));
        QVERIFY(sheet->ignoredColumns.isEmpty());
        QCOMPARE(sheet->rows.size(), 3);
        QVERIFY(allValid(*sheet));
        for (const imports::ContactRow &row : sheet->rows) {
            QVERIFY(row.fields.value(QStringLiteral("notes"))
                        .toString()
                        .contains(QStringLiteral("fictional")));
            for (const QString &e : texts(row.fields.value(QStringLiteral("emails"))))
                QVERIFY2(e.endsWith(QStringLiteral("@example.org")), qPrintable(e));
            for (const QString &p : texts(row.fields.value(QStringLiteral("phones"))))
                QVERIFY2(p.contains(QStringLiteral(" 000 ")), qPrintable(p));
        }
        const imports::ContactRow *vienna = byName(*sheet, QStringLiteral("Petra Novotná"));
        QVERIFY(vienna);
        QCOMPARE(texts(vienna->fields.value(QStringLiteral("languages"))),
                 (QStringList{QStringLiteral("Czech"), QStringLiteral("German"),
                              QStringLiteral("English")}));
        QVERIFY(vienna->fields.value(QStringLiteral("phones"))
                    .toArray()
                    .at(0)
                    .toMap()
                    .value(kPhone24h)
                    .toBool());
        QVERIFY(vienna->fields.value(QStringLiteral("lastVerified")).toInteger() > 0);
    }

    // Case summaries (fictional): every value fits the CaseSummary schema.
    void fictionalCases()
    {
        const QByteArray bytes = readData(QStringLiteral("cases.csv"));
        QVERIFY(!bytes.isEmpty());
        auto text = imports::decodeText(bytes, QString());
        QVERIFY(text);
        const imports::CsvTable table = imports::parseCsv(text->text, std::nullopt);
        QVERIFY(table.problems.isEmpty());
        QCOMPARE(table.records.size(), 6); // header + 5 cases
        const QStringList header = table.records.first().fields;
        QStringList references;
        for (qsizetype r = 1; r < table.records.size(); ++r) {
            const QStringList row = table.records[r].fields;
            QCOMPARE(row.size(), header.size());
            for (qsizetype c = 0; c < header.size(); ++c) {
                const FieldSpec *spec = fieldSpec(RecordType::CaseSummary, header[c]);
                QVERIFY2(spec, qPrintable(header[c]));
                if (spec->kind == FieldKind::Text || spec->kind == FieldKind::Choice)
                    QVERIFY2(normalizeField(*spec, row[c]),
                             qPrintable(header[c] + QStringLiteral(": ") + row[c]));
            }
            references.append(row.value(header.indexOf(QStringLiteral("reference"))));
            QVERIFY(row.value(header.indexOf(QStringLiteral("summary")))
                        .startsWith(QStringLiteral("Demo case.")));
        }
        QCOMPARE(references.size(), 5);
        QCOMPARE(references.removeDuplicates(), 0);
    }

    // Instructions: UTF-8 Markdown, a # heading as the title, a body within the schema.
    void instructions()
    {
        const QDir dir(kDataDir + QStringLiteral("/instructions"));
        const QStringList files = dir.entryList({QStringLiteral("*.md")}, QDir::Files);
        QCOMPARE(files.size(), 4);
        const FieldSpec *body = fieldSpec(RecordType::Instruction, u"body");
        const FieldSpec *title = fieldSpec(RecordType::Instruction, u"title");
        for (const QString &name : files) {
            const QByteArray bytes = readData(QStringLiteral("instructions/") + name);
            auto text = imports::decodeText(bytes, QStringLiteral("utf-8"));
            QVERIFY2(text, qPrintable(name));
            QVERIFY2(text->text.startsWith(QStringLiteral("# ")), qPrintable(name));
            const QString heading = text->text.section(QLatin1Char('\n'), 0, 0).mid(2).trimmed();
            QVERIFY(normalizeField(*title, heading));
            QVERIFY(normalizeField(*body, text->text.trimmed()));
        }
    }

    // The visit schedule: one calendar in Europe/Prague with its VTIMEZONE, an all-day event,
    // a recurring briefing, a cancelled item; every event has a UID (re-import is idempotent).
    void scheduleCalendar()
    {
        const QByteArray bytes = readData(QStringLiteral("schedule.ics"));
        QVERIFY(bytes.startsWith("BEGIN:VCALENDAR\r\n"));
        QVERIFY(bytes.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Prague\r\n"));
        QVERIFY(bytes.contains("DTSTART;VALUE=DATE:"));
        QVERIFY(bytes.contains("RRULE:FREQ=DAILY;COUNT=2"));
        QVERIFY(bytes.contains("STATUS:CANCELLED"));
        QCOMPARE(bytes.count("BEGIN:VEVENT"), bytes.count("\r\nUID:"));
        QCOMPARE(bytes.count("BEGIN:VEVENT"), 10);
    }
};

LIAISON_TEST_MAIN(TestRecordsDemo)
#include "tst_records_demo.moc"
