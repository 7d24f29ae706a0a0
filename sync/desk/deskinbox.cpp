#include "desk/deskinbox.h"

#include "model/instructionhash.h"
#include "model/records.h"

#include <QSet>

#include <algorithm>

namespace liaison::desk {

namespace {

QCborValue field(const model::RecordState &r, const char *name)
{
    return r.fields.value(QLatin1StringView(name)).value;
}

Result<QStringList> scopesOr(DeskStore &desk, const QStringList &scopes)
{
    if (!scopes.isEmpty())
        return scopes;
    auto all = desk.scopes();
    if (!all)
        return std::unexpected(all.error());
    QStringList out;
    for (const ScopeInfo &s : *all)
        out.append(s.name);
    return out;
}

Result<QList<model::RecordState>> liveOfType(DeskStore &desk, model::RecordType type,
                                             const QStringList &scopes)
{
    auto names = scopesOr(desk, scopes);
    if (!names)
        return std::unexpected(names.error());
    if (names->isEmpty())
        return QList<model::RecordState>();
    auto records = desk.records().records(*names);
    if (!records)
        return std::unexpected(records.error());
    QList<model::RecordState> out;
    for (model::RecordState &r : *records)
        if (!r.deleted && r.type == type)
            out.append(std::move(r));
    return out;
}

} // namespace

Result<model::RecordState> findInstruction(DeskStore &desk, const QString &idOrPrefix)
{
    const QString prefix = QString(idOrPrefix).remove(QLatin1Char('-')).trimmed().toLower();
    if (prefix.size() < 4)
        return fail(Errc::InvalidArgument,
                    QStringLiteral("\"%1\" is not an instruction id (at least 4 hex digits)")
                        .arg(idOrPrefix));
    auto all = liveOfType(desk, model::RecordType::Instruction, {});
    if (!all)
        return std::unexpected(all.error());
    std::optional<model::RecordState> found;
    for (const model::RecordState &r : *all) {
        if (!QString::fromLatin1(r.id.toHex()).startsWith(prefix))
            continue;
        if (found)
            return fail(Errc::InvalidArgument,
                        QStringLiteral("%1 names more than one instruction").arg(idOrPrefix));
        found = r;
    }
    if (!found)
        return fail(Errc::NotFound, QStringLiteral("no instruction %1").arg(idOrPrefix));
    return *found;
}

Result<InstructionAcks> instructionAcks(DeskStore &desk, const model::RecordState &instruction)
{
    InstructionAcks out;
    out.instruction = instruction;
    out.version = field(instruction, "version").toInteger();
    out.requiresAck = field(instruction, "requiresAck").toBool();
    const crypto::Hash32 hash = model::instructionContentHash(instruction);
    auto members = desk.registry().membersOf(instruction.scope, streams::PeerState::Active);
    if (!members)
        return std::unexpected(members.error());
    auto acks = liveOfType(desk, model::RecordType::Acknowledgement, {instruction.scope});
    if (!acks)
        return std::unexpected(acks.error());
    for (const crypto::Id16 &id : *members) {
        auto record = desk.registry().device(id);
        if (!record)
            return std::unexpected(record.error());
        if (!*record)
            continue;
        DeviceAck d;
        d.device = **record;
        for (const model::RecordState &a : *acks) {
            if (!a.owner || *a.owner != id ||
                field(a, "instruction").toByteArray() != instruction.id.toByteArray())
                continue;
            const qint64 v = field(a, "version").toInteger();
            if (v == out.version && field(a, "contentHash").toByteArray() == hash.toByteArray()) {
                d.acknowledged = true;
                d.acknowledgedMs = std::max(d.acknowledgedMs, field(a, "time").toInteger());
            } else if (v < out.version) {
                d.olderVersion = std::max(d.olderVersion, v);
            }
        }
        out.devices.append(d);
    }
    return out;
}

Result<QList<model::RecordState>> fieldRecords(DeskStore &desk, model::RecordType type,
                                               const QStringList &scopes, qint64 sinceMs)
{
    auto all = liveOfType(desk, type, scopes);
    if (!all)
        return std::unexpected(all.error());
    QList<model::RecordState> out;
    for (model::RecordState &r : *all)
        if (field(r, "time").toInteger() >= sinceMs)
            out.append(std::move(r));
    std::sort(out.begin(), out.end(), [](const model::RecordState &a, const model::RecordState &b) {
        return field(a, "time").toInteger() > field(b, "time").toInteger();
    });
    return out;
}

Result<QList<OverdueCheckIn>> overdueCheckIns(DeskStore &desk, const QStringList &scopes,
                                              qint64 graceMs, qint64 windowStartMs)
{
    auto items = liveOfType(desk, model::RecordType::ScheduleItem, scopes);
    if (!items)
        return std::unexpected(items.error());
    auto checkIns = liveOfType(desk, model::RecordType::CheckIn, scopes);
    if (!checkIns)
        return std::unexpected(checkIns.error());
    QSet<QByteArray> checked;
    for (const model::RecordState &c : *checkIns)
        checked.insert(field(c, "scheduleItem").toByteArray());
    const qint64 now = desk.clock().wallMs();
    QList<OverdueCheckIn> out;
    for (const model::RecordState &item : *items) {
        const qint64 start = field(item, "start").toInteger();
        if (field(item, "status").toString() == QLatin1String("cancelled") || start == 0 ||
            start < windowStartMs || start > now - graceMs ||
            checked.contains(item.id.toByteArray()))
            continue;
        out.append({item, start});
    }
    std::sort(out.begin(), out.end(), [](const OverdueCheckIn &a, const OverdueCheckIn &b) {
        return a.startMs < b.startMs;
    });
    return out;
}

} // namespace liaison::desk
