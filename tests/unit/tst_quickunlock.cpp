// Quick unlock in the vault (DESIGN.md "Unlock, lockout, auto-lock"; vault/quickticket.h): VK
// wrapped under the pepper and a quick secret the platform keeps behind biometrics. The platform
// half is a secret handed back and forth here (phone key stores cannot run on this machine).
//  - enabling needs the passphrase (a wrong one counts); the secret opens the locked vault and
//    nothing shorter or weaker is stored beside it;
//  - a wrong secret opens nothing and counts; kQuickUnlockMaxFailures closes it until the
//    passphrase; a quick unlock never resets the passphrase's failure counter;
//  - outside the window (or with the clock before its start) the passphrase is required; a
//    window changed in the file is refused (authenticated under VK);
//  - after a passphrase change or an erase the old secret opens nothing, even with the old file
//    put back;
//  - only a passphrase unlock renews the window.

#include "testmain.h"
#include "vaultfixture.h"

#include "vault/quickticket.h"

#include <QFile>
#include <QTest>

using namespace liaison;
using namespace liaison::test;

namespace {
constexpr std::int64_t kWindowMs = 12LL * 3600 * 1000;

QByteArray fileBytes(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool writeBytes(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
}

Errc codeOf(const Status &s)
{
    return s ? Errc::Ok : s.error().code;
}
} // namespace

class TestQuickUnlock : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void enableLockQuickUnlockOpens();
    void enableNeedsThePassphrase();
    void wrongSecretCountsAndCloses();
    void quickUnlockKeepsPassphraseFailures();
    void windowBoundsIt();
    void changedWindowIsRefused();
    void passphraseChangeKillsOldSecret();
    void eraseKillsIt();
    void onlyPassphraseRenews();
    void disableRemovesIt();
};

void TestQuickUnlock::enableLockQuickUnlockOpens()
{
    VaultFixture f;
    auto v = f.create();
    QVERIFY(v);
    QVERIFY(!(*v)->quickUnlockEnabled());
    auto qs = (*v)->enableQuickUnlock(secret(kPassphraseA), kWindowMs);
    QVERIFY2(qs, qPrintable(qs ? QString() : qs.error().message));
    QCOMPARE(qs->size(), vault::kQuickSecretBytes);
    QVERIFY((*v)->quickUnlockEnabled());
    // The file holds VK only wrapped: neither VK, the pepper nor the quick secret in the clear.
    const QByteArray file = fileBytes(vault::Vault::quickPath(f.dir));
    QCOMPARE(file.size(), vault::kQuickFileBytes);
    QVERIFY(!file.contains(qs->view()));
    (*v)->lock();

    auto again = f.load();
    QVERIFY(again);
    QVERIFY((*again)->quickUnlockAllowed());
    const Status s = (*again)->unlockQuick(*qs);
    QVERIFY2(s, qPrintable(s ? QString() : s.error().message));
    QVERIFY((*again)->isUnlocked());
    QVERIFY((*again)->identity() != nullptr);
    QCOMPARE((*again)->openedBy(), vault::Vault::OpenedBy::QuickUnlock);
}

void TestQuickUnlock::enableNeedsThePassphrase()
{
    VaultFixture f;
    auto v = f.create();
    QVERIFY(v);
    auto qs = (*v)->enableQuickUnlock(secret(kWrongPassphrase), kWindowMs);
    QVERIFY(!qs);
    QCOMPARE(qs.error().code, Errc::WrongKey);
    QCOMPARE((*v)->failureCount(), 1u); // counted like an unlock attempt
    QVERIFY(!(*v)->quickUnlockEnabled());
}

void TestQuickUnlock::wrongSecretCountsAndCloses()
{
    VaultFixture f;
    auto v = f.create();
    QVERIFY(v);
    auto qs = (*v)->enableQuickUnlock(secret(kPassphraseA), kWindowMs);
    QVERIFY(qs);
    (*v)->lock();
    auto locked = f.load();
    QVERIFY(locked);
    const crypto::SecretBytes wrong = crypto::SecretBytes::random(vault::kQuickSecretBytes);
    QCOMPARE(codeOf((*locked)->unlockQuick(wrong)), Errc::WrongKey);
    QCOMPARE((*locked)->quickUnlockFailures(), 1u);
    // Failed biometric prompts count the same way.
    QVERIFY((*locked)->recordQuickUnlockFailure());
    QVERIFY((*locked)->quickUnlockAllowed());
    QVERIFY((*locked)->recordQuickUnlockFailure());
    QCOMPARE((*locked)->quickUnlockFailures(), vault::kQuickUnlockMaxFailures);
    QVERIFY(!(*locked)->quickUnlockAllowed());
    // Now even the right secret is refused: the passphrase is required.
    QCOMPARE(codeOf((*locked)->unlockQuick(*qs)), Errc::Refused);
    QVERIFY(!(*locked)->isUnlocked());
    // The passphrase's own counter saw none of it.
    QCOMPARE((*locked)->failureCount(), 0u);
    // A passphrase unlock renews it and forgets the failures.
    QVERIFY((*locked)->unlock(secret(kPassphraseA)));
    QVERIFY((*locked)->renewQuickUnlock(kWindowMs));
    (*locked)->lock();
    QCOMPARE((*locked)->quickUnlockFailures(), 0u);
    QVERIFY((*locked)->unlockQuick(*qs));
}

void TestQuickUnlock::quickUnlockKeepsPassphraseFailures()
{
    VaultFixture f;
    auto v = f.create();
    QVERIFY(v);
    auto qs = (*v)->enableQuickUnlock(secret(kPassphraseA), kWindowMs);
    QVERIFY(qs);
    (*v)->lock();
    auto locked = f.load();
    QVERIFY(locked);
    QCOMPARE(codeOf((*locked)->unlock(secret(kWrongPassphrase))), Errc::WrongKey);
    QCOMPARE(codeOf((*locked)->unlock(secret(kWrongPassphrase))), Errc::WrongKey);
    QCOMPARE((*locked)->failureCount(), 2u);
    QVERIFY((*locked)->unlockQuick(*qs));
    // Only the passphrase resets the count the erase-after limit is measured by.
    QCOMPARE((*locked)->failureCount(), 2u);
    (*locked)->lock();
    QVERIFY((*locked)->unlock(secret(kPassphraseA)));
    QCOMPARE((*locked)->failureCount(), 0u);
}

void TestQuickUnlock::windowBoundsIt()
{
    VaultFixture f;
    auto v = f.create();
    QVERIFY(v);
    auto qs = (*v)->enableQuickUnlock(secret(kPassphraseA), kWindowMs);
    QVERIFY(qs);
    (*v)->lock();
    auto locked = f.load();
    QVERIFY(locked);
    f.clock.advance(kWindowMs - 1000);
    QVERIFY((*locked)->quickUnlockAllowed());
    QVERIFY((*locked)->unlockQuick(*qs));
    (*locked)->lock();
    f.clock.advance(2000); // past the window: a quick unlock did not renew it
    QVERIFY(!(*locked)->quickUnlockAllowed());
    QCOMPARE(codeOf((*locked)->unlockQuick(*qs)), Errc::Refused);
    // A wall clock set before the window's start does not reopen it either.
    f.clock.setWall(f.clock.wallMs() - 2 * kWindowMs);
    QVERIFY(!(*locked)->quickUnlockAllowed());
    QCOMPARE(codeOf((*locked)->unlockQuick(*qs)), Errc::Refused);
}

void TestQuickUnlock::changedWindowIsRefused()
{
    VaultFixture f;
    auto v = f.create();
    QVERIFY(v);
    auto qs = (*v)->enableQuickUnlock(secret(kPassphraseA), 60'000);
    QVERIFY(qs);
    (*v)->lock();
    f.clock.advance(120'000);
    // Someone with the files stretches the window to a year: the MAC under VK says no.
    auto ticket = vault::parseQuickTicket(fileBytes(vault::Vault::quickPath(f.dir)));
    QVERIFY(ticket);
    ticket->windowMs = 365LL * 24 * 3600 * 1000;
    QVERIFY(writeBytes(vault::Vault::quickPath(f.dir), vault::encodeQuickTicket(*ticket)));
    auto locked = f.load();
    QVERIFY(locked);
    QCOMPARE(codeOf((*locked)->unlockQuick(*qs)), Errc::Tampered);
    QVERIFY(!(*locked)->isUnlocked());
    QVERIFY(!(*locked)->quickUnlockEnabled()); // dropped
    QVERIFY((*locked)->unlock(secret(kPassphraseA)));
}

void TestQuickUnlock::passphraseChangeKillsOldSecret()
{
    VaultFixture f;
    auto v = f.create();
    QVERIFY(v);
    auto qs = (*v)->enableQuickUnlock(secret(kPassphraseA), kWindowMs);
    QVERIFY(qs);
    const QByteArray oldFile = fileBytes(vault::Vault::quickPath(f.dir));
    QVERIFY((*v)->changePassphrase(secret(kPassphraseA), secret(kPassphraseB)));
    QVERIFY(!(*v)->quickUnlockEnabled()); // dropped with the old pepper
    (*v)->lock();
    auto locked = f.load();
    QVERIFY(locked);
    QCOMPARE(codeOf((*locked)->unlockQuick(*qs)), Errc::NotFound);
    // The old file put back: bound to the old key file, and its pepper is gone.
    QVERIFY(writeBytes(vault::Vault::quickPath(f.dir), oldFile));
    const Status s = (*locked)->unlockQuick(*qs);
    QVERIFY(!s);
    QVERIFY(!(*locked)->isUnlocked());
    QVERIFY((*locked)->unlock(secret(kPassphraseB)));
}

void TestQuickUnlock::eraseKillsIt()
{
    VaultFixture f;
    auto v = f.create();
    QVERIFY(v);
    auto qs = (*v)->enableQuickUnlock(secret(kPassphraseA), kWindowMs);
    QVERIFY(qs);
    const QByteArray oldFile = fileBytes(vault::Vault::quickPath(f.dir));
    QVERIFY((*v)->recordQuickUnlockFailure()); // a counter in the key store too
    QVERIFY(!f.keyStoreEntries().filter(QStringLiteral("quick")).isEmpty());
    QVERIFY((*v)->erase());
    QVERIFY(!QFile::exists(vault::Vault::quickPath(f.dir)));
    QVERIFY(f.keyStoreEntries().filter(QStringLiteral("quick")).isEmpty());
    // Even the quick file put back opens nothing: the pepper is gone.
    QVERIFY(writeBytes(vault::Vault::quickPath(f.dir), oldFile));
    auto loaded = f.load();
    QVERIFY(!loaded); // no key file: nothing to open
    QCOMPARE(codeOf((*v)->unlockQuick(*qs)), Errc::Erased);
}

void TestQuickUnlock::onlyPassphraseRenews()
{
    VaultFixture f;
    auto v = f.create();
    QVERIFY(v);
    auto qs = (*v)->enableQuickUnlock(secret(kPassphraseA), kWindowMs);
    QVERIFY(qs);
    (*v)->lock();
    auto locked = f.load();
    QVERIFY(locked);
    QVERIFY((*locked)->unlockQuick(*qs));
    // Opened by quick unlock: it cannot extend itself.
    QCOMPARE(codeOf((*locked)->renewQuickUnlock(kWindowMs)), Errc::Refused);
    (*locked)->lock();
    f.clock.advance(kWindowMs + 1);
    QCOMPARE(codeOf((*locked)->unlockQuick(*qs)), Errc::Refused);
    QVERIFY((*locked)->unlock(secret(kPassphraseA)));
    QCOMPARE((*locked)->openedBy(), vault::Vault::OpenedBy::Passphrase);
    QVERIFY((*locked)->renewQuickUnlock(kWindowMs));
    (*locked)->lock();
    QVERIFY((*locked)->quickUnlockAllowed());
    QVERIFY((*locked)->unlockQuick(*qs));
}

void TestQuickUnlock::disableRemovesIt()
{
    VaultFixture f;
    auto v = f.create();
    QVERIFY(v);
    auto qs = (*v)->enableQuickUnlock(secret(kPassphraseA), kWindowMs);
    QVERIFY(qs);
    QVERIFY((*v)->disableQuickUnlock());
    QVERIFY(!QFile::exists(vault::Vault::quickPath(f.dir)));
    (*v)->lock();
    auto locked = f.load();
    QVERIFY(locked);
    QCOMPARE(codeOf((*locked)->unlockQuick(*qs)), Errc::NotFound);
}

LIAISON_TEST_MAIN(TestQuickUnlock)
#include "tst_quickunlock.moc"
