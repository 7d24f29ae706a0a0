// The import parsers of liaison-hq (sync/imports): RFC 4180 CSV and the text decoder, case by
// case. Cases follow RFC 4180 section 2 (rules 1-7) and what Excel, Outlook and Google write.

#include "testmain.h"

#include "imports/csv.h"
#include "imports/textdecode.h"

using namespace liaison;
using namespace liaison::imports;

using Rows = QList<QStringList>;

class TestImports : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void csv_data();
    void csv();
    void badRecordsAreReportedAndSkipped();
    void delimiterDetection();
    void fieldWriterRoundTrip();
    void decoding();
};

void TestImports::csv_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<Rows>("rows");
    QTest::addColumn<QList<int>>("lines");
    // RFC 4180 2.1/2.2: CRLF between records, the last one may have none.
    QTest::newRow("crlf") << QStringLiteral("a,b\r\nc,d") << Rows{{"a", "b"}, {"c", "d"}}
                          << QList<int>{1, 2};
    QTest::newRow("lf and cr") << QStringLiteral("a,b\nc,d\re,f\n")
                               << Rows{{"a", "b"}, {"c", "d"}, {"e", "f"}} << QList<int>{1, 2, 3};
    // 2.5/2.6: quoted fields may hold the delimiter, quotes and line ends (line numbers go on).
    QTest::newRow("quoted") << QStringLiteral("\"a,1\",\"b\r\nc\"\r\nd,e\r\n")
                            << Rows{{"a,1", "b\nc"}, {"d", "e"}} << QList<int>{1, 3};
    // 2.7: a quote inside a quoted field is doubled.
    QTest::newRow("doubled") << QStringLiteral("\"say \"\"hi\"\"\",x") << Rows{{"say \"hi\"", "x"}}
                             << QList<int>{1};
    QTest::newRow("empty fields") << QStringLiteral(",\"\",\n") << Rows{{"", "", ""}}
                                  << QList<int>{1};
    QTest::newRow("trailing delimiter")
        << QStringLiteral("a,\n") << Rows{{"a", ""}} << QList<int>{1};
    QTest::newRow("blank lines skipped")
        << QStringLiteral("\r\na\r\n\r\nb\r\n") << Rows{{"a"}, {"b"}} << QList<int>{2, 4};
    // A quote inside an unquoted field is kept (spreadsheets write it).
    QTest::newRow("bare quote") << QStringLiteral("5\" disk,x") << Rows{{"5\" disk", "x"}}
                                << QList<int>{1};
    QTest::newRow("spaces kept") << QStringLiteral(" a , b ") << Rows{{" a ", " b "}}
                                 << QList<int>{1};
    QTest::newRow("diacritics") << QStringLiteral("Šárka;Łukasz;Ödön\n")
                                << Rows{{"Šárka", "Łukasz", "Ödön"}} << QList<int>{1};
}

void TestImports::csv()
{
    QFETCH(QString, text);
    QFETCH(Rows, rows);
    QFETCH(QList<int>, lines);
    const CsvTable t = parseCsv(text);
    QVERIFY(t.problems.isEmpty());
    Rows got;
    QList<int> gotLines;
    for (const CsvRecord &r : t.records) {
        got.append(r.fields);
        gotLines.append(r.line);
    }
    QCOMPARE(got, rows);
    QCOMPARE(gotLines, lines);
}

void TestImports::badRecordsAreReportedAndSkipped()
{
    // Line 2: text after a closing quote; line 4: a quote never closed. Parsing goes on at the
    // line after each bad record's start.
    const CsvTable t = parseCsv(QStringLiteral("h1,h2\n\"a\"b,c\nd,e\n\"f,g\nh,i\n"));
    QCOMPARE(t.problems.size(), 2);
    QCOMPARE(t.problems[0].line, 2);
    QVERIFY(t.problems[0].reason.contains(QStringLiteral("closing quote")));
    QCOMPARE(t.problems[1].line, 4);
    QVERIFY(t.problems[1].reason.contains(QStringLiteral("never closed")));
    Rows got;
    for (const CsvRecord &r : t.records)
        got.append(r.fields);
    QCOMPARE(got, (Rows{{"h1", "h2"}, {"d", "e"}, {"h", "i"}}));
    // Too many fields: a problem, not memory without bound.
    const QString wide = QString(QLatin1Char(',')).repeated(kCsvMaxFields + 5);
    const CsvTable w = parseCsv(wide, QLatin1Char(','));
    QCOMPARE(w.problems.size(), 1);
    QVERIFY(w.records.isEmpty());
}

void TestImports::delimiterDetection()
{
    QCOMPARE(detectCsvDelimiter(u"a;b;c\n1,5;2,5;3"), QLatin1Char(';'));
    QCOMPARE(detectCsvDelimiter(u"a\tb\tc\n"), QLatin1Char('\t'));
    QCOMPARE(detectCsvDelimiter(u"a,b\n"), QLatin1Char(','));
    // Delimiters inside quotes do not count.
    QCOMPARE(detectCsvDelimiter(u"\"a;b;c;d\",e,f\n"), QLatin1Char(','));
    // Only the first record decides.
    QCOMPARE(detectCsvDelimiter(u"\n\na,b\nc;d;e;f;g\n"), QLatin1Char(','));
    QCOMPARE(detectCsvDelimiter(u"name\n"), QLatin1Char(','));
}

void TestImports::fieldWriterRoundTrip()
{
    const QStringList fields{QStringLiteral("plain"),        QStringLiteral("a,b"),
                             QStringLiteral("say \"x\""),    QStringLiteral("two\nlines"),
                             QStringLiteral(" padded "),     QString(),
                             QStringLiteral("Žluťoučký kůň")};
    QStringList cells;
    for (const QString &f : fields)
        cells.append(csvField(f));
    QCOMPARE(cells[0], QStringLiteral("plain"));
    QCOMPARE(cells[1], QStringLiteral("\"a,b\""));
    QCOMPARE(cells[2], QStringLiteral("\"say \"\"x\"\"\""));
    const CsvTable t =
        parseCsv(cells.join(QLatin1Char(',')) + QStringLiteral("\r\n"), QLatin1Char(','));
    QCOMPARE(t.records.size(), 1);
    QCOMPARE(t.records[0].fields, fields);
}

void TestImports::decoding()
{
    const QString text = QStringLiteral("Přemysl Šťastný, Małgorzata Żółkiewska, Ödön Győrffy");
    auto utf8 = decodeText(text.toUtf8());
    QVERIFY(utf8);
    QCOMPARE(utf8->text, text);
    QCOMPARE(utf8->encoding, QStringLiteral("utf-8"));
    auto bom = decodeText("\xEF\xBB\xBF" + text.toUtf8());
    QVERIFY(bom && bom->hadBom);
    QCOMPARE(bom->text, text);
    // UTF-16 LE and BE with BOM.
    QByteArray le("\xFF\xFE", 2), be("\xFE\xFF", 2);
    for (QChar c : text) {
        le.append(char(c.unicode() & 0xFF)).append(char(c.unicode() >> 8));
        be.append(char(c.unicode() >> 8)).append(char(c.unicode() & 0xFF));
    }
    QCOMPARE(decodeText(le)->text, text);
    QCOMPARE(decodeText(le)->encoding, QStringLiteral("utf-16le"));
    QCOMPARE(decodeText(be)->text, text);
    // Without a BOM UTF-16 is refused: the desk must name it.
    auto noBom = decodeText(le.mid(2));
    QVERIFY(!noBom);
    QVERIFY(noBom.error().message.contains(QStringLiteral("UTF-16")));
    QCOMPARE(decodeText(le.mid(2), QStringLiteral("utf-16le"))->text, text);
    // Windows-1250 bytes (Š = 0x8A, ť = 0x9D, ł = 0xB3, ő = 0xF5) are detected.
    const QByteArray cp1250("P\xF8"
                            "emysl \x8A\x9D"
                            "astn\xFD"
                            ", Ma\xB3gorzata \xAF\xF3\xB3kiewska, \xD6"
                            "d\xF6"
                            "n Gy\xF5rffy");
    auto w = decodeText(cp1250);
    QVERIFY(w);
    QCOMPARE(w->encoding, QStringLiteral("windows-1250"));
    QCOMPARE(w->text, text);
    // Named ISO-8859-2: 0x8A is a C1 control there, refused with its place.
    auto latin2 = decodeText(cp1250, QStringLiteral("iso-8859-2"));
    QVERIFY(!latin2);
    QVERIFY(latin2.error().message.contains(QStringLiteral("0x8a")));
    // Invalid UTF-8 named as UTF-8: the offset and line of the first bad byte.
    auto bad = decodeText(QByteArray("ok\nok\nbad \xC3("), QStringLiteral("utf-8"));
    QVERIFY(!bad);
    QVERIFY2(bad.error().message.contains(QStringLiteral("offset 10")) &&
                 bad.error().message.contains(QStringLiteral("line 3")),
             qPrintable(bad.error().message));
    QVERIFY(!decodeText("x", QStringLiteral("ebcdic")));
}

LIAISON_TEST_MAIN(TestImports)
#include "tst_imports.moc"
