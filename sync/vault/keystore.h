#pragma once

#include "crypto/secret.h"
#include "error.h"

#include <QString>

#include <cstdint>

namespace liaison::vault {

// What keeps the items from leaving with the vault's files: the lock screen's "weaker" warning is
// for SoftwareFile only.
enum class KeyStoreKind : std::uint8_t {
    HardwareBacked, // Android Keystore, iOS Keychain this-device-only: the items cannot leave the
                    // device
    OsKeyRing,      // the desktop key ring (Secret Service): apart from the vault's files and
                    // unlocked with the login, but not hardware-backed
    SoftwareFile,   // a file beside the vault (weaker: copied with the vault, it opens it)
};

// Where the pepper lives: the platform's key store (Android Keystore-wrapped blob, iOS Keychain
// this-device-only, Secret Service) or, on a desktop without one, a clearly weaker software store.
// The core defines the interface it needs; platform/ provides the implementations.
class KeyStore
{
public:
    virtual ~KeyStore() = default;

    // For people: "Secret Service", "software store (weaker: a file beside the vault)".
    [[nodiscard]] virtual QString description() const = 0;
    [[nodiscard]] virtual KeyStoreKind kind() const = 0;
    // True only where the secret cannot be copied off the device with the files.
    [[nodiscard]] bool isHardwareBacked() const { return kind() == KeyStoreKind::HardwareBacked; }

    // Errc::NotFound when the alias holds nothing.
    [[nodiscard]] virtual Result<crypto::SecretBytes> read(const QString &alias) = 0;
    // Durable when it returns: the bytes survive a power cut.
    [[nodiscard]] virtual Status write(const QString &alias, QByteArrayView secret) = 0;
    // Like write(), but it need not be durable yet when it returns (the OS flushes it soon).
    // Only for records where losing the last write errs on the safe side (the lockout reset).
    [[nodiscard]] virtual Status writeRelaxed(const QString &alias, QByteArrayView secret)
    {
        return write(alias, secret);
    }
    // Overwrite and forget; removing an absent alias succeeds.
    [[nodiscard]] virtual Status remove(const QString &alias) = 0;
};

} // namespace liaison::vault
