#include "vaultcontroller.h"

#include "secrettext.h"

#include <QCoreApplication>
#include <QLoggingCategory>
#include <QMetaObject>

#include <algorithm>
#include <cmath>

Q_LOGGING_CATEGORY(lcVaultUi, "liaison.app.vault")

namespace liaison::app {

namespace {
// The meter is full at 1.6 x the minimum strength; the minimum sits at 62 %.
constexpr double kFullStrengthBits = vault::kMinPassphraseBits * 1.6;

QString quickItemName(const vault::Vault &v)
{
    return QStringLiteral("liaison-quick-") + QString::fromLatin1(v.vaultId().toHex());
}
} // namespace

VaultController::VaultController(QString directory, vault::KeyStore &keyStore,
                                 liaison::Clock &clock, vault::VaultOptions options,
                                 QObject *parent)
    : QObject(parent)
    , m_dir(std::move(directory))
    , m_keyStore(keyStore)
    , m_clock(clock)
    , m_options(std::move(options))
{
    m_lockoutTimer.setInterval(1000);
    connect(&m_lockoutTimer, &QTimer::timeout, this, &VaultController::updateLockout);
    refresh();
}

VaultController::~VaultController()
{
    waitForWorker();
}

void VaultController::waitForWorker()
{
    if (m_worker.joinable())
        m_worker.join();
    // Deliver the queued result now, so callers see the final state.
    QCoreApplication::sendPostedEvents(this, QEvent::MetaCall);
}

void VaultController::refresh()
{
    if (busy() || isUnlocked())
        return;
    if (m_remotelyErased && !vault::Vault::exists(m_dir))
        return; // keep saying what happened
    if (!vault::Vault::exists(m_dir)) {
        m_vault.reset();
        setState(State::NoVault);
        return;
    }
    auto loaded = vault::Vault::load(m_dir, m_keyStore, m_clock, m_options);
    if (!loaded) {
        m_vault.reset();
        setMessage(sentenceFor(loaded.error()));
        setState(loaded.error().code == Errc::Erased ? State::Erased : State::Failed);
        return;
    }
    m_vault = std::move(*loaded);
    m_quickName = quickItemName(*m_vault);
    Q_EMIT attemptsChanged();
    updateLockout();
    Q_EMIT quickUnlockChanged();
}

bool VaultController::adoptUnlocked(std::unique_ptr<vault::Vault> opened)
{
    if (busy() || m_state != State::NoVault || !opened || !opened->isUnlocked())
        return false;
    m_vault = std::move(opened);
    m_quickName = quickItemName(*m_vault);
    m_failuresBeforeUnlock = 0;
    setMessage(QString());
    setState(State::Unlocked);
    Q_EMIT attemptsChanged();
    Q_EMIT unlocked();
    return true;
}

int VaultController::failureCount() const
{
    return m_vault ? int(m_vault->failureCount()) : 0;
}

int VaultController::attemptsBeforeErase() const
{
    if (!m_vault || m_vault->eraseAfter() == 0)
        return -1;
    return std::max(0, int(m_vault->eraseAfter()) - int(m_vault->failureCount()));
}

QString VaultController::lockoutText() const
{
    const int s = m_lockoutSeconds;
    if (s >= 3600)
        return QStringLiteral("%1:%2:%3")
            .arg(s / 3600)
            .arg((s / 60) % 60, 2, 10, QLatin1Char('0'))
            .arg(s % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
}

QString VaultController::keyStoreKind() const
{
    switch (m_keyStore.kind()) {
    case vault::KeyStoreKind::HardwareBacked:
        return QStringLiteral("hardware");
    case vault::KeyStoreKind::OsKeyRing:
        return QStringLiteral("keyring");
    case vault::KeyStoreKind::SoftwareFile:
        break;
    }
    return QStringLiteral("software");
}

bool VaultController::keyStoreWeak() const
{
    return m_keyStore.kind() == vault::KeyStoreKind::SoftwareFile;
}

void VaultController::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged();
    Q_EMIT quickUnlockChanged(); // offered on the lock screen only
}

void VaultController::setMessage(const QString &message)
{
    if (m_message == message)
        return;
    m_message = message;
    Q_EMIT messageChanged();
}

void VaultController::updateLockout()
{
    if (!m_vault || busy() || isUnlocked()) {
        m_lockoutTimer.stop();
        return;
    }
    const qint64 ms = m_vault->msUntilNextAttempt();
    const int seconds = int((ms + 999) / 1000);
    if (seconds != m_lockoutSeconds) {
        m_lockoutSeconds = seconds;
        Q_EMIT lockoutChanged();
    }
    if (seconds > 0) {
        if (!m_lockoutTimer.isActive())
            m_lockoutTimer.start();
        setState(State::LockedOut);
    } else {
        m_lockoutTimer.stop();
        if (m_state == State::LockedOut)
            setMessage(QString());
        setState(State::Locked);
    }
}

void VaultController::assessPassphrase(const QString &passphrase)
{
    const crypto::SecretBytes secret = secretFromText(passphrase);
    const vault::PassphraseVerdict v = vault::checkPassphrase(secret);
    m_acceptable = v.acceptable;
    m_strength =
        passphrase.isEmpty() ? 0.0 : std::clamp(v.estimatedBits / kFullStrengthBits, 0.05, 1.0);
    if (passphrase.isEmpty())
        m_verdict = QString();
    else if (!v.acceptable)
        m_verdict = tr("Too weak");
    else if (v.estimatedBits < kFullStrengthBits)
        m_verdict = tr("Acceptable");
    else
        m_verdict = tr("Strong");
    m_reasons = passphrase.isEmpty() ? QStringList() : v.reasons();
    Q_EMIT assessmentChanged();
}

void VaultController::runWorker(std::function<void()> work)
{
    if (m_worker.joinable())
        m_worker.join();
    setMessage(QString());
    setState(State::Working);
    m_worker = std::thread(std::move(work));
}

void VaultController::createVault(const QString &passphrase, const QString &confirmation)
{
    if (busy() || m_state != State::NoVault)
        return;
    auto secret = std::make_shared<crypto::SecretBytes>(secretFromText(passphrase));
    const crypto::SecretBytes confirm = secretFromText(confirmation);
    if (!secret->equals(confirm) || secret->size() != confirm.size()) {
        setMessage(tr("The two passphrases differ. Type the same passphrase twice."));
        return;
    }
    const vault::PassphraseVerdict v = vault::checkPassphrase(*secret);
    if (!v.acceptable) {
        setMessage(v.reasons().join(QLatin1Char(' ')));
        return;
    }
    QPointer<VaultController> self(this);
    const QString dir = m_dir;
    vault::KeyStore *keyStore = &m_keyStore;
    liaison::Clock *clock = &m_clock;
    const vault::VaultOptions options = m_options;
    runWorker([self, dir, keyStore, clock, options, secret]() {
        auto result = std::make_shared<Result<std::unique_ptr<vault::Vault>>>(
            vault::Vault::create(dir, *secret, *keyStore, *clock, options));
        secret->wipe();
        if (!self)
            return;
        QMetaObject::invokeMethod(
            self.data(),
            [self, result]() {
                if (self)
                    self->finishCreate(std::move(*result));
            },
            Qt::QueuedConnection);
    });
}

void VaultController::finishCreate(Result<std::unique_ptr<vault::Vault>> result)
{
    if (m_worker.joinable())
        m_worker.join();
    if (!result) {
        qCWarning(lcVaultUi) << "create failed:" << errcName(result.error().code);
        setMessage(sentenceFor(result.error()));
        setState(State::NoVault);
        refresh();
        return;
    }
    m_vault = std::move(*result);
    m_quickName = quickItemName(*m_vault);
    qCInfo(lcVaultUi) << "vault created";
    setState(State::Unlocked);
    Q_EMIT attemptsChanged();
    Q_EMIT unlocked();
}

void VaultController::unlock(const QString &passphrase)
{
    unlockSecret(secretFromText(passphrase));
}

void VaultController::unlockSecret(crypto::SecretBytes passphrase)
{
    if (busy() || !m_vault || m_state == State::Unlocked)
        return;
    updateLockout();
    if (m_state == State::LockedOut)
        return;
    if (passphrase.empty()) {
        setMessage(tr("Enter your passphrase."));
        return;
    }
    auto secret = std::make_shared<crypto::SecretBytes>(std::move(passphrase));
    QPointer<VaultController> self(this);
    vault::Vault *v = m_vault.get();
    // A successful unlock resets the counter; HQ hears of the failures before it (RECEIPT).
    m_failuresBeforeUnlock = int(v->failureCount());
    runWorker([self, v, secret, source = m_eraseAfterSource]() {
        const Status status = v->unlock(*secret);
        // The passphrase opened it: quick unlock's window starts again, its failures go.
        if (status && v->quickUnlockEnabled()) {
            if (auto s = v->renewQuickUnlock(kQuickUnlockWindowMs); !s)
                qCWarning(lcVaultUi) << "quick unlock not renewed:" << errcName(s.error().code);
        }
        // HQ's erase-after count into the key file, while the passphrase is at hand.
        if (status && source && v->database()) {
            const std::optional<std::uint16_t> wanted = source(*v->database());
            if (wanted && *wanted != v->eraseAfter()) {
                if (auto s = v->changePassphrase(*secret, *secret, *wanted); !s)
                    qCWarning(lcVaultUi)
                        << "HQ's erase-after count not applied:" << errcName(s.error().code);
                else
                    qCInfo(lcVaultUi) << "erase-after count set to" << *wanted << "by HQ policy";
            }
        }
        secret->wipe();
        if (!self)
            return;
        QMetaObject::invokeMethod(
            self.data(),
            [self, status]() {
                if (self)
                    self->finishUnlock(status);
            },
            Qt::QueuedConnection);
    });
}

void VaultController::finishUnlock(const Status &result)
{
    if (m_worker.joinable())
        m_worker.join();
    if (result) {
        qCInfo(lcVaultUi) << "unlocked";
        m_lockoutTimer.stop();
        if (m_lockoutSeconds != 0) {
            m_lockoutSeconds = 0;
            Q_EMIT lockoutChanged();
        }
        setState(State::Unlocked);
        Q_EMIT attemptsChanged();
        Q_EMIT unlocked();
        return;
    }
    qCInfo(lcVaultUi) << "unlock refused:" << errcName(result.error().code);
    Q_EMIT attemptsChanged();
    switch (result.error().code) {
    case Errc::Erased:
        forgetQuickItem();
        m_vault.reset();
        setMessage(sentenceFor(result.error()));
        setState(State::Erased);
        return;
    case Errc::DamagedKeyFile:
    case Errc::Tampered:
    case Errc::Io:
        setMessage(sentenceFor(result.error()));
        setState(State::Failed);
        return;
    default:
        setMessage(sentenceFor(result.error()));
        setState(State::Locked);
        updateLockout();
        return;
    }
}

void VaultController::lock()
{
    if (m_changing)
        waitForWorker(); // a passphrase change finishes before the database closes
    if (m_state != State::Unlocked || !m_vault)
        return;
    Q_EMIT aboutToLock();
    m_vault->lock();
    qCInfo(lcVaultUi) << "locked";
    setMessage(QString());
    setState(State::Locked);
    updateLockout();
}

void VaultController::changePassphrase(const QString &current, const QString &next,
                                       const QString &confirmation)
{
    if (busy() || !isUnlocked() || m_changing)
        return;
    auto now = std::make_shared<crypto::SecretBytes>(secretFromText(current));
    auto wanted = std::make_shared<crypto::SecretBytes>(secretFromText(next));
    const crypto::SecretBytes confirm = secretFromText(confirmation);
    if (!wanted->equals(confirm) || wanted->size() != confirm.size()) {
        setMessage(tr("The two new passphrases differ. Type the same passphrase twice."));
        Q_EMIT passphraseChanged(false);
        return;
    }
    const vault::PassphraseVerdict verdict = vault::checkPassphrase(*wanted);
    if (!verdict.acceptable) {
        setMessage(verdict.reasons().join(QLatin1Char(' ')));
        Q_EMIT passphraseChanged(false);
        return;
    }
    setMessage(QString());
    vault::Vault *v = m_vault.get();
    const bool hadQuick = quickUnlockEnabled();
    // The state stays Unlocked (the pages stay); m_changing refuses other calls meanwhile.
    runOnWorker(
        [v, now, wanted]() {
            const Status status = v->changePassphrase(*now, *wanted);
            now->wipe();
            wanted->wipe();
            return status;
        },
        [this, hadQuick](const Status &status) {
            if (status) {
                // The vault dropped quick unlock with the old pepper; the platform's item goes.
                forgetQuickItem();
                Q_EMIT quickUnlockChanged();
                setMessage(hadQuick ? tr("Passphrase changed. Quick unlock is off: turn it on "
                                         "again in Settings.")
                                    : tr("Passphrase changed."));
                Q_EMIT passphraseChanged(true);
                return;
            }
            if (status.error().code == Errc::Erased) {
                eraseNow(sentenceFor(status.error()));
                return;
            }
            setMessage(status.error().code == Errc::WrongKey
                           ? tr("The current passphrase is wrong. Nothing changed.")
                           : sentenceFor(status.error()));
            Q_EMIT passphraseChanged(false);
        });
}

void VaultController::wipeWithPassphrase(const QString &passphrase)
{
    if (busy() || !isUnlocked() || m_changing)
        return;
    auto secret = std::make_shared<crypto::SecretBytes>(secretFromText(passphrase));
    vault::Vault *v = m_vault.get();
    // The passphrase is checked as a change to itself checks it (a wrong one counts).
    runOnWorker(
        [v, secret]() {
            const Status status = v->changePassphrase(*secret, *secret);
            secret->wipe();
            return status;
        },
        [this](const Status &status) {
            if (!status && status.error().code != Errc::Erased) {
                setMessage(status.error().code == Errc::WrongKey
                               ? tr("Wrong passphrase: nothing was erased.")
                               : sentenceFor(status.error()));
                return;
            }
            eraseNow(tr("This device was wiped: nothing of the vault is left. HQ has "
                        "to enrol it again."));
            Q_EMIT wipedByOfficer();
        });
}

void VaultController::runOnWorker(std::function<Status()> work,
                                  std::function<void(const Status &)> done)
{
    if (m_worker.joinable())
        m_worker.join();
    m_changing = true;
    QPointer<VaultController> self(this);
    m_worker = std::thread([self, work = std::move(work), done = std::move(done)]() {
        const Status status = work();
        QMetaObject::invokeMethod(
            self.data(),
            [self, status, done]() {
                if (!self)
                    return;
                if (self->m_worker.joinable())
                    self->m_worker.join();
                self->m_changing = false;
                Q_EMIT self->attemptsChanged();
                done(status);
            },
            Qt::QueuedConnection);
    });
}

void VaultController::eraseNow(const QString &message)
{
    if (m_state == State::Unlocked)
        Q_EMIT aboutToLock();
    forgetQuickItem();
    if (m_vault) {
        if (auto s = m_vault->erase(); !s)
            qCWarning(lcVaultUi) << "erase failed:" << errcName(s.error().code);
    }
    m_vault.reset();
    m_remotelyErased = true; // keep saying what happened (refresh)
    setMessage(message);
    setState(State::Erased);
}

Status VaultController::eraseForRemoteWipe()
{
    waitForWorker();
    if (m_state == State::Unlocked && m_vault)
        Q_EMIT aboutToLock();
    forgetQuickItem();
    Status result;
    if (m_vault) {
        result = m_vault->erase();
        m_vault.reset();
    } else {
        // Not loaded (locked app, or a key file that does not parse, or none at all): erase
        // without parsing, and say so when key material may remain (security review M-1).
        result = vault::Vault::eraseDirectory(m_dir, m_keyStore, m_clock, m_options);
    }
    qCWarning(lcVaultUi) << "remote wipe: vault erased," << (result ? "ok" : "with errors");
    m_remotelyErased = true;
    m_lockoutTimer.stop();
    if (m_lockoutSeconds != 0) {
        m_lockoutSeconds = 0;
        Q_EMIT lockoutChanged();
    }
    if (result)
        setMessage(tr("HQ erased this device's vault remotely: its records and keys are gone. "
                      "Contact HQ to enrol the device again."));
    else
        setMessage(tr("HQ ordered this device's vault erased, but not everything could be "
                      "destroyed (%1). Do not use this device; contact HQ.")
                       .arg(result.error().message));
    setState(State::Erased);
    Q_EMIT attemptsChanged();
    return result;
}

// ---- quick unlock ------------------------------------------------------------------------------

void VaultController::setQuickUnlockStore(platform::QuickUnlockStore *store)
{
    m_quickStore = store;
    Q_EMIT quickUnlockChanged();
}

bool VaultController::quickUnlockAvailable() const
{
    return m_quickStore && m_quickStore->available();
}

bool VaultController::quickUnlockEnabled() const
{
    return m_vault && m_vault->quickUnlockEnabled();
}

bool VaultController::quickUnlockOffered() const
{
    return m_state == State::Locked && !m_prompting && quickUnlockAvailable() && m_vault &&
           m_vault->quickUnlockAllowed();
}

void VaultController::forgetQuickItem()
{
    if (m_quickStore && !m_quickName.isEmpty())
        m_quickStore->forget(m_quickName);
}

void VaultController::enableQuickUnlock(const QString &passphrase)
{
    if (busy() || !isUnlocked() || m_changing || !quickUnlockAvailable())
        return;
    auto secret = std::make_shared<crypto::SecretBytes>(secretFromText(passphrase));
    auto quickSecret = std::make_shared<crypto::SecretBytes>();
    vault::Vault *v = m_vault.get();
    runOnWorker(
        [v, secret, quickSecret]() -> Status {
            auto made = v->enableQuickUnlock(*secret, kQuickUnlockWindowMs);
            secret->wipe();
            if (!made)
                return std::unexpected(made.error());
            *quickSecret = std::move(*made);
            return {};
        },
        [this, quickSecret](const Status &status) {
            if (!status) {
                if (status.error().code == Errc::Erased) {
                    eraseNow(sentenceFor(status.error()));
                    return;
                }
                setMessage(status.error().code == Errc::WrongKey
                               ? tr("Wrong passphrase: quick unlock stays off.")
                               : sentenceFor(status.error()));
                Q_EMIT quickUnlockChanged();
                return;
            }
            Q_EMIT quickUnlockChanged(); // vault.quick is there; the platform stores QS now
            QPointer<VaultController> self(this);
            m_quickStore->enrol(
                m_quickName, std::move(*quickSecret),
                tr("Confirm to unlock Liaison this way from now on"),
                [self](platform::QuickUnlockStore::Outcome outcome) {
                    if (!self)
                        return;
                    if (outcome == platform::QuickUnlockStore::Outcome::Ok) {
                        self->setMessage(tr("Quick unlock is on for %1 h after each passphrase "
                                            "unlock.")
                                             .arg(kQuickUnlockWindowMs / 3'600'000));
                    } else {
                        if (self->m_vault) {
                            if (auto s = self->m_vault->disableQuickUnlock(); !s)
                                qCWarning(lcVaultUi)
                                    << "quick unlock file not removed:" << errcName(s.error().code);
                        }
                        self->forgetQuickItem();
                        self->setMessage(tr("Quick unlock was not turned on."));
                    }
                    Q_EMIT self->quickUnlockChanged();
                });
        });
}

void VaultController::disableQuickUnlock()
{
    if (busy() || m_changing || !m_vault)
        return;
    if (auto s = m_vault->disableQuickUnlock(); !s)
        qCWarning(lcVaultUi) << "quick unlock file not removed:" << errcName(s.error().code);
    forgetQuickItem();
    setMessage(tr("Quick unlock is off."));
    Q_EMIT quickUnlockChanged();
}

void VaultController::quickUnlock()
{
    if (busy() || !quickUnlockOffered())
        return;
    m_prompting = true;
    Q_EMIT quickUnlockChanged();
    QPointer<VaultController> self(this);
    m_quickStore->release(
        m_quickName, tr("Unlock the vault"),
        [self](platform::QuickUnlockStore::Outcome outcome, crypto::SecretBytes secret) {
            if (self)
                self->onQuickReleased(outcome, std::move(secret));
        });
}

void VaultController::onQuickReleased(platform::QuickUnlockStore::Outcome outcome,
                                      crypto::SecretBytes secret)
{
    using Outcome = platform::QuickUnlockStore::Outcome;
    m_prompting = false;
    if (!m_vault || m_state != State::Locked) {
        Q_EMIT quickUnlockChanged();
        return;
    }
    switch (outcome) {
    case Outcome::Ok: {
        auto shared = std::make_shared<crypto::SecretBytes>(std::move(secret));
        QPointer<VaultController> self(this);
        vault::Vault *v = m_vault.get();
        m_failuresBeforeUnlock = int(v->failureCount());
        runWorker([self, v, shared]() {
            const Status status = v->unlockQuick(*shared);
            shared->wipe();
            if (!self)
                return;
            QMetaObject::invokeMethod(
                self.data(),
                [self, status]() {
                    if (self)
                        self->finishQuickUnlock(status);
                },
                Qt::QueuedConnection);
        });
        return;
    }
    case Outcome::Cancelled:
        setMessage(tr("Enter your passphrase."));
        break;
    case Outcome::Failed:
        if (auto s = m_vault->recordQuickUnlockFailure(); !s)
            qCWarning(lcVaultUi) << "quick failure not counted:" << errcName(s.error().code);
        setMessage(m_vault->quickUnlockFailures() >= vault::kQuickUnlockMaxFailures
                       ? tr("Not recognised. Enter your passphrase: quick unlock is off until "
                            "then.")
                       : tr("Not recognised. Try again or enter your passphrase."));
        break;
    case Outcome::Invalidated:
        if (auto s = m_vault->disableQuickUnlock(); !s)
            qCWarning(lcVaultUi) << "quick unlock file not removed:" << errcName(s.error().code);
        forgetQuickItem();
        setMessage(tr("The biometrics on this device changed. Enter your passphrase, then turn "
                      "quick unlock on again in Settings."));
        break;
    case Outcome::Unavailable:
        setMessage(tr("Quick unlock is not available now. Enter your passphrase."));
        break;
    }
    Q_EMIT attemptsChanged();
    Q_EMIT quickUnlockChanged();
}

void VaultController::finishQuickUnlock(const Status &result)
{
    if (result || result.error().code == Errc::Erased || result.error().code == Errc::Tampered ||
        result.error().code == Errc::Io || result.error().code == Errc::LockedOut) {
        finishUnlock(result);
        Q_EMIT quickUnlockChanged();
        return;
    }
    if (m_worker.joinable())
        m_worker.join();
    qCInfo(lcVaultUi) << "quick unlock refused:" << errcName(result.error().code);
    if (result.error().code == Errc::NotFound)
        forgetQuickItem(); // it belonged to an older passphrase: the vault removed its file
    setMessage(result.error().code == Errc::Refused
                   ? tr("Quick unlock has expired. Enter your passphrase.")
                   : tr("Quick unlock did not open the vault. Enter your passphrase."));
    setState(State::Locked);
    updateLockout();
    Q_EMIT attemptsChanged();
    Q_EMIT quickUnlockChanged();
}

QString VaultController::sentenceFor(const Error &error)
{
    switch (error.code) {
    case Errc::WrongKey:
        return tr("Wrong passphrase.");
    case Errc::LockedOut:
        return tr("Too many wrong passphrases. Wait until the countdown ends.");
    case Errc::Erased:
        return tr("This device's vault has been erased. Contact HQ to enrol the device again.");
    case Errc::DamagedKeyFile:
        return tr("The key file is damaged. The vault cannot be opened on this device.");
    case Errc::Tampered:
        return tr("The vault was changed outside Liaison or is corrupt. Report this to HQ.");
    case Errc::Io:
        return tr("The vault could not be read or written (storage full or not accessible).");
    case Errc::WeakPassphrase:
        return error.message;
    case Errc::AlreadyExists:
        return tr("A vault already exists on this device.");
    default:
        return tr("The vault could not be opened (%1).")
            .arg(QLatin1StringView(errcName(error.code)));
    }
}

} // namespace liaison::app
