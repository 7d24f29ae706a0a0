#pragma once

// The officer's own field reports and check-ins, newest first, each with where it stands: waiting
// to send (in the record outbox, or sealed and not yet taken by the relay) or sent to HQ. Times
// are in the device's zone; the position, when one went with it, is shown with its age.

#include "recordlistmodel.h"

#include <QSet>

#include <functional>

namespace liaison::app {

class ReportModel : public RecordListModel
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("ReportModel is built by the composition root")
    Q_PROPERTY(int waitingCount READ waitingCount NOTIFY countChanged)

public:
    enum Role {
        RecordIdRole = Qt::UserRole + 1,
        KindRole,  // "report" | "checkin"
        TitleRole, // the report's first line, or "Check-in: <visit item>"
        TextRole,
        TimeTextRole,
        PositionTextRole, // "50.84310, 4.38270, fix 3 s old" or ""
        RelatedTitleRole, // the linked record's name or title, or ""
        SentRole,
        DeliveryTextRole, // "Waiting to send" | "Sent to HQ"
    };
    Q_ENUM(Role)

    explicit ReportModel(const liaison::Clock &clock, QObject *parent = nullptr);

    // Whether sealed envelopes wait for the relay (DeviceStreams); none given: never.
    void setEnvelopesPending(std::function<bool()> pending)
    {
        m_envelopesPending = std::move(pending);
    }
    [[nodiscard]] int waitingCount() const;

    [[nodiscard]] QVariant data(const QModelIndex &index, int role) const override;
    [[nodiscard]] QHash<int, QByteArray> roleNames() const override;

protected:
    [[nodiscard]] Result<QList<model::RecordState>> fetch() const override;
    [[nodiscard]] bool lessThan(const model::RecordState &a,
                                const model::RecordState &b) const override;
    void prepare(const QList<model::RecordState> &rows) override;

private:
    [[nodiscard]] bool isSent(const model::RecordState &r) const;
    [[nodiscard]] QString titleOf(const QByteArray &recordId) const;

    std::function<bool()> m_envelopesPending;
    QSet<QByteArray> m_queued; // record ids in the outbox
    bool m_envelopesWaiting = false;
    QHash<QByteArray, QString> m_titles; // linked records and visit items, by id bytes
};

} // namespace liaison::app
