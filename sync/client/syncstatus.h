#pragma once

// What the UI shows about sync (DESIGN.md "Device sync engine"): offline, N pending, syncing
// (x of y), last synced, "no word from HQ since ..." (newest verified HEARTBEAT older than 48 h),
// alarms. A plain QObject with properties and one change signal; the app layer exposes it to QML.
// Only SyncClient writes it.

#include "streams/alarm.h"

#include <QDateTime>
#include <QObject>
#include <QStringList>

#include <vector>

namespace liaison::client {

class SyncStatus final : public QObject
{
    Q_OBJECT
    Q_PROPERTY(bool offline READ offline NOTIFY changed)
    Q_PROPERTY(int pending READ pending NOTIFY changed)
    Q_PROPERTY(bool syncing READ syncing NOTIFY changed)
    Q_PROPERTY(int syncDone READ syncDone NOTIFY changed)
    Q_PROPERTY(int syncTotal READ syncTotal NOTIFY changed)
    Q_PROPERTY(QDateTime lastSynced READ lastSynced NOTIFY changed)
    Q_PROPERTY(QDateTime lastHeartbeat READ lastHeartbeat NOTIFY changed)
    Q_PROPERTY(bool noWordFromHq READ noWordFromHq NOTIFY changed)
    Q_PROPERTY(QDateTime nextAttempt READ nextAttempt NOTIFY changed)
    Q_PROPERTY(QString lastError READ lastError NOTIFY changed)
    Q_PROPERTY(QStringList alarmTexts READ alarmTexts NOTIFY changed)
    Q_PROPERTY(int alarmCount READ alarmCount NOTIFY changed)
    // The officer defers bulk sync on metered links and the link is metered: only the priority
    // lanes run (SyncClient::setDeferBulkWhenMetered).
    Q_PROPERTY(bool bulkDeferred READ bulkDeferred NOTIFY changed)

public:
    using QObject::QObject;

    // 48 h without a verified HEARTBEAT (DESIGN.md "Streams").
    static constexpr std::int64_t kNoWordAfterMs = 48LL * 3600 * 1000;
    // The rule of noWordFromHq(): HQ's own time in its newest verified HEARTBEAT (ms; 0 = none
    // yet) lies more than kNoWordAfterMs before nowMs. liaison-device's status applies it too.
    [[nodiscard]] static bool noWordFromHqAt(std::int64_t lastHeartbeatMs, std::int64_t nowMs)
    {
        return lastHeartbeatMs > 0 && nowMs - lastHeartbeatMs > kNoWordAfterMs;
    }

    [[nodiscard]] bool offline() const { return m_offline; }
    [[nodiscard]] int pending() const { return m_pending; }
    [[nodiscard]] bool syncing() const { return m_syncing; }
    [[nodiscard]] int syncDone() const { return m_syncDone; }
    [[nodiscard]] int syncTotal() const { return m_syncTotal; }
    [[nodiscard]] QDateTime lastSynced() const { return m_lastSynced; }
    // Local time the newest verified HEARTBEAT was applied; invalid when none yet.
    [[nodiscard]] QDateTime lastHeartbeat() const { return m_lastHeartbeat; }
    [[nodiscard]] bool noWordFromHq() const { return m_noWordFromHq; }
    [[nodiscard]] QDateTime nextAttempt() const { return m_nextAttempt; }
    [[nodiscard]] QString lastError() const { return m_lastError; }
    [[nodiscard]] const std::vector<streams::Alarm> &alarms() const { return m_alarms; }
    [[nodiscard]] QStringList alarmTexts() const;
    [[nodiscard]] int alarmCount() const { return int(m_alarms.size()); }
    [[nodiscard]] bool bulkDeferred() const { return m_bulkDeferred; }

    // ---- written by SyncClient only ----
    void setOffline(bool v);
    void setPending(int v);
    void setSyncing(bool syncing, int done = 0, int total = 0);
    void setLastSynced(const QDateTime &t);
    // Recomputes "no word from HQ" against nowMs.
    void setLastHeartbeat(const QDateTime &t, std::int64_t nowMs);
    void refreshNoWord(std::int64_t nowMs);
    void setNextAttempt(const QDateTime &t);
    void setLastError(const QString &e);
    void setAlarms(std::vector<streams::Alarm> alarms);
    void setBulkDeferred(bool v) { assign(m_bulkDeferred, v); }

Q_SIGNALS:
    void changed();

private:
    template <typename T> void assign(T &field, const T &value)
    {
        if (field == value)
            return;
        field = value;
        Q_EMIT changed();
    }

    bool m_offline = false;
    int m_pending = 0;
    bool m_syncing = false;
    int m_syncDone = 0;
    int m_syncTotal = 0;
    QDateTime m_lastSynced;
    QDateTime m_lastHeartbeat;
    bool m_noWordFromHq = false;
    bool m_bulkDeferred = false;
    QDateTime m_nextAttempt;
    QString m_lastError;
    std::vector<streams::Alarm> m_alarms;
};

} // namespace liaison::client
