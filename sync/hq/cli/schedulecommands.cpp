// `schedule add|list|import|export`: visit schedules (DESIGN.md "Data": ScheduleItem, HQ only).
// Import and export speak iCalendar (imports/icalendar.h); recurring events are expanded in a
// window (--from/--until, default from a week ago to 180 days ahead).

#include "cli.h"

#include "desk/scheduleimport.h"
#include "imports/icalendar.h"
#include "imports/textdecode.h"
#include "model/records.h"
#include "store/atomicfile.h"

#include <QCborArray>
#include <QFileInfo>
#include <QTimeZone>

namespace liaison::hqcli {

namespace {

const QString kOptScope = QStringLiteral("scope");
const QString kOptQuery = QStringLiteral("query");
const QString kOptVisit = QStringLiteral("visit");
const QString kOptTitle = QStringLiteral("title");
const QString kOptStart = QStringLiteral("start");
const QString kOptEnd = QStringLiteral("end");
const QString kOptMinutes = QStringLiteral("minutes");
const QString kOptTimeZone = QStringLiteral("time-zone");
const QString kOptVenue = QStringLiteral("venue");
const QString kOptAddress = QStringLiteral("address");
const QString kOptPosition = QStringLiteral("position");
const QString kOptParticipant = QStringLiteral("participant");
const QString kOptNotes = QStringLiteral("notes");
const QString kOptStatus = QStringLiteral("status");
const QString kOptFrom = QStringLiteral("from");
const QString kOptUntil = QStringLiteral("until");
const QString kOptEncoding = QStringLiteral("encoding");
const QString kOptSkipBad = QStringLiteral("skip-bad");
const QString kOptDryRun = QStringLiteral("dry-run");
const QString kOptOut = QStringLiteral("out");
const QString kOptUtc = QStringLiteral("utc");
const QString kOptName = QStringLiteral("name");

constexpr qint64 kDayMs = 86'400'000;
constexpr qint64 kMaxImportBytes = 64ll << 20;

// An ISO time; without an offset it is a wall-clock time in `zone`.
std::optional<qint64> parseLocalTime(const QString &text, const QTimeZone &zone)
{
    QDateTime t = QDateTime::fromString(text, Qt::ISODate);
    if (!t.isValid()) {
        const QDate d = QDate::fromString(text, Qt::ISODate);
        if (!d.isValid())
            return std::nullopt;
        t = QDateTime(d, QTime(0, 0));
    }
    if (t.timeSpec() == Qt::LocalTime)
        t = QDateTime(t.date(), t.time(), zone);
    return t.toMSecsSinceEpoch();
}

QTimeZone zoneNamed(const QString &iana)
{
    return iana.isEmpty() || iana == QLatin1String("UTC") ? QTimeZone::utc()
                                                          : QTimeZone(iana.toUtf8());
}

QString localText(qint64 ms, const QString &zone)
{
    return QDateTime::fromMSecsSinceEpoch(ms, zoneNamed(zone))
        .toString(QStringLiteral("yyyy-MM-dd HH:mm"));
}

QJsonObject itemJson(const model::RecordState &r)
{
    const model::FieldMap f = desk::fieldValues(r);
    auto str = [&](const char *k) {
        return f.value(QString::fromLatin1(k)).toString();
    };
    QJsonObject o;
    o.insert(QStringLiteral("id"), model::recordIdToString(r.id));
    o.insert(QStringLiteral("scope"), r.scope);
    for (const char *k :
         {"visit", "title", "timeZone", "venue", "address", "escortNotes", "status"})
        o.insert(QString::fromLatin1(k), str(k));
    o.insert(QStringLiteral("start"), isoTime(f.value(QStringLiteral("start")).toInteger()));
    o.insert(QStringLiteral("end"), isoTime(f.value(QStringLiteral("end")).toInteger()));
    o.insert(QStringLiteral("startMs"), f.value(QStringLiteral("start")).toInteger());
    o.insert(QStringLiteral("endMs"), f.value(QStringLiteral("end")).toInteger());
    const QCborArray pos = f.value(QStringLiteral("position")).toArray();
    if (pos.size() == 2) {
        o.insert(QStringLiteral("latitude"), double(pos[0].toInteger()) / 1e7);
        o.insert(QStringLiteral("longitude"), double(pos[1].toInteger()) / 1e7);
    }
    QJsonArray people;
    for (const QCborValue &p : f.value(QStringLiteral("participants")).toArray())
        people.append(p.toString());
    o.insert(QStringLiteral("participants"), people);
    return o;
}

// The fields the options set; an error message for a bad value.
std::expected<model::FieldMap, QString> fieldsFromOptions(Context &ctx, bool adding)
{
    model::FieldMap f;
    QString zoneName = ctx.value(kOptTimeZone);
    if (ctx.isSet(kOptTimeZone)) {
        zoneName = imports::ianaZone(zoneName);
        if (zoneName.isEmpty())
            return std::unexpected(QStringLiteral("--time-zone \"%1\" is no IANA or Windows zone")
                                       .arg(ctx.value(kOptTimeZone)));
        f.insert(QStringLiteral("timeZone"), zoneName);
    } else if (adding) {
        zoneName = QStringLiteral("UTC");
        f.insert(QStringLiteral("timeZone"), zoneName);
    }
    const QTimeZone zone = zoneNamed(zoneName);
    auto text = [&](const QString &opt, const char *field) {
        if (ctx.isSet(opt))
            f.insert(QString::fromLatin1(field), ctx.value(opt).trimmed());
    };
    text(kOptVisit, "visit");
    text(kOptTitle, "title");
    text(kOptVenue, "venue");
    text(kOptAddress, "address");
    text(kOptNotes, "escortNotes");
    std::optional<qint64> start;
    if (ctx.isSet(kOptStart)) {
        start = parseLocalTime(ctx.value(kOptStart), zone);
        if (!start)
            return std::unexpected(QStringLiteral("--start takes an ISO time (2026-12-01T09:00)"));
        f.insert(QStringLiteral("start"), *start);
    }
    if (ctx.isSet(kOptEnd) && ctx.isSet(kOptMinutes))
        return std::unexpected(QStringLiteral("give --end or --minutes, not both"));
    if (ctx.isSet(kOptEnd)) {
        auto end = parseLocalTime(ctx.value(kOptEnd), zone);
        if (!end)
            return std::unexpected(QStringLiteral("--end takes an ISO time"));
        if (start && *end < *start)
            return std::unexpected(QStringLiteral("--end is before --start"));
        f.insert(QStringLiteral("end"), *end);
    } else if (ctx.isSet(kOptMinutes)) {
        bool ok = false;
        const int minutes = ctx.value(kOptMinutes).toInt(&ok);
        if (!ok || minutes < 0 || minutes > 60 * 24 * 31)
            return std::unexpected(QStringLiteral("--minutes takes 0 to 44640"));
        if (!start)
            return std::unexpected(QStringLiteral("--minutes needs --start"));
        f.insert(QStringLiteral("end"), *start + qint64(minutes) * 60'000);
    } else if (adding && start) {
        f.insert(QStringLiteral("end"), *start);
    }
    if (ctx.isSet(kOptPosition)) {
        const QStringList parts = ctx.value(kOptPosition).split(QLatin1Char(','));
        bool okLat = false, okLon = false;
        const double lat = parts.value(0).trimmed().toDouble(&okLat);
        const double lon = parts.value(1).trimmed().toDouble(&okLon);
        if (parts.size() != 2 || !okLat || !okLon)
            return std::unexpected(QStringLiteral("--position takes LAT,LON in degrees"));
        f.insert(QStringLiteral("position"), QCborArray{qRound64(lat * 1e7), qRound64(lon * 1e7)});
    }
    if (ctx.isSet(kOptParticipant)) {
        QCborArray a;
        for (const QString &p : ctx.values(kOptParticipant))
            a.append(p.trimmed());
        f.insert(QStringLiteral("participants"), a);
    }
    if (ctx.isSet(kOptStatus))
        f.insert(QStringLiteral("status"), ctx.value(kOptStatus).toLower());
    else if (adding)
        f.insert(QStringLiteral("status"), QStringLiteral("confirmed"));
    for (auto it = f.begin(); it != f.end(); ++it) {
        auto norm = model::normalizeField(
            *model::fieldSpec(model::RecordType::ScheduleItem, it.key()), it.value());
        if (!norm)
            return std::unexpected(QStringLiteral("%1: %2").arg(it.key(), norm.error().message));
        it.value() = *norm;
    }
    return f;
}

void addFieldOptions(QCommandLineParser &p)
{
    p.addOption(
        {kOptVisit, QStringLiteral("The visit the item belongs to."), QStringLiteral("text")});
    p.addOption({kOptTitle, QStringLiteral("Title."), QStringLiteral("text")});
    p.addOption({kOptStart,
                 QStringLiteral("Start, ISO (2026-12-01T09:00 is in --time-zone; a Z or offset "
                                "says otherwise)."),
                 QStringLiteral("time")});
    p.addOption({kOptEnd, QStringLiteral("End, ISO."), QStringLiteral("time")});
    p.addOption({kOptMinutes, QStringLiteral("Length in minutes (instead of --end)."),
                 QStringLiteral("n")});
    p.addOption({kOptTimeZone,
                 QStringLiteral("IANA or Windows zone the item is shown in (default UTC)."),
                 QStringLiteral("zone")});
    p.addOption({kOptVenue, QStringLiteral("Venue."), QStringLiteral("text")});
    p.addOption({kOptAddress, QStringLiteral("Address."), QStringLiteral("text")});
    p.addOption({kOptPosition, QStringLiteral("LAT,LON in degrees."), QStringLiteral("lat,lon")});
    p.addOption(
        {kOptParticipant, QStringLiteral("A participant; repeatable."), QStringLiteral("name")});
    p.addOption({kOptNotes, QStringLiteral("Escort notes."), QStringLiteral("text")});
    p.addOption(
        {kOptStatus, QStringLiteral("confirmed, changed or cancelled."), QStringLiteral("status")});
}

int scheduleAdd(Context &ctx)
{
    const QString scope = ctx.value(kOptScope);
    if (scope.isEmpty() || ctx.value(kOptTitle).trimmed().isEmpty() || !ctx.isSet(kOptStart))
        return ctx.usage(QStringLiteral("--scope, --title and --start are required"));
    auto fields = fieldsFromOptions(ctx, true);
    if (!fields)
        return ctx.usage(fields.error());
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    desk::DeskStore &desk = **store;
    auto has = desk.hasScope(scope);
    if (!has)
        return ctx.fail(QStringLiteral("scope"), has.error());
    if (!*has)
        return ctx.fail(QStringLiteral("schedule add"),
                        Error(Errc::NotFound, QStringLiteral("scope %1 is not declared (liaison-hq "
                                                             "scope add)")
                                                  .arg(scope)));
    store::Transaction tx(desk.database());
    if (auto s = tx.begin(); !s)
        return ctx.fail(QStringLiteral("schedule add"), s.error());
    auto op = desk.records().create(model::RecordType::ScheduleItem, scope, *fields);
    if (!op)
        return ctx.fail(QStringLiteral("schedule add"), op.error());
    const QString id = model::recordIdToString(op->recordId);
    if (auto s = desk.audit(QStringLiteral("schedule.add"), id, scope); !s)
        return ctx.fail(QStringLiteral("audit"), s.error());
    if (auto s = tx.commit(); !s)
        return ctx.fail(QStringLiteral("schedule add"), s.error());
    ctx.result().insert(QStringLiteral("id"), id);
    ctx.line(QStringLiteral("schedule item %1 added to %2").arg(id, scope));
    return ctx.finish();
}

int scheduleList(Context &ctx)
{
    std::optional<qint64> from, until;
    if (ctx.isSet(kOptFrom) && !(from = parseTime(ctx.value(kOptFrom))))
        return ctx.usage(QStringLiteral("--from takes an ISO date or time"));
    if (ctx.isSet(kOptUntil) && !(until = parseTime(ctx.value(kOptUntil))))
        return ctx.usage(QStringLiteral("--until takes an ISO date or time"));
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    auto all = desk::liveScheduleItems(**store, ctx.values(kOptScope));
    if (!all)
        return ctx.fail(QStringLiteral("schedule list"), all.error());
    QJsonArray out;
    QList<QStringList> rows;
    for (const model::RecordState &r : *all) {
        const model::FieldMap f = desk::fieldValues(r);
        const qint64 start = f.value(QStringLiteral("start")).toInteger();
        if ((from && start < *from) || (until && start >= *until) ||
            !recordMatches(r, ctx.value(kOptQuery)))
            continue;
        out.append(itemJson(r));
        const QString zone = f.value(QStringLiteral("timeZone")).toString();
        rows.append({model::recordIdToString(r.id).left(8), r.scope,
                     localText(start, zone) + QLatin1Char(' ') +
                         (zone.isEmpty() ? QStringLiteral("UTC") : zone),
                     f.value(QStringLiteral("title")).toString(),
                     f.value(QStringLiteral("venue")).toString(),
                     f.value(QStringLiteral("status")).toString()});
    }
    ctx.result().insert(QStringLiteral("items"), out);
    ctx.table({QStringLiteral("ID"), QStringLiteral("SCOPE"), QStringLiteral("START"),
               QStringLiteral("TITLE"), QStringLiteral("VENUE"), QStringLiteral("STATUS")},
              rows);
    ctx.line(QStringLiteral("%1 schedule item(s)").arg(out.size()));
    return ctx.finish();
}

int scheduleImport(Context &ctx)
{
    if (ctx.positional().size() != 1)
        return ctx.usage(QStringLiteral("give one iCalendar file to import"));
    const QString path = ctx.positional().first();
    if (ctx.isSet(kOptEncoding) &&
        !imports::knownEncodings().contains(ctx.value(kOptEncoding).toLower()))
        return ctx.usage(QStringLiteral("--encoding takes one of: %1")
                             .arg(imports::knownEncodings().join(QStringLiteral(", "))));
    if (ctx.isSet(kOptTimeZone) && imports::ianaZone(ctx.value(kOptTimeZone)).isEmpty())
        return ctx.usage(QStringLiteral("--time-zone \"%1\" is no IANA or Windows zone")
                             .arg(ctx.value(kOptTimeZone)));
    imports::CalendarOptions o;
    const qint64 now = ctx.clock().wallMs();
    const qint64 today = now - now % kDayMs;
    o.fromMs = today - 7 * kDayMs;
    o.untilMs = today + 181 * kDayMs;
    if (ctx.isSet(kOptFrom)) {
        auto t = parseTime(ctx.value(kOptFrom));
        if (!t)
            return ctx.usage(QStringLiteral("--from takes an ISO date or time"));
        o.fromMs = *t;
    }
    if (ctx.isSet(kOptUntil)) {
        auto t = parseTime(ctx.value(kOptUntil));
        if (!t)
            return ctx.usage(QStringLiteral("--until takes an ISO date or time"));
        o.untilMs = *t;
    }
    if (o.untilMs <= o.fromMs)
        return ctx.usage(QStringLiteral("--until must be after --from"));
    auto bytes = store::readSmallFile(path, kMaxImportBytes);
    if (!bytes)
        return ctx.fail(QStringLiteral("schedule import"), bytes.error());
    o.fileName = QFileInfo(path).fileName();
    o.encoding = ctx.value(kOptEncoding).toLower();
    o.defaultScope = ctx.value(kOptScope);
    o.visit = ctx.value(kOptVisit);
    o.defaultZone = ctx.value(kOptTimeZone);
    ctx.progress(QStringLiteral("reading %1 ...").arg(o.fileName));
    auto sheet = imports::readCalendar(*bytes, o);
    if (!sheet)
        return ctx.fail(QStringLiteral("schedule import"), sheet.error());
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    desk::ImportOptions io;
    io.dryRun = ctx.isSet(kOptDryRun);
    io.skipBad = ctx.isSet(kOptSkipBad);
    io.source = o.fileName;
    io.progress = [&ctx](int done, int total) {
        ctx.progress(QStringLiteral("importing: %1 of %2 items").arg(done).arg(total));
        testKillPoint("import", done);
    };
    auto outcome = desk::importSchedule(**store, *sheet, io);
    if (!outcome)
        return ctx.fail(QStringLiteral("schedule import"), outcome.error());
    QJsonArray warnings;
    for (const imports::ImportProblem &w : sheet->warnings) {
        warnings.append(QJsonObject{{QStringLiteral("file"), w.file},
                                    {QStringLiteral("line"), w.line},
                                    {QStringLiteral("reason"), w.reason}});
        ctx.line(QStringLiteral("warning: %1").arg(w.describe()));
    }
    QJsonObject &r = ctx.result();
    r.insert(QStringLiteral("encoding"), sheet->encoding);
    r.insert(QStringLiteral("events"), sheet->events);
    r.insert(QStringLiteral("rows"), int(sheet->rows.size()));
    r.insert(QStringLiteral("visit"), sheet->visit);
    r.insert(QStringLiteral("timeZone"), sheet->defaultZone);
    r.insert(QStringLiteral("from"), isoTime(o.fromMs));
    r.insert(QStringLiteral("until"), isoTime(o.untilMs));
    r.insert(QStringLiteral("warnings"), warnings);
    return reportImport(
        ctx, QStringLiteral("schedule import"), o.fileName, *outcome, io.dryRun, io.skipBad,
        QStringLiteral("%1 event(s), %2, recurrences from %3 to %4")
            .arg(sheet->events)
            .arg(sheet->encoding, isoTime(o.fromMs).left(10), isoTime(o.untilMs).left(10)));
}

int scheduleExport(Context &ctx)
{
    const QString out = ctx.value(kOptOut);
    if (out.isEmpty())
        return ctx.usage(QStringLiteral("--out FILE is required"));
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    desk::DeskStore &desk = **store;
    auto all = desk::liveScheduleItems(desk, ctx.values(kOptScope));
    if (!all)
        return ctx.fail(QStringLiteral("schedule export"), all.error());
    QList<imports::CalendarEvent> events;
    for (const model::RecordState &r : *all)
        events.append({r.id, r.scope, desk::fieldValues(r)});
    imports::CalendarExportOptions o;
    o.utc = ctx.isSet(kOptUtc);
    o.name = ctx.value(kOptName);
    o.stampMs = ctx.clock().wallMs();
    if (auto s = writeOutputFile(out, imports::writeCalendar(events, o)); !s)
        return ctx.fail(QStringLiteral("schedule export"), s.error());
    if (auto s = desk.audit(QStringLiteral("schedule.export"), QFileInfo(out).fileName(),
                            QStringLiteral("%1 item(s)").arg(events.size()));
        !s)
        return ctx.fail(QStringLiteral("audit"), s.error());
    ctx.result().insert(QStringLiteral("file"), out);
    ctx.result().insert(QStringLiteral("items"), int(events.size()));
    ctx.line(QStringLiteral("%1 schedule item(s) written to %2").arg(events.size()).arg(out));
    return ctx.finish();
}

} // namespace

void addScheduleCommands(QList<Command> &out)
{
    out.append({{QStringLiteral("schedule"), QStringLiteral("add")},
                QStringLiteral("Add one visit schedule item to a scope"),
                QString(),
                [](QCommandLineParser &p) {
                    p.addOption({kOptScope, QStringLiteral("The scope (declared)."),
                                 QStringLiteral("scope")});
                    addFieldOptions(p);
                },
                scheduleAdd});
    out.append({{QStringLiteral("schedule"), QStringLiteral("list")},
                QStringLiteral("The schedule items, by start, filtered by scope, text and time"),
                QString(),
                [](QCommandLineParser &p) {
                    p.addOption({kOptScope, QStringLiteral("Only this scope; repeatable."),
                                 QStringLiteral("scope")});
                    p.addOption({kOptQuery,
                                 QStringLiteral("Only items whose fields contain this text."),
                                 QStringLiteral("text")});
                    p.addOption({kOptFrom, QStringLiteral("Only items starting at or after."),
                                 QStringLiteral("time")});
                    p.addOption({kOptUntil, QStringLiteral("Only items starting before."),
                                 QStringLiteral("time")});
                },
                scheduleList});
    out.append(
        {{QStringLiteral("schedule"), QStringLiteral("import")},
         QStringLiteral("Import a visit schedule from iCalendar (Outlook, Google, Liaison)"),
         QStringLiteral("FILE"),
         [](QCommandLineParser &p) {
             p.addOption({kOptScope, QStringLiteral("The scope of events without X-LIAISON-SCOPE."),
                          QStringLiteral("scope")});
             p.addOption({kOptVisit,
                          QStringLiteral("The visit's name (default: the calendar's name, else "
                                         "the file's)."),
                          QStringLiteral("text")});
             p.addOption({kOptTimeZone,
                          QStringLiteral("Zone of floating times and all-day events (default: "
                                         "the calendar's X-WR-TIMEZONE, else UTC)."),
                          QStringLiteral("zone")});
             p.addOption({kOptFrom,
                          QStringLiteral("Expand recurring events from this date (default: a "
                                         "week ago)."),
                          QStringLiteral("date")});
             p.addOption({kOptUntil,
                          QStringLiteral("... until this date (default: 180 days ahead)."),
                          QStringLiteral("date")});
             p.addOption({kOptEncoding,
                          QStringLiteral("utf-8 (default, as RFC 5545 says), utf-16le, utf-16be, "
                                         "windows-1250 or iso-8859-2."),
                          QStringLiteral("name")});
             p.addOption({kOptSkipBad, QStringLiteral("Import the good events of a file with bad "
                                                      "ones (default: nothing is imported).")});
             p.addOption({kOptDryRun, QStringLiteral("Show what would change; write nothing.")});
         },
         scheduleImport});
    out.append(
        {{QStringLiteral("schedule"), QStringLiteral("export")},
         QStringLiteral("Write the schedule items to an iCalendar file (RFC 5545)"),
         QString(),
         [](QCommandLineParser &p) {
             p.addOption({kOptOut, QStringLiteral("The file to write."), QStringLiteral("file")});
             p.addOption({kOptScope, QStringLiteral("Only this scope; repeatable."),
                          QStringLiteral("scope")});
             p.addOption({kOptUtc, QStringLiteral("Times in UTC instead of their zone "
                                                  "(with VTIMEZONE).")});
             p.addOption(
                 {kOptName, QStringLiteral("The calendar's name."), QStringLiteral("text")});
         },
         scheduleExport});
}

} // namespace liaison::hqcli
