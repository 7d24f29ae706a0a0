#include "launchoptions.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

namespace liaison::app {

namespace {
std::optional<QSize> parseSize(const QString &text)
{
    const QStringList parts = text.split(QLatin1Char('x'));
    if (parts.size() != 2)
        return std::nullopt;
    bool okW = false, okH = false;
    const int w = parts[0].toInt(&okW), h = parts[1].toInt(&okH);
    if (!okW || !okH || w < 200 || h < 200 || w > 4000 || h > 4000)
        return std::nullopt;
    return QSize(w, h);
}
} // namespace

LaunchOptions parseLaunchOptions(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Liaison: encrypted offline contacts, cases, instructions and schedules."));
    parser.addHelpOption();
    const QCommandLineOption vault(QStringLiteral("vault"), QStringLiteral("Vault directory."),
                                   QStringLiteral("dir"));
    const QCommandLineOption keyStore(QStringLiteral("keystore"),
                                      QStringLiteral("Software key store directory (desktop; used when no key ring answers)."),
                                      QStringLiteral("dir"));
    const QCommandLineOption shots(QStringLiteral("screenshots"),
                                   QStringLiteral("Render every screen to DIR/*.png and exit."),
                                   QStringLiteral("dir"));
    const QCommandLineOption stdinPass(
        QStringLiteral("passphrase-stdin"),
        QStringLiteral("Screenshot mode: read the passphrase from the first line of stdin."));
    const QCommandLineOption size(QStringLiteral("size"),
                                  QStringLiteral("Phone window size for screenshots (WxH)."),
                                  QStringLiteral("WxH"));
    const QCommandLineOption tablet(QStringLiteral("tablet-size"),
                                    QStringLiteral("Tablet window size for screenshots (WxH)."),
                                    QStringLiteral("WxH"));
    parser.addOptions({vault, keyStore, shots, stdinPass, size, tablet});

    LaunchOptions out;
    if (!parser.parse(arguments)) {
        out.error = parser.errorText();
        return out;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        out.error = parser.helpText();
        return out;
    }
    const QString data = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    out.vaultDir = parser.isSet(vault) ? parser.value(vault) : data + QStringLiteral("/vault");
    out.keyStoreDir = parser.isSet(keyStore)
                          ? parser.value(keyStore)
                          : QFileInfo(out.vaultDir).absolutePath() + QStringLiteral("/keystore");
    out.screenshotDir = parser.value(shots);
    out.passphraseFromStdin = parser.isSet(stdinPass);
    if (parser.isSet(size)) {
        const auto s = parseSize(parser.value(size));
        if (!s)
            out.error = QStringLiteral("--size wants WxH, e.g. 412x892");
        else
            out.phoneSize = *s;
    }
    if (parser.isSet(tablet)) {
        const auto s = parseSize(parser.value(tablet));
        if (!s)
            out.error = QStringLiteral("--tablet-size wants WxH, e.g. 1280x800");
        else
            out.tabletSize = *s;
    }
    return out;
}

} // namespace liaison::app
