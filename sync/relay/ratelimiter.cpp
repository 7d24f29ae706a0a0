#include "ratelimiter.h"

#include <algorithm>

namespace liaison::relay {

bool RateLimiter::take(const QByteArray &key, std::int64_t nowMs)
{
    auto it = m_buckets.find(key);
    if (it == m_buckets.end())
        it = m_buckets.insert(key, Bucket{m_burst, nowMs});
    Bucket &b = *it;
    const double elapsed = double(std::max<std::int64_t>(0, nowMs - b.lastMs)) / 1000.0;
    b.tokens = std::min(m_burst, b.tokens + elapsed * m_rate);
    b.lastMs = nowMs;
    if (b.tokens < 1.0)
        return false;
    b.tokens -= 1.0;
    return true;
}

bool RateLimiter::has(const QByteArray &key, std::int64_t nowMs) const
{
    const auto it = m_buckets.constFind(key);
    if (it == m_buckets.cend())
        return m_burst >= 1.0;
    const double elapsed = double(std::max<std::int64_t>(0, nowMs - it->lastMs)) / 1000.0;
    return std::min(m_burst, it->tokens + elapsed * m_rate) >= 1.0;
}

void RateLimiter::prune(std::int64_t nowMs)
{
    for (auto it = m_buckets.begin(); it != m_buckets.end();) {
        const double elapsed = double(std::max<std::int64_t>(0, nowMs - it->lastMs)) / 1000.0;
        if (it->tokens + elapsed * m_rate >= m_burst)
            it = m_buckets.erase(it);
        else
            ++it;
    }
}

} // namespace liaison::relay
