#pragma once

// Contacts of the held scopes, by name; `query` narrows them with the store's FTS4 prefix search
// (every word a prefix of name, organisation, role, country or tags; diacritics ignored).

#include "recordlistmodel.h"

namespace liaison::app {

class ContactModel : public RecordListModel
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("ContactModel is built by the composition root")
    Q_PROPERTY(QString query READ query WRITE setQuery NOTIFY queryChanged)

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
        LocalTimeRole, // "14:05 (Tue)" in the contact's time zone, "" when unknown
        SectionRole,   // first letter of the name
    };
    Q_ENUM(Role)

    explicit ContactModel(const liaison::Clock &clock, QObject *parent = nullptr);

    [[nodiscard]] QString query() const { return m_query; }
    void setQuery(const QString &query);

    [[nodiscard]] QVariant data(const QModelIndex &index, int role) const override;
    [[nodiscard]] QHash<int, QByteArray> roleNames() const override;

Q_SIGNALS:
    void queryChanged();

protected:
    [[nodiscard]] Result<QList<model::RecordState>> fetch() const override;
    [[nodiscard]] bool lessThan(const model::RecordState &a,
                                const model::RecordState &b) const override;

private:
    QString m_query;
};

} // namespace liaison::app
