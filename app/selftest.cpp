#include "selftest.h"

#include "appcontroller.h"
#include "mainwindow.h"

#include "crypto/crypto.h"
#include "desktop/softwarekeystore.h"
#include "device/devicestore.h"

#include <QQmlApplicationEngine>
#include <QQuickItem>
#include <QQuickWindow>
#include <QTemporaryDir>

#include <cstdio>
#include <functional>

namespace liaison::app {

namespace {

bool report(const char *step, const Status &s)
{
    if (s)
        std::printf("self-test: %s ok\n", step);
    else
        std::printf("self-test: %s FAILED: %s\n", step, qPrintable(s.error().message));
    std::fflush(stdout);
    return bool(s);
}

Status storeRoundTrip(const QString &root)
{
    platform::SoftwareKeyStore keys(root + QStringLiteral("/keystore"));
    SystemClock clock;
    vault::VaultOptions options;
    options.kdf = crypto::KdfParams{3, 64ull << 20}; // the smallest the key file accepts
    options.database.migrations = device::deviceMigrations();
    options.createIdentity = true;
    const crypto::SecretBytes passphrase =
        crypto::SecretBytes::copyOf(QByteArrayView("self test copper lantern meadow violin"));
    const QString dir = root + QStringLiteral("/vault");
    auto created = vault::Vault::create(dir, passphrase, keys, clock, options);
    if (!created)
        return std::unexpected(created.error());
    std::unique_ptr<vault::Vault> v = std::move(*created);
    {
        auto session = device::DeviceSession::open(*v->database(), clock);
        if (!session)
            return std::unexpected(session.error());
        auto count = (*session)->records().recordCount();
        if (!count)
            return std::unexpected(count.error());
        if (*count != 0)
            return fail(Errc::Internal, QStringLiteral("a new store holds records"));
    }
    v->lock();
    if (auto s = v->unlock(passphrase); !s)
        return s;
    if (!v->identity())
        return fail(Errc::Internal, QStringLiteral("no device identity in the vault"));
    return v->erase();
}

Status qmlLoads(const QString &root)
{
    platform::SoftwareKeyStore keys(root + QStringLiteral("/keystore"));
    SystemClock vaultClock;
    SystemClock clock;
    AppServices services{root + QStringLiteral("/vault"), keys, vaultClock, clock,
                         vault::VaultOptions{}};
    services.settingsFile = root + QStringLiteral("/settings.ini");
    AppController controller(services);
    QQmlApplicationEngine engine;
    QQuickWindow *window = loadMainWindow(engine, controller);
    if (!window)
        return fail(Errc::Internal, QStringLiteral("Main.qml did not load, or made no window"));
    // Loader items are visual children: walk those.
    std::function<bool(QQuickItem *)> shows = [&shows](QQuickItem *item) {
        if (item->objectName() == QLatin1String("enrolPage"))
            return true;
        for (QQuickItem *child : item->childItems()) {
            if (shows(child))
                return true;
        }
        return false;
    };
    if (!shows(window->contentItem()))
        return fail(Errc::Internal, QStringLiteral("the first-run page is missing"));
    window->close();
    return {};
}

} // namespace

int runSelfTest()
{
    bool ok = report("crypto", crypto::selfTest());
    QTemporaryDir tmp;
    if (!tmp.isValid()) {
        std::printf("self-test: no temporary directory\n");
        return 1;
    }
    ok = report("store", storeRoundTrip(tmp.filePath(QStringLiteral("store")))) && ok;
    ok = report("qml", qmlLoads(tmp.filePath(QStringLiteral("qml")))) && ok;
    std::printf("self-test: %s\n", ok ? "all passed" : "FAILED");
    return ok ? 0 : 1;
}

} // namespace liaison::app
