#include "syncstatusfacade.h"

#include "recordlistmodel.h"

namespace liaison::app {

SyncStatusFacade::SyncStatusFacade(const model::Clock &clock, QObject *parent)
    : QObject(parent)
    , m_clock(clock)
{}

void SyncStatusFacade::setSession(DeviceSession *session, DeviceStreams *streams)
{
    m_session = session;
    m_streams = session ? streams : nullptr;
    if (!session) {
        m_pending = 0;
        m_alarms.clear();
        m_heartbeatHqMs = 0;
        m_heartbeatLocalMs = 0;
        m_lastSyncedMs = 0;
    }
    refresh();
}

void SyncStatusFacade::refresh()
{
    if (m_session) {
        auto n = m_session->records().outboxCount();
        m_pending = n ? int(*n) : 0;
    }
    if (m_streams) {
        if (auto sealed = m_streams->pendingEnvelopes())
            m_pending += *sealed;
        if (auto state = m_streams->hqStream(); state && *state) {
            m_heartbeatHqMs = (*state)->lastHeartbeatHqMs;
            m_heartbeatLocalMs = (*state)->lastHeartbeatLocalMs;
        }
        if (auto alarms = m_streams->receiver().alarms()) {
            m_alarms.clear();
            for (const streams::Alarm &a : *alarms)
                m_alarms.append(a.describe());
        }
    }
    Q_EMIT changed();
}

void SyncStatusFacade::setHeartbeat(qint64 hqMs, qint64 appliedLocalMs)
{
    m_heartbeatHqMs = hqMs;
    m_heartbeatLocalMs = appliedLocalMs;
    Q_EMIT changed();
}

void SyncStatusFacade::setLastSynced(qint64 localMs)
{
    m_lastSyncedMs = localMs;
    Q_EMIT changed();
}

void SyncStatusFacade::setAlarms(const QStringList &alarms)
{
    m_alarms = alarms;
    Q_EMIT changed();
}

QString SyncStatusFacade::offlineReason() const
{
    if (!m_session)
        return tr("Locked");
    if (!enrolled())
        return tr("This device is not enrolled with HQ yet.");
    return tr("No sync engine runs in this build yet: HQ's records were delivered to this vault "
              "in-process by liaison-demo.");
}

QString SyncStatusFacade::lastSyncedText() const
{
    if (m_lastSyncedMs <= 0)
        return tr("never");
    return formatRelative(m_lastSyncedMs, m_clock.wallMs());
}

QString SyncStatusFacade::lastHeartbeatText() const
{
    if (m_heartbeatLocalMs <= 0)
        return tr("never");
    const QDateTime at =
        QDateTime::fromMSecsSinceEpoch(m_heartbeatLocalMs, QTimeZone::systemTimeZone());
    return tr("%1 (%2)").arg(formatRelative(m_heartbeatLocalMs, m_clock.wallMs()),
                             formatDateTime(at, m_clock.wallMs()));
}

bool SyncStatusFacade::noWordFromHq() const
{
    if (!enrolled())
        return false;
    return m_heartbeatLocalMs <= 0 || m_clock.wallMs() - m_heartbeatLocalMs > kNoWordAfterMs;
}

QString SyncStatusFacade::deviceLabel() const
{
    if (!m_session || !m_session->profile())
        return QString();
    return m_session->profile()->label;
}

QString SyncStatusFacade::relayUrl() const
{
    if (!m_session || !m_session->profile())
        return QString();
    return m_session->profile()->relayUrl;
}

QString SyncStatusFacade::summary() const
{
    QString out = offline() ? tr("Offline") : tr("Online");
    if (m_pending > 0)
        out += tr(" · %1 pending").arg(m_pending);
    return out;
}

} // namespace liaison::app
