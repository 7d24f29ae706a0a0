#pragma once

// The device vault (DESIGN.md "Keys", "Unlock, lockout, auto-lock"): passphrase + pepper ->
// KEK -> VK -> database key -> the SQLCipher store, plus the device identity inside it.
// The HQ console reuses it for its own store (createIdentity = false if it keeps other keys).
//
// Files in the vault directory: vault.key (the key file), vault.db (+ -wal, -shm), vault.lockout
// (failure counter). In the key store: the pepper ("liaison-pepper-<alias>") and a copy of the
// failure counter ("liaison-lockout-<key file id>").

#include "clock/clock.h"
#include "crypto/crypto.h"
#include "error.h"
#include "keyfile.h"
#include "keystore.h"
#include "lockout.h"
#include "passphrase.h"
#include "store/database.h"

#include <QString>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

namespace liaison::vault {

inline constexpr std::uint16_t kDefaultEraseAfter = 10;
inline constexpr std::uint64_t kDefaultMemlimit = 256ull << 20;
inline constexpr std::uint64_t kSmallDeviceMemlimit = 128ull << 20;

// Points where a test may stop the process (kill -9) to prove crash safety.
enum class ChangeStep {
    PendingRecorded = 1,       // old and new pepper aliases noted in the database
    NewPepperStored,           // new pepper durable in the key store
    TempKeyFileWritten,        // vault.key.tmp written and fsynced
    KeyFileReplaced,           // renamed over vault.key, directory fsynced
    DatabaseGenerationUpdated, // generation mirrored in the database
    OldPepperRemoved,          // old pepper gone: old key-file copies are dead
};
enum class UnlockStep {
    AttemptRecorded = 1, // failure counter raised and synced; Argon2id has not started
    KdfFinished,
    AttemptFailed, // the wrong passphrase was refused (counter stays raised)
};

struct VaultOptions
{
    std::uint64_t memlimit = kDefaultMemlimit;     // kSmallDeviceMemlimit on small devices
    int calibrationTargetMs = 1000;                // opslimit is calibrated to this, never below 3
    std::optional<crypto::KdfParams> kdf;          // fixed parameters instead of calibrating
    std::uint16_t eraseAfter = kDefaultEraseAfter; // 0 = never; kept in the key file
    bool createIdentity = true;                    // Ed25519 + X25519 generated at create
    // Page size, cache size and the caller's own migrations (PRAGMA user_version). `create` and
    // `keyIsVerified` are set by the vault.
    store::OpenOptions database;
    // Tests only: called at each step; a test child process stops there to be killed.
    std::function<void(ChangeStep)> changeHook;
    std::function<void(UnlockStep)> unlockHook;
};

struct Identity
{
    crypto::SignKeyPair sign;
    crypto::BoxKeyPair box;
};

class Vault
{
public:
    ~Vault(); // locks
    Vault(const Vault &) = delete;
    Vault &operator=(const Vault &) = delete;

    [[nodiscard]] static QString keyFilePath(const QString &dir);
    [[nodiscard]] static QString databasePath(const QString &dir);
    [[nodiscard]] static QString lockoutPath(const QString &dir);
    // A vault exists once its key file does (the key file is written last at create).
    [[nodiscard]] static bool exists(const QString &dir);

    // A new vault, returned unlocked. WeakPassphrase (with reasons) when the passphrase breaks
    // the rules; AlreadyExists when the directory holds a vault. `keyStore` and `clock` must
    // outlive the vault.
    [[nodiscard]] static Result<std::unique_ptr<Vault>>
    create(const QString &dir, const crypto::SecretBytes &passphrase, KeyStore &keyStore,
           Clock &clock, VaultOptions options = {});
    // An existing vault, locked. NotFound when there is none; Erased after a crypto-erase.
    [[nodiscard]] static Result<std::unique_ptr<Vault>>
    load(const QString &dir, KeyStore &keyStore, Clock &clock, VaultOptions options = {});

    // Errors: LockedOut (wait msUntilNextAttempt()), DamagedKeyFile (not counted), WrongKey (wrong
    // passphrase, counted), Erased (the attempt reached the erase-after count, or the key file's
    // pepper is gone), Tampered (database changed, or key file older than the database), Io.
    [[nodiscard]] Status unlock(const crypto::SecretBytes &passphrase);
    // Needs the vault unlocked and the current passphrase (checked like an unlock attempt).
    // New pepper, fresh salt and nonce, generation + 1; old key-file copies die with the old
    // pepper.
    // `eraseAfter`: a new erase-after count in the new key file (HQ's policy; 0 = never, else
    // kEraseAfterMin..kEraseAfterMax); the key file's count can only change this way, as it is
    // authenticated under the passphrase.
    [[nodiscard]] Status changePassphrase(const crypto::SecretBytes &current,
                                          const crypto::SecretBytes &next,
                                          std::optional<std::uint16_t> eraseAfter = std::nullopt);
    // Close the database, zero VK and the identity secrets.
    void lock();
    // Crypto-erase: pepper first, then overwrite the key file, then delete the database files.
    // Works locked or unlocked (the remote-wipe path runs before any passphrase). Then checks:
    // Ok only when no pepper it knows of can still be read and no key or database file is left.
    [[nodiscard]] Status erase();
    // The remote-wipe erase of a directory whose key file need not parse (damaged, from a newer
    // version) or may be missing (security review M-1): it reads the pepper alias at its fixed
    // offset and never fails silently. A key file that is missing while the database is there
    // is an error: the pepper cannot be located, so key material may remain.
    [[nodiscard]] static Status eraseDirectory(const QString &dir, KeyStore &keyStore, Clock &clock,
                                               VaultOptions options = {});

    [[nodiscard]] bool isUnlocked() const { return m_database != nullptr; }
    [[nodiscard]] bool isErased() const { return m_erased; }
    // nullptr while locked.
    [[nodiscard]] store::Database *database() { return m_database.get(); }
    [[nodiscard]] const Identity *identity() const { return m_identity.get(); }

    [[nodiscard]] std::uint32_t failureCount() const;
    [[nodiscard]] qint64 msUntilNextAttempt() const;
    [[nodiscard]] qint64 nextAllowedAt() const; // wall ms; 0 when an attempt is allowed now
    [[nodiscard]] std::uint32_t generation() const { return m_header.generation; }
    [[nodiscard]] std::uint16_t eraseAfter() const { return m_header.eraseAfter; }
    [[nodiscard]] crypto::KdfParams kdfParams() const { return m_header.kdf; }
    [[nodiscard]] crypto::Id16 vaultId() const { return m_header.keyFileId; }
    [[nodiscard]] QString directory() const { return m_dir; }
    [[nodiscard]] QString keyStoreDescription() const { return m_keyStore.description(); }

private:
    Vault(QString dir, KeyStore &keyStore, Clock &clock, VaultOptions options);
    [[nodiscard]] Result<KeyFile> readKeyFile() const;
    [[nodiscard]] Lockout lockoutFor(const crypto::Id16 &vaultId) const;
    // Raise the counter, derive the KEK, unwrap VK. Counts the attempt; erases at the limit.
    [[nodiscard]] Result<crypto::SymmetricKey> attempt(const KeyFile &file,
                                                       const crypto::SecretBytes &passphrase);
    [[nodiscard]] Status openDatabase(const crypto::SymmetricKey &vaultKey, bool creating);
    [[nodiscard]] Status finishUnlock(const KeyFile &file);
    [[nodiscard]] Status loadIdentity();
    void step(ChangeStep s) const;
    void step(UnlockStep s) const;

    QString m_dir;
    KeyStore &m_keyStore;
    Clock &m_clock;
    VaultOptions m_options;
    KeyFileHeader m_header; // of the key file last read or written
    crypto::SymmetricKey m_vaultKey{crypto::SecretBytes()};
    std::unique_ptr<store::Database> m_database;
    std::unique_ptr<Identity> m_identity;
    bool m_erased = false;
};

} // namespace liaison::vault
