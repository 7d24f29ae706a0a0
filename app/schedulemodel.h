#pragma once

// Visit schedule items of the held scopes, in start order. Times are shown in the item's own
// IANA time zone (where the visit happens), with the zone's abbreviation (both ends' when a
// daylight-saving change falls inside the item); `next` marks the first item that has not ended,
// by the injected clock. Issue 11 "Schedule": the same times in the officer's home zone
// (Europe/Prague unless the officer chose another, AppController::homeTimeZone) as a second line,
// only where the two zones' clocks differ at the item's start or end.

#include "recordlistmodel.h"

namespace liaison::app {

class ScheduleModel : public RecordListModel
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("ScheduleModel is built by the composition root")

public:
    enum Role {
        RecordIdRole = Qt::UserRole + 1,
        VisitRole,
        TitleRole,
        StartRole, // QDateTime in the item's zone
        EndRole,
        TimeZoneRole,
        TimeTextRole,     // "09:30 – 10:45 CET"; "01:30 CEST – 02:30 CET" across a change
        HomeTimeTextRole, // "Home time: 16:30 – 17:00 CET"; empty where home shows the same
        DayTextRole, // the locale's long date (section), in the item's zone: "Tuesday, 8 December
                     // 2026", "úterý 8. prosince 2026"
        VenueRole,
        AddressRole,
        HasPositionRole,
        LatitudeRole, // degrees
        LongitudeRole,
        ParticipantsRole,
        EscortNotesRole,
        StatusRole, // confirmed | changed | cancelled
        StatusLabelRole,
        PastRole, // ended
        NextRole, // the first item that has not ended
    };
    Q_ENUM(Role)

    explicit ScheduleModel(const liaison::Clock &clock, QObject *parent = nullptr);

    [[nodiscard]] QVariant data(const QModelIndex &index, int role) const override;
    [[nodiscard]] QHash<int, QByteArray> roleNames() const override;

    [[nodiscard]] static QString statusLabel(const QString &status);

    // The officer's home zone (injected; the composition root passes the setting).
    void setHomeZone(const QTimeZone &zone);
    [[nodiscard]] QTimeZone homeZone() const { return m_homeZone; }

protected:
    [[nodiscard]] bool lessThan(const model::RecordState &a,
                                const model::RecordState &b) const override;
    void afterReload() override;

private:
    int m_nextRow = -1;
    QTimeZone m_homeZone{QByteArrayLiteral("Europe/Prague")};
};

} // namespace liaison::app
