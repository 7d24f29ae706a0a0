#include "clock.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>

#include <ctime>

namespace liaison::vault {

qint64 SystemClock::wallMs() const
{
    return QDateTime::currentMSecsSinceEpoch();
}

qint64 SystemClock::monotonicMs() const
{
#if defined(CLOCK_BOOTTIME)
    struct timespec ts
    {};
    if (::clock_gettime(CLOCK_BOOTTIME, &ts) == 0)
        return qint64(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
#endif
    static QElapsedTimer timer;
    if (!timer.isValid())
        timer.start();
    return timer.elapsed();
}

QByteArray SystemClock::bootId() const
{
    // Linux and Android. Elsewhere the id is unknown and the lockout falls back to wall time.
    QFile f(QStringLiteral("/proc/sys/kernel/random/boot_id"));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll().trimmed();
}

} // namespace liaison::vault
