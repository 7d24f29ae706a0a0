#pragma once

// Case summaries of the held scopes (HQ writes them; read-only here): open and active first,
// then by priority (5 highest) and by last update. Issue 11 "Cases": filters by channel, status
// and priority class (each empty = all), combined; the cases page sets them.

#include "recordlistmodel.h"

namespace liaison::app {

class CaseModel : public RecordListModel
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("CaseModel is built by the composition root")
    // "" (all) | interpol | europol | sirene | bilateral
    Q_PROPERTY(QString channelFilter READ channelFilter WRITE setChannelFilter NOTIFY filterChanged)
    // "" (all) | open | active | pending | closed
    Q_PROPERTY(QString statusFilter READ statusFilter WRITE setStatusFilter NOTIFY filterChanged)
    // "" (all) | urgent (5) | high (4) | normal (2-3) | low (0-1): the classes of priorityLabel
    Q_PROPERTY(
        QString priorityFilter READ priorityFilter WRITE setPriorityFilter NOTIFY filterChanged)
    Q_PROPERTY(bool filtered READ filtered NOTIFY filterChanged)

public:
    enum Role {
        RecordIdRole = Qt::UserRole + 1,
        ReferenceRole,
        ChannelRole,      // interpol | europol | sirene | bilateral
        ChannelLabelRole, // Interpol, Europol, SIRENE, Bilateral
        TitleRole,
        StatusRole, // open | active | pending | closed
        StatusLabelRole,
        PriorityRole, // 0..5
        PriorityLabelRole,
        SummaryRole,
        CountriesRole,
        LinkedContactsRole, // names of linked contacts held on this device
        HandlingCodeRole,
        UpdatedRole,
        UpdatedTextRole,
    };
    Q_ENUM(Role)

    explicit CaseModel(const liaison::Clock &clock, QObject *parent = nullptr);

    [[nodiscard]] QVariant data(const QModelIndex &index, int role) const override;
    [[nodiscard]] QHash<int, QByteArray> roleNames() const override;

    [[nodiscard]] static QString channelLabel(const QString &channel);
    [[nodiscard]] static QString statusLabel(const QString &status);
    [[nodiscard]] static QString priorityLabel(qint64 priority);
    // The filter class of a priority: urgent, high, normal or low.
    [[nodiscard]] static QString priorityClass(qint64 priority);

    [[nodiscard]] QString channelFilter() const { return m_channel; }
    [[nodiscard]] QString statusFilter() const { return m_status; }
    [[nodiscard]] QString priorityFilter() const { return m_priority; }
    void setChannelFilter(const QString &channel);
    void setStatusFilter(const QString &status);
    void setPriorityFilter(const QString &priorityClass);
    [[nodiscard]] bool filtered() const
    {
        return !m_channel.isEmpty() || !m_status.isEmpty() || !m_priority.isEmpty();
    }

Q_SIGNALS:
    void filterChanged();

protected:
    [[nodiscard]] Result<QList<model::RecordState>> fetch() const override;
    [[nodiscard]] bool lessThan(const model::RecordState &a,
                                const model::RecordState &b) const override;

private:
    void setFilter(QString &field, const QString &value);

    QString m_channel;
    QString m_status;
    QString m_priority;
};

} // namespace liaison::app
