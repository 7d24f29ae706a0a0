#include "casemodel.h"

namespace liaison::app {

CaseModel::CaseModel(const liaison::Clock &clock, QObject *parent)
    : RecordListModel(model::RecordType::CaseSummary, clock, parent)
{}

namespace {
int statusRank(const QString &status)
{
    if (status == QLatin1String("active"))
        return 0;
    if (status == QLatin1String("open"))
        return 1;
    if (status == QLatin1String("pending"))
        return 2;
    if (status == QLatin1String("closed"))
        return 4;
    return 3;
}
} // namespace

bool CaseModel::lessThan(const model::RecordState &a, const model::RecordState &b) const
{
    const int ra = statusRank(text(a, "status")), rb = statusRank(text(b, "status"));
    if ((ra == 4) != (rb == 4))
        return rb == 4;
    const qint64 pa = integer(a, "priority"), pb = integer(b, "priority");
    if (pa != pb)
        return pa > pb;
    const qint64 ua = integer(a, "updated"), ub = integer(b, "updated");
    if (ua != ub)
        return ua > ub;
    return a.id < b.id;
}

QString CaseModel::channelLabel(const QString &channel)
{
    if (channel == QLatin1String("interpol"))
        return QStringLiteral("Interpol");
    if (channel == QLatin1String("europol"))
        return QStringLiteral("Europol");
    if (channel == QLatin1String("sirene"))
        return QStringLiteral("SIRENE");
    if (channel == QLatin1String("bilateral"))
        return tr("Bilateral");
    return channel;
}

QString CaseModel::statusLabel(const QString &status)
{
    if (status == QLatin1String("open"))
        return tr("Open");
    if (status == QLatin1String("active"))
        return tr("Active");
    if (status == QLatin1String("pending"))
        return tr("Pending");
    if (status == QLatin1String("closed"))
        return tr("Closed");
    return status;
}

namespace {
// The priority bands, shared by the filter classes and the labels (one set of thresholds).
enum class PriorityBand { Low, Normal, High, Urgent };

PriorityBand bandOf(qint64 priority)
{
    if (priority >= 5)
        return PriorityBand::Urgent;
    if (priority >= 4)
        return PriorityBand::High;
    if (priority >= 2)
        return PriorityBand::Normal;
    return PriorityBand::Low;
}
} // namespace

QString CaseModel::priorityClass(qint64 priority)
{
    switch (bandOf(priority)) {
    case PriorityBand::Urgent:
        return QStringLiteral("urgent");
    case PriorityBand::High:
        return QStringLiteral("high");
    case PriorityBand::Normal:
        return QStringLiteral("normal");
    case PriorityBand::Low:
        break;
    }
    return QStringLiteral("low");
}

void CaseModel::setChannelFilter(const QString &channel)
{
    setFilter(m_channel, channel);
}

void CaseModel::setStatusFilter(const QString &status)
{
    setFilter(m_status, status);
}

void CaseModel::setPriorityFilter(const QString &priorityClass)
{
    setFilter(m_priority, priorityClass);
}

void CaseModel::setFilter(QString &field, const QString &value)
{
    if (field == value)
        return;
    field = value;
    reload();
    Q_EMIT filterChanged();
}

Result<QList<model::RecordState>> CaseModel::fetch() const
{
    auto all = RecordListModel::fetch();
    if (!all || !filtered())
        return all;
    QList<model::RecordState> out;
    for (model::RecordState &r : *all) {
        if ((m_channel.isEmpty() || text(r, "channel") == m_channel) &&
            (m_status.isEmpty() || text(r, "status") == m_status) &&
            (m_priority.isEmpty() || priorityClass(integer(r, "priority")) == m_priority))
            out.append(std::move(r));
    }
    return out;
}

QString CaseModel::priorityLabel(qint64 priority)
{
    switch (bandOf(priority)) {
    case PriorityBand::Urgent:
        return tr("Urgent");
    case PriorityBand::High:
        return tr("High");
    case PriorityBand::Normal:
        return tr("Normal");
    case PriorityBand::Low:
        break;
    }
    return tr("Low");
}

QVariant CaseModel::data(const QModelIndex &index, int role) const
{
    const model::RecordState *r = recordAt(index);
    if (!r)
        return {};
    switch (role) {
    case Qt::DisplayRole:
    case TitleRole:
        return text(*r, "title");
    case RecordIdRole:
        return idText(r->id);
    case ReferenceRole:
        return text(*r, "reference");
    case ChannelRole:
        return text(*r, "channel");
    case ChannelLabelRole:
        return channelLabel(text(*r, "channel"));
    case StatusRole:
        return text(*r, "status");
    case StatusLabelRole:
        return statusLabel(text(*r, "status"));
    case PriorityRole:
        return int(integer(*r, "priority"));
    case PriorityLabelRole:
        return priorityLabel(integer(*r, "priority"));
    case SummaryRole:
        return text(*r, "summary");
    case CountriesRole:
        return textList(*r, "countries");
    case LinkedContactsRole: {
        QStringList names;
        for (const QByteArray &raw : bytesList(*r, "linkedContacts")) {
            const auto id = model::RecordId::fromBytes(raw);
            if (!id)
                continue;
            auto linked = store()->record(*id);
            if (linked && *linked && !(*linked)->deleted)
                names.append(text(**linked, "name"));
        }
        return names;
    }
    case HandlingCodeRole:
        return text(*r, "handlingCode");
    case UpdatedRole:
        return time(*r, "updated");
    case UpdatedTextRole: {
        const qint64 ms = integer(*r, "updated");
        return ms > 0 ? tr("updated %1").arg(formatRelative(ms, clock().wallMs())) : QString();
    }
    default:
        return {};
    }
}

QHash<int, QByteArray> CaseModel::roleNames() const
{
    return {
        {RecordIdRole, "recordId"},
        {ReferenceRole, "reference"},
        {ChannelRole, "channel"},
        {ChannelLabelRole, "channelLabel"},
        {TitleRole, "title"},
        {StatusRole, "status"},
        {StatusLabelRole, "statusLabel"},
        {PriorityRole, "priority"},
        {PriorityLabelRole, "priorityLabel"},
        {SummaryRole, "summary"},
        {CountriesRole, "countries"},
        {LinkedContactsRole, "linkedContacts"},
        {HandlingCodeRole, "handlingCode"},
        {UpdatedRole, "updated"},
        {UpdatedTextRole, "updatedText"},
    };
}

} // namespace liaison::app
