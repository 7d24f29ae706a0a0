#pragma once

// Hybrid logical clock of DESIGN.md "Data": stamps (ms u48, counter u16, origin u128), totally
// ordered by (ms, counter, origin). The high-water mark is persisted by the RecordStore, so a
// restarted device never stamps below what it already issued or observed.
//
// Reference time (DESIGN.md "Data", clock rule): a verified HQ time (the time HQ sealed a
// HEARTBEAT or RESYNC) is a *lower bound* of now: now >= hqTime + boot-clock time elapsed since it
// arrived. The bound is kept across unlocks and restarts (the RecordStore persists it with the
// boot id; on another boot the elapsed time before the restart is simply not counted, which keeps
// it a lower bound). Only a wall clock more than 2 minutes *behind* the bound is provably wrong:
// then stamps use the bound and wallClockOff() tells the UI. A wall clock that is ahead cannot be
// proven wrong by a HEARTBEAT; only HQ can say so (a ClockAhead REJECT, noteWallAhead()), and from
// then on stamps use the bound while the wall clock stays more than 10 minutes ahead of it.
//
// The high-water mark is never put below a stamp this replica observed from another one.

#include "clock/clock.h"
#include "crypto/bytes.h"

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
    // HQ refuses stamps more than this ahead of its clock (DESIGN.md "Data"). A high-water mark
    // of our own further than this ahead of the time stamps are based on cannot have been
    // accepted; it is dropped (down to the newest observed stamp) instead of pinning every later
    // stamp.
    static constexpr qint64 kPoisonedAheadMs = 10 * 60 * 1000;

    // The persisted reference: a lower bound of now (hqMs) as of bootMs on the boot bootId.
    struct Reference
    {
        qint64 hqMs = 0;
        qint64 bootMs = 0;
        QByteArray bootId;
    };

    HybridClock(const Clock &clock, const crypto::Id16 &origin);

    [[nodiscard]] const crypto::Id16 &origin() const { return m_origin; }

    // The persisted high-water mark (ms, counter of the largest stamp issued or observed).
    void restore(quint64 ms48, quint16 counter);
    [[nodiscard]] quint64 highWaterMs() const { return m_ms; }
    [[nodiscard]] quint16 highWaterCounter() const { return m_counter; }
    // The newest stamp observed from another replica (persisted; the floor of a poison reset).
    void restoreObserved(quint64 ms48, quint16 counter);
    [[nodiscard]] quint64 observedMs() const { return m_obsMs; }
    [[nodiscard]] quint16 observedCounter() const { return m_obsCounter; }

    // A fresh stamp for a local event, strictly above everything issued or observed.
    [[nodiscard]] Hlc tick();
    // Raise the high-water mark to a stamp seen in an operation (another replica's stamps also
    // raise the observed floor).
    void observe(const Hlc &remote);

    // Verified HQ time from a HEARTBEAT or RESYNC, taken now (the boot clock is read at the call).
    // A time not above the current bound (a late HEARTBEAT from a backlog) changes nothing.
    // Returns whether the bound rose.
    bool setReference(qint64 hqTimeMs);
    // HQ refused one of our stamps as ClockAhead in an envelope it sealed at hqTimeMs (its clock
    // then): a bound more than kPoisonedAheadMs past that came from HQ times its clock has gone
    // back from (set back, or HQ restored), and stamps taken from it would be refused for good
    // (the `clocks` seeds 1, 6, 7 never settled). The bound drops to hqTimeMs. Returns whether it
    // changed.
    bool lowerReference(qint64 hqTimeMs);
    // A reference persisted earlier (possibly in another boot or process).
    void restoreReference(const Reference &ref);
    // What to persist: the bound as of now, on this boot.
    [[nodiscard]] std::optional<Reference> reference() const;
    void clearReference()
    {
        m_reference.reset();
        m_wallAhead = false;
    }
    [[nodiscard]] bool hasReference() const { return m_reference.has_value(); }
    // HQ: the reference only bounds (RecordStore refuses edits far ahead of it), stamps never
    // come from it.
    void setBoundOnly(bool on) { m_boundOnly = on; }
    // The lower bound of now.
    [[nodiscard]] std::optional<qint64> referenceMs() const;

    // HQ refused one of our stamps as too far ahead of its clock: the wall clock is ahead.
    void noteWallAhead() { m_wallAhead = true; }
    void restoreWallAhead(bool ahead) { m_wallAhead = ahead; }
    [[nodiscard]] bool wallAheadNoted() const { return m_wallAhead; }

    // The physical time stamps are based on: the wall clock, or the bound when the wall clock is
    // more than kReferenceToleranceMs behind it (or HQ said it is ahead, and it is more than
    // kPoisonedAheadMs ahead of the bound).
    [[nodiscard]] qint64 physicalMs() const;
    // true when the wall clock is provably wrong: behind the bound by more than the tolerance,
    // or ahead as HQ said.
    [[nodiscard]] bool wallClockOff() const;
    [[nodiscard]] bool wallClockBehind() const;
    [[nodiscard]] bool wallClockAhead() const;
    // Times the high-water mark was dropped because it was impossibly far ahead.
    [[nodiscard]] int poisonResets() const { return m_poisonResets; }

private:
    struct Live
    {
        qint64 hqMs;
        qint64 bootAt;
    };
    const Clock &m_clock;
    crypto::Id16 m_origin;
    quint64 m_ms = 0;
    quint16 m_counter = 0;
    quint64 m_obsMs = 0;
    quint16 m_obsCounter = 0;
    std::optional<Live> m_reference;
    bool m_wallAhead = false;
    bool m_boundOnly = false;
    int m_poisonResets = 0;
};

} // namespace liaison::model
