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

void HybridClock::restoreObserved(quint64 ms48, quint16 counter)
{
    if (ms48 > m_obsMs || (ms48 == m_obsMs && counter > m_obsCounter)) {
        m_obsMs = std::min(ms48, Hlc::kMaxMs);
        m_obsCounter = counter;
    }
    restore(ms48, counter);
}

bool HybridClock::setReference(qint64 hqTimeMs)
{
    // HEARTBEATs can arrive late and out of a backlog: an older one never pulls the bound back
    // below what a newer one (or the time elapsed since) established.
    if (const auto current = referenceMs(); current && *current >= hqTimeMs)
        return false;
    m_reference = Live{hqTimeMs, m_clock.bootMs()};
    return true;
}

// Any bound past HQ's clock at the refusal is dropped to it, not only one more than
// kPoisonedAheadMs past (hlc.h): soak seeds 5444 and 6049 had a bound a minute past HQ's clock
// and a wall clock 9 min past the bound, so every re-stamped write came 10 min ahead of HQ and
// was refused again, for ever.
bool HybridClock::lowerReference(qint64 hqTimeMs)
{
    const auto current = referenceMs();
    if (!current || *current <= hqTimeMs)
        return false;
    m_reference = Live{hqTimeMs, m_clock.bootMs()};
    return true;
}

void HybridClock::restoreReference(const Reference &ref)
{
    const qint64 bootNow = m_clock.bootMs();
    const QByteArray bootId = m_clock.bootId();
    // Same boot: the boot clock counts the time since (suspend included). Another boot (or an
    // unknown one): the time before the restart is not known, so the bound restarts from here.
    const bool sameBoot = !bootId.isEmpty() && ref.bootId == bootId && ref.bootMs <= bootNow;
    const Live live{ref.hqMs, sameBoot ? ref.bootMs : bootNow};
    const qint64 bound = live.hqMs + (bootNow - live.bootAt);
    if (const auto current = referenceMs(); current && *current >= bound)
        return;
    m_reference = live;
}

std::optional<HybridClock::Reference> HybridClock::reference() const
{
    if (!m_reference)
        return std::nullopt;
    // The bound as of now: on another boot it is what can still be counted on.
    return Reference{*referenceMs(), m_clock.bootMs(), m_clock.bootId()};
}

std::optional<qint64> HybridClock::referenceMs() const
{
    if (!m_reference)
        return std::nullopt;
    return m_reference->hqMs + (m_clock.bootMs() - m_reference->bootAt);
}

bool HybridClock::wallClockBehind() const
{
    const auto ref = referenceMs();
    return ref && m_clock.wallMs() < *ref - kReferenceToleranceMs;
}

bool HybridClock::wallClockAhead() const
{
    const auto ref = referenceMs();
    return m_wallAhead && ref && m_clock.wallMs() > *ref + kPoisonedAheadMs;
}

bool HybridClock::wallClockOff() const
{
    return wallClockBehind() || wallClockAhead();
}

qint64 HybridClock::physicalMs() const
{
    if (!m_boundOnly && wallClockOff())
        return *referenceMs();
    return m_clock.wallMs();
}

Hlc HybridClock::tick()
{
    const qint64 physical = physicalMs();
    const quint64 pt = quint64(std::clamp<qint64>(physical, 0, qint64(Hlc::kMaxMs)));
    if (const auto ref = referenceMs();
        ref && qint64(m_ms) > std::max(*ref, physical) + kPoisonedAheadMs && m_ms > m_obsMs) {
        // Our own stamps this far ahead were refused by HQ; keeping them would pin every later
        // stamp. Never below what another replica stamped (those were accepted), and only once:
        // when the observed stamp is far ahead too, the next ticks go on from it (dropping to it
        // again would give the same stamp twice).
        m_ms = m_obsMs;
        m_counter = m_obsCounter;
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
    if (remote.origin == m_origin)
        restore(remote.ms48, remote.counter); // our own stamp, seen again
    else
        restoreObserved(remote.ms48, remote.counter);
}

} // namespace liaison::model
