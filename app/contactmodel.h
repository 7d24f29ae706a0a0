#pragma once

// Contacts of the held scopes, by name; `query` narrows them with the store's FTS4 prefix search
// (every word a prefix of name, organisation, role, country or tags; diacritics ignored).
// `grouping` sorts and sections them by name, country or organisation. The local time at each
// contact comes from its time zone and the injected clock, with the difference to the officer's
// own zone (the device's, injectable for tests) so that "can I call now?" needs no arithmetic.

#include "recordlistmodel.h"

namespace liaison::app {

class ContactModel : public RecordListModel
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

    [[nodiscard]] QVariant data(const QModelIndex &index, int role) const override;
    [[nodiscard]] QHash<int, QByteArray> roleNames() const override;

Q_SIGNALS:
    void queryChanged();
    void groupingChanged();

protected:
    [[nodiscard]] Result<QList<model::RecordState>> fetch() const override;
    [[nodiscard]] bool lessThan(const model::RecordState &a,
                                const model::RecordState &b) const override;

private:
    [[nodiscard]] QString groupOf(const model::RecordState &r) const;

    QString m_query;
    Grouping m_grouping = Grouping::ByName;
    QTimeZone m_localZone = QTimeZone::systemTimeZone();
};

} // namespace liaison::app
