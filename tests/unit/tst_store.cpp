// The SQLCipher wrapper: every rule of DESIGN.md "SQLCipher 3.4.1 rules" (issue 2, tests 1-4, 8).

#include "crypto/crypto.h"
#include "store/atomicfile.h"
#include "store/database.h"
#include "testmain.h"
#include "testsupport.h"

#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <sys/resource.h>

using namespace liaison;
using namespace liaison::store;
using liaison::crypto::SecretBytes;

namespace {

OpenOptions createOptions(std::vector<Migration> migrations = {})
{
    OpenOptions o;
    o.create = true;
    o.migrations = std::move(migrations);
    return o;
}

Status createContacts(Database &db)
{
    if (auto s = db.execute("CREATE TABLE contact (id INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                            "org TEXT, notes TEXT, photo BLOB)");
        !s)
        return s;
    return db.execute("CREATE VIRTUAL TABLE contact_fts USING fts4(name, org, notes)");
}

Status insertContact(Database &db, const QString &name, const QString &org, const QString &notes)
{
    auto st = db.prepare("INSERT INTO contact (name, org, notes) VALUES (?1, ?2, ?3)");
    if (!st)
        return std::unexpected(st.error());
    if (auto s = st->bind(1, name).bind(2, org).bind(3, notes).exec(); !s)
        return s;
    auto fts =
        db.prepare("INSERT INTO contact_fts (docid, name, org, notes) VALUES (?1, ?2, ?3, ?4)");
    if (!fts)
        return std::unexpected(fts.error());
    return fts->bind(1, db.lastInsertRowId()).bind(2, name).bind(3, org).bind(4, notes).exec();
}

QByteArray header16(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.read(16);
}

// A database with enough rows to span many pages; returns its key.
SecretBytes makeBigDatabase(const QString &path)
{
    SecretBytes key = SecretBytes::random(32);
    auto db = Database::open(path, key, createOptions({createContacts}));
    if (!db)
        return SecretBytes();
    if (!(*db)->begin())
        return SecretBytes();
    for (int i = 0; i < 400; ++i) {
        if (!insertContact(**db, QStringLiteral("Officer %1").arg(i), QStringLiteral("Europol"),
                           QString(300, QChar(u'a' + i % 26))))
            return SecretBytes();
    }
    if (!(*db)->commit())
        return SecretBytes();
    if (!(*db)->checkpoint())
        return SecretBytes();
    return key;
}

} // namespace

class TestStore : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void createWriteReopenRead()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("a.db"));
        SecretBytes key = SecretBytes::random(32);
        {
            auto db = Database::open(path, key, createOptions({createContacts}));
            QVERIFY2(db, qPrintable(db ? QString() : db.error().message));
            QCOMPARE((*db)->userVersion(), 1);
            QVERIFY(!(*db)->cipherVersion().isEmpty());
            QVERIFY(insertContact(**db, QStringLiteral("Ana Müller"), QStringLiteral("SIRENE"),
                                  QStringLiteral("desk")));
            auto blob = (*db)->prepare("UPDATE contact SET photo = ?1 WHERE id = 1");
            QVERIFY(blob);
            QVERIFY(blob->bind(1, QByteArray("\x00\x01\x02", 3)).exec());
        }
        auto db = Database::open(path, key, OpenOptions{.migrations = {createContacts}});
        QVERIFY(db);
        auto st =
            (*db)->prepare("SELECT name, org, photo, notes IS NULL FROM contact WHERE id = ?1");
        QVERIFY(st);
        st->bind(1, 1);
        auto row = st->step();
        QVERIFY(row && *row);
        QCOMPARE(st->columnText(0), QStringLiteral("Ana Müller"));
        QCOMPARE(st->columnText(1), QStringLiteral("SIRENE"));
        QCOMPARE(st->columnBlob(2), QByteArray("\x00\x01\x02", 3));
        QCOMPARE(st->columnInt(3), 0);
        row = st->step();
        QVERIFY(row && !*row);
        // FTS4 prefix search works on the encrypted store.
        auto fts = (*db)->prepare("SELECT docid FROM contact_fts WHERE contact_fts MATCH ?1");
        QVERIFY(fts);
        fts->bind(1, QStringLiteral("mül*"));
        row = fts->step();
        QVERIFY(row && *row);
        QCOMPARE(fts->columnInt64(0), 1);
        // The connection settings of DESIGN.md are in force.
        QCOMPARE(*(*db)->queryInt64("PRAGMA foreign_keys"), 1);
        QCOMPARE(*(*db)->queryInt64("PRAGMA secure_delete"), 1);
        QCOMPARE(*(*db)->queryInt64("PRAGMA temp_store"), 2); // MEMORY
        auto mode = (*db)->prepare("PRAGMA journal_mode");
        QVERIFY(mode && *mode->step());
        QCOMPARE(mode->columnText(0), QStringLiteral("wal"));
    }

    void missingFileWithoutCreateIsNotFound()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("none.db"));
        auto db = Database::open(path, SecretBytes::random(32), OpenOptions{});
        QVERIFY(!db);
        QCOMPARE(db.error().code, Errc::NotFound);
        QVERIFY(!QFileInfo::exists(path));
    }

    // Issue 2, test 1: the raw key is exactly 67 characters, and neither a 63-hex key nor 32
    // binary bytes can be taken for a passphrase.
    void rawKeyOnlyAndNeverAPassphrase()
    {
        crypto::SymmetricKey k = crypto::SymmetricKey::random();
        const SecretBytes raw = crypto::sqlcipherRawKey(k);
        QCOMPARE(raw.size(), std::size_t(67));

        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("k.db"));
        const SecretBytes key = SecretBytes::copyOf(k.view());
        QVERIFY(Database::open(path, key, createOptions({createContacts})));
        const auto before = test::snapshotDatabaseFiles(path);

        // The API takes exactly 32 key bytes: hex text or a passphrase is refused outright.
        const QByteArray hex = k.view().toByteArray().toHex();
        for (const QByteArray &notAKey :
             {hex.left(63), hex, QByteArray("x'") + hex.left(63) + "'", QByteArray("a passphrase"),
              QByteArray(31, 'a'), QByteArray(33, 'a')}) {
            auto db = Database::open(path, SecretBytes::copyOf(notAKey), OpenOptions{});
            QVERIFY(!db);
            QCOMPARE(db.error().code, Errc::InvalidArgument);
        }
        // At SQLCipher level: the same key in any other shape is a passphrase there, and does not
        // open the raw-keyed file.
        for (const QByteArray &wrongShape :
             {k.view().toByteArray(), hex, QByteArray("x'") + hex.left(63) + "'",
              QByteArray("x'") + hex.toUpper() + "'" + " ", QByteArray("\"x'") + hex + "'\""}) {
            auto db = Database::openWithKeyStringForTest(path, wrongShape, OpenOptions{});
            QVERIFY(!db);
            QCOMPARE(db.error().code, Errc::WrongKey);
        }
        QCOMPARE(test::snapshotDatabaseFiles(path), before);
        // Control: the exact 67-character string opens it.
        auto ok = Database::openWithKeyStringForTest(path, raw.view(),
                                                     OpenOptions{.migrations = {createContacts}});
        QVERIFY(ok);
        auto ok2 = Database::open(path, key, OpenOptions{.migrations = {createContacts}});
        QVERIFY(ok2);
    }

    // Issue 2, test 2: empty key, second key, plaintext file: refused, nothing created or changed.
    void emptyKeyRefusedAndNothingCreated()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("empty.db"));
        auto db = Database::open(path, SecretBytes(), createOptions());
        QVERIFY(!db);
        QCOMPARE(db.error().code, Errc::InvalidArgument);
        QVERIFY(test::snapshotDatabaseFiles(path).isEmpty());
        QCOMPARE(QDir(dir.path()).entryList(QDir::NoDotAndDotDot | QDir::AllEntries).size(), 0);
        auto db2 = Database::openWithKeyStringForTest(path, QByteArrayView(), createOptions());
        QVERIFY(!db2);
        QVERIFY(test::snapshotDatabaseFiles(path).isEmpty());
    }

    void secondKeyOnUsedHandleRefused()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("k2.db"));
        SecretBytes key = SecretBytes::random(32);
        {
            auto db = Database::open(path, key, createOptions({createContacts}));
            QVERIFY(db);
            QVERIFY(
                insertContact(**db, QStringLiteral("n"), QStringLiteral("o"), QStringLiteral("x")));
        }
        const auto before = test::snapshotDatabaseFiles(path);
        QVERIFY(before.contains(path));
        {
            auto db = Database::open(path, key, OpenOptions{.migrations = {createContacts}});
            QVERIFY(db);
            for (const char *sql :
                 {"PRAGMA key = 'another'", "PRAGMA rekey = 'another'",
                  "PRAGMA hexkey = "
                  "'00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff'",
                  "PRAGMA hexrekey = "
                  "'00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff'",
                  "PRAGMA main.rekey = 'x'", "PRAGMA cipher_page_size = 1024",
                  "PRAGMA cipher = 'aes-128-cbc'", "PRAGMA kdf_iter = 1",
                  "PRAGMA fast_kdf_iter = 1", "PRAGMA rekey_cipher = 'aes-128-cbc'",
                  "PRAGMA cipher_use_hmac = OFF"}) {
                auto s = (*db)->execute(sql);
                QVERIFY2(!s, sql);
                QCOMPARE(s.error().code, Errc::Refused);
                auto st = (*db)->prepare(sql);
                QVERIFY2(!st, sql);
            }
            // Still the same key, still readable.
            QCOMPARE(*(*db)->queryInt64("SELECT count(*) FROM contact"), 1);
        }
        QCOMPARE(test::snapshotDatabaseFiles(path), before);
        QVERIFY(Database::open(path, key, OpenOptions{.migrations = {createContacts}}));
    }

    void plaintextDatabaseRefusedUntouched()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("plain.db"));
        {
            auto plain =
                Database::openUnencryptedForComparison(path, createOptions({createContacts}));
            QVERIFY(plain);
            QVERIFY(insertContact(**plain, QStringLiteral("n"), QStringLiteral("o"),
                                  QStringLiteral("x")));
        }
        QCOMPARE(header16(path), QByteArray("SQLite format 3\0", 16));
        const auto before = test::snapshotDatabaseFiles(path);
        QCOMPARE(before.size(), 1); // the main file only
        auto db = Database::open(path, SecretBytes::random(32), createOptions({createContacts}));
        QVERIFY(!db);
        QCOMPARE(db.error().code, Errc::PlaintextDatabase);
        QCOMPARE(test::snapshotDatabaseFiles(path), before);
    }

    // Issue 2, test 3: canaries absent from every file, in every encoding.
    void canariesNeverOnDisk()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("c.db"));
        const QStringList canaries = {QStringLiteral("CANARY-Zbigniew-Kowalczyk-7731"),
                                      QStringLiteral("canary.interpol.ncb@example.org"),
                                      QStringLiteral("+43 1 555 0199 canary")};
        SecretBytes key = SecretBytes::random(32);
        {
            auto db = Database::open(path, key, createOptions({createContacts}));
            QVERIFY(db);
            for (const QString &c : canaries)
                QVERIFY(insertContact(**db, c, c, c));
            QVERIFY(QFileInfo(path + QStringLiteral("-wal")).size() >
                    0); // written, not checkpointed
            QVERIFY(test::filesContainingCanaries(path, canaries).isEmpty());
            // Deleted rows too (secure_delete).
            QVERIFY((*db)->execute("DELETE FROM contact WHERE id = 1"));
            QVERIFY((*db)->checkpoint());
            QVERIFY(test::filesContainingCanaries(path, canaries).isEmpty());
        }
        QVERIFY(test::filesContainingCanaries(path, canaries).isEmpty());
        QVERIFY(QFileInfo(path).size() > 0);
        QVERIFY(header16(path) != QByteArray("SQLite format 3\0", 16));
        QVERIFY(!header16(path).startsWith("SQLite format"));

        // Control: the same writes without a key do leave the canaries on disk, so the search
        // above would have found them.
        const QString plainPath = dir.filePath(QStringLiteral("p.db"));
        auto plain =
            Database::openUnencryptedForComparison(plainPath, createOptions({createContacts}));
        QVERIFY(plain);
        for (const QString &c : canaries)
            QVERIFY(insertContact(**plain, c, c, c));
        QVERIFY(!test::filesContainingCanaries(plainPath, canaries).isEmpty());
    }

    // Issue 2, test 4: one byte flipped on page 1 or a later page: tampered, no repair.
    void flippedByteOnPageOne()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("t1.db"));
        SecretBytes key = makeBigDatabase(path);
        QVERIFY(!key.empty());
        // Salt, header, content, IV and HMAC of page 1. (SQLCipher 3.4.1 rounds its 36 reserved
        // bytes up to 48; the last 12 bytes of each page are padding that carries no data and is
        // not authenticated.)
        for (qint64 offset : {qint64(0), qint64(20), qint64(100), qint64(3000), qint64(4050),
                              qint64(4070), qint64(4083)}) {
            QVERIFY(test::flipByte(path, offset));
            const auto before = test::snapshotDatabaseFiles(path);
            OpenOptions verified{.migrations = {createContacts}, .keyIsVerified = true};
            auto db = Database::open(path, key, verified);
            QVERIFY2(!db, qPrintable(QString::number(offset)));
            QCOMPARE(db.error().code, Errc::Tampered);
            // Without outside proof of the key, SQLCipher cannot tell this from a wrong key.
            auto db2 = Database::open(path, key, OpenOptions{.migrations = {createContacts}});
            QVERIFY(!db2);
            QCOMPARE(db2.error().code, Errc::WrongKey);
            QCOMPARE(test::snapshotDatabaseFiles(path), before);
            QVERIFY(test::flipByte(path, offset)); // undo
            QVERIFY(Database::open(path, key, verified));
        }
    }

    void flippedByteOnLaterPage()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("t2.db"));
        SecretBytes key = makeBigDatabase(path);
        QVERIFY(!key.empty());
        const qint64 size = QFileInfo(path).size();
        QVERIFY(size > 20 * 4096);
        OpenOptions verified{.migrations = {createContacts}, .keyIsVerified = true};
        qint64 root = 0;
        {
            auto db = Database::open(path, key, verified);
            QVERIFY(db);
            auto r = (*db)->queryInt64("SELECT rootpage FROM sqlite_master WHERE name = 'contact'");
            QVERIFY(r);
            root = *r;
        }
        QVERIFY(root > 1);
        // 1) the contact table's root page: every read of the table fails.
        // 2) the last page of the file: the integrity check, which reads every page, fails.
        for (const qint64 offset : {(root - 1) * 4096 + 1234, size - 4096 + 2000}) {
            QVERIFY(test::flipByte(path, offset));
            const auto before = test::snapshotDatabaseFiles(path);
            {
                auto db = Database::open(path, key, verified); // page 1 is intact
                QVERIFY(db);
                if (offset < size - 4096) {
                    auto sum = (*db)->queryInt64("SELECT sum(length(notes)) FROM contact");
                    QVERIFY(!sum);
                    QCOMPARE(sum.error().code, Errc::Tampered);
                }
                auto check = (*db)->integrityCheck();
                QVERIFY(!check);
                QCOMPARE(check.error().code, Errc::Tampered);
            }
            // No repair: the main file is exactly as it was.
            QCOMPARE(test::snapshotDatabaseFiles(path).value(path), before.value(path));
            QVERIFY(test::flipByte(path, offset)); // undo
            auto db = Database::open(path, key, verified);
            QVERIFY(db);
            QVERIFY((*db)->integrityCheck());
            QCOMPARE(*(*db)->queryInt64("SELECT count(*) FROM contact"), 400);
        }
    }

    // Issue 2, test 8 (the store part): ATTACH refused, cipher_version answers.
    void attachAndDetachRefused()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("att.db"));
        const QString other = dir.filePath(QStringLiteral("other.db"));
        auto db = Database::open(path, SecretBytes::random(32), createOptions({createContacts}));
        QVERIFY(db);
        QVERIFY((*db)->cipherVersion().startsWith(QStringLiteral("3.")));
        for (const char *sql : {"ATTACH DATABASE ':memory:' AS x",
                                "ATTACH DATABASE 'other.db' AS x KEY ''", "DETACH DATABASE x"}) {
            auto s = (*db)->execute(sql);
            QVERIFY2(!s, sql);
            QCOMPARE(s.error().code, Errc::Refused);
        }
        auto st = (*db)->prepare("ATTACH DATABASE ?1 AS y");
        QVERIFY(!st);
        QCOMPARE(st.error().code, Errc::Refused);
        QVERIFY(!QFileInfo::exists(other));
        QVERIFY(!QFileInfo::exists(dir.filePath(QStringLiteral("other.db"))));
    }

    void migrationsRunInOrderInTransactions()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("m.db"));
        SecretBytes key = SecretBytes::random(32);
        auto m1 = [](Database &db) {
            return db.execute("CREATE TABLE a (x INTEGER)");
        };
        auto m2 = [](Database &db) {
            return db.execute("INSERT INTO a VALUES (2)");
        };
        auto bad = [](Database &db) -> Status {
            if (auto s = db.execute("CREATE TABLE b (y)"); !s)
                return s;
            return fail(Errc::Internal, QStringLiteral("migration 3 fails on purpose"));
        };
        QVERIFY(Database::open(path, key, createOptions({m1})));
        {
            auto db = Database::open(path, key, OpenOptions{.migrations = {m1, m2, bad}});
            QVERIFY(!db);
            QCOMPARE(db.error().code, Errc::Internal);
        }
        {
            auto db = Database::open(path, key, OpenOptions{.migrations = {m1, m2}});
            QVERIFY(db);
            QCOMPARE((*db)->userVersion(), 2);
            QCOMPARE(*(*db)->queryInt64("SELECT count(*) FROM a"), 1);
            // Migration 3's table was rolled back with it.
            QVERIFY(!(*db)->queryInt64("SELECT count(*) FROM b"));
        }
        auto tooNew = Database::open(path, key, OpenOptions{.migrations = {m1}});
        QVERIFY(!tooNew);
        QCOMPARE(tooNew.error().code, Errc::SchemaTooNew);
    }

    void transactionRollsBackUnlessCommitted()
    {
        QTemporaryDir dir;
        auto db = Database::open(dir.filePath(QStringLiteral("tx.db")), SecretBytes::random(32),
                                 createOptions({createContacts}));
        QVERIFY(db);
        {
            Transaction tx(**db);
            QVERIFY(tx.begin());
            QVERIFY(
                insertContact(**db, QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")));
            QVERIFY((*db)->inTransaction());
        }
        QVERIFY(!(*db)->inTransaction());
        QCOMPARE(*(*db)->queryInt64("SELECT count(*) FROM contact"), 0);
        {
            Transaction tx(**db);
            QVERIFY(tx.begin());
            QVERIFY(
                insertContact(**db, QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")));
            QVERIFY(tx.commit());
        }
        QCOMPARE(*(*db)->queryInt64("SELECT count(*) FROM contact"), 1);
    }

    void constraintAndBindErrorsAreTyped()
    {
        QTemporaryDir dir;
        auto db = Database::open(dir.filePath(QStringLiteral("e.db")), SecretBytes::random(32),
                                 createOptions({createContacts}));
        QVERIFY(db);
        auto st = (*db)->prepare("INSERT INTO contact (id, name) VALUES (?1, ?2)");
        QVERIFY(st);
        QVERIFY(st->bind(1, 7).bind(2, QStringLiteral("secret-value-xyz")).exec());
        auto dup = st->bind(1, 7).bind(2, QStringLiteral("secret-value-xyz")).exec();
        QVERIFY(!dup);
        QCOMPARE(dup.error().code, Errc::AlreadyExists);
        QVERIFY(!dup.error().message.contains(QStringLiteral("secret-value-xyz")));
        auto nul = st->bind(1, 8).bind(2, QString()).exec(); // NOT NULL
        QVERIFY(!nul);
        QCOMPARE(nul.error().code, Errc::InvalidArgument);
        st->reset();
        auto range = st->bind(9, 1).exec();
        QVERIFY(!range);
        QCOMPARE(range.error().code, Errc::InvalidArgument);
        auto syntax = (*db)->prepare("SELEC nothing");
        QVERIFY(!syntax);
    }

    // Disk full / write failure surfaces as Errc::Io (a file-size limit makes write() fail).
    // Issue 8 point 12 (security review L-11): a symlink planted at the old fixed temp name
    // ("<path>.tmp") or at the file to overwrite-and-remove is never followed.
    void plantedSymlinksAreNotFollowed()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString victim = dir.filePath(QStringLiteral("victim"));
        {
            QFile v(victim);
            QVERIFY(v.open(QIODevice::WriteOnly));
            v.write("precious");
        }
        const QString target = dir.filePath(QStringLiteral("state"));
        QVERIFY(QFile::link(victim, target + QStringLiteral(".tmp")));
        QVERIFY(store::writeFileAtomically(target, "new state", 0600));
        QVERIFY(store::writeFileReplacingRelaxed(target, "newer state", 0600));
        QCOMPARE(*store::readSmallFile(victim), QByteArray("precious"));
        QCOMPARE(*store::readSmallFile(target), QByteArray("newer state"));
        const QString link = dir.filePath(QStringLiteral("link"));
        QVERIFY(QFile::link(victim, link));
        QVERIFY(store::overwriteAndRemove(link));
        QVERIFY(!QFileInfo(link).isSymLink());
        QCOMPARE(*store::readSmallFile(victim), QByteArray("precious"));
    }

    void writeFailureIsIo()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("io.db"));
        auto db = Database::open(path, SecretBytes::random(32), createOptions({createContacts}));
        QVERIFY(db);
        QVERIFY((*db)->checkpoint());
        struct rlimit old
        {};
        QCOMPARE(getrlimit(RLIMIT_FSIZE, &old), 0);
        auto oldHandler = std::signal(SIGXFSZ, SIG_IGN);
        struct rlimit small = old;
        small.rlim_cur = 64 * 1024;
        QCOMPARE(setrlimit(RLIMIT_FSIZE, &small), 0);
        Status result;
        QVERIFY((*db)->begin());
        for (int i = 0; i < 200 && result; ++i)
            result = insertContact(**db, QStringLiteral("n%1").arg(i), QStringLiteral("o"),
                                   QString(2000, QLatin1Char('z')));
        if (result)
            result = (*db)->commit();
        setrlimit(RLIMIT_FSIZE, &old);
        std::signal(SIGXFSZ, oldHandler);
        (*db)->rollback();
        QVERIFY(!result);
        QCOMPARE(result.error().code, Errc::Io);
    }
};

LIAISON_TEST_MAIN(TestStore)
#include "tst_store.moc"
