// liaison-hq case commands and CSV import (issue 10 "Imports that survive real files", test 5):
// the real binary against a real desk store, with the fixtures of tests/fixtures/cases (UTF-8 with
// a summary file and quoted multi-line fields, Windows-1250 with semicolons, broken rows).

#include "hqclikit.h"
#include "testmain.h"

#include <QJsonArray>

using namespace liaison;
using namespace liaison::hqclitest;

namespace {

QString fixture(const char *name)
{
    return QStringLiteral(LIAISON_FIXTURES_DIR "/cases/") + QString::fromLatin1(name);
}

Run import(const Desk &desk, const QString &file, const QStringList &extra = {})
{
    return desk.hq(QStringList{QStringLiteral("case"), QStringLiteral("import"), file,
                               QStringLiteral("--scope"), QStringLiteral("post:vienna")} +
                   extra);
}

QJsonArray cases(const Desk &desk, const QStringList &extra = {})
{
    const Run r = desk.hq(QStringList{QStringLiteral("case"), QStringLiteral("list")} + extra);
    if (r.code != 0)
        qWarning() << describe(r);
    return r.json.value(QStringLiteral("cases")).toArray();
}

QJsonObject byReference(const QJsonArray &list, const QString &ref)
{
    for (const QJsonValue &v : list)
        if (v.toObject().value(QStringLiteral("reference")).toString() == ref)
            return v.toObject();
    return {};
}

QList<int> problemLines(const Run &r)
{
    QList<int> lines;
    for (const QJsonValue &p : r.json.value(QStringLiteral("problems")).toArray())
        lines.append(p.toObject().value(QStringLiteral("line")).toInt());
    return lines;
}

int unpublished(const Desk &desk)
{
    return desk.hq({QStringLiteral("status")})
        .json.value(QStringLiteral("unpublishedEdits"))
        .toInt(-1);
}

} // namespace

class TestHqCliCase : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void importsEveryColumn();
    void windows1250AndSemicolons();
    void brokenRowsImportNothingByDefault();
    void skipBadAndDryRun();
    void reimportChangesNothingAndEditsUpdate();
    void summaryFileErrors();
    void addEditList();
    void linkedContactsByName();

private:
    std::unique_ptr<Desk> m_desk;
};

void TestHqCliCase::init()
{
    m_desk = std::make_unique<Desk>();
    QVERIFY(m_desk->setUp());
    QCOMPARE(
        m_desk->hq({QStringLiteral("scope"), QStringLiteral("add"), QStringLiteral("post:vienna")})
            .code,
        0);
}

void TestHqCliCase::importsEveryColumn()
{
    const Run r = import(*m_desk, fixture("cases.csv"));
    QVERIFY2(r.code == 0, describe(r).constData());
    QCOMPARE(r.json.value(QStringLiteral("created")).toInt(), 5);
    const QJsonArray all = cases(*m_desk);
    QCOMPARE(all.size(), 5);
    const QJsonObject c142 = byReference(all, QStringLiteral("DEMO-2026-0142"));
    QCOMPARE(c142.value(QStringLiteral("channel")).toString(), QStringLiteral("interpol"));
    QCOMPARE(c142.value(QStringLiteral("status")).toString(), QStringLiteral("active"));
    QCOMPARE(c142.value(QStringLiteral("priority")).toInt(), 2);
    QCOMPARE(c142.value(QStringLiteral("countries")).toArray(),
             (QJsonArray{QStringLiteral("AT"), QStringLiteral("CZ"), QStringLiteral("SK")}));
    QCOMPARE(c142.value(QStringLiteral("handlingCode")).toString(), QStringLiteral("H2"));
    QCOMPARE(c142.value(QStringLiteral("updated")).toString(),
             QStringLiteral("2026-12-02T00:00:00Z"));
    // The summary from its Markdown file, as written.
    QVERIFY(c142.value(QStringLiteral("summary"))
                .toString()
                .startsWith(QStringLiteral("# Stolen vehicles moved through Vienna\n\nFictional "
                                           "demo case. Vehicles reported stolen in **Brno**")));
    const QJsonObject c177 = byReference(all, QStringLiteral("DEMO-2026-0177"));
    QCOMPARE(c177.value(QStringLiteral("channel")).toString(), QStringLiteral("europol"));
    QCOMPARE(c177.value(QStringLiteral("title")).toString(),
             QStringLiteral("Online fraud ring, joint action day"));
    QCOMPARE(c177.value(QStringLiteral("summary")).toString(),
             QStringLiteral("Fictional demo case. Coordination of a joint action day through the "
                            "Europol national unit.\nThe liaison officer in Vienna supports."));
    QCOMPARE(c177.value(QStringLiteral("updated")).toString(),
             QStringLiteral("2026-12-02T10:00:00Z"));
    // An empty scope cell: the file's scope.
    QCOMPARE(byReference(all, QStringLiteral("DEMO-2026-0203")).value(QStringLiteral("scope")),
             QStringLiteral("post:vienna"));
    const QJsonObject frontex = byReference(all, QStringLiteral("DEMO-2026-0231"));
    QCOMPARE(frontex.value(QStringLiteral("channel")).toString(), QStringLiteral("frontex"));
    QCOMPARE(frontex.value(QStringLiteral("summary")).toString(),
             QStringLiteral("Fictional demo case. Frontex joint operation; \"document experts\" "
                            "on site."));
}

void TestHqCliCase::windows1250AndSemicolons()
{
    const Run r = import(*m_desk, fixture("cases_windows1250.csv"));
    QVERIFY2(r.code == 0, describe(r).constData());
    QCOMPARE(r.json.value(QStringLiteral("encoding")).toString(), QStringLiteral("windows-1250"));
    QCOMPARE(r.json.value(QStringLiteral("delimiter")).toString(), QStringLiteral(";"));
    const QJsonArray all = cases(*m_desk);
    QCOMPARE(byReference(all, QStringLiteral("ČR-2026-001")).value(QStringLiteral("title")),
             QStringLiteral("Krádeže vozidel – Brno a Vídeň"));
    QCOMPARE(byReference(all, QStringLiteral("PL-2026-002")).value(QStringLiteral("title")),
             QStringLiteral("Oszustwa internetowe – Łódź"));
    QCOMPARE(byReference(all, QStringLiteral("HU-2026-003")).value(QStringLiteral("title")),
             QStringLiteral("Eltűnt személy – Győr"));
}

void TestHqCliCase::brokenRowsImportNothingByDefault()
{
    const Run r = import(*m_desk, fixture("broken_cases.csv"));
    QCOMPARE(r.code, 1);
    QCOMPARE(problemLines(r), (QList<int>{3, 4, 5, 6, 7, 8}));
    const QJsonArray problems = r.json.value(QStringLiteral("problems")).toArray();
    auto reason = [&](int i) {
        return problems.at(i).toObject().value(QStringLiteral("reason")).toString();
    };
    QVERIFY(reason(0).contains(QStringLiteral("channel \"Scotland Yard\"")));
    QCOMPARE(reason(1), QStringLiteral("no title"));
    QVERIFY(reason(2).contains(QStringLiteral("priority \"9\"")));
    QVERIFY(reason(3).contains(QStringLiteral("status \"archived\"")));
    QVERIFY(reason(4).contains(QStringLiteral("same case as line 2")));
    QVERIFY(reason(5).contains(QStringLiteral("never closed")));
    QCOMPARE(problems.at(0).toObject().value(QStringLiteral("file")).toString(),
             QStringLiteral("broken_cases.csv"));
    QCOMPARE(cases(*m_desk).size(), 0);
    QCOMPARE(unpublished(*m_desk), 0);
}

void TestHqCliCase::skipBadAndDryRun()
{
    const Run dry = import(*m_desk, fixture("cases.csv"), {QStringLiteral("--dry-run")});
    QVERIFY2(dry.code == 0, describe(dry).constData());
    QCOMPARE(dry.json.value(QStringLiteral("created")).toInt(), 5);
    QCOMPARE(dry.json.value(QStringLiteral("applied")).toBool(), false);
    QCOMPARE(cases(*m_desk).size(), 0);
    const Run skip = import(*m_desk, fixture("broken_cases.csv"), {QStringLiteral("--skip-bad")});
    QVERIFY2(skip.code == 0, describe(skip).constData());
    QCOMPARE(skip.json.value(QStringLiteral("created")).toInt(), 1);
    QCOMPARE(skip.json.value(QStringLiteral("bad")).toInt(), 6);
    QCOMPARE(cases(*m_desk).first().toObject().value(QStringLiteral("title")).toString(),
             QStringLiteral("Good case"));
}

void TestHqCliCase::reimportChangesNothingAndEditsUpdate()
{
    QCOMPARE(import(*m_desk, fixture("cases.csv")).code, 0);
    const int edits = unpublished(*m_desk);
    const QJsonArray before = cases(*m_desk);
    const Run again = import(*m_desk, fixture("cases.csv"));
    QVERIFY2(again.code == 0, describe(again).constData());
    QCOMPARE(again.json.value(QStringLiteral("created")).toInt(), 0);
    QCOMPARE(again.json.value(QStringLiteral("updated")).toInt(), 0);
    QCOMPARE(again.json.value(QStringLiteral("unchanged")).toInt(), 5);
    QCOMPARE(unpublished(*m_desk), edits);
    QCOMPARE(cases(*m_desk), before);
    // The same file with one status changed: one update of the same record.
    QFile f(fixture("cases.csv"));
    QVERIFY(f.open(QIODevice::ReadOnly));
    QByteArray text = f.readAll();
    text.replace("DEMO-2026-0219,post:vienna,bilateral,Escort handover at the border,closed",
                 "DEMO-2026-0219,post:vienna,bilateral,Escort handover at the border,active");
    QVERIFY(m_desk->writeFile(QStringLiteral("edited.csv"), text));
    QDir(m_desk->dir.path()).mkpath(QStringLiteral("summaries"));
    QVERIFY(QFile::copy(fixture("summaries/demo-2026-0142.md"),
                        m_desk->path(QStringLiteral("summaries/demo-2026-0142.md"))));
    const Run edited = import(*m_desk, m_desk->path(QStringLiteral("edited.csv")));
    QVERIFY2(edited.code == 0, describe(edited).constData());
    QCOMPARE(edited.json.value(QStringLiteral("updated")).toInt(), 1);
    QCOMPARE(edited.json.value(QStringLiteral("unchanged")).toInt(), 4);
    const QJsonObject c219 = byReference(cases(*m_desk), QStringLiteral("DEMO-2026-0219"));
    QCOMPARE(c219.value(QStringLiteral("status")).toString(), QStringLiteral("active"));
    QCOMPARE(c219.value(QStringLiteral("id")),
             byReference(before, QStringLiteral("DEMO-2026-0219")).value(QStringLiteral("id")));
}

void TestHqCliCase::summaryFileErrors()
{
    QVERIFY(m_desk->writeFile(QStringLiteral("latin2.md"), "Krádež\xE1 vozidel\n"));
    QVERIFY(m_desk->writeFile(QStringLiteral("cases.csv"), "reference,title,summary file\n"
                                                           "A-1,Good,\n"
                                                           "A-2,Missing file,nowhere.md\n"
                                                           "A-3,Not UTF-8,latin2.md\n"));
    const Run r = import(*m_desk, m_desk->path(QStringLiteral("cases.csv")));
    QCOMPARE(r.code, 1);
    QCOMPARE(problemLines(r), (QList<int>{3, 4}));
    const QJsonArray problems = r.json.value(QStringLiteral("problems")).toArray();
    QVERIFY(problems.at(0)
                .toObject()
                .value(QStringLiteral("reason"))
                .toString()
                .contains(QStringLiteral("nowhere.md")));
    QVERIFY(problems.at(1)
                .toObject()
                .value(QStringLiteral("reason"))
                .toString()
                .contains(QStringLiteral("latin2.md")));
}

void TestHqCliCase::addEditList()
{
    QVERIFY(m_desk->writeFile(QStringLiteral("s.md"), "# Case\r\n\r\nŠárka's summary.\r\n"));
    const Run add = m_desk->hq(
        {QStringLiteral("case"), QStringLiteral("add"), QStringLiteral("--scope"),
         QStringLiteral("post:vienna"), QStringLiteral("--reference"), QStringLiteral("X-1"),
         QStringLiteral("--title"), QStringLiteral("Border fraud"), QStringLiteral("--channel"),
         QStringLiteral("Frontex"), QStringLiteral("--status"), QStringLiteral("open"),
         QStringLiteral("--summary"), m_desk->path(QStringLiteral("s.md")),
         QStringLiteral("--country"), QStringLiteral("at"), QStringLiteral("--country"),
         QStringLiteral("CZ")});
    QVERIFY2(add.code == 0, describe(add).constData());
    const QString id = add.json.value(QStringLiteral("id")).toString();
    QJsonObject c = cases(*m_desk).first().toObject();
    QCOMPARE(c.value(QStringLiteral("summary")).toString(),
             QStringLiteral("# Case\n\nŠárka's summary."));
    QCOMPARE(c.value(QStringLiteral("channel")).toString(), QStringLiteral("frontex"));
    QCOMPARE(c.value(QStringLiteral("countries")).toArray(),
             (QJsonArray{QStringLiteral("AT"), QStringLiteral("CZ")}));
    QVERIFY(!c.value(QStringLiteral("updated")).toString().isEmpty());
    // The same reference again: refused (edit it instead).
    const Run twice =
        m_desk->hq({QStringLiteral("case"), QStringLiteral("add"), QStringLiteral("--scope"),
                    QStringLiteral("post:vienna"), QStringLiteral("--reference"),
                    QStringLiteral("x-1"), QStringLiteral("--title"), QStringLiteral("Again")});
    QCOMPARE(twice.code, 1);
    const Run edit = m_desk->hq({QStringLiteral("case"), QStringLiteral("edit"), id.left(8),
                                 QStringLiteral("--status"), QStringLiteral("closed"),
                                 QStringLiteral("--priority"), QStringLiteral("4")});
    QVERIFY2(edit.code == 0, describe(edit).constData());
    QCOMPARE(edit.json.value(QStringLiteral("changed")).toArray().size(), 2);
    c = cases(*m_desk).first().toObject();
    QCOMPARE(c.value(QStringLiteral("status")).toString(), QStringLiteral("closed"));
    QCOMPARE(c.value(QStringLiteral("priority")).toInt(), 4);
    // Editing to the same values changes nothing.
    const Run same = m_desk->hq({QStringLiteral("case"), QStringLiteral("edit"), id,
                                 QStringLiteral("--status"), QStringLiteral("closed")});
    QCOMPARE(same.code, 0);
    QCOMPARE(same.json.value(QStringLiteral("changed")).toArray().size(), 0);
    // Usage errors.
    QCOMPARE(m_desk
                 ->hq({QStringLiteral("case"), QStringLiteral("edit"), id,
                       QStringLiteral("--channel"), QStringLiteral("Scotland Yard")})
                 .code,
             2);
    QCOMPARE(m_desk
                 ->hq({QStringLiteral("case"), QStringLiteral("edit"), id,
                       QStringLiteral("--priority"), QStringLiteral("7")})
                 .code,
             2);
    QCOMPARE(m_desk
                 ->hq({QStringLiteral("case"), QStringLiteral("add"), QStringLiteral("--scope"),
                       QStringLiteral("post:vienna")})
                 .code,
             2);
    QCOMPARE(m_desk
                 ->hq({QStringLiteral("case"), QStringLiteral("edit"), QStringLiteral("ffff"),
                       QStringLiteral("--status"), QStringLiteral("open")})
                 .code,
             1);
    // list --query and the human table.
    QCOMPARE(import(*m_desk, fixture("cases.csv")).code, 0);
    QCOMPARE(cases(*m_desk, {QStringLiteral("--query"), QStringLiteral("brno")}).size(), 1);
    QCOMPARE(cases(*m_desk, {QStringLiteral("--query"), QStringLiteral("sirene")}).size(), 1);
    const Run human =
        runHq({QStringLiteral("case"), QStringLiteral("list"), QStringLiteral("--store"),
               m_desk->store(), QStringLiteral("--passphrase-file"), m_desk->deskPass()});
    QCOMPARE(human.code, 0);
    QVERIFY(human.out.contains("REFERENCE"));
    QVERIFY(human.out.contains("6 case(s)"));
}

void TestHqCliCase::linkedContactsByName()
{
    QCOMPARE(m_desk
                 ->hq({QStringLiteral("contact"), QStringLiteral("add"), QStringLiteral("--scope"),
                       QStringLiteral("post:vienna"), QStringLiteral("--name"),
                       QStringLiteral("Jiří Dvořák")})
                 .code,
             0);
    for (int i = 0; i < 2; ++i)
        QCOMPARE(m_desk
                     ->hq({QStringLiteral("contact"), QStringLiteral("add"),
                           QStringLiteral("--scope"), QStringLiteral("post:vienna"),
                           QStringLiteral("--name"), QStringLiteral("Duty officer")})
                     .code,
                 0);
    QVERIFY(m_desk->writeFile(QStringLiteral("linked.csv"), "reference;title;linked contacts\n"
                                                            "L-1;One link;jiří dvořák\n"
                                                            "L-2;Unknown;Nobody Known\n"
                                                            "L-3;Ambiguous;Duty officer\n"));
    const Run r =
        import(*m_desk, m_desk->path(QStringLiteral("linked.csv")), {QStringLiteral("--skip-bad")});
    QVERIFY2(r.code == 0, describe(r).constData());
    QCOMPARE(problemLines(r), (QList<int>{3, 4}));
    const QJsonArray linked =
        cases(*m_desk).first().toObject().value(QStringLiteral("linkedContacts")).toArray();
    QCOMPARE(linked.size(), 1);
    const Run contacts = m_desk->hq({QStringLiteral("contact"), QStringLiteral("list"),
                                     QStringLiteral("--query"), QStringLiteral("Dvořák")});
    QCOMPARE(linked.first().toString(), contacts.json.value(QStringLiteral("contacts"))
                                            .toArray()
                                            .first()
                                            .toObject()
                                            .value(QStringLiteral("id"))
                                            .toString());
}

LIAISON_TEST_MAIN(TestHqCliCase)
#include "tst_hqcli_case.moc"
