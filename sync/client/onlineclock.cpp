#include "onlineclock.h"

namespace liaison::client {

OnlineStreamClock::OnlineStreamClock(const liaison::Clock &base, Connectivity *connectivity,
                                     QObject *parent)
    : QObject(parent)
    , m_base(base)
    , m_connectivity(connectivity)
{
    if (!m_connectivity || m_connectivity->mayBeOnline())
        m_onlineSince = m_base.bootMs();
    if (m_connectivity)
        connect(m_connectivity, &Connectivity::stateChanged, this, &OnlineStreamClock::onState);
}

void OnlineStreamClock::onState(Connectivity::State state)
{
    const qint64 now = m_base.bootMs();
    const bool online = state != Connectivity::State::Offline;
    if (online && m_onlineSince < 0) {
        m_onlineSince = now;
    } else if (!online && m_onlineSince >= 0) {
        m_onlineBefore += now - m_onlineSince;
        m_onlineSince = -1;
    }
}

qint64 OnlineStreamClock::onlineMs() const
{
    if (m_onlineSince < 0)
        return m_onlineBefore;
    return m_onlineBefore + (m_base.bootMs() - m_onlineSince);
}

} // namespace liaison::client
