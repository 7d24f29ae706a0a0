#include "instructionmodel.h"

#include "instructioncontroller.h"
#include "model/instructionhash.h"

namespace liaison::app {

InstructionModel::InstructionModel(const liaison::Clock &clock, QObject *parent)
    : RecordListModel(model::RecordType::Instruction, clock, parent)
{}

void InstructionModel::prepare(const QList<model::RecordState> &rows)
{
    Q_UNUSED(rows);
    // This device's acknowledgements, which the sort order and the roles depend on.
    m_acks.clear();
    if (store()) {
        auto all = store()->records(store()->scopes());
        if (all) {
            for (const model::RecordState &r : *all) {
                if (r.type != model::RecordType::Acknowledgement || r.deleted)
                    continue;
                if (r.owner && *r.owner != store()->self())
                    continue;
                m_acks[bytes(r, "instruction")].append(
                    AckInfo{integer(r, "version"), bytes(r, "contentHash"), integer(r, "time")});
            }
        }
    }
}

void InstructionModel::afterReload()
{
    int awaitingNow = 0;
    for (const model::RecordState &r : records()) {
        if (awaiting(r))
            ++awaitingNow;
    }
    if (awaitingNow != m_awaiting) {
        m_awaiting = awaitingNow;
        Q_EMIT awaitingCountChanged();
    }
}

std::optional<InstructionModel::AckInfo> InstructionModel::ackFor(const model::RecordState &r) const
{
    const auto it = m_acks.constFind(r.id.toByteArray());
    if (it == m_acks.cend())
        return std::nullopt;
    const qint64 version = integer(r, "version");
    const QByteArray hash = model::instructionContentHash(r).toByteArray();
    for (const AckInfo &a : *it) {
        if (a.version == version && a.contentHash == hash)
            return a;
    }
    return std::nullopt;
}

bool InstructionModel::expired(const model::RecordState &r) const
{
    const qint64 until = integer(r, "validUntil");
    return until > 0 && until < clock().wallMs();
}

bool InstructionModel::awaiting(const model::RecordState &r) const
{
    return flag(r, "requiresAck") && !expired(r) && !ackFor(r);
}

int InstructionModel::rank(const model::RecordState &r) const
{
    if (expired(r))
        return 2;
    return awaiting(r) ? 0 : 1;
}

bool InstructionModel::lessThan(const model::RecordState &a, const model::RecordState &b) const
{
    const int ra = rank(a), rb = rank(b);
    if (ra != rb)
        return ra < rb;
    const qint64 pa = integer(a, "priority"), pb = integer(b, "priority");
    if (pa != pb)
        return pa > pb;
    const qint64 ia = integer(a, "issuedAt"), ib = integer(b, "issuedAt");
    if (ia != ib)
        return ia > ib;
    return a.id < b.id;
}

QVariant InstructionModel::data(const QModelIndex &index, int role) const
{
    const model::RecordState *r = recordAt(index);
    if (!r)
        return {};
    const qint64 now = clock().wallMs();
    switch (role) {
    case Qt::DisplayRole:
    case TitleRole:
        return text(*r, "title");
    case RecordIdRole:
        return idText(r->id);
    case BodyRole:
        return text(*r, "body");
    case IssuedByRole:
        return text(*r, "issuedBy");
    case IssuedAtRole:
        return time(*r, "issuedAt");
    case IssuedTextRole: {
        const QString by = text(*r, "issuedBy");
        const QString at = formatDateTime(time(*r, "issuedAt", QTimeZone::systemTimeZone()), now);
        if (by.isEmpty())
            return tr("issued %1").arg(at);
        return at.isEmpty() ? tr("issued by %1").arg(by) : tr("issued by %1, %2").arg(by, at);
    }
    case ValidFromRole:
        return time(*r, "validFrom");
    case ValidUntilRole:
        return time(*r, "validUntil");
    case ValidityTextRole: {
        const QTimeZone local = QTimeZone::systemTimeZone();
        const qint64 from = integer(*r, "validFrom"), until = integer(*r, "validUntil");
        if (until > 0 && until < now)
            return tr("expired %1").arg(formatDateTime(time(*r, "validUntil", local), now));
        if (from > now)
            return tr("valid from %1").arg(formatDateTime(time(*r, "validFrom", local), now));
        if (until > 0)
            return tr("valid until %1").arg(formatDateTime(time(*r, "validUntil", local), now));
        return tr("valid until withdrawn");
    }
    case PriorityRole:
        return int(integer(*r, "priority"));
    case PriorityLabelRole: {
        const qint64 p = integer(*r, "priority");
        return p >= 5 ? tr("Urgent") : p >= 4 ? tr("High") : p >= 2 ? tr("Normal") : tr("Low");
    }
    case RequiresAckRole:
        return flag(*r, "requiresAck");
    case VersionRole:
        return int(integer(*r, "version"));
    case AcknowledgedRole:
        return ackFor(*r).has_value();
    case AcknowledgedTextRole: {
        const auto ack = ackFor(*r);
        return ack ? tr("acknowledged %1").arg(formatRelative(ack->timeMs, now)) : QString();
    }
    case AwaitingRole:
        return awaiting(*r);
    case ExpiredRole:
        return expired(*r);
    case CurrentRole: {
        const qint64 from = integer(*r, "validFrom");
        return !expired(*r) && (from == 0 || from <= now);
    }
    default:
        return {};
    }
}

QHash<int, QByteArray> InstructionModel::roleNames() const
{
    return {
        {RecordIdRole, "recordId"},
        {TitleRole, "title"},
        {BodyRole, "body"},
        {IssuedByRole, "issuedBy"},
        {IssuedAtRole, "issuedAt"},
        {IssuedTextRole, "issuedText"},
        {ValidFromRole, "validFrom"},
        {ValidUntilRole, "validUntil"},
        {ValidityTextRole, "validityText"},
        {PriorityRole, "priority"},
        {PriorityLabelRole, "priorityLabel"},
        {RequiresAckRole, "requiresAck"},
        {VersionRole, "version"},
        {AcknowledgedRole, "acknowledged"},
        {AcknowledgedTextRole, "acknowledgedText"},
        {AwaitingRole, "awaiting"},
        {ExpiredRole, "expired"},
        {CurrentRole, "current"},
    };
}

} // namespace liaison::app
