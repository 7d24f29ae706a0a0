#include "schedulemodel.h"

#include <QCborArray>

namespace liaison::app {

ScheduleModel::ScheduleModel(const liaison::Clock &clock, QObject *parent)
    : RecordListModel(model::RecordType::ScheduleItem, clock, parent)
{}

bool ScheduleModel::lessThan(const model::RecordState &a, const model::RecordState &b) const
{
    const qint64 sa = integer(a, "start"), sb = integer(b, "start");
    if (sa != sb)
        return sa < sb;
    return a.id < b.id;
}

void ScheduleModel::afterReload()
{
    m_nextRow = -1;
    const qint64 now = clock().wallMs();
    for (int i = 0; i < records().size(); ++i) {
        const model::RecordState &r = records()[i];
        const qint64 end = std::max(integer(r, "end"), integer(r, "start"));
        if (end >= now && text(r, "status") != QLatin1String("cancelled")) {
            m_nextRow = i;
            break;
        }
    }
}

QString ScheduleModel::statusLabel(const QString &status)
{
    if (status == QLatin1String("confirmed"))
        return tr("Confirmed");
    if (status == QLatin1String("changed"))
        return tr("Changed");
    if (status == QLatin1String("cancelled"))
        return tr("Cancelled");
    return tr("Unconfirmed");
}

namespace {
QTimeZone zoneOf(const QString &iana)
{
    const QTimeZone zone(iana.toUtf8());
    return zone.isValid() ? zone : QTimeZone::utc();
}
} // namespace

QVariant ScheduleModel::data(const QModelIndex &index, int role) const
{
    const model::RecordState *r = recordAt(index);
    if (!r)
        return {};
    const QTimeZone zone = zoneOf(text(*r, "timeZone"));
    switch (role) {
    case Qt::DisplayRole:
    case TitleRole:
        return text(*r, "title");
    case RecordIdRole:
        return idText(r->id);
    case VisitRole:
        return text(*r, "visit");
    case StartRole:
        return time(*r, "start", zone);
    case EndRole:
        return time(*r, "end", zone);
    case TimeZoneRole:
        return text(*r, "timeZone");
    case TimeTextRole: {
        const QDateTime start = time(*r, "start", zone);
        const QDateTime end = time(*r, "end", zone);
        if (!start.isValid())
            return QString();
        QString out = displayLocale().toString(start, QStringLiteral("HH:mm"));
        if (end.isValid() && end > start) {
            out += QStringLiteral(" – ");
            if (end.date() != start.date())
                out += displayLocale().toString(end, QStringLiteral("ddd "));
            out += displayLocale().toString(end, QStringLiteral("HH:mm"));
        }
        return out + QLatin1Char(' ') + zone.abbreviation(start);
    }
    case DayTextRole: {
        const QDateTime start = time(*r, "start", zone);
        return start.isValid() ? displayLocale().toString(start, QStringLiteral("dddd d MMMM yyyy"))
                               : tr("Date to be set");
    }
    case VenueRole:
        return text(*r, "venue");
    case AddressRole:
        return text(*r, "address");
    case HasPositionRole:
    case LatitudeRole:
    case LongitudeRole: {
        const auto it = r->fields.constFind(QStringLiteral("position"));
        const QCborArray pos = it == r->fields.cend() ? QCborArray() : it->value.toArray();
        if (role == HasPositionRole)
            return pos.size() == 2;
        if (pos.size() != 2)
            return 0.0;
        return double(pos.at(role == LatitudeRole ? 0 : 1).toInteger()) / 1e7;
    }
    case ParticipantsRole:
        return textList(*r, "participants");
    case EscortNotesRole:
        return text(*r, "escortNotes");
    case StatusRole:
        return text(*r, "status");
    case StatusLabelRole:
        return statusLabel(text(*r, "status"));
    case PastRole: {
        const qint64 end = std::max(integer(*r, "end"), integer(*r, "start"));
        return end > 0 && end < clock().wallMs();
    }
    case NextRole:
        return index.row() == m_nextRow;
    default:
        return {};
    }
}

QHash<int, QByteArray> ScheduleModel::roleNames() const
{
    return {
        {RecordIdRole, "recordId"},
        {VisitRole, "visit"},
        {TitleRole, "title"},
        {StartRole, "start"},
        {EndRole, "end"},
        {TimeZoneRole, "timeZone"},
        {TimeTextRole, "timeText"},
        {DayTextRole, "dayText"},
        {VenueRole, "venue"},
        {AddressRole, "address"},
        {HasPositionRole, "hasPosition"},
        {LatitudeRole, "latitude"},
        {LongitudeRole, "longitude"},
        {ParticipantsRole, "participants"},
        {EscortNotesRole, "escortNotes"},
        {StatusRole, "status"},
        {StatusLabelRole, "statusLabel"},
        {PastRole, "past"},
        {NextRole, "next"},
    };
}

} // namespace liaison::app
