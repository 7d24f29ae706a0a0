#pragma once

// Quick unlock, the platform's half (DESIGN.md "Unlock, lockout, auto-lock"; issue 11 "Getting
// back in quickly"): a 32-byte quick secret kept under a key-store key that releases it only
// after biometric user authentication. The vault needs it together with the pepper and
// vault.quick to open (sync/vault/quickticket.h): the platform never sees VK or the passphrase,
// and no PIN or other short secret exists anywhere. The implementation is chosen in CMake:
//  - Android (android/quickunlockstore.cpp + QuickUnlock.java): an AES-256-GCM key in the
//    Android Keystore with setUserAuthenticationRequired(true) (every use), invalidated when a
//    new biometric is enrolled, used only through BiometricPrompt's CryptoObject
//    (BIOMETRIC_STRONG); the wrapped secret in the app's no-backup files.
//  - iOS (ios/quickunlockstore.mm): a Keychain item,
//  kSecAttrAccessibleWhenPasscodeSetThisDeviceOnly
//    with SecAccessControl kSecAccessControlBiometryCurrentSet: reading it shows Face ID /
//    Touch ID, and a new enrolment makes it unreadable.
//  - desktop: none here (available() is false): the lock screen offers only the passphrase.
// Results come back later on the thread that asked (never inside the call).

#include "crypto/secret.h"

#include <QString>

#include <functional>
#include <memory>

namespace liaison::platform {

class QuickUnlockStore
{
public:
    enum class Outcome {
        Ok,
        Cancelled,   // the officer chose the passphrase (or the system dismissed the prompt)
        Failed,      // the biometric did not match (or the platform locked it out)
        Invalidated, // biometrics changed since enrolment: the key is gone for good
        Unavailable, // no biometric hardware or none enrolled, or nothing stored under the name
    };
    using Done = std::function<void(Outcome)>;
    using Released = std::function<void(Outcome, crypto::SecretBytes)>;

    virtual ~QuickUnlockStore() = default;

    // The device has a biometric enrolled and a key store that binds keys to it.
    [[nodiscard]] virtual bool available() const = 0;
    // For logs and the settings page's text ("Android Keystore + BiometricPrompt").
    [[nodiscard]] virtual QString description() const = 0;
    // Stores `secret` under `name`, wrapped by a new key that requires biometric authentication
    // (Android shows the prompt to wrap it; iOS does not ask). Replaces what `name` held.
    virtual void enrol(const QString &name, crypto::SecretBytes secret, const QString &reason,
                       Done done) = 0;
    // Shows the platform's prompt with `reason`; the secret after a successful authentication.
    virtual void release(const QString &name, const QString &reason, Released done) = 0;
    // Deletes the item and its key; no prompt.
    virtual void forget(const QString &name) = 0;
};

// The platform's store (platform/<os>/quickunlockstore.*).
[[nodiscard]] std::unique_ptr<QuickUnlockStore> createQuickUnlockStore();

} // namespace liaison::platform
