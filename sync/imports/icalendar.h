#pragma once

// Visit schedules from iCalendar files (RFC 5545) as Outlook, Google and calendar programs write
// them (issue 10 "Imports that survive real files"; DESIGN.md "Data": ScheduleItem). libical
// parses each event (properties, parameters, escaping, value types) and expands recurrences; the
// lines, time zones and the mapping to ScheduleItem fields are ours:
//  - the text is UTF-8 (RFC 5545) unless a BOM or --encoding says otherwise; a line that is not
//    UTF-8 is a problem with its line; folded lines (CRLF or LF, then a space or tab) are joined,
//    and every line must then read NAME[;PARAM=value...]:value, so a continuation that lost its
//    leading space is a problem on its own line;
//  - every VEVENT is one row, or one row per occurrence when it recurs; a bad event is a problem
//    with the line of the property at fault (or of its BEGIN:VEVENT) and the reason;
//  - times: UTC ("Z"), with a TZID, floating, or all-day (DATE). A TZID is an IANA name, a Windows
//    name as Outlook writes it ("Central Europe Standard Time", mapped by Qt's CLDR table), or a
//    path that ends in an IANA name ("/mozilla.org/.../Europe/Vienna"); any other TZID is a bad
//    row, whether or not the file has a VTIMEZONE of that name (its rules are not used: the zone
//    database is the desk's). Floating times and all-day events are in the default zone (the
//    option, else the calendar's X-WR-TIMEZONE, else UTC); an all-day event runs from midnight
//    to midnight there;
//  - RRULE is expanded only within the window [fromMs, untilMs) (occurrence starts), RDATE adds
//    and EXDATE removes occurrences; a rule without COUNT or UNTIL is expanded only in the window
//    and a warning says so; rules more frequent than daily are refused; RECURRENCE-ID overrides
//    replace their occurrence (status "changed" when moved). Single events and overrides are
//    imported whatever their date;
//  - STATUS:CANCELLED keeps the event (or occurrence) as a record with status "cancelled", so a
//    device that already holds it sees the cancellation; TENTATIVE is "" (unconfirmed); anything
//    else is "confirmed";
//  - fields: SUMMARY -> title (required), DTSTART/DTEND or DURATION -> start/end (Unix ms),
//    LOCATION -> venue, GEO -> position, ATTENDEE (CN, else the address) -> participants,
//    DESCRIPTION -> escort notes, X-WR-CALNAME (or the option, or the file name) -> visit;
//    Liaison's own export adds X-LIAISON-SCOPE, -VISIT, -VENUE, -ADDRESS, -STATUS, -TIMEZONE;
//  - the stable key of a row is "ical:<scope>:<UID>", plus "#<start>" (UTC, or the date of an
//    all-day event) for an occurrence of a recurring event; a UID that is a Liaison record id
//    (Liaison's export) names that record.
//
// Export: one VEVENT per record, UID = the record id, times with TZID and a VTIMEZONE built from
// the zone database (or UTC), all-day events as DATE, TEXT escaped, lines folded at 75 octets
// without splitting a UTF-8 sequence, CRLF. It re-imports to the same records.

#include "error.h"
#include "imports/importrow.h"

#include <QByteArrayView>
#include <QStringList>

namespace liaison::imports {

struct CalendarOptions
{
    QString fileName;     // for the problems
    QString encoding;     // empty: UTF-8, or what a BOM says
    QString defaultScope; // events without X-LIAISON-SCOPE
    QString visit;        // empty: X-WR-CALNAME, else the file name without its suffix
    QString defaultZone;  // floating and all-day times; empty: X-WR-TIMEZONE, else UTC
    qint64 fromMs = 0;    // the window recurrences are expanded in
    qint64 untilMs = 0;
};

struct CalendarSheet
{
    QString encoding;
    QString visit;
    QString defaultZone;
    QList<ImportRow> rows;
    QList<ImportProblem> problems; // bad rows
    QList<ImportProblem> warnings; // imported, but worth saying (a rule without end)
    int events = 0;                // VEVENT components in the file
};

// Limits against hostile files.
inline constexpr int kCalendarMaxOccurrences = 1000;  // per recurring event, in the window
inline constexpr int kCalendarMaxRows = 100000;       // per file
inline constexpr int kCalendarMaxLineChars = 1 << 20; // per unfolded line

// Whole-file failures (cannot decode, not an iCalendar file, no scope) are errors; bad events are
// problems in the sheet.
[[nodiscard]] Result<CalendarSheet> readCalendar(QByteArrayView bytes,
                                                 const CalendarOptions &options);

// The IANA zone a TZID names (IANA, Windows, or a path ending in an IANA name); empty if none.
[[nodiscard]] QString ianaZone(const QString &tzid);

struct CalendarEvent
{
    model::RecordId id;
    QString scope;
    model::FieldMap fields; // ScheduleItem fields
};

struct CalendarExportOptions
{
    bool utc = false;   // times in UTC (X-LIAISON-TIMEZONE keeps the zone) instead of TZID
    QString name;       // X-WR-CALNAME
    qint64 stampMs = 0; // DTSTAMP
};

[[nodiscard]] QByteArray writeCalendar(const QList<CalendarEvent> &events,
                                       const CalendarExportOptions &options);

} // namespace liaison::imports
