#pragma once

// The root object Main.qml receives as its required property `app`: the vault controller, the
// item models, the instruction actions and the sync status, plus app-wide state (clock wrong,
// auto-lock). It opens the DeviceSession when the vault unlocks and drops it before the vault
// locks, so the models hold nothing while locked. An enrolled device with a relay address in its
// profile also gets its sync engine (DeviceSync) for the same span: it starts after the unlock,
// its applied envelopes refresh the models, a local edit starts a round, and it stops before the
// vault locks.
//
// Auto-lock (DESIGN.md "Unlock, lockout, auto-lock"): when the platform reports the app in the
// background (platform::Lifecycle: hidden or suspended; a merely inactive window, a system dialog
// or the notification shade, is still the foreground) a timer of the policy timeout starts; on
// its end, or on return after the timeout has passed on the monotonic clock (the timer cannot
// fire while the OS suspends the app), the vault locks. Screen lock arrives as the background too.
//
// Remote wipe (DESIGN.md "Commands, remote wipe"): at start and on every resume, before the
// passphrase, the plain wipe file beside the vault (wipefile.h) names the relay and the wipe id;
// a client::WipeCheck asks the relay for a token. While unlocked the sync engine's own check does
// it (SyncClientOptions::wipe, at start and resume). A token that verifies against the wipe file
// (HQ's root vouches for the key that signed it) crypto-erases the vault, deletes the wipe file
// and posts the acknowledgement (kept in "wipe.pending" until the relay took it, so a wipe cut
// short finishes at the next start); the vault page then says the vault was erased by HQ. A
// token that does not verify is never obeyed.
//
// First run (issue 11): with no vault the window shows the enrolment page (EnrolController); the
// enrolment creates the vault and, once HQ confirmed, hands it over unlocked.
//
// HQ's policy (issue 11; device/devicesettings.h): the auto-lock ceiling caps the officer's
// choice at once; the erase-after count is written into the key file at the next unlock (it is
// authenticated under the passphrase). A call placed from the app (tel:) does not lock it: going
// to the background within kCallHandOverMs of the hand-over allows kCallGraceMs before the lock.
//
// The lock screen's emergency call (issue 11): the 24/7 duty number is kept outside the vault
// (device/dutynumber.h), read at start, rewritten from the records at unlock and after each sync
// round; `dutyNumber` is readable while locked and callDutyNumber() dials it without unlocking.

#include "casemodel.h"
#include "contactmodel.h"
#include "enrolcontroller.h"
#include "externalactions.h"
#include "instructioncontroller.h"
#include "instructionmodel.h"
#include "language.h"
#include "notifier.h"
#include "reportcontroller.h"
#include "reportmodel.h"
#include "schedulemodel.h"
#include "syncstatusfacade.h"
#include "vaultcontroller.h"

#include "lifecycle.h"

#include "client/relayhttp.h"
#include "client/wipecheck.h"
#include "device/devicestore.h"
#include "device/devicestreams.h"
#include "device/devicesync.h"
#include "device/wipefile.h"
#include "protocol/body.h"

#include <QObject>
#include <QPointer>
#include <QTimer>
#include <QtQml/qqmlregistration.h>

#include <memory>

namespace liaison::app {

struct AppServices
{
    QString vaultDirectory;
    vault::KeyStore &keyStore;
    liaison::Clock &vaultClock;  // lockout
    const liaison::Clock &clock; // stamps, models, auto-lock
    vault::VaultOptions vaultOptions;
    // The auto-lock delay until the officer chooses one (Settings); HQ's policy caps both.
    int autoLockMs = 60'000;
    // Sync: nullptr = the platform's connectivity (none for a loopback relay). Tests pass their
    // own and shorten the engine's timings.
    client::Connectivity *connectivity = nullptr;
    client::SyncClientOptions syncOptions = {};
    // tel:, sms:, mailto:, geo: go here; nullptr = QDesktopServices::openUrl.
    UrlOpener openUrl = nullptr;
    // The language choice (language.h): empty = the platform's settings; tests give a file.
    QString settingsFile = {};
    QLocale systemLocale = QLocale::system();
    // Local notifications (notifier.h): nullptr = the in-app banner (AppController::notice).
    NotificationSink *notifications = nullptr;
    // Quick unlock behind the platform's biometric prompt (platform/quickunlock.h); nullptr:
    // none, the lock screen asks for the passphrase only.
    platform::QuickUnlockStore *quickUnlock = nullptr;
    // Foreground and background (platform/lifecycle.h), the auto-lock's trigger: nullptr = the
    // platform's own (platform::createLifecycle), as main.cpp wires it.
    platform::Lifecycle *lifecycle = nullptr;
};

// Going to the background this soon after a tel: hand-over is the call placed from the app ...
inline constexpr qint64 kCallHandOverMs = 5'000;
// ... which may last this long before the vault locks (instead of the auto-lock delay).
inline constexpr qint64 kCallGraceMs = 30 * 60'000;

class AppController : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("AppController is built by main.cpp")

    Q_PROPERTY(liaison::app::VaultController *vault READ vault CONSTANT)
    Q_PROPERTY(liaison::app::ContactModel *contacts READ contacts CONSTANT)
    Q_PROPERTY(liaison::app::CaseModel *cases READ cases CONSTANT)
    Q_PROPERTY(liaison::app::InstructionModel *instructions READ instructions CONSTANT)
    Q_PROPERTY(liaison::app::ScheduleModel *schedule READ schedule CONSTANT)
    Q_PROPERTY(
        liaison::app::InstructionController *instructionActions READ instructionActions CONSTANT)
    Q_PROPERTY(liaison::app::SyncStatusFacade *sync READ sync CONSTANT)
    Q_PROPERTY(bool clockWrong READ clockWrong NOTIFY clockWrongChanged)
    Q_PROPERTY(QString sessionError READ sessionError NOTIFY sessionErrorChanged)
    Q_PROPERTY(int autoLockSeconds READ autoLockSeconds NOTIFY policyChanged)
    Q_PROPERTY(int autoLockCeilingSeconds READ autoLockCeilingSeconds NOTIFY policyChanged)
    Q_PROPERTY(QList<int> autoLockChoices READ autoLockChoices NOTIFY policyChanged)
    Q_PROPERTY(int policyEraseAfter READ policyEraseAfter NOTIFY policyChanged)
    Q_PROPERTY(QString deviceFingerprint READ deviceFingerprint NOTIFY deviceFingerprintChanged)
    // "" (follow the system), "en" or "cs"; Settings sets it.
    Q_PROPERTY(QString language READ language WRITE setLanguage NOTIFY languageChanged)
    Q_PROPERTY(QString effectiveLanguage READ effectiveLanguage NOTIFY languageChanged)
    // The officer's home zone (IANA id; Europe/Prague unless chosen in Settings): the schedule
    // shows each time in it too where it differs from the venue's.
    Q_PROPERTY(
        QString homeTimeZone READ homeTimeZone WRITE setHomeTimeZone NOTIFY homeTimeZoneChanged)
    Q_PROPERTY(QStringList homeTimeZoneChoices READ homeTimeZoneChoices CONSTANT)
    // Metered links (issue 11): bulk sync waits while the link is metered or roaming; the
    // priority lanes always run. Kept in the settings file.
    Q_PROPERTY(bool deferBulkOnMetered READ deferBulkOnMetered WRITE setDeferBulkOnMetered NOTIFY
                   deferBulkOnMeteredChanged)
    Q_PROPERTY(bool remotelyWiped READ remotelyWiped NOTIFY remotelyWipedChanged)
    Q_PROPERTY(liaison::app::ExternalActions *actions READ actions CONSTANT)
    Q_PROPERTY(liaison::app::ReportModel *reports READ reports CONSTANT)
    Q_PROPERTY(liaison::app::ReportController *reportActions READ reportActions CONSTANT)
    Q_PROPERTY(QString dutyNumber READ dutyNumber NOTIFY dutyNumberChanged)
    Q_PROPERTY(liaison::app::EnrolController *enrolment READ enrolment CONSTANT)
    // The newest notice while the app runs (notifier.h); the main page shows it as a banner.
    Q_PROPERTY(liaison::app::InAppNotice *notice READ notice CONSTANT)

public:
    explicit AppController(AppServices services, QObject *parent = nullptr);
    ~AppController() override;
    Q_DISABLE_COPY_MOVE(AppController)

    [[nodiscard]] VaultController *vault() { return m_vault.get(); }
    [[nodiscard]] ContactModel *contacts() { return m_contacts; }
    [[nodiscard]] CaseModel *cases() { return m_cases; }
    [[nodiscard]] InstructionModel *instructions() { return m_instructions; }
    [[nodiscard]] ScheduleModel *schedule() { return m_schedule; }
    [[nodiscard]] InstructionController *instructionActions() { return m_instructionActions; }
    [[nodiscard]] SyncStatusFacade *sync() { return m_sync; }
    [[nodiscard]] bool clockWrong() const { return m_clockWrong; }
    [[nodiscard]] QString sessionError() const { return m_sessionError; }
    [[nodiscard]] int autoLockSeconds() const { return m_autoLockMs / 1000; }
    // HQ's ceiling; 0 without a policy.
    [[nodiscard]] int autoLockCeilingSeconds() const;
    // The settings page's choices within the ceiling.
    [[nodiscard]] QList<int> autoLockChoices() const;
    // While unlocked and enrolled: the device id and the BLAKE2b-256 of its signing key, in
    // groups of four hex digits, for HQ to compare; empty otherwise.
    [[nodiscard]] QString deviceFingerprint() const;
    [[nodiscard]] QString language() const { return m_language->choice(); }
    [[nodiscard]] QString effectiveLanguage() const { return m_language->effective(); }
    void setLanguage(const QString &code);
    [[nodiscard]] Language *languageSettings() { return m_language; }
    // The QML engine that shows this controller (main.cpp; may be null). At each lock, once the
    // window has swapped the main page for the unlock page, what showed the records goes at
    // once: the pages' deferred deletes run and the engine collects its garbage (the JavaScript
    // strings of the delegates and bindings), so their texts are freed, and wiped by the heap
    // wipe, now rather than whenever the engine next collects (issue 12, test 3).
    void setQmlEngine(QQmlEngine *engine);
    [[nodiscard]] QString homeTimeZone() const;
    // Kept in the settings file; an unknown id is refused (nothing changes).
    void setHomeTimeZone(const QString &iana);
    // The zones Settings offers: the IANA region/city ids, sorted.
    [[nodiscard]] static QStringList homeTimeZoneChoices();
    [[nodiscard]] bool deferBulkOnMetered() const { return m_deferBulkOnMetered; }
    void setDeferBulkOnMetered(bool defer);
    // HQ's erase-after count (0 never); -1 without a policy.
    [[nodiscard]] int policyEraseAfter() const;
    // The officer's auto-lock delay, kept in the vault; refused (false) above HQ's ceiling or
    // while locked.
    Q_INVOKABLE bool setAutoLockSeconds(int seconds);
    [[nodiscard]] bool remotelyWiped() const { return m_remotelyWiped; }
    [[nodiscard]] ExternalActions *actions() { return m_actions; }
    [[nodiscard]] ReportModel *reports() { return m_reports; }
    [[nodiscard]] ReportController *reportActions() { return m_reportActions; }
    [[nodiscard]] EnrolController *enrolment() { return m_enrolment; }
    [[nodiscard]] InAppNotice *notice() { return m_notice; }
    [[nodiscard]] Notifier *notifier() { return m_notifier; }
    // Empty when none is known (never synced, no contact holds one).
    [[nodiscard]] QString dutyNumber() const { return m_dutyNumber; }
    // Dials the duty number; works locked.
    Q_INVOKABLE bool callDutyNumber();

    // nullptr while locked.
    [[nodiscard]] device::DeviceSession *session() { return m_session.get(); }
    // nullptr while locked or not enrolled.
    [[nodiscard]] device::DeviceStreams *streams() { return m_streams.get(); }
    // The running sync engine; nullptr while locked, not enrolled or without a usable relay.
    [[nodiscard]] device::DeviceSync *deviceSync() { return m_deviceSync.get(); }

    // Re-reads everything shown (after records arrived from outside the app's own edits).
    void refreshAll();
    // HQ's policy and the officer's choice from the vault: the auto-lock delay now; the
    // erase-after count at the next unlock (VaultController::setEraseAfterSource). Runs at
    // unlock and after a round that brought a policy.
    void applyPolicy();
    // The wipe check without the vault (start and resume call it): reads the wipe file; nothing
    // without one, or while the unlocked sync engine checks by itself.
    void checkForWipe();

Q_SIGNALS:
    void clockWrongChanged();
    void sessionErrorChanged();
    void remotelyWipedChanged();
    void dutyNumberChanged();
    void policyChanged();
    void deviceFingerprintChanged();
    void languageChanged();
    void homeTimeZoneChanged();
    void deferBulkOnMeteredChanged();
    // Every answer of the check before unlock (WipeCheck::Outcome as int).
    void wipeCheckFinished(int outcome);
    // After a remote wipe: whether the relay took the acknowledgement.
    void wipeAcknowledged(bool ok);

private:
    void openSession();
    void closeSession();
    void onRecordsChanged();
    void updateClockWrong();
    void checkAutoLock();
    // After a lock (queued behind the window's switch to the unlock page): see setQmlEngine.
    void releaseClosedScreens();
    // platform::Lifecycle's reports: the auto-lock timer starts; on return it stops, and the
    // vault locks if the time ran out while the OS suspended the app.
    void enterBackground();
    void returnToForeground();
    void setDeviceFingerprint(const QString &text);
    // The hand-over to the phone app (tel: ...) is remembered: going to the background right
    // after it is our own call, which does not lock the vault (kCallGraceMs).
    bool openExternally(const QUrl &url);
    void onWipeCheckFinished(client::WipeCheck::Outcome outcome,
                             const std::optional<client::WipeToken> &token);
    // A verified token: the acknowledgement to the pending file, then finishWipe.
    void runWipe(const client::WipeToken &token, const device::WipeFile &file);
    // Erase, delete the wipe file, post the acknowledgement; the pending file goes once the
    // relay took it.
    void finishWipe(const device::WipeFile &pending);
    void finishPendingWipe();
    // The signed acknowledgement (LWA2): the device key while unlocked, else the wipe-ack key;
    // empty when neither is there.
    [[nodiscard]] QByteArray signedAcknowledgement(const client::WipeTarget &target,
                                                   const crypto::Id16 &commandId);
    // The online path (a WIPE COMMAND on `down`, DESIGN.md "Commands, remote wipe"): the
    // receiver calls recordOnlineWipe inside the transaction that records the command id, so
    // "wipe pending" is on disk before the id counts as seen; after the commit the wipe finishes
    // as a pending one does at start.
    void installOnlineWipe();
    [[nodiscard]] Status recordOnlineWipe(const streams::Command &command);
    // m_wipeHttp for the relay the file names (the running check is dropped); false without one.
    [[nodiscard]] bool wipeHttpFor(const device::WipeFile &file);
    void ensureWipeFile();
    // The duty number from the records to its file and the property.
    void updateDutyNumber();
    void setDutyNumber(const QString &number);
    // The connectivity sync uses (the caller's, else the platform's while an engine runs).
    [[nodiscard]] client::Connectivity *connectivity() const;
    // The sync page's "bulk deferred" from the setting and the link.
    void updateBulkDeferred();

    AppServices m_services;
    std::unique_ptr<VaultController> m_vault;
    ContactModel *m_contacts;
    CaseModel *m_cases;
    InstructionModel *m_instructions;
    ScheduleModel *m_schedule;
    InstructionController *m_instructionActions;
    SyncStatusFacade *m_sync;
    ExternalActions *m_actions;
    ReportModel *m_reports;
    ReportController *m_reportActions;
    EnrolController *m_enrolment = nullptr;
    InAppNotice *m_notice = nullptr;
    Notifier *m_notifier = nullptr;
    Language *m_language = nullptr;
    QString m_dutyNumber;
    std::unique_ptr<device::DeviceSession> m_session;
    std::unique_ptr<device::DeviceStreams> m_streams;          // enrolled devices only
    std::unique_ptr<client::Connectivity> m_ownedConnectivity; // the platform's, for m_deviceSync
    std::unique_ptr<device::DeviceSync> m_deviceSync;      // enrolled, with a usable relay endpoint
    std::unique_ptr<platform::Lifecycle> m_ownedLifecycle; // the platform's, without services'
    QPointer<QQmlEngine> m_qmlEngine;
    bool m_clockWrong = false;
    bool m_deferBulkOnMetered = false;
    QString m_sessionError;
    QTimer m_autoLockTimer;
    qint64 m_backgroundSinceMs = -1; // monotonic; -1 while active
    int m_autoLockMs = 60'000;       // effective: the officer's choice within HQ's ceiling
    qint64 m_backgroundLimitMs = 0;  // this time in the background: m_autoLockMs or a call's
    qint64 m_callHandedOverMs = -1;  // monotonic, the last tel: hand-over
    std::optional<protocol::PolicyPayload> m_policy;
    QString m_deviceFingerprint;          // "device id|key groups", put in words when read
    std::function<QString()> m_whyNoSync; // the sentence, made in the language shown
    bool m_reloadQueued = false;
    // The check before unlock and the acknowledgement after a wipe.
    std::unique_ptr<QNetworkAccessManager> m_wipeNam;
    std::unique_ptr<client::RelayHttp> m_wipeHttp;
    std::unique_ptr<client::WipeCheck> m_wipeCheck;
    bool m_remotelyWiped = false;
    bool m_wipeRecheck = false;    // a check was asked for while one was on its way
    bool m_syncChecksWipe = false; // the running engine has the wipe target
};

} // namespace liaison::app
