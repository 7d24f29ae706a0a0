#pragma once

// Failed-unlock counter and next allowed time (DESIGN.md "Unlock, lockout, auto-lock").
// Kept twice: in a state file beside the vault (temp, fsync, rename) and in a key-store item;
// the larger record wins, so deleting or restoring one of them gains nothing. The counter is
// raised and synced before Argon2id starts and reset only after the database key is proven.

#include "clock/clock.h"
#include "error.h"
#include "keystore.h"

#include <QString>

#include <cstdint>

namespace liaison::vault {

struct LockoutRecord
{
    std::uint32_t failures = 0;
    qint64 nextAllowedWallMs = 0; // wall time of the end of the wait (0 = no wait)
    qint64 nextAllowedMonoMs = 0; // the same on the monotonic clock of boot `bootId`
    QByteArray bootId;            // at most 64 bytes
    friend bool operator==(const LockoutRecord &, const LockoutRecord &) = default;
};

[[nodiscard]] QByteArray encodeLockoutRecord(const LockoutRecord &record);
[[nodiscard]] Result<LockoutRecord> parseLockoutRecord(QByteArrayView bytes);

class Lockout
{
public:
    // Failures 1-4 are free; after the 5th the next attempt waits 1 min, then 5 min, 15 min and
    // 1 h for every later one.
    [[nodiscard]] static qint64 delayAfterFailures(std::uint32_t failures);

    Lockout(QString statePath, KeyStore &keyStore, QString keyStoreAlias, Clock &clock);

    // The larger of the two records (an unreadable one counts as absent).
    [[nodiscard]] LockoutRecord current() const;
    // Milliseconds to wait before the next attempt, 0 when one is allowed now. Within the boot
    // that recorded the failure it runs on the monotonic clock, so changing the wall clock does
    // not shorten it; after a reboot the wall clock is used, never more than the full delay, and
    // the rest of the wait is moved onto the new boot's monotonic clock (written back).
    [[nodiscard]] qint64 msUntilAllowed();
    [[nodiscard]] qint64 nextAllowedWallMs(); // 0 when an attempt is allowed now

    // Count one attempt as failed and write both records durably. Call BEFORE Argon2id; if this
    // fails, do not attempt.
    [[nodiscard]] Status recordAttempt();
    // After the database key is proven. Written without waiting for the disk (losing it only
    // leaves the last attempt counted).
    [[nodiscard]] Status reset();
    // Remove both records (crypto-erase).
    [[nodiscard]] Status remove();

private:
    [[nodiscard]] Status store(const LockoutRecord &record, bool durable);
    QString m_statePath;
    KeyStore &m_keyStore;
    QString m_alias;
    Clock &m_clock;
};

} // namespace liaison::vault
