#pragma once

// Backs the unlock and create-vault page: creates the vault with passphrase strength feedback,
// unlocks with the lockout countdown, locks. Argon2id (about a second) runs on a worker thread so
// the page keeps drawing; `busy` is true meanwhile and every other call is refused.
//
// Passphrases arrive from the TextField as a QString only for the length of the call: they are
// copied into SecretBytes (sodium_malloc memory) at once and the QML side clears the field right
// after. They are never stored in a property, a log or a QString member.
//
// Quick unlock (issue 11 "Getting back in quickly"; DESIGN.md "Unlock, lockout, auto-lock"):
// where the platform has a biometric key store (platform/quickunlock.h), Settings turns it on
// with the passphrase; the vault wraps VK under the pepper and a quick secret that only the
// platform keeps, behind the biometric prompt (vault/quickticket.h). The lock screen offers it
// for kQuickUnlockWindowMs after the last passphrase unlock and until kQuickUnlockMaxFailures
// failed prompts; a cancelled or failed prompt leaves the passphrase. A passphrase change, a wipe
// or an erase drops it (the platform's item is forgotten too).

#include "quickunlock.h"
#include "store/database.h"
#include "vault/vault.h"

#include <QObject>
#include <QPointer>
#include <QStringList>
#include <QTimer>
#include <QtQml/qqmlregistration.h>

#include <memory>
#include <thread>

namespace liaison::app {

// How long after a passphrase unlock quick unlock works (DESIGN.md's example; HQ's POLICY has no
// key for it yet, so it cannot shorten or forbid it: README "Quick unlock").
inline constexpr std::int64_t kQuickUnlockWindowMs = 12LL * 3600 * 1000;

class VaultController : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("VaultController is built by the composition root")

    Q_PROPERTY(State state READ state NOTIFY stateChanged)
    Q_PROPERTY(bool busy READ busy NOTIFY stateChanged)
    Q_PROPERTY(QString message READ message NOTIFY messageChanged)
    Q_PROPERTY(int failureCount READ failureCount NOTIFY attemptsChanged)
    Q_PROPERTY(int attemptsBeforeErase READ attemptsBeforeErase NOTIFY attemptsChanged)
    Q_PROPERTY(int lockoutSeconds READ lockoutSeconds NOTIFY lockoutChanged)
    Q_PROPERTY(QString lockoutText READ lockoutText NOTIFY lockoutChanged)
    Q_PROPERTY(bool passphraseAcceptable READ passphraseAcceptable NOTIFY assessmentChanged)
    Q_PROPERTY(double passphraseStrength READ passphraseStrength NOTIFY assessmentChanged)
    Q_PROPERTY(QString passphraseVerdict READ passphraseVerdict NOTIFY assessmentChanged)
    Q_PROPERTY(QStringList passphraseReasons READ passphraseReasons NOTIFY assessmentChanged)
    // Where the vault's key is kept: "hardware", "keyring" or "software" (the pages say it in
    // the officer's language; the platform's own description is English, for logs).
    Q_PROPERTY(QString keyStoreKind READ keyStoreKind CONSTANT)
    Q_PROPERTY(bool keyStoreWeak READ keyStoreWeak CONSTANT)
    // The platform can keep a secret behind a biometric prompt (never on the desktop).
    Q_PROPERTY(bool quickUnlockAvailable READ quickUnlockAvailable NOTIFY quickUnlockChanged)
    // Turned on in Settings for this vault.
    Q_PROPERTY(bool quickUnlockEnabled READ quickUnlockEnabled NOTIFY quickUnlockChanged)
    // The lock screen shows its button: available, enabled, inside the window, not too many
    // failures, no lockout delay.
    Q_PROPERTY(bool quickUnlockOffered READ quickUnlockOffered NOTIFY quickUnlockChanged)

public:
    enum class State {
        NoVault,   // nothing here yet: create one
        Locked,    // enter the passphrase
        Working,   // Argon2id running (create or unlock)
        Unlocked,  // the database is open
        LockedOut, // too many failures: wait lockoutSeconds
        Erased,    // crypto-erased (erase-after count, or remote wipe)
        Failed,    // the vault cannot be used (damaged key file, tampered, I/O); see message
    };
    Q_ENUM(State)

    // `keyStore` and `clock` must outlive the controller.
    VaultController(QString directory, vault::KeyStore &keyStore, liaison::Clock &clock,
                    vault::VaultOptions options, QObject *parent = nullptr);
    ~VaultController() override;
    Q_DISABLE_COPY_MOVE(VaultController)

    [[nodiscard]] State state() const { return m_state; }
    [[nodiscard]] bool busy() const { return m_state == State::Working; }
    [[nodiscard]] QString message() const { return m_message; }
    [[nodiscard]] int failureCount() const;
    // Failed attempts counted before the unlock that opened the vault (the counter itself is
    // reset by a successful unlock). Reported to HQ in the next RECEIPT.
    [[nodiscard]] int failuresBeforeUnlock() const { return m_failuresBeforeUnlock; }
    [[nodiscard]] int attemptsBeforeErase() const; // -1 when the vault never erases itself
    [[nodiscard]] int lockoutSeconds() const { return m_lockoutSeconds; }
    [[nodiscard]] QString lockoutText() const;
    [[nodiscard]] bool passphraseAcceptable() const { return m_acceptable; }
    [[nodiscard]] double passphraseStrength() const { return m_strength; }
    [[nodiscard]] QString passphraseVerdict() const { return m_verdict; }
    [[nodiscard]] QStringList passphraseReasons() const { return m_reasons; }
    [[nodiscard]] QString keyStoreKind() const;
    [[nodiscard]] bool keyStoreWeak() const;
    [[nodiscard]] bool quickUnlockAvailable() const;
    [[nodiscard]] bool quickUnlockEnabled() const;
    [[nodiscard]] bool quickUnlockOffered() const;

    // The platform's biometric store (nullptr: none); must outlive the controller.
    void setQuickUnlockStore(platform::QuickUnlockStore *store);
    // Settings: checks the passphrase (a wrong one counts), then has the platform store the
    // quick secret (Android shows the prompt). `message` says how it went.
    Q_INVOKABLE void enableQuickUnlock(const QString &passphrase);
    // Settings: off at once (the file and the platform's item).
    Q_INVOKABLE void disableQuickUnlock();
    // Lock screen: the platform's prompt, then the vault opens; a cancelled or failed prompt
    // leaves it locked for the passphrase.
    Q_INVOKABLE void quickUnlock();

    // Strength feedback while typing (create page). Keeps no copy.
    Q_INVOKABLE void assessPassphrase(const QString &passphrase);
    // Both fields must match and pass the rules. Finishes with state Unlocked or a message.
    Q_INVOKABLE void createVault(const QString &passphrase, const QString &confirmation);
    Q_INVOKABLE void unlock(const QString &passphrase);
    // The same from C++ (screenshot tour, tests): the passphrase already in secret memory.
    void unlockSecret(crypto::SecretBytes passphrase);
    Q_INVOKABLE void lock();
    // Settings: the current passphrase, the new one twice. Runs on the worker (two Argon2id);
    // `message` says how it went, passphraseChanged(ok) at the end. Stays unlocked.
    Q_INVOKABLE void changePassphrase(const QString &current, const QString &next,
                                      const QString &confirmation);
    // Settings, "wipe this device": the passphrase is checked (a wrong one counts as a failed
    // attempt), then the vault is crypto-erased; state Erased. A wrong passphrase leaves it
    // unlocked with a message.
    Q_INVOKABLE void wipeWithPassphrase(const QString &passphrase);
    // HQ's erase-after count, read from the unlocked database on the worker right after an
    // unlock; when it differs from the key file's, the key file is rewritten with it (the
    // passphrase is at hand only then). nullopt: no policy.
    void setEraseAfterSource(std::function<std::optional<std::uint16_t>(store::Database &)> source)
    {
        m_eraseAfterSource = std::move(source);
    }
    // Remote wipe (a verified wipe token, DESIGN.md "Commands, remote wipe"): crypto-erases the
    // vault whatever its state (locked, locked out, unlocked: aboutToLock first; a running
    // unlock is waited for), then state Erased with a message that says HQ erased it. Stays
    // Erased on refresh() until the app restarts.
    [[nodiscard]] Status eraseForRemoteWipe();

    // Enrolment made the vault and opened it (EnrolClient::takeVault): it becomes this
    // controller's, state Unlocked, unlocked() emitted. Refused (false) unless the state is
    // NoVault and `opened` is open.
    bool adoptUnlocked(std::unique_ptr<vault::Vault> opened);
    // The unlocked vault (nullptr otherwise); for the composition root, not QML.
    [[nodiscard]] vault::Vault *vault() { return isUnlocked() ? m_vault.get() : nullptr; }
    [[nodiscard]] bool isUnlocked() const { return m_state == State::Unlocked; }
    // Re-reads the vault directory (start, resume): NoVault, Locked, LockedOut or Erased.
    void refresh();
    // Waits for a running create or unlock (tests, shutdown).
    void waitForWorker();

Q_SIGNALS:
    void stateChanged();
    void messageChanged();
    void attemptsChanged();
    void lockoutChanged();
    void assessmentChanged();
    // The database is open; the composition root opens the session now.
    void unlocked();
    void passphraseChanged(bool ok);
    void quickUnlockChanged();
    // wipeWithPassphrase erased the vault.
    void wipedByOfficer();
    // About to close the database: drop everything that uses it.
    void aboutToLock();

private:
    void setState(State state);
    void setMessage(const QString &message);
    void updateLockout();
    void finishUnlock(const Status &result);
    void finishQuickUnlock(const Status &result);
    void onQuickReleased(platform::QuickUnlockStore::Outcome outcome, crypto::SecretBytes secret);
    void forgetQuickItem();
    void finishCreate(Result<std::unique_ptr<vault::Vault>> result);
    void runWorker(std::function<void()> work);
    // A change or wipe while unlocked: `work` on the worker thread, `done` back on this one.
    void runOnWorker(std::function<Status()> work, std::function<void(const Status &)> done);
    // Crypto-erase now (aboutToLock first while unlocked), state Erased with `message`.
    void eraseNow(const QString &message);
    [[nodiscard]] static QString sentenceFor(const Error &error);

    QString m_dir;
    vault::KeyStore &m_keyStore;
    liaison::Clock &m_clock;
    vault::VaultOptions m_options;
    std::unique_ptr<vault::Vault> m_vault; // loaded (locked) or unlocked
    State m_state = State::NoVault;
    int m_failuresBeforeUnlock = 0;
    bool m_remotelyErased = false;
    QString m_message;
    int m_lockoutSeconds = 0;
    QTimer m_lockoutTimer;
    bool m_acceptable = false;
    double m_strength = 0;
    QString m_verdict;
    QStringList m_reasons;
    std::thread m_worker;
    std::function<std::optional<std::uint16_t>(store::Database &)> m_eraseAfterSource;
    bool m_wipedByOfficer = false;
    bool m_changing = false; // a passphrase change or a wipe runs on the worker
    platform::QuickUnlockStore *m_quickStore = nullptr;
    bool m_prompting = false; // the platform's biometric prompt is up
    // The platform's item of the loaded vault ("liaison-quick-<vault id>"), kept for the erases.
    QString m_quickName;
};

} // namespace liaison::app
