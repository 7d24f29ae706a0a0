#include "model/hlc.h"

#include <QtEndian>

#include <algorithm>
#include <cstdlib>

namespace liaison::model {

QByteArray Hlc::encode() const
{
    QByteArray out(kEncodedSize, Qt::Uninitialized);
    auto *p = reinterpret_cast<uchar *>(out.data());
    qToBigEndian<quint64>(ms48, p);
    qToBigEndian<quint16>(counter, p + 8);
    std::copy(origin.bytes.begin(), origin.bytes.end(), p + 10);
    return out;
}

std::optional<Hlc> Hlc::decode(QByteArrayView bytes)
{
    if (bytes.size() != kEncodedSize)
        return std::nullopt;
    const auto *p = reinterpret_cast<const uchar *>(bytes.data());
    Hlc h;
    h.ms48 = qFromBigEndian<quint64>(p);
    if (h.ms48 > kMaxMs)
        return std::nullopt;
    h.counter = qFromBigEndian<quint16>(p + 8);
    std::copy(p + 10, p + kEncodedSize, h.origin.bytes.begin());
    return h;
}

QString Hlc::toString() const
{
    return QStringLiteral("%1.%2@%3")
        .arg(ms48)
        .arg(counter)
        .arg(QString::fromLatin1(origin.toHex()));
}

HybridClock::HybridClock(const Clock &clock, const crypto::Id16 &origin)
    : m_clock(clock)
    , m_origin(origin)
{}

void HybridClock::restore(quint64 ms48, quint16 counter)
{
    if (ms48 > m_ms || (ms48 == m_ms && counter > m_counter)) {
        m_ms = std::min(ms48, Hlc::kMaxMs);
        m_counter = counter;
    }
}

void HybridClock::setReference(qint64 hqTimeMs)
{
    // HEARTBEATs can arrive late and out of a backlog: an older one never pulls the reference
    // back below what a newer one established.
    if (const auto current = referenceMs(); current && *current >= hqTimeMs)
        return;
    m_reference = Reference{hqTimeMs, m_clock.bootMs()};
}

std::optional<qint64> HybridClock::referenceMs() const
{
    if (!m_reference)
        return std::nullopt;
    return m_reference->hqMs + (m_clock.bootMs() - m_reference->monotonicAt);
}

bool HybridClock::wallClockOff() const
{
    const auto ref = referenceMs();
    return ref && std::llabs(m_clock.wallMs() - *ref) > kReferenceToleranceMs;
}

qint64 HybridClock::physicalMs() const
{
    const auto ref = referenceMs();
    const qint64 wall = m_clock.wallMs();
    if (ref && std::llabs(wall - *ref) > kReferenceToleranceMs)
        return *ref;
    return wall;
}

Hlc HybridClock::tick()
{
    const qint64 physical = physicalMs();
    const quint64 pt = quint64(std::clamp<qint64>(physical, 0, qint64(Hlc::kMaxMs)));
    if (const auto ref = referenceMs(); ref && qint64(m_ms) > *ref + kPoisonedAheadMs) {
        // Stamps this far ahead were rejected by HQ; keeping them would pin every later stamp.
        m_ms = 0;
        m_counter = 0;
        ++m_poisonResets;
    }
    if (pt > m_ms) {
        m_ms = pt;
        m_counter = 0;
    } else if (m_counter == 0xffff) {
        m_ms = std::min(m_ms + 1, Hlc::kMaxMs);
        m_counter = 0;
    } else {
        ++m_counter;
    }
    return Hlc{m_ms, m_counter, m_origin};
}

void HybridClock::observe(const Hlc &remote)
{
    restore(remote.ms48, remote.counter);
}

} // namespace liaison::model
