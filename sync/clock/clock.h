#pragma once

// DESIGN.md "Data" (clock rule), "Streams" (gap timer), "Unlock, lockout, auto-lock": the one
// time source of the whole core. Injected everywhere (STYLE.md habit 9): product code uses
// SystemClock, tests use ManualClock and move wall, boot and online time independently (a device
// whose wall clock is wrong, a device that sleeps, a reboot).
//
// Three readings:
// - wallMs: Unix ms. Whoever holds the device can set it, in both directions.
// - bootMs: CLOCK_BOOTTIME ms. Never goes back and keeps running while the device is suspended,
//   but restarts at every boot, so two readings compare only when bootId() is the same.
// - onlineMs: ms during which the device was online (connectivity up), for gap timers; by default
//   the boot clock (every moment counts as online).

#include <QByteArray>
#include <QtGlobal>

namespace liaison {

class Clock
{
public:
    virtual ~Clock() = default;
    [[nodiscard]] virtual qint64 wallMs() const = 0;
    [[nodiscard]] virtual qint64 bootMs() const = 0;
    // Differs between boots; empty = unknown (then bootMs readings are not kept across runs).
    [[nodiscard]] virtual QByteArray bootId() const = 0;
    [[nodiscard]] virtual qint64 onlineMs() const { return bootMs(); }
};

// The real clocks: wall time, CLOCK_BOOTTIME, the kernel's boot id.
class SystemClock final : public Clock
{
public:
    [[nodiscard]] qint64 wallMs() const override;
    [[nodiscard]] qint64 bootMs() const override;
    [[nodiscard]] QByteArray bootId() const override;
};

// A clock that moves only when told to (tests, dry runs).
class ManualClock final : public Clock
{
public:
    explicit ManualClock(qint64 wallMs = 1'780'000'000'000, qint64 bootMs = 1'000)
        : m_wall(wallMs)
        , m_boot(bootMs)
    {}
    [[nodiscard]] qint64 wallMs() const override { return m_wall; }
    [[nodiscard]] qint64 bootMs() const override { return m_boot; }
    [[nodiscard]] QByteArray bootId() const override
    {
        return "boot-" + QByteArray::number(m_bootNo);
    }
    [[nodiscard]] qint64 onlineMs() const override { return m_online; }

    // Real time passes: wall and boot clocks move; online time too unless the device is offline.
    void advance(qint64 ms, bool online = true)
    {
        m_wall += ms;
        m_boot += ms;
        if (online)
            m_online += ms;
    }
    // Someone sets the wall clock; nothing else moves.
    void setWall(qint64 wallMs) { m_wall = wallMs; }
    // The device restarts: a new boot id, the boot clock starts again; the wall clock moves on by
    // the time the device was off.
    void reboot(qint64 downtimeMs = 0)
    {
        ++m_bootNo;
        m_wall += downtimeMs;
        m_boot = 1'000;
    }

private:
    qint64 m_wall;
    qint64 m_boot;
    qint64 m_online = 0;
    int m_bootNo = 0;
};

} // namespace liaison
