// Issue 2, test 8 (linkage): no plain libsqlite3 in any binary that can open SQLCipher files, and
// SQLCipher answers cipher_version. If plain libsqlite3 were loaded first, sqlite3_key_v2 would
// do nothing and everything would be written in plaintext with no error.

#include "crypto/crypto.h"
#include "store/database.h"
#include "testmain.h"
#include "testsupport.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace liaison;

namespace {

QString mappedLibraries()
{
    QFile maps(QStringLiteral("/proc/self/maps"));
    if (!maps.open(QIODevice::ReadOnly))
        return {};
    return QString::fromLatin1(maps.readAll());
}

bool isElfExecutable(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return false;
    return f.read(4) == QByteArray("\x7f"
                                   "ELF",
                                   4) &&
           QFileInfo(path).isExecutable();
}

} // namespace

class TestLinkage : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void thisProcessHasSqlcipherOnly()
    {
        QTemporaryDir dir;
        auto db = store::Database::open(dir.filePath(QStringLiteral("l.db")),
                                        crypto::SecretBytes::random(32),
                                        store::OpenOptions{.create = true});
        QVERIFY(db);
        QVERIFY(!(*db)->cipherVersion().isEmpty());
        const QString maps = mappedLibraries();
        QVERIFY(!maps.isEmpty());
        QVERIFY2(maps.contains(QStringLiteral("libsqlcipher.so")), "SQLCipher is not mapped");
        QVERIFY2(!maps.contains(QStringLiteral("libsqlite3.so")), "plain libsqlite3 is mapped");
    }

    void cipherVersionAnswers()
    {
        QTemporaryDir dir;
        auto db = store::Database::open(dir.filePath(QStringLiteral("v.db")),
                                        crypto::SecretBytes::random(32),
                                        store::OpenOptions{.create = true});
        QVERIFY(db);
        auto st = (*db)->prepare("PRAGMA cipher_version");
        QVERIFY(st);
        auto row = st->step();
        QVERIFY(row && *row);
        QVERIFY(st->columnText(0).startsWith(QStringLiteral("3.4")));
        QCOMPARE(st->columnText(0), (*db)->cipherVersion());
    }

    // Every test binary, benchmark and program in the build tree that links the store: ldd
    // must show libsqlcipher and never libsqlite3. (The relay is the one program that uses Qt
    // SQL's SQLite and never SQLCipher; it is checked the other way round.)
    void buildTreeBinariesAreNotLinkedAgainstLibsqlite3()
    {
        const QString binDir = QString::fromLocal8Bit(qgetenv("LIAISON_TEST_BIN_DIR"));
        QVERIFY2(!binDir.isEmpty(), "LIAISON_TEST_BIN_DIR is not set");
        QVERIFY(QFileInfo(binDir).isDir());
        int checked = 0;
        bool sawSelf = false;
        QDirIterator it(binDir, QDir::Files | QDir::Executable, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString path = it.next();
            const QString name = QFileInfo(path).fileName();
            if (path.contains(QStringLiteral("/CMakeFiles/")) || !isElfExecutable(path))
                continue;
            if (!(name.startsWith(QStringLiteral("tst_")) ||
                  name.startsWith(QStringLiteral("bench_")) ||
                  name.startsWith(QStringLiteral("liaison")) ||
                  name.startsWith(QStringLiteral("fuzz_"))))
                continue;
            QProcess ldd;
            ldd.start(QStringLiteral("ldd"), {path});
            QVERIFY(ldd.waitForFinished(30'000));
            const QString out = QString::fromLocal8Bit(ldd.readAllStandardOutput());
            if (name == QStringLiteral("liaison-relay")) {
                QVERIFY2(!out.contains(QStringLiteral("libsqlcipher")),
                         qPrintable(name + QStringLiteral(" must never link SQLCipher")));
            } else {
                QVERIFY2(!out.contains(QStringLiteral("libsqlite3.so")),
                         qPrintable(name + QStringLiteral(" links plain libsqlite3")));
            }
            if (name == QStringLiteral("tst_linkage")) {
                sawSelf = true;
                QVERIFY(out.contains(QStringLiteral("libsqlcipher")));
            }
            ++checked;
        }
        QVERIFY2(sawSelf, "tst_linkage itself was not found under LIAISON_TEST_BIN_DIR");
        QVERIFY(checked >= 2);
        qInfo() << "binaries checked:" << checked;
    }
};

LIAISON_TEST_MAIN(TestLinkage)
#include "tst_linkage.moc"
