#pragma once

// Prometheus text metrics. Labels are routes, statuses and reasons only: never device ids.
// Used from the Asio thread only.

#include <QByteArray>
#include <QHash>
#include <QPair>

#include <array>
#include <cstdint>

namespace liaison::relay {

class Metrics
{
public:
    void recordRequest(const char *route, int status, double seconds, std::int64_t bytesIn,
                       std::int64_t bytesOut);
    void recordRejection(const QByteArray &reason);
    void recordStored(std::int64_t bytes);
    void setStoreGauges(std::int64_t envelopes, std::int64_t bytes);
    void setConnections(std::int64_t open) { m_connections = open; }
    void setDbQueue(std::int64_t depth) { m_dbQueue = depth; }
    void setDbJobs(std::uint64_t total) { m_dbJobs = total; }
    void recordKeyLookup() { ++m_keyLookups; }

    [[nodiscard]] QByteArray render() const;

    static constexpr std::array<double, 12> kBuckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                     0.1,   0.25,   0.5,   1.0,  2.5,   10.0};

private:
    struct Histogram
    {
        std::array<std::uint64_t, kBuckets.size()> counts{};
        std::uint64_t count = 0;
        double sum = 0;
    };
    QHash<QPair<QByteArray, int>, std::uint64_t> m_requests;
    QHash<QByteArray, Histogram> m_latency;
    QHash<QByteArray, std::uint64_t> m_rejections;
    std::uint64_t m_storedTotal = 0;
    std::uint64_t m_storedBytesTotal = 0;
    std::uint64_t m_bytesIn = 0;
    std::uint64_t m_bytesOut = 0;
    std::int64_t m_envelopes = 0;
    std::int64_t m_envelopeBytes = 0;
    std::int64_t m_connections = 0;
    std::int64_t m_dbQueue = 0;
    std::uint64_t m_dbJobs = 0;
    std::uint64_t m_keyLookups = 0;
};

} // namespace liaison::relay
