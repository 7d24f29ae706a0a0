// liaison-hq contact import / export with vCard (issue 10 "Imports that survive real files"):
// 2.1 (QUOTED-PRINTABLE, CHARSET), 3.0 (folding, escaping, groups, several TEL/EMAIL/ADR),
// 4.0, broken cards, and the vCard 4.0 export re-imported to the same records.

#include "hqclikit.h"
#include "testmain.h"

#include <QJsonArray>

using namespace liaison;
using namespace liaison::hqclitest;

namespace {

QString fixture(const char *name)
{
    return QStringLiteral(LIAISON_FIXTURES_DIR "/contacts/") + QString::fromLatin1(name);
}

QJsonArray contacts(const Desk &desk)
{
    return desk.hq({QStringLiteral("contact"), QStringLiteral("list")})
        .json.value(QStringLiteral("contacts"))
        .toArray();
}

QJsonObject byName(const QJsonArray &list, const QString &name)
{
    for (const QJsonValue &v : list)
        if (v.toObject().value(QStringLiteral("name")).toString() == name)
            return v.toObject();
    return {};
}

Run import(const Desk &desk, const QString &file, const QStringList &extra = {})
{
    return desk.hq(QStringList{QStringLiteral("contact"), QStringLiteral("import"), file,
                               QStringLiteral("--scope"), QStringLiteral("post:vienna")} +
                   extra);
}

} // namespace

class TestHqCliVcard : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void version21QuotedPrintableAndCharset();
    void version30FoldingEscapingGroups();
    void version40();
    void brokenCards();
    void exportIsVcard40AndReimportsToTheSameRecords();

private:
    std::unique_ptr<Desk> m_desk;
};

void TestHqCliVcard::init()
{
    m_desk = std::make_unique<Desk>();
    QVERIFY(m_desk->setUp());
    QCOMPARE(
        m_desk->hq({QStringLiteral("scope"), QStringLiteral("add"), QStringLiteral("post:vienna")})
            .code,
        0);
}

void TestHqCliVcard::version21QuotedPrintableAndCharset()
{
    const Run r = import(*m_desk, fixture("vcard21_qp.vcf"));
    QVERIFY2(r.code == 0, describe(r).constData());
    QCOMPARE(r.json.value(QStringLiteral("created")).toInt(), 2);
    const QJsonArray all = contacts(*m_desk);
    const QJsonObject head = byName(all, QStringLiteral("Šárka Havránková"));
    QVERIFY(!head.isEmpty());
    QCOMPARE(
        head.value(QStringLiteral("organisation")).toString(),
        QStringLiteral("Policie České republiky, Ředitelství mezinárodní policejní spolupráce"));
    QCOMPARE(head.value(QStringLiteral("phones")).toString(),
             QStringLiteral("work: +420 974 804 400"));
    QCOMPARE(head.value(QStringLiteral("fax")).toString(), QStringLiteral("+420 974 834 723"));
    QCOMPARE(head.value(QStringLiteral("emails")).toString(), QStringLiteral("pp.sekretpp@pcr.cz"));
    QCOMPARE(head.value(QStringLiteral("notes")).toString(),
             QStringLiteral("Stálá služba 24/7:\n974 834 210"));
    // N only (no FN), UTF-8 quoted-printable: given name first.
    const QJsonObject pl = byName(all, QStringLiteral("Łukasz Wiśniewski"));
    QCOMPARE(pl.value(QStringLiteral("phones")).toString(),
             QStringLiteral("mobile: +48 600 000 000"));
}

void TestHqCliVcard::version30FoldingEscapingGroups()
{
    const Run r = import(*m_desk, fixture("vcard30_google.vcf"));
    QVERIFY2(r.code == 0, describe(r).constData());
    QCOMPARE(r.json.value(QStringLiteral("created")).toInt(), 2);
    const QJsonObject c = byName(contacts(*m_desk), QStringLiteral("Permanent service"));
    QCOMPARE(c.value(QStringLiteral("organisation")).toString(),
             QStringLiteral("Policie České republiky, Operational Cooperation Division"));
    QCOMPARE(c.value(QStringLiteral("role")).toString(), QStringLiteral("24/7 permanent service"));
    QCOMPARE(c.value(QStringLiteral("phones")).toString(),
             QStringLiteral("Permanent service 24/7: +420 974 834 210; work: +420 974 804 401; "
                            "mobile: +420 600 000 001"));
    QCOMPARE(c.value(QStringLiteral("fax")).toString(), QStringLiteral("+420 974 834 716"));
    QCOMPARE(c.value(QStringLiteral("emails")).toString(),
             QStringLiteral("rmps@pcr.cz; rmps.pripady@pcr.cz"));
    // The first ADR, its folded country unfolded.
    QCOMPARE(c.value(QStringLiteral("address")).toString(),
             QStringLiteral("Münzbergerových 2811/8, Praha 5 – Stodůlky, 155 00"));
    QCOMPARE(c.value(QStringLiteral("country")).toString(), QStringLiteral("Czech Republic"));
    QCOMPARE(
        c.value(QStringLiteral("notes")).toString(),
        QStringLiteral(
            "Police requests: rmps@pcr.cz\nCases: rmps.pripady@pcr.cz, also by fax; call first"));
    QCOMPARE(c.value(QStringLiteral("tags")).toString(), QStringLiteral("Directorate; 24/7"));
    QVERIFY(!byName(contacts(*m_desk), QStringLiteral("Eszter Szőke-Nagy")).isEmpty());
    // Idempotent.
    const Run again = import(*m_desk, fixture("vcard30_google.vcf"));
    QCOMPARE(again.json.value(QStringLiteral("unchanged")).toInt(), 2);
    QCOMPARE(again.json.value(QStringLiteral("created")).toInt(), 0);
}

void TestHqCliVcard::version40()
{
    const Run r = import(*m_desk, fixture("vcard40.vcf"));
    QVERIFY2(r.code == 0, describe(r).constData());
    const QJsonObject c = byName(contacts(*m_desk), QStringLiteral("Jiří Tomáš Dvořák"));
    QCOMPARE(c.value(QStringLiteral("organisation")).toString(),
             QStringLiteral("Embassy of the Czech Republic, Vienna"));
    QCOMPARE(c.value(QStringLiteral("phones")).toString(), QStringLiteral("work: +43-1-899-58-0"));
    QCOMPARE(c.value(QStringLiteral("languages")).toString(), QStringLiteral("cs; de"));
    QCOMPARE(c.value(QStringLiteral("timeZone")).toString(), QStringLiteral("Europe/Vienna"));
    // The UID is the stable key: a changed name updates the same record.
    QFile f(fixture("vcard40.vcf"));
    QVERIFY(f.open(QIODevice::ReadOnly));
    QByteArray bytes = f.readAll();
    bytes.replace("FN:Jiří Tomáš Dvořák", "FN:Jiří T. Dvořák");
    QVERIFY(m_desk->writeFile(QStringLiteral("renamed.vcf"), bytes));
    const Run renamed = import(*m_desk, m_desk->path(QStringLiteral("renamed.vcf")));
    QCOMPARE(renamed.json.value(QStringLiteral("updated")).toInt(), 1);
    QCOMPARE(contacts(*m_desk).size(), 1);
}

void TestHqCliVcard::brokenCards()
{
    const Run r = import(*m_desk, fixture("vcard_broken.vcf"));
    QCOMPARE(r.code, 1);
    QList<int> lines;
    for (const QJsonValue &p : r.json.value(QStringLiteral("problems")).toArray())
        lines.append(p.toObject().value(QStringLiteral("line")).toInt());
    QCOMPARE(lines, (QList<int>{5, 7, 10}));
    const QJsonArray problems = r.json.value(QStringLiteral("problems")).toArray();
    QVERIFY(problems[0]
                .toObject()
                .value(QStringLiteral("reason"))
                .toString()
                .contains(QStringLiteral("folded")));
    QVERIFY(problems[1]
                .toObject()
                .value(QStringLiteral("reason"))
                .toString()
                .contains(QStringLiteral("END:VCARD")));
    QCOMPARE(contacts(*m_desk).size(), 0);
    const Run skip = import(*m_desk, fixture("vcard_broken.vcf"), {QStringLiteral("--skip-bad")});
    QVERIFY2(skip.code == 0, describe(skip).constData());
    QStringList names;
    for (const QJsonValue &v : contacts(*m_desk))
        names.append(v.toObject().value(QStringLiteral("name")).toString());
    names.sort();
    QCOMPARE(names, (QStringList{QStringLiteral("Cyril Dobrý"), QStringLiteral("Dana Jasná")}));
}

void TestHqCliVcard::exportIsVcard40AndReimportsToTheSameRecords()
{
    for (const char *f : {"vcard21_qp.vcf", "vcard30_google.vcf", "vcard40.vcf", "outlook_cz.csv"})
        QCOMPARE(import(*m_desk, fixture(f)).code, 0);
    QCOMPARE(m_desk
                 ->hq({QStringLiteral("contact"), QStringLiteral("add"), QStringLiteral("--scope"),
                       QStringLiteral("post:vienna"), QStringLiteral("--name"),
                       QStringLiteral("Stálá služba"), QStringLiteral("--phone-24h"),
                       QStringLiteral("Permanent service: +420 974 834 210"),
                       QStringLiteral("--verified"), QStringLiteral("2026-11-30"),
                       QStringLiteral("--address"),
                       QStringLiteral("Münzbergerových 2811/8;\n155 00 Praha 5"),
                       QStringLiteral("--country"), QStringLiteral("CZ"), QStringLiteral("--tag"),
                       QStringLiteral("a,b"), QStringLiteral("--notes"),
                       QStringLiteral("A long note that is certainly longer than seventy-five "
                                      "octets, with ěščřžýáíé "
                                      "in it so that folding meets multi-byte characters")})
                 .code,
             0);
    const QJsonArray before = contacts(*m_desk);
    const QString out = m_desk->path(QStringLiteral("export.vcf"));
    const Run ex = m_desk->hq(
        {QStringLiteral("contact"), QStringLiteral("export"), QStringLiteral("--out"), out});
    QVERIFY2(ex.code == 0, describe(ex).constData());
    QFile f(out);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray bytes = f.readAll();
    QVERIFY(bytes.startsWith("BEGIN:VCARD\r\nVERSION:4.0\r\n"));
    QCOMPARE(bytes.count("BEGIN:VCARD"), qsizetype(before.size()));
    for (const QByteArray &line : bytes.split('\n'))
        QVERIFY2(line.size() <= 76, line.constData()); // 75 octets and the CR
    // Into the same store: unchanged. Into a fresh one: the same records.
    const Run same = m_desk->hq({QStringLiteral("contact"), QStringLiteral("import"), out});
    QVERIFY2(same.code == 0, describe(same).constData());
    QCOMPARE(same.json.value(QStringLiteral("unchanged")).toInt(), before.size());
    QCOMPARE(contacts(*m_desk), before);
    Desk fresh;
    QVERIFY(fresh.setUp());
    QCOMPARE(
        fresh.hq({QStringLiteral("scope"), QStringLiteral("add"), QStringLiteral("post:vienna")})
            .code,
        0);
    const Run r = fresh.hq({QStringLiteral("contact"), QStringLiteral("import"), out});
    QVERIFY2(r.code == 0, describe(r).constData());
    QCOMPARE(r.json.value(QStringLiteral("created")).toInt(), before.size());
    // The same records (a fresh store gives them new ids).
    auto strip = [](const QJsonArray &a) {
        QStringList out;
        for (const QJsonValue &v : a) {
            QJsonObject o = v.toObject();
            o.remove(QStringLiteral("id"));
            out.append(QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact)));
        }
        out.sort();
        return out;
    };
    QCOMPARE(strip(contacts(fresh)), strip(before));
}

LIAISON_TEST_MAIN(TestHqCliVcard)
#include "tst_hqcli_vcard.moc"
