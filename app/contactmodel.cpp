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
    case SectionRole: {
        const QString name = text(*r, "name");
        return name.isEmpty() ? QString() : QString(name.front().toUpper());
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
    };
}

} // namespace liaison::app
