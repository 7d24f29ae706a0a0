// liaison-screens: the screenshot tour over a real vault (scripts/demo; see screenshottour.h), or
// a scripted session of the app (--script; see scriptedsession.h; not "--session", which
// QGuiApplication takes for X11 session management). Builds the same services as
// the app's main.cpp, then drives the UI.
//   liaison-screens --out DIR [--vault DIR] [--keystore DIR] [--passphrase-stdin]
//                   [--size WxH] [--tablet-size WxH]
//   liaison-screens --script [--expect TEXT] [--report TEXT] [--texts-stdin] [--hold-after-lock]
//                   [--vault DIR] [--keystore DIR] --passphrase-stdin
// --texts-stdin takes the expected title and the report text from stdin (lines 2 and 3, after
// the passphrase) rather than argv, and --hold-after-lock keeps the locked app running until a
// line comes on stdin: issue 12's memory scan of the app after lock (tst_app_residue) reads the
// process then, and must not find the test tool's own copies of those texts (argv lives on the
// stack until the process ends).
// LIAISON_SCREENS_TEST_KDF=1 lets it open a vault made with the small test Argon2id profile (as
// LIAISON_DEVICE_TEST_KDF does for liaison-device).
// Exit codes: 0 every screen written (the session: every step done), 1 failure, 2 usage, 4 some
// screens failed (the session: a step failed).

#include "appcontroller.h"
#include "mainwindow.h"
#include "screenshottour.h"
#include "scriptedsession.h"

#include "crypto/crypto.h"
#include "crypto/secretio.h"
#include "hardening/processhardening.h"
#include "keystorefactory.h"
#include "lifecycle.h"
#include "positionsource.h"

#include <QCommandLineParser>
#include <QFileInfo>
#include <QGuiApplication>
#include <QQmlApplicationEngine>
#include <QQmlExtensionPlugin>
#include <QQuickWindow>
#include <QSocketNotifier>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>
#include <memory>
#include <optional>
#include <sys/prctl.h>
#include <unistd.h>

Q_IMPORT_QML_PLUGIN(LiaisonPlugin)

using namespace liaison;

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

int usage(const QString &text)
{
    std::fprintf(stderr, "liaison-screens: %s\n", qPrintable(text));
    return 2;
}

} // namespace

int main(int argc, char *argv[])
{
    if (auto h = hardening::hardenProcess(); !h) {
        std::fprintf(stderr, "liaison-screens: refusing to run unhardened: %s\n",
                     qPrintable(h.error().message));
        return 1;
    }
    QGuiApplication application(argc, argv);
    QGuiApplication::setOrganizationName(QStringLiteral("Liaison"));
    QGuiApplication::setApplicationName(QStringLiteral("liaison"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "liaison-screens: render every screen of the Liaison app over a vault to DIR/*.png "
        "(tests and the demo; not part of the product)."));
    parser.addHelpOption();
    const QCommandLineOption out(QStringLiteral("out"),
                                 QStringLiteral("Write the screens to DIR/*.png (required)."),
                                 QStringLiteral("dir"));
    const QCommandLineOption vault(QStringLiteral("vault"), QStringLiteral("Vault directory."),
                                   QStringLiteral("dir"));
    const QCommandLineOption keyStore(QStringLiteral("keystore"),
                                      QStringLiteral("Software key store directory."),
                                      QStringLiteral("dir"));
    const QCommandLineOption stdinPass(
        QStringLiteral("passphrase-stdin"),
        QStringLiteral("Read the vault's passphrase from the first line of stdin."));
    const QCommandLineOption size(QStringLiteral("size"),
                                  QStringLiteral("Phone window size (WxH, default 412x915)."),
                                  QStringLiteral("WxH"));
    const QCommandLineOption tablet(QStringLiteral("tablet-size"),
                                    QStringLiteral("Tablet window size (WxH, default 1280x800)."),
                                    QStringLiteral("WxH"));
    const QCommandLineOption session(
        QStringLiteral("script"),
        QStringLiteral("Instead of the screens: unlock, sync, browse, acknowledge, report, sync, "
                       "lock through the UI (tests)."));
    const QCommandLineOption expect(
        QStringLiteral("expect"),
        QStringLiteral("--script: a record whose title holds TEXT must arrive with the sync."),
        QStringLiteral("text"));
    const QCommandLineOption reportText(
        QStringLiteral("report"),
        QStringLiteral("--script: queue a field report with TEXT for HQ."), QStringLiteral("text"));
    const QCommandLineOption textsStdin(
        QStringLiteral("texts-stdin"),
        QStringLiteral("--script: read the --expect and --report texts from stdin, lines 2 and 3 "
                       "(after the passphrase), not from the command line."));
    const QCommandLineOption hold(
        QStringLiteral("hold-after-lock"),
        QStringLiteral("--script: once locked, print \"session: held\", let the process be read "
                       "(dumpable; the core limit stays 0) and keep the app running until a line "
                       "comes on stdin (the memory scan of tst_app_residue)."));
    parser.addOptions({out, vault, keyStore, stdinPass, size, tablet, session, expect, reportText,
                       textsStdin, hold});
    if (!parser.parse(QGuiApplication::arguments()))
        return usage(parser.errorText());
    if (parser.isSet(QStringLiteral("help"))) {
        std::fputs(qPrintable(parser.helpText()), stdout);
        return 0;
    }
    if (!parser.positionalArguments().isEmpty())
        return usage(QStringLiteral("unexpected argument %1")
                         .arg(parser.positionalArguments().constFirst()));
    const bool sessionMode = parser.isSet(session);
    const QString outDir = parser.value(out);
    if (outDir.isEmpty() && !sessionMode)
        return usage(QStringLiteral("--out DIR is required"));
    if (sessionMode && !parser.isSet(stdinPass))
        return usage(QStringLiteral("--script needs --passphrase-stdin"));
    if (!sessionMode && (parser.isSet(expect) || parser.isSet(reportText) ||
                         parser.isSet(textsStdin) || parser.isSet(hold)))
        return usage(QStringLiteral(
            "--expect, --report, --texts-stdin and --hold-after-lock belong to --script"));
    if (parser.isSet(textsStdin) && (parser.isSet(expect) || parser.isSet(reportText)))
        return usage(QStringLiteral("--texts-stdin replaces --expect and --report"));
    QSize phoneSize(412, 915), tabletSize(1280, 800);
    if (parser.isSet(size)) {
        const auto s = parseSize(parser.value(size));
        if (!s)
            return usage(QStringLiteral("--size wants WxH, e.g. 412x915"));
        phoneSize = *s;
    }
    if (parser.isSet(tablet)) {
        const auto s = parseSize(parser.value(tablet));
        if (!s)
            return usage(QStringLiteral("--tablet-size wants WxH, e.g. 1280x800"));
        tabletSize = *s;
    }
    const QString vaultDir =
        parser.isSet(vault) ? parser.value(vault)
                            : QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
                                  QStringLiteral("/vault");
    const QString keyStoreDir =
        parser.isSet(keyStore) ? parser.value(keyStore)
                               : QFileInfo(vaultDir).absolutePath() + QStringLiteral("/keystore");

    if (auto s = crypto::initialize(); !s) {
        std::fprintf(stderr, "liaison-screens: crypto self-test failed: %s\n",
                     qPrintable(s.error().message));
        return 1;
    }
    if (qEnvironmentVariableIntValue("LIAISON_SCREENS_TEST_KDF") == 1) {
        if (auto s = crypto::allowTestKdfProfile(); !s) {
            std::fprintf(stderr, "liaison-screens: LIAISON_SCREENS_TEST_KDF: %s\n",
                         qPrintable(s.error().message));
            return 2;
        }
    }
    crypto::SecretBytes passphrase;
    if (parser.isSet(stdinPass)) {
        auto line = crypto::readSecret(STDIN_FILENO, 4096, crypto::SecretReadMode::FirstLine);
        if (!line)
            return usage(QStringLiteral("the passphrase on stdin: %1").arg(line.error().message));
        passphrase = std::move(*line);
    }
    app::SessionOptions sessionOptions{parser.value(expect), parser.value(reportText)};
    if (parser.isSet(textsStdin)) {
        for (QString *text : {&sessionOptions.expect, &sessionOptions.reportText}) {
            auto line = crypto::readSecret(STDIN_FILENO, 4096, crypto::SecretReadMode::FirstLine);
            if (!line)
                return usage(QStringLiteral("--texts-stdin: %1").arg(line.error().message));
            *text = QString::fromUtf8(reinterpret_cast<const char *>(line->data()),
                                      qsizetype(line->size()));
        }
    }

    // The key store as the app picks it (platform/keystorefactory.h).
    const auto store = platform::createKeyStore({keyStoreDir, QStringLiteral("liaison"), false});
    liaison::SystemClock vaultClock;
    liaison::SystemClock clock;
    // The tour switches languages: its choice goes to a scratch settings file, never the
    // officer's.
    QTemporaryDir settingsDir;
    // Foreground and background as the app gets them (platform/lifecycle.h).
    const auto lifecycle = platform::createLifecycle();
    app::AppServices services{vaultDir, *store, vaultClock, clock, vault::VaultOptions{}};
    services.settingsFile = settingsDir.filePath(QStringLiteral("settings.ini"));
    services.lifecycle = lifecycle.get();
    app::AppController controller(services);
    // The device's position as the app gets it (scripts/demo replays the Brussels NMEA walk).
    platform::PositionOptions positionOptions;
    positionOptions.nmeaReplayFile = qEnvironmentVariable("LIAISON_NMEA_REPLAY");
    const auto position = platform::createPositionSource(positionOptions);
    controller.reportActions()->setPositionSource(position.get());

    QQmlApplicationEngine engine; // the window as `liaison` loads it
    QQuickWindow *window = app::loadMainWindow(engine, controller);
    if (!window)
        return 1;

    if (sessionMode) {
        app::ScriptedSession script(window, &controller, std::move(passphrase),
                                    std::move(sessionOptions));
        int exitCode = 0;
        std::unique_ptr<QSocketNotifier> release;
        QTimer::singleShot(0, &application, [&] {
            if (const QString failed = script.run(); !failed.isEmpty()) {
                std::printf("session: failed at %s\n", qPrintable(failed));
                exitCode = 4;
                QGuiApplication::quit();
                return;
            }
            script.forget();
            if (!parser.isSet(hold)) {
                QGuiApplication::quit();
                return;
            }
            // The app stays as an officer leaves it: locked, its event loop running. A second
            // later (what a lock has queued has run), the scan may begin.
            ::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
            release = std::make_unique<QSocketNotifier>(STDIN_FILENO, QSocketNotifier::Read);
            QObject::connect(release.get(), &QSocketNotifier::activated, &application,
                             [] { QGuiApplication::quit(); });
            QTimer::singleShot(1000, &application, [] {
                std::printf("session: held\n");
                std::fflush(stdout);
            });
        });
        QGuiApplication::exec();
        return exitCode;
    }

    app::ScreenshotTour tour(window, &controller, outDir, std::move(passphrase), phoneSize,
                             tabletSize);
    int exitCode = 0;
    QObject::connect(&tour, &app::ScreenshotTour::finished, &application, [&](bool ok) {
        for (const QString &path : tour.written())
            std::printf("screenshot: %s\n", qPrintable(path));
        for (const QString &name : tour.failures())
            std::fprintf(stderr, "screenshot failed: %s\n", qPrintable(name));
        exitCode = ok ? 0 : 4;
        QGuiApplication::quit();
    });
    tour.start();
    QGuiApplication::exec();
    return exitCode;
}
