#include "imports/icalendar.h"

#include "imports/textdecode.h"
#include "model/records.h"

#include <QCborArray>
#include <QDateTime>
#include <QFileInfo>
#include <QHash>
#include <QMutex>
#include <QSet>
#include <QStringDecoder>
#include <QTimeZone>

#include <libical/ical.h>

#include <algorithm>
#include <map>
#include <memory>

namespace liaison::imports {

namespace {

constexpr qint64 kDayMs = 86'400'000;
constexpr int kMaxIterations = 100'000; // RRULE steps per event, before and in the window
constexpr qint64 kMaxTimeMs = (qint64(1) << 48) - 1;

// ---------------------------------------------------------------- lines

struct ContentLine
{
    int line = 0; // where it starts (1-based physical line)
    QString text; // unfolded
    QString bad;  // why it is no content line (empty: fine)
};

// Why a line is no NAME[;PARAM=value...]:value line, or "" when it is one.
QString contentLineProblem(QStringView t)
{
    auto isNameChar = [](QChar c) {
        return (c >= u'A' && c <= u'Z') || (c >= u'a' && c <= u'z') || (c >= u'0' && c <= u'9') ||
               c == u'-';
    };
    qsizetype i = 0;
    while (i < t.size() && isNameChar(t[i]))
        ++i;
    if (i == 0 || i == t.size())
        return QStringLiteral("not a property line (NAME:value): a folded line that lost its "
                              "leading space?");
    while (i < t.size() && t[i] == u';') {
        const qsizetype nameStart = ++i;
        while (i < t.size() && isNameChar(t[i]))
            ++i;
        if (i == nameStart || i >= t.size() || t[i] != u'=')
            return QStringLiteral("a parameter without NAME=value");
        do {
            ++i; // past '=' or ','
            if (i < t.size() && t[i] == u'"') {
                const qsizetype close = t.indexOf(u'"', i + 1);
                if (close < 0)
                    return QStringLiteral("a parameter value whose quote never closes");
                i = close + 1;
            } else {
                while (i < t.size() && t[i] != u';' && t[i] != u':' && t[i] != u',' && t[i] != u'"')
                    ++i;
            }
        } while (i < t.size() && t[i] == u',');
        if (i >= t.size() || (t[i] != u';' && t[i] != u':'))
            return QStringLiteral("a parameter value with a stray character");
    }
    if (i >= t.size() || t[i] != u':')
        return QStringLiteral("not a property line (NAME:value): a folded line that lost its "
                              "leading space?");
    for (QChar c : t) {
        const char16_t u = c.unicode();
        if ((u < 0x20 && u != u'\t') || u == 0x7f)
            return QStringLiteral("a control character");
    }
    return {};
}

QString nameOf(const QString &text)
{
    qsizetype end = 0;
    while (end < text.size() && text[end] != u';' && text[end] != u':')
        ++end;
    return text.left(end).toUpper();
}

QString valueOf(const QString &text)
{
    // The first ':' outside quotes ends the name and parameters.
    bool quoted = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (text[i] == u'"')
            quoted = !quoted;
        else if (text[i] == u':' && !quoted)
            return text.mid(i + 1);
    }
    return {};
}

// The physical lines of the bytes, each decoded on its own so that one line in another encoding
// is one problem, not a lost file. `encoding` empty: UTF-8.
struct PhysicalLines
{
    QStringList lines;
    QHash<int, QString> bad; // line -> reason
    QString encoding;
};

Result<PhysicalLines> physicalLines(QByteArrayView bytes, const QString &encoding)
{
    PhysicalLines out;
    const bool bom = bytes.startsWith("\xEF\xBB\xBF") || bytes.startsWith("\xFF\xFE") ||
                     bytes.startsWith("\xFE\xFF");
    if (!encoding.isEmpty() || (bom && !bytes.startsWith("\xEF\xBB\xBF"))) {
        auto decoded = decodeText(bytes, encoding);
        if (!decoded)
            return std::unexpected(decoded.error());
        out.encoding = decoded->encoding;
        QString text = decoded->text;
        text.replace(QStringLiteral("\r\n"), QStringLiteral("\n"));
        out.lines = text.split(QLatin1Char('\n'));
        return out;
    }
    out.encoding = QStringLiteral("utf-8");
    if (bom)
        bytes = bytes.sliced(3);
    qsizetype start = 0;
    int number = 0;
    while (start <= bytes.size()) {
        qsizetype end = bytes.indexOf('\n', start);
        if (end < 0)
            end = bytes.size();
        QByteArrayView raw = bytes.sliced(start, end - start);
        if (raw.endsWith('\r'))
            raw.chop(1);
        ++number;
        QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
        QString text = utf8.decode(raw);
        if (utf8.hasError()) {
            qsizetype at = 0;
            while (at < raw.size() && uchar(raw[at]) < 0x80)
                ++at;
            out.bad.insert(number, QStringLiteral("not UTF-8 (byte 0x%1 near column %2): the "
                                                  "file is in another encoding (--encoding)")
                                       .arg(uint(at < raw.size() ? uchar(raw[at]) : 0), 2, 16,
                                            QLatin1Char('0'))
                                       .arg(at + 1));
            text.clear();
        }
        out.lines.append(text);
        start = end + 1;
        if (end == bytes.size())
            break;
    }
    return out;
}

QList<ContentLine> unfold(const PhysicalLines &physical)
{
    QList<ContentLine> out;
    for (int i = 0; i < physical.lines.size(); ++i) {
        const int number = i + 1;
        QString text = physical.lines[i];
        if (text.endsWith(QLatin1Char('\r')))
            text.chop(1);
        const QString badBytes = physical.bad.value(number);
        if (!text.isEmpty() && (text[0] == u' ' || text[0] == u'\t') && !out.isEmpty() &&
            out.last().line > 0) {
            ContentLine &last = out.last();
            if (last.text.size() + text.size() > kCalendarMaxLineChars)
                last.bad = QStringLiteral("a line over %1 characters").arg(kCalendarMaxLineChars);
            else
                last.text += text.mid(1);
            if (!badBytes.isEmpty() && last.bad.isEmpty())
                last.bad = badBytes;
            continue;
        }
        if (text.isEmpty() && badBytes.isEmpty()) {
            out.append({0, {}, {}}); // a blank line ends folding; skipped
            continue;
        }
        out.append({number, text, badBytes});
    }
    QList<ContentLine> kept;
    for (ContentLine &l : out) {
        if (l.line == 0)
            continue;
        if (l.bad.isEmpty())
            l.bad = contentLineProblem(l.text);
        kept.append(std::move(l));
    }
    return kept;
}

// ---------------------------------------------------------------- libical

struct ComponentFree
{
    void operator()(icalcomponent *c) const { icalcomponent_free(c); }
};
using Component = std::unique_ptr<icalcomponent, ComponentFree>;

void quietLibical()
{
    static const bool once = [] {
        icalerror_set_errors_are_fatal(0);
        return true;
    }();
    (void)once;
}

QString text(const char *s)
{
    return s ? QString::fromUtf8(s) : QString();
}

QString paramText(icalproperty *p, icalparameter_kind kind)
{
    icalparameter *param = icalproperty_get_first_parameter(p, kind);
    if (!param)
        return {};
    if (kind == ICAL_TZID_PARAMETER)
        return text(icalparameter_get_tzid(param));
    if (kind == ICAL_CN_PARAMETER)
        return text(icalparameter_get_cn(param));
    return {};
}

// ---------------------------------------------------------------- time zones

struct ZoneCache
{
    QMutex mutex;
    QHash<QString, QString> resolved;
};

ZoneCache &zoneCache()
{
    static ZoneCache cache;
    return cache;
}

bool isIana(const QByteArray &id)
{
    return !id.isEmpty() && QTimeZone::isTimeZoneIdAvailable(id);
}

// A local wall-clock time in a zone ("" = UTC) or a date.
struct When
{
    QDate date;
    QTime time;
    bool allDay = false;
    QString zone; // IANA, or "UTC"
};

qint64 toMs(const When &w)
{
    const QTimeZone zone =
        w.zone == QLatin1String("UTC") ? QTimeZone::utc() : QTimeZone(w.zone.toUtf8());
    return QDateTime(w.date, w.allDay ? QTime(0, 0) : w.time, zone).toMSecsSinceEpoch();
}

QString occurrenceTag(const When &w, qint64 ms)
{
    if (w.allDay)
        return w.date.toString(QStringLiteral("yyyyMMdd"));
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC)
        .toString(QStringLiteral("yyyyMMdd'T'HHmmss'Z'"));
}

// ---------------------------------------------------------------- events

struct Block
{
    int line = 0;             // BEGIN:VEVENT
    QList<ContentLine> lines; // BEGIN:VEVENT .. END:VEVENT
};

struct Event
{
    int line = 0;
    QString uid;
    QString scope;
    QHash<QString, int> lineOf; // property name -> first line
    When start;
    qint64 startMs = 0;
    qint64 durationMs = 0;
    bool recurring = false;
    std::optional<struct icalrecurrencetype> rule;
    QList<qint64> exdateMs;
    QList<QDate> exdateDays;
    QList<When> rdates;
    std::optional<qint64> recurrenceIdMs;
    QString recurrenceTag;
    model::FieldMap fields;
};

struct Reader
{
    const CalendarOptions &options;
    CalendarSheet &sheet;
    QString calendarZone; // X-WR-TIMEZONE
    QString calName;      // X-WR-CALNAME

    void problem(int line, const QString &reason)
    {
        sheet.problems.append({options.fileName, line, reason});
    }

    // A DATE or DATE-TIME property as a When; an error text when it is unusable.
    std::expected<When, QString> when(icalproperty *p, struct icaltimetype t, const QString &name,
                                      const QString &eventZone)
    {
        if (icaltime_is_null_time(t) || !icaltime_is_valid_time(t) || t.year < 1970 ||
            t.year > 9999)
            return std::unexpected(QStringLiteral("%1 is not a date or time").arg(name));
        When w;
        w.date = QDate(t.year, t.month, t.day);
        w.time = QTime(t.hour, t.minute, t.second);
        if (!w.date.isValid() || (!t.is_date && !w.time.isValid()))
            return std::unexpected(QStringLiteral("%1 is not a date or time").arg(name));
        w.allDay = t.is_date != 0;
        const QString tzid = paramText(p, ICAL_TZID_PARAMETER);
        if (icaltime_is_utc(t)) {
            w.zone = QStringLiteral("UTC");
        } else if (!tzid.isEmpty() && !w.allDay) {
            w.zone = ianaZone(tzid);
            if (w.zone.isEmpty())
                return std::unexpected(
                    QStringLiteral("unknown time zone \"%1\" in %2 (neither an IANA nor a Windows "
                                   "zone name)")
                        .arg(tzid, name));
        } else {
            w.zone = eventZone;
        }
        return w;
    }

    std::optional<Event> parse(const Block &block);
    void expand(const Event &master, const QList<const Event *> &overrides);
    void addRow(const Event &e, const When &start, qint64 startMs, const QString &tag,
                const QString &status);
    QHash<QString, int> seenKeys;
};

std::optional<Event> Reader::parse(const Block &block)
{
    Event e;
    e.line = block.line;
    QString blockText;
    for (const ContentLine &l : block.lines) {
        const QString name = nameOf(l.text);
        if (!e.lineOf.contains(name))
            e.lineOf.insert(name, l.line);
        blockText += l.text + QStringLiteral("\r\n");
    }
    auto at = [&](const char *name) {
        return e.lineOf.value(QString::fromLatin1(name), e.line);
    };
    Component c(icalcomponent_new_from_string(blockText.toUtf8().constData()));
    icalerror_clear_errno();
    if (!c || icalcomponent_isa(c.get()) != ICAL_VEVENT_COMPONENT) {
        problem(e.line, QStringLiteral("an event libical cannot read"));
        return std::nullopt;
    }
    icalcomponent *ev = c.get();
    // libical marks what it could not parse with X-LIC-ERROR (and drops it): an error in a
    // property the item is made of makes the event bad; others (an empty X- property of some
    // program) are harmless.
    static const QStringList used = {
        QStringLiteral("DTSTART"),  QStringLiteral("DTEND"),         QStringLiteral("DURATION"),
        QStringLiteral("RRULE"),    QStringLiteral("EXDATE"),        QStringLiteral("RDATE"),
        QStringLiteral("SUMMARY"),  QStringLiteral("RECURRENCE-ID"), QStringLiteral("GEO"),
        QStringLiteral("STATUS"),   QStringLiteral("UID"),           QStringLiteral("ATTENDEE"),
        QStringLiteral("LOCATION"), QStringLiteral("DESCRIPTION"),   QStringLiteral("X-LIAISON-"),
    };
    for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_XLICERROR_PROPERTY); p;
         p = icalcomponent_get_next_property(ev, ICAL_XLICERROR_PROPERTY)) {
        const QString msg = text(icalproperty_get_xlicerror(p)).simplified();
        for (const QString &name : used) {
            if (!msg.contains(name, Qt::CaseInsensitive))
                continue;
            int line = e.line;
            for (auto it = e.lineOf.cbegin(); it != e.lineOf.cend(); ++it)
                if (it.key().startsWith(name))
                    line = it.value();
            problem(line, QStringLiteral("%1 not understood (libical: %2)").arg(name, msg));
            return std::nullopt;
        }
    }
    QString zoneForFloating = options.defaultZone;
    QString xTimeZone, xScope, xVisit, xVenue, xAddress, xStatus;
    bool liaisonExport = false; // Liaison's own export: its X- properties are the whole truth
    for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_X_PROPERTY); p;
         p = icalcomponent_get_next_property(ev, ICAL_X_PROPERTY)) {
        const QString name = text(icalproperty_get_x_name(p)).toUpper();
        const QString value = text(icalproperty_get_x(p));
        liaisonExport |= name.startsWith(QLatin1String("X-LIAISON-"));
        if (name == QLatin1String("X-LIAISON-TIMEZONE"))
            xTimeZone = value.trimmed();
        else if (name == QLatin1String("X-LIAISON-SCOPE"))
            xScope = value.trimmed();
        else if (name == QLatin1String("X-LIAISON-VISIT"))
            xVisit = value;
        else if (name == QLatin1String("X-LIAISON-VENUE"))
            xVenue = value;
        else if (name == QLatin1String("X-LIAISON-ADDRESS"))
            xAddress = value;
        else if (name == QLatin1String("X-LIAISON-STATUS"))
            xStatus = value.trimmed().toLower();
    }
    if (!xTimeZone.isEmpty()) {
        zoneForFloating = ianaZone(xTimeZone);
        if (zoneForFloating.isEmpty()) {
            problem(
                at("X-LIAISON-TIMEZONE"),
                QStringLiteral("unknown time zone \"%1\" in X-LIAISON-TIMEZONE").arg(xTimeZone));
            return std::nullopt;
        }
    }
    if (zoneForFloating.isEmpty())
        zoneForFloating = sheet.defaultZone;

    e.scope = xScope.isEmpty() ? options.defaultScope : xScope;
    if (e.scope.isEmpty()) {
        problem(e.line, QStringLiteral("no scope (no X-LIAISON-SCOPE and no scope named for the "
                                       "file)"));
        return std::nullopt;
    }
    if (!model::isValidScope(e.scope)) {
        problem(at("X-LIAISON-SCOPE"), QStringLiteral("\"%1\" is not a scope name").arg(e.scope));
        return std::nullopt;
    }
    if (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_UID_PROPERTY))
        e.uid = text(icalproperty_get_uid(p)).trimmed();

    icalproperty *dtstart = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY);
    if (!dtstart) {
        problem(e.line, QStringLiteral("no DTSTART"));
        return std::nullopt;
    }
    auto start = when(dtstart, icalproperty_get_dtstart(dtstart), QStringLiteral("DTSTART"),
                      zoneForFloating);
    if (!start) {
        problem(at("DTSTART"), start.error());
        return std::nullopt;
    }
    e.start = *start;
    e.startMs = toMs(e.start);
    if (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_DTEND_PROPERTY)) {
        auto end = when(p, icalproperty_get_dtend(p), QStringLiteral("DTEND"), zoneForFloating);
        if (!end) {
            problem(at("DTEND"), end.error());
            return std::nullopt;
        }
        if (end->allDay != e.start.allDay) {
            problem(at("DTEND"),
                    QStringLiteral("DTEND is a %1 where DTSTART is a %2")
                        .arg(end->allDay ? QStringLiteral("date") : QStringLiteral("time"),
                             e.start.allDay ? QStringLiteral("date") : QStringLiteral("time")));
            return std::nullopt;
        }
        if (e.start.allDay)
            end->zone = e.start.zone;
        e.durationMs = toMs(*end) - e.startMs;
    } else if (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_DURATION_PROPERTY)) {
        e.durationMs = qint64(icaldurationtype_as_int(icalproperty_get_duration(p))) * 1000;
    } else if (e.start.allDay) {
        e.durationMs = kDayMs;
    }
    if (e.durationMs < 0) {
        problem(
            at(icalcomponent_get_first_property(ev, ICAL_DTEND_PROPERTY) ? "DTEND" : "DURATION"),
            QStringLiteral("the event ends before it starts"));
        return std::nullopt;
    }

    if (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_RECURRENCEID_PROPERTY)) {
        auto rid = when(p, icalproperty_get_recurrenceid(p), QStringLiteral("RECURRENCE-ID"),
                        zoneForFloating);
        if (!rid) {
            problem(at("RECURRENCE-ID"), rid.error());
            return std::nullopt;
        }
        e.recurrenceIdMs = toMs(*rid);
        e.recurrenceTag = occurrenceTag(*rid, *e.recurrenceIdMs);
    }
    if (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY)) {
        struct icalrecurrencetype rule = icalproperty_get_rrule(p);
        if (rule.freq == ICAL_NO_RECURRENCE) {
            problem(at("RRULE"), QStringLiteral("RRULE not understood"));
            return std::nullopt;
        }
        if (rule.freq == ICAL_SECONDLY_RECURRENCE || rule.freq == ICAL_MINUTELY_RECURRENCE ||
            rule.freq == ICAL_HOURLY_RECURRENCE) {
            problem(at("RRULE"), QStringLiteral("RRULE repeats more often than daily (no visit "
                                                "schedule does)"));
            return std::nullopt;
        }
        if (!e.recurrenceIdMs) {
            e.rule = rule;
            e.recurring = true;
        }
    }
    for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_EXDATE_PROPERTY); p;
         p = icalcomponent_get_next_property(ev, ICAL_EXDATE_PROPERTY)) {
        auto ex = when(p, icalproperty_get_exdate(p), QStringLiteral("EXDATE"), e.start.zone);
        if (!ex) {
            problem(at("EXDATE"), ex.error());
            return std::nullopt;
        }
        if (ex->allDay)
            e.exdateDays.append(ex->date);
        else
            e.exdateMs.append(toMs(*ex));
    }
    for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_RDATE_PROPERTY); p;
         p = icalcomponent_get_next_property(ev, ICAL_RDATE_PROPERTY)) {
        const struct icaldatetimeperiodtype rd = icalproperty_get_rdate(p);
        const struct icaltimetype t = icaltime_is_null_time(rd.time) ? rd.period.start : rd.time;
        auto r = when(p, t, QStringLiteral("RDATE"), e.start.zone);
        if (!r) {
            problem(at("RDATE"), r.error());
            return std::nullopt;
        }
        e.rdates.append(*r);
        e.recurring = true;
    }

    // The fields every occurrence shares.
    model::FieldMap &f = e.fields;
    QString title;
    if (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_SUMMARY_PROPERTY))
        title = text(icalproperty_get_summary(p)).trimmed();
    if (title.isEmpty()) {
        problem(at("SUMMARY"), QStringLiteral("no SUMMARY (the item's title)"));
        return std::nullopt;
    }
    f.insert(QStringLiteral("title"), title);
    f.insert(QStringLiteral("visit"), liaisonExport ? xVisit : sheet.visit);
    QString location;
    if (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_LOCATION_PROPERTY))
        location = text(icalproperty_get_location(p)).trimmed();
    f.insert(QStringLiteral("venue"), liaisonExport ? xVenue : location);
    f.insert(QStringLiteral("address"), liaisonExport ? xAddress : QString());
    QCborArray position;
    if (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_GEO_PROPERTY)) {
        const struct icalgeotype g = icalproperty_get_geo(p);
        if (!(g.lat >= -90.0 && g.lat <= 90.0 && g.lon >= -180.0 && g.lon <= 180.0)) {
            problem(at("GEO"), QStringLiteral("GEO is not a latitude;longitude"));
            return std::nullopt;
        }
        position = QCborArray{qRound64(g.lat * 1e7), qRound64(g.lon * 1e7)};
    }
    f.insert(QStringLiteral("position"), position);
    QCborArray participants;
    for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY); p;
         p = icalcomponent_get_next_property(ev, ICAL_ATTENDEE_PROPERTY)) {
        QString who = paramText(p, ICAL_CN_PARAMETER).trimmed();
        if (who.isEmpty()) {
            who = text(icalproperty_get_attendee(p)).trimmed();
            if (who.startsWith(QLatin1String("mailto:"), Qt::CaseInsensitive))
                who = who.mid(7);
        }
        if (!who.isEmpty())
            participants.append(who);
    }
    f.insert(QStringLiteral("participants"), participants);
    QString notes;
    if (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_DESCRIPTION_PROPERTY))
        notes = text(icalproperty_get_description(p));
    notes.replace(QStringLiteral("\r\n"), QStringLiteral("\n"));
    f.insert(QStringLiteral("escortNotes"), notes.trimmed());
    QString status = QStringLiteral("confirmed");
    if (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_STATUS_PROPERTY)) {
        const icalproperty_status s = icalproperty_get_status(p);
        if (s == ICAL_STATUS_CANCELLED)
            status = QStringLiteral("cancelled");
        else if (s == ICAL_STATUS_TENTATIVE)
            status.clear();
    }
    if (status != QLatin1String("cancelled")) {
        if (xStatus == QLatin1String("changed"))
            status = xStatus;
        else if (e.recurrenceIdMs && *e.recurrenceIdMs != e.startMs)
            status = QStringLiteral("changed");
    }
    f.insert(QStringLiteral("status"), status);
    // The zone the item is shown in: Liaison's own, else the zone of its times, else (UTC times)
    // the calendar's.
    QString shownZone = e.start.zone;
    if (!xTimeZone.isEmpty())
        shownZone = zoneForFloating;
    else if (e.start.zone == QLatin1String("UTC"))
        shownZone = sheet.defaultZone;
    f.insert(QStringLiteral("timeZone"), shownZone);
    for (auto it = f.begin(); it != f.end(); ++it) {
        const model::FieldSpec *spec = model::fieldSpec(model::RecordType::ScheduleItem, it.key());
        auto norm = model::normalizeField(*spec, it.value());
        if (!norm) {
            static const QHash<QString, const char *> property = {
                {QStringLiteral("title"), "SUMMARY"},
                {QStringLiteral("venue"), "LOCATION"},
                {QStringLiteral("participants"), "ATTENDEE"},
                {QStringLiteral("escortNotes"), "DESCRIPTION"},
                {QStringLiteral("visit"), "X-LIAISON-VISIT"},
                {QStringLiteral("address"), "X-LIAISON-ADDRESS"},
            };
            problem(at(property.value(it.key(), "BEGIN")),
                    QStringLiteral("%1: %2").arg(it.key(), norm.error().message));
            return std::nullopt;
        }
        it.value() = *norm;
    }
    return e;
}

void Reader::addRow(const Event &e, const When &start, qint64 startMs, const QString &tag,
                    const QString &status)
{
    if (sheet.rows.size() >= kCalendarMaxRows)
        return;
    if (startMs < 0 || startMs + e.durationMs > kMaxTimeMs) {
        problem(e.line, QStringLiteral("a time outside 1970 to 10889"));
        return;
    }
    ImportRow row;
    row.line = e.line;
    row.scope = e.scope;
    row.fields = e.fields;
    row.fields.insert(QStringLiteral("start"), startMs);
    row.fields.insert(QStringLiteral("end"), startMs + e.durationMs);
    if (!status.isNull())
        row.fields.insert(QStringLiteral("status"), status);
    (void)start;
    const QString uid =
        e.uid.isEmpty()
            ? QStringLiteral("row:%1|%2")
                  .arg(e.fields.value(QStringLiteral("title")).toString().toCaseFolded())
                  .arg(e.startMs)
            : e.uid;
    row.key = QStringLiteral("ical:%1:%2").arg(e.scope, uid);
    if (!tag.isEmpty()) {
        row.key += QLatin1Char('#') + tag;
    } else if (!e.uid.isEmpty()) {
        const QString hex = QString(e.uid).remove(QLatin1Char('-'));
        if (hex.size() == 32)
            if (auto id = model::RecordId::fromHex(hex.toLatin1()))
                row.recordId = *id;
    }
    if (auto prev = seenKeys.constFind(row.key); prev != seenKeys.cend()) {
        problem(e.line, QStringLiteral("the same event as line %1 (same UID%2)")
                            .arg(*prev)
                            .arg(tag.isEmpty() ? QString() : QStringLiteral(" and occurrence")));
        return;
    }
    seenKeys.insert(row.key, e.line);
    sheet.rows.append(std::move(row));
}

void Reader::expand(const Event &master, const QList<const Event *> &overrides)
{
    QList<qint64> replaced;
    for (const Event *o : overrides)
        replaced.append(*o->recurrenceIdMs);
    // Occurrences as wall-clock times in the event's zone: a weekly 10:00 stays 10:00 across DST.
    struct icaltimetype dtstart = icaltime_null_time();
    dtstart.year = master.start.date.year();
    dtstart.month = master.start.date.month();
    dtstart.day = master.start.date.day();
    dtstart.is_date = master.start.allDay ? 1 : 0;
    if (!master.start.allDay) {
        dtstart.hour = master.start.time.hour();
        dtstart.minute = master.start.time.minute();
        dtstart.second = master.start.time.second();
    }
    QList<When> occurrences;
    bool endless = false, capped = false;
    if (master.rule) {
        struct icalrecurrencetype rule = *master.rule;
        endless = rule.count == 0 && icaltime_is_null_time(rule.until);
        if (!icaltime_is_null_time(rule.until) && icaltime_is_utc(rule.until) &&
            !master.start.allDay) {
            // UNTIL in UTC against a local DTSTART: the same instant as a wall-clock time.
            When u;
            u.date = QDate(rule.until.year, rule.until.month, rule.until.day);
            u.time = QTime(rule.until.hour, rule.until.minute, rule.until.second);
            u.zone = QStringLiteral("UTC");
            const QTimeZone zone = master.start.zone == QLatin1String("UTC")
                                       ? QTimeZone::utc()
                                       : QTimeZone(master.start.zone.toUtf8());
            const QDateTime local = QDateTime::fromMSecsSinceEpoch(toMs(u), zone);
            rule.until = dtstart;
            rule.until.year = local.date().year();
            rule.until.month = local.date().month();
            rule.until.day = local.date().day();
            rule.until.hour = local.time().hour();
            rule.until.minute = local.time().minute();
            rule.until.second = local.time().second();
        } else if (!icaltime_is_null_time(rule.until)) {
            rule.until.zone = nullptr;
        }
        icalrecur_iterator *it = icalrecur_iterator_new(rule, dtstart);
        if (!it) {
            problem(master.lineOf.value(QStringLiteral("RRULE"), master.line),
                    QStringLiteral("RRULE cannot be expanded from DTSTART"));
            return;
        }
        for (int step = 0; step < kMaxIterations; ++step) {
            const struct icaltimetype t = icalrecur_iterator_next(it);
            if (icaltime_is_null_time(t))
                break;
            When w = master.start;
            w.date = QDate(t.year, t.month, t.day);
            if (!w.date.isValid())
                break;
            if (!w.allDay)
                w.time = QTime(t.hour, t.minute, t.second);
            const qint64 ms = toMs(w);
            if (ms >= options.untilMs)
                break;
            if (ms >= options.fromMs) {
                occurrences.append(w);
                if (occurrences.size() > kCalendarMaxOccurrences) {
                    capped = true;
                    break;
                }
            }
        }
        icalrecur_iterator_free(it);
    } else {
        When first = master.start;
        if (master.startMs >= options.fromMs && master.startMs < options.untilMs)
            occurrences.append(first);
    }
    for (const When &r : master.rdates) {
        const qint64 ms = toMs(r);
        if (ms >= options.fromMs && ms < options.untilMs)
            occurrences.append(r);
    }
    if (capped) {
        problem(master.lineOf.value(QStringLiteral("RRULE"), master.line),
                QStringLiteral("more than %1 occurrences in the window (narrow --from/--until)")
                    .arg(kCalendarMaxOccurrences));
        return;
    }
    std::sort(occurrences.begin(), occurrences.end(),
              [](const When &a, const When &b) { return toMs(a) < toMs(b); });
    int made = 0;
    qint64 last = -1;
    for (const When &w : occurrences) {
        const qint64 ms = toMs(w);
        if (ms == last)
            continue;
        last = ms;
        if (master.exdateMs.contains(ms) || master.exdateDays.contains(w.date) ||
            replaced.contains(ms))
            continue;
        addRow(master, w, ms, occurrenceTag(w, ms), QString());
        ++made;
    }
    if (endless)
        sheet.warnings.append(
            {options.fileName, master.lineOf.value(QStringLiteral("RRULE"), master.line),
             QStringLiteral("the event \"%1\" repeats without end: only its %2 occurrence(s) "
                            "from %3 to %4 were read")
                 .arg(master.fields.value(QStringLiteral("title")).toString())
                 .arg(made)
                 .arg(QDateTime::fromMSecsSinceEpoch(options.fromMs, Qt::UTC).toString(Qt::ISODate),
                      QDateTime::fromMSecsSinceEpoch(options.untilMs, Qt::UTC)
                          .toString(Qt::ISODate))});
}

} // namespace

QString ianaZone(const QString &tzid)
{
    QString id = tzid.trimmed();
    if (id.size() >= 2 && id.startsWith(QLatin1Char('"')) && id.endsWith(QLatin1Char('"')))
        id = id.mid(1, id.size() - 2).trimmed();
    if (id.isEmpty() || id.size() > 200)
        return {};
    ZoneCache &cache = zoneCache();
    QMutexLocker lock(&cache.mutex);
    if (auto it = cache.resolved.constFind(id); it != cache.resolved.cend())
        return *it;
    QString found;
    if (id.compare(QLatin1String("UTC"), Qt::CaseInsensitive) == 0 ||
        id.compare(QLatin1String("Z"), Qt::CaseInsensitive) == 0 ||
        id.compare(QLatin1String("GMT"), Qt::CaseInsensitive) == 0 ||
        id.compare(QLatin1String("Etc/UTC"), Qt::CaseInsensitive) == 0)
        found = QStringLiteral("UTC");
    else if (id.contains(QLatin1Char('/')) && !id.startsWith(QLatin1Char('/')) &&
             isIana(id.toUtf8()))
        found = id;
    if (found.isEmpty()) {
        const QByteArray windows = QTimeZone::windowsIdToDefaultIanaId(id.toUtf8());
        if (!windows.isEmpty())
            found = QString::fromUtf8(windows);
    }
    if (found.isEmpty()) {
        // "/mozilla.org/20050126_1/Europe/Berlin", "/freeassociation.sourceforge.net/Tzfile/...":
        // the longest tail of the path that is an IANA name with an area.
        const QStringList parts = id.split(QLatin1Char('/'), Qt::SkipEmptyParts);
        for (qsizetype n = std::min<qsizetype>(parts.size(), 3); n >= 2 && found.isEmpty(); --n) {
            const QString tail = parts.mid(parts.size() - n).join(QLatin1Char('/'));
            if (isIana(tail.toUtf8()))
                found = tail;
        }
    }
    if (cache.resolved.size() < 4096)
        cache.resolved.insert(id, found);
    return found;
}

Result<CalendarSheet> readCalendar(QByteArrayView bytes, const CalendarOptions &options)
{
    quietLibical();
    const QString file = options.fileName;
    auto physical = physicalLines(bytes, options.encoding);
    if (!physical)
        return fail(physical.error().code,
                    QStringLiteral("%1: %2").arg(file, physical.error().message));
    const QList<ContentLine> lines = unfold(*physical);
    CalendarSheet sheet;
    sheet.encoding = physical->encoding;
    Reader reader{options, sheet, {}, {}, {}};

    // The structure: VCALENDAR holding VEVENTs (with their VALARMs), VTIMEZONEs and others.
    QStringList stack;
    QList<Block> blocks;
    std::optional<Block> open;
    bool sawCalendar = false;
    for (const ContentLine &l : lines) {
        if (!l.bad.isEmpty()) {
            sheet.problems.append({file, l.line, l.bad});
            if (open)
                open->line = -std::abs(open->line); // the event is bad: its line says why
            continue;
        }
        const QString name = nameOf(l.text);
        const QString value = valueOf(l.text).trimmed().toUpper();
        if (name == QLatin1String("BEGIN")) {
            if (stack.isEmpty() && value != QLatin1String("VCALENDAR")) {
                sheet.problems.append(
                    {file, l.line, QStringLiteral("BEGIN:%1 outside a VCALENDAR").arg(value)});
                continue;
            }
            sawCalendar |= value == QLatin1String("VCALENDAR");
            stack.append(value);
            if (value == QLatin1String("VEVENT") && stack.size() == 2)
                open = Block{l.line, {}};
            if (stack.size() > 16) {
                return fail(
                    Errc::Malformed,
                    QStringLiteral("%1:%2: components nested too deep").arg(file).arg(l.line));
            }
        } else if (name == QLatin1String("END")) {
            if (stack.isEmpty() || stack.last() != value) {
                sheet.problems.append(
                    {file, l.line,
                     stack.isEmpty()
                         ? QStringLiteral("END:%1 without BEGIN").arg(value)
                         : QStringLiteral("END:%1 where %2 is open").arg(value, stack.last())});
                if (open)
                    open->line = -std::abs(open->line);
                continue;
            }
            stack.removeLast();
            if (open && stack.size() == 1 && value == QLatin1String("VEVENT")) {
                open->lines.append(l);
                blocks.append(*open);
                open.reset();
                continue;
            }
        } else if (stack.size() == 1) {
            if (name == QLatin1String("X-WR-CALNAME"))
                reader.calName = valueOf(l.text).trimmed();
            else if (name == QLatin1String("X-WR-TIMEZONE"))
                reader.calendarZone = valueOf(l.text).trimmed();
        }
        if (open)
            open->lines.append(l);
    }
    if (!sawCalendar)
        return fail(Errc::Malformed,
                    QStringLiteral("%1: not an iCalendar file (no BEGIN:VCALENDAR)").arg(file));
    if (open)
        sheet.problems.append({file, std::abs(open->line),
                               QStringLiteral("BEGIN:VEVENT never ends (END:VEVENT missing)")});

    // Defaults of the file.
    sheet.visit = !options.visit.isEmpty()    ? options.visit
                  : !reader.calName.isEmpty() ? reader.calName
                                              : QFileInfo(file).completeBaseName();
    QString zone = options.defaultZone;
    if (zone.isEmpty() && !reader.calendarZone.isEmpty())
        zone = ianaZone(reader.calendarZone);
    if (!options.defaultZone.isEmpty()) {
        zone = ianaZone(options.defaultZone);
        if (zone.isEmpty())
            return fail(Errc::InvalidArgument,
                        QStringLiteral("unknown time zone \"%1\"").arg(options.defaultZone));
    }
    sheet.defaultZone = zone.isEmpty() ? QStringLiteral("UTC") : zone;
    CalendarOptions effective = options;
    effective.defaultZone = sheet.defaultZone;
    Reader r{effective, sheet, reader.calendarZone, reader.calName, {}};

    sheet.events = int(blocks.size() + (open ? 1 : 0));
    std::vector<Event> events;
    for (const Block &b : blocks) {
        if (b.line < 0)
            continue; // a bad line inside: already a problem
        if (auto e = r.parse(b))
            events.push_back(std::move(*e));
    }
    // Overrides by UID; masters expanded around them.
    QHash<QString, QList<const Event *>> overrides;
    QSet<QString> masters;
    for (const Event &e : events) {
        if (e.recurrenceIdMs && !e.uid.isEmpty())
            overrides[e.scope + QLatin1Char('\n') + e.uid].append(&e);
        else if (!e.recurrenceIdMs && !e.uid.isEmpty())
            masters.insert(e.scope + QLatin1Char('\n') + e.uid);
    }
    for (const Event &e : events) {
        const QString uidKey = e.scope + QLatin1Char('\n') + e.uid;
        if (e.recurrenceIdMs)
            r.addRow(e, e.start, e.startMs, e.recurrenceTag, QString());
        else if (e.recurring)
            r.expand(e, overrides.value(uidKey));
        else
            r.addRow(e, e.start, e.startMs, QString(), QString());
    }
    if (sheet.rows.size() >= kCalendarMaxRows)
        sheet.problems.append(
            {file, 0,
             QStringLiteral("more than %1 rows: the rest was not read").arg(kCalendarMaxRows)});
    std::stable_sort(
        sheet.problems.begin(), sheet.problems.end(),
        [](const ImportProblem &a, const ImportProblem &b) { return a.line < b.line; });
    return sheet;
}

} // namespace liaison::imports
