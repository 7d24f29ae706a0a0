#pragma once

// Time as the stream layer sees it; injected (tests use FakeStreamClock).

#include <cstdint>

namespace liaison::streams {

class StreamClock
{
public:
    virtual ~StreamClock() = default;
    // Wall clock, ms since the epoch (stamps, alarm times, "no word from HQ since").
    [[nodiscard]] virtual std::int64_t nowMs() const = 0;
    // A monotonic count of ms spent online (connectivity up). Gap timeouts run on this clock, so
    // a device that sits offline for a week does not give up on a gap it could still fill.
    [[nodiscard]] virtual std::int64_t onlineMs() const = 0;
};

class FakeStreamClock final : public StreamClock
{
public:
    [[nodiscard]] std::int64_t nowMs() const override { return m_now; }
    [[nodiscard]] std::int64_t onlineMs() const override { return m_online; }
    void setNow(std::int64_t ms) { m_now = ms; }
    // Advances both clocks (online) or only the wall clock (offline).
    void advance(std::int64_t ms, bool online = true)
    {
        m_now += ms;
        if (online)
            m_online += ms;
    }

private:
    std::int64_t m_now = 1'800'000'000'000;
    std::int64_t m_online = 0;
};

} // namespace liaison::streams
