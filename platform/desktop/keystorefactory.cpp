// createKeyStore() on a Linux desktop (platform/keystorefactory.h; security review M-5): the
// Secret Service (gnome-keyring, KWallet) over QtKeychain when a session bus exists and the
// service answers; the software store only without one.
//
// The choice sticks to the data it was made for, so a vault never "loses" its pepper because the
// desktop changed under it:
//  - items already in the software directory: the software store (a vault made with it);
//  - a marker file `platform-key-store` in the software directory, written when the platform
//    store was first chosen: the platform store, and if it does not answer now, a store that
//    fails every call with Io and says why (never the software store, where the vault's pepper
//    is not: that would read as "erased");
//  - else the platform store if it answers, else the software store.
// "A session bus exists": DBUS_SESSION_BUS_ADDRESS is non-empty, or it is unset and
// $XDG_RUNTIME_DIR/bus exists. Set to the empty string, it means "no bus" (the test environment
// sets it so, so no test touches a developer's key ring by accident).

#include "keystorefactory.h"

#include "keychainkeystore.h"
#include "softwarekeystore.h"
#include "store/atomicfile.h"
#include "unavailablekeystore.h"

#include <QDir>
#include <QFileInfo>
#include <QLoggingCategory>

#include <dlfcn.h>

Q_DECLARE_LOGGING_CATEGORY(lcKeychain)

namespace liaison::platform {

namespace {

constexpr std::chrono::seconds kProbeTimeout{10};
const QString kMarkerName = QStringLiteral("platform-key-store");

bool sessionBusExists()
{
    if (qEnvironmentVariableIsSet("DBUS_SESSION_BUS_ADDRESS"))
        return !qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS");
    const QString runtime = qEnvironmentVariable("XDG_RUNTIME_DIR");
    return !runtime.isEmpty() && QFileInfo::exists(QDir(runtime).filePath(QStringLiteral("bus")));
}

bool softwareStoreHoldsItems(const QString &dir)
{
    return !dir.isEmpty() &&
           !QDir(dir).entryList({QStringLiteral("*.key")}, QDir::Files | QDir::Hidden).isEmpty();
}

// libsecret keeps one connection and one Secret Service session per process; a key-ring daemon
// that restarted no longer knows that session ("The session does not exist") and every later
// call fails. secret_service_disconnect() drops them; the next call opens new ones. QtKeychain
// loads libsecret with dlopen, so it is looked up the same way (and only if already loaded).
void dropSecretServiceConnection()
{
    void *lib = dlopen("libsecret-1.so.0", RTLD_LAZY | RTLD_NOLOAD);
    if (!lib)
        return;
    using Disconnect = void (*)();
    if (auto disconnect = reinterpret_cast<Disconnect>(dlsym(lib, "secret_service_disconnect")))
        disconnect();
    dlclose(lib);
}

KeychainKeyStore::Traits secretServiceTraits()
{
    return {QStringLiteral("the desktop key ring (Secret Service): kept apart from the vault's "
                           "files and unlocked with your login, but not hardware-backed"),
            vault::KeyStoreKind::OsKeyRing, dropSecretServiceConnection};
}

} // namespace

std::unique_ptr<vault::KeyStore> createKeyStore(const KeyStoreOptions &options)
{
    const QString &dir = options.softwareDirectory;
    if (options.softwareOnly || softwareStoreHoldsItems(dir)) {
        qCInfo(lcKeychain) << "software key store"
                           << (options.softwareOnly ? "(asked for)" : "(holds this vault's items)");
        return std::make_unique<SoftwareKeyStore>(dir);
    }
    const QString marker = dir.isEmpty() ? QString() : QDir(dir).filePath(kMarkerName);
    const bool platformBefore = !marker.isEmpty() && QFileInfo::exists(marker);

    Status answers = sessionBusExists()
                         ? KeychainKeyStore::probe(options.serviceName, kProbeTimeout)
                         : Status(fail(Errc::Io, QStringLiteral("no D-Bus session bus")));
    if (answers) {
        if (!marker.isEmpty() && !platformBefore) {
            if (!QDir().mkpath(dir))
                qCWarning(lcKeychain) << "cannot create the key-store directory for its marker";
            else if (auto s =
                         store::writeFileAtomically(marker, options.serviceName.toUtf8(), 0600);
                     !s)
                qCWarning(lcKeychain).noquote()
                    << "cannot write the key-store marker:" << s.error().message;
        }
        qCInfo(lcKeychain) << "platform key store (Secret Service)";
        return std::make_unique<KeychainKeyStore>(options.serviceName, secretServiceTraits());
    }
    if (platformBefore) {
        qCWarning(lcKeychain).noquote()
            << "the platform key store holds this vault's items but does not answer:"
            << answers.error().message;
        return std::make_unique<UnavailableKeyStore>(
            secretServiceTraits().description,
            QStringLiteral("this vault's keys are in the desktop key ring (Secret Service), which "
                           "does not answer (%1); log in to a desktop session and try again")
                .arg(answers.error().message),
            vault::KeyStoreKind::OsKeyRing);
    }
    qCInfo(lcKeychain).noquote() << "software key store:" << answers.error().message;
    return std::make_unique<SoftwareKeyStore>(dir);
}

} // namespace liaison::platform
