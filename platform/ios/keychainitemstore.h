#pragma once

// vault::KeyStore over the iOS Keychain (issue 12 "key store": "the iOS Keychain, this device
// only"). Not QtKeychain here: its Apple backend adds items without kSecAttrAccessible, so they
// get kSecAttrAccessibleWhenUnlocked and travel with encrypted backups to another device. These
// items are kSecAttrAccessibleWhenUnlockedThisDeviceOnly: protected by the Secure Enclave's
// device key and the passcode, never in a backup, never restored elsewhere.

#include "vault/keystore.h"

namespace liaison::platform {

class KeychainItemStore final : public vault::KeyStore
{
public:
    explicit KeychainItemStore(QString service);

    [[nodiscard]] QString description() const override;
    [[nodiscard]] vault::KeyStoreKind kind() const override
    {
        return vault::KeyStoreKind::HardwareBacked;
    }
    [[nodiscard]] Result<crypto::SecretBytes> read(const QString &alias) override;
    [[nodiscard]] Status write(const QString &alias, QByteArrayView secret) override;
    [[nodiscard]] Status remove(const QString &alias) override;

private:
    QString m_service;
};

} // namespace liaison::platform
