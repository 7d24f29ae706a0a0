#pragma once

// Contacts of the held scopes, by name; `query` narrows them with the store's FTS4 prefix search
// (every word a prefix of name, organisation, role, country or tags; diacritics ignored), and
// shows every match. `grouping` sorts and sections them by name, country or organisation. The
// local time at each contact comes from its time zone and the injected clock, with the difference
// to the officer's own zone (the device's, injectable for tests) so that "can I call now?" needs
// no arithmetic.
//
// A store may hold 100,000 contacts, and each keystroke in the search field must show within a
// frame. So the model holds only the contact list (id and the three texts it sorts and groups by,
// read without the records, sorted once per store change with collation keys); a query asks the
// search index for the matching contacts and keeps the list's order (a one-letter query reads the
// list's own initials instead); the rows a new query keeps at the top stay, with their delegates;
// a row's record is read when a delegate asks for it, and the last few hundred are cached.

#include "recordlistmodel.h"

#include <QCache>
#include <QCollator>

#include <vector>

namespace liaison::app {

class ContactModel : public StoreListModel
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("ContactModel is built by the composition root")
    Q_PROPERTY(QString query READ query WRITE setQuery NOTIFY queryChanged)
    Q_PROPERTY(Grouping grouping READ grouping WRITE setGrouping NOTIFY groupingChanged)

public:
    enum Role {
        RecordIdRole = Qt::UserRole + 1,
        NameRole,
        OrganisationRole,
        RoleRole, // the person's role ("Head of the Directorate")
        CountryRole,
        PhonesRole, // [{label, number, available24h}]
        EmailsRole,
        FaxRole,
        AddressRole,
        LanguagesRole,
        TimeZoneRole,
        NotesRole,
        TagsRole,
        LastVerifiedRole,     // QDateTime, invalid when never
        LastVerifiedTextRole, // "verified 3 days ago"
        Has24hRole,           // at least one number answers 24/7
        InitialsRole,
        LocalTimeRole,  // "14:05 (Tue)" in the contact's time zone, "" when unknown
        SectionRole,    // by grouping: first letter of the name, the country or organisation
        CallNumberRole, // the number a row's call button dials: the first 24/7 one, else the first
        TimeDifferenceRole, // "same time as you", "1 h ahead of you", "" when the zone is unknown
    };
    Q_ENUM(Role)

    enum class Grouping { ByName, ByCountry, ByOrganisation };
    Q_ENUM(Grouping)

    explicit ContactModel(const liaison::Clock &clock, QObject *parent = nullptr);

    [[nodiscard]] QString query() const { return m_query; }
    void setQuery(const QString &query);
    [[nodiscard]] Grouping grouping() const { return m_grouping; }
    void setGrouping(Grouping grouping);
    // The officer's own zone for TimeDifferenceRole (default: the system's).
    void setLocalZone(const QTimeZone &zone);

    void reload() override;
    [[nodiscard]] int count() const override { return int(m_rows.size()); }
    int indexOf(const QString &recordId) const override;

    [[nodiscard]] QVariant data(const QModelIndex &index, int role) const override;
    [[nodiscard]] QHash<int, QByteArray> roleNames() const override;

Q_SIGNALS:
    void queryChanged();
    void groupingChanged();

protected:
    [[nodiscard]] const model::RecordState *recordAt(const QModelIndex &index) const override;

private:
    using Entry = model::RecordStore::ContactListEntry;
    [[nodiscard]] QString groupOf(const Entry &e) const;
    // m_order from the list by the grouping; then the rows shown.
    void sortList();
    // The rows the query selects, in the list's order; false (and the error set) on a store error.
    [[nodiscard]] bool selectRows(QList<int> &rows);
    // Rows: the same contacts as before in the same order, fewer or more of them (a query).
    // Everything: other contacts or other sections under the same row numbers (a store change,
    // another grouping).
    enum class Change { Rows, Everything };
    void show(QList<int> rows, Change change);

    QString m_query;
    Grouping m_grouping = Grouping::ByName;
    QTimeZone m_localZone = QTimeZone::systemTimeZone();
    QCollator m_collator;
    QList<Entry> m_list;                      // every contact, in the store's order
    std::vector<QCollatorSortKey> m_nameKeys; // by m_list index
    QList<int> m_order;                       // m_list indexes, sorted by the grouping
    QHash<qint64, int> m_positionOfKey;       // store key -> position in m_order
    QList<int> m_rows;                        // m_list indexes shown
    int m_unknownInitials = 0;                // contacts whose initials only the search index knows
    mutable QCache<int, model::RecordState> m_records{512}; // by m_list index
};

} // namespace liaison::app
