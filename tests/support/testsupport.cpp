#include "testsupport.h"

#include <QFile>
#include <QStringDecoder>

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
    for (const QString &suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm"),
                                  QStringLiteral("-journal")}) {
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

} // namespace liaison::test
