// iCalendar export (RFC 5545) of Liaison's schedule items: `liaison-hq schedule export`. The
// reader of the same format is icalendar.cpp; the header icalendar.h describes both.

#include "imports/icalendar.h"

#include "model/records.h"

#include <QCborArray>
#include <QDateTime>
#include <QTimeZone>

namespace liaison::imports {

namespace {

constexpr qint64 kDayMs = 86'400'000;

QByteArray escapeText(const QString &s)
{
    QString out;
    out.reserve(s.size());
    for (QChar c : s) {
        if (c == u'\\')
            out += QStringLiteral("\\\\");
        else if (c == u';')
            out += QStringLiteral("\\;");
        else if (c == u',')
            out += QStringLiteral("\\,");
        else if (c == u'\n')
            out += QStringLiteral("\\n");
        else if (c == u'\r')
            continue;
        else
            out += c;
    }
    return out.toUtf8();
}

QByteArray paramValue(const QString &s)
{
    QString v = s;
    v.replace(QLatin1Char('"'), QLatin1Char('\''));
    v.replace(QLatin1Char('\n'), QLatin1Char(' '));
    return '"' + v.toUtf8() + '"';
}

// One content line folded at 75 octets (RFC 5545 3.1), never inside a UTF-8 sequence.
void appendFolded(QByteArray &out, const QByteArray &line)
{
    qsizetype i = 0;
    int limit = 75;
    while (line.size() - i > limit) {
        qsizetype cut = i + limit;
        while (cut > i && (uchar(line[cut]) & 0xC0) == 0x80)
            --cut;
        out += line.mid(i, cut - i);
        out += "\r\n ";
        i = cut;
        limit = 74; // the leading space counts
    }
    out += line.mid(i);
    out += "\r\n";
}

QByteArray localStamp(const QDateTime &t)
{
    return t.toString(QStringLiteral("yyyyMMdd'T'HHmmss")).toLatin1();
}

QByteArray offsetText(int seconds)
{
    const char sign = seconds < 0 ? '-' : '+';
    seconds = std::abs(seconds);
    QByteArray s = sign + QByteArray::number(seconds / 3600).rightJustified(2, '0') +
                   QByteArray::number((seconds % 3600) / 60).rightJustified(2, '0');
    if (seconds % 60)
        s += QByteArray::number(seconds % 60).rightJustified(2, '0');
    return s;
}

// A VTIMEZONE for the span: every transition of the zone database as an observance.
void appendTimeZone(QByteArray &out, const QString &iana, qint64 fromMs, qint64 untilMs)
{
    const QTimeZone zone(iana.toUtf8());
    appendFolded(out, "BEGIN:VTIMEZONE");
    appendFolded(out, "TZID:" + iana.toUtf8());
    auto observance = [&](const QDateTime &atUtc, int from, int to, bool dst, const QString &abbr) {
        const QByteArray kind = dst ? "DAYLIGHT" : "STANDARD";
        appendFolded(out, "BEGIN:" + kind);
        appendFolded(out, "DTSTART:" + localStamp(atUtc.toUTC().addSecs(from)));
        appendFolded(out, "TZOFFSETFROM:" + offsetText(from));
        appendFolded(out, "TZOFFSETTO:" + offsetText(to));
        if (!abbr.isEmpty())
            appendFolded(out, "TZNAME:" + escapeText(abbr));
        appendFolded(out, "END:" + kind);
    };
    const QDateTime first = QDateTime::fromMSecsSinceEpoch(fromMs, Qt::UTC);
    const int firstOffset = zone.offsetFromUtc(first);
    observance(first, firstOffset, firstOffset, zone.isDaylightTime(first),
               zone.abbreviation(first));
    const QTimeZone::OffsetDataList transitions =
        zone.transitions(first, QDateTime::fromMSecsSinceEpoch(untilMs, Qt::UTC));
    int previous = firstOffset;
    for (const QTimeZone::OffsetData &t : transitions) {
        observance(t.atUtc, previous, t.offsetFromUtc, t.daylightTimeOffset != 0, t.abbreviation);
        previous = t.offsetFromUtc;
    }
    appendFolded(out, "END:VTIMEZONE");
}

QString zoneOf(const model::FieldMap &f)
{
    const QString z = ianaZone(f.value(QStringLiteral("timeZone")).toString());
    return z.isEmpty() ? QStringLiteral("UTC") : z;
}

bool isAllDay(const model::FieldMap &f, const QTimeZone &zone)
{
    const qint64 s = f.value(QStringLiteral("start")).toInteger();
    const qint64 e = f.value(QStringLiteral("end")).toInteger();
    if (e <= s)
        return false;
    const QDateTime a = QDateTime::fromMSecsSinceEpoch(s, zone);
    const QDateTime b = QDateTime::fromMSecsSinceEpoch(e, zone);
    return a.time() == QTime(0, 0) && b.time() == QTime(0, 0) && a.date() < b.date();
}

} // namespace

QByteArray writeCalendar(const QList<CalendarEvent> &events, const CalendarExportOptions &options)
{
    QByteArray out;
    appendFolded(out, "BEGIN:VCALENDAR");
    appendFolded(out, "VERSION:2.0");
    appendFolded(out, "PRODID:-//Liaison//liaison-hq//EN");
    appendFolded(out, "CALSCALE:GREGORIAN");
    if (!options.name.isEmpty())
        appendFolded(out, "X-WR-CALNAME:" + escapeText(options.name));
    if (!options.utc) {
        std::map<QString, std::pair<qint64, qint64>> spans;
        for (const CalendarEvent &e : events) {
            const QString z = zoneOf(e.fields);
            if (z == QLatin1String("UTC"))
                continue;
            const qint64 s = e.fields.value(QStringLiteral("start")).toInteger();
            const qint64 en = std::max(s, e.fields.value(QStringLiteral("end")).toInteger());
            auto [it, fresh] = spans.try_emplace(z, s, en);
            if (!fresh)
                it->second = {std::min(it->second.first, s), std::max(it->second.second, en)};
        }
        for (const auto &[zone, span] : spans)
            appendTimeZone(out, zone, span.first - 366 * kDayMs, span.second + 366 * kDayMs);
    }
    const QByteArray stamp = QDateTime::fromMSecsSinceEpoch(options.stampMs, Qt::UTC)
                                 .toString(QStringLiteral("yyyyMMdd'T'HHmmss'Z'"))
                                 .toLatin1();
    for (const CalendarEvent &e : events) {
        const model::FieldMap &f = e.fields;
        const QString zoneName = zoneOf(f);
        const QTimeZone zone =
            zoneName == QLatin1String("UTC") ? QTimeZone::utc() : QTimeZone(zoneName.toUtf8());
        const bool allDay = isAllDay(f, zone);
        auto time = [&](const char *prop, qint64 ms) {
            const QDateTime t = QDateTime::fromMSecsSinceEpoch(ms, zone);
            QByteArray name(prop);
            if (allDay)
                return name +
                       ";VALUE=DATE:" + t.date().toString(QStringLiteral("yyyyMMdd")).toLatin1();
            if (options.utc || zoneName == QLatin1String("UTC"))
                return name + ':' + localStamp(t.toUTC()) + 'Z';
            return name + ";TZID=" + zoneName.toUtf8() + ':' + localStamp(t);
        };
        auto str = [&](const char *k) {
            return f.value(QString::fromLatin1(k)).toString();
        };
        appendFolded(out, "BEGIN:VEVENT");
        appendFolded(out, "UID:" + model::recordIdToString(e.id).toLatin1());
        appendFolded(out, "DTSTAMP:" + stamp);
        const qint64 start = f.value(QStringLiteral("start")).toInteger();
        const qint64 end = std::max(start, f.value(QStringLiteral("end")).toInteger());
        appendFolded(out, time("DTSTART", start));
        appendFolded(out, time("DTEND", end));
        appendFolded(out, "SUMMARY:" + escapeText(str("title")));
        const QString venue = str("venue"), address = str("address");
        QStringList location;
        for (const QString &s : {venue, address})
            if (!s.isEmpty())
                location.append(s);
        if (!location.isEmpty())
            appendFolded(out, "LOCATION:" + escapeText(location.join(QStringLiteral(", "))));
        const QCborArray pos = f.value(QStringLiteral("position")).toArray();
        if (pos.size() == 2)
            appendFolded(out,
                         "GEO:" + QByteArray::number(double(pos[0].toInteger()) / 1e7, 'f', 7) +
                             ';' + QByteArray::number(double(pos[1].toInteger()) / 1e7, 'f', 7));
        if (!str("escortNotes").isEmpty())
            appendFolded(out, "DESCRIPTION:" + escapeText(str("escortNotes")));
        const QString status = str("status");
        appendFolded(out, "STATUS:" + QByteArray(status == QLatin1String("cancelled") ? "CANCELLED"
                                                 : status.isEmpty()                   ? "TENTATIVE"
                                                                    : "CONFIRMED"));
        for (const QCborValue &p : f.value(QStringLiteral("participants")).toArray()) {
            const QString who = p.toString();
            const bool mail = who.contains(QLatin1Char('@')) && !who.contains(QLatin1Char(' '));
            appendFolded(out, "ATTENDEE;CN=" + paramValue(who) + ':' +
                                  (mail ? "mailto:" + who.toUtf8()
                                        : QByteArray("urn:x-liaison:participant")));
        }
        // Liaison's own fields (empty ones left out: an empty property is no property).
        appendFolded(out, "X-LIAISON-SCOPE:" + escapeText(e.scope));
        if (!str("visit").isEmpty())
            appendFolded(out, "X-LIAISON-VISIT:" + escapeText(str("visit")));
        if (!venue.isEmpty())
            appendFolded(out, "X-LIAISON-VENUE:" + escapeText(venue));
        if (!address.isEmpty())
            appendFolded(out, "X-LIAISON-ADDRESS:" + escapeText(address));
        if (status == QLatin1String("changed"))
            appendFolded(out, "X-LIAISON-STATUS:changed");
        if ((options.utc || allDay) && !str("timeZone").isEmpty())
            appendFolded(out, "X-LIAISON-TIMEZONE:" + escapeText(str("timeZone")));
        appendFolded(out, "END:VEVENT");
    }
    appendFolded(out, "END:VCALENDAR");
    return out;
}

} // namespace liaison::imports
