#include "contactmodel.h"

#include <QCborArray>
#include <QCborMap>
#include <QVariantMap>

#include <algorithm>
#include <numeric>

namespace liaison::app {

ContactModel::ContactModel(const liaison::Clock &clock, QObject *parent)
    : StoreListModel(model::RecordType::Contact, clock, parent)
{}

void ContactModel::setQuery(const QString &query)
{
    if (m_query == query)
        return;
    m_query = query;
    Q_EMIT queryChanged();
    QList<int> rows;
    if (selectRows(rows))
        show(std::move(rows), Change::Rows);
}

void ContactModel::setGrouping(Grouping grouping)
{
    if (m_grouping == grouping)
        return;
    m_grouping = grouping;
    Q_EMIT groupingChanged();
    sortList();
}

void ContactModel::setLocalZone(const QTimeZone &zone)
{
    m_localZone = zone;
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0), index(rowCount() - 1), {TimeDifferenceRole});
}

QString ContactModel::groupOf(const Entry &e) const
{
    switch (m_grouping) {
    case Grouping::ByCountry:
        return e.country.isEmpty() ? tr("No country") : e.country;
    case Grouping::ByOrganisation:
        return e.organisation.isEmpty() ? tr("No organisation") : e.organisation;
    case Grouping::ByName:
        break;
    }
    return e.name.isEmpty() ? QString() : QString(e.name.front().toUpper());
}

void ContactModel::reload()
{
    m_collator = QCollator(displayLocale()); // the language shown, not the system's
    m_records.clear();
    m_list.clear();
    m_nameKeys.clear();
    m_unknownInitials = 0;
    if (store()) {
        auto list = store()->contactList();
        if (!list) {
            setError(list.error().message);
        } else {
            setError(QString());
            m_list = std::move(*list);
        }
    } else {
        setError(QString());
    }
    // Collation keys once per contact: comparing them is a byte comparison, where comparing
    // the names themselves runs the collation at every one of the sort's 1.7 million steps.
    m_nameKeys.reserve(size_t(m_list.size()));
    for (const Entry &e : std::as_const(m_list)) {
        m_nameKeys.push_back(m_collator.sortKey(e.name));
        if (e.initials & model::RecordStore::kUnknownInitials)
            ++m_unknownInitials;
    }
    sortList();
}

void ContactModel::sortList()
{
    std::vector<QCollatorSortKey> groupKeys;
    if (m_grouping != Grouping::ByName) {
        groupKeys.reserve(size_t(m_list.size()));
        for (const Entry &e : std::as_const(m_list))
            groupKeys.push_back(m_collator.sortKey(groupOf(e)));
    }
    m_order.resize(m_list.size());
    std::iota(m_order.begin(), m_order.end(), 0);
    std::sort(m_order.begin(), m_order.end(), [&](int a, int b) {
        if (!groupKeys.empty()) {
            if (const int g = groupKeys[size_t(a)].compare(groupKeys[size_t(b)]); g != 0)
                return g < 0;
        }
        if (const int c = m_nameKeys[size_t(a)].compare(m_nameKeys[size_t(b)]); c != 0)
            return c < 0;
        return m_list[a].id < m_list[b].id;
    });
    m_positionOfKey.clear();
    m_positionOfKey.reserve(m_order.size());
    for (int pos = 0; pos < m_order.size(); ++pos)
        m_positionOfKey.insert(m_list[m_order[pos]].key, pos);
    QList<int> rows;
    if (!selectRows(rows))
        rows.clear();
    show(std::move(rows), Change::Everything);
}

bool ContactModel::selectRows(QList<int> &rows)
{
    rows.clear();
    if (m_query.trimmed().isEmpty()) {
        rows = m_order;
        return true;
    }
    if (!store())
        return true;
    // One letter, the search field's first keystroke and its largest answer: the list's own
    // initials say which contacts match, in the list's order, without asking the index.
    if (const int bit = model::RecordStore::initialBit(m_query);
        bit >= 0 && m_unknownInitials == 0) {
        const quint64 mask = quint64(1) << bit;
        for (const int i : std::as_const(m_order)) {
            if (m_list[i].initials & mask)
                rows.append(i);
        }
        return true;
    }
    auto keys = store()->matchContacts(m_query);
    if (!keys) {
        setError(keys.error().message);
        return false;
    }
    // The matches in the list's order: their positions in it, marked and read in order (a
    // sort of a few thousand positions costs more than one pass over the list).
    std::vector<bool> matched(size_t(m_order.size()), false);
    for (const qint64 key : std::as_const(*keys)) {
        const auto it = m_positionOfKey.constFind(key);
        if (it != m_positionOfKey.cend())
            matched[size_t(*it)] = true;
    }
    rows.reserve(keys->size());
    for (int pos = 0; pos < m_order.size(); ++pos) {
        if (matched[size_t(pos)])
            rows.append(m_order[pos]);
    }
    return true;
}

void ContactModel::show(QList<int> rows, Change change)
{
    const int before = count();
    if (change == Change::Everything) {
        beginResetModel();
        m_rows = std::move(rows);
        endResetModel();
    } else {
        // The rows both lists start with stay, and so do their delegates: a keystroke that
        // keeps the top of the list redraws nothing, one that keeps all of it changes nothing.
        const int keep =
            int(std::mismatch(m_rows.cbegin(), m_rows.cend(), rows.cbegin(), rows.cend()).first -
                m_rows.cbegin());
        if (keep < m_rows.size()) {
            beginRemoveRows({}, keep, int(m_rows.size()) - 1);
            m_rows.resize(keep);
            endRemoveRows();
        }
        if (keep < rows.size()) {
            beginInsertRows({}, keep, int(rows.size()) - 1);
            m_rows = std::move(rows);
            endInsertRows();
        }
    }
    if (before != count())
        Q_EMIT countChanged();
}

int ContactModel::indexOf(const QString &recordId) const
{
    const auto id = idFromText(recordId);
    if (!id)
        return -1;
    for (int row = 0; row < m_rows.size(); ++row) {
        if (m_list[m_rows[row]].id == *id)
            return row;
    }
    return -1;
}

const model::RecordState *ContactModel::recordAt(const QModelIndex &index) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid) ||
        !store())
        return nullptr;
    const int i = m_rows[index.row()];
    if (const model::RecordState *cached = m_records.object(i))
        return cached;
    auto r = store()->record(m_list[i].id);
    // Gone or failing between a change and the reload it announces: an empty row until then.
    if (!r || !*r || (*r)->deleted)
        return nullptr;
    auto *state = new model::RecordState(std::move(**r));
    m_records.insert(i, state);
    return state;
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
        return groupOf(m_list[m_rows[index.row()]]);
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
