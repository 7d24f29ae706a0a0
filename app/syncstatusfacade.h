#pragma once

// What the sync status page and the header show: offline, N pending, syncing (x of y), last
// synced, "no word from HQ since ...", alarms. The device sync engine (sync/client) is not wired
// into the app yet, so this facade reports honestly what the device knows on its own: local
// changes and sealed envelopes waiting to be sent, the newest verified HEARTBEAT and the alarms
// of its stream layer, whether it is enrolled, and that no sync engine runs (offline). When the
// engine lands, it feeds the same properties.

#include "devicestore.h"
#include "devicestreams.h"

#include <QDateTime>
#include <QObject>
#include <QStringList>
#include <QtQml/qqmlregistration.h>

namespace liaison::app {

class SyncStatusFacade : public QObject
{
    Q_OBJECT
    QML_NAMED_ELEMENT(SyncStatus)
    QML_UNCREATABLE("SyncStatus is built by the composition root")

    Q_PROPERTY(bool offline READ offline NOTIFY changed)
    Q_PROPERTY(QString offlineReason READ offlineReason NOTIFY changed)
    Q_PROPERTY(int pending READ pending NOTIFY changed)
    Q_PROPERTY(bool syncing READ syncing NOTIFY changed)
    Q_PROPERTY(int syncDone READ syncDone NOTIFY changed)
    Q_PROPERTY(int syncTotal READ syncTotal NOTIFY changed)
    Q_PROPERTY(QString lastSyncedText READ lastSyncedText NOTIFY changed)
    Q_PROPERTY(QString lastHeartbeatText READ lastHeartbeatText NOTIFY changed)
    Q_PROPERTY(bool noWordFromHq READ noWordFromHq NOTIFY changed)
    Q_PROPERTY(QStringList alarms READ alarms NOTIFY changed)
    Q_PROPERTY(bool enrolled READ enrolled NOTIFY changed)
    Q_PROPERTY(QString deviceLabel READ deviceLabel NOTIFY changed)
    Q_PROPERTY(QString relayUrl READ relayUrl NOTIFY changed)
    Q_PROPERTY(QString summary READ summary NOTIFY changed)

public:
    static constexpr qint64 kNoWordAfterMs = 48LL * 3600 * 1000;

    explicit SyncStatusFacade(const model::Clock &clock, QObject *parent = nullptr);

    // nullptr while locked. `streams` is nullptr until the device is enrolled.
    void setSession(DeviceSession *session, DeviceStreams *streams = nullptr);
    // Re-reads counts (after local edits or incoming records).
    void refresh();
    // The newest verified HEARTBEAT (HQ time) and when this device applied it; 0 = none.
    void setHeartbeat(qint64 hqMs, qint64 appliedLocalMs);
    void setLastSynced(qint64 localMs);
    void setAlarms(const QStringList &alarms);

    [[nodiscard]] bool offline() const { return true; }
    [[nodiscard]] QString offlineReason() const;
    [[nodiscard]] int pending() const { return m_pending; }
    [[nodiscard]] bool syncing() const { return false; }
    [[nodiscard]] int syncDone() const { return 0; }
    [[nodiscard]] int syncTotal() const { return 0; }
    [[nodiscard]] QString lastSyncedText() const;
    [[nodiscard]] QString lastHeartbeatText() const;
    [[nodiscard]] bool noWordFromHq() const;
    [[nodiscard]] QStringList alarms() const { return m_alarms; }
    [[nodiscard]] bool enrolled() const { return m_session && m_session->profile().has_value(); }
    [[nodiscard]] QString deviceLabel() const;
    [[nodiscard]] QString relayUrl() const;
    // One line for the header: "Offline · 2 pending".
    [[nodiscard]] QString summary() const;

Q_SIGNALS:
    void changed();

private:
    const model::Clock &m_clock;
    DeviceSession *m_session = nullptr;
    DeviceStreams *m_streams = nullptr;
    int m_pending = 0;
    qint64 m_lastSyncedMs = 0;
    qint64 m_heartbeatHqMs = 0;
    qint64 m_heartbeatLocalMs = 0;
    QStringList m_alarms;
};

} // namespace liaison::app
