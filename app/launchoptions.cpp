#include "launchoptions.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

namespace liaison::app {

LaunchOptions parseLaunchOptions(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Liaison: encrypted offline contacts, cases, instructions and schedules."));
    parser.addHelpOption();
    const QCommandLineOption vault(QStringLiteral("vault"), QStringLiteral("Vault directory."),
                                   QStringLiteral("dir"));
    const QCommandLineOption keyStore(
        QStringLiteral("keystore"),
        QStringLiteral("Software key store directory (desktop; used when no key ring answers)."),
        QStringLiteral("dir"));
    const QCommandLineOption selfTest(
        QStringLiteral("self-test"),
        QStringLiteral("Check crypto, a store in a temporary directory and the QML, then exit "
                       "(0: all passed). The vault is not touched."));
    parser.addOptions({vault, keyStore, selfTest});

    LaunchOptions out;
    if (!parser.parse(arguments)) {
        out.error = parser.errorText();
        return out;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        out.error = parser.helpText();
        return out;
    }
    out.selfTest = parser.isSet(selfTest);
    const QString data = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    out.vaultDir = parser.isSet(vault) ? parser.value(vault) : data + QStringLiteral("/vault");
    out.keyStoreDir = parser.isSet(keyStore)
                          ? parser.value(keyStore)
                          : QFileInfo(out.vaultDir).absolutePath() + QStringLiteral("/keystore");
    return out;
}

} // namespace liaison::app
