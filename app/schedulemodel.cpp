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

void ScheduleModel::setHomeZone(const QTimeZone &zone)
{
    if (!zone.isValid() || zone == m_homeZone)
        return;
    m_homeZone = zone;
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0), index(rowCount() - 1), {HomeTimeTextRole});
}

namespace {
QTimeZone zoneOf(const QString &iana)
{
    const QTimeZone zone(iana.toUtf8());
    return zone.isValid() ? zone : QTimeZone::utc();
}

// "09:30 – 10:45 CET", both ends in `zone`; each end keeps its own abbreviation when a
// daylight-saving change falls between them ("01:30 CEST – 02:30 CET").
QString spanText(const QDateTime &startUtc, const QDateTime &endUtc, const QTimeZone &zone)
{
    const QDateTime start = startUtc.toTimeZone(zone);
    const QString startZone = zone.abbreviation(start);
    QString out = displayLocale().toString(start, QStringLiteral("HH:mm"));
    if (!endUtc.isValid() || endUtc <= startUtc)
        return out + QLatin1Char(' ') + startZone;
    const QDateTime end = endUtc.toTimeZone(zone);
    const QString endZone = zone.abbreviation(end);
    if (endZone != startZone)
        out += QLatin1Char(' ') + startZone;
    out += QStringLiteral(" – ");
    if (end.date() != start.date())
        out += displayLocale().toString(end, QStringLiteral("ddd "));
    return out + displayLocale().toString(end, QStringLiteral("HH:mm")) + QLatin1Char(' ') +
           endZone;
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
        const QDateTime start = time(*r, "start");
        return start.isValid() ? spanText(start, time(*r, "end"), zone) : QString();
    }
    case HomeTimeTextRole: {
        const QDateTime start = time(*r, "start");
        if (!start.isValid())
            return QString();
        QDateTime end = time(*r, "end");
        if (!end.isValid() || end < start)
            end = start;
        const bool same = zone.offsetFromUtc(start) == m_homeZone.offsetFromUtc(start) &&
                          zone.offsetFromUtc(end) == m_homeZone.offsetFromUtc(end);
        return same ? QString() : tr("Home time: %1").arg(spanText(start, end, m_homeZone));
    }
    case DayTextRole: {
        const QDateTime start = time(*r, "start", zone);
        return start.isValid() ? displayLocale().toString(start.date(), QLocale::LongFormat)
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
        {HomeTimeTextRole, "homeTimeText"},
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
