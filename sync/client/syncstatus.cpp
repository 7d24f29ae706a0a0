#include "syncstatus.h"

namespace liaison::client {

QStringList SyncStatus::alarmTexts() const
{
    QStringList out;
    out.reserve(qsizetype(m_alarms.size()));
    for (const auto &a : m_alarms)
        out.append(a.describe());
    return out;
}

void SyncStatus::setOffline(bool v)
{
    assign(m_offline, v);
}

void SyncStatus::setPending(int v)
{
    assign(m_pending, v);
}

void SyncStatus::setSyncing(bool syncing, int done, int total)
{
    if (m_syncing == syncing && m_syncDone == done && m_syncTotal == total)
        return;
    m_syncing = syncing;
    m_syncDone = done;
    m_syncTotal = total;
    Q_EMIT changed();
}

void SyncStatus::setLastSynced(const QDateTime &t)
{
    assign(m_lastSynced, t);
}

void SyncStatus::setLastHeartbeat(const QDateTime &t, std::int64_t nowMs)
{
    assign(m_lastHeartbeat, t);
    refreshNoWord(nowMs);
}

void SyncStatus::refreshNoWord(std::int64_t nowMs)
{
    const std::int64_t heartbeatMs =
        m_lastHeartbeat.isValid() ? m_lastHeartbeat.toMSecsSinceEpoch() : 0;
    assign(m_noWordFromHq, noWordFromHqAt(heartbeatMs, nowMs));
}

void SyncStatus::setNextAttempt(const QDateTime &t)
{
    assign(m_nextAttempt, t);
}

void SyncStatus::setLastError(const QString &e)
{
    assign(m_lastError, e);
}

void SyncStatus::setAlarms(std::vector<streams::Alarm> alarms)
{
    auto same = [](const streams::Alarm &a, const streams::Alarm &b) {
        return a.id == b.id && a.type == b.type && a.seq == b.seq && a.count == b.count &&
               a.atMs == b.atMs;
    };
    if (alarms.size() == m_alarms.size() &&
        std::equal(alarms.begin(), alarms.end(), m_alarms.begin(), same))
        return;
    m_alarms = std::move(alarms);
    Q_EMIT changed();
}

} // namespace liaison::client
