// `review list|accept|refuse|dismiss`: what waits for the desk (DESIGN.md "Data", "Topology").
//  - Held deletions: a device's deletion of a shared record it did not create is held at HQ,
//    neither applied nor fanned out, until the desk accepts it (the tombstone is applied and sent
//    to every member of the scope) or refuses it (the device gets REJECT DeleteRefused with HQ's
//    record back). The decision and its messages commit in one transaction with the audit entry;
//    the relay round after it is repeatable (publish or sync sends what is queued).
//  - REJECTs worth a look: HQ keeps every device operation it refuses (hq/hqrejects.h: device,
//    record, reason; never a field value). Listed are those of the last 7 days (--since DAYS)
//    the desk has not dismissed, but for a revoked device's (refused as a matter of course).
//    `review dismiss ID` marks one seen (audit entry); the REJECT itself went out already.
// Officers cannot propose corrections to HQ's records: their contact edits merge by LWW
// (DESIGN.md "Data"), so there is nothing of that kind to review.

#include "cli.h"

#include "desk/deskrelay.h"
#include "model/records.h"

namespace liaison::hqcli {

namespace {

const QString kOptTimeout = QStringLiteral("timeout");
const QString kOptSince = QStringLiteral("since");
constexpr qint64 kDayMs = 24ll * 60 * 60 * 1000;

QString recordTitle(const std::optional<model::RecordState> &r)
{
    if (!r)
        return QStringLiteral("(not at HQ)");
    for (const char *name : {"name", "title", "reference"}) {
        const QString v = r->fields.value(QLatin1StringView(name)).value.toString();
        if (!v.isEmpty())
            return v;
    }
    return QString();
}

int reviewList(Context &ctx)
{
    int days = 7;
    if (ctx.isSet(kOptSince)) {
        bool ok = false;
        days = ctx.value(kOptSince).toInt(&ok);
        if (!ok || days < 1 || days > 3650)
            return ctx.usage(QStringLiteral("--since takes 1 to 3650 days"));
    }
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    auto held = (*store)->fanout().heldDeletes();
    if (!held)
        return ctx.fail(QStringLiteral("review list"), held.error());
    QJsonArray out;
    QList<QStringList> rows;
    for (const hq::HeldDelete &h : *held) {
        const QString type =
            h.current ? QString::fromLatin1(model::recordTypeName(h.current->type)) : QString();
        out.append(QJsonObject{{QStringLiteral("id"), h.id},
                               {QStringLiteral("kind"), QStringLiteral("held-delete")},
                               {QStringLiteral("device"), QString::fromLatin1(h.device.toHex())},
                               {QStringLiteral("record"), model::recordIdToString(h.record)},
                               {QStringLiteral("type"), type},
                               {QStringLiteral("scope"), h.scope},
                               {QStringLiteral("title"), recordTitle(h.current)},
                               {QStringLiteral("received"), isoTime(h.receivedMs)}});
        rows.append(
            {QString::number(h.id), isoTime(h.receivedMs),
             QString::fromLatin1(h.device.toHex()).left(8),
             QStringLiteral("delete %1 %2").arg(type, model::recordIdToString(h.record).left(8)),
             h.scope, recordTitle(h.current)});
    }
    auto rejects = (*store)->fanout().rejects().open(ctx.clock().wallMs() - days * kDayMs);
    if (!rejects)
        return ctx.fail(QStringLiteral("review list"), rejects.error());
    QJsonArray rejectOut;
    QList<QStringList> rejectRows;
    for (const hq::RejectEntry &r : *rejects) {
        const QString device = QString::fromLatin1(r.device.toHex());
        const QString reason = QString::fromLatin1(model::rejectReasonName(r.reason));
        rejectOut.append(QJsonObject{
            {QStringLiteral("id"), r.id},
            {QStringLiteral("device"), device},
            {QStringLiteral("record"), model::recordIdToString(r.record)},
            {QStringLiteral("type"), QString::fromLatin1(model::recordTypeName(r.type))},
            {QStringLiteral("scope"), r.scope},
            {QStringLiteral("reason"), reason},
            {QStringLiteral("detail"), r.detail},
            {QStringLiteral("time"), isoTime(r.atMs)}});
        rejectRows.append({QString::number(r.id), isoTime(r.atMs), device.left(8),
                           model::recordIdToString(r.record).left(8), reason, r.detail});
    }
    ctx.result().insert(QStringLiteral("items"), out);
    ctx.result().insert(QStringLiteral("rejects"), rejectOut);
    ctx.result().insert(QStringLiteral("sinceDays"), days);
    if (rows.isEmpty())
        ctx.line(QStringLiteral("no deletion waits for the desk"));
    else
        ctx.table({QStringLiteral("ID"), QStringLiteral("RECEIVED"), QStringLiteral("DEVICE"),
                   QStringLiteral("WANTS"), QStringLiteral("SCOPE"), QStringLiteral("RECORD")},
                  rows);
    ctx.line(QString());
    if (rejectRows.isEmpty()) {
        ctx.line(QStringLiteral("no REJECT worth a look in the last %1 day(s)").arg(days));
    } else {
        ctx.line(QStringLiteral("REJECTs of the last %1 day(s) (review dismiss ID once seen):")
                     .arg(days));
        ctx.table({QStringLiteral("ID"), QStringLiteral("TIME"), QStringLiteral("DEVICE"),
                   QStringLiteral("RECORD"), QStringLiteral("REASON"), QStringLiteral("WHAT")},
                  rejectRows);
    }
    return ctx.finish();
}

int reviewDecide(Context &ctx, bool accept)
{
    if (ctx.positional().size() != 1)
        return ctx.usage(QStringLiteral("give one review id (review list shows them)"));
    bool ok = false;
    const qint64 id = ctx.positional().first().toLongLong(&ok);
    if (!ok || id <= 0)
        return ctx.usage(
            QStringLiteral("\"%1\" is not a review id (a number)").arg(ctx.positional().first()));
    int timeout = 60000;
    if (ctx.isSet(kOptTimeout)) {
        const int s = ctx.value(kOptTimeout).toInt(&ok);
        if (!ok || s < 1 || s > 3600)
            return ctx.usage(QStringLiteral("--timeout takes 1 to 3600 seconds"));
        timeout = s * 1000;
    }
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    desk::DeskStore &desk = **store;
    auto relay = desk::DeskRelay::open(desk);
    if (!relay)
        return ctx.fail(QStringLiteral("relay"), relay.error());
    const QString what = accept ? QStringLiteral("review accept") : QStringLiteral("review refuse");
    {
        auto held = desk.fanout().heldDeletes();
        if (!held)
            return ctx.fail(what, held.error());
        std::optional<hq::HeldDelete> item;
        for (const hq::HeldDelete &h : *held)
            if (h.id == id)
                item = h;
        if (!item)
            return ctx.fail(what,
                            Error(Errc::NotFound,
                                  QStringLiteral("nothing held under %1 (review list)").arg(id)));
        store::Transaction tx(desk.database());
        if (auto s = tx.begin(); !s)
            return ctx.fail(what, s.error());
        auto s = accept ? desk.fanout().acceptHeldDelete((*relay)->outbox(), id)
                        : desk.fanout().refuseHeldDelete((*relay)->outbox(), id);
        if (!s)
            return ctx.fail(what, s.error());
        if (auto a = desk.audit(accept ? QStringLiteral("review.accept")
                                       : QStringLiteral("review.refuse"),
                                model::recordIdToString(item->record),
                                QStringLiteral("held deletion %1 by device %2")
                                    .arg(id)
                                    .arg(QString::fromLatin1(item->device.toHex()).left(8)));
            !a)
            return ctx.fail(QStringLiteral("audit"), a.error());
        if (auto c = tx.commit(); !c)
            return ctx.fail(what, c.error());
        ctx.result().insert(QStringLiteral("id"), id);
        ctx.result().insert(QStringLiteral("record"), model::recordIdToString(item->record));
        ctx.line(accept ? QStringLiteral("deletion of %1 accepted: it goes to every member of %2")
                              .arg(model::recordIdToString(item->record), item->scope)
                        : QStringLiteral("deletion of %1 refused: the device gets the record back")
                              .arg(model::recordIdToString(item->record)));
    }
    if (auto s = (*relay)->installCertificate(timeout); !s)
        return ctx.fail(
            QStringLiteral("relay (the decision is recorded; publish or sync sends it)"),
            s.error());
    auto round = (*relay)->syncOnce(timeout);
    if (!round)
        return ctx.fail(
            QStringLiteral("relay (the decision is recorded; publish or sync sends it)"),
            round.error());
    ctx.result().insert(QStringLiteral("delivered"), round->delivered);
    return ctx.finish();
}

int reviewDismiss(Context &ctx)
{
    if (ctx.positional().size() != 1)
        return ctx.usage(QStringLiteral("give one REJECT id (review list shows them)"));
    bool ok = false;
    const qint64 id = ctx.positional().first().toLongLong(&ok);
    if (!ok || id <= 0)
        return ctx.usage(
            QStringLiteral("\"%1\" is not a REJECT id (a number)").arg(ctx.positional().first()));
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    desk::DeskStore &desk = **store;
    const QString what = QStringLiteral("review dismiss");
    auto found = desk.fanout().rejects().find(id);
    if (!found)
        return ctx.fail(what, found.error());
    if (!*found)
        return ctx.fail(
            what, Error(Errc::NotFound, QStringLiteral("no REJECT %1 (review list)").arg(id)));
    const hq::RejectEntry &r = **found;
    store::Transaction tx(desk.database());
    if (auto s = tx.begin(); !s)
        return ctx.fail(what, s.error());
    if (auto s = desk.fanout().rejects().dismiss(id, ctx.clock().wallMs()); !s)
        return ctx.fail(what, s.error());
    if (auto a = desk.audit(QStringLiteral("review.dismiss"), model::recordIdToString(r.record),
                            QStringLiteral("REJECT %1 (%2) of device %3")
                                .arg(id)
                                .arg(QString::fromLatin1(model::rejectReasonName(r.reason)),
                                     QString::fromLatin1(r.device.toHex()).left(8)));
        !a)
        return ctx.fail(QStringLiteral("audit"), a.error());
    if (auto c = tx.commit(); !c)
        return ctx.fail(what, c.error());
    ctx.result().insert(QStringLiteral("id"), id);
    ctx.result().insert(QStringLiteral("record"), model::recordIdToString(r.record));
    ctx.line(QStringLiteral("REJECT %1 dismissed").arg(id));
    return ctx.finish();
}

void timeoutOpt(QCommandLineParser &p)
{
    p.addOption({kOptTimeout, QStringLiteral("Give up on the relay after N seconds (default 60)."),
                 QStringLiteral("s")});
}

} // namespace

void addReviewCommands(QList<Command> &out)
{
    out.append(
        {{QStringLiteral("review"), QStringLiteral("list")},
         QStringLiteral("What waits for the desk: held deletions, REJECTs worth a look"),
         QString(),
         [](QCommandLineParser &p) {
             p.addOption(
                 {kOptSince,
                  QStringLiteral("REJECTs of the last N days (default 7). Listed: every device "
                                 "operation HQ refused (another's or HQ's record, outside the "
                                 "device's scopes, over 10 minutes ahead of HQ's clock, over its "
                                 "quota, another origin, failing the schema) and not dismissed; "
                                 "a revoked device's refusals are left out."),
                  QStringLiteral("N")});
         },
         reviewList});
    out.append({{QStringLiteral("review"), QStringLiteral("accept")},
                QStringLiteral("Accept a held deletion (applied and sent to the scope)"),
                QStringLiteral("ID"),
                timeoutOpt,
                [](Context &ctx) {
                    return reviewDecide(ctx, true);
                }});
    out.append({{QStringLiteral("review"), QStringLiteral("refuse")},
                QStringLiteral("Refuse a held deletion (the device gets the record back)"),
                QStringLiteral("ID"),
                timeoutOpt,
                [](Context &ctx) {
                    return reviewDecide(ctx, false);
                }});
    out.append({{QStringLiteral("review"), QStringLiteral("dismiss")},
                QStringLiteral("Mark a REJECT seen (it leaves review list)"),
                QStringLiteral("ID"),
                {},
                reviewDismiss});
}

} // namespace liaison::hqcli
