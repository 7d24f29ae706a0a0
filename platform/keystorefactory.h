#pragma once

// Which key store holds the pepper, the lockout state and the wipe-ack key (issue 12; DESIGN.md
// "Keys"): the platform's own (Secret Service or KWallet over QtKeychain on Linux desktops,
// Android Keystore, the iOS Keychain this-device-only) and, only where none exists, the software
// store, which the lock screen reports as weaker (vault::KeyStoreKind::SoftwareFile).

#include "vault/keystore.h"

#include <QString>

#include <memory>

namespace liaison::platform {

struct KeyStoreOptions
{
    // The software store's directory, used only when no platform key store answers.
    QString softwareDirectory;
    // Keeps items of different vaults (and of tests) apart in the platform store.
    QString serviceName = QStringLiteral("liaison");
    // Tests and hosts that must not touch a user's key ring: the software store only.
    bool softwareOnly = false;
};

[[nodiscard]] std::unique_ptr<vault::KeyStore> createKeyStore(const KeyStoreOptions &options);

} // namespace liaison::platform
