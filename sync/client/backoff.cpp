#include "backoff.h"

#include "crypto/crypto.h"

#include <algorithm>

namespace liaison::client {

Backoff::Backoff(BackoffPolicy policy, Random random)
    : m_policy(policy)
    , m_random(std::move(random))
{
    m_policy.initialMs = std::max<std::int64_t>(1, m_policy.initialMs);
    m_policy.maxMs = std::max(m_policy.initialMs, m_policy.maxMs);
    if (!m_random)
        m_random = [](std::uint32_t upper) {
            return crypto::randomUniform(upper);
        };
}

std::int64_t Backoff::nominalDelayMs() const
{
    std::int64_t d = m_policy.initialMs;
    for (int i = 0; i < m_failures && d < m_policy.maxMs; ++i)
        d *= 2;
    return std::min(d, m_policy.maxMs);
}

std::int64_t Backoff::nextDelayMs()
{
    const std::int64_t nominal = nominalDelayMs();
    if (m_failures < 64)
        ++m_failures;
    const std::int64_t half = nominal / 2;
    const std::int64_t span = nominal - half; // draw in [half, nominal]
    const auto bound = std::uint32_t(std::min<std::int64_t>(span + 1, 0xffffffffLL));
    return half + std::int64_t(m_random(bound));
}

} // namespace liaison::client
