// The key stores of platform/keystorefactory.h (issue 12 test 7; security review M-5): a real
// Secret Service (gnome-keyring-daemon on a private D-Bus session bus, see
// privatesecretservice.h) round-trips and keeps its items across a restart of the daemon; the
// software fallback round-trips; a vault copied without its key-store item opens nothing; the
// lockout kept in the key store is not reset by deleting files; the choice sticks to the data.

#include "desktop/softwarekeystore.h"
#include "keychainkeystore.h"
#include "keystorefactory.h"
#include "privatesecretservice.h"
#include "testmain.h"
#include "vaultfixture.h"

#include "crypto/crypto.h"
#include "vault/vault.h"

#include <QDirIterator>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace liaison;
using test::kPassphraseA;
using test::kWrongPassphrase;
using test::secret;
using test::testVaultOptions;

namespace {

const QString kService = QStringLiteral("liaison-tst-keystore");

// The test's own process talks to the private bus from here on.
void useBus(const QString &address)
{
    qputenv("DBUS_SESSION_BUS_ADDRESS", address.toUtf8());
}
void noBus()
{
    qputenv("DBUS_SESSION_BUS_ADDRESS", QByteArray());
}

bool anyFileContains(const QString &dir, QByteArrayView needle)
{
    QDirIterator it(dir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        QFile f(it.next());
        if (f.open(QIODevice::ReadOnly) && f.readAll().contains(needle))
            return true;
    }
    return false;
}

} // namespace

class TestKeyStore : public QObject
{
    Q_OBJECT

    test::PrivateSecretService m_service;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(m_service.startBus(), qPrintable(m_service.error()));
        QVERIFY2(m_service.startKeyring(), qPrintable(m_service.error()));
    }

    void softwareFallbackRoundTrips()
    {
        QTemporaryDir tmp;
        const QString dir = tmp.filePath(QStringLiteral("keystore"));
        for (bool asked : {true, false}) {
            // Asked for, or chosen because there is no session bus.
            noBus();
            auto store = platform::createKeyStore({dir, kService, asked});
            QVERIFY(store->description().contains(QStringLiteral("software")));
            QCOMPARE(store->kind(), vault::KeyStoreKind::SoftwareFile);
            QVERIFY(!store->isHardwareBacked());
            const crypto::SecretBytes secret = crypto::SecretBytes::random(32);
            QVERIFY(store->write(QStringLiteral("liaison-pepper-a"), secret.view()));
            auto back = store->read(QStringLiteral("liaison-pepper-a"));
            QVERIFY(back);
            QVERIFY(back->equals(secret));
            const QString file = dir + QStringLiteral("/liaison-pepper-a.key");
            QCOMPARE(int(QFile::permissions(file) & 0x0777), 0x0600); // rw- --- ---
            QVERIFY(store->remove(QStringLiteral("liaison-pepper-a")));
            QCOMPARE(store->read(QStringLiteral("liaison-pepper-a")).error().code, Errc::NotFound);
            QVERIFY(!QFile::exists(file));
        }
        QVERIFY(!QFile::exists(dir + QStringLiteral("/platform-key-store")));
    }

    void secretServiceRoundTrips()
    {
        useBus(m_service.address());
        QTemporaryDir tmp;
        const QString dir = tmp.filePath(QStringLiteral("keystore"));
        auto store = platform::createKeyStore({dir, kService, false});
        QVERIFY2(store->description().contains(QStringLiteral("Secret Service")),
                 qPrintable(store->description()));
        // The key ring, not the weaker file: apart from the vault's files, not hardware-backed.
        QCOMPARE(store->kind(), vault::KeyStoreKind::OsKeyRing);
        QVERIFY(!store->description().contains(QStringLiteral("weaker")));
        QVERIFY(!store->isHardwareBacked());

        // Binary, with NUL bytes, as the pepper is.
        crypto::SecretBytes secret = crypto::SecretBytes::random(32);
        secret.data()[0] = 0;
        secret.data()[17] = 0;
        QVERIFY(store->write(QStringLiteral("liaison-pepper-b"), secret.view()));
        auto back = store->read(QStringLiteral("liaison-pepper-b"));
        QVERIFY2(back, qPrintable(back ? QString() : back.error().message));
        QVERIFY(back->equals(secret));

        // Overwrite, then remove; a missing item is NotFound; removing it again succeeds.
        const crypto::SecretBytes second = crypto::SecretBytes::random(32);
        QVERIFY(store->write(QStringLiteral("liaison-pepper-b"), second.view()));
        QVERIFY(store->read(QStringLiteral("liaison-pepper-b"))->equals(second));
        QVERIFY(store->remove(QStringLiteral("liaison-pepper-b")));
        QCOMPARE(store->read(QStringLiteral("liaison-pepper-b")).error().code, Errc::NotFound);
        QVERIFY(store->remove(QStringLiteral("liaison-pepper-b")));
        QCOMPARE(store->read(QStringLiteral("never-written")).error().code, Errc::NotFound);
        QCOMPARE(store->write(QStringLiteral("../escape"), secret.view()).error().code,
                 Errc::InvalidArgument);

        // Nothing secret beside the vault: only the marker of the choice, no item file.
        QCOMPARE(QDir(dir).entryList(QDir::Files),
                 QStringList{QStringLiteral("platform-key-store")});
        QVERIFY(!anyFileContains(tmp.path(), second.view()));
        // And the key ring's own file holds it encrypted, not as it is.
        QVERIFY(QDir(m_service.keyringDir()).exists());
        QVERIFY(!anyFileContains(m_service.keyringDir(), second.view()));
    }

    void secretServiceSurvivesADaemonRestart()
    {
        useBus(m_service.address());
        QTemporaryDir tmp;
        auto made = platform::createKeyStore({tmp.path(), kService, false});
        QVERIFY(made->description().contains(QStringLiteral("Secret Service")));
        vault::KeyStore &store = *made;
        const crypto::SecretBytes secret = crypto::SecretBytes::random(32);
        QVERIFY(store.write(QStringLiteral("liaison-lockout-c"), secret.view()));

        QVERIFY2(m_service.stopKeyring(), qPrintable(m_service.error()));
        // The daemon is gone: a call fails (Io, with the reason), it does not hang or say
        // "not found". Once it is back, the same store object reads the item again (libsecret's
        // stale session is dropped and the call retried: "The session does not exist" before).
        auto gone = store.read(QStringLiteral("liaison-lockout-c"));
        QVERIFY(!gone);
        QCOMPARE(gone.error().code, Errc::Io);

        QVERIFY2(m_service.startKeyring(), qPrintable(m_service.error()));
        auto back = store.read(QStringLiteral("liaison-lockout-c"));
        QVERIFY2(back, qPrintable(back ? QString() : back.error().message));
        QVERIFY(back->equals(secret));
        QVERIFY(store.remove(QStringLiteral("liaison-lockout-c")));
    }

    void copiedVaultOpensNothing()
    {
        useBus(m_service.address());
        QTemporaryDir tmp;
        const QString keyStoreDir = tmp.filePath(QStringLiteral("keystore"));
        const QString dir = tmp.filePath(QStringLiteral("vault"));
        ManualClock clock;
        auto store = platform::createKeyStore({keyStoreDir, kService, false});
        QVERIFY(store->description().contains(QStringLiteral("Secret Service")));
        {
            auto v =
                vault::Vault::create(dir, secret(kPassphraseA), *store, clock, testVaultOptions());
            QVERIFY2(v, qPrintable(v ? QString() : v.error().message));
        }
        // The whole data folder (vault and key-store directory) copied elsewhere.
        const QString copy = tmp.filePath(QStringLiteral("copy"));
        QVERIFY(QDir().mkpath(copy + QStringLiteral("/vault")));
        QVERIFY(QDir().mkpath(copy + QStringLiteral("/keystore")));
        for (const QString &sub : {QStringLiteral("vault"), QStringLiteral("keystore")}) {
            for (const QString &name : QDir(tmp.filePath(sub)).entryList(QDir::Files))
                QVERIFY(QFile::copy(tmp.filePath(sub + QLatin1Char('/') + name),
                                    copy + QLatin1Char('/') + sub + QLatin1Char('/') + name));
        }

        // On this user's key ring the copy still opens (the item is there) ...
        {
            auto v = vault::Vault::load(copy + QStringLiteral("/vault"), *store, clock,
                                        testVaultOptions());
            QVERIFY(v);
            QVERIFY((*v)->unlock(secret(kPassphraseA)));
        }
        // ... on another user's (another machine's) key ring it opens nothing, with a clear
        // error, and the right passphrase does not help.
        QVERIFY(m_service.stopKeyring());
        m_service.switchToFreshHome();
        QVERIFY2(m_service.startKeyring(), qPrintable(m_service.error()));
        auto elsewhere =
            platform::createKeyStore({copy + QStringLiteral("/keystore"), kService, false});
        QVERIFY(elsewhere->description().contains(QStringLiteral("Secret Service")));
        auto v = vault::Vault::load(copy + QStringLiteral("/vault"), *elsewhere, clock,
                                    testVaultOptions());
        QVERIFY(v);
        auto s = (*v)->unlock(secret(kPassphraseA));
        QVERIFY(!s);
        QCOMPARE(s.error().code, Errc::Erased);
        QVERIFY2(s.error().message.contains(QStringLiteral("pepper")),
                 qPrintable(s.error().message));
        QVERIFY(!(*v)->isUnlocked());
        QVERIFY(!(*v)->database());
    }

    void lockoutInTheKeyStoreOutlivesDeletedFiles()
    {
        // M-5's proof, on the Secret Service: three failures, then the lockout file beside the
        // vault and the whole key-store directory deleted: the counter is still three.
        useBus(m_service.address());
        QTemporaryDir tmp;
        const QString keyStoreDir = tmp.filePath(QStringLiteral("keystore"));
        const QString dir = tmp.filePath(QStringLiteral("vault"));
        ManualClock clock;
        auto store = platform::createKeyStore({keyStoreDir, kService, false});
        {
            auto v =
                vault::Vault::create(dir, secret(kPassphraseA), *store, clock, testVaultOptions());
            QVERIFY(v);
        }
        {
            auto v = vault::Vault::load(dir, *store, clock, testVaultOptions());
            QVERIFY(v);
            for (int i = 0; i < 3; ++i)
                QCOMPARE((*v)->unlock(secret(kWrongPassphrase)).error().code, Errc::WrongKey);
            QCOMPARE((*v)->failureCount(), 3u);
        }
        QVERIFY(QFile::remove(vault::Vault::lockoutPath(dir)));
        QVERIFY(QDir(keyStoreDir).removeRecursively());
        auto again = platform::createKeyStore({keyStoreDir, kService, false});
        QVERIFY(again->description().contains(QStringLiteral("Secret Service")));
        auto v = vault::Vault::load(dir, *again, clock, testVaultOptions());
        QVERIFY(v);
        QCOMPARE((*v)->failureCount(), 3u);
        QVERIFY((*v)->unlock(secret(kPassphraseA)));
    }

    void theChoiceSticksToTheData()
    {
        QTemporaryDir tmp;
        // A software store that holds items stays the software store, even with a key ring.
        const QString softDir = tmp.filePath(QStringLiteral("soft"));
        platform::SoftwareKeyStore soft(softDir);
        QVERIFY(soft.write(QStringLiteral("liaison-pepper-d"), QByteArrayView("0123456789abcdef")));
        useBus(m_service.address());
        auto kept = platform::createKeyStore({softDir, kService, false});
        QVERIFY(kept->description().contains(QStringLiteral("software")));
        QCOMPARE(kept->kind(), vault::KeyStoreKind::SoftwareFile);
        QVERIFY(kept->read(QStringLiteral("liaison-pepper-d")));

        // A folder whose items are in the key ring: without a bus, every call fails with Io and
        // says so; nothing falls back to files (that would read as "erased").
        const QString ringDir = tmp.filePath(QStringLiteral("ring"));
        auto ring = platform::createKeyStore({ringDir, kService, false});
        QVERIFY(ring->description().contains(QStringLiteral("Secret Service")));
        QVERIFY(
            ring->write(QStringLiteral("liaison-pepper-e"), QByteArrayView("fedcba9876543210")));
        noBus();
        auto unreachable = platform::createKeyStore({ringDir, kService, false});
        // Still the key ring's items (not reported as the weaker file store).
        QCOMPARE(unreachable->kind(), vault::KeyStoreKind::OsKeyRing);
        auto r = unreachable->read(QStringLiteral("liaison-pepper-e"));
        QVERIFY(!r);
        QCOMPARE(r.error().code, Errc::Io);
        QVERIFY2(r.error().message.contains(QStringLiteral("key ring")),
                 qPrintable(r.error().message));
        QCOMPARE(unreachable->write(QStringLiteral("x"), QByteArrayView("y")).error().code,
                 Errc::Io);
        QCOMPARE(QDir(ringDir).entryList(QDir::Files),
                 QStringList{QStringLiteral("platform-key-store")});
        useBus(m_service.address());
        QVERIFY(ring->remove(QStringLiteral("liaison-pepper-e")));
    }
};

LIAISON_TEST_MAIN(TestKeyStore)
#include "tst_keystore.moc"
