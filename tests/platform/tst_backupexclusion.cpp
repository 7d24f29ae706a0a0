// platform/backupexclusion.h on the desktop: the folder gets a CACHEDIR.TAG with the exact
// signature of the Cache Directory Tagging Specification, and a backup tool that honours it
// (GNU tar --exclude-caches-all) really leaves the vault's files out; repeated calls are harmless.

#include "backupexclusion.h"
#include "testmain.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

using namespace liaison;

class TestBackupExclusion : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void tagsTheFolderAndTarSkipsIt()
    {
        QTemporaryDir tmp;
        const QString data = tmp.filePath(QStringLiteral("data"));
        const QString vault = data + QStringLiteral("/vault");
        QVERIFY(platform::excludeFromBackup(vault));
        // rwx for the owner, nothing for group and others.
        QCOMPARE(int(QFile::permissions(vault) & 0x0777), 0x0700);
        QFile tag(vault + QStringLiteral("/CACHEDIR.TAG"));
        QVERIFY(tag.open(QIODevice::ReadOnly));
        QCOMPARE(tag.read(43), QByteArray("Signature: 8a477f597d28d172789f06886806bc55"));
        tag.close();

        QFile db(vault + QStringLiteral("/vault.db"));
        QVERIFY(db.open(QIODevice::WriteOnly));
        db.write("not really a database");
        db.close();
        QFile other(data + QStringLiteral("/notes.txt"));
        QVERIFY(other.open(QIODevice::WriteOnly));
        other.write("kept");
        other.close();

        QProcess tar;
        tar.setWorkingDirectory(tmp.path());
        tar.start(QStringLiteral("tar"),
                  {QStringLiteral("--exclude-caches-all"), QStringLiteral("-cvf"),
                   QStringLiteral("/dev/null"), QStringLiteral("data")});
        QVERIFY(tar.waitForFinished(30'000));
        QCOMPARE(tar.exitCode(), 0);
        const QString listed = QString::fromUtf8(tar.readAllStandardOutput());
        QVERIFY2(listed.contains(QStringLiteral("data/notes.txt")), qPrintable(listed));
        QVERIFY2(!listed.contains(QStringLiteral("vault.db")), qPrintable(listed));

        // Again: still tagged, the folder's files untouched.
        QVERIFY(platform::excludeFromBackup(vault));
        QVERIFY(QFile::exists(vault + QStringLiteral("/vault.db")));
        QCOMPARE(QDir(vault).entryList(QDir::Files).size(), 2);
    }

    void aFolderThatCannotBeMadeIsAnError()
    {
        QTemporaryDir tmp;
        QFile blocker(tmp.filePath(QStringLiteral("file")));
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.close();
        auto s = platform::excludeFromBackup(tmp.filePath(QStringLiteral("file/vault")));
        QVERIFY(!s);
        QCOMPARE(s.error().code, Errc::Io);
    }
};

LIAISON_TEST_MAIN(TestBackupExclusion)
#include "tst_backupexclusion.moc"
