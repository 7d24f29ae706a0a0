// The iCalendar reader and writer of liaison-hq (sync/imports/icalendar.h), case by case: RFC 5545
// 3.1 (folding, content lines, parameters), 3.3.5 (UTC, floating, TZID times), 3.3.10 and 3.8.5
// (RRULE, EXDATE, RDATE, RECURRENCE-ID), 3.8.1.11 (STATUS), 3.3.11 (TEXT escaping); Windows zone
// names as Outlook writes them (CLDR's windowsZones mapping, through QTimeZone).

#include "testmain.h"

#include "imports/icalendar.h"
#include "model/records.h"

#include <QCborArray>
#include <QDateTime>

using namespace liaison;
using namespace liaison::imports;

namespace {

constexpr qint64 kFrom = 1'790'812'800'000;  // 2026-10-01T00:00Z
constexpr qint64 kUntil = 1'801'353'600'000; // 2027-01-31T00:00Z

QByteArray calendar(const QStringList &eventLines, const QStringList &head = {})
{
    QStringList lines = {QStringLiteral("BEGIN:VCALENDAR"), QStringLiteral("VERSION:2.0")};
    lines += head;
    lines += eventLines;
    lines.append(QStringLiteral("END:VCALENDAR"));
    return (lines.join(QStringLiteral("\r\n")) + QStringLiteral("\r\n")).toUtf8();
}

QStringList vevent(const QStringList &props)
{
    return QStringList{QStringLiteral("BEGIN:VEVENT")} + props +
           QStringList{QStringLiteral("END:VEVENT")};
}

Result<CalendarSheet> read(const QByteArray &bytes, const QString &zone = {})
{
    CalendarOptions o;
    o.fileName = QStringLiteral("t.ics");
    o.defaultScope = QStringLiteral("visit:test");
    o.defaultZone = zone;
    o.fromMs = kFrom;
    o.untilMs = kUntil;
    return readCalendar(bytes, o);
}

QString iso(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODate);
}

QString startOf(const ImportRow &r)
{
    return iso(r.fields.value(QStringLiteral("start")).toInteger());
}

} // namespace

class TestICalendar : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void zoneNames_data();
    void zoneNames();
    void times_data();
    void times();
    void foldingAndEscaping();
    void badLines_data();
    void badLines();
    void recurrence();
    void untilInUtcAgainstLocalStart();
    void tooFrequentAndTooMany();
    void keys();
    void liaisonPropertiesWin();
    void writerRoundTrip();
};

void TestICalendar::zoneNames_data()
{
    QTest::addColumn<QString>("tzid");
    QTest::addColumn<QString>("iana");
    QTest::newRow("iana") << "Europe/Vienna"
                          << "Europe/Vienna";
    QTest::newRow("quoted iana") << "\"Europe/Prague\""
                                 << "Europe/Prague";
    // CLDR windowsZones.xml, territory 001.
    QTest::newRow("outlook cet") << "Central Europe Standard Time"
                                 << "Europe/Budapest";
    QTest::newRow("outlook w europe") << "W. Europe Standard Time"
                                      << "Europe/Berlin";
    QTest::newRow("outlook romance") << "Romance Standard Time"
                                     << "Europe/Paris";
    QTest::newRow("outlook central european") << "Central European Standard Time"
                                              << "Europe/Warsaw";
    QTest::newRow("outlook gmt") << "GMT Standard Time"
                                 << "Europe/London";
    QTest::newRow("mozilla path") << "/mozilla.org/20050126_1/Europe/Berlin"
                                  << "Europe/Berlin";
    QTest::newRow("libical path") << "/freeassociation.sourceforge.net/Tzfile/Europe/Vienna"
                                  << "Europe/Vienna";
    QTest::newRow("utc") << "UTC"
                         << "UTC";
    QTest::newRow("outlook display name") << "(UTC+01:00) Amsterdam, Berlin, Bern, Rome"
                                          << "";
    QTest::newRow("made up") << "Mars/Olympus_Mons"
                             << "";
    QTest::newRow("empty") << ""
                           << "";
}

void TestICalendar::zoneNames()
{
    QFETCH(QString, tzid);
    QFETCH(QString, iana);
    QCOMPARE(ianaZone(tzid), iana);
}

void TestICalendar::times_data()
{
    QTest::addColumn<QStringList>("props");
    QTest::addColumn<QString>("defaultZone");
    QTest::addColumn<QString>("start");
    QTest::addColumn<QString>("end");
    QTest::addColumn<QString>("zone");
    QTest::newRow("utc") << QStringList{"DTSTART:20261207T090000Z", "DTEND:20261207T100000Z"}
                         << QString() << "2026-12-07T09:00:00Z"
                         << "2026-12-07T10:00:00Z"
                         << "UTC";
    QTest::newRow("utc shown in default zone")
        << QStringList{"DTSTART:20261207T090000Z"} << "Europe/Vienna"
        << "2026-12-07T09:00:00Z"
        << "2026-12-07T09:00:00Z"
        << "Europe/Vienna";
    QTest::newRow("tzid winter") << QStringList{"DTSTART;TZID=Europe/Vienna:20261207T090000",
                                                "DURATION:PT1H30M"}
                                 << QString() << "2026-12-07T08:00:00Z"
                                 << "2026-12-07T09:30:00Z"
                                 << "Europe/Vienna";
    QTest::newRow("tzid summer") << QStringList{"DTSTART;TZID=Europe/Vienna:20260707T090000"}
                                 << QString() << "2026-07-07T07:00:00Z"
                                 << "2026-07-07T07:00:00Z"
                                 << "Europe/Vienna";
    QTest::newRow("windows name") << QStringList{"DTSTART;TZID=W. Europe Standard "
                                                 "Time:20261207T090000"}
                                  << QString() << "2026-12-07T08:00:00Z"
                                  << "2026-12-07T08:00:00Z"
                                  << "Europe/Berlin";
    QTest::newRow("floating in default zone")
        << QStringList{"DTSTART:20261207T090000", "DTEND:20261207T091500"} << "Europe/Prague"
        << "2026-12-07T08:00:00Z"
        << "2026-12-07T08:15:00Z"
        << "Europe/Prague";
    QTest::newRow("floating without zone")
        << QStringList{"DTSTART:20261207T090000"} << QString() << "2026-12-07T09:00:00Z"
        << "2026-12-07T09:00:00Z"
        << "UTC";
    QTest::newRow("all day") << QStringList{"DTSTART;VALUE=DATE:20261207"} << "Europe/Prague"
                             << "2026-12-06T23:00:00Z"
                             << "2026-12-07T23:00:00Z"
                             << "Europe/Prague";
    QTest::newRow("all day three days")
        << QStringList{"DTSTART;VALUE=DATE:20261207", "DTEND;VALUE=DATE:20261210"} << QString()
        << "2026-12-07T00:00:00Z"
        << "2026-12-10T00:00:00Z"
        << "UTC";
}

void TestICalendar::times()
{
    QFETCH(QStringList, props);
    QFETCH(QString, defaultZone);
    QFETCH(QString, start);
    QFETCH(QString, end);
    QFETCH(QString, zone);
    auto sheet = read(calendar(vevent(QStringList{"UID:a", "SUMMARY:x"} + props)), defaultZone);
    QVERIFY(sheet);
    QVERIFY2(sheet->problems.isEmpty(), qPrintable(sheet->problems.value(0).describe()));
    QCOMPARE(sheet->rows.size(), 1);
    const ImportRow &r = sheet->rows.first();
    QCOMPARE(startOf(r), start);
    QCOMPARE(iso(r.fields.value(QStringLiteral("end")).toInteger()), end);
    QCOMPARE(r.fields.value(QStringLiteral("timeZone")).toString(), zone);
    // Every value is in canonical form for the ScheduleItem schema.
    for (auto it = r.fields.cbegin(); it != r.fields.cend(); ++it) {
        bool changed = true;
        QVERIFY(model::normalizeField(*model::fieldSpec(model::RecordType::ScheduleItem, it.key()),
                                      it.value(), &changed));
        QVERIFY(!changed);
    }
}

void TestICalendar::foldingAndEscaping()
{
    // RFC 5545 3.1: CRLF + one space or tab continues the line; 3.3.11 escapes.
    QByteArray bytes = calendar(vevent({"UID:a", "SUMMARY:Meeting\\, part one\\; room \\\\ 2",
                                        "DESCRIPTION:First line\\nsecond li", " ne\\N third",
                                        "\tline", "LOCATION:Praha", "DTSTART:20261207T090000Z"}));
    auto sheet = read(bytes);
    QVERIFY(sheet && sheet->problems.isEmpty());
    const model::FieldMap &f = sheet->rows.first().fields;
    QCOMPARE(f.value(QStringLiteral("title")).toString(),
             QStringLiteral("Meeting, part one; room \\ 2"));
    QCOMPARE(f.value(QStringLiteral("escortNotes")).toString(),
             QStringLiteral("First line\nsecond line\n thirdline"));
    // LF alone works as well as CRLF.
    bytes.replace("\r\n", "\n");
    auto lf = read(bytes);
    QVERIFY(lf && lf->problems.isEmpty());
    QCOMPARE(lf->rows.first().fields, f);
}

void TestICalendar::badLines_data()
{
    QTest::addColumn<QStringList>("props");
    QTest::addColumn<int>("line"); // in the file: BEGIN:VCALENDAR is 1, BEGIN:VEVENT 3
    QTest::addColumn<QString>("reason");
    QTest::newRow("lost fold") << QStringList{"UID:a", "SUMMARY:x", "DESCRIPTION:abc", "def ghi",
                                              "DTSTART:20261207T090000Z"}
                               << 7 << "lost its leading space";
    QTest::newRow("unclosed quote")
        << QStringList{"UID:a", "SUMMARY;X-A=\"b:x", "DTSTART:20261207T090000Z"} << 5
        << "quote never closes";
    QTest::newRow("no dtstart") << QStringList{"UID:a", "SUMMARY:x"} << 3 << "no DTSTART";
    QTest::newRow("bad dtstart") << QStringList{"UID:a", "SUMMARY:x", "DTSTART:20261345T250000"}
                                 << 6 << "DTSTART";
    QTest::newRow("no summary") << QStringList{"UID:a", "DTSTART:20261207T090000Z"} << 3
                                << "no SUMMARY";
    QTest::newRow("unknown tzid") << QStringList{"UID:a", "SUMMARY:x",
                                                 "DTSTART;TZID=Nowhere/Land:20261207T090000"}
                                  << 6 << "unknown time zone \"Nowhere/Land\"";
    QTest::newRow("end before start")
        << QStringList{"UID:a", "SUMMARY:x", "DTSTART:20261207T090000Z", "DTEND:20261207T080000Z"}
        << 7 << "ends before it starts";
    QTest::newRow("date end, time start")
        << QStringList{"UID:a", "SUMMARY:x", "DTSTART:20261207T090000Z",
                       "DTEND;VALUE=DATE:20261208"}
        << 7 << "DTEND is a date";
    QTest::newRow("bad rrule") << QStringList{"UID:a", "SUMMARY:x", "DTSTART:20261207T090000Z",
                                              "RRULE:FREQ=SOMETIMES"}
                               << 7 << "RRULE";
    QTest::newRow("bad geo") << QStringList{"UID:a", "SUMMARY:x", "DTSTART:20261207T090000Z",
                                            "GEO:95.0;10.0"}
                             << 7 << "GEO";
    QTest::newRow("bad scope") << QStringList{"UID:a", "SUMMARY:x", "DTSTART:20261207T090000Z",
                                              "X-LIAISON-SCOPE:Not A Scope"}
                               << 7 << "not a scope name";
    QTest::newRow("control character")
        << QStringList{"UID:a", "SUMMARY:x\x01y", "DTSTART:20261207T090000Z"} << 5
        << "control character";
}

void TestICalendar::badLines()
{
    QFETCH(QStringList, props);
    QFETCH(int, line);
    QFETCH(QString, reason);
    const QStringList good = {"BEGIN:VEVENT", "UID:good", "SUMMARY:Good",
                              "DTSTART:20261208T090000Z", "END:VEVENT"};
    auto sheet = read(calendar(vevent(props) + good));
    QVERIFY(sheet);
    QCOMPARE(sheet->problems.size(), 1);
    QCOMPARE(sheet->problems.first().line, line);
    QVERIFY2(sheet->problems.first().reason.contains(reason),
             qPrintable(sheet->problems.first().reason));
    // The good event after it is still read.
    QCOMPARE(sheet->rows.size(), 1);
    QCOMPARE(sheet->rows.first().fields.value(QStringLiteral("title")).toString(),
             QStringLiteral("Good"));
    QCOMPARE(sheet->events, 2);
}

void TestICalendar::recurrence()
{
    // Monthly on the first Monday at 09:00 Vienna, COUNT 5, from Oct 2026; EXDATE for Dec;
    // an override moves Nov; an RDATE adds a Wednesday.
    auto sheet = read(calendar(
        vevent({"UID:m", "SUMMARY:Monthly", "DTSTART;TZID=Europe/Vienna:20261005T090000",
                "RRULE:FREQ=MONTHLY;BYDAY=1MO;COUNT=5", "EXDATE;TZID=Europe/Vienna:20261207T090000",
                "RDATE;TZID=Europe/Vienna:20261021T090000"}) +
        vevent({"UID:m", "RECURRENCE-ID;TZID=Europe/Vienna:20261102T090000", "SUMMARY:Monthly",
                "DTSTART;TZID=Europe/Vienna:20261102T110000"})));
    QVERIFY(sheet && sheet->problems.isEmpty());
    QStringList starts;
    for (const ImportRow &r : sheet->rows)
        starts.append(startOf(r) + QLatin1Char(' ') +
                      r.fields.value(QStringLiteral("status")).toString());
    starts.sort();
    // 5 Oct (summer: 07:00Z), 21 Oct (RDATE), 2 Nov moved to 11:00 (10:00Z, changed), 7 Dec
    // excluded, 4 Jan 2027 (08:00Z); 1 Feb 2027 is outside the window.
    QCOMPARE(starts,
             (QStringList{"2026-10-05T07:00:00Z confirmed", "2026-10-21T07:00:00Z confirmed",
                          "2026-11-02T10:00:00Z changed", "2027-01-04T08:00:00Z confirmed"}));
    QVERIFY(sheet->warnings.isEmpty()); // COUNT bounds it
    // All-day weekly with a DATE EXDATE.
    auto days = read(calendar(vevent({"UID:d", "SUMMARY:Day", "DTSTART;VALUE=DATE:20261207",
                                      "RRULE:FREQ=DAILY;COUNT=3", "EXDATE;VALUE=DATE:20261208"})),
                     QStringLiteral("Europe/Prague"));
    QVERIFY(days && days->problems.isEmpty());
    QCOMPARE(days->rows.size(), 2);
    QCOMPARE(startOf(days->rows[1]), QStringLiteral("2026-12-08T23:00:00Z"));
    QVERIFY(days->rows[1].key.endsWith(QStringLiteral("#20261209")));
    // Cancelled master: every occurrence cancelled.
    auto cancelled = read(calendar(vevent({"UID:c", "SUMMARY:C", "DTSTART:20261207T090000Z",
                                           "RRULE:FREQ=DAILY;COUNT=2", "STATUS:CANCELLED"})));
    QVERIFY(cancelled && cancelled->rows.size() == 2);
    for (const ImportRow &r : cancelled->rows)
        QCOMPARE(r.fields.value(QStringLiteral("status")).toString(), QStringLiteral("cancelled"));
    // Without end: only the window, and a warning with the RRULE's line.
    auto endless = read(
        calendar(vevent({"UID:e", "SUMMARY:E", "DTSTART:20260101T090000Z", "RRULE:FREQ=WEEKLY"})));
    QVERIFY(endless && endless->problems.isEmpty());
    QCOMPARE(endless->rows.size(), 18); // Thursdays 1 Oct 2026 .. 28 Jan 2027
    QCOMPARE(startOf(endless->rows.first()), QStringLiteral("2026-10-01T09:00:00Z"));
    QCOMPARE(endless->warnings.size(), 1);
    QCOMPARE(endless->warnings.first().line, 7);
}

void TestICalendar::untilInUtcAgainstLocalStart()
{
    // RFC 5545 3.3.10: with a TZID DTSTART, UNTIL is in UTC; 10:00 Prague on 9 Dec is 09:00Z,
    // so UNTIL 09:00Z includes it and UNTIL 08:59:59Z does not.
    for (const auto &[until, count] :
         {std::pair{"20261209T090000Z", 3}, std::pair{"20261209T085959Z", 2}}) {
        auto sheet = read(calendar(
            vevent({"UID:u", "SUMMARY:U", "DTSTART;TZID=Europe/Prague:20261207T100000",
                    QStringLiteral("RRULE:FREQ=DAILY;UNTIL=") + QString::fromLatin1(until)})));
        QVERIFY(sheet && sheet->problems.isEmpty());
        QCOMPARE(sheet->rows.size(), count);
    }
}

void TestICalendar::tooFrequentAndTooMany()
{
    auto hourly = read(calendar(
        vevent({"UID:h", "SUMMARY:H", "DTSTART:20261207T090000Z", "RRULE:FREQ=HOURLY;COUNT=5"})));
    QVERIFY(hourly && hourly->rows.isEmpty());
    QVERIFY(hourly->problems.first().reason.contains(QStringLiteral("more often than daily")));
    CalendarOptions o;
    o.fileName = QStringLiteral("t.ics");
    o.defaultScope = QStringLiteral("visit:test");
    o.fromMs = 0;
    o.untilMs = (qint64(1) << 47);
    auto many = readCalendar(
        calendar(vevent({"UID:m", "SUMMARY:M", "DTSTART:20261207T090000Z", "RRULE:FREQ=DAILY"})),
        o);
    QVERIFY(many && many->rows.isEmpty());
    QVERIFY(many->problems.first().reason.contains(QStringLiteral("more than 1000")));
}

void TestICalendar::keys()
{
    const QByteArray bytes = calendar(
        vevent({"UID:same@x", "SUMMARY:A", "DTSTART:20261207T090000Z"}) +
        vevent({"UID:same@x", "SUMMARY:B", "DTSTART:20261208T090000Z"}) +
        vevent({"UID:r@x", "SUMMARY:R", "DTSTART:20261207T090000Z", "RRULE:FREQ=DAILY;COUNT=2"}) +
        vevent(
            {"UID:1b4e28ba-2fa1-11d2-883f-0016d3cca427", "SUMMARY:L", "DTSTART:20261207T090000Z"}) +
        vevent({"SUMMARY:No UID", "DTSTART:20261207T090000Z"}));
    auto sheet = read(bytes);
    QVERIFY(sheet);
    QCOMPARE(sheet->problems.size(), 1); // the second "same@x"
    QVERIFY(sheet->problems.first().reason.contains(QStringLiteral("same event as line 3")));
    QStringList keys;
    for (const ImportRow &r : sheet->rows)
        keys.append(r.key);
    QCOMPARE(keys.value(0), QStringLiteral("ical:visit:test:same@x"));
    QCOMPARE(keys.value(1), QStringLiteral("ical:visit:test:r@x#20261207T090000Z"));
    QCOMPARE(keys.value(2), QStringLiteral("ical:visit:test:r@x#20261208T090000Z"));
    QCOMPARE(keys.value(3), QStringLiteral("ical:visit:test:1b4e28ba-2fa1-11d2-883f-0016d3cca427"));
    QVERIFY(sheet->rows[3].recordId.has_value()); // a Liaison record id names its record
    QVERIFY(!sheet->rows[0].recordId.has_value());
    QVERIFY(keys.value(4).startsWith(QStringLiteral("ical:visit:test:row:no uid|")));
    // The same bytes, the same keys.
    auto again = read(bytes);
    for (qsizetype i = 0; i < sheet->rows.size(); ++i)
        QCOMPARE(again->rows[i].key, sheet->rows[i].key);
}

void TestICalendar::liaisonPropertiesWin()
{
    auto sheet =
        read(calendar(vevent({"UID:a", "SUMMARY:x", "DTSTART;VALUE=DATE:20261207",
                              "LOCATION:Hall\\, Street 1", "X-LIAISON-SCOPE:post:vienna",
                              "X-LIAISON-VENUE:Hall", "X-LIAISON-ADDRESS:Street 1\\, Vienna",
                              "X-LIAISON-TIMEZONE:Europe/Vienna", "X-LIAISON-STATUS:changed"}),
                      {QStringLiteral("X-WR-CALNAME:Calendar name")}));
    QVERIFY(sheet && sheet->problems.isEmpty());
    const ImportRow &r = sheet->rows.first();
    QCOMPARE(r.scope, QStringLiteral("post:vienna"));
    QCOMPARE(r.fields.value(QStringLiteral("venue")).toString(), QStringLiteral("Hall"));
    QCOMPARE(r.fields.value(QStringLiteral("address")).toString(),
             QStringLiteral("Street 1, Vienna"));
    QCOMPARE(r.fields.value(QStringLiteral("timeZone")).toString(),
             QStringLiteral("Europe/Vienna"));
    QCOMPARE(startOf(r), QStringLiteral("2026-12-06T23:00:00Z"));
    QCOMPARE(r.fields.value(QStringLiteral("status")).toString(), QStringLiteral("changed"));
    // Liaison's own export names the visit itself (none here: empty), not the calendar's name.
    QCOMPARE(r.fields.value(QStringLiteral("visit")).toString(), QString());
}

void TestICalendar::writerRoundTrip()
{
    QList<CalendarEvent> events;
    auto make = [&](const QString &title, qint64 start, qint64 end, const QString &zone,
                    const QString &status) {
        model::FieldMap f;
        f.insert(QStringLiteral("visit"), QStringLiteral("Visit; \"quoted\", with commas"));
        f.insert(QStringLiteral("title"), title);
        f.insert(QStringLiteral("start"), start);
        f.insert(QStringLiteral("end"), end);
        f.insert(QStringLiteral("timeZone"), zone);
        f.insert(QStringLiteral("venue"), QStringLiteral("Václav Havel Airport"));
        f.insert(QStringLiteral("address"), QStringLiteral("Aviatická, 161 00 Praha 6"));
        f.insert(QStringLiteral("position"), QCborArray{501'008'000, 142'600'000});
        f.insert(QStringLiteral("participants"),
                 QCborArray{QStringLiteral("Head of delegation"), QStringLiteral("a@b.cz")});
        f.insert(QStringLiteral("escortNotes"), QStringLiteral("Line 1\nLine 2; more, \\ end"));
        f.insert(QStringLiteral("status"), status);
        events.append({model::newRecordId(), QStringLiteral("visit:test"), f});
    };
    make(QStringLiteral("Příjezd — a long title that certainly needs folding across several "
                        "lines of the iCalendar file, žluťoučký kůň"),
         1'796'630'400'000, 1'796'634'000'000, QStringLiteral("Europe/Prague"),
         QStringLiteral("confirmed"));
    make(QStringLiteral("All day"), 1'796'598'000'000, 1'796'684'400'000,
         QStringLiteral("Europe/Prague"), QStringLiteral("changed")); // 2026-12-06T23:00Z + 1 day
    make(QStringLiteral("UTC item"), 1'796'630'400'000, 1'796'630'400'000, QStringLiteral("UTC"),
         QStringLiteral("cancelled"));
    make(QStringLiteral("Unconfirmed"), 1'780'000'000'000, 1'780'000'600'000,
         QStringLiteral("America/New_York"), QString());
    for (const bool utc : {false, true}) {
        CalendarExportOptions eo;
        eo.utc = utc;
        eo.name = QStringLiteral("Export");
        const QByteArray bytes = writeCalendar(events, eo);
        for (const QByteArray &line : bytes.split('\n'))
            QVERIFY2(line.size() <= 76, line.constData());
        CalendarOptions o;
        o.fileName = QStringLiteral("export.ics");
        o.fromMs = kFrom;
        o.untilMs = kUntil;
        auto back = readCalendar(bytes, o);
        QVERIFY(back);
        QVERIFY2(back->problems.isEmpty(), qPrintable(back->problems.value(0).describe()));
        QCOMPARE(back->rows.size(), events.size());
        for (qsizetype i = 0; i < events.size(); ++i) {
            QCOMPARE(back->rows[i].recordId, std::optional<model::RecordId>(events[i].id));
            QCOMPARE(back->rows[i].scope, events[i].scope);
            for (auto it = events[i].fields.cbegin(); it != events[i].fields.cend(); ++it)
                QVERIFY2(
                    back->rows[i].fields.value(it.key()).toCbor() == it.value().toCbor(),
                    qPrintable(
                        QStringLiteral("%1 %2: %3")
                            .arg(i)
                            .arg(it.key(),
                                 back->rows[i].fields.value(it.key()).toDiagnosticNotation())));
        }
    }
}

LIAISON_TEST_MAIN(TestICalendar)
#include "tst_icalendar.moc"
