// liaison-hq contact commands and CSV import (issue 10 "Imports that survive real files"): the
// real binary against a real desk store, with the fixtures of tests/fixtures/contacts (Outlook,
// Google, Windows-1250, UTF-16 and broken files).

#include "hqclikit.h"
#include "testmain.h"

#include <QJsonArray>
#include <QSet>

using namespace liaison;
using namespace liaison::hqclitest;

namespace {

QString fixture(const char *name)
{
    return QStringLiteral(LIAISON_FIXTURES_DIR "/contacts/") + QString::fromLatin1(name);
}

QJsonArray contacts(const Desk &desk, const QStringList &extra = {})
{
    const Run r = desk.hq(QStringList{QStringLiteral("contact"), QStringLiteral("list")} + extra);
    if (r.code != 0)
        qWarning() << describe(r);
    return r.json.value(QStringLiteral("contacts")).toArray();
}

QJsonObject byName(const QJsonArray &list, const QString &name)
{
    for (const QJsonValue &v : list)
        if (v.toObject().value(QStringLiteral("name")).toString() == name)
            return v.toObject();
    return {};
}

QStringList names(const QJsonArray &list)
{
    QStringList out;
    for (const QJsonValue &v : list)
        out.append(v.toObject().value(QStringLiteral("name")).toString());
    out.sort();
    return out;
}

Run import(const Desk &desk, const QString &file, const QStringList &extra = {})
{
    return desk.hq(QStringList{QStringLiteral("contact"), QStringLiteral("import"), file,
                               QStringLiteral("--scope"), QStringLiteral("post:vienna")} +
                   extra);
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

class TestHqCliImport : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void outlookExport();
    void googleExport();
    void windows1250AndSemicolons();
    void utf16AndTabs();
    void brokenRowsImportNothingByDefault();
    void skipBadImportsTheRest();
    void unbalancedQuoteToTheEnd();
    void wrongEncodingIsReported();
    void dryRunWritesNothing();
    void reimportChangesNothing();
    void editedFileUpdatesOnlyWhatChanged();
    void exportReimportsToTheSameRecords();
    void undeclaredScopeIsABadRow();
    void addEditDeleteList();
    void contactEditHasNoScopeOption();
    void killedImportLeavesNothingHalfApplied();

private:
    std::unique_ptr<Desk> m_desk;
};

void TestHqCliImport::init()
{
    m_desk = std::make_unique<Desk>();
    QVERIFY(m_desk->setUp());
    QCOMPARE(
        m_desk->hq({QStringLiteral("scope"), QStringLiteral("add"), QStringLiteral("post:vienna")})
            .code,
        0);
}

void TestHqCliImport::outlookExport()
{
    const Run r = import(*m_desk, fixture("outlook_cz.csv"));
    QVERIFY2(r.code == 0, describe(r).constData());
    QCOMPARE(r.json.value(QStringLiteral("created")).toInt(), 4);
    QCOMPARE(r.json.value(QStringLiteral("encoding")).toString(), QStringLiteral("utf-8"));
    QVERIFY(r.json.value(QStringLiteral("ignoredColumns"))
                .toArray()
                .contains(QStringLiteral("E-mail Display Name")));
    const QJsonArray all = contacts(*m_desk);
    QCOMPARE(
        names(all),
        (QStringList{QStringLiteral("Eszter Szőke-Nagy"), QStringLiteral("Jiří Tomáš Dvořák"),
                     QStringLiteral("Permanent service"), QStringLiteral("Šárka Havránková")}));
    const QJsonObject head = byName(all, QStringLiteral("Šárka Havránková"));
    QCOMPARE(
        head.value(QStringLiteral("organisation")).toString(),
        QStringLiteral("Policie České republiky, International Police Cooperation Directorate"));
    QCOMPARE(head.value(QStringLiteral("role")).toString(),
             QStringLiteral("Head of the Directorate"));
    QCOMPARE(head.value(QStringLiteral("country")).toString(), QStringLiteral("Czech Republic"));
    QCOMPARE(head.value(QStringLiteral("phones")).toString(),
             QStringLiteral("business: +420 974 804 400; business: +420 974 804 401"));
    QCOMPARE(head.value(QStringLiteral("fax")).toString(), QStringLiteral("+420 974 834 723"));
    QCOMPARE(head.value(QStringLiteral("emails")).toString(), QStringLiteral("pp.sekretpp@pcr.cz"));
    QCOMPARE(head.value(QStringLiteral("address")).toString(),
             QStringLiteral("Münzbergerových 2811/8, Praha 5 – Stodůlky, 155 00"));
    QCOMPARE(head.value(QStringLiteral("tags")).toString(),
             QStringLiteral("Directorate; Management"));
    const QJsonObject duty = byName(all, QStringLiteral("Permanent service"));
    QCOMPARE(duty.value(QStringLiteral("notes")).toString(),
             QStringLiteral("Police requests: rmps@pcr.cz\nCases: rmps.pripady@pcr.cz"));
    QCOMPARE(duty.value(QStringLiteral("emails")).toString(),
             QStringLiteral("rmps@pcr.cz; rmps.pripady@pcr.cz"));
    const QJsonObject lo = byName(all, QStringLiteral("Jiří Tomáš Dvořák"));
    QCOMPARE(lo.value(QStringLiteral("organisation")).toString(),
             QStringLiteral("Embassy of the Czech Republic, Vienna"));
    QCOMPARE(lo.value(QStringLiteral("notes")).toString(),
             QStringLiteral("Speaks \"Wienerisch\", call before 18:00"));
    QCOMPARE(lo.value(QStringLiteral("phones")).toString(),
             QStringLiteral("business: +43 1 899 58 0; mobile: +43 664 000 0000"));
}

void TestHqCliImport::googleExport()
{
    const Run r = import(*m_desk, fixture("google_pl_hu.csv"));
    QVERIFY2(r.code == 0, describe(r).constData());
    QCOMPARE(r.json.value(QStringLiteral("created")).toInt(), 2);
    const QJsonArray all = contacts(*m_desk);
    const QJsonObject pl = byName(all, QStringLiteral("Łukasz Wiśniewski"));
    QVERIFY(!pl.isEmpty());
    QCOMPARE(pl.value(QStringLiteral("organisation")).toString(),
             QStringLiteral("Komenda Główna Policji, Biuro Międzynarodowej Współpracy Policji"));
    QCOMPARE(pl.value(QStringLiteral("role")).toString(), QStringLiteral("Oficer łącznikowy"));
    QCOMPARE(pl.value(QStringLiteral("emails")).toString(),
             QStringLiteral("lukasz.wisniewski@example.pl; lw@example.pl"));
    QCOMPARE(pl.value(QStringLiteral("phones")).toString(),
             QStringLiteral("work: +48 47 721 20 00; mobile: +48 600 000 000"));
    QCOMPARE(pl.value(QStringLiteral("address")).toString(),
             QStringLiteral("ul. Puławska 148/150\n02-624 Warszawa"));
    QCOMPARE(pl.value(QStringLiteral("country")).toString(), QStringLiteral("Poland"));
    QCOMPARE(pl.value(QStringLiteral("tags")).toString(), QStringLiteral("Partners"));
    const QJsonObject hu = byName(all, QStringLiteral("Zsófia Kovács-Nagy"));
    QCOMPARE(hu.value(QStringLiteral("notes")).toString(), QStringLiteral("Érkezés: hétfő"));
    QCOMPARE(hu.value(QStringLiteral("tags")).toString(), QString());
}

void TestHqCliImport::windows1250AndSemicolons()
{
    const Run r = import(*m_desk, fixture("windows1250_semicolon.csv"));
    QVERIFY2(r.code == 0, describe(r).constData());
    QCOMPARE(r.json.value(QStringLiteral("encoding")).toString(), QStringLiteral("windows-1250"));
    QCOMPARE(r.json.value(QStringLiteral("delimiter")).toString(), QStringLiteral(";"));
    const QJsonArray all = contacts(*m_desk);
    QCOMPARE(names(all), (QStringList{QStringLiteral("Małgorzata Żółkiewska"),
                                      QStringLiteral("Přemysl Šťastný"),
                                      QStringLiteral("Ödön Győrffy-Szűcs")}));
    const QJsonObject cz = byName(all, QStringLiteral("Přemysl Šťastný"));
    QCOMPARE(cz.value(QStringLiteral("organisation")).toString(),
             QStringLiteral("Policie ČR, Odbor mezinárodní policejní spolupráce"));
    QCOMPARE(cz.value(QStringLiteral("phones")).toString(),
             QStringLiteral("office: +420 974 834 210 (24/7)"));
    QCOMPARE(byName(all, QStringLiteral("Małgorzata Żółkiewska"))
                 .value(QStringLiteral("role"))
                 .toString(),
             QStringLiteral("Łącznik"));
    // Named explicitly as ISO-8859-2, the same bytes read differently (Š is 0x8A in 1250 and a
    // control character in 8859-2): the importer does what it is told and refuses the control
    // character.
    Desk other;
    QVERIFY(other.setUp());
    QCOMPARE(
        other.hq({QStringLiteral("scope"), QStringLiteral("add"), QStringLiteral("post:vienna")})
            .code,
        0);
    const Run latin2 = import(other, fixture("windows1250_semicolon.csv"),
                              {QStringLiteral("--encoding"), QStringLiteral("iso-8859-2")});
    QCOMPARE(latin2.code, 1);
    QCOMPARE(contacts(other).size(), 0);
    QCOMPARE(import(other, fixture("windows1250_semicolon.csv"),
                    {QStringLiteral("--encoding"), QStringLiteral("klingon")})
                 .code,
             2);
}

void TestHqCliImport::utf16AndTabs()
{
    const Run r = import(*m_desk, fixture("utf16_tab.csv"));
    QVERIFY2(r.code == 0, describe(r).constData());
    QCOMPARE(r.json.value(QStringLiteral("encoding")).toString(), QStringLiteral("utf-16le"));
    QCOMPARE(r.json.value(QStringLiteral("delimiter")).toString(), QStringLiteral("\t"));
    QCOMPARE(names(contacts(*m_desk)),
             (QStringList{QStringLiteral("Barbara Żak"), QStringLiteral("Kateřina Nováková")}));
}

void TestHqCliImport::brokenRowsImportNothingByDefault()
{
    const int before = unpublished(*m_desk);
    const Run r = import(*m_desk, fixture("broken_rows.csv"));
    QCOMPARE(r.code, 1);
    QCOMPARE(problemLines(r), (QList<int>{3, 5, 6, 7}));
    for (const QJsonValue &p : r.json.value(QStringLiteral("problems")).toArray())
        QCOMPARE(p.toObject().value(QStringLiteral("file")).toString(),
                 QStringLiteral("broken_rows.csv"));
    const QJsonArray problems = r.json.value(QStringLiteral("problems")).toArray();
    QVERIFY(problems[0]
                .toObject()
                .value(QStringLiteral("reason"))
                .toString()
                .contains(QStringLiteral("quote")));
    QVERIFY(problems[2]
                .toObject()
                .value(QStringLiteral("reason"))
                .toString()
                .contains(QStringLiteral("4 fields")));
    QVERIFY(problems[3]
                .toObject()
                .value(QStringLiteral("reason"))
                .toString()
                .contains(QStringLiteral("no name")));
    QCOMPARE(r.json.value(QStringLiteral("created")).toInt(), 0);
    QCOMPARE(r.json.value(QStringLiteral("applied")).toBool(true), false);
    QCOMPARE(contacts(*m_desk).size(), 0);
    QCOMPARE(unpublished(*m_desk), before);
    // Human output: every bad row with file, line and reason on stderr.
    const Run human =
        runHq({QStringLiteral("contact"), QStringLiteral("import"), fixture("broken_rows.csv"),
               QStringLiteral("--scope"), QStringLiteral("post:vienna"), QStringLiteral("--store"),
               m_desk->store(), QStringLiteral("--passphrase-file"), m_desk->deskPass()});
    QCOMPARE(human.code, 1);
    for (const char *line :
         {"broken_rows.csv:3:", "broken_rows.csv:5:", "broken_rows.csv:6:", "broken_rows.csv:7:"})
        QVERIFY2(human.err.contains(line), human.err.constData());
}

void TestHqCliImport::skipBadImportsTheRest()
{
    const Run r = import(*m_desk, fixture("broken_rows.csv"), {QStringLiteral("--skip-bad")});
    QVERIFY2(r.code == 0, describe(r).constData());
    QCOMPARE(r.json.value(QStringLiteral("created")).toInt(), 3);
    QCOMPARE(r.json.value(QStringLiteral("bad")).toInt(), 4);
    QCOMPARE(names(contacts(*m_desk)),
             (QStringList{QStringLiteral("Anna Horáková"), QStringLiteral("Cecílie Marková"),
                          QStringLiteral("František Němec")}));
    QCOMPARE(byName(contacts(*m_desk), QStringLiteral("Cecílie Marková"))
                 .value(QStringLiteral("organisation"))
                 .toString(),
             QStringLiteral("Policie ČR, OMPS"));
    // Again: the same rows, nothing changes.
    const Run again = import(*m_desk, fixture("broken_rows.csv"), {QStringLiteral("--skip-bad")});
    QCOMPARE(again.code, 0);
    QCOMPARE(again.json.value(QStringLiteral("created")).toInt(), 0);
    QCOMPARE(again.json.value(QStringLiteral("unchanged")).toInt(), 3);
    // The audit keeps both imports.
    const Run audit = m_desk->hq(
        {QStringLiteral("audit"), QStringLiteral("--action"), QStringLiteral("contact.import")});
    const QJsonArray e = audit.json.value(QStringLiteral("entries")).toArray();
    QCOMPARE(e.size(), 2);
    QCOMPARE(e[0].toObject().value(QStringLiteral("target")).toString(),
             QStringLiteral("broken_rows.csv"));
    QCOMPARE(e[0].toObject().value(QStringLiteral("detail")).toString(),
             QStringLiteral("3 new, 0 updated, 0 unchanged, 4 bad row(s) skipped"));
}

void TestHqCliImport::unbalancedQuoteToTheEnd()
{
    const Run r = import(*m_desk, fixture("broken_unclosed.csv"), {QStringLiteral("--skip-bad")});
    QVERIFY2(r.code == 0, describe(r).constData());
    QCOMPARE(problemLines(r), QList<int>{3});
    QVERIFY(r.json.value(QStringLiteral("problems"))
                .toArray()[0]
                .toObject()
                .value(QStringLiteral("reason"))
                .toString()
                .contains(QStringLiteral("never closed")));
    QCOMPARE(names(contacts(*m_desk)),
             (QStringList{QStringLiteral("Gabriela Pokorná"), QStringLiteral("Ivan Beneš")}));
}

void TestHqCliImport::wrongEncodingIsReported()
{
    const Run r = import(*m_desk, fixture("broken_encoding.csv"));
    QCOMPARE(r.code, 1);
    const QString message = r.json.value(QStringLiteral("error"))
                                .toObject()
                                .value(QStringLiteral("message"))
                                .toString();
    QVERIFY2(message.contains(QStringLiteral("broken_encoding.csv")) &&
                 message.contains(QStringLiteral("line 3")) &&
                 message.contains(QStringLiteral("0x98")),
             qPrintable(message));
    QCOMPARE(contacts(*m_desk).size(), 0);
    // UTF-8 named for a Windows-1250 file: refused with the place.
    const Run utf8 = import(*m_desk, fixture("windows1250_semicolon.csv"),
                            {QStringLiteral("--encoding"), QStringLiteral("utf-8")});
    QCOMPARE(utf8.code, 1);
    QVERIFY(utf8.json.value(QStringLiteral("error"))
                .toObject()
                .value(QStringLiteral("message"))
                .toString()
                .contains(QStringLiteral("line 2")));
}

void TestHqCliImport::dryRunWritesNothing()
{
    const Run r = import(*m_desk, fixture("outlook_cz.csv"), {QStringLiteral("--dry-run")});
    QVERIFY2(r.code == 0, describe(r).constData());
    QCOMPARE(r.json.value(QStringLiteral("created")).toInt(), 4);
    QCOMPARE(r.json.value(QStringLiteral("applied")).toBool(true), false);
    QCOMPARE(contacts(*m_desk).size(), 0);
    QCOMPARE(unpublished(*m_desk), 0);
    QCOMPARE(
        m_desk->hq({QStringLiteral("audit"), QStringLiteral("--action"), QStringLiteral("contact")})
            .json.value(QStringLiteral("entries"))
            .toArray()
            .size(),
        0);
}

void TestHqCliImport::reimportChangesNothing()
{
    for (const char *f :
         {"outlook_cz.csv", "google_pl_hu.csv", "windows1250_semicolon.csv", "utf16_tab.csv"})
        QCOMPARE(import(*m_desk, fixture(f)).code, 0);
    const QJsonArray before = contacts(*m_desk);
    const int edits = unpublished(*m_desk);
    QCOMPARE(before.size(), 11);
    for (const char *f :
         {"outlook_cz.csv", "google_pl_hu.csv", "windows1250_semicolon.csv", "utf16_tab.csv"}) {
        const Run again = import(*m_desk, fixture(f));
        QVERIFY2(again.code == 0, describe(again).constData());
        QCOMPARE(again.json.value(QStringLiteral("created")).toInt(), 0);
        QCOMPARE(again.json.value(QStringLiteral("updated")).toInt(), 0);
        QVERIFY(again.json.value(QStringLiteral("unchanged")).toInt() > 0);
    }
    QCOMPARE(contacts(*m_desk), before);
    QCOMPARE(unpublished(*m_desk), edits); // not one operation queued
}

void TestHqCliImport::editedFileUpdatesOnlyWhatChanged()
{
    QCOMPARE(import(*m_desk, fixture("windows1250_semicolon.csv")).code, 0);
    QFile f(fixture("windows1250_semicolon.csv"));
    QVERIFY(f.open(QIODevice::ReadOnly));
    QByteArray bytes = f.readAll();
    // Ödön's e-mail changes, nothing else.
    bytes.replace("odon.gyorffy@example.hu", "odon.gy@example.hu");
    QVERIFY(m_desk->writeFile(QStringLiteral("edited.csv"), bytes));
    const QJsonArray before = contacts(*m_desk);
    const Run r = import(*m_desk, m_desk->path(QStringLiteral("edited.csv")));
    QVERIFY2(r.code == 0, describe(r).constData());
    QCOMPARE(r.json.value(QStringLiteral("updated")).toInt(), 1);
    QCOMPARE(r.json.value(QStringLiteral("unchanged")).toInt(), 2);
    QCOMPARE(r.json.value(QStringLiteral("created")).toInt(), 0);
    const QJsonArray after = contacts(*m_desk);
    const QJsonObject o1 = byName(before, QStringLiteral("Ödön Győrffy-Szűcs"));
    const QJsonObject o2 = byName(after, QStringLiteral("Ödön Győrffy-Szűcs"));
    QCOMPARE(o2.value(QStringLiteral("id")), o1.value(QStringLiteral("id")));
    QCOMPARE(o2.value(QStringLiteral("emails")).toString(), QStringLiteral("odon.gy@example.hu"));
}

void TestHqCliImport::exportReimportsToTheSameRecords()
{
    QCOMPARE(import(*m_desk, fixture("outlook_cz.csv")).code, 0);
    QCOMPARE(import(*m_desk, fixture("google_pl_hu.csv")).code, 0);
    const QString out = m_desk->path(QStringLiteral("export.csv"));
    const Run ex = m_desk->hq(
        {QStringLiteral("contact"), QStringLiteral("export"), QStringLiteral("--out"), out});
    QVERIFY2(ex.code == 0, describe(ex).constData());
    QCOMPARE(ex.json.value(QStringLiteral("contacts")).toInt(), 6);
    const QJsonArray before = contacts(*m_desk);
    // Into the same store: every row names its record; nothing changes.
    const Run same = m_desk->hq({QStringLiteral("contact"), QStringLiteral("import"), out});
    QVERIFY2(same.code == 0, describe(same).constData());
    QCOMPARE(same.json.value(QStringLiteral("unchanged")).toInt(), 6);
    QCOMPARE(contacts(*m_desk), before);
    // Into a fresh desk: the same records (fields and scopes).
    Desk fresh;
    QVERIFY(fresh.setUp());
    QCOMPARE(
        fresh.hq({QStringLiteral("scope"), QStringLiteral("add"), QStringLiteral("post:vienna")})
            .code,
        0);
    const Run r = fresh.hq({QStringLiteral("contact"), QStringLiteral("import"), out});
    QVERIFY2(r.code == 0, describe(r).constData());
    QCOMPARE(r.json.value(QStringLiteral("created")).toInt(), 6);
    auto strip = [](QJsonArray a) {
        QList<QJsonObject> out;
        for (const QJsonValue &v : a) {
            QJsonObject o = v.toObject();
            o.remove(QStringLiteral("id"));
            out.append(o);
        }
        std::sort(out.begin(), out.end(), [](const QJsonObject &x, const QJsonObject &y) {
            return x.value(QStringLiteral("name")).toString() <
                   y.value(QStringLiteral("name")).toString();
        });
        return out;
    };
    QCOMPARE(strip(contacts(fresh)), strip(before));
}

void TestHqCliImport::undeclaredScopeIsABadRow()
{
    QVERIFY(m_desk->writeFile(QStringLiteral("scoped.csv"),
                              "name,scope\nAlena Malá,post:vienna\nBořek Velký,post:viena\n"));
    const Run r = m_desk->hq({QStringLiteral("contact"), QStringLiteral("import"),
                              m_desk->path(QStringLiteral("scoped.csv"))});
    QCOMPARE(r.code, 1);
    QCOMPARE(problemLines(r), QList<int>{3});
    QVERIFY(r.json.value(QStringLiteral("problems"))
                .toArray()[0]
                .toObject()
                .value(QStringLiteral("reason"))
                .toString()
                .contains(QStringLiteral("post:viena")));
    QCOMPARE(contacts(*m_desk).size(), 0);
    // No scope anywhere: a usage-level failure of the whole file.
    QVERIFY(m_desk->writeFile(QStringLiteral("noscope.csv"), "name\nAlena Malá\n"));
    QCOMPARE(m_desk
                 ->hq({QStringLiteral("contact"), QStringLiteral("import"),
                       m_desk->path(QStringLiteral("noscope.csv"))})
                 .code,
             1);
}

void TestHqCliImport::addEditDeleteList()
{
    const Run add = m_desk->hq(
        {QStringLiteral("contact"), QStringLiteral("add"), QStringLiteral("--scope"),
         QStringLiteral("post:vienna"), QStringLiteral("--name"), QStringLiteral("Stálá služba"),
         QStringLiteral("--organisation"), QStringLiteral("Policie ČR"),
         QStringLiteral("--phone-24h"), QStringLiteral("permanent service: +420 974 834 210"),
         QStringLiteral("--email"), QStringLiteral("rmps@pcr.cz"), QStringLiteral("--email"),
         QStringLiteral("rmps.pripady@pcr.cz"), QStringLiteral("--verified"),
         QStringLiteral("2026-11-30")});
    QVERIFY2(add.code == 0, describe(add).constData());
    const QString id = add.json.value(QStringLiteral("id")).toString();
    QCOMPARE(id.size(), 36);
    QCOMPARE(
        m_desk
            ->hq({QStringLiteral("contact"), QStringLiteral("add"), QStringLiteral("--scope"),
                  QStringLiteral("post:nowhere"), QStringLiteral("--name"), QStringLiteral("X")})
            .code,
        1);
    QCOMPARE(m_desk
                 ->hq({QStringLiteral("contact"), QStringLiteral("add"), QStringLiteral("--name"),
                       QStringLiteral("X")})
                 .code,
             2);
    QJsonObject c = byName(contacts(*m_desk), QStringLiteral("Stálá služba"));
    QCOMPARE(c.value(QStringLiteral("phones")).toString(),
             QStringLiteral("permanent service: +420 974 834 210 (24/7)"));
    QCOMPARE(c.value(QStringLiteral("lastVerified")).toString(),
             QStringLiteral("2026-11-30T00:00:00Z"));
    // Edit by a prefix of the id.
    const Run edit = m_desk->hq({QStringLiteral("contact"), QStringLiteral("edit"), id.left(8),
                                 QStringLiteral("--role"), QStringLiteral("24/7 desk")});
    QVERIFY2(edit.code == 0, describe(edit).constData());
    QCOMPARE(edit.json.value(QStringLiteral("changed")).toArray(),
             QJsonArray{QStringLiteral("role")});
    QCOMPARE(m_desk
                 ->hq({QStringLiteral("contact"), QStringLiteral("edit"), id,
                       QStringLiteral("--scope"), QStringLiteral("post:vienna")})
                 .code,
             2);
    // --query matches any field, in any case.
    QCOMPARE(contacts(*m_desk, {QStringLiteral("--query"), QStringLiteral("RMPS.PRIPADY")}).size(),
             1);
    QCOMPARE(contacts(*m_desk, {QStringLiteral("--query"), QStringLiteral("nobody")}).size(), 0);
    QCOMPARE(contacts(*m_desk, {QStringLiteral("--scope"), QStringLiteral("post:vienna")}).size(),
             1);
    const Run del = m_desk->hq({QStringLiteral("contact"), QStringLiteral("delete"), id});
    QVERIFY2(del.code == 0, describe(del).constData());
    QCOMPARE(contacts(*m_desk).size(), 0);
    QCOMPARE(m_desk->hq({QStringLiteral("contact"), QStringLiteral("delete"), id}).code, 1);
    const Run audit = m_desk->hq(
        {QStringLiteral("audit"), QStringLiteral("--action"), QStringLiteral("contact")});
    QStringList actions;
    for (const QJsonValue &v : audit.json.value(QStringLiteral("entries")).toArray())
        actions.append(v.toObject().value(QStringLiteral("action")).toString());
    QCOMPARE(actions, (QStringList{QStringLiteral("contact.add"), QStringLiteral("contact.edit"),
                                   QStringLiteral("contact.delete")}));
}

// A record keeps its scope for life: `contact edit`, like `case edit`, declares no --scope, and
// never asks the parser for one (QCommandLineParser warns on stderr about an undeclared option).
void TestHqCliImport::contactEditHasNoScopeOption()
{
    const Run add = m_desk->hq({QStringLiteral("contact"), QStringLiteral("add"),
                                QStringLiteral("--scope"), QStringLiteral("post:vienna"),
                                QStringLiteral("--name"), QStringLiteral("Ana")});
    QVERIFY2(add.code == 0, describe(add).constData());
    const QString id = add.json.value(QStringLiteral("id")).toString();
    const Run edit = m_desk->hq({QStringLiteral("contact"), QStringLiteral("edit"), id,
                                 QStringLiteral("--role"), QStringLiteral("duty officer")});
    QVERIFY2(edit.code == 0, describe(edit).constData());
    QVERIFY2(!edit.err.contains("option not defined"), edit.err.constData());
    QVERIFY2(edit.err.isEmpty(), edit.err.constData());
    const Run help =
        runHq({QStringLiteral("contact"), QStringLiteral("edit"), QStringLiteral("--help")});
    QCOMPARE(help.code, 0);
    QVERIFY(!help.out.contains("--scope"));
    // --scope is refused as case edit refuses it: an unknown option, usage.
    for (const char *command : {"contact", "case"}) {
        const Run moved = m_desk->hq({QString::fromLatin1(command), QStringLiteral("edit"), id,
                                      QStringLiteral("--scope"), QStringLiteral("post:vienna")});
        QCOMPARE(moved.code, 2);
        QVERIFY2(moved.err.contains("Unknown option 'scope'"), moved.err.constData());
        QVERIFY2(!moved.err.contains("option not defined"), moved.err.constData());
    }
}

void TestHqCliImport::killedImportLeavesNothingHalfApplied()
{
    QByteArray csv = "Name,Organisation,Emails\r\n";
    for (int i = 1; i <= 300; ++i)
        csv += QStringLiteral("Kontakt č. %1 Řehoř,Policie ČR,k%1@example.cz\r\n")
                   .arg(i, 3, 10, QLatin1Char('0'))
                   .toUtf8();
    QVERIFY(m_desk->writeFile(QStringLiteral("big.csv"), csv));
    const QStringList args{QStringLiteral("contact"), QStringLiteral("import"),
                           m_desk->path(QStringLiteral("big.csv")), QStringLiteral("--scope"),
                           QStringLiteral("post:vienna")};
    // SIGKILL after 200 of the 300 rows were written inside the import's transaction.
    const Run killed = m_desk->hqEnv(
        args, {{QStringLiteral("LIAISON_HQ_TEST_KILL"), QStringLiteral("import:200")}});
    QCOMPARE(killed.code, -2); // killed, no exit code
    QCOMPARE(contacts(*m_desk).size(), 0);
    QCOMPARE(unpublished(*m_desk), 0);
    QCOMPARE(m_desk
                 ->hq({QStringLiteral("audit"), QStringLiteral("--action"),
                       QStringLiteral("contact.import")})
                 .json.value(QStringLiteral("entries"))
                 .toArray()
                 .size(),
             0);
    // The second run completes, and a third changes nothing.
    const Run second = m_desk->hq(args);
    QVERIFY2(second.code == 0, describe(second).constData());
    QCOMPARE(second.json.value(QStringLiteral("created")).toInt(), 300);
    QCOMPARE(contacts(*m_desk).size(), 300);
    QCOMPARE(unpublished(*m_desk), 300);
    const Run third = m_desk->hq(args);
    QCOMPARE(third.json.value(QStringLiteral("unchanged")).toInt(), 300);
    QCOMPARE(unpublished(*m_desk), 300);
}

LIAISON_TEST_MAIN(TestHqCliImport)
#include "tst_hqcli_import.moc"
