#pragma once

// Token buckets per caller (key id, or the remote address for unauthenticated calls). Used from
// the Asio thread only. The limit is per relay process; with N processes behind a balancer the
// effective limit is at most N times the configured rate.

#include <QByteArray>
#include <QHash>

#include <cstdint>

namespace liaison::relay {

class RateLimiter
{
public:
    RateLimiter(double perSecond, double burst)
        : m_rate(perSecond)
        , m_burst(burst)
    {}

    // Takes one token; false when the caller has none left.
    [[nodiscard]] bool take(const QByteArray &key, std::int64_t nowMs);
    // Whether the caller has a token now (takes none).
    [[nodiscard]] bool has(const QByteArray &key, std::int64_t nowMs) const;
    // Drops buckets that have refilled completely (bounded memory).
    void prune(std::int64_t nowMs);
    [[nodiscard]] qsizetype size() const { return m_buckets.size(); }

private:
    struct Bucket
    {
        double tokens = 0;
        std::int64_t lastMs = 0;
    };
    double m_rate;
    double m_burst;
    QHash<QByteArray, Bucket> m_buckets;
};

} // namespace liaison::relay
