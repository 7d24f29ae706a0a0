#include "metrics.h"

#include <algorithm>

namespace liaison::relay {

void Metrics::recordRequest(const char *route, int status, double seconds, std::int64_t bytesIn,
                            std::int64_t bytesOut)
{
    const QByteArray r(route);
    ++m_requests[{r, status}];
    Histogram &h = m_latency[r];
    for (std::size_t i = 0; i < kBuckets.size(); ++i)
        if (seconds <= kBuckets[i])
            ++h.counts[i];
    ++h.count;
    h.sum += seconds;
    m_bytesIn += std::uint64_t(std::max<std::int64_t>(0, bytesIn));
    m_bytesOut += std::uint64_t(std::max<std::int64_t>(0, bytesOut));
}

void Metrics::recordRejection(const QByteArray &reason)
{
    ++m_rejections[reason];
}

void Metrics::recordStored(std::int64_t bytes)
{
    ++m_storedTotal;
    m_storedBytesTotal += std::uint64_t(bytes);
}

void Metrics::setStoreGauges(std::int64_t envelopes, std::int64_t bytes)
{
    m_envelopes = envelopes;
    m_envelopeBytes = bytes;
}

QByteArray Metrics::render() const
{
    QByteArray out;
    auto line = [&](const QByteArray &l) {
        out.append(l);
        out.append('\n');
    };
    line("# HELP liaison_relay_requests_total HTTP requests by route and status.");
    line("# TYPE liaison_relay_requests_total counter");
    QList<QPair<QByteArray, int>> keys = m_requests.keys();
    std::sort(keys.begin(), keys.end());
    for (const auto &k : keys)
        line("liaison_relay_requests_total{route=\"" + k.first + "\",status=\"" +
             QByteArray::number(k.second) + "\"} " + QByteArray::number(m_requests.value(k)));

    line("# HELP liaison_relay_request_duration_seconds Request latency by route.");
    line("# TYPE liaison_relay_request_duration_seconds histogram");
    QList<QByteArray> routes = m_latency.keys();
    std::sort(routes.begin(), routes.end());
    for (const QByteArray &r : routes) {
        const Histogram &h = m_latency[r];
        for (std::size_t i = 0; i < kBuckets.size(); ++i)
            line("liaison_relay_request_duration_seconds_bucket{route=\"" + r + "\",le=\"" +
                 QByteArray::number(kBuckets[i]) + "\"} " + QByteArray::number(h.counts[i]));
        line("liaison_relay_request_duration_seconds_bucket{route=\"" + r + "\",le=\"+Inf\"} " +
             QByteArray::number(h.count));
        line("liaison_relay_request_duration_seconds_sum{route=\"" + r + "\"} " +
             QByteArray::number(h.sum, 'f', 6));
        line("liaison_relay_request_duration_seconds_count{route=\"" + r + "\"} " +
             QByteArray::number(h.count));
    }

    line("# HELP liaison_relay_rejections_total Refused requests by reason.");
    line("# TYPE liaison_relay_rejections_total counter");
    QList<QByteArray> reasons = m_rejections.keys();
    std::sort(reasons.begin(), reasons.end());
    for (const QByteArray &r : reasons)
        line("liaison_relay_rejections_total{reason=\"" + r + "\"} " +
             QByteArray::number(m_rejections.value(r)));

    line("# HELP liaison_relay_envelopes_stored_total Envelopes stored by this process.");
    line("# TYPE liaison_relay_envelopes_stored_total counter");
    line("liaison_relay_envelopes_stored_total " + QByteArray::number(m_storedTotal));
    line("# HELP liaison_relay_envelope_bytes_stored_total Envelope bytes stored by this process.");
    line("# TYPE liaison_relay_envelope_bytes_stored_total counter");
    line("liaison_relay_envelope_bytes_stored_total " + QByteArray::number(m_storedBytesTotal));
    line("# HELP liaison_relay_envelopes Envelopes waiting in all mailboxes (whole database).");
    line("# TYPE liaison_relay_envelopes gauge");
    line("liaison_relay_envelopes " + QByteArray::number(m_envelopes));
    line("# HELP liaison_relay_envelope_bytes Bytes of envelopes waiting (whole database).");
    line("# TYPE liaison_relay_envelope_bytes gauge");
    line("liaison_relay_envelope_bytes " + QByteArray::number(m_envelopeBytes));
    line("# HELP liaison_relay_http_bytes_total HTTP body bytes by direction.");
    line("# TYPE liaison_relay_http_bytes_total counter");
    line("liaison_relay_http_bytes_total{direction=\"in\"} " + QByteArray::number(m_bytesIn));
    line("liaison_relay_http_bytes_total{direction=\"out\"} " + QByteArray::number(m_bytesOut));
    line("# HELP liaison_relay_connections Open client connections.");
    line("# TYPE liaison_relay_connections gauge");
    line("liaison_relay_connections " + QByteArray::number(m_connections));
    line("# HELP liaison_relay_db_queue Jobs waiting for a database worker.");
    line("# TYPE liaison_relay_db_queue gauge");
    line("liaison_relay_db_queue " + QByteArray::number(m_dbQueue));
    line("# HELP liaison_relay_db_jobs_total Database jobs run (each one round trip or more).");
    line("# TYPE liaison_relay_db_jobs_total counter");
    line("liaison_relay_db_jobs_total " + QByteArray::number(m_dbJobs));
    line("# HELP liaison_relay_key_lookups_total Key ids looked up in the database.");
    line("# TYPE liaison_relay_key_lookups_total counter");
    line("liaison_relay_key_lookups_total " + QByteArray::number(m_keyLookups));
    return out;
}

} // namespace liaison::relay
