#pragma once

// What the sync status page and the header show: offline, N pending, syncing (x of y), last
// synced, "no word from HQ since ...", alarms, and "Sync now". While the device sync engine runs
// (DeviceSync over client::SyncClient) its client::SyncStatus feeds these properties; without one
// (locked, not enrolled, no relay address in the profile, a refused endpoint) the facade says
// offline and why, and reports what the device knows on its own: local changes and sealed
// envelopes waiting to be sent, the newest verified HEARTBEAT and the alarms of its stream layer.
// "Last synced" is kept in the vault, so a restart offline still says when the last round was.

#include "device/devicestore.h"
#include "device/devicestreams.h"
#include "device/devicesync.h"

#include <QPointer>

#include <QDateTime>
#include <QObject>
#include <QStringList>
#include <QVariantList>
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
    Q_PROPERTY(QString lastError READ lastError NOTIFY changed)
    Q_PROPERTY(bool canSyncNow READ canSyncNow NOTIFY changed)
    // The officer defers bulk sync on metered links and this link is metered (issue 11): only
    // the priority lanes run; `pending` is what waits.
    Q_PROPERTY(bool bulkDeferred READ bulkDeferred NOTIFY changed)
    // What HQ refused or what could not be delivered (DESIGN.md "Data": nothing an officer writes
    // is lost silently). Each entry: what (the kind, title and when it was held), why (HQ's
    // reason in words), hqValue (HQ's value of the fields the officer wrote, if it sent one),
    // next (what happens next), retry (bool).
    Q_PROPERTY(QVariantList held READ held NOTIFY changed)
    Q_PROPERTY(int heldCount READ heldCount NOTIFY changed)

public:
    explicit SyncStatusFacade(const liaison::Clock &clock, QObject *parent = nullptr);

    // nullptr while locked. `streams` is nullptr until the device is enrolled; `sync` is nullptr
    // while no engine runs, and then `whyNoSync` says why (shown as the offline reason).
    void setSession(device::DeviceSession *session, device::DeviceStreams *streams = nullptr,
                    device::DeviceSync *sync = nullptr, const QString &whyNoSync = {});
    // "Sync now" on the sync page: a round at once (coalesced with a running one).
    Q_INVOKABLE void syncNow();
    // Re-reads counts (after local edits or incoming records).
    void refresh();
    // The newest verified HEARTBEAT (HQ time) and when this device applied it; 0 = none.
    void setHeartbeat(qint64 hqMs, qint64 appliedLocalMs);
    void setLastSynced(qint64 localMs);
    void setAlarms(const QStringList &alarms);
    void setBulkDeferred(bool deferred);

    [[nodiscard]] bool offline() const;
    [[nodiscard]] QString offlineReason() const;
    [[nodiscard]] int pending() const { return m_pending; }
    [[nodiscard]] bool syncing() const;
    [[nodiscard]] int syncDone() const;
    [[nodiscard]] int syncTotal() const;
    [[nodiscard]] QString lastSyncedText() const;
    [[nodiscard]] QString lastHeartbeatText() const;
    [[nodiscard]] bool noWordFromHq() const;
    [[nodiscard]] QStringList alarms() const { return m_alarms; }
    [[nodiscard]] bool enrolled() const { return m_session && m_session->profile().has_value(); }
    [[nodiscard]] QString deviceLabel() const;
    [[nodiscard]] QString relayUrl() const;
    // One line for the header: "Offline · 2 pending", "Synced 2 min ago".
    [[nodiscard]] QString summary() const;
    // The last failed round's reason (empty after a good round or without an engine).
    [[nodiscard]] QString lastError() const;
    [[nodiscard]] bool canSyncNow() const;
    [[nodiscard]] bool bulkDeferred() const { return m_bulkDeferred; }
    [[nodiscard]] QVariantList held() const { return m_held; }
    [[nodiscard]] int heldCount() const { return int(m_held.size()); }

    // "Field report", "Check-in" ... and the sentence for a held operation's reason.
    [[nodiscard]] static QString kindText(model::RecordType type);
    [[nodiscard]] static QString heldReasonText(int reason);

Q_SIGNALS:
    void changed();

private:
    [[nodiscard]] static QVariantMap describeHeld(const model::HeldOperation &h);
    // Kept in the vault (device/devicesettings.h) so that it survives a restart.
    void rememberLastSynced(qint64 localMs);
    const liaison::Clock &m_clock;
    device::DeviceSession *m_session = nullptr;
    device::DeviceStreams *m_streams = nullptr;
    QPointer<device::DeviceSync> m_sync;
    QString m_whyNoSync;
    int m_pending = 0;
    bool m_bulkDeferred = false;
    qint64 m_lastSyncedMs = 0;
    qint64 m_heartbeatHqMs = 0;
    qint64 m_heartbeatLocalMs = 0;
    QStringList m_alarms;
    QVariantList m_held;
};

} // namespace liaison::app
