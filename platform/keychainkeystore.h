#pragma once

// vault::KeyStore over QtKeychain (issue 12 "key store"; DESIGN.md "Keys"): the platform's own
// store, the same class on every OS: Secret Service (gnome-keyring, KWallet) over libsecret on a
// Linux desktop, Android Keystore, the iOS Keychain. Which one, and how it is described, is
// chosen by platform/<os>/keystorefactory.cpp.
//
// QtKeychain's jobs are asynchronous; the vault asks synchronously (from its worker thread), so
// each call runs its job on the store's own thread (QtKeychain's job queue is not safe across
// threads: keychainkeystore.cpp), in a local event loop with a timeout, and the caller waits. A
// call that times out fails (Io); its job deletes itself when it ends. Items are kept apart by
// `service` and keyed by the alias. QtKeychain's insecure fallback (a plain-text QSettings file) is
// never enabled.
//
// Residue (not ours to wipe): QtKeychain and the D-Bus layer copy the secret into their own
// buffers (libsecret's value, the D-Bus message) and free them unwiped. The job's own QByteArray
// is wiped once the job has ended.

#include "vault/keystore.h"

#include <QString>

#include <chrono>
#include <functional>

namespace liaison::platform {

class KeychainKeyStore final : public vault::KeyStore
{
public:
    struct Traits
    {
        QString description; // for people, honest about what protects the items
        vault::KeyStoreKind kind = vault::KeyStoreKind::OsKeyRing;
        // Called before each of the (two) retries of a call that failed for another reason than
        // "not found": the desktop drops libsecret's cached connection and session, which a
        // restarted key-ring daemon no longer knows ("The session does not exist"). May be empty.
        std::function<void()> reconnect;
    };

    KeychainKeyStore(QString service, Traits traits,
                     std::chrono::milliseconds timeout = std::chrono::seconds(30));

    // Whether the platform store answers within `timeout`: a read of an alias that does not
    // exist comes back "not found" (or found). Errc::Io with the store's reason otherwise.
    [[nodiscard]] static Status probe(const QString &service, std::chrono::milliseconds timeout);

    [[nodiscard]] QString description() const override { return m_traits.description; }
    [[nodiscard]] vault::KeyStoreKind kind() const override { return m_traits.kind; }
    [[nodiscard]] Result<crypto::SecretBytes> read(const QString &alias) override;
    [[nodiscard]] Status write(const QString &alias, QByteArrayView secret) override;
    [[nodiscard]] Status remove(const QString &alias) override;

    [[nodiscard]] const QString &service() const { return m_service; }

private:
    template <typename MakeJob> auto runWithRetry(MakeJob makeJob);
    QString m_service;
    Traits m_traits;
    std::chrono::milliseconds m_timeout;
};

} // namespace liaison::platform
