#include "enrolcontroller.h"

#include "passphrasewords.h"
#include "qrcodereader.h"
#include "secrettext.h"
#include "vaultcontroller.h"

#include <QClipboard>
#include <QGuiApplication>
#include <QLoggingCategory>
#include <QNetworkAccessManager>

Q_LOGGING_CATEGORY(lcEnrolUi, "liaison.app.enrol")

namespace liaison::app {

EnrolController::EnrolController(QString vaultDir, VaultController &vaultController,
                                 vault::KeyStore &keyStore, liaison::Clock &vaultClock,
                                 const liaison::Clock &clock, vault::VaultOptions vaultOptions,
                                 QObject *parent)
    : QObject(parent)
    , m_vaultDir(std::move(vaultDir))
    , m_vaultController(vaultController)
    , m_keyStore(keyStore)
    , m_vaultClock(vaultClock)
    , m_clock(clock)
    , m_vaultOptions(std::move(vaultOptions))
{}

EnrolController::~EnrolController() = default;

QStringList EnrolController::safetyGroups() const
{
    return m_safetyNumber.split(QLatin1Char(' '), Qt::SkipEmptyParts);
}

void EnrolController::setState(State state)
{
    if (state == m_state)
        return;
    m_state = state;
    Q_EMIT stateChanged();
}

void EnrolController::setMessage(const QString &message)
{
    if (message == m_message)
        return;
    m_message = message;
    Q_EMIT messageChanged();
}

void EnrolController::setStep(const QString &step)
{
    if (step == m_step)
        return;
    m_step = step;
    Q_EMIT stepChanged();
}

void EnrolController::clearMessage()
{
    setMessage(QString());
    if (m_state == State::Failed)
        setState(State::Idle);
}

QString EnrolController::suggestPassphrase() const
{
    return app::suggestPassphrase(6);
}

QString EnrolController::codeFromImage(const QString &fileOrUrl)
{
    const QUrl url(fileOrUrl);
    const QString path = url.isLocalFile() ? url.toLocalFile() : fileOrUrl;
    auto code = readQrCodeFile(path);
    if (!code) {
        setMessage(code.error().code == Errc::NotFound
                       ? tr("No QR code could be read in this picture. Hold the camera steady "
                            "over the whole code, or type the code instead.")
                       : tr("This file is not a picture the app can read."));
        return {};
    }
    setMessage(QString());
    return *code;
}

QString EnrolController::pasteFromClipboard()
{
    const QClipboard *clipboard = QGuiApplication::clipboard();
    if (!clipboard)
        return {};
    const QImage image = clipboard->image();
    if (!image.isNull()) {
        auto code = readQrCode(image);
        if (code) {
            setMessage(QString());
            return *code;
        }
        setMessage(tr("No QR code could be read in the copied picture."));
        return {};
    }
    return clipboard->text().trimmed();
}

void EnrolController::start(const QString &code, const QString &passphrase,
                            const QString &confirmation)
{
    if (active())
        return;
    if (m_vaultController.state() != VaultController::State::NoVault) {
        setMessage(tr("This device already holds a vault. Enrolment makes a new one: wipe this "
                      "device first (Settings)."));
        return;
    }
    if (code.trimmed().isEmpty()) {
        setMessage(tr("Type, paste or scan the enrolment code HQ gave you."));
        return;
    }
    crypto::SecretBytes secret = secretFromText(passphrase);
    {
        const crypto::SecretBytes confirm = secretFromText(confirmation);
        if (!secret.equals(confirm) || secret.size() != confirm.size()) {
            setMessage(tr("The two passphrases differ. Type the same passphrase twice."));
            return;
        }
    }
    const vault::PassphraseVerdict verdict = vault::checkPassphrase(secret);
    if (!verdict.acceptable) {
        setMessage(verdict.reasons().join(QLatin1Char(' ')));
        return;
    }
    m_client.reset();
    m_nam = std::make_unique<QNetworkAccessManager>();
    m_client =
        std::make_unique<device::EnrolClient>(m_nam.get(), m_keyStore, m_vaultClock, m_clock);
    connect(m_client.get(), &device::EnrolClient::submitted, this, &EnrolController::onSubmitted);
    connect(m_client.get(), &device::EnrolClient::finished, this, &EnrolController::onFinished);
    m_submitted = false;
    m_safetyNumber.clear();
    Q_EMIT safetyNumberChanged();
    setMessage(QString());
    setStep(tr("Checking the code with HQ's relay and creating your vault…"));
    setState(State::Working);
    device::EnrolOptions options;
    options.vault = m_vaultOptions;
    qCInfo(lcEnrolUi) << "enrolment started";
    m_client->start(secretFromText(code), m_vaultDir, std::move(secret), std::move(options));
}

void EnrolController::onSubmitted(const protocol::SafetyNumber &number)
{
    m_submitted = true;
    m_safetyNumber = number.toString();
    Q_EMIT safetyNumberChanged();
    setStep(tr("Waiting for HQ. The desk will call you and ask for this number."));
    setState(State::WaitingForHq);
}

QString EnrolController::sentenceFor(device::EnrolOutcome outcome, bool submitted,
                                     const QString &reason)
{
    using device::EnrolOutcome;
    switch (outcome) {
    case EnrolOutcome::Confirmed:
        return {};
    case EnrolOutcome::DamagedCode:
        return tr("This is not a complete enrolment code: a character is missing or mistyped. "
                  "Compare it with HQ's printout, or scan the QR code.");
    case EnrolOutcome::Expired:
        return submitted ? tr("HQ did not confirm before the code expired. Ask HQ for a new "
                              "code.")
                         : tr("This enrolment code has expired. Ask HQ for a new code.");
    case EnrolOutcome::Cancelled:
        return submitted ? tr("HQ refused this enrolment. Nothing was kept on this device. Call "
                              "the desk before you try again.")
                         : tr("This enrolment code has already been used, or HQ withdrew it. "
                              "Ask HQ for a new code.");
    case EnrolOutcome::Unreachable:
        return tr("HQ's relay does not answer. Check that the phone is online, then try again.");
    case EnrolOutcome::TimedOut:
        return tr("HQ has not confirmed yet. Try again later with the same code.");
    case EnrolOutcome::Failed:
        break;
    }
    return tr("Enrolment failed: %1").arg(reason);
}

void EnrolController::onFinished(device::EnrolOutcome outcome, const QString &reason)
{
    // Queued: finished() comes from inside the enrolment's sync round, whose engine
    // takeVault() and discard() destroy.
    QMetaObject::invokeMethod(
        this, [this, outcome, reason] { conclude(outcome, reason); }, Qt::QueuedConnection);
}

void EnrolController::conclude(device::EnrolOutcome outcome, const QString &reason)
{
    qCInfo(lcEnrolUi) << "enrolment ended:" << device::enrolOutcomeName(outcome);
    if (outcome == device::EnrolOutcome::Confirmed) {
        std::unique_ptr<vault::Vault> opened = m_client->takeVault();
        if (opened && m_vaultController.adoptUnlocked(std::move(opened))) {
            setStep(QString());
            setState(State::Confirmed);
            return;
        }
        setMessage(tr("HQ confirmed this device, but its vault could not be opened here. "
                      "Restart the app and unlock it with your passphrase."));
        setState(State::Failed);
        m_vaultController.refresh();
        return;
    }
    // Refused while waiting: nothing of the enrolment stays (before the submission the core
    // has removed it already).
    if (m_submitted && outcome != device::EnrolOutcome::TimedOut &&
        outcome != device::EnrolOutcome::Unreachable)
        m_client->discard();
    setMessage(sentenceFor(outcome, m_submitted, reason));
    setStep(QString());
    m_safetyNumber.clear();
    Q_EMIT safetyNumberChanged();
    setState(State::Failed);
    m_vaultController.refresh();
}

} // namespace liaison::app
