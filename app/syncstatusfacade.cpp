#include "syncstatusfacade.h"

#include "recordlistmodel.h"

namespace liaison::app {

SyncStatusFacade::SyncStatusFacade(const liaison::Clock &clock, QObject *parent)
    : QObject(parent)
    , m_clock(clock)
{}

void SyncStatusFacade::setSession(device::DeviceSession *session, device::DeviceStreams *streams,
                                  device::DeviceSync *sync, const QString &whyNoSync)
{
    if (m_sync)
        disconnect(m_sync, nullptr, this, nullptr);
    m_session = session;
    m_streams = session ? streams : nullptr;
    m_sync = m_streams ? sync : nullptr;
    m_whyNoSync = whyNoSync;
    if (m_sync)
        connect(m_sync, &device::DeviceSync::statusChanged, this, &SyncStatusFacade::refresh);
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
        m_held.clear();
        if (auto held = m_session->records().heldOperations()) {
            for (const model::HeldOperation &h : *held)
                m_held.append(describeHeld(h));
        }
    }
    if (m_sync) {
        const QDateTime last = m_sync->status().lastSynced();
        if (last.isValid())
            m_lastSyncedMs = last.toMSecsSinceEpoch();
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

QVariantMap SyncStatusFacade::describeHeld(const model::HeldOperation &h)
{
    QVariantMap m;
    m.insert(QStringLiteral("what"),
             tr("%1 in %2").arg(QString::fromLatin1(model::recordTypeName(h.op.type)), h.op.scope));
    QString why;
    if (h.reason == model::kHeldScopeClosed)
        why = tr("Not sent: HQ closed the scope before it went out");
    else if (h.reason == int(model::RejectReason::ClockAhead))
        why = tr("HQ refused it: this device's clock is ahead of HQ's");
    else
        why = tr("HQ refused it (%1)")
                  .arg(QString::fromLatin1(model::rejectReasonName(model::RejectReason(h.reason))));
    m.insert(QStringLiteral("why"), why);
    QStringList hqValue;
    if (h.hqState && !h.hqState->deleted) {
        for (auto it = h.op.fields.cbegin(); it != h.op.fields.cend(); ++it) {
            const auto found = h.hqState->fields.constFind(it.key());
            if (found != h.hqState->fields.constEnd())
                hqValue.append(it.key() + QStringLiteral(": ") +
                               found->value.toVariant().toString());
        }
    }
    m.insert(QStringLiteral("hqValue"), hqValue.join(QStringLiteral(", ")));
    m.insert(QStringLiteral("next"), h.willRetry
                                         ? tr("Sent again, re-stamped, once HQ's time is known")
                                         : tr("Not delivered: tell HQ by other means"));
    m.insert(QStringLiteral("retry"), h.willRetry);
    return m;
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

void SyncStatusFacade::syncNow()
{
    if (m_sync)
        m_sync->syncNow();
}

bool SyncStatusFacade::offline() const
{
    return !m_sync || m_sync->status().offline();
}

bool SyncStatusFacade::syncing() const
{
    return m_sync && m_sync->status().syncing();
}

int SyncStatusFacade::syncDone() const
{
    return m_sync ? m_sync->status().syncDone() : 0;
}

int SyncStatusFacade::syncTotal() const
{
    return m_sync ? m_sync->status().syncTotal() : 0;
}

QString SyncStatusFacade::lastError() const
{
    return m_sync ? m_sync->status().lastError() : QString();
}

bool SyncStatusFacade::canSyncNow() const
{
    return m_sync && !m_sync->status().offline();
}

QString SyncStatusFacade::offlineReason() const
{
    if (!m_session)
        return tr("Locked");
    if (!enrolled())
        return tr("This device is not enrolled with HQ yet.");
    if (!m_sync)
        return m_whyNoSync.isEmpty() ? tr("No sync engine runs.") : m_whyNoSync;
    return tr("The network is unreachable. Changes wait on this device and go out when it is "
              "back.");
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
    // HQ's own time of its newest verified HEARTBEAT (protocol review L3: a relay that delays
    // `down` must not keep this fresh), against the best lower bound of now.
    if (m_heartbeatHqMs <= 0)
        return true;
    qint64 now = m_clock.wallMs();
    if (m_session) {
        if (const auto bound = m_session->records().clock().referenceMs())
            now = std::max(now, *bound);
    }
    return now - m_heartbeatHqMs > kNoWordAfterMs;
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
    QString out;
    if (offline())
        out = tr("Offline");
    else if (syncing())
        out = tr("Syncing");
    else if (!lastError().isEmpty())
        out = tr("Sync failed, retrying");
    else if (m_lastSyncedMs > 0)
        out = tr("Synced %1").arg(lastSyncedText());
    else
        out = tr("Online");
    if (m_pending > 0)
        out += tr(" · %1 pending").arg(m_pending);
    return out;
}

} // namespace liaison::app
