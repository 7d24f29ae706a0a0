#pragma once

// Case summaries of the held scopes (HQ writes them; read-only here): open and active first,
// then by priority (5 highest) and by last update.

#include "recordlistmodel.h"

namespace liaison::app {

class CaseModel : public RecordListModel
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("CaseModel is built by the composition root")

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

protected:
    [[nodiscard]] bool lessThan(const model::RecordState &a,
                                const model::RecordState &b) const override;
};

} // namespace liaison::app
