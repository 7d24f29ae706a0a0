// liaison-hq schedule commands and iCalendar import/export (issue 10 "Imports that survive real
// files", test 5): the real binary against a real desk store, with the fixtures of
// tests/fixtures/schedules (Outlook with Windows zone names and VTIMEZONE, Google in UTC, all-day,
// RRULE + EXDATE + RECURRENCE-ID, cancelled; broken: unknown TZID, RRULE without end, unfolded
// and garbled lines, a line in another encoding).

#include "hqclikit.h"
#include "testmain.h"

#include <QJsonArray>

using namespace liaison;
using namespace liaison::hqclitest;

namespace {

QString fixture(const char *name)
{
    return QStringLiteral(LIAISON_FIXTURES_DIR "/schedules/") + QString::fromLatin1(name);
}

const QStringList kWindow = {QStringLiteral("--from"), QStringLiteral("2026-10-01"),
                             QStringLiteral("--until"), QStringLiteral("2027-01-31")};

Run import(const Desk &desk, const QString &file, const QStringList &extra = {})
{
    return desk.hq(QStringList{QStringLiteral("schedule"), QStringLiteral("import"), file,
                               QStringLiteral("--scope"), QStringLiteral("visit:brussels")} +
                   kWindow + extra);
}

QJsonArray items(const Desk &desk, const QStringList &extra = {})
{
    const Run r = desk.hq(QStringList{QStringLiteral("schedule"), QStringLiteral("list")} + extra);
    if (r.code != 0)
        qWarning() << describe(r);
    return r.json.value(QStringLiteral("items")).toArray();
}

QJsonObject byTitle(const QJsonArray &list, const QString &title, int nth = 0)
{
    for (const QJsonValue &v : list)
        if (v.toObject().value(QStringLiteral("title")).toString() == title && nth-- == 0)
            return v.toObject();
    return {};
}

QStringList starts(const QJsonArray &list, const QString &title)
{
    QStringList out;
    for (const QJsonValue &v : list)
        if (v.toObject().value(QStringLiteral("title")).toString() == title)
            out.append(v.toObject().value(QStringLiteral("start")).toString());
    return out;
}

QList<int> problemLines(const Run &r)
{
    QList<int> lines;
    for (const QJsonValue &p : r.json.value(QStringLiteral("problems")).toArray())
        lines.append(p.toObject().value(QStringLiteral("line")).toInt());
    return lines;
}

QString problemText(const Run &r, int i = 0)
{
    return r.json.value(QStringLiteral("problems"))
        .toArray()
        .at(i)
        .toObject()
        .value(QStringLiteral("reason"))
        .toString();
}

// Every item without its id, for comparing two stores.
QJsonArray withoutIds(QJsonArray list)
{
    for (qsizetype i = 0; i < list.size(); ++i) {
        QJsonObject o = list[i].toObject();
        o.remove(QStringLiteral("id"));
        list[i] = o;
    }
    return list;
}

int unpublished(const Desk &desk)
{
    return desk.hq({QStringLiteral("status")})
        .json.value(QStringLiteral("unpublishedEdits"))
        .toInt(-1);
}

} // namespace

class TestHqCliSchedule : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void outlookWindowsZones();
    void googleUtcAndAllDay();
    void recurrenceExdateAndOverrides();
    void cancelledIsKeptAsCancelled();
    void unknownTimeZoneIsABadRow();
    void ruleWithoutEndIsExpandedInTheWindowAndSaysSo();
    void unfoldedAndGarbledLines();
    void wrongEncodingIsReportedByLine();
    void reimportChangesNothing();
    void exportReimportsToTheSameRecords();
    void exportIsFoldedAndEscaped();
    void addAndList();
    void usageErrors();

private:
    std::unique_ptr<Desk> m_desk;
};

void TestHqCliSchedule::init()
{
    m_desk = std::make_unique<Desk>();
    QVERIFY(m_desk->setUp());
    for (const char *scope : {"visit:brussels", "post:vienna"})
        QCOMPARE(
            m_desk->hq({QStringLiteral("scope"), QStringLiteral("add"), QString::fromLatin1(scope)})
                .code,
            0);
}

void TestHqCliSchedule::outlookWindowsZones()
{
    const Run r = import(*m_desk, fixture("outlook_windows_zones.ics"));
    QVERIFY2(r.code == 0, describe(r).constData());
    QCOMPARE(r.json.value(QStringLiteral("created")).toInt(), 2);
    const QJsonArray all = items(*m_desk);
    QCOMPARE(all.size(), 2);
    // "Central Europe Standard Time" is CLDR's Europe/Budapest: 09:00 there is 08:00 UTC.
    const QJsonObject arrival = byTitle(all, QStringLiteral("Příjezd delegace"));
    QCOMPARE(arrival.value(QStringLiteral("timeZone")).toString(),
             QStringLiteral("Europe/Budapest"));
    QCOMPARE(arrival.value(QStringLiteral("start")).toString(),
             QStringLiteral("2026-12-07T08:00:00Z"));
    QCOMPARE(arrival.value(QStringLiteral("end")).toString(),
             QStringLiteral("2026-12-07T09:00:00Z"));
    QCOMPARE(arrival.value(QStringLiteral("venue")).toString(),
             QStringLiteral("Letiště Václava Havla, Terminal 2"));
    // Folded across a UTF-8 character's line, escaped comma and newlines.
    QCOMPARE(arrival.value(QStringLiteral("escortNotes")).toString(),
             QStringLiteral("Delegation arrives on OK 640. Two vehicles, meet at gate B.\nEscort "
                            "lead: Dvořák."));
    QCOMPARE(arrival.value(QStringLiteral("status")).toString(), QStringLiteral("confirmed"));
    QCOMPARE(arrival.value(QStringLiteral("visit")).toString(),
             QStringLiteral("outlook_windows_zones"));
    const QJsonObject meeting = byTitle(all, QStringLiteral("Working meeting at the Commission"));
    QCOMPARE(meeting.value(QStringLiteral("timeZone")).toString(), QStringLiteral("Europe/Paris"));
    QCOMPARE(meeting.value(QStringLiteral("start")).toString(),
             QStringLiteral("2026-12-08T13:30:00Z"));
    QCOMPARE(meeting.value(QStringLiteral("participants")).toArray(),
             (QJsonArray{QStringLiteral("Jiří Dvořák"), QStringLiteral("Head of delegation")}));
}

void TestHqCliSchedule::googleUtcAndAllDay()
{
    const Run r = import(*m_desk, fixture("google_utc.ics"));
    QVERIFY2(r.code == 0, describe(r).constData());
    QCOMPARE(r.json.value(QStringLiteral("visit")).toString(),
             QStringLiteral("Delegation visit Brussels"));
    QCOMPARE(r.json.value(QStringLiteral("timeZone")).toString(),
             QStringLiteral("Europe/Brussels"));
    const QJsonArray all = items(*m_desk);
    const QJsonObject arrival =
        byTitle(all, QStringLiteral("Arrival and handover of the delegation"));
    QCOMPARE(arrival.value(QStringLiteral("start")).toString(),
             QStringLiteral("2026-12-10T08:00:00Z"));
    QCOMPARE(arrival.value(QStringLiteral("timeZone")).toString(),
             QStringLiteral("Europe/Brussels"));
    QCOMPARE(arrival.value(QStringLiteral("latitude")).toDouble(), 50.901);
    QCOMPARE(arrival.value(QStringLiteral("longitude")).toDouble(), 4.4856);
    QCOMPARE(arrival.value(QStringLiteral("participants")).toArray(),
             QJsonArray{QStringLiteral("Zsófia Kovács-Nagy")});
    QCOMPARE(arrival.value(QStringLiteral("visit")).toString(),
             QStringLiteral("Delegation visit Brussels"));
    // All day in the calendar's zone: Brussels midnight to midnight (23:00 UTC in winter).
    const QJsonObject free = byTitle(all, QStringLiteral("Free day (no programme)"));
    QCOMPARE(free.value(QStringLiteral("start")).toString(),
             QStringLiteral("2026-12-10T23:00:00Z"));
    QCOMPARE(free.value(QStringLiteral("end")).toString(), QStringLiteral("2026-12-11T23:00:00Z"));
    QCOMPARE(free.value(QStringLiteral("status")).toString(), QString()); // TENTATIVE
}

void TestHqCliSchedule::recurrenceExdateAndOverrides()
{
    const Run r = import(*m_desk, fixture("recurring.ics"));
    QVERIFY2(r.code == 0, describe(r).constData());
    QCOMPARE(r.json.value(QStringLiteral("created")).toInt(), 8);
    QVERIFY(r.json.value(QStringLiteral("warnings")).toArray().isEmpty());
    const QJsonArray all = items(*m_desk);
    // Weekly at 10:00 Prague, COUNT=6: 15 Oct (summer time, 08:00 UTC), 22 Oct, 29 Oct excluded
    // (EXDATE, after the change to winter time), 5 Nov moved to 6 Nov 14:00, 12 Nov cancelled,
    // 19 Nov at 10:00 local = 09:00 UTC.
    QCOMPARE(starts(all, QStringLiteral("Weekly briefing")),
             (QStringList{
                 QStringLiteral("2026-10-15T08:00:00Z"), QStringLiteral("2026-10-22T08:00:00Z"),
                 QStringLiteral("2026-11-12T09:00:00Z"), QStringLiteral("2026-11-19T09:00:00Z")}));
    const QJsonObject moved = byTitle(all, QStringLiteral("Weekly briefing (moved)"));
    QCOMPARE(moved.value(QStringLiteral("start")).toString(),
             QStringLiteral("2026-11-06T13:00:00Z"));
    QCOMPARE(moved.value(QStringLiteral("status")).toString(), QStringLiteral("changed"));
    QCOMPARE(byTitle(all, QStringLiteral("Weekly briefing"), 2)
                 .value(QStringLiteral("status"))
                 .toString(),
             QStringLiteral("cancelled"));
    // Floating daily times (no zone in the file: UTC) until 16 Dec, 30 minutes each.
    QCOMPARE(
        starts(all, QStringLiteral("Escort check")),
        (QStringList{QStringLiteral("2026-12-14T07:30:00Z"), QStringLiteral("2026-12-15T07:30:00Z"),
                     QStringLiteral("2026-12-16T07:30:00Z")}));
    QCOMPARE(byTitle(all, QStringLiteral("Escort check")).value(QStringLiteral("end")).toString(),
             QStringLiteral("2026-12-14T08:00:00Z"));
    // A narrower window expands less; the occurrences already imported are the same records.
    const Run narrow = m_desk->hq(
        {QStringLiteral("schedule"), QStringLiteral("import"), fixture("recurring.ics"),
         QStringLiteral("--scope"), QStringLiteral("visit:brussels"), QStringLiteral("--from"),
         QStringLiteral("2026-11-15"), QStringLiteral("--until"), QStringLiteral("2026-12-15")});
    QVERIFY2(narrow.code == 0, describe(narrow).constData());
    QCOMPARE(narrow.json.value(QStringLiteral("created")).toInt(), 0);
    QCOMPARE(narrow.json.value(QStringLiteral("updated")).toInt(), 0);
    // 19 Nov and 14 Dec from the rules, the two overrides (always read).
    QCOMPARE(narrow.json.value(QStringLiteral("unchanged")).toInt(), 4);
}

void TestHqCliSchedule::cancelledIsKeptAsCancelled()
{
    const Run r = import(*m_desk, fixture("cancelled.ics"));
    QVERIFY2(r.code == 0, describe(r).constData());
    const QJsonObject visit = byTitle(items(*m_desk), QStringLiteral("Site visit"));
    QCOMPARE(visit.value(QStringLiteral("status")).toString(), QStringLiteral("cancelled"));
    QCOMPARE(visit.value(QStringLiteral("start")).toString(),
             QStringLiteral("2026-12-09T13:00:00Z"));
}

void TestHqCliSchedule::unknownTimeZoneIsABadRow()
{
    const Run r = import(*m_desk, fixture("broken_unknown_tzid.ics"));
    QCOMPARE(r.code, 1);
    QCOMPARE(problemLines(r), QList<int>{21});
    QVERIFY2(problemText(r).contains(QStringLiteral("unknown time zone \"Mars/Olympus_Mons\"")),
             qPrintable(problemText(r)));
    QVERIFY2(r.err.contains("1 bad row(s) in broken_unknown_tzid.ics: nothing imported"),
             r.err.constData());
    // People read every problem as file:line: reason.
    const Run human = runHq(
        {QStringLiteral("schedule"), QStringLiteral("import"), fixture("broken_unknown_tzid.ics"),
         QStringLiteral("--scope"), QStringLiteral("visit:brussels"), QStringLiteral("--store"),
         m_desk->store(), QStringLiteral("--passphrase-file"), m_desk->deskPass()});
    QCOMPARE(human.code, 1);
    QVERIFY2(human.err.contains("broken_unknown_tzid.ics:21: unknown time zone"),
             human.err.constData());
    QCOMPARE(r.json.value(QStringLiteral("applied")).toBool(), false);
    QCOMPARE(items(*m_desk).size(), 0);
    const Run skip =
        import(*m_desk, fixture("broken_unknown_tzid.ics"), {QStringLiteral("--skip-bad")});
    QVERIFY2(skip.code == 0, describe(skip).constData());
    QCOMPARE(skip.json.value(QStringLiteral("created")).toInt(), 1);
    QCOMPARE(skip.json.value(QStringLiteral("bad")).toInt(), 1);
    const QJsonObject good = byTitle(items(*m_desk), QStringLiteral("Good meeting"));
    QCOMPARE(good.value(QStringLiteral("timeZone")).toString(), QStringLiteral("Europe/Vienna"));
    QCOMPARE(good.value(QStringLiteral("start")).toString(),
             QStringLiteral("2026-12-07T08:00:00Z"));
}

void TestHqCliSchedule::ruleWithoutEndIsExpandedInTheWindowAndSaysSo()
{
    const Run r = import(*m_desk, fixture("endless_rrule.ics"));
    QVERIFY2(r.code == 0, describe(r).constData());
    // Mondays from 5 Oct 2026 to 25 Jan 2027 inside [1 Oct, 31 Jan): 17 of them.
    QCOMPARE(r.json.value(QStringLiteral("created")).toInt(), 17);
    const QJsonArray warnings = r.json.value(QStringLiteral("warnings")).toArray();
    QCOMPARE(warnings.size(), 1);
    QCOMPARE(warnings.first().toObject().value(QStringLiteral("line")).toInt(), 9);
    QVERIFY(warnings.first()
                .toObject()
                .value(QStringLiteral("reason"))
                .toString()
                .contains(QStringLiteral("repeats without end")));
    const QStringList s = starts(items(*m_desk), QStringLiteral("Standing call with the post"));
    QCOMPARE(s.first(), QStringLiteral("2026-10-05T06:00:00Z")); // 08:00 Vienna summer time
    QCOMPARE(s.last(), QStringLiteral("2027-01-25T07:00:00Z"));  // 08:00 Vienna winter time
    // Human output says it too.
    const Run human =
        runHq({QStringLiteral("schedule"), QStringLiteral("import"), fixture("endless_rrule.ics"),
               QStringLiteral("--scope"), QStringLiteral("visit:brussels"),
               QStringLiteral("--store"), m_desk->store(), QStringLiteral("--passphrase-file"),
               m_desk->deskPass(), QStringLiteral("--dry-run")});
    QCOMPARE(human.code, 0);
    QVERIFY2(human.out.contains("warning: endless_rrule.ics:9:"), human.out.constData());
}

void TestHqCliSchedule::unfoldedAndGarbledLines()
{
    const Run r = import(*m_desk, fixture("broken_unfolded.ics"));
    QCOMPARE(r.code, 1);
    QCOMPARE(problemLines(r), (QList<int>{14, 19}));
    QVERIFY(problemText(r, 0).contains(QStringLiteral("lost its leading space")));
    QVERIFY(problemText(r, 1).contains(QStringLiteral("quote never closes")));
    QCOMPARE(items(*m_desk).size(), 0);
    const Run skip =
        import(*m_desk, fixture("broken_unfolded.ics"), {QStringLiteral("--skip-bad")});
    QVERIFY2(skip.code == 0, describe(skip).constData());
    QCOMPARE(skip.json.value(QStringLiteral("created")).toInt(), 1);
    QCOMPARE(items(*m_desk).first().toObject().value(QStringLiteral("title")).toString(),
             QStringLiteral("Fine event"));
}

void TestHqCliSchedule::wrongEncodingIsReportedByLine()
{
    const Run r = import(*m_desk, fixture("broken_encoding.ics"));
    QCOMPARE(r.code, 1);
    QCOMPARE(problemLines(r), QList<int>{12});
    QVERIFY(problemText(r).contains(QStringLiteral("not UTF-8")));
    const Run skip =
        import(*m_desk, fixture("broken_encoding.ics"), {QStringLiteral("--skip-bad")});
    QVERIFY2(skip.code == 0, describe(skip).constData());
    QCOMPARE(byTitle(items(*m_desk), QStringLiteral("Schůzka na ministerstvu")).isEmpty(), false);
    QCOMPARE(items(*m_desk).size(), 1);
}

void TestHqCliSchedule::reimportChangesNothing()
{
    for (const char *f :
         {"outlook_windows_zones.ics", "google_utc.ics", "recurring.ics", "cancelled.ics"}) {
        const Run first = import(*m_desk, fixture(f));
        QVERIFY2(first.code == 0, describe(first).constData());
        QVERIFY(first.json.value(QStringLiteral("created")).toInt() > 0);
    }
    const int edits = unpublished(*m_desk);
    QVERIFY(edits > 0);
    for (const char *f :
         {"outlook_windows_zones.ics", "google_utc.ics", "recurring.ics", "cancelled.ics"}) {
        const Run again = import(*m_desk, fixture(f));
        QVERIFY2(again.code == 0, describe(again).constData());
        QCOMPARE(again.json.value(QStringLiteral("created")).toInt(), 0);
        QCOMPARE(again.json.value(QStringLiteral("updated")).toInt(), 0);
        QVERIFY(again.json.value(QStringLiteral("unchanged")).toInt() > 0);
    }
    QCOMPARE(unpublished(*m_desk), edits);
    QCOMPARE(items(*m_desk).size(), 13);
}

void TestHqCliSchedule::exportReimportsToTheSameRecords()
{
    for (const char *f :
         {"outlook_windows_zones.ics", "google_utc.ics", "recurring.ics", "cancelled.ics"})
        QCOMPARE(import(*m_desk, fixture(f)).code, 0);
    const QJsonArray before = items(*m_desk);
    QCOMPARE(before.size(), 13);
    for (const bool utc : {false, true}) {
        const QString out =
            m_desk->path(utc ? QStringLiteral("utc.ics") : QStringLiteral("tz.ics"));
        QStringList args = {QStringLiteral("schedule"), QStringLiteral("export"),
                            QStringLiteral("--out"), out};
        if (utc)
            args << QStringLiteral("--utc");
        const Run e = m_desk->hq(args);
        QVERIFY2(e.code == 0, describe(e).constData());
        QCOMPARE(e.json.value(QStringLiteral("items")).toInt(), 13);
        // Into the same store: the same records (UID = record id), nothing changes.
        const Run same = m_desk->hq({QStringLiteral("schedule"), QStringLiteral("import"), out});
        QVERIFY2(same.code == 0, describe(same).constData());
        QCOMPARE(same.json.value(QStringLiteral("unchanged")).toInt(), 13);
        QCOMPARE(same.json.value(QStringLiteral("created")).toInt(), 0);
        QCOMPARE(same.json.value(QStringLiteral("updated")).toInt(), 0);
        // Into a fresh store: equal records (scope, visit, times, zone, venue, ... and status).
        Desk other;
        QVERIFY(other.setUp());
        QCOMPARE(other
                     .hq({QStringLiteral("scope"), QStringLiteral("add"),
                          QStringLiteral("visit:brussels")})
                     .code,
                 0);
        const Run fresh = other.hq({QStringLiteral("schedule"), QStringLiteral("import"), out});
        QVERIFY2(fresh.code == 0, describe(fresh).constData());
        QCOMPARE(fresh.json.value(QStringLiteral("created")).toInt(), 13);
        QCOMPARE(withoutIds(items(other)), withoutIds(before));
    }
    QCOMPARE(items(*m_desk), before);
}

void TestHqCliSchedule::exportIsFoldedAndEscaped()
{
    const QString longTitle =
        QStringLiteral("Návštěva ministerstva; jednání o spolupráci, část druhá — "
                       "Žluťoučký kůň úpěl ďábelské ódy před budovou");
    const Run add = m_desk->hq(
        {QStringLiteral("schedule"), QStringLiteral("add"), QStringLiteral("--scope"),
         QStringLiteral("visit:brussels"), QStringLiteral("--title"), longTitle,
         QStringLiteral("--start"), QStringLiteral("2026-12-09T09:00"), QStringLiteral("--minutes"),
         QStringLiteral("90"), QStringLiteral("--time-zone"), QStringLiteral("Europe/Prague"),
         QStringLiteral("--notes"), QStringLiteral("Line one\nLine two, with a comma\\backslash")});
    QVERIFY2(add.code == 0, describe(add).constData());
    const QString out = m_desk->path(QStringLiteral("long.ics"));
    QCOMPARE(m_desk
                 ->hq({QStringLiteral("schedule"), QStringLiteral("export"),
                       QStringLiteral("--out"), out})
                 .code,
             0);
    QFile f(out);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QByteArray bytes = f.readAll();
    QVERIFY(bytes.endsWith("END:VCALENDAR\r\n"));
    int folded = 0;
    for (const QByteArray &line : bytes.split('\n')) {
        QVERIFY2(line.size() <= 76, line.constData()); // 75 octets + CR
        if (line.startsWith(' '))
            ++folded;
        // No line ends inside a UTF-8 sequence.
        QByteArray l = line;
        if (l.endsWith('\r'))
            l.chop(1);
        QVERIFY(!l.isEmpty() || line.isEmpty() || line == "\r");
        QCOMPARE(QString::fromUtf8(l).toUtf8(), l);
    }
    QVERIFY(folded > 0);
    QVERIFY(bytes.contains("DTSTART;TZID=Europe/Prague:20261209T090000\r\n"));
    QVERIFY(bytes.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Prague\r\n"));
    QVERIFY(bytes.contains("DESCRIPTION:Line one\\nLine two\\, with a comma\\\\backslash\r\n"));
    // And it reads back the same.
    Desk other;
    QVERIFY(other.setUp());
    QCOMPARE(
        other.hq({QStringLiteral("scope"), QStringLiteral("add"), QStringLiteral("visit:brussels")})
            .code,
        0);
    QCOMPARE(other.hq({QStringLiteral("schedule"), QStringLiteral("import"), out}).code, 0);
    const QJsonObject back = items(other).first().toObject();
    QCOMPARE(back.value(QStringLiteral("title")).toString(), longTitle);
    QCOMPARE(back.value(QStringLiteral("escortNotes")).toString(),
             QStringLiteral("Line one\nLine two, with a comma\\backslash"));
    QCOMPARE(back.value(QStringLiteral("start")).toString(),
             QStringLiteral("2026-12-09T08:00:00Z"));
    QCOMPARE(back.value(QStringLiteral("end")).toString(), QStringLiteral("2026-12-09T09:30:00Z"));
}

void TestHqCliSchedule::addAndList()
{
    const Run add =
        m_desk->hq({QStringLiteral("schedule"),      QStringLiteral("add"),
                    QStringLiteral("--scope"),       QStringLiteral("visit:brussels"),
                    QStringLiteral("--title"),       QStringLiteral("Departure"),
                    QStringLiteral("--start"),       QStringLiteral("2026-12-12T10:00"),
                    QStringLiteral("--end"),         QStringLiteral("2026-12-12T11:00"),
                    QStringLiteral("--time-zone"),   QStringLiteral("Romance Standard Time"),
                    QStringLiteral("--venue"),       QStringLiteral("Brussels Airport"),
                    QStringLiteral("--position"),    QStringLiteral("50.901,4.4856"),
                    QStringLiteral("--participant"), QStringLiteral("Escort team (3)"),
                    QStringLiteral("--visit"),       QStringLiteral("Delegation visit")});
    QVERIFY2(add.code == 0, describe(add).constData());
    QCOMPARE(import(*m_desk, fixture("cancelled.ics")).code, 0);
    QJsonArray all = items(*m_desk);
    QCOMPARE(all.size(), 2);
    // By start: the cancelled site visit (9 Dec) before the departure (12 Dec).
    QCOMPARE(all[0].toObject().value(QStringLiteral("title")).toString(),
             QStringLiteral("Site visit"));
    const QJsonObject dep = all[1].toObject();
    QCOMPARE(dep.value(QStringLiteral("timeZone")).toString(), QStringLiteral("Europe/Paris"));
    QCOMPARE(dep.value(QStringLiteral("start")).toString(), QStringLiteral("2026-12-12T09:00:00Z"));
    QCOMPARE(dep.value(QStringLiteral("status")).toString(), QStringLiteral("confirmed"));
    QCOMPARE(items(*m_desk, {QStringLiteral("--query"), QStringLiteral("airport")}).size(), 1);
    QCOMPARE(items(*m_desk, {QStringLiteral("--scope"), QStringLiteral("post:vienna")}).size(), 0);
    QCOMPARE(items(*m_desk, {QStringLiteral("--from"), QStringLiteral("2026-12-10")}).size(), 1);
    // The table for people.
    const Run human =
        runHq({QStringLiteral("schedule"), QStringLiteral("list"), QStringLiteral("--store"),
               m_desk->store(), QStringLiteral("--passphrase-file"), m_desk->deskPass()});
    QCOMPARE(human.code, 0);
    QVERIFY2(human.out.contains("2026-12-12 10:00 Europe/Paris  Departure"), human.out.constData());
    QVERIFY(human.out.contains("2 schedule item(s)"));
}

void TestHqCliSchedule::usageErrors()
{
    auto code = [&](const QStringList &args) {
        return m_desk->hq(args).code;
    };
    const QString s = QStringLiteral("schedule");
    QCOMPARE(
        code({s, QStringLiteral("add"), QStringLiteral("--scope"), QStringLiteral("visit:brussels"),
              QStringLiteral("--title"), QStringLiteral("x")}),
        2); // no --start
    QCOMPARE(code({s, QStringLiteral("add"), QStringLiteral("--scope"),
                   QStringLiteral("visit:brussels"), QStringLiteral("--title"), QStringLiteral("x"),
                   QStringLiteral("--start"), QStringLiteral("2026-12-01T09:00"),
                   QStringLiteral("--time-zone"), QStringLiteral("Atlantis/Nowhere")}),
             2);
    QCOMPARE(code({s, QStringLiteral("add"), QStringLiteral("--scope"),
                   QStringLiteral("post:nowhere"), QStringLiteral("--title"), QStringLiteral("x"),
                   QStringLiteral("--start"), QStringLiteral("2026-12-01T09:00")}),
             1); // undeclared scope
    QCOMPARE(code({s, QStringLiteral("import")}), 2);
    QCOMPARE(code({s, QStringLiteral("import"), fixture("recurring.ics"), QStringLiteral("--from"),
                   QStringLiteral("2027-01-01"), QStringLiteral("--until"),
                   QStringLiteral("2026-01-01")}),
             2);
    QCOMPARE(code({s, QStringLiteral("import"), m_desk->path(QStringLiteral("missing.ics"))}), 1);
    QCOMPARE(code({s, QStringLiteral("export")}), 2);
    // Not an iCalendar file at all.
    QVERIFY(m_desk->writeFile(QStringLiteral("not.ics"), "name,phone\nA,1\n"));
    const Run notCal =
        m_desk->hq({s, QStringLiteral("import"), m_desk->path(QStringLiteral("not.ics")),
                    QStringLiteral("--scope"), QStringLiteral("visit:brussels")});
    QCOMPARE(notCal.code, 1);
    QVERIFY(notCal.err.contains("not an iCalendar file"));
    // No scope anywhere: every event is a bad row.
    const Run noScope = m_desk->hq({s, QStringLiteral("import"), fixture("cancelled.ics")});
    QCOMPARE(noScope.code, 1);
    QVERIFY(problemText(noScope).contains(QStringLiteral("no scope")));
    QCOMPARE(runHq({s, QStringLiteral("import"), QStringLiteral("--help")}).code, 0);
}

LIAISON_TEST_MAIN(TestHqCliSchedule)
#include "tst_hqcli_schedule.moc"
