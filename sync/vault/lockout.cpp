#include "lockout.h"

#include "store/atomicfile.h"

#include <QtEndian>

#include <algorithm>
#include <future>
#include <cstring>

namespace liaison::vault {
namespace {

constexpr char kMagic[4] = {'L', 'S', 'L', '1'};
constexpr qsizetype kFixedBytes = 4 + 4 + 8 + 8 + 1;

constexpr qint64 kMinute = 60'000;

} // namespace

QByteArray encodeLockoutRecord(const LockoutRecord &r)
{
    QByteArray out(kMagic, 4);
    char buf[8];
    qToBigEndian<std::uint32_t>(r.failures, buf);
    out.append(buf, 4);
    qToBigEndian<qint64>(r.nextAllowedWallMs, buf);
    out.append(buf, 8);
    qToBigEndian<qint64>(r.nextAllowedMonoMs, buf);
    out.append(buf, 8);
    const QByteArray boot = r.bootId.left(64);
    out.append(char(boot.size()));
    out.append(boot);
    return out;
}

Result<LockoutRecord> parseLockoutRecord(QByteArrayView bytes)
{
    if (bytes.size() < kFixedBytes || std::memcmp(bytes.data(), kMagic, 4) != 0)
        return fail(Errc::Malformed, QStringLiteral("lockout record is not readable"));
    const char *p = bytes.data() + 4;
    LockoutRecord r;
    r.failures = qFromBigEndian<std::uint32_t>(p);
    r.nextAllowedWallMs = qFromBigEndian<qint64>(p + 4);
    r.nextAllowedMonoMs = qFromBigEndian<qint64>(p + 12);
    const auto bootLen = qsizetype(std::uint8_t(p[20]));
    if (bootLen > 64 || bytes.size() != kFixedBytes + bootLen)
        return fail(Errc::Malformed, QStringLiteral("lockout record is not readable"));
    r.bootId = QByteArray(p + 21, bootLen);
    return r;
}

qint64 Lockout::delayAfterFailures(std::uint32_t failures)
{
    switch (failures) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4:
        return 0;
    case 5:
        return kMinute;
    case 6:
        return 5 * kMinute;
    case 7:
        return 15 * kMinute;
    default:
        return 60 * kMinute;
    }
}

Lockout::Lockout(QString statePath, KeyStore &keyStore, QString keyStoreAlias, Clock &clock)
    : m_statePath(std::move(statePath))
    , m_keyStore(keyStore)
    , m_alias(std::move(keyStoreAlias))
    , m_clock(clock)
{}

LockoutRecord Lockout::current() const
{
    LockoutRecord best;
    auto consider = [&best](const LockoutRecord &r) {
        if (r.failures > best.failures ||
            (r.failures == best.failures && r.nextAllowedWallMs > best.nextAllowedWallMs))
            best = r;
    };
    if (auto bytes = store::readSmallFile(m_statePath, 4096)) {
        if (auto r = parseLockoutRecord(*bytes))
            consider(*r);
    }
    if (auto secret = m_keyStore.read(m_alias)) {
        if (auto r = parseLockoutRecord(secret->view()))
            consider(*r);
    }
    return best;
}

qint64 Lockout::msUntilAllowed()
{
    const LockoutRecord r = current();
    const qint64 delay = delayAfterFailures(r.failures);
    if (delay == 0)
        return 0;
    const QByteArray boot = m_clock.bootId();
    if (!boot.isEmpty() && boot == r.bootId)
        return std::clamp<qint64>(r.nextAllowedMonoMs - m_clock.bootMs(), 0, delay);
    // Recorded in another boot: the monotonic reading means nothing now. Take what the wall
    // clock says is left, never more than the full delay, and move the wait onto this boot's
    // monotonic clock so that later wall-clock changes do not matter.
    const qint64 remaining = std::clamp<qint64>(r.nextAllowedWallMs - m_clock.wallMs(), 0, delay);
    if (remaining > 0 && !boot.isEmpty()) {
        LockoutRecord rebased = r;
        rebased.bootId = boot;
        rebased.nextAllowedMonoMs = m_clock.bootMs() + remaining;
        rebased.nextAllowedWallMs = m_clock.wallMs() + remaining;
        (void)store(rebased, true); // best effort; the next call computes the same again
    }
    return remaining;
}

qint64 Lockout::nextAllowedWallMs()
{
    const qint64 wait = msUntilAllowed();
    return wait > 0 ? m_clock.wallMs() + wait : 0;
}

Status Lockout::store(const LockoutRecord &record, bool durable)
{
    const QByteArray bytes = encodeLockoutRecord(record);
    // Key store first: it is the copy that is harder to roll back.
    if (durable) {
        // Both copies are flushed at the same time: the state file on a helper thread (plain
        // POSIX calls), the key store on this thread (platform key stores may be bound to it).
        auto file = std::async(std::launch::async, [path = m_statePath, bytes] {
            return store::writeFileAtomically(path, bytes, 0600);
        });
        Status inStore = m_keyStore.write(m_alias, bytes);
        Status inFile = file.get();
        if (!inStore)
            return inStore;
        return inFile;
    }
    if (auto s = m_keyStore.writeRelaxed(m_alias, bytes); !s)
        return s;
    return store::writeFileReplacingRelaxed(m_statePath, bytes, 0600);
}

Status Lockout::recordAttempt()
{
    LockoutRecord r = current();
    // The wait still running (if any) is carried over, never shortened.
    const qint64 stillWaiting = msUntilAllowed();
    r.failures += 1;
    const qint64 delay = std::max(delayAfterFailures(r.failures), stillWaiting);
    r.bootId = m_clock.bootId();
    r.nextAllowedMonoMs = m_clock.bootMs() + delay;
    r.nextAllowedWallMs = m_clock.wallMs() + delay;
    return store(r, true);
}

Status Lockout::reset()
{
    // Not waited for: if a power cut loses it, the attempt that just succeeded stays counted,
    // which errs on the safe side, and the next successful unlock resets again. This keeps two
    // disk flushes off every unlock.
    return store(LockoutRecord{}, false);
}

Status Lockout::remove()
{
    auto a = m_keyStore.remove(m_alias);
    auto b = store::overwriteAndRemove(m_statePath);
    if (!a)
        return a;
    return b;
}

} // namespace liaison::vault
