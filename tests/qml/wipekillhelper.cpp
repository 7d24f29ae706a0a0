// Test helper for tst_app_sync (issue 8 point 2): the officer's app composition (AppController)
// over a device vault, unlocked, syncing through the relay. When the receiver has committed a
// WIPE's command id together with "wipe pending" (the transaction that records it), the helper
// says so on stdout and stops there, before the erase: the test then kills it with SIGKILL
// (QProcess::kill), as an OS or a dying battery would, and checks that the next start finishes
// the wipe before any UI.
//
// Usage: tst_app_sync_wipehelper VAULT_DIR KEYSTORE_DIR PASSPHRASE
// Prints "unlocked" after the unlock and "wipe-pending-committed" at the point of the kill.

#include "appcontroller.h"
#include "desktop/softwarekeystore.h"

#include "testmain.h"

#include <QCoreApplication>
#include <QThread>

#include <cstdio>

using namespace liaison;

int main(int argc, char **argv)
{
    QCoreApplication qapp(argc, argv);
    test::prepareTestProcess();
    if (argc != 4) {
        std::fprintf(stderr, "usage: %s VAULT_DIR KEYSTORE_DIR PASSPHRASE\n", argv[0]);
        return 2;
    }
    platform::SoftwareKeyStore keys(QString::fromLocal8Bit(argv[2]));
    SystemClock vaultClock;
    SystemClock clock;
    client::ManualConnectivity online(client::Connectivity::State::Online);
    client::SyncClientOptions o;
    o.engine.longPollWaitMs = 1000;
    o.backoff = {50, 2000};
    vault::VaultOptions vo;
    vo.kdf = crypto::kTestKdfParams;
    app::AppServices services{
        QString::fromLocal8Bit(argv[1]), keys, vaultClock, clock, vo, 60'000, &online, o};
    app::AppController a(services);
    // Connected after AppController's own slot, so this runs right after the session (and its
    // wipe handler) is installed, before the first sync round can deliver anything.
    QObject::connect(a.vault(), &app::VaultController::unlocked, &a, [&a] {
        if (!a.streams()) {
            std::printf("no-streams\n");
            std::fflush(stdout);
            return;
        }
        a.streams()->receiver().setWipeHandler([](const streams::Command &) {
            // After the commit of the command id and wipe.pending, before the erase.
            std::printf("wipe-pending-committed\n");
            std::fflush(stdout);
            for (;;)
                QThread::sleep(1);
        });
        std::printf("unlocked\n");
        std::fflush(stdout);
    });
    a.vault()->unlock(QString::fromLocal8Bit(argv[3]));
    return qapp.exec();
}
