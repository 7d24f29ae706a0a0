#pragma once

// Hybrid logical clock of DESIGN.md "Data": stamps (ms u48, counter u16, origin u128), totally
// ordered by (ms, counter, origin). The high-water mark is persisted by the RecordStore, so a
// restarted device never stamps below what it already issued or observed.
//
// Reference time: after a verified HEARTBEAT the receiver calls setReference(hqTimeMs). From then
// on the reference is that HQ time plus the monotonic time elapsed since. If the wall clock differs
// from the reference by more than 2 minutes, stamps use the reference and wallClockOff() tells the
// UI to ask the officer to fix the clock.

#include "crypto/bytes.h"
#include "clock/clock.h"

#include <QByteArray>
#include <QString>

#include <compare>
#include <cstdint>
#include <optional>

namespace liaison::model {

struct Hlc
{
    quint64 ms48 = 0; // Unix milliseconds, < 2^48
    quint16 counter = 0;
    crypto::Id16 origin;

    static constexpr quint64 kMaxMs = (quint64(1) << 48) - 1;
    static constexpr int kEncodedSize = 8 + 2 + 16;

    friend bool operator==(const Hlc &, const Hlc &) = default;
    friend std::strong_ordering operator<=>(const Hlc &a, const Hlc &b)
    {
        if (auto c = a.ms48 <=> b.ms48; c != 0)
            return c;
        if (auto c = a.counter <=> b.counter; c != 0)
            return c;
        return a.origin <=> b.origin;
    }

    [[nodiscard]] bool isNull() const { return ms48 == 0 && counter == 0 && origin.isZero(); }
    // 26 bytes big-endian: ms (8) | counter (2) | origin (16). memcmp order equals stamp order,
    // so SQLite compares stored stamps correctly as BLOBs.
    [[nodiscard]] QByteArray encode() const;
    [[nodiscard]] static std::optional<Hlc> decode(QByteArrayView bytes);
    [[nodiscard]] QString toString() const; // "ms.counter@originhex", for dumps and logs
};

class HybridClock
{
public:
    static constexpr qint64 kReferenceToleranceMs = 2 * 60 * 1000;
    // A high-water mark further than this ahead of a verified reference cannot have been accepted
    // by HQ (its clock bound is 10 min); it is dropped instead of pinning every later stamp.
    static constexpr qint64 kPoisonedAheadMs = 10 * 60 * 1000;

    HybridClock(const Clock &clock, const crypto::Id16 &origin);

    [[nodiscard]] const crypto::Id16 &origin() const { return m_origin; }

    // The persisted high-water mark (ms, counter of the largest stamp issued or observed).
    void restore(quint64 ms48, quint16 counter);
    [[nodiscard]] quint64 highWaterMs() const { return m_ms; }
    [[nodiscard]] quint16 highWaterCounter() const { return m_counter; }

    // A fresh stamp for a local event, strictly above everything issued or observed.
    [[nodiscard]] Hlc tick();
    // Raise the high-water mark to a stamp seen in a remote operation.
    void observe(const Hlc &remote);

    // Verified HQ time from a HEARTBEAT, taken now (monotonic time is read at the call). A time
    // older than the current reference (a late HEARTBEAT from a backlog) is ignored.
    void setReference(qint64 hqTimeMs);
    void clearReference() { m_reference.reset(); }
    [[nodiscard]] bool hasReference() const { return m_reference.has_value(); }
    [[nodiscard]] std::optional<qint64> referenceMs() const;

    // The physical time stamps are based on: the wall clock, or the reference when they differ by
    // more than kReferenceToleranceMs.
    [[nodiscard]] qint64 physicalMs() const;
    // true when a reference exists and the wall clock is off by more than the tolerance.
    [[nodiscard]] bool wallClockOff() const;
    // Times the high-water mark was dropped because it was impossibly far ahead of the reference.
    [[nodiscard]] int poisonResets() const { return m_poisonResets; }

private:
    struct Reference
    {
        qint64 hqMs;
        qint64 monotonicAt;
    };
    const Clock &m_clock;
    crypto::Id16 m_origin;
    quint64 m_ms = 0;
    quint16 m_counter = 0;
    std::optional<Reference> m_reference;
    int m_poisonResets = 0;
};

} // namespace liaison::model
