#pragma once

// Retry delays for the sync engine: exponential backoff with jitter, reset on success.
//
// After the n-th consecutive failure the nominal delay is min(max, initial * 2^(n-1)); the delay
// used is drawn uniformly from [nominal / 2, nominal] ("equal jitter"), so that devices that lost
// the relay at the same moment do not all come back at the same moment. The random draw is
// crypto::randomUniform (libsodium); tests may inject their own source.

#include <cstdint>
#include <functional>

namespace liaison::client {

struct BackoffPolicy
{
    std::int64_t initialMs = 2'000;
    std::int64_t maxMs = 15 * 60 * 1000;
};

class Backoff
{
public:
    // Returns a value in [0, upperBound). Default: crypto::randomUniform.
    using Random = std::function<std::uint32_t(std::uint32_t upperBound)>;

    explicit Backoff(BackoffPolicy policy = {}, Random random = {});

    // A failure: the delay before the next attempt (ms).
    [[nodiscard]] std::int64_t nextDelayMs();
    // The nominal (un-jittered) delay the next failure would give.
    [[nodiscard]] std::int64_t nominalDelayMs() const;
    void reset() { m_failures = 0; }
    [[nodiscard]] int failures() const { return m_failures; }
    [[nodiscard]] const BackoffPolicy &policy() const { return m_policy; }

private:
    BackoffPolicy m_policy;
    Random m_random;
    int m_failures = 0;
};

} // namespace liaison::client
