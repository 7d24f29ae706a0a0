#include "reportmodel.h"

#include <QCborArray>

namespace liaison::app {

ReportModel::ReportModel(const liaison::Clock &clock, QObject *parent)
    : RecordListModel(model::RecordType::FieldReport, clock, parent)
{}

Result<QList<model::RecordState>> ReportModel::fetch() const
{
    auto all = store()->records(store()->scopes());
    if (!all)
        return std::unexpected(all.error());
    QList<model::RecordState> out;
    for (model::RecordState &r : *all) {
        if (r.deleted || (r.owner && *r.owner != store()->self()))
            continue;
        if (r.type == model::RecordType::FieldReport || r.type == model::RecordType::CheckIn)
            out.append(std::move(r));
    }
    return out;
}

void ReportModel::prepare(const QList<model::RecordState> &rows)
{
    m_queued.clear();
    m_titles.clear();
    if (auto pending = store()->pendingOutbox()) {
        for (const model::OutboxEntry &e : *pending)
            m_queued.insert(e.op.recordId.toByteArray());
    }
    m_envelopesWaiting = m_envelopesPending && m_envelopesPending();
    for (const model::RecordState &r : rows) {
        const char *link = r.type == model::RecordType::CheckIn ? "scheduleItem" : "related";
        const QByteArray id = bytes(r, link);
        if (id.isEmpty() || m_titles.contains(id))
            continue;
        const auto recordId = model::RecordId::fromBytes(id);
        if (!recordId)
            continue;
        auto linked = store()->record(*recordId);
        if (!linked || !*linked)
            continue;
        const QString title = text(**linked, "title");
        m_titles.insert(id, title.isEmpty() ? text(**linked, "name") : title);
    }
}

bool ReportModel::lessThan(const model::RecordState &a, const model::RecordState &b) const
{
    const qint64 ta = integer(a, "time");
    const qint64 tb = integer(b, "time");
    if (ta != tb)
        return ta > tb;
    return a.id < b.id;
}

bool ReportModel::isSent(const model::RecordState &r) const
{
    return !m_envelopesWaiting && !m_queued.contains(r.id.toByteArray());
}

int ReportModel::waitingCount() const
{
    int n = 0;
    for (const model::RecordState &r : records())
        n += isSent(r) ? 0 : 1;
    return n;
}

QString ReportModel::titleOf(const QByteArray &recordId) const
{
    return m_titles.value(recordId);
}

QVariant ReportModel::data(const QModelIndex &index, int role) const
{
    const model::RecordState *r = recordAt(index);
    if (!r)
        return {};
    const bool checkIn = r->type == model::RecordType::CheckIn;
    switch (role) {
    case RecordIdRole:
        return idText(r->id);
    case KindRole:
        return checkIn ? QStringLiteral("checkin") : QStringLiteral("report");
    case Qt::DisplayRole:
    case TitleRole: {
        if (checkIn) {
            const QString item = titleOf(bytes(*r, "scheduleItem"));
            return item.isEmpty() ? tr("Check-in") : tr("Check-in: %1").arg(item);
        }
        return text(*r, "text").section(QLatin1Char('\n'), 0, 0);
    }
    case TextRole:
        return text(*r, "text");
    case TimeTextRole:
        return formatDateTime(time(*r, "time", QTimeZone::systemTimeZone()), clock().wallMs());
    case PositionTextRole: {
        const QCborArray p = r->fields.value(QStringLiteral("position")).value.toArray();
        if (p.size() != 2)
            return QString();
        const QString at = QStringLiteral("%1, %2")
                               .arg(double(p.at(0).toInteger()) / 1e7, 0, 'f', 5)
                               .arg(double(p.at(1).toInteger()) / 1e7, 0, 'f', 5);
        const qint64 fix = integer(*r, "fixTime");
        if (fix <= 0)
            return at;
        const qint64 ageS = std::max<qint64>(0, (integer(*r, "time") - fix) / 1000);
        return tr("%1, fix %2 s old").arg(at).arg(ageS);
    }
    case RelatedTitleRole:
        return checkIn ? QString() : titleOf(bytes(*r, "related"));
    case SentRole:
        return isSent(*r);
    case DeliveryTextRole:
        return isSent(*r) ? tr("Sent to HQ") : tr("Waiting to send");
    default:
        return {};
    }
}

QHash<int, QByteArray> ReportModel::roleNames() const
{
    return {
        {RecordIdRole, "recordId"},
        {KindRole, "kind"},
        {TitleRole, "title"},
        {TextRole, "text"},
        {TimeTextRole, "timeText"},
        {PositionTextRole, "positionText"},
        {RelatedTitleRole, "relatedTitle"},
        {SentRole, "sent"},
        {DeliveryTextRole, "deliveryText"},
    };
}

} // namespace liaison::app
