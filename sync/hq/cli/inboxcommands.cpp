// `acks --instruction ID`, `reports [show ID]`, `checkins`: what the officers sent to the desk
// (DESIGN.md "Data": Acknowledgement, FieldReport, CheckIn). The queries are desk/deskinbox.h;
// `liaison-hq sync` brings new ones in.

#include "cli.h"

#include "desk/deskinbox.h"
#include "model/records.h"

#include <QCborArray>
#include <QHash>

namespace liaison::hqcli {

namespace {

const QString kOptInstruction = QStringLiteral("instruction");
const QString kOptScope = QStringLiteral("scope");
const QString kOptSince = QStringLiteral("since");
const QString kOptMissing = QStringLiteral("missing");
const QString kOptGrace = QStringLiteral("grace");
const QString kOptDays = QStringLiteral("days");

QCborValue field(const model::RecordState &r, const char *name)
{
    return r.fields.value(QLatin1StringView(name)).value;
}

QString author(const model::RecordState &r)
{
    return r.owner ? QString::fromLatin1(r.owner->toHex()) : QString();
}

// "48.2081700,16.3738900" from [lat e7, lon e7]; empty when none.
QString position(const model::RecordState &r)
{
    const QCborArray p = field(r, "position").toArray();
    if (p.size() != 2)
        return {};
    return QStringLiteral("%1,%2")
        .arg(double(p.at(0).toInteger()) / 1e7, 0, 'f', 7)
        .arg(double(p.at(1).toInteger()) / 1e7, 0, 'f', 7);
}

int acks(Context &ctx)
{
    if (!ctx.isSet(kOptInstruction))
        return ctx.usage(QStringLiteral("--instruction ID is required"));
    if (!ctx.positional().isEmpty())
        return ctx.usage(QStringLiteral("unexpected argument %1").arg(ctx.positional().first()));
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    auto instruction = desk::findInstruction(**store, ctx.value(kOptInstruction));
    if (!instruction)
        return ctx.fail(QStringLiteral("acks"), instruction.error());
    auto acks = desk::instructionAcks(**store, *instruction);
    if (!acks)
        return ctx.fail(QStringLiteral("acks"), acks.error());
    QJsonArray done, missing;
    QList<QStringList> rows;
    for (const desk::DeviceAck &d : acks->devices) {
        const QString id = QString::fromLatin1(d.device.id.toHex());
        QJsonObject o{{QStringLiteral("id"), id}, {QStringLiteral("label"), d.device.label}};
        if (d.acknowledged) {
            o.insert(QStringLiteral("at"), isoTime(d.acknowledgedMs));
            done.append(o);
        } else {
            if (d.olderVersion > 0)
                o.insert(QStringLiteral("acknowledgedVersion"), d.olderVersion);
            missing.append(o);
        }
        if (ctx.isSet(kOptMissing) && d.acknowledged)
            continue;
        rows.append({id.left(8), d.device.label,
                     d.acknowledged ? QStringLiteral("acknowledged %1").arg(isoTime(d.acknowledgedMs))
                     : d.olderVersion > 0
                         ? QStringLiteral("NOT (acknowledged version %1 only)").arg(d.olderVersion)
                         : QStringLiteral("NOT acknowledged")});
    }
    const QString idText = model::recordIdToString(instruction->id);
    ctx.result().insert(QStringLiteral("instruction"), idText);
    ctx.result().insert(QStringLiteral("version"), acks->version);
    ctx.result().insert(QStringLiteral("scope"), instruction->scope);
    ctx.result().insert(QStringLiteral("requiresAck"), acks->requiresAck);
    ctx.result().insert(QStringLiteral("acknowledged"), done);
    ctx.result().insert(QStringLiteral("missing"), missing);
    ctx.line(QStringLiteral("instruction %1 \"%2\" version %3 in %4: %5 of %6 active device(s) "
                            "acknowledged%7")
                 .arg(idText.left(8), field(*instruction, "title").toString())
                 .arg(acks->version)
                 .arg(instruction->scope)
                 .arg(done.size())
                 .arg(acks->devices.size())
                 .arg(acks->requiresAck ? QString()
                                        : QStringLiteral(" (acknowledgement not required)")));
    if (!rows.isEmpty())
        ctx.table({QStringLiteral("DEVICE"), QStringLiteral("LABEL"), QStringLiteral("STATE")},
                  rows);
    return ctx.finish();
}

std::expected<qint64, int> sinceOption(Context &ctx)
{
    if (!ctx.isSet(kOptSince))
        return 0;
    auto t = parseTime(ctx.value(kOptSince));
    if (!t)
        return std::unexpected(ctx.usage(QStringLiteral("--since takes an ISO date or time")));
    return *t;
}

int reports(Context &ctx)
{
    if (!ctx.positional().isEmpty())
        return ctx.usage(QStringLiteral("unexpected argument %1 (reports show ID shows one)")
                             .arg(ctx.positional().first()));
    auto since = sinceOption(ctx);
    if (!since)
        return since.error();
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    auto all = desk::fieldRecords(**store, model::RecordType::FieldReport, ctx.values(kOptScope),
                                  *since);
    if (!all)
        return ctx.fail(QStringLiteral("reports"), all.error());
    QJsonArray out;
    QList<QStringList> rows;
    for (const model::RecordState &r : *all) {
        const QString text = field(r, "text").toString();
        out.append(QJsonObject{{QStringLiteral("id"), model::recordIdToString(r.id)},
                               {QStringLiteral("scope"), r.scope},
                               {QStringLiteral("author"), author(r)},
                               {QStringLiteral("time"), isoTime(field(r, "time").toInteger())},
                               {QStringLiteral("text"), text}});
        QString first = text.section(QLatin1Char('\n'), 0, 0);
        if (first.size() > 60)
            first = first.left(57) + QStringLiteral("...");
        rows.append({model::recordIdToString(r.id).left(8), isoTime(field(r, "time").toInteger()),
                     r.scope, author(r).left(8), first});
    }
    ctx.result().insert(QStringLiteral("reports"), out);
    if (rows.isEmpty())
        ctx.line(QStringLiteral("no field reports"));
    else
        ctx.table({QStringLiteral("ID"), QStringLiteral("TIME"), QStringLiteral("SCOPE"),
                   QStringLiteral("AUTHOR"), QStringLiteral("TEXT")},
                  rows);
    return ctx.finish();
}

int reportShow(Context &ctx)
{
    if (ctx.positional().size() != 1)
        return ctx.usage(QStringLiteral("give one report id (or a prefix of it)"));
    const QString prefix = ctx.positional().first().remove(QLatin1Char('-')).toLower();
    if (prefix.size() < 4)
        return ctx.usage(QStringLiteral("give at least 4 hex digits of the report id"));
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    auto all = desk::fieldRecords(**store, model::RecordType::FieldReport, {}, 0);
    if (!all)
        return ctx.fail(QStringLiteral("reports show"), all.error());
    std::optional<model::RecordState> found;
    for (const model::RecordState &r : *all)
        if (QString::fromLatin1(r.id.toHex()).startsWith(prefix)) {
            if (found)
                return ctx.fail(QStringLiteral("reports show"),
                                Error(Errc::InvalidArgument,
                                      QStringLiteral("%1 names more than one report")
                                          .arg(ctx.positional().first())));
            found = r;
        }
    if (!found)
        return ctx.fail(QStringLiteral("reports show"),
                        Error(Errc::NotFound,
                              QStringLiteral("no report %1").arg(ctx.positional().first())));
    const model::RecordState &r = *found;
    const QString related = field(r, "related").isByteArray()
                                ? [&] {
                                      auto id = model::RecordId::fromBytes(
                                          field(r, "related").toByteArray());
                                      return id ? model::recordIdToString(*id) : QString();
                                  }()
                                : QString();
    ctx.result() = QJsonObject{{QStringLiteral("id"), model::recordIdToString(r.id)},
                               {QStringLiteral("scope"), r.scope},
                               {QStringLiteral("author"), author(r)},
                               {QStringLiteral("time"), isoTime(field(r, "time").toInteger())},
                               {QStringLiteral("position"), position(r)},
                               {QStringLiteral("related"), related},
                               {QStringLiteral("text"), field(r, "text").toString()}};
    ctx.line(QStringLiteral("report %1 in %2").arg(model::recordIdToString(r.id), r.scope));
    ctx.line(QStringLiteral("from device %1 at %2").arg(author(r), isoTime(field(r, "time").toInteger())));
    if (!position(r).isEmpty())
        ctx.line(QStringLiteral("position %1").arg(position(r)));
    if (!related.isEmpty())
        ctx.line(QStringLiteral("about record %1").arg(related));
    ctx.line(QString());
    ctx.line(field(r, "text").toString());
    return ctx.finish();
}

int checkins(Context &ctx)
{
    auto since = sinceOption(ctx);
    if (!since)
        return since.error();
    qint64 graceMs = 30 * 60 * 1000;
    if (ctx.isSet(kOptGrace)) {
        bool ok = false;
        const int m = ctx.value(kOptGrace).toInt(&ok);
        if (!ok || m < 0 || m > 7 * 24 * 60)
            return ctx.usage(QStringLiteral("--grace takes 0 to 10080 minutes"));
        graceMs = qint64(m) * 60 * 1000;
    }
    int days = 7;
    if (ctx.isSet(kOptDays)) {
        bool ok = false;
        days = ctx.value(kOptDays).toInt(&ok);
        if (!ok || days < 1 || days > 366)
            return ctx.usage(QStringLiteral("--days takes 1 to 366"));
    }
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    desk::DeskStore &desk = **store;
    const QStringList scopes = ctx.values(kOptScope);
    auto done = desk::fieldRecords(desk, model::RecordType::CheckIn, scopes, *since);
    if (!done)
        return ctx.fail(QStringLiteral("checkins"), done.error());
    const qint64 window = std::max<qint64>(*since, desk.clock().wallMs() - qint64(days) * 86400000);
    auto overdue = desk::overdueCheckIns(desk, scopes, graceMs, window);
    if (!overdue)
        return ctx.fail(QStringLiteral("checkins"), overdue.error());
    // The schedule items' titles, for both lists.
    QHash<QByteArray, QString> titles;
    if (auto items = desk::fieldRecords(desk, model::RecordType::ScheduleItem, scopes, 0); items)
        for (const model::RecordState &i : *items)
            titles.insert(i.id.toByteArray(), field(i, "title").toString());
    for (const desk::OverdueCheckIn &o : *overdue)
        titles.insert(o.item.id.toByteArray(), field(o.item, "title").toString());
    QJsonArray outDone, outOverdue;
    QList<QStringList> rows;
    for (const desk::OverdueCheckIn &o : *overdue) {
        outOverdue.append(QJsonObject{{QStringLiteral("scheduleItem"), model::recordIdToString(o.item.id)},
                                      {QStringLiteral("scope"), o.item.scope},
                                      {QStringLiteral("title"), field(o.item, "title").toString()},
                                      {QStringLiteral("start"), isoTime(o.startMs)}});
        rows.append({QStringLiteral("OVERDUE"), isoTime(o.startMs), o.item.scope, QString(),
                     field(o.item, "title").toString()});
    }
    for (const model::RecordState &c : *done) {
        const QByteArray item = field(c, "scheduleItem").toByteArray();
        auto itemId = model::RecordId::fromBytes(item);
        outDone.append(QJsonObject{{QStringLiteral("id"), model::recordIdToString(c.id)},
                                   {QStringLiteral("scope"), c.scope},
                                   {QStringLiteral("author"), author(c)},
                                   {QStringLiteral("time"), isoTime(field(c, "time").toInteger())},
                                   {QStringLiteral("scheduleItem"),
                                    itemId ? model::recordIdToString(*itemId) : QString()},
                                   {QStringLiteral("position"), position(c)}});
        rows.append({QStringLiteral("checked in"), isoTime(field(c, "time").toInteger()), c.scope,
                     author(c).left(8), titles.value(item)});
    }
    ctx.result().insert(QStringLiteral("checkIns"), outDone);
    ctx.result().insert(QStringLiteral("overdue"), outOverdue);
    if (rows.isEmpty())
        ctx.line(QStringLiteral("no check-ins and none overdue"));
    else
        ctx.table({QStringLiteral("STATE"), QStringLiteral("TIME"), QStringLiteral("SCOPE"),
                   QStringLiteral("DEVICE"), QStringLiteral("VISIT")},
                  rows);
    return ctx.finish();
}

void scopeSince(QCommandLineParser &p)
{
    p.addOption({kOptScope, QStringLiteral("Only this scope; repeatable."), QStringLiteral("scope")});
    p.addOption({kOptSince, QStringLiteral("Only from this ISO date or time on."),
                 QStringLiteral("time")});
}

} // namespace

void addInboxCommands(QList<Command> &out)
{
    out.append({{QStringLiteral("acks")},
                QStringLiteral("Which active devices acknowledged an instruction's current version"),
                QString(),
                [](QCommandLineParser &p) {
                    p.addOption({kOptInstruction, QStringLiteral("The instruction (id or prefix)."),
                                 QStringLiteral("id")});
                    p.addOption({kOptMissing, QStringLiteral("List only the devices that have not.")});
                },
                acks});
    out.append({{QStringLiteral("reports")},
                QStringLiteral("Field reports from the devices, newest first"),
                QString(), scopeSince, reports});
    out.append({{QStringLiteral("reports"), QStringLiteral("show")},
                QStringLiteral("One field report in full"),
                QStringLiteral("ID"), {}, reportShow});
    out.append({{QStringLiteral("checkins")},
                QStringLiteral("Check-ins at scheduled visits; overdue ones marked"),
                QString(),
                [](QCommandLineParser &p) {
                    scopeSince(p);
                    p.addOption({kOptGrace,
                                 QStringLiteral("Minutes after a visit's start before its "
                                                "check-in is overdue (default 30)."),
                                 QStringLiteral("min")});
                    p.addOption({kOptDays,
                                 QStringLiteral("How many days back visits are checked "
                                                "(default 7)."),
                                 QStringLiteral("n")});
                },
                checkins});
}

} // namespace liaison::hqcli
