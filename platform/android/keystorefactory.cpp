// createKeyStore() on Android (platform/keystorefactory.h; issue 12 "key store"): QtKeychain's
// Android backend. It wraps each item with an RSA key made in the Android Keystore (in the TEE or
// StrongBox where the phone has one; the key never leaves it) and keeps the wrapped bytes in the
// app's private SharedPreferences, which allowBackup="false" and the data extraction rules of
// AndroidManifest.xml keep out of cloud backups and device transfers. There is no software
// store on Android: asked for one, every call fails and says so.

#include "keystorefactory.h"

#include "keychainkeystore.h"
#include "unavailablekeystore.h"

namespace liaison::platform {

std::unique_ptr<vault::KeyStore> createKeyStore(const KeyStoreOptions &options)
{
    const QString description =
        QStringLiteral("Android Keystore (the wrapping key stays in the phone's secure hardware)");
    if (options.softwareOnly)
        return std::make_unique<UnavailableKeyStore>(
            description, QStringLiteral("there is no software key store on Android"),
            vault::KeyStoreKind::HardwareBacked);
    return std::make_unique<KeychainKeyStore>(
        options.serviceName,
        KeychainKeyStore::Traits{description, vault::KeyStoreKind::HardwareBacked});
}

} // namespace liaison::platform
