// liaison-hq instruction issue|list (issue 10): an instruction from a Markdown file, its title from
// the first heading, --requires-ack, re-issue raising the version, bad bodies refused.

#include "hqclikit.h"
#include "testmain.h"

#include <QJsonArray>

using namespace liaison;
using namespace liaison::hqclitest;

class TestHqCliInstruction : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void issueListReissue();
    void badBodiesAreRefused();
    void firstLineHeadingIsTheTitleNotTheBody();
};

void TestHqCliInstruction::issueListReissue()
{
    Desk d;
    QVERIFY(d.setUp());
    QCOMPARE(d.hq({QStringLiteral("scope"), QStringLiteral("add"),
                   QStringLiteral("visit:2026-12-brussels")})
                 .code,
             0);
    const QString md = QStringLiteral(LIAISON_FIXTURES_DIR "/instructions/visit-brussels.md");
    const Run issued =
        d.hq({QStringLiteral("instruction"), QStringLiteral("issue"), QStringLiteral("--scope"),
              QStringLiteral("visit:2026-12-brussels"), QStringLiteral("--body"), md,
              QStringLiteral("--requires-ack"), QStringLiteral("--priority"), QStringLiteral("4"),
              QStringLiteral("--valid-until"), QStringLiteral("2026-12-17")});
    QVERIFY2(issued.code == 0, describe(issued).constData());
    QCOMPARE(issued.json.value(QStringLiteral("version")).toInt(), 1);
    const Run list = d.hq({QStringLiteral("instruction"), QStringLiteral("list")});
    QCOMPARE(list.code, 0);
    const QJsonArray all = list.json.value(QStringLiteral("instructions")).toArray();
    QCOMPARE(all.size(), 1);
    const QJsonObject i = all[0].toObject();
    QCOMPARE(i.value(QStringLiteral("title")).toString(),
             QStringLiteral("Návštěva delegace v Bruselu, 14.–16. 12. 2026"));
    QFile f(md);
    QVERIFY(f.open(QIODevice::ReadOnly));
    // The body goes on after the heading that became the title.
    QCOMPARE(i.value(QStringLiteral("body")).toString(),
             QString::fromUtf8(f.readAll()).section(QLatin1Char('\n'), 1).trimmed());
    QCOMPARE(i.value(QStringLiteral("requiresAck")).toBool(), true);
    QCOMPARE(i.value(QStringLiteral("priority")).toInt(), 4);
    QCOMPARE(i.value(QStringLiteral("issuedBy")).toString(), QStringLiteral("test officer"));
    QCOMPARE(i.value(QStringLiteral("validUntil")).toString(),
             QStringLiteral("2026-12-17T00:00:00Z"));
    // Re-issue with a new title: same record, version 2, still to be acknowledged.
    const Run again =
        d.hq({QStringLiteral("instruction"), QStringLiteral("issue"), QStringLiteral("--update"),
              issued.json.value(QStringLiteral("id")).toString().left(8), QStringLiteral("--title"),
              QStringLiteral("Návštěva delegace v Bruselu (změna)")});
    QVERIFY2(again.code == 0, describe(again).constData());
    QCOMPARE(again.json.value(QStringLiteral("version")).toInt(), 2);
    QCOMPARE(again.json.value(QStringLiteral("id")), issued.json.value(QStringLiteral("id")));
    const QJsonObject i2 = d.hq({QStringLiteral("instruction"), QStringLiteral("list")})
                               .json.value(QStringLiteral("instructions"))
                               .toArray()[0]
                               .toObject();
    QCOMPARE(i2.value(QStringLiteral("version")).toInt(), 2);
    QCOMPARE(i2.value(QStringLiteral("title")).toString(),
             QStringLiteral("Návštěva delegace v Bruselu (změna)"));
    QCOMPARE(i2.value(QStringLiteral("body")), i.value(QStringLiteral("body")));
    QCOMPARE(i2.value(QStringLiteral("requiresAck")).toBool(), true);
    QCOMPARE(
        d.hq({QStringLiteral("audit"), QStringLiteral("--action"), QStringLiteral("instruction")})
            .json.value(QStringLiteral("entries"))
            .toArray()
            .size(),
        2);
    // Queued for publishing: two edits.
    QCOMPARE(
        d.hq({QStringLiteral("status")}).json.value(QStringLiteral("unpublishedEdits")).toInt(), 2);
}

void TestHqCliInstruction::badBodiesAreRefused()
{
    Desk d;
    QVERIFY(d.setUp());
    QCOMPARE(
        d.hq({QStringLiteral("scope"), QStringLiteral("add"), QStringLiteral("post:vienna")}).code,
        0);
    auto issue = [&](const QString &file, const QStringList &extra = {}) {
        return d.hq(QStringList{QStringLiteral("instruction"), QStringLiteral("issue"),
                                QStringLiteral("--scope"), QStringLiteral("post:vienna"),
                                QStringLiteral("--body"), file} +
                    extra);
    };
    // Not UTF-8 (a Windows-1250 file): refused with its place.
    QVERIFY(d.writeFile(QStringLiteral("cp1250.md"), "# Pokyn\n\nSt\xE1l\xE1 slu\x9E"
                                                     "ba\n"));
    const Run cp = issue(d.path(QStringLiteral("cp1250.md")));
    QCOMPARE(cp.code, 1);
    QVERIFY(cp.err.contains("line 3"));
    // Over the schema's 32768 characters.
    QVERIFY(d.writeFile(QStringLiteral("long.md"), "# Long\n" + QByteArray(40000, 'x')));
    QCOMPARE(issue(d.path(QStringLiteral("long.md"))).code, 1);
    // No title anywhere: usage.
    QVERIFY(d.writeFile(QStringLiteral("untitled.md"), "just text\n"));
    QCOMPARE(issue(d.path(QStringLiteral("untitled.md"))).code, 2);
    QCOMPARE(issue(d.path(QStringLiteral("untitled.md")),
                   {QStringLiteral("--title"), QStringLiteral("Pokyn")})
                 .code,
             0);
    // Undeclared scope, missing file, an update of nothing.
    QCOMPARE(d.hq({QStringLiteral("instruction"), QStringLiteral("issue"),
                   QStringLiteral("--scope"), QStringLiteral("post:nowhere"),
                   QStringLiteral("--body"), d.path(QStringLiteral("untitled.md")),
                   QStringLiteral("--title"), QStringLiteral("x")})
                 .code,
             1);
    QCOMPARE(issue(d.path(QStringLiteral("missing.md"))).code, 1);
    QCOMPARE(
        d.hq({QStringLiteral("instruction"), QStringLiteral("issue"), QStringLiteral("--update"),
              QStringLiteral("abcdef"), QStringLiteral("--title"), QStringLiteral("x")})
            .code,
        1);
    QCOMPARE(d.hq({QStringLiteral("instruction"), QStringLiteral("list")})
                 .json.value(QStringLiteral("instructions"))
                 .toArray()
                 .size(),
             1);
}

void TestHqCliInstruction::firstLineHeadingIsTheTitleNotTheBody()
{
    Desk d;
    QVERIFY(d.setUp());
    QCOMPARE(
        d.hq({QStringLiteral("scope"), QStringLiteral("add"), QStringLiteral("post:vienna")}).code,
        0);
    // The newest instruction's title and body as `instruction list` gives them.
    const auto issue = [&](const QByteArray &markdown, const QStringList &extra = {}) {
        static int n = 0;
        const QString name = QStringLiteral("i%1.md").arg(++n);
        if (!d.writeFile(name, markdown))
            return std::pair{-1, QStringList()};
        const Run r = d.hq(QStringList{QStringLiteral("instruction"), QStringLiteral("issue"),
                                       QStringLiteral("--scope"), QStringLiteral("post:vienna"),
                                       QStringLiteral("--body"), d.path(name)} +
                           extra);
        if (r.code != 0)
            return std::pair{r.code, QStringList()};
        const QString id = r.json.value(QStringLiteral("id")).toString();
        for (const QJsonValue &v : d.hq({QStringLiteral("instruction"), QStringLiteral("list")})
                                       .json.value(QStringLiteral("instructions"))
                                       .toArray())
            if (v.toObject().value(QStringLiteral("id")).toString() == id)
                return std::pair{
                    0, QStringList{v.toObject().value(QStringLiteral("title")).toString(),
                                   v.toObject().value(QStringLiteral("body")).toString()}};
        return std::pair{-2, QStringList()};
    };
    const QByteArray md = "# Hlášení o příjezdu\r\n\r\nPo příjezdu volejte službu.\r\n\r\n"
                          "## Kontakty\r\n- stálá služba\r\n";
    // No --title: the heading is the title and the body does not repeat it.
    QCOMPARE(issue(md), (std::pair{0, QStringList{QStringLiteral("Hlášení o příjezdu"),
                                                  QStringLiteral("Po příjezdu volejte službu.\n\n"
                                                                 "## Kontakty\n- stálá služba")}}));
    // Blank lines before it, a deeper heading, closing #s.
    QCOMPARE(issue("\n\n### Pokyn ###\nText.\n"),
             (std::pair{0, QStringList{QStringLiteral("Pokyn"), QStringLiteral("Text.")}}));
    // A heading alone: an empty body.
    QCOMPARE(issue("# Jen nadpis\n"),
             (std::pair{0, QStringList{QStringLiteral("Jen nadpis"), QString()}}));
    // With --title the body is the file as it is.
    QCOMPARE(issue(md, {QStringLiteral("--title"), QStringLiteral("Jiný název")}),
             (std::pair{0, QStringList{QStringLiteral("Jiný název"),
                                       QStringLiteral("# Hlášení o příjezdu\n\nPo příjezdu "
                                                      "volejte službu.\n\n## Kontakty\n- stálá "
                                                      "služba")}}));
    // Not a heading on the first line ("#hashtag", text first): no title, usage.
    QCOMPARE(issue("#pokyn bez mezery\nText\n").first, 2);
    QCOMPARE(issue("Úvod\n\n# Nadpis později\n").first, 2);
}

LIAISON_TEST_MAIN(TestHqCliInstruction)
#include "tst_hqcli_instruction.moc"
