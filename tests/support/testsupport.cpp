#include "testsupport.h"

#include <QFile>
#include <QStringDecoder>

#include <sys/stat.h>

namespace liaison::test {

QList<QByteArray> canaryEncodings(const QString &canary)
{
    const QByteArray utf8 = canary.toUtf8();
    QByteArray le(reinterpret_cast<const char *>(canary.utf16()), canary.size() * 2);
    QByteArray be = le;
    for (qsizetype i = 0; i + 1 < be.size(); i += 2)
        std::swap(be[i], be[i + 1]);
    return {utf8, utf8.toHex(), utf8.toHex().toUpper(), utf8.toBase64(), le, be};
}

QStringList filesContainingCanaries(const QString &databasePath, const QStringList &canaries)
{
    QStringList hits;
    for (const QString &suffix :
         {QString(), QStringLiteral("-wal"), QStringLiteral("-shm"), QStringLiteral("-journal")}) {
        QFile f(databasePath + suffix);
        if (!f.open(QIODevice::ReadOnly))
            continue;
        const QByteArray all = f.readAll();
        for (const QString &c : canaries) {
            for (const QByteArray &enc : canaryEncodings(c)) {
                if (all.contains(enc)) {
                    hits << f.fileName();
                    break;
                }
            }
        }
    }
    hits.removeDuplicates();
    return hits;
}

QString buildPath(const QString &relative)
{
    const QByteArray dir = qgetenv("LIAISON_TEST_BIN_DIR");
    return QString::fromLocal8Bit(dir) + QLatin1Char('/') + relative;
}

QMap<QString, FileState> snapshotFiles(const QStringList &paths)
{
    QMap<QString, FileState> out;
    for (const QString &p : paths) {
        QFile f(p);
        if (!f.open(QIODevice::ReadOnly))
            continue;
        FileState s;
        s.bytes = f.readAll();
        struct stat st
        {};
        if (::stat(QFile::encodeName(p).constData(), &st) == 0)
            s.mtimeNs = qint64(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
        out.insert(p, s);
    }
    return out;
}

QMap<QString, FileState> snapshotDatabaseFiles(const QString &databasePath)
{
    return snapshotFiles({databasePath, databasePath + QStringLiteral("-wal"),
                          databasePath + QStringLiteral("-shm"),
                          databasePath + QStringLiteral("-journal")});
}

bool flipByte(const QString &path, qint64 offset, char mask)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadWrite) || offset >= f.size())
        return false;
    f.seek(offset);
    char c = 0;
    if (f.read(&c, 1) != 1)
        return false;
    c = char(c ^ mask);
    f.seek(offset);
    return f.write(&c, 1) == 1 && f.flush();
}

} // namespace liaison::test
