#pragma once

// A vault in a temporary directory with a software key store and a manual clock, using the small
// Argon2id test profile. For vault, lockout and crash tests.

#include "desktop/softwarekeystore.h"
#include "vault/vault.h"

#include <QDir>
#include <QTemporaryDir>

#include <memory>

namespace liaison::test {

inline crypto::SecretBytes secret(const char *utf8)
{
    return crypto::SecretBytes::copyOf(QByteArrayView(utf8));
}

inline constexpr const char *kPassphraseA = "tide orbit nickel frog lantern";
inline constexpr const char *kPassphraseB = "velvet quarry Ostrava 7 kettles";
inline constexpr const char *kWrongPassphrase = "tide orbit nickel frog lanterm";

inline vault::VaultOptions testVaultOptions()
{
    vault::VaultOptions o;
    o.kdf = crypto::kTestKdfParams;
    return o;
}

struct VaultFixture
{
    QTemporaryDir tmp;
    QString dir = tmp.filePath(QStringLiteral("vault"));
    QString keyStoreDir = tmp.filePath(QStringLiteral("keystore"));
    platform::SoftwareKeyStore keyStore{keyStoreDir};
    liaison::ManualClock clock;

    [[nodiscard]] Result<std::unique_ptr<vault::Vault>>
    create(const char *passphrase = kPassphraseA, vault::VaultOptions options = testVaultOptions())
    {
        return vault::Vault::create(dir, secret(passphrase), keyStore, clock, std::move(options));
    }
    [[nodiscard]] Result<std::unique_ptr<vault::Vault>>
    load(vault::VaultOptions options = testVaultOptions())
    {
        return vault::Vault::load(dir, keyStore, clock, std::move(options));
    }
    [[nodiscard]] QStringList keyStoreEntries() const
    {
        return QDir(keyStoreDir).entryList(QDir::Files);
    }
    [[nodiscard]] QStringList pepperEntries() const
    {
        return QDir(keyStoreDir).entryList({QStringLiteral("liaison-pepper-*")}, QDir::Files);
    }
};

} // namespace liaison::test
