// The device vault (issue 2: vault section; tests 7 and 9's erase part).

#include "store/atomicfile.h"
#include "testmain.h"
#include "testsupport.h"
#include "vaultfixture.h"

#include <QFile>
#include <QFileInfo>
#include <QTest>

#include <QtEndian>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

using namespace liaison;
using namespace liaison::vault;
using liaison::test::secret;
using liaison::test::VaultFixture;

namespace {

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

Status appSchema(store::Database &db)
{
    return db.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT NOT NULL)");
}

VaultOptions withAppSchema()
{
    VaultOptions o = test::testVaultOptions();
    o.database.migrations = {appSchema};
    return o;
}

// Copy every file of a directory (a snapshot someone could take of the device storage).
QMap<QString, QByteArray> copyDir(const QString &dir)
{
    QMap<QString, QByteArray> out;
    for (const QString &name : QDir(dir).entryList(QDir::Files))
        out.insert(name, readAll(QDir(dir).filePath(name)));
    return out;
}

void restoreDir(const QString &dir, const QMap<QString, QByteArray> &files)
{
    QDir().mkpath(dir);
    for (auto it = files.begin(); it != files.end(); ++it)
        writeAll(QDir(dir).filePath(it.key()), it.value());
}

} // namespace

class TestVault : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void createUnlockLockRoundTrip()
    {
        VaultFixture f;
        crypto::SignPublicKey signPk;
        crypto::BoxPublicKey boxPk;
        {
            auto v = f.create(test::kPassphraseA, withAppSchema());
            QVERIFY2(v, qPrintable(v ? QString() : v.error().message));
            QVERIFY((*v)->isUnlocked());
            QVERIFY((*v)->database());
            QVERIFY((*v)->identity());
            QCOMPARE((*v)->generation(), 1u);
            QCOMPARE((*v)->eraseAfter(), kDefaultEraseAfter);
            signPk = (*v)->identity()->sign.publicKey;
            boxPk = (*v)->identity()->box.publicKey;
            auto st = (*v)->database()->prepare("INSERT INTO note (text) VALUES (?1)");
            QVERIFY(st);
            QVERIFY(st->bind(1, QStringLiteral("meet at the embassy")).exec());
            (*v)->lock();
            QVERIFY(!(*v)->isUnlocked());
            QVERIFY(!(*v)->database());
            QVERIFY(!(*v)->identity());
            QVERIFY((*v)->unlock(secret(test::kPassphraseA)));
            QCOMPARE(*(*v)->database()->queryInt64("SELECT count(*) FROM note"), 1);
        }
        QVERIFY(Vault::exists(f.dir));
        QCOMPARE(f.pepperEntries().size(), 1);
        auto v = f.load(withAppSchema());
        QVERIFY(v);
        QVERIFY(!(*v)->isUnlocked());
        QVERIFY(!(*v)->identity());
        QVERIFY((*v)->unlock(secret(test::kPassphraseA)));
        QCOMPARE((*v)->identity()->sign.publicKey, signPk);
        QCOMPARE((*v)->identity()->box.publicKey, boxPk);
        // The identity works: a signature made now verifies under the stored public key.
        const auto sig =
            crypto::crypto_sign_detached("LIAISN-sig-v1 x", (*v)->identity()->sign.secretKey);
        QVERIFY(crypto::crypto_sign_verify_detached(sig, "LIAISN-sig-v1 x", signPk));
        QCOMPARE(*(*v)->database()->queryInt64("SELECT count(*) FROM note"), 1);
        QCOMPARE((*v)->failureCount(), 0u);
        // The identity secrets live only inside the encrypted database.
        const QByteArray signSeedHex =
            (*v)->identity()->sign.secretKey.view().first(32).toByteArray();
        for (const QString &name : QDir(f.dir).entryList(QDir::Files))
            QVERIFY(!readAll(QDir(f.dir).filePath(name)).contains(signSeedHex));
    }

    void createRefusesWeakPassphraseAndLeavesNothing()
    {
        VaultFixture f;
        auto v = f.create("123456789012");
        QVERIFY(!v);
        QCOMPARE(v.error().code, Errc::WeakPassphrase);
        QVERIFY(!v.error().message.isEmpty());
        QVERIFY(!QFileInfo::exists(f.dir) || QDir(f.dir).isEmpty());
        QVERIFY(f.keyStoreEntries().isEmpty());
    }

    void createRefusesAnExistingVault()
    {
        VaultFixture f;
        QVERIFY(f.create());
        const QByteArray keyFile = readAll(Vault::keyFilePath(f.dir));
        auto again = f.create(test::kPassphraseB);
        QVERIFY(!again);
        QCOMPARE(again.error().code, Errc::AlreadyExists);
        QCOMPARE(readAll(Vault::keyFilePath(f.dir)), keyFile);
    }

    void wrongPassphraseIsCountedAndResetOnSuccess()
    {
        VaultFixture f;
        QVERIFY(f.create());
        auto v = f.load();
        QVERIFY(v);
        const auto dbBefore = test::snapshotDatabaseFiles(Vault::databasePath(f.dir));
        auto s = (*v)->unlock(secret(test::kWrongPassphrase));
        QVERIFY(!s);
        QCOMPARE(s.error().code, Errc::WrongKey);
        QVERIFY(!(*v)->isUnlocked());
        QCOMPARE((*v)->failureCount(), 1u);
        // The database was never opened.
        QCOMPARE(test::snapshotDatabaseFiles(Vault::databasePath(f.dir)), dbBefore);
        QVERIFY((*v)->unlock(secret(test::kPassphraseA)));
        QCOMPARE((*v)->failureCount(), 0u);
    }

    // The exact layout of DESIGN.md "Keys", part A, big-endian.
    void keyFileLayout()
    {
        VaultFixture f;
        auto v = f.create();
        QVERIFY(v);
        const QByteArray k = readAll(Vault::keyFilePath(f.dir));
        QCOMPARE(k.size(), 97 + 48);
        QCOMPARE(k.left(4), QByteArray("LSK1"));
        QCOMPARE(qFromBigEndian<quint16>(k.constData() + 4), quint16(1)); // format
        QCOMPARE(quint8(k[6]), quint8(1));                                // alg
        QCOMPARE(qFromBigEndian<quint32>(k.constData() + 7), crypto::kTestKdfParams.opslimit);
        QCOMPARE(qFromBigEndian<quint64>(k.constData() + 11), crypto::kTestKdfParams.memlimit);
        QCOMPARE(k.mid(59, 16), (*v)->vaultId().toByteArray());            // key file id
        QCOMPARE(qFromBigEndian<quint32>(k.constData() + 75), quint32(1)); // generation
        QCOMPARE(QStringLiteral("liaison-pepper-") + QString::fromLatin1(k.mid(79, 16).toHex()) +
                     QStringLiteral(".key"),
                 f.pepperEntries().value(0));                                      // pepper alias
        QCOMPARE(qFromBigEndian<quint16>(k.constData() + 95), kDefaultEraseAfter); // erase-after
        auto parsed = parseKeyFile(k);
        QVERIFY(parsed);
        QCOMPARE(encodeKeyFile(*parsed), k);
    }

    // Issue 2, test 7: parameters out of range: "damaged key file", not counted.
    void parametersOutOfRangeAreDamagedAndNotCounted_data()
    {
        QTest::addColumn<quint32>("ops");
        QTest::addColumn<quint64>("mem");
        QTest::newRow("ops 0") << 0u << quint64(64) * 1024 * 1024;
        QTest::newRow("ops 2") << 2u << quint64(64) * 1024 * 1024;
        QTest::newRow("ops 21") << 21u << quint64(64) * 1024 * 1024;
        QTest::newRow("ops max") << 0xffffffffu << quint64(64) * 1024 * 1024;
        QTest::newRow("mem 64MiB-1") << 3u << quint64(64) * 1024 * 1024 - 1;
        QTest::newRow("mem 1GiB+1") << 3u << quint64(1024) * 1024 * 1024 + 1;
        QTest::newRow("mem 0") << 3u << quint64(0);
        QTest::newRow("mem huge") << 3u << ~quint64(0);
        QTest::newRow("test ops, other mem") << 1u << quint64(16) * 1024 * 1024;
    }
    void parametersOutOfRangeAreDamagedAndNotCounted()
    {
        QFETCH(quint32, ops);
        QFETCH(quint64, mem);
        VaultFixture f;
        QVERIFY(f.create());
        const QString path = Vault::keyFilePath(f.dir);
        QByteArray k = readAll(path);
        qToBigEndian<quint32>(ops, k.data() + 7);
        qToBigEndian<quint64>(mem, k.data() + 11);
        QVERIFY(writeAll(path, k));
        auto loaded = f.load();
        QVERIFY(!loaded);
        QCOMPARE(loaded.error().code, Errc::DamagedKeyFile);
        QVERIFY(loaded.error().message.contains(QStringLiteral("damaged key file")));
        // A vault object loaded before the damage: unlock reports it, and nothing is counted.
        QByteArray good = k;
        qToBigEndian<quint32>(crypto::kTestKdfParams.opslimit, good.data() + 7);
        qToBigEndian<quint64>(crypto::kTestKdfParams.memlimit, good.data() + 11);
        QVERIFY(writeAll(path, good));
        auto v = f.load();
        QVERIFY(v);
        QVERIFY(writeAll(path, k));
        for (int i = 0; i < 12; ++i) { // more than the erase-after count: still nothing counted
            auto s = (*v)->unlock(secret(test::kPassphraseA));
            QVERIFY(!s);
            QCOMPARE(s.error().code, Errc::DamagedKeyFile);
        }
        QCOMPARE((*v)->failureCount(), 0u);
        QVERIFY(writeAll(path, good));
        QVERIFY((*v)->unlock(secret(test::kPassphraseA)));
    }

    void layoutDamageIsDamagedKeyFile()
    {
        VaultFixture f;
        QVERIFY(f.create());
        const QString path = Vault::keyFilePath(f.dir);
        const QByteArray good = readAll(path);
        auto v = f.load();
        QVERIFY(v);
        const QList<QByteArray> bad = {
            good.left(good.size() - 1),
            good + "x",
            QByteArray(),
            QByteArray("LSK2") + good.mid(4),
            good.left(4) + QByteArray("\x00\x02", 2) + good.mid(6),   // format 2
            good.left(6) + QByteArray("\x07", 1) + good.mid(7),       // alg 7
            good.left(95) + QByteArray("\x00\x01", 2) + good.mid(97), // erase-after 1
            good.left(95) + QByteArray("\xff\xff", 2) + good.mid(97), // erase-after 65535
            good.left(75) + QByteArray(4, '\0') + good.mid(79),       // generation 0
        };
        for (const QByteArray &b : bad) {
            QVERIFY(writeAll(path, b));
            auto s = (*v)->unlock(secret(test::kPassphraseA));
            QVERIFY(!s);
            QCOMPARE(s.error().code, Errc::DamagedKeyFile);
        }
        QCOMPARE((*v)->failureCount(), 0u);
        QVERIFY(writeAll(path, good));
        QVERIFY((*v)->unlock(secret(test::kPassphraseA)));
    }

    // Issue 2, test 7: any other byte of part A (or of the wrapped key) changed: refused.
    void everyByteOfTheKeyFileIsBound()
    {
        VaultFixture f;
        QVERIFY(f.create());
        const QString path = Vault::keyFilePath(f.dir);
        const QByteArray good = readAll(path);
        auto v = f.load();
        QVERIFY(v);
        const auto dbBefore = test::snapshotDatabaseFiles(Vault::databasePath(f.dir));
        for (qsizetype i = 0; i < good.size(); ++i) {
            QByteArray b = good;
            b[i] = char(b[i] ^ 0x01);
            QVERIFY(writeAll(path, b));
            auto s = (*v)->unlock(secret(test::kPassphraseA));
            QVERIFY2(!s, qPrintable(QStringLiteral("byte %1").arg(i)));
            QVERIFY(!(*v)->isUnlocked());
            const Errc code = s.error().code;
            QVERIFY2(code == Errc::DamagedKeyFile || code == Errc::WrongKey || code == Errc::Erased,
                     qPrintable(QStringLiteral("byte %1: %2").arg(i).arg(s.error().message)));
            QVERIFY(Vault::exists(f.dir)); // a refused key file never triggers an erase
            QVERIFY(writeAll(path, good));
            if ((*v)->failureCount() > 0) { // reset with the intact file
                QVERIFY((*v)->unlock(secret(test::kPassphraseA)));
                (*v)->lock();
            }
        }
        QCOMPARE(test::snapshotDatabaseFiles(Vault::databasePath(f.dir)), dbBefore);
    }

    void changePassphrase()
    {
        VaultFixture f;
        auto v = f.create(test::kPassphraseA, withAppSchema());
        QVERIFY(v);
        QVERIFY((*v)->database()->execute("INSERT INTO note (text) VALUES ('kept')"));
        const crypto::SignPublicKey pk = (*v)->identity()->sign.publicKey;
        const QStringList peppersBefore = f.pepperEntries();
        // Wrong current passphrase: refused, counted, nothing changed.
        auto wrong =
            (*v)->changePassphrase(secret(test::kWrongPassphrase), secret(test::kPassphraseB));
        QVERIFY(!wrong);
        QCOMPARE(wrong.error().code, Errc::WrongKey);
        QCOMPARE((*v)->failureCount(), 1u);
        // Weak new passphrase: refused before anything.
        auto weak = (*v)->changePassphrase(secret(test::kPassphraseA), secret("password1234"));
        QVERIFY(!weak);
        QCOMPARE(weak.error().code, Errc::WeakPassphrase);
        QCOMPARE((*v)->generation(), 1u);
        QVERIFY((*v)->changePassphrase(secret(test::kPassphraseA), secret(test::kPassphraseB)));
        QCOMPARE((*v)->generation(), 2u);
        QCOMPARE((*v)->failureCount(), 0u);
        QVERIFY((*v)->isUnlocked());
        // A new pepper under a new alias; the old one is gone.
        const QStringList peppersAfter = f.pepperEntries();
        QCOMPARE(peppersAfter.size(), 1);
        QVERIFY(peppersAfter != peppersBefore);
        QVERIFY(!QFileInfo::exists(Vault::keyFilePath(f.dir) + QStringLiteral(".tmp")));
        (*v)->lock();
        auto old = (*v)->unlock(secret(test::kPassphraseA));
        QVERIFY(!old);
        QCOMPARE(old.error().code, Errc::WrongKey);
        QVERIFY((*v)->unlock(secret(test::kPassphraseB)));
        QCOMPARE((*v)->identity()->sign.publicKey, pk);
        QCOMPARE(*(*v)->database()->queryInt64("SELECT count(*) FROM note"), 1);
        QCOMPARE(*(*v)->database()->queryInt64(
                     "SELECT value FROM vault_meta WHERE name = 'keyfile_generation'"),
                 2);
    }

    // Issue 2, test 7: a copy of the key file from before a passphrase change opens nothing.
    void oldKeyFileCopyOpensNothing()
    {
        VaultFixture f;
        auto v = f.create();
        QVERIFY(v);
        const QString path = Vault::keyFilePath(f.dir);
        const QByteArray oldCopy = readAll(path);
        QVERIFY((*v)->changePassphrase(secret(test::kPassphraseA), secret(test::kPassphraseB)));
        (*v)->lock();
        const QByteArray current = readAll(path);
        QVERIFY(current != oldCopy);
        QVERIFY(writeAll(path, oldCopy));
        for (const char *p : {test::kPassphraseA, test::kPassphraseB}) {
            auto fresh = f.load();
            QVERIFY(fresh);
            auto s = (*fresh)->unlock(secret(p));
            QVERIFY(!s);
            QVERIFY(!(*fresh)->isUnlocked());
            QVERIFY(Vault::exists(f.dir)); // refusing the copy does not erase the vault
        }
        QVERIFY(writeAll(path, current));
        auto fresh = f.load();
        QVERIFY(fresh);
        QVERIFY((*fresh)->unlock(secret(test::kPassphraseB)));
    }

    // Even with its old pepper restored too, an older key file is caught by the generation
    // mirrored in the database.
    void keyFileOlderThanDatabaseRaisesAnAlarm()
    {
        VaultFixture f;
        auto v = f.create();
        QVERIFY(v);
        const QByteArray oldKeyFile = readAll(Vault::keyFilePath(f.dir));
        const QString oldPepperName = f.pepperEntries().value(0);
        const QByteArray oldPepper = readAll(QDir(f.keyStoreDir).filePath(oldPepperName));
        QVERIFY((*v)->changePassphrase(secret(test::kPassphraseA), secret(test::kPassphraseB)));
        (*v)->lock();
        QVERIFY(writeAll(Vault::keyFilePath(f.dir), oldKeyFile));
        QVERIFY(writeAll(QDir(f.keyStoreDir).filePath(oldPepperName), oldPepper));
        auto s = (*v)->unlock(secret(test::kPassphraseA));
        QVERIFY(!s);
        QCOMPARE(s.error().code, Errc::Tampered);
        QVERIFY(s.error().message.contains(QStringLiteral("older than the database")));
        QVERIFY(!(*v)->isUnlocked());
    }

    void tamperedDatabaseWithGoodKeyFileIsTampered()
    {
        VaultFixture f;
        {
            auto v = f.create();
            QVERIFY(v);
        }
        QVERIFY(test::flipByte(Vault::databasePath(f.dir), 200));
        auto v = f.load();
        QVERIFY(v);
        auto s = (*v)->unlock(secret(test::kPassphraseA));
        QVERIFY(!s);
        QCOMPARE(s.error().code, Errc::Tampered); // not "wrong passphrase": the key file proved it
        QVERIFY(!(*v)->isUnlocked());
    }

    // Issue 8 point 12 (security review L-4): the right passphrase proves itself at the key
    // file's AEAD; a database that then fails to open must not count toward the lockout or the
    // erase-after limit (a damaged disk would otherwise erase the vault after ten tries).
    void rightPassphraseWithBrokenDatabaseIsNotCounted()
    {
        VaultFixture f;
        {
            auto v = f.create();
            QVERIFY(v);
        }
        QVERIFY(test::flipByte(Vault::databasePath(f.dir), 200));
        auto v = f.load();
        QVERIFY(v);
        for (int i = 0; i < 12; ++i) {
            auto s = (*v)->unlock(secret(test::kPassphraseA));
            QVERIFY(!s);
            QCOMPARE(s.error().code, Errc::Tampered); // never LockedOut, never Erased
            QCOMPARE((*v)->failureCount(), 0u);
        }
        QVERIFY(Vault::exists(f.dir));
        QCOMPARE(f.pepperEntries().size(), 1);
    }

    // Issue 8 point 12 (security review L-12): while another process holds the vault's lock,
    // an unlock is refused as Busy before anything is counted or derived.
    void secondProcessCannotUnlockAtTheSameTime()
    {
        VaultFixture f;
        {
            auto v = f.create();
            QVERIFY(v);
        }
        auto v = f.load();
        QVERIFY(v);
        const QByteArray lockPath =
            QFile::encodeName(QDir(f.dir).filePath(QStringLiteral("vault.lock")));
        const int other = ::open(lockPath.constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        QVERIFY(other >= 0);
        QCOMPARE(::flock(other, LOCK_EX | LOCK_NB), 0); // "another process" holds it
        auto s = (*v)->unlock(secret(test::kWrongPassphrase));
        QVERIFY(!s);
        QCOMPARE(s.error().code, Errc::Busy);
        QCOMPARE((*v)->failureCount(), 0u);
        ::close(other);
        QVERIFY((*v)->unlock(secret(test::kPassphraseA)));
    }

    // Issue 2, test 9 (erase part): a copy taken before the erase cannot be opened afterwards.
    void cryptoEraseKillsEveryCopy()
    {
        VaultFixture f;
        auto v = f.create(test::kPassphraseA, withAppSchema());
        QVERIFY(v);
        QVERIFY((*v)->database()->execute("INSERT INTO note (text) VALUES ('secret plan')"));
        (*v)->lock();
        const QMap<QString, QByteArray> copy = copyDir(f.dir);
        QVERIFY(copy.contains(QStringLiteral("vault.key")));
        QVERIFY(copy.contains(QStringLiteral("vault.db")));
        QVERIFY((*v)->unlock(secret(test::kPassphraseA)));
        QVERIFY((*v)->erase());
        QVERIFY((*v)->isErased());
        QVERIFY(!(*v)->isUnlocked());
        QVERIFY(!(*v)->database());
        QVERIFY(!Vault::exists(f.dir));
        QVERIFY(!QFileInfo::exists(Vault::databasePath(f.dir)));
        QVERIFY(f.pepperEntries().isEmpty());
        auto again = (*v)->unlock(secret(test::kPassphraseA));
        QVERIFY(!again);
        QCOMPARE(again.error().code, Errc::Erased);
        // Put the old files back: without the pepper nothing opens.
        restoreDir(f.dir, copy);
        auto restored = f.load(withAppSchema());
        QVERIFY(restored);
        auto s = (*restored)->unlock(secret(test::kPassphraseA));
        QVERIFY(!s);
        QCOMPARE(s.error().code, Errc::Erased);
        QVERIFY(!(*restored)->isUnlocked());
    }

    void eraseWhileLockedWorksToo()
    {
        VaultFixture f;
        QVERIFY(f.create());
        auto v = f.load();
        QVERIFY(v);
        QVERIFY((*v)->erase());
        QVERIFY(!Vault::exists(f.dir));
        QVERIFY(f.keyStoreEntries().isEmpty());
        QVERIFY(QDir(f.dir).entryList(QDir::Files).isEmpty());
    }

    void productionParametersAreCalibrated()
    {
        // Real range: 64 MiB, calibrated with a tiny target so the test stays fast; never below 3.
        VaultFixture f;
        VaultOptions o;
        o.memlimit = crypto::kMemMin;
        o.calibrationTargetMs = 1;
        auto v = f.create(test::kPassphraseA, o);
        QVERIFY2(v, qPrintable(v ? QString() : v.error().message));
        QCOMPARE((*v)->kdfParams().opslimit, crypto::kOpsMin);
        QCOMPARE((*v)->kdfParams().memlimit, crypto::kMemMin);
        (*v)->lock();
        QVERIFY((*v)->unlock(secret(test::kPassphraseA)));
    }
};

LIAISON_TEST_MAIN(TestVault)
#include "tst_vault.moc"
