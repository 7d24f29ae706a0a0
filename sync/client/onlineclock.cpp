#include "onlineclock.h"

#include <QDateTime>

namespace liaison::client {

OnlineStreamClock::OnlineStreamClock(Connectivity *connectivity, QObject *parent)
    : QObject(parent)
    , m_connectivity(connectivity)
{
    m_monotonic.start();
    if (!m_connectivity || m_connectivity->mayBeOnline())
        m_onlineSince = 0;
    if (m_connectivity)
        connect(m_connectivity, &Connectivity::stateChanged, this, &OnlineStreamClock::onState);
}

void OnlineStreamClock::onState(Connectivity::State state)
{
    const std::int64_t now = m_monotonic.elapsed();
    const bool online = state != Connectivity::State::Offline;
    if (online && m_onlineSince < 0) {
        m_onlineSince = now;
    } else if (!online && m_onlineSince >= 0) {
        m_onlineBefore += now - m_onlineSince;
        m_onlineSince = -1;
    }
}

std::int64_t OnlineStreamClock::nowMs() const
{
    return QDateTime::currentMSecsSinceEpoch();
}

std::int64_t OnlineStreamClock::onlineMs() const
{
    if (m_onlineSince < 0)
        return m_onlineBefore;
    return m_onlineBefore + (m_monotonic.elapsed() - m_onlineSince);
}

} // namespace liaison::client
