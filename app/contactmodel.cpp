#include "contactmodel.h"

#include <QCborArray>
#include <QCborMap>
#include <QVariantMap>

namespace liaison::app {

ContactModel::ContactModel(const liaison::Clock &clock, QObject *parent)
    : RecordListModel(model::RecordType::Contact, clock, parent)
{}

void ContactModel::setQuery(const QString &query)
{
    if (m_query == query)
        return;
    m_query = query;
    Q_EMIT queryChanged();
    reload();
}

void ContactModel::setGrouping(Grouping grouping)
{
    if (m_grouping == grouping)
        return;
    m_grouping = grouping;
    Q_EMIT groupingChanged();
    reload();
}

void ContactModel::setLocalZone(const QTimeZone &zone)
{
    m_localZone = zone;
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0), index(rowCount() - 1), {TimeDifferenceRole});
}

QString ContactModel::groupOf(const model::RecordState &r) const
{
    switch (m_grouping) {
    case Grouping::ByCountry: {
        const QString country = text(r, "country");
        return country.isEmpty() ? tr("No country") : country;
    }
    case Grouping::ByOrganisation: {
        const QString organisation = text(r, "organisation");
        return organisation.isEmpty() ? tr("No organisation") : organisation;
    }
    case Grouping::ByName:
        break;
    }
    const QString name = text(r, "name");
    return name.isEmpty() ? QString() : QString(name.front().toUpper());
}

Result<QList<model::RecordState>> ContactModel::fetch() const
{
    if (m_query.trimmed().isEmpty())
        return RecordListModel::fetch();
    auto ids = store()->searchContacts(m_query);
    if (!ids)
        return std::unexpected(ids.error());
    QList<model::RecordState> out;
    for (const model::RecordId &id : *ids) {
        auto r = store()->record(id);
        if (!r)
            return std::unexpected(r.error());
        if (*r && !(*r)->deleted && (*r)->type == model::RecordType::Contact)
            out.append(std::move(**r));
    }
    return out;
}

bool ContactModel::lessThan(const model::RecordState &a, const model::RecordState &b) const
{
    if (m_grouping != Grouping::ByName) {
        const int g = QString::localeAwareCompare(groupOf(a), groupOf(b));
        if (g != 0)
            return g < 0;
    }
    const int c = QString::localeAwareCompare(text(a, "name"), text(b, "name"));
    if (c != 0)
        return c < 0;
    return a.id < b.id;
}

namespace {

QVariantList phonesOf(const QCborValue &value)
{
    QVariantList out;
    for (const QCborValue &item : value.toArray()) {
        const QCborMap m = item.toMap();
        QVariantMap phone;
        phone.insert(QStringLiteral("label"), m.value(model::kPhoneLabel).toString());
        phone.insert(QStringLiteral("number"), m.value(model::kPhoneNumber).toString());
        phone.insert(QStringLiteral("available24h"), m.value(model::kPhone24h).toBool());
        out.append(phone);
    }
    return out;
}

QString initialsOf(const QString &name)
{
    QString out;
    const QStringList words = name.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    for (const QString &w : words) {
        // Skip ranks and titles ("Col.", "Dr.") so the initials are the person's.
        if (w.endsWith(QLatin1Char('.')) || !w.front().isLetter())
            continue;
        out.append(w.front().toUpper());
        if (out.size() == 2)
            break;
    }
    return out.isEmpty() && !name.isEmpty() ? QString(name.front().toUpper()) : out;
}

// "1 h ahead of you", "5 h 30 min behind you", "same time as you".
QString differenceText(int seconds)
{
    if (seconds == 0)
        return ContactModel::tr("same time as you");
    const int minutes = std::abs(seconds) / 60;
    const QString amount =
        minutes % 60 == 0 ? ContactModel::tr("%1 h").arg(minutes / 60)
                          : ContactModel::tr("%1 h %2 min").arg(minutes / 60).arg(minutes % 60);
    return seconds > 0 ? ContactModel::tr("%1 ahead of you").arg(amount)
                       : ContactModel::tr("%1 behind you").arg(amount);
}

} // namespace

QVariant ContactModel::data(const QModelIndex &index, int role) const
{
    const model::RecordState *r = recordAt(index);
    if (!r)
        return {};
    switch (role) {
    case Qt::DisplayRole:
    case NameRole:
        return text(*r, "name");
    case RecordIdRole:
        return idText(r->id);
    case OrganisationRole:
        return text(*r, "organisation");
    case RoleRole:
        return text(*r, "role");
    case CountryRole:
        return text(*r, "country");
    case PhonesRole: {
        const auto it = r->fields.constFind(QStringLiteral("phones"));
        return it == r->fields.cend() ? QVariantList() : phonesOf(it->value);
    }
    case EmailsRole:
        return textList(*r, "emails");
    case FaxRole:
        return textList(*r, "fax");
    case AddressRole:
        return text(*r, "address");
    case LanguagesRole:
        return textList(*r, "languages");
    case TimeZoneRole:
        return text(*r, "timeZone");
    case NotesRole:
        return text(*r, "notes");
    case TagsRole:
        return textList(*r, "tags");
    case LastVerifiedRole:
        return time(*r, "lastVerified");
    case LastVerifiedTextRole: {
        const qint64 ms = integer(*r, "lastVerified");
        return ms > 0 ? tr("verified %1").arg(formatRelative(ms, clock().wallMs()))
                      : tr("never verified");
    }
    case Has24hRole: {
        const auto it = r->fields.constFind(QStringLiteral("phones"));
        if (it == r->fields.cend())
            return false;
        for (const QCborValue &item : it->value.toArray()) {
            if (item.toMap().value(model::kPhone24h).toBool())
                return true;
        }
        return false;
    }
    case InitialsRole:
        return initialsOf(text(*r, "name"));
    case LocalTimeRole: {
        const QTimeZone zone(text(*r, "timeZone").toUtf8());
        if (!zone.isValid())
            return QString();
        const QDateTime there = QDateTime::fromMSecsSinceEpoch(clock().wallMs(), zone);
        return displayLocale().toString(there, QStringLiteral("HH:mm (ddd)"));
    }
    case SectionRole:
        return groupOf(*r);
    case CallNumberRole: {
        const QVariantList phones = phonesOf(r->fields.value(QStringLiteral("phones")).value);
        for (const QVariant &p : phones) {
            if (p.toMap().value(QStringLiteral("available24h")).toBool())
                return p.toMap().value(QStringLiteral("number")).toString();
        }
        return phones.isEmpty() ? QString()
                                : phones.first().toMap().value(QStringLiteral("number")).toString();
    }
    case TimeDifferenceRole: {
        const QTimeZone zone(text(*r, "timeZone").toUtf8());
        if (!zone.isValid() || !m_localZone.isValid())
            return QString();
        const QDateTime now = QDateTime::fromMSecsSinceEpoch(clock().wallMs(), QTimeZone::utc());
        return differenceText(zone.offsetFromUtc(now) - m_localZone.offsetFromUtc(now));
    }
    default:
        return {};
    }
}

QHash<int, QByteArray> ContactModel::roleNames() const
{
    return {
        {RecordIdRole, "recordId"},
        {NameRole, "name"},
        {OrganisationRole, "organisation"},
        {RoleRole, "role"},
        {CountryRole, "country"},
        {PhonesRole, "phones"},
        {EmailsRole, "emails"},
        {FaxRole, "fax"},
        {AddressRole, "address"},
        {LanguagesRole, "languages"},
        {TimeZoneRole, "timeZone"},
        {NotesRole, "notes"},
        {TagsRole, "tags"},
        {LastVerifiedRole, "lastVerified"},
        {LastVerifiedTextRole, "lastVerifiedText"},
        {Has24hRole, "has24h"},
        {InitialsRole, "initials"},
        {LocalTimeRole, "localTime"},
        {SectionRole, "section"},
        {CallNumberRole, "callNumber"},
        {TimeDifferenceRole, "timeDifference"},
    };
}

} // namespace liaison::app
