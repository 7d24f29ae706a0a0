#pragma once

// Mission instructions of the held scopes. An instruction that requires acknowledgement and has
// no acknowledgement by this device for its current version and content is "awaiting" and sorts
// first; then current ones by priority and issue time; expired ones last.

#include "recordlistmodel.h"

#include <QHash>

namespace liaison::app {

class InstructionModel : public RecordListModel
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("InstructionModel is built by the composition root")
    Q_PROPERTY(int awaitingCount READ awaitingCount NOTIFY awaitingCountChanged)

public:
    enum Role {
        RecordIdRole = Qt::UserRole + 1,
        TitleRole,
        BodyRole,
        IssuedByRole,
        IssuedAtRole,
        IssuedTextRole,
        ValidFromRole,
        ValidUntilRole,
        ValidityTextRole, // "valid until Tue 8 Dec, 18:00" / "expired ..." / "from ..."
        PriorityRole,
        PriorityLabelRole,
        RequiresAckRole,
        VersionRole,
        AcknowledgedRole,     // this device acknowledged the current version and content
        AcknowledgedTextRole, // "acknowledged 2 h ago"
        AwaitingRole,         // requires acknowledgement, not acknowledged, not expired
        ExpiredRole,
        CurrentRole, // valid now
    };
    Q_ENUM(Role)

    explicit InstructionModel(const liaison::Clock &clock, QObject *parent = nullptr);

    [[nodiscard]] int awaitingCount() const { return m_awaiting; }
    [[nodiscard]] QVariant data(const QModelIndex &index, int role) const override;
    [[nodiscard]] QHash<int, QByteArray> roleNames() const override;

Q_SIGNALS:
    void awaitingCountChanged();

protected:
    [[nodiscard]] bool lessThan(const model::RecordState &a,
                                const model::RecordState &b) const override;
    void prepare(const QList<model::RecordState> &rows) override;
    void afterReload() override;

private:
    struct AckInfo
    {
        qint64 version = 0;
        QByteArray contentHash;
        qint64 timeMs = 0;
    };
    [[nodiscard]] std::optional<AckInfo> ackFor(const model::RecordState &r) const;
    [[nodiscard]] bool expired(const model::RecordState &r) const;
    [[nodiscard]] bool awaiting(const model::RecordState &r) const;
    [[nodiscard]] int rank(const model::RecordState &r) const;

    QHash<QByteArray, QList<AckInfo>> m_acks; // by instruction id bytes
    int m_awaiting = 0;
};

} // namespace liaison::app
