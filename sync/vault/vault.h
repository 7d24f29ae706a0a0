#pragma once

// The device vault (DESIGN.md "Keys", "Unlock, lockout, auto-lock"): passphrase + pepper ->
// KEK -> VK -> database key -> the SQLCipher store, plus the device identity inside it.
// The HQ console reuses it for its own store (createIdentity = false if it keeps other keys).
//
// Files in the vault directory: vault.key (the key file), vault.db (+ -wal, -shm), vault.lockout
// (failure counter), and with quick unlock vault.quick (quickticket.h) and vault.quicklockout
// (its failures). In the key store: the pepper ("liaison-pepper-<alias>") and a copy of each
// failure counter ("liaison-lockout-<key file id>", "liaison-quicklockout-<key file id>").

#include "clock/clock.h"
#include "crypto/crypto.h"
#include "error.h"
#include "keyfile.h"
#include "keystore.h"
#include "lockout.h"
#include "passphrase.h"
#include "quickticket.h"
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
// Quick unlock (DESIGN.md "Unlock, lockout, auto-lock"): after this many failed biometric
// prompts or refused quick secrets, only the passphrase opens the vault until it is typed again.
inline constexpr std::uint32_t kQuickUnlockMaxFailures = 3;

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
    [[nodiscard]] static QString quickPath(const QString &dir);
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

    // ---- quick unlock (DESIGN.md "Unlock, lockout, auto-lock"; the file: quickticket.h) ----
    // How the open vault was opened.
    enum class OpenedBy : std::uint8_t { None, Passphrase, QuickUnlock };
    [[nodiscard]] OpenedBy openedBy() const { return isUnlocked() ? m_openedBy : OpenedBy::None; }
    // Needs the vault unlocked and the passphrase (checked like an unlock attempt, counted).
    // Writes vault.quick: VK wrapped under the pepper and a fresh quick secret, bound to this
    // key file, usable for `windowMs` from now. Returns the quick secret for the platform's
    // biometric store; the vault keeps no copy.
    [[nodiscard]] Result<crypto::SecretBytes>
    enableQuickUnlock(const crypto::SecretBytes &passphrase, std::int64_t windowMs);
    // After a passphrase unlock only (Refused otherwise): the window starts again now, with
    // `windowMs`, and the quick-unlock failures are forgotten. Nothing without vault.quick; a
    // file of another key file is removed.
    [[nodiscard]] Status renewQuickUnlock(std::int64_t windowMs);
    // Opens the vault with the quick secret the platform released. Errors: NotFound (no quick
    // unlock for this key file), LockedOut (the passphrase's delay runs), Refused (outside the
    // window, kQuickUnlockMaxFailures reached, or the clock is before the window's start),
    // WrongKey (the secret does not open it: counted as a quick failure), Erased, Tampered, Io.
    // The passphrase's failure counter is neither raised nor reset: only the passphrase resets
    // it, so the erase-after count cannot be walked around.
    [[nodiscard]] Status unlockQuick(const crypto::SecretBytes &quickSecret);
    // The platform's biometric prompt failed (not cancelled): one quick failure.
    [[nodiscard]] Status recordQuickUnlockFailure();
    // vault.quick exists (whatever its state).
    [[nodiscard]] bool quickUnlockEnabled() const;
    // Quick unlock may be offered now: vault.quick of this key file, inside its window as the
    // file says (unlockQuick checks it under VK), fewer than kQuickUnlockMaxFailures, no delay.
    [[nodiscard]] bool quickUnlockAllowed() const;
    [[nodiscard]] std::uint32_t quickUnlockFailures() const;
    // Overwrites and removes vault.quick and its failure counter.
    [[nodiscard]] Status disableQuickUnlock();
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
    // `passphraseProven`: reset the failure counter (a quick unlock leaves it as it is).
    [[nodiscard]] Status finishUnlock(const KeyFile &file, bool passphraseProven = true);
    [[nodiscard]] Lockout quickLockoutFor(const crypto::Id16 &vaultId) const;
    [[nodiscard]] Result<QuickTicket> readQuickTicket() const;
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
    OpenedBy m_openedBy = OpenedBy::None;
};

} // namespace liaison::vault
