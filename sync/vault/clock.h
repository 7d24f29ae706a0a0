#pragma once

#include <QByteArray>
#include <QtGlobal>

namespace liaison::vault {

// Time as the lockout needs it, injected so tests can move it. The wall clock can be changed by
// whoever holds the device; the monotonic clock cannot, but it restarts at every boot, so its
// readings compare only within one boot (bootId).
class Clock
{
public:
    virtual ~Clock() = default;
    [[nodiscard]] virtual qint64 wallMs() const = 0; // ms since the Unix epoch
    [[nodiscard]] virtual qint64
    monotonicMs() const = 0;                             // ms since an arbitrary point of this boot
    [[nodiscard]] virtual QByteArray bootId() const = 0; // differs between boots; empty = unknown
};

// The real clocks: wall time, CLOCK_BOOTTIME (keeps running in suspend), the kernel's boot id.
class SystemClock final : public Clock
{
public:
    [[nodiscard]] qint64 wallMs() const override;
    [[nodiscard]] qint64 monotonicMs() const override;
    [[nodiscard]] QByteArray bootId() const override;
};

// A clock that moves only when told to (tests, the HQ console's dry runs).
class ManualClock final : public Clock
{
public:
    explicit ManualClock(qint64 wallMs = 1'750'000'000'000, qint64 monotonicMs = 1'000'000)
        : m_wall(wallMs)
        , m_mono(monotonicMs)
    {}
    [[nodiscard]] qint64 wallMs() const override { return m_wall; }
    [[nodiscard]] qint64 monotonicMs() const override { return m_mono; }
    [[nodiscard]] QByteArray bootId() const override
    {
        return "boot-" + QByteArray::number(m_boot);
    }

    void advance(qint64 ms)
    {
        m_wall += ms;
        m_mono += ms;
    }
    void setWall(qint64 wallMs) { m_wall = wallMs; } // the user changes the clock
    void reboot(qint64 downtimeMs = 0)
    {
        ++m_boot;
        m_wall += downtimeMs;
        m_mono = 1'000;
    }

private:
    qint64 m_wall;
    qint64 m_mono;
    int m_boot = 0;
};

} // namespace liaison::vault
