#include "model/clock.h"

#include <QDateTime>

namespace liaison::model {

SystemClock::SystemClock()
{
    m_timer.start();
}

qint64 SystemClock::wallMs() const
{
    return QDateTime::currentMSecsSinceEpoch();
}

qint64 SystemClock::monotonicMs() const
{
    return m_timer.elapsed();
}

} // namespace liaison::model
