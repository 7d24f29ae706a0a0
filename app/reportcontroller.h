#pragma once

// Backs the Reports page and the schedule card's "Check in" (issue 11 "Field reports",
// "Schedule"): queues a FieldReport or a CheckIn through the core (device/fieldreports.h) with,
// when the officer wants it, the current position of the platform's PositionSource and its age;
// tells the card the distance and bearing to a venue.
//
// The source runs while the vault is unlocked (setActive). Its age is measured on the boot
// clock from the moment the fix arrived, so a replayed or cached fix with an old receiver time
// and a wrong wall clock both give the age the officer experienced. Positions are shown to the
// officer and copied into the record sent, never logged.

#include "clock/clock.h"
#include "device/fieldreports.h"
#include "model/recordstore.h"
#include "positionsource.h"

#include <QObject>
#include <QPointer>
#include <QtQml/qqmlregistration.h>

namespace liaison::app {

class ReportController : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("ReportController is built by the composition root")
    Q_PROPERTY(bool hasFix READ hasFix NOTIFY positionChanged)
    Q_PROPERTY(QString positionText READ positionText NOTIFY positionChanged)
    // Changes with every fix: bindings that call wayTo() pass it to be re-evaluated.
    Q_PROPERTY(int positionRevision READ positionRevision NOTIFY positionChanged)
    Q_PROPERTY(QString error READ error NOTIFY errorChanged)
    Q_PROPERTY(QString lastCheckInText READ lastCheckInText NOTIFY checkedIn)

public:
    explicit ReportController(const liaison::Clock &clock, QObject *parent = nullptr);

    void setStore(model::RecordStore *store) { m_store = store; }
    // Not owned; nullptr = no position at all.
    void setPositionSource(platform::PositionSource *source);
    // Unlocked: the source runs; locked: it stops and the fix is forgotten.
    void setActive(bool active);

    [[nodiscard]] bool hasFix() const { return m_fixReceivedBootMs >= 0; }
    [[nodiscard]] QString positionText() const;
    [[nodiscard]] int positionRevision() const { return m_revision; }
    [[nodiscard]] QString error() const { return m_error; }
    [[nodiscard]] QString lastCheckInText() const { return m_lastCheckInText; }
    // The fix to send now, with the wall time the device got it; none without a fix.
    [[nodiscard]] std::optional<device::SentPosition> currentPosition() const;

    // `relatedRecordId` empty: no link. True when queued.
    Q_INVOKABLE bool sendReport(const QString &text, bool attachPosition,
                                const QString &relatedRecordId);
    // One check-in at the visit item, with the position of this moment when there is one.
    Q_INVOKABLE bool checkIn(const QString &scheduleItemId);
    // "1.2 km NE (bearing 43°)" from the current fix to the place; "" without a fix.
    Q_INVOKABLE QString wayTo(double latitude, double longitude, int revision) const;

Q_SIGNALS:
    void positionChanged();
    void errorChanged();
    void reportQueued(const QString &recordId);
    void checkedIn(const QString &recordId);

private:
    void setError(const QString &error);
    void onFix();

    const liaison::Clock &m_clock;
    model::RecordStore *m_store = nullptr;
    QPointer<platform::PositionSource> m_source;
    bool m_active = false;
    std::optional<platform::PositionFix> m_fix;
    qint64 m_fixReceivedBootMs = -1;
    int m_revision = 0;
    QString m_error;
    QString m_lastCheckInText;
};

} // namespace liaison::app
