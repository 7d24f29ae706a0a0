// createKeyStore() on iOS (platform/keystorefactory.h): the Keychain, this device only
// (keychainitemstore.h). There is no software store on iOS: asked for one, every call fails and
// says so.

#include "keystorefactory.h"

#include "keychainitemstore.h"
#include "unavailablekeystore.h"

namespace liaison::platform {

std::unique_ptr<vault::KeyStore> createKeyStore(const KeyStoreOptions &options)
{
    if (options.softwareOnly)
        return std::make_unique<UnavailableKeyStore>(
            QStringLiteral("iOS Keychain (this device only)"),
            QStringLiteral("there is no software key store on iOS"),
            vault::KeyStoreKind::HardwareBacked);
    return std::make_unique<KeychainItemStore>(options.serviceName);
}

} // namespace liaison::platform
