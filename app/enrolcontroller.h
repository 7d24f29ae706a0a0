#pragma once

// The first run (DESIGN.md "Enrolment", the device's side; issue 11): backs the enrolment page.
// The officer types or pastes the code from HQ, or reads it from a picture of its QR code
// (qrcodereader.h), chooses a passphrase (the vault's strength check, words suggested by
// passphrasewords.h), and the core's EnrolClient does the rest: HQ's certificate, the vault, the
// sealed submission, then waiting for HQ. Meanwhile the page shows the 60-digit safety number to
// read out when the desk calls. Once HQ's first verified message (the RESYNC) is applied, the
// vault the enrolment opened is handed to the VaultController (adoptUnlocked) and the app is
// unlocked and ready.
//
// Every way it stops short has its own sentence (message): a damaged code, an expired one, one
// already used or withdrawn by HQ (the relay refuses the submission), HQ refusing the device
// while it waits, a relay that does not answer. A refusal leaves no vault behind.
//
// The code and the passphrase arrive as QStrings for the length of the call only, are copied into
// secret memory at once, and the page clears its fields right after.

#include "device/enrolclient.h"

#include <QObject>
#include <QStringList>
#include <QUrl>
#include <QtQml/qqmlregistration.h>

#include <memory>

class QNetworkAccessManager;

namespace liaison::app {

class VaultController;

class EnrolController : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("EnrolController is built by the AppController")

    Q_PROPERTY(State state READ state NOTIFY stateChanged)
    Q_PROPERTY(bool active READ active NOTIFY stateChanged)
    Q_PROPERTY(QString message READ message NOTIFY messageChanged)
    Q_PROPERTY(QString step READ step NOTIFY stepChanged)
    Q_PROPERTY(QString safetyNumber READ safetyNumber NOTIFY safetyNumberChanged)
    Q_PROPERTY(QStringList safetyGroups READ safetyGroups NOTIFY safetyNumberChanged)

public:
    enum class State {
        Idle,         // the form
        Working,      // certificate, vault, submission
        WaitingForHq, // submitted: the safety number is shown
        Confirmed,    // HQ's first message applied; the vault controller has the vault
        Failed,       // see message; the form again
    };
    Q_ENUM(State)

    // `vaultController`, `keyStore` and the clocks must outlive this object.
    EnrolController(QString vaultDir, VaultController &vaultController, vault::KeyStore &keyStore,
                    liaison::Clock &vaultClock, const liaison::Clock &clock,
                    vault::VaultOptions vaultOptions, QObject *parent = nullptr);
    ~EnrolController() override;
    Q_DISABLE_COPY_MOVE(EnrolController)

    [[nodiscard]] State state() const { return m_state; }
    // Between start() and the end (the vault directory is the enrolment's meanwhile).
    [[nodiscard]] bool active() const
    {
        return m_state == State::Working || m_state == State::WaitingForHq;
    }
    [[nodiscard]] QString message() const { return m_message; }
    [[nodiscard]] QString step() const { return m_step; }
    [[nodiscard]] QString safetyNumber() const { return m_safetyNumber; }
    [[nodiscard]] QStringList safetyGroups() const;

    // Checks the passphrase (both fields equal, the vault's rules) and starts. Refused with a
    // message while one runs or once a vault exists.
    Q_INVOKABLE void start(const QString &code, const QString &passphrase,
                           const QString &confirmation);
    // The code in a picture of the QR code HQ printed (a file path or file: URL; the clipboard's
    // picture with pasteFromClipboard). Empty, with the reason in `message`, when none is there.
    Q_INVOKABLE QString codeFromImage(const QString &fileOrUrl);
    // The clipboard's text, or the code in the clipboard's picture.
    Q_INVOKABLE QString pasteFromClipboard();
    // Six words drawn with libsodium's randomness.
    Q_INVOKABLE QString suggestPassphrase() const;
    // From Failed back to the form.
    Q_INVOKABLE void clearMessage();

    // The sentence for each way enrolment ends (tests read them).
    [[nodiscard]] static QString sentenceFor(device::EnrolOutcome outcome, bool submitted,
                                             const QString &reason);

Q_SIGNALS:
    void stateChanged();
    void messageChanged();
    void stepChanged();
    void safetyNumberChanged();

private:
    void setState(State state);
    void setMessage(const QString &message);
    void setStep(const QString &step);
    void onSubmitted(const protocol::SafetyNumber &number);
    void onFinished(device::EnrolOutcome outcome, const QString &reason);
    void conclude(device::EnrolOutcome outcome, const QString &reason);

    QString m_vaultDir;
    VaultController &m_vaultController;
    vault::KeyStore &m_keyStore;
    liaison::Clock &m_vaultClock;
    const liaison::Clock &m_clock;
    vault::VaultOptions m_vaultOptions;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    std::unique_ptr<device::EnrolClient> m_client;
    State m_state = State::Idle;
    QString m_message;
    QString m_step;
    QString m_safetyNumber;
    bool m_submitted = false;
};

} // namespace liaison::app
