#include "appcontroller.h"

#include "connectivity.h"
#include "device/devicesettings.h"
#include "device/dutynumber.h"

#include <QCoreApplication>
#include <QDesktopServices>
#include <QElapsedTimer>

#include <QLoggingCategory>
#include <QQmlEngine>
#include <QSettings>
#include <QTimeZone>

#include <algorithm>

Q_LOGGING_CATEGORY(lcApp, "liaison.app")

namespace liaison::app {

namespace {
const QString kHomeZoneKey = QStringLiteral("homeTimeZone");
const QString kDeferBulkKey = QStringLiteral("deferBulkOnMetered");
} // namespace

AppController::AppController(AppServices services, QObject *parent)
    : QObject(parent)
    , m_services(std::move(services))
    , m_contacts(new ContactModel(m_services.clock, this))
    , m_cases(new CaseModel(m_services.clock, this))
    , m_instructions(new InstructionModel(m_services.clock, this))
    , m_schedule(new ScheduleModel(m_services.clock, this))
    , m_instructionActions(new InstructionController(m_services.clock, this))
    , m_sync(new SyncStatusFacade(m_services.clock, this))
    , m_actions(new ExternalActions([this](const QUrl &url) { return openExternally(url); }, this))
    , m_reports(new ReportModel(m_services.clock, this))
    , m_reportActions(new ReportController(m_services.clock, this))
{
    m_reports->setEnvelopesPending([this] {
        if (!m_streams)
            return false;
        auto n = m_streams->pendingEnvelopes();
        return n && *n > 0;
    });
    if (auto duty = device::readDutyNumber(m_services.vaultDirectory); !duty)
        qCWarning(lcApp) << "duty number unreadable:" << errcName(duty.error().code);
    else if (*duty)
        m_dutyNumber = **duty;

    vault::VaultOptions options = m_services.vaultOptions;
    options.database.migrations = device::deviceMigrations();
    m_vault = std::make_unique<VaultController>(m_services.vaultDirectory, m_services.keyStore,
                                                m_services.vaultClock, std::move(options));
    m_vault->setQuickUnlockStore(m_services.quickUnlock);
    connect(m_vault.get(), &VaultController::unlocked, this, &AppController::openSession);
    m_enrolment =
        new EnrolController(m_services.vaultDirectory, *m_vault, m_services.keyStore,
                            m_services.vaultClock, m_services.clock, m_services.vaultOptions, this);
    connect(m_vault.get(), &VaultController::aboutToLock, this, &AppController::closeSession);
    // Queued: the vault's state changes after aboutToLock, and the window swaps its pages then.
    connect(m_vault.get(), &VaultController::aboutToLock, this,
            &AppController::releaseClosedScreens, Qt::QueuedConnection);
    // The officer wiped the device (Settings): the files beside the vault go too.
    connect(m_vault.get(), &VaultController::wipedByOfficer, this, [this] {
        if (auto s = device::removeWipeFile(m_services.vaultDirectory); !s)
            qCWarning(lcApp) << "wipe: wipe file:" << errcName(s.error().code);
        if (auto s = device::storeDutyNumber(m_services.vaultDirectory, std::nullopt); !s)
            qCWarning(lcApp) << "wipe: duty number:" << errcName(s.error().code);
        setDutyNumber(QString());
    });

    m_notice = new InAppNotice(this);
    m_notifier = new Notifier(*m_instructions, *m_schedule,
                              m_services.notifications ? *m_services.notifications
                                                       : static_cast<NotificationSink &>(*m_notice),
                              this);
    m_autoLockMs = m_services.autoLockMs;
    {
        const QByteArray saved =
            settingsAt(m_services.settingsFile)->value(kHomeZoneKey).toString().toUtf8();
        if (!saved.isEmpty() && QTimeZone::isTimeZoneIdAvailable(saved))
            m_schedule->setHomeZone(QTimeZone(saved));
    }
    m_deferBulkOnMetered =
        settingsAt(m_services.settingsFile)->value(kDeferBulkKey, false).toBool();
    if (m_services.connectivity)
        connect(m_services.connectivity, &client::Connectivity::meteredChanged, this,
                &AppController::updateBulkDeferred);
    updateBulkDeferred();
    m_language = new Language(m_services.settingsFile, m_services.systemLocale, this);
    m_language->apply();
    connect(m_language, &Language::changed, this, [this] {
        refreshAll(); // the models' texts and dates anew
        if (m_session)
            m_sync->setSession(m_session.get(), m_streams.get(), m_deviceSync.get(),
                               m_whyNoSync ? m_whyNoSync() : QString());
        Q_EMIT deviceFingerprintChanged();
        Q_EMIT languageChanged();
    });
    m_vault->setEraseAfterSource([](store::Database &db) -> std::optional<std::uint16_t> {
        // HQ's count as liaison-device applies it: 0 = never, else clamped to what the key file
        // accepts (device::policyEraseAfter).
        auto policy = device::loadHqPolicy(db);
        if (!policy)
            return std::nullopt;
        return device::policyEraseAfter(*policy);
    });
    m_autoLockTimer.setSingleShot(true);
    connect(&m_autoLockTimer, &QTimer::timeout, this, &AppController::checkAutoLock);
    // Foreground and background as the platform reports them (platform/lifecycle.h), never Qt's
    // application state directly: on every OS the platform decides what the background is.
    platform::Lifecycle *lifecycle = m_services.lifecycle;
    if (!lifecycle) {
        m_ownedLifecycle = platform::createLifecycle();
        lifecycle = m_ownedLifecycle.get();
    }
    connect(lifecycle, &platform::Lifecycle::wentToBackground, this,
            &AppController::enterBackground);
    connect(lifecycle, &platform::Lifecycle::cameToForeground, this,
            &AppController::returnToForeground);
    // Start: a wipe the app did not finish (it died part way) finishes now; then the wipe check
    // runs before anyone can type the passphrase.
    finishPendingWipe();
    checkForWipe();
}

AppController::~AppController()
{
    m_vault->waitForWorker();
    closeSession();
}

void AppController::openSession()
{
    vault::Vault *v = m_vault->vault();
    if (!v || !v->database())
        return;
    auto session = device::DeviceSession::open(*v->database(), m_services.clock);
    if (!session) {
        qCWarning(lcApp) << "session failed:" << errcName(session.error().code);
        m_sessionError = tr("The records could not be opened: %1").arg(session.error().message);
        Q_EMIT sessionErrorChanged();
        return;
    }
    if (!m_sessionError.isEmpty()) {
        m_sessionError.clear();
        Q_EMIT sessionErrorChanged();
    }
    m_session = std::move(*session);
    m_session->records().setChangeListener([this](const QList<model::RecordId> &) {
        // Coalesce: a batch of remote operations reports many times.
        if (m_reloadQueued)
            return;
        m_reloadQueued = true;
        QMetaObject::invokeMethod(this, &AppController::onRecordsChanged, Qt::QueuedConnection);
    });
    model::RecordStore *records = &m_session->records();
    m_contacts->setStore(records);
    m_cases->setStore(records);
    m_instructions->setStore(records);
    m_schedule->setStore(records);
    m_reports->setStore(records);
    m_instructionActions->setStore(records);
    m_reportActions->setStore(records);
    m_reportActions->setActive(true);
    if (m_session->profile() && v->identity()) {
        auto streams = device::DeviceStreams::open(*m_session, *v->identity(), m_services.clock);
        if (streams)
            m_streams = std::move(*streams);
        else
            qCWarning(lcApp) << "streams failed:" << errcName(streams.error().code);
    }
    ensureWipeFile();
    updateDutyNumber();
    applyPolicy();
    if (m_session->profile() && v->identity()) {
        const QByteArray hash =
            crypto::crypto_generichash(v->identity()->sign.publicKey.view()).toHex();
        QStringList groups;
        for (int i = 0; i < 32; i += 4)
            groups.append(QString::fromLatin1(hash.mid(i, 4)));
        setDeviceFingerprint(QString::fromLatin1(m_session->profile()->deviceId.toHex()) +
                             QLatin1Char('|') + groups.join(QLatin1Char(' ')));
    }
    if (m_streams)
        installOnlineWipe();
    // Why nothing syncs, as a sentence made when shown (the language may change meanwhile).
    m_whyNoSync = {};
    if (m_streams) {
        auto endpoint = device::relayEndpointFor(*m_session->profile());
        if (endpoint) {
            client::SyncClientOptions options = m_services.syncOptions;
            const auto wipe =
                device::wipeFileFor(*m_session->profile(), v->identity()->sign.publicKey);
            if (wipe) {
                options.wipe = wipe->target;
                // Judged against HQ's verified time and the adopted certificate serial.
                options.wipeContext = [records, streams = m_streams.get()] {
                    client::WipeTokenContext c;
                    c.hqTimeMs = records->clock().referenceMs();
                    c.minimumSerial = streams->hqKeys().serial();
                    return c;
                };
            }
            m_syncChecksWipe = wipe.has_value();
            // The platform's connectivity unless the caller gave one; none for a loopback
            // relay, where the OS's reachability says nothing (the engine just tries).
            client::Connectivity *connectivity = m_services.connectivity;
            if (!connectivity && !client::isLoopbackHost(endpoint->baseUrl.host())) {
                m_ownedConnectivity = platform::createConnectivity();
                connectivity = m_ownedConnectivity.get();
                connect(connectivity, &client::Connectivity::meteredChanged, this,
                        &AppController::updateBulkDeferred);
            }
            m_deviceSync = std::make_unique<device::DeviceSync>(*m_session, *m_streams, *endpoint,
                                                                connectivity, options);
            m_deviceSync->client().setDeferBulkWhenMetered(m_deferBulkOnMetered);
            if (wipe) {
                // Queued: the wipe destroys the engine that emits this.
                connect(&m_deviceSync->client(), &client::SyncClient::wipeRequested, this,
                        [this, file = *wipe](const client::WipeToken &token) {
                            QMetaObject::invokeMethod(
                                this, [this, token, file] { runWipe(token, file); },
                                Qt::QueuedConnection);
                        });
            }
            connect(m_deviceSync.get(), &device::DeviceSync::roundFinished, this,
                    [this](bool, const QString &) {
                        refreshAll();
                        ensureWipeFile(); // HQ time and certificate serial for the locked check
                        updateDutyNumber();
                        if (m_streams && m_streams->takePolicyArrived())
                            applyPolicy();
                    });
            // Failed unlock attempts before this session go to HQ with the RECEIPT.
            const int failures = m_vault->failuresBeforeUnlock();
            m_streams->receiver().setUnlockFailures(std::uint32_t(failures));
            m_deviceSync->client().setUnlockFailureSource(
                [failures]() { return std::int64_t(failures); });
        } else if (endpoint.error().code == Errc::NotFound) {
            m_whyNoSync = [] {
                return tr("No relay address in this device's profile: nothing syncs. HQ sets it "
                          "at enrolment.");
            };
        } else {
            qCWarning(lcApp) << "relay endpoint refused:" << errcName(endpoint.error().code);
            m_whyNoSync = [why = endpoint.error().message] {
                return tr("The relay address in this device's profile is refused: %1").arg(why);
            };
        }
    } else if (m_session->profile()) {
        m_whyNoSync = [] {
            return tr("The device's streams could not be opened.");
        };
    }
    m_sync->setSession(m_session.get(), m_streams.get(), m_deviceSync.get(),
                       m_whyNoSync ? m_whyNoSync() : QString());
    updateBulkDeferred();
    m_notifier->observe(m_sync->heldCount()); // the baseline: unlocking announces nothing
    updateClockWrong();
    if (m_deviceSync)
        m_deviceSync->start();
    qCInfo(lcApp) << "session open, records:"
                  << (records->recordCount() ? *records->recordCount() : -1);
}

QString AppController::deviceFingerprint() const
{
    const qsizetype bar = m_deviceFingerprint.indexOf(QLatin1Char('|'));
    if (bar < 0)
        return {};
    return tr("Device %1\nKey %2")
        .arg(m_deviceFingerprint.left(bar), m_deviceFingerprint.mid(bar + 1));
}

void AppController::setDeviceFingerprint(const QString &text)
{
    if (text == m_deviceFingerprint)
        return;
    m_deviceFingerprint = text;
    Q_EMIT deviceFingerprintChanged();
}

void AppController::setQmlEngine(QQmlEngine *engine)
{
    m_qmlEngine = engine;
}

void AppController::releaseClosedScreens()
{
    if (!m_qmlEngine || m_vault->isUnlocked())
        return;
    QElapsedTimer took;
    took.start();
    // The main page the window dropped (Loader: deleteLater), its delegates with it.
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    m_qmlEngine->collectGarbage();
    qCDebug(lcApp) << "lock: screens released in" << took.elapsed() << "ms";
}

void AppController::closeSession()
{
    setDeviceFingerprint(QString());
    ensureWipeFile(); // the newest HQ time and serial, for the checks while locked
    m_contacts->setStore(nullptr);
    m_cases->setStore(nullptr);
    m_instructions->setStore(nullptr);
    m_schedule->setStore(nullptr);
    m_instructionActions->setStore(nullptr);
    m_reportActions->setStore(nullptr);
    m_reportActions->setActive(false);
    m_reports->setStore(nullptr);
    m_sync->setSession(nullptr);
    m_notifier->forget();
    m_notice->dismiss();
    if (m_deviceSync)
        m_deviceSync->stop();
    m_deviceSync.reset();
    m_ownedConnectivity.reset();
    updateBulkDeferred();
    m_syncChecksWipe = false;
    m_streams.reset();
    if (m_session)
        m_session->records().setChangeListener({});
    m_session.reset();
    updateClockWrong();
}

void AppController::onRecordsChanged()
{
    m_reloadQueued = false;
    refreshAll();
    // A local edit waits in the change log: send it now (a remote apply leaves the log empty).
    if (m_deviceSync && m_session) {
        if (auto n = m_session->records().outboxCount(); n && *n > 0)
            m_deviceSync->syncNow();
    }
}

void AppController::refreshAll()
{
    m_contacts->reload();
    m_cases->reload();
    m_instructions->reload();
    m_schedule->reload();
    m_reports->reload();
    m_sync->refresh();
    if (m_session)
        m_notifier->observe(m_sync->heldCount());
    updateClockWrong();
}

void AppController::updateClockWrong()
{
    const bool wrong = m_session && m_session->records().clock().wallClockOff();
    if (wrong == m_clockWrong)
        return;
    m_clockWrong = wrong;
    Q_EMIT clockWrongChanged();
}

void AppController::returnToForeground()
{
    m_autoLockTimer.stop();
    // The OS may have suspended the app past the timeout, so the timer never fired.
    if (m_backgroundSinceMs >= 0 && m_vault->isUnlocked() &&
        m_services.clock.bootMs() - m_backgroundSinceMs >= m_backgroundLimitMs) {
        qCInfo(lcApp) << "auto-lock on return after the timeout";
        m_vault->lock();
    }
    const bool returning = m_backgroundSinceMs >= 0;
    m_backgroundSinceMs = -1;
    if (!m_enrolment->active()) // meanwhile the vault directory is the enrolment's
        m_vault->refresh();
    // Back in the foreground and still unlocked: a round at once (wipe check first when the
    // engine has one).
    if (returning && m_deviceSync && m_vault->isUnlocked())
        m_deviceSync->client().resume();
    if (returning)
        checkForWipe(); // nothing while the engine checks by itself
}

void AppController::enterBackground()
{
    if (m_backgroundSinceMs >= 0)
        return;
    m_backgroundSinceMs = m_services.clock.bootMs();
    const bool ownCall =
        m_callHandedOverMs >= 0 && m_backgroundSinceMs - m_callHandedOverMs <= kCallHandOverMs;
    m_callHandedOverMs = -1;
    m_backgroundLimitMs = ownCall ? std::max<qint64>(kCallGraceMs, m_autoLockMs) : m_autoLockMs;
    if (ownCall)
        qCInfo(lcApp) << "in the background for a call placed from the app: no auto-lock for"
                      << m_backgroundLimitMs / 60'000 << "min";
    m_autoLockTimer.start(int(m_backgroundLimitMs));
}

bool AppController::openExternally(const QUrl &url)
{
    if (url.scheme() == QLatin1String("tel"))
        m_callHandedOverMs = m_services.clock.bootMs();
    if (m_services.openUrl)
        return m_services.openUrl(url);
    return QDesktopServices::openUrl(url);
}

void AppController::setLanguage(const QString &code)
{
    m_language->setChoice(code);
}

QString AppController::homeTimeZone() const
{
    return QString::fromUtf8(m_schedule->homeZone().id());
}

void AppController::setHomeTimeZone(const QString &iana)
{
    const QByteArray id = iana.toUtf8();
    if (id == m_schedule->homeZone().id() || !QTimeZone::isTimeZoneIdAvailable(id))
        return;
    m_schedule->setHomeZone(QTimeZone(id));
    auto settings = settingsAt(m_services.settingsFile);
    settings->setValue(kHomeZoneKey, iana);
    settings->sync();
    Q_EMIT homeTimeZoneChanged();
}

void AppController::setDeferBulkOnMetered(bool defer)
{
    if (defer == m_deferBulkOnMetered)
        return;
    m_deferBulkOnMetered = defer;
    auto settings = settingsAt(m_services.settingsFile);
    settings->setValue(kDeferBulkKey, defer);
    settings->sync();
    if (m_deviceSync)
        m_deviceSync->client().setDeferBulkWhenMetered(defer);
    updateBulkDeferred();
    Q_EMIT deferBulkOnMeteredChanged();
}

client::Connectivity *AppController::connectivity() const
{
    return m_services.connectivity ? m_services.connectivity : m_ownedConnectivity.get();
}

void AppController::updateBulkDeferred()
{
    const client::Connectivity *c = connectivity();
    m_sync->setBulkDeferred(m_deferBulkOnMetered && c && c->metered());
}

QStringList AppController::homeTimeZoneChoices()
{
    QStringList out;
    for (const QByteArray &id : QTimeZone::availableTimeZoneIds()) {
        // Region/City ids only: no "Etc/GMT+5", "EST5EDT" or legacy aliases like "US/Eastern".
        static const QList<QByteArray> regions = {"Africa/", "America/",  "Antarctica/",
                                                  "Asia/",   "Atlantic/", "Australia/",
                                                  "Europe/", "Indian/",   "Pacific/"};
        if (std::any_of(regions.cbegin(), regions.cend(),
                        [&](const QByteArray &r) { return id.startsWith(r); }))
            out.append(QString::fromUtf8(id));
    }
    out.sort();
    return out;
}

int AppController::autoLockCeilingSeconds() const
{
    return m_policy ? int(m_policy->autoLockSeconds) : 0;
}

QList<int> AppController::autoLockChoices() const
{
    QList<int> out;
    const int ceiling = autoLockCeilingSeconds();
    for (int seconds : device::kAutoLockChoices) {
        if (ceiling <= 0 || seconds <= ceiling)
            out.append(seconds);
    }
    if (ceiling > 0 && !out.contains(ceiling))
        out.append(ceiling);
    return out;
}

int AppController::policyEraseAfter() const
{
    return m_policy ? int(m_policy->eraseAfter) : -1;
}

bool AppController::setAutoLockSeconds(int seconds)
{
    if (!m_session || seconds < 10 ||
        (autoLockCeilingSeconds() > 0 && seconds > autoLockCeilingSeconds()))
        return false;
    if (auto s = device::saveAutoLockSetting(m_session->database(), seconds); !s) {
        qCWarning(lcApp) << "auto-lock setting not saved:" << errcName(s.error().code);
        return false;
    }
    applyPolicy();
    return true;
}

void AppController::applyPolicy()
{
    if (!m_session)
        return;
    auto policy = device::loadHqPolicy(m_session->database());
    auto chosen = device::loadAutoLockSetting(m_session->database());
    if (!policy || !chosen) {
        qCWarning(lcApp) << "policy or settings unreadable";
        return;
    }
    m_policy = *policy;
    m_autoLockMs = int(device::effectiveAutoLockMs(*chosen, m_services.autoLockMs, m_policy));
    const int seconds = m_autoLockMs / 1000;
    if (m_policy)
        qCInfo(lcApp) << "HQ policy" << m_policy->version << "- auto-lock" << seconds
                      << "s, erase after" << m_policy->eraseAfter << "(from the next unlock)";
    Q_EMIT policyChanged();
}

void AppController::checkAutoLock()
{
    if (m_backgroundSinceMs < 0 || !m_vault->isUnlocked())
        return;
    if (m_services.clock.bootMs() - m_backgroundSinceMs >= m_backgroundLimitMs) {
        qCInfo(lcApp) << "auto-lock after" << m_backgroundLimitMs << "ms in the background";
        m_vault->lock();
    } else if (!m_autoLockTimer.isActive()) {
        m_autoLockTimer.start(
            int(m_backgroundLimitMs - (m_services.clock.bootMs() - m_backgroundSinceMs)));
    }
}

void AppController::ensureWipeFile()
{
    vault::Vault *v = m_vault->vault();
    if (!m_session || !m_session->profile() || !v || !v->identity())
        return;
    // What the locked check judges tokens by (security review L-5).
    auto written = device::refreshWipeFile(
        m_services.vaultDirectory, *m_session->profile(), v->identity()->sign.publicKey,
        m_session->records().clock().referenceMs(), m_streams ? m_streams->hqKeys().serial() : 0,
        m_services.clock);
    if (!written)
        qCWarning(lcApp) << "wipe file not written:" << errcName(written.error().code);
    else if (*written)
        qCInfo(lcApp) << "wipe file written";
}

void AppController::updateDutyNumber()
{
    if (!m_session)
        return;
    model::RecordStore &records = m_session->records();
    auto all = records.records(records.scopes());
    if (!all) {
        qCWarning(lcApp) << "duty number: records unreadable:" << errcName(all.error().code);
        return;
    }
    const std::optional<QString> number = device::dutyNumberFrom(*all);
    auto stored = device::storeDutyNumber(m_services.vaultDirectory, number);
    if (!stored)
        qCWarning(lcApp) << "duty number not written:" << errcName(stored.error().code);
    else if (*stored)
        qCInfo(lcApp) << "duty number file" << (number ? "written" : "removed");
    setDutyNumber(number.value_or(QString()));
}

void AppController::setDutyNumber(const QString &number)
{
    if (number == m_dutyNumber)
        return;
    m_dutyNumber = number;
    Q_EMIT dutyNumberChanged();
}

bool AppController::callDutyNumber()
{
    if (m_dutyNumber.isEmpty())
        return false;
    return m_actions->call(m_dutyNumber);
}

void AppController::checkForWipe()
{
    if (m_remotelyWiped)
        return;
    if (m_wipeCheck && m_wipeCheck->running()) {
        m_wipeRecheck = true; // its answer may predate this request: ask again after it
        return;
    }
    m_wipeRecheck = false;
    if (m_deviceSync && m_syncChecksWipe && m_vault->isUnlocked())
        return;
    auto file = device::readWipeFile(m_services.vaultDirectory);
    if (!file) {
        qCWarning(lcApp) << "wipe file unreadable:" << errcName(file.error().code);
        return;
    }
    if (!*file)
        return;
    if (!wipeHttpFor(**file))
        return;
    m_wipeCheck = std::make_unique<client::WipeCheck>(*m_wipeHttp, (*file)->target);
    m_wipeCheck->setContextSource(
        [this, wipe = **file] { return device::wipeTokenContext(wipe, m_services.clock); });
    connect(m_wipeCheck.get(), &client::WipeCheck::finished, this,
            [this, wipe = **file](client::WipeCheck::Outcome outcome,
                                  const std::optional<client::WipeToken> &token) {
                if (outcome == client::WipeCheck::Outcome::Wipe && token) {
                    QMetaObject::invokeMethod(
                        this, [this, token = *token, wipe] { runWipe(token, wipe); },
                        Qt::QueuedConnection);
                } else if (outcome == client::WipeCheck::Outcome::Invalid) {
                    qCWarning(lcApp).noquote()
                        << "a wipe token that does not verify was NOT obeyed; wipe id"
                        << wipe.target.wipeId.toHex().left(8);
                }
                Q_EMIT wipeCheckFinished(int(outcome));
                if (m_wipeRecheck && outcome != client::WipeCheck::Outcome::Wipe)
                    QMetaObject::invokeMethod(this, &AppController::checkForWipe,
                                              Qt::QueuedConnection);
            });
    m_wipeCheck->check();
}

bool AppController::wipeHttpFor(const device::WipeFile &file)
{
    device::DeviceProfile where;
    where.relayUrl = file.relayUrl;
    where.relayPins = file.relayPins;
    where.deploymentId = file.target.deployment;
    auto endpoint = device::relayEndpointFor(where);
    if (!endpoint) {
        if (endpoint.error().code != Errc::NotFound)
            qCWarning(lcApp) << "wipe check: relay refused:" << errcName(endpoint.error().code);
        return false;
    }
    if (!m_wipeNam)
        m_wipeNam = std::make_unique<QNetworkAccessManager>();
    m_wipeCheck.reset();
    m_wipeHttp = std::make_unique<client::RelayHttp>(
        m_wipeNam.get(), *endpoint, [this] { return std::int64_t(m_services.clock.wallMs()); });
    return true;
}

void AppController::runWipe(const client::WipeToken &token, const device::WipeFile &file)
{
    if (m_remotelyWiped)
        return;
    qCWarning(lcApp).noquote() << "remote wipe ordered by HQ: command"
                               << token.commandId.toHex().left(8) << "device"
                               << file.target.device.toHex().left(8);
    // DESIGN.md wipe order: (1) the acknowledgement in the pending file, (2-4) the crypto-erase
    // (pepper, key file, database, keys), then the wipe file, (5) post the acknowledgement.
    device::WipeFile pending = file;
    pending.acknowledgement = signedAcknowledgement(file.target, token.commandId);
    if (auto s = device::writeWipePending(m_services.vaultDirectory, pending, m_services.keyStore);
        !s)
        qCWarning(lcApp) << "remote wipe: pending file:" << errcName(s.error().code);
    finishWipe(pending);
}

void AppController::finishWipe(const device::WipeFile &pending)
{
    m_remotelyWiped = true;
    if (auto s = m_vault->eraseForRemoteWipe(); !s) {
        // Key material may remain (security review M-1): never report this wipe as done. The
        // wipe file and the pending acknowledgement stay, so the next start tries again.
        qCWarning(lcApp) << "remote wipe: erase failed:" << errcName(s.error().code)
                         << "- not acknowledged; tried again at the next start";
        Q_EMIT remotelyWipedChanged();
        Q_EMIT wipeAcknowledged(false);
        return;
    }
    if (auto s = device::removeWipeFile(m_services.vaultDirectory); !s)
        qCWarning(lcApp) << "remote wipe: wipe file:" << errcName(s.error().code);
    Q_EMIT remotelyWipedChanged();

    if (pending.acknowledgement.isEmpty()) {
        // No key could sign (DESIGN.md: the relay takes only signed acknowledgements).
        qCWarning(lcApp) << "remote wipe: no key to sign the acknowledgement; nothing posted";
        if (auto s = device::removeWipePending(m_services.vaultDirectory); !s)
            qCWarning(lcApp) << "remote wipe: pending file:" << errcName(s.error().code);
        Q_EMIT wipeAcknowledged(false);
        return;
    }
    if (!wipeHttpFor(pending)) {
        Q_EMIT wipeAcknowledged(false);
        return;
    }
    m_wipeCheck = std::make_unique<client::WipeCheck>(*m_wipeHttp, pending.target);
    const crypto::Id16 deviceId = pending.target.device;
    connect(m_wipeCheck.get(), &client::WipeCheck::doneFinished, this, [this, deviceId](bool ok) {
        if (ok) {
            qCInfo(lcApp) << "remote wipe acknowledged at the relay";
            if (auto s = device::removeWipePending(m_services.vaultDirectory); !s)
                qCWarning(lcApp) << "remote wipe: pending file:" << errcName(s.error().code);
            // (6) The wipe-ack key goes last, once the relay took the acknowledgement.
            if (auto s = device::removeWipeAckKey(m_services.keyStore, deviceId); !s)
                qCWarning(lcApp) << "remote wipe: wipe-ack key:" << errcName(s.error().code);
        } else {
            qCWarning(lcApp) << "remote wipe acknowledgement not taken by the relay: posted "
                                "again at the next start";
        }
        Q_EMIT wipeAcknowledged(ok);
    });
    m_wipeCheck->postDone(pending.acknowledgement);
}

void AppController::installOnlineWipe()
{
    streams::Receiver &receiver = m_streams->receiver();
    model::RecordStore *records = &m_session->records();
    // notAfter against HQ's verified time (the clock's lower bound), never the wall clock.
    receiver.setHqTimeBound([records] { return records->clock().referenceMs(); });
    receiver.setWipeRecorder(
        [this](const streams::Command &command) { return recordOnlineWipe(command); });
    receiver.setWipeHandler([this](const streams::Command &) {
        // Queued: the wipe destroys the session, the engine and the receiver that call this.
        QMetaObject::invokeMethod(this, &AppController::finishPendingWipe, Qt::QueuedConnection);
    });
}

Status AppController::recordOnlineWipe(const streams::Command &command)
{
    vault::Vault *v = m_vault->vault();
    if (!m_session || !m_session->profile() || !v || !v->identity())
        return fail(Errc::Internal, QStringLiteral("online wipe without a session"));
    auto file = device::wipeFileFor(*m_session->profile(), v->identity()->sign.publicKey);
    if (!file) {
        // No wipe id in the profile: the pending file still names the device, so the wipe
        // finishes at the next start; there is nowhere to post the acknowledgement.
        device::WipeFile bare;
        bare.target.deployment = m_session->profile()->deploymentId;
        bare.target.device = m_session->profile()->deviceId;
        bare.relayUrl = m_session->profile()->relayUrl;
        file = bare;
    }
    qCWarning(lcApp).noquote() << "remote wipe ordered by HQ on down: command"
                               << command.commandId.toHex().left(8);
    file->acknowledgement = signedAcknowledgement(file->target, command.commandId);
    return device::writeWipePending(m_services.vaultDirectory, *file, m_services.keyStore);
}

QByteArray AppController::signedAcknowledgement(const client::WipeTarget &target,
                                                const crypto::Id16 &commandId)
{
    const std::int64_t at = m_services.clock.wallMs();
    // The device key while the vault is open (the vault is erased right after), else the
    // wipe-ack key from the key store.
    vault::Vault *v = m_vault->vault();
    if (v && v->isUnlocked() && v->identity()) {
        return protocol::signWipeAcknowledgement(target.deployment, target.device, commandId, at,
                                                 v->identity()->sign)
            .encode();
    }
    auto key = device::loadWipeAckKey(m_services.keyStore, target.device);
    if (!key) {
        qCWarning(lcApp) << "remote wipe: no wipe-ack key:" << errcName(key.error().code);
        return {};
    }
    return protocol::signWipeAcknowledgement(target.deployment, target.device, commandId, at, *key)
        .encode();
}

void AppController::finishPendingWipe()
{
    // Obeyed only when signed with this device's wipe-ack key (security review L-6).
    auto pending = device::readVerifiedWipePending(m_services.vaultDirectory, m_services.keyStore);
    if (!pending) {
        qCWarning(lcApp) << "a pending wipe that does not verify was NOT obeyed:"
                         << errcName(pending.error().code);
        return;
    }
    if (!*pending)
        return;
    qCWarning(lcApp).noquote() << "a remote wipe is pending: finishing it before the UI; device"
                               << (*pending)->target.device.toHex().left(8);
    finishWipe(**pending);
}

} // namespace liaison::app
