// `alarms` and `alarms ack ID`: what the stream layer raised at HQ (DESIGN.md "Streams":
// forks, sender faults, RECEIPT mismatches, quarantined wipe-only devices, unlock failures a
// device reported ...), and the desk acknowledging one. Alarms carry ids and counts only.

#include "cli.h"

#include "desk/deskactivity.h"

namespace liaison::hqcli {

namespace {

const QString kOptAll = QStringLiteral("all");
const QString kOptDevice = QStringLiteral("device");

int alarmsList(Context &ctx)
{
    if (!ctx.positional().isEmpty())
        return ctx.usage(QStringLiteral("unexpected argument %1 (alarms ack ID acknowledges one)")
                             .arg(ctx.positional().first()));
    const QString device = ctx.value(kOptDevice).toLower();
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    auto all = desk::deskAlarms(**store);
    if (!all)
        return ctx.fail(QStringLiteral("alarms"), all.error());
    QJsonArray out;
    QList<QStringList> rows;
    int open = 0;
    for (const desk::DeskAlarm &a : *all) {
        const QString peer = QString::fromLatin1(a.alarm.peer.toHex());
        if (!device.isEmpty() && !peer.startsWith(device))
            continue;
        const bool acked = a.acknowledgedMs != 0;
        if (!acked)
            ++open;
        if (acked && !ctx.isSet(kOptAll))
            continue;
        const QString type = QString::fromLatin1(streams::alarmTypeName(a.alarm.type));
        const QString dir = a.alarm.direction == streams::Direction::Down ? QStringLiteral("down")
                                                                          : QStringLiteral("up");
        QJsonObject o{{QStringLiteral("id"), qint64(a.alarm.id)},
                      {QStringLiteral("type"), type},
                      {QStringLiteral("device"), peer},
                      {QStringLiteral("direction"), dir},
                      {QStringLiteral("epoch"), qint64(a.alarm.epoch)},
                      {QStringLiteral("seq"), qint64(a.alarm.seq)},
                      {QStringLiteral("count"), qint64(a.alarm.count)},
                      {QStringLiteral("at"), isoTime(a.alarm.atMs)},
                      {QStringLiteral("acknowledged"), acked}};
        if (acked) {
            o.insert(QStringLiteral("acknowledgedAt"), isoTime(a.acknowledgedMs));
            o.insert(QStringLiteral("acknowledgedBy"), a.acknowledgedBy);
        }
        out.append(o);
        rows.append({QString::number(a.alarm.id), isoTime(a.alarm.atMs), type, peer.left(8),
                     QStringLiteral("%1 %2/%3").arg(dir).arg(a.alarm.epoch).arg(a.alarm.seq),
                     QString::number(a.alarm.count),
                     acked ? QStringLiteral("ack %1").arg(a.acknowledgedBy) : QStringLiteral("OPEN")});
    }
    ctx.result().insert(QStringLiteral("alarms"), out);
    ctx.result().insert(QStringLiteral("open"), open);
    if (rows.isEmpty())
        ctx.line(ctx.isSet(kOptAll) ? QStringLiteral("no alarms") : QStringLiteral("no open alarms"));
    else
        ctx.table({QStringLiteral("ID"), QStringLiteral("AT"), QStringLiteral("TYPE"),
                   QStringLiteral("DEVICE"), QStringLiteral("STREAM"), QStringLiteral("COUNT"),
                   QStringLiteral("STATE")},
                  rows);
    return ctx.finish();
}

int alarmsAck(Context &ctx)
{
    if (ctx.positional().size() != 1)
        return ctx.usage(QStringLiteral("give one alarm id"));
    bool ok = false;
    const qint64 id = ctx.positional().first().toLongLong(&ok);
    if (!ok || id <= 0)
        return ctx.usage(
            QStringLiteral("\"%1\" is not an alarm id (a number)").arg(ctx.positional().first()));
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    if (auto s = desk::acknowledgeAlarm(**store, id); !s)
        return ctx.fail(QStringLiteral("alarms ack"), s.error());
    ctx.result().insert(QStringLiteral("id"), id);
    ctx.line(QStringLiteral("alarm %1 acknowledged").arg(id));
    return ctx.finish();
}

} // namespace

void addOpsCommands(QList<Command> &out)
{
    out.append({{QStringLiteral("alarms")},
                QStringLiteral("Open alarms (forks, sender faults, quarantine, mismatches ...)"),
                QString(),
                [](QCommandLineParser &p) {
                    p.addOption({kOptAll, QStringLiteral("Acknowledged ones too.")});
                    p.addOption({kOptDevice, QStringLiteral("Only this device (id or prefix)."),
                                 QStringLiteral("id")});
                },
                alarmsList});
    out.append({{QStringLiteral("alarms"), QStringLiteral("ack")},
                QStringLiteral("Acknowledge an alarm (the desk looked at it)"),
                QStringLiteral("ID"),
                {},
                alarmsAck});
}

} // namespace liaison::hqcli
