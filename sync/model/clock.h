#pragma once

// Time sources, injected everywhere (STYLE.md habit 9). Product code uses SystemClock; tests use
// ManualClock and move wall and monotonic time independently (a device whose wall clock is wrong).

#include <QElapsedTimer>
#include <QtGlobal>

namespace liaison::model {

class Clock
{
public:
    virtual ~Clock() = default;
    // Wall-clock time, Unix milliseconds. May jump in both directions (the officer sets it).
    [[nodiscard]] virtual qint64 wallMs() const = 0;
    // Monotonic milliseconds since an arbitrary origin; never goes back while the process lives.
    [[nodiscard]] virtual qint64 monotonicMs() const = 0;
};

class SystemClock final : public Clock
{
public:
    SystemClock();
    [[nodiscard]] qint64 wallMs() const override;
    [[nodiscard]] qint64 monotonicMs() const override;

private:
    QElapsedTimer m_timer;
};

// A clock for tests: both parts move only when told.
class ManualClock final : public Clock
{
public:
    explicit ManualClock(qint64 wallMs = 1'780'000'000'000, qint64 monotonicMs = 1'000)
        : m_wall(wallMs)
        , m_mono(monotonicMs)
    {}
    [[nodiscard]] qint64 wallMs() const override { return m_wall; }
    [[nodiscard]] qint64 monotonicMs() const override { return m_mono; }

    // Real time passes: both clocks move.
    void advance(qint64 ms)
    {
        m_wall += ms;
        m_mono += ms;
    }
    // Someone sets the wall clock; monotonic time does not move.
    void setWall(qint64 wallMs) { m_wall = wallMs; }

private:
    qint64 m_wall;
    qint64 m_mono;
};

} // namespace liaison::model
