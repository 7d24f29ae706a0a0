// liaison: the composition root. Builds the services (crypto self-test, key store, clocks,
// vault, models), hands the AppController to Main.qml as its required property and runs.

#include "appcontroller.h"
#include "launchoptions.h"
#include "mainwindow.h"
#include "selftest.h"

#include "backupexclusion.h"
#include "client/networkthreads.h"
#include "crypto/crypto.h"
#include "hardening/processhardening.h"
#include "keystorefactory.h"
#include "lifecycle.h"
#include "positionsource.h"
#include "quickunlock.h"

#include <QGuiApplication>
#include <QQmlApplicationEngine>
#include <QQmlExtensionPlugin>
#include <QWindow>

#include <cstdio>

Q_IMPORT_QML_PLUGIN(LiaisonPlugin)

using namespace liaison;

namespace {

// The app from its key store to the end of its event loop; everything it built is gone when it
// returns.
int runApp(const app::LaunchOptions &options)
{
    // The platform's key store (the desktop key ring when it answers); options.keyStoreDir is the
    // software store's folder, used only without one (platform/keystorefactory.h).
    for (const QString &dir : {options.vaultDir, options.keyStoreDir}) {
        if (auto s = platform::excludeFromBackup(dir); !s)
            std::fprintf(stderr, "liaison: %s\n", qPrintable(s.error().message));
    }
    const auto keyStore =
        platform::createKeyStore({options.keyStoreDir, QStringLiteral("liaison"), false});
    // Where the device is, for check-ins and reports: the platform's source, or an NMEA log
    // replayed (demo, desktops without a receiver).
    platform::PositionOptions positionOptions;
    positionOptions.nmeaReplayFile = qEnvironmentVariable("LIAISON_NMEA_REPLAY");
    const auto position = platform::createPositionSource(positionOptions);
    // Quick unlock behind the platform's biometric prompt (none on the desktop).
    const auto quickUnlock = platform::createQuickUnlockStore();
    // Foreground and background, the auto-lock's trigger (platform/lifecycle.h).
    const auto lifecycle = platform::createLifecycle();
    liaison::SystemClock vaultClock;
    liaison::SystemClock clock;
    app::AppServices services{options.vaultDir, *keyStore, vaultClock, clock,
                              vault::VaultOptions{}};
    services.quickUnlock = quickUnlock.get();
    services.lifecycle = lifecycle.get();
    app::AppController controller(std::move(services));

    controller.reportActions()->setPositionSource(position.get());

    QQmlApplicationEngine engine;
    if (!app::loadMainWindow(engine, controller))
        return 1;
    // Screenshots, screen recording and the app switcher show nothing of it: Android FLAG_SECURE,
    // the iOS cover view (platform/lifecycle.h; a no-op on the desktop).
    for (QObject *root : engine.rootObjects()) {
        if (auto *window = qobject_cast<QWindow *>(root))
            platform::protectWindow(window);
    }

    return QGuiApplication::exec();
}

} // namespace

int main(int argc, char *argv[])
{
    if (auto h = liaison::hardening::hardenProcess(); !h) {
        std::fprintf(stderr, "liaison: refusing to run unhardened: %s\n",
                     qPrintable(h.error().message));
        return 3;
    }
    QGuiApplication application(argc, argv);
    QGuiApplication::setOrganizationName(QStringLiteral("Liaison"));
    QGuiApplication::setApplicationName(QStringLiteral("liaison"));

    const app::LaunchOptions options = app::parseLaunchOptions(QGuiApplication::arguments());
    if (!options.error.isEmpty()) {
        std::fprintf(stderr, "%s\n", qPrintable(options.error));
        return 2;
    }
    if (auto s = crypto::initialize(); !s) {
        std::fprintf(stderr, "liaison: crypto self-test failed, refusing to run: %s\n",
                     qPrintable(s.error().message));
        return 3;
    }
    if (options.selfTest)
        return app::runSelfTest();

    const int code = runApp(options);
    // The controller's network managers are gone; their threads must be too before exit()
    // (client/networkthreads.h).
    if (!client::waitForNetworkThreadsToExit())
        std::fprintf(stderr, "liaison: a network thread did not end in time\n");
    return code;
}
