// Lockout (issue 2, test 9): schedule on an injected clock, both records, erase-after.

#include "testmain.h"
#include "testsupport.h"
#include "vaultfixture.h"

#include <QFile>
#include <QFileInfo>
#include <QTest>

using namespace liaison;
using namespace liaison::vault;
using liaison::test::secret;
using liaison::test::VaultFixture;

namespace {
constexpr qint64 kMin = 60'000;

QByteArray readAll(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool writeAll(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
}

// One wrong attempt that must be allowed and counted.
bool failOnce(Vault &v)
{
    auto s = v.unlock(secret(test::kWrongPassphrase));
    return !s && s.error().code == Errc::WrongKey;
}

bool lockedOut(Vault &v)
{
    const std::uint32_t before = v.failureCount();
    auto s = v.unlock(secret(test::kPassphraseA)); // even the right passphrase waits
    return !s && s.error().code == Errc::LockedOut && v.failureCount() == before && !v.isUnlocked();
}
} // namespace

class TestLockout : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void delayTable()
    {
        const qint64 expected[] = {0, 0, 0, 0, 0, kMin, 5 * kMin, 15 * kMin, 60 * kMin, 60 * kMin};
        for (std::uint32_t n = 0; n < 10; ++n)
            QCOMPARE(Lockout::delayAfterFailures(n), expected[n]);
        QCOMPARE(Lockout::delayAfterFailures(1000), 60 * kMin);
    }

    void recordRoundTripAndMalformed()
    {
        LockoutRecord r{7, 1'750'000'123'456, 99'000, "boot-id-xyz"};
        const QByteArray bytes = encodeLockoutRecord(r);
        auto back = parseLockoutRecord(bytes);
        QVERIFY(back);
        QCOMPARE(*back, r);
        QVERIFY(!parseLockoutRecord(bytes.left(bytes.size() - 1)));
        QVERIFY(!parseLockoutRecord(bytes + "x"));
        QVERIFY(!parseLockoutRecord(QByteArray("LSL2") + bytes.mid(4)));
        QVERIFY(!parseLockoutRecord(QByteArray()));
    }

    // The schedule: failures 1-4 free, then 1 min, 5 min, 15 min, 1 h; erase at the count.
    void scheduleWithInjectedClock()
    {
        VaultFixture f;
        QVERIFY(f.create());
        auto vr = f.load();
        QVERIFY(vr);
        Vault &v = **vr;
        for (int i = 1; i <= 4; ++i) {
            QVERIFY(failOnce(v));
            QCOMPARE(v.failureCount(), std::uint32_t(i));
            QCOMPARE(v.msUntilNextAttempt(), 0);
            QCOMPARE(v.nextAllowedAt(), 0);
        }
        const qint64 waits[] = {kMin, 5 * kMin, 15 * kMin, 60 * kMin, 60 * kMin};
        for (int k = 0; k < 5; ++k) {
            QVERIFY(failOnce(v)); // failure 5 + k
            QCOMPARE(v.failureCount(), std::uint32_t(5 + k));
            QCOMPARE(v.msUntilNextAttempt(), waits[k]);
            QCOMPARE(v.nextAllowedAt(), f.clock.wallMs() + waits[k]);
            QVERIFY(lockedOut(v));
            f.clock.advance(waits[k] - 1);
            QVERIFY(lockedOut(v));
            QCOMPARE(v.msUntilNextAttempt(), 1);
            f.clock.advance(1);
            QCOMPARE(v.msUntilNextAttempt(), 0);
        }
        QCOMPARE(v.failureCount(), 9u);
        QVERIFY(Vault::exists(f.dir));
        // The 10th failure reaches the default erase-after count: crypto-erase.
        auto s = v.unlock(secret(test::kWrongPassphrase));
        QVERIFY(!s);
        QCOMPARE(s.error().code, Errc::Erased);
        QVERIFY(!Vault::exists(f.dir));
        QVERIFY(!QFileInfo::exists(Vault::databasePath(f.dir)));
        QVERIFY(f.pepperEntries().isEmpty());
        auto after = v.unlock(secret(test::kPassphraseA));
        QVERIFY(!after);
        QCOMPARE(after.error().code, Errc::Erased);
    }

    void rightPassphraseResetsTheCounter()
    {
        VaultFixture f;
        QVERIFY(f.create());
        auto v = f.load();
        QVERIFY(v);
        for (int i = 0; i < 5; ++i)
            QVERIFY(failOnce(**v));
        QVERIFY(lockedOut(**v));
        f.clock.advance(kMin);
        QVERIFY((*v)->unlock(secret(test::kPassphraseA)));
        QCOMPARE((*v)->failureCount(), 0u);
        QCOMPARE((*v)->msUntilNextAttempt(), 0);
        (*v)->lock();
        QVERIFY(failOnce(**v)); // counting starts again from 1: free
        QCOMPARE((*v)->msUntilNextAttempt(), 0);
    }

    // Changing the wall clock does not shorten a wait within the same boot (monotonic clock);
    // after a reboot the wall clock is used but never gives more than the full delay.
    void wallClockChangesDoNotHelp()
    {
        VaultFixture f;
        QVERIFY(f.create());
        auto v = f.load();
        QVERIFY(v);
        for (int i = 0; i < 5; ++i)
            QVERIFY(failOnce(**v));
        f.clock.advance(kMin);
        QVERIFY(failOnce(**v));
        QCOMPARE((*v)->msUntilNextAttempt(), 5 * kMin);
        f.clock.setWall(f.clock.wallMs() + 24 * 60 * kMin); // a day ahead
        QVERIFY(lockedOut(**v));
        QCOMPARE((*v)->msUntilNextAttempt(), 5 * kMin);
        f.clock.setWall(f.clock.wallMs() - 48 * 60 * kMin); // a day behind the start
        QCOMPARE((*v)->msUntilNextAttempt(), 5 * kMin);
        // Reboot with the clock set far back: still at most the full delay.
        f.clock.reboot();
        QCOMPARE((*v)->msUntilNextAttempt(), 5 * kMin);
        f.clock.advance(5 * kMin);
        QCOMPARE((*v)->msUntilNextAttempt(), 0);
    }

    // The failure record is kept in the state file and in the key store; the larger wins.
    void largerRecordWins()
    {
        VaultFixture f;
        QVERIFY(f.create());
        auto v = f.load();
        QVERIFY(v);
        const QString state = Vault::lockoutPath(f.dir);
        QVERIFY(failOnce(**v));
        const QByteArray afterOne = readAll(state);
        QVERIFY(!afterOne.isEmpty());
        QVERIFY(failOnce(**v));
        QVERIFY(failOnce(**v));
        const QStringList lockoutItems =
            QDir(f.keyStoreDir).entryList({QStringLiteral("liaison-lockout-*")}, QDir::Files);
        QCOMPARE(lockoutItems.size(), 1);
        const QString item = QDir(f.keyStoreDir).filePath(lockoutItems.first());

        // Delete the state file: the key-store copy still says 3.
        QVERIFY(QFile::remove(state));
        QCOMPARE((*v)->failureCount(), 3u);
        // Roll the state file back to an older copy: still 3.
        QVERIFY(writeAll(state, afterOne));
        QCOMPARE((*v)->failureCount(), 3u);
        // Remove the key-store item instead and restore the state file: the file says 3.
        QVERIFY(failOnce(**v)); // 4, written to both
        QVERIFY(QFile::remove(item));
        QCOMPARE((*v)->failureCount(), 4u);
        // Garbage in one record: the other counts, and so does its wait.
        QVERIFY(failOnce(**v)); // 5, both records again
        QVERIFY(QFileInfo::exists(item));
        QVERIFY(writeAll(state, "garbage"));
        QCOMPARE((*v)->failureCount(), 5u);
        QVERIFY(lockedOut(**v));
        QCOMPARE((*v)->msUntilNextAttempt(), kMin);
    }

    void eraseAfterIsThePolicyInTheKeyFile()
    {
        VaultFixture f;
        VaultOptions o = test::testVaultOptions();
        o.eraseAfter = 3;
        QVERIFY(f.create(test::kPassphraseA, o));
        auto v = f.load();
        QVERIFY(v);
        QCOMPARE((*v)->eraseAfter(), 3);
        QVERIFY(failOnce(**v));
        QVERIFY(failOnce(**v));
        auto s = (*v)->unlock(secret(test::kWrongPassphrase));
        QVERIFY(!s);
        QCOMPARE(s.error().code, Errc::Erased);
        QVERIFY(!Vault::exists(f.dir));

        VaultFixture g;
        VaultOptions never = test::testVaultOptions();
        never.eraseAfter = 0; // never erase: only the delays
        QVERIFY(g.create(test::kPassphraseA, never));
        auto w = g.load();
        QVERIFY(w);
        for (int i = 0; i < 12; ++i) {
            QVERIFY(failOnce(**w));
            g.clock.advance(60 * kMin);
        }
        QVERIFY(Vault::exists(g.dir));
        QVERIFY((*w)->unlock(secret(test::kPassphraseA)));
    }
};

LIAISON_TEST_MAIN(TestLockout)
#include "tst_lockout.moc"
