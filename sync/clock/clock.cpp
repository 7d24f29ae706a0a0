#include "clock/clock.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>

#include <ctime>

namespace liaison {

qint64 SystemClock::wallMs() const
{
    return QDateTime::currentMSecsSinceEpoch();
}

qint64 SystemClock::bootMs() const
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
    // Linux and Android. Elsewhere the id is unknown: boot-clock readings are then used only
    // within this process.
    static const QByteArray id = [] {
        QFile f(QStringLiteral("/proc/sys/kernel/random/boot_id"));
        if (!f.open(QIODevice::ReadOnly))
            return QByteArray();
        return f.readAll().trimmed();
    }();
    return id;
}

} // namespace liaison
