#include "screenshottour.h"

#include "quickfind.h"

#include "desktop/softwarekeystore.h"

#include <QDateTime>
#include <QDir>
#include <QImage>
#include <QLoggingCategory>
#include <QQmlEngine>
#include <QQuickItem>
#include <QTimer>

#include <algorithm>

Q_LOGGING_CATEGORY(lcTour, "liaison.app.screenshots")

namespace liaison::app {

namespace {
constexpr int kPollMs = 50;
constexpr int kFirstSyncTimeoutMs = 20'000;
// A scratch vault only for pictures: the smallest parameters the key file accepts.
constexpr crypto::KdfParams kScratchKdf{3, 64ull << 20};
constexpr char kScratchPassphrase[] = "harbour lantern copper meadow violin";
constexpr char kWrongPassphrase[] = "harbour lantern copper meadow viola";

struct ScratchClocks
{
    liaison::SystemClock vaultClock;
    liaison::SystemClock clock;
};
ScratchClocks &scratchClocks()
{
    static ScratchClocks clocks;
    return clocks;
}
} // namespace

ScreenshotTour::ScreenshotTour(QQuickWindow *window, AppController *app, QString outDir,
                               crypto::SecretBytes passphrase, QSize phoneSize, QSize tabletSize,
                               QObject *parent)
    : QObject(parent)
    , m_window(window)
    , m_app(app)
    , m_outDir(std::move(outDir))
    , m_passphrase(std::move(passphrase))
    , m_phoneSize(phoneSize)
    , m_tabletSize(tabletSize)
{}

ScreenshotTour::~ScreenshotTour()
{
    if (m_scratch)
        m_scratch->vault()->waitForWorker();
}

void ScreenshotTour::start()
{
    QDir().mkpath(m_outDir);
    m_window->resize(m_phoneSize);
    buildSteps();
    QTimer::singleShot(300, this, [this]() { runStep(0); });
}

QObject *ScreenshotTour::findObject(const QString &objectName) const
{
    if (!m_window)
        return nullptr;
    return findQuickItem(m_window->contentItem(), objectName);
}

bool ScreenshotTour::mainPageShown() const
{
    return findObject(QStringLiteral("mainPage")) != nullptr;
}

void ScreenshotTour::showPage(const QString &name)
{
    if (m_window)
        QMetaObject::invokeMethod(m_window, "showPage", Q_ARG(QString, name));
}

void ScreenshotTour::openDetail(const QString &name, int row)
{
    if (m_window)
        QMetaObject::invokeMethod(m_window, "openDetail", Q_ARG(QString, name), Q_ARG(int, row));
}

int ScreenshotTour::rowOfPermanentService() const
{
    int first24h = -1;
    for (int i = 0; i < m_app->contacts()->rowCount(); ++i) {
        const QModelIndex idx = m_app->contacts()->index(i);
        if (idx.data(ContactModel::NameRole)
                .toString()
                .startsWith(QLatin1String("Permanent service")))
            return i;
        if (first24h < 0 && idx.data(ContactModel::Has24hRole).toBool())
            first24h = i;
    }
    return std::max(first24h, 0);
}

void ScreenshotTour::setApp(AppController *app)
{
    m_window->setProperty("app", QVariant::fromValue(app));
}

AppController *ScreenshotTour::scratchApp(bool withVault)
{
    if (m_scratch) {
        setApp(m_app); // before the scratch controller goes away
        m_scratch->vault()->waitForWorker();
        m_scratch.reset();
    }
    m_scratchDir = std::make_unique<QTemporaryDir>();
    m_scratchKeyStore = std::make_unique<platform::SoftwareKeyStore>(
        m_scratchDir->filePath(QStringLiteral("keystore")));
    vault::VaultOptions options;
    options.kdf = kScratchKdf;
    AppServices services{m_scratchDir->filePath(QStringLiteral("vault")), *m_scratchKeyStore,
                         scratchClocks().vaultClock, scratchClocks().clock, options};
    services.settingsFile = m_scratchDir->filePath(QStringLiteral("settings.ini"));
    m_scratch = std::make_unique<AppController>(services);
    m_scratch->languageSettings()->setEngine(qmlEngine(m_window));
    m_scratch->setLanguage(m_language);
    if (withVault) {
        m_scratch->vault()->createVault(QString::fromLatin1(kScratchPassphrase),
                                        QString::fromLatin1(kScratchPassphrase));
        m_scratch->vault()->waitForWorker();
        m_scratch->vault()->lock();
    }
    return m_scratch.get();
}

void ScreenshotTour::buildSteps()
{
    VaultController *v = m_app->vault();
    auto unlocked = [this]() {
        return m_app->vault()->isUnlocked() && mainPageShown();
    };
    auto always = []() {
        return true;
    };

    // The unlock page of the real vault.
    m_steps.append({QStringLiteral("phone-en-unlock"), [] {},
                    [v]() { return v->state() != VaultController::State::Working; }, 600});
    m_steps.append(
        {QString(),
         [this, v]() { v->unlockSecret(crypto::SecretBytes::copyOf(m_passphrase.view())); },
         [v]() { return v->state() != VaultController::State::Working; }, 100});
    // The sync engine pulls HQ's records from the relay after the unlock: the screens show
    // them only after its first round (bounded: a relay that does not answer leaves the screens
    // with what the vault held, and the log says so).
    Step firstRound{QString(),
                    [] {},
                    [this, unlocked]() {
                        if (!unlocked())
                            return false;
                        device::DeviceSync *sync = m_app->deviceSync();
                        return !sync || sync->roundsFinished() >= 1;
                    },
                    100,
                    kFirstSyncTimeoutMs,
                    QStringLiteral("the first sync round did not finish within %1 s; the screens "
                                   "show what the vault held before")
                        .arg(kFirstSyncTimeoutMs / 1000)};
    firstRound.action = [this]() {
        m_syncWaitStarted.start();
    };
    m_steps.append(firstRound);
    m_steps.append({QString(),
                    [this]() {
                        device::DeviceSync *sync = m_app->deviceSync();
                        if (!sync)
                            qCInfo(lcTour).noquote()
                                << "no sync engine:" << m_app->sync()->offlineReason();
                        else if (sync->roundsSucceeded() >= 1)
                            qCInfo(lcTour) << "first sync round finished after"
                                           << m_syncWaitStarted.elapsed() << "ms";
                        else if (sync->roundsFinished() >= 1)
                            qCWarning(lcTour).noquote()
                                << "first sync round failed:" << m_app->sync()->lastError();
                    },
                    always, 50});
    // Every screen in English and Czech, at phone and tablet size: phone-en-*, phone-cs-*,
    // tablet-en-*, tablet-cs-*.
    bool first = true;
    for (const QString &language : {QStringLiteral("en"), QStringLiteral("cs")}) {
        for (const bool tablet : {false, true}) {
            addVariant(language, tablet, first);
            first = false;
        }
    }
    m_steps.append({QString(),
                    [this]() {
                        setApp(m_app);
                        m_window->resize(m_phoneSize);
                        m_app->setLanguage(QString());
                    },
                    always, 50});
}

void ScreenshotTour::addVariant(const QString &language, bool tablet, bool first)
{
    VaultController *v = m_app->vault();
    auto unlocked = [this]() {
        return m_app->vault()->isUnlocked() && mainPageShown();
    };
    auto always = []() {
        return true;
    };
    const QString size = tablet ? QStringLiteral("tablet") : QStringLiteral("phone");
    auto name = [size, language](const char *screen) {
        return QStringLiteral("%1-%2-%3").arg(size, language, QLatin1String(screen));
    };

    // The real vault, unlocked again (the previous variant ended on its lock screen), in this
    // language and size.
    m_steps.append({QString(),
                    [this, v, language, tablet]() {
                        m_language = language;
                        m_tablet = tablet;
                        setApp(m_app);
                        m_window->setProperty("localSetup", false);
                        m_window->resize(tablet ? m_tabletSize : m_phoneSize);
                        m_app->setLanguage(language);
                        if (!v->isUnlocked())
                            v->unlockSecret(crypto::SecretBytes::copyOf(m_passphrase.view()));
                    },
                    [v]() { return v->state() != VaultController::State::Working; }, 100});
    m_steps.append(
        {name("contacts"), [this]() { showPage(QStringLiteral("contacts")); }, unlocked, 700});
    m_steps.append({name("contacts-search"),
                    [this]() { m_app->contacts()->setQuery(QStringLiteral("praha")); }, always});
    m_steps.append({QString(), [this]() { m_app->contacts()->setQuery(QString()); }, always, 100});
    m_steps.append({name("contact-card"),
                    [this]() { openDetail(QStringLiteral("contacts"), rowOfPermanentService()); },
                    always});
    m_steps.append({name("cases"), [this]() { showPage(QStringLiteral("cases")); }, always});
    m_steps.append(
        {name("case-card"), [this]() { openDetail(QStringLiteral("cases"), 0); }, always});
    m_steps.append(
        {name("instructions"), [this]() { showPage(QStringLiteral("instructions")); }, always});
    m_steps.append({name("instruction-card"),
                    [this]() { openDetail(QStringLiteral("instructions"), 0); }, always});
    m_steps.append({name("schedule"), [this]() { showPage(QStringLiteral("schedule")); }, always});
    m_steps.append(
        {name("schedule-card"),
         [this]() {
             int row = 0;
             for (int i = 0; i < m_app->schedule()->rowCount(); ++i) {
                 if (m_app->schedule()->index(i).data(ScheduleModel::NextRole).toBool()) {
                     row = i;
                     break;
                 }
             }
             openDetail(QStringLiteral("schedule"), row);
         },
         always});
    // "Check in" on the open card, once: one check-in with the replayed position (scripts/demo
    // replays an NMEA walk in Brussels), which the desk reads after the next sync.
    if (first) {
        m_steps.append(
            {name("schedule-check-in"),
             [this]() {
                 auto *detail = findObject(QStringLiteral("detailPage"));
                 QObject *card =
                     detail ? detail->property("currentCard").value<QObject *>() : nullptr;
                 if (card)
                     m_app->reportActions()->checkIn(card->property("recordId").toString());
             },
             always});
    }
    m_steps.append({name("reports"), [this]() { showPage(QStringLiteral("reports")); }, always});
    m_steps.append({name("sync"), [this]() { showPage(QStringLiteral("sync")); }, always});
    m_steps.append({name("settings"), [this]() { showPage(QStringLiteral("settings")); }, always});

    // The clock banner: as after a verified HEARTBEAT whose HQ time is 3 days ahead of this
    // device's clock (set here directly; the reference is dropped again right after).
    m_steps.append({name("clock-wrong"),
                    [this]() {
                        showPage(QStringLiteral("instructions"));
                        if (device::DeviceSession *s = m_app->session()) {
                            s->records().clock().setReference(QDateTime::currentMSecsSinceEpoch() +
                                                              qint64(3) * 24 * 3600 * 1000);
                            m_app->refreshAll();
                        }
                    },
                    [this]() {
                        return m_app->clockWrong();
                    }});
    m_steps.append({QString(),
                    [this]() {
                        if (device::DeviceSession *s = m_app->session()) {
                            s->records().clock().clearReference();
                            m_app->refreshAll();
                        }
                        showPage(QStringLiteral("contacts"));
                        m_app->vault()->lock();
                    },
                    [this]() { return !mainPageShown(); }, 100});
    // The real vault locked: the emergency call to HQ's 24/7 duty number, nothing else.
    m_steps.append(
        {name("lock-screen"), [] {},
         [this]() { return findObject(QStringLiteral("emergencyCallButton")) != nullptr; }, 600});

    // First run: the enrolment page, a code and a suggested passphrase typed in.
    m_steps.append({name("enrolment"),
                    [this]() {
                        m_window->setProperty("localSetup", false);
                        setApp(scratchApp(false));
                        QTimer::singleShot(0, this, [this]() {
                            if (QObject *f = findObject(QStringLiteral("enrolCodeField")))
                                f->setProperty("text", QStringLiteral("LIAISON1-7QX2M-4KD9P-..."));
                            if (QObject *b = findObject(QStringLiteral("suggestWordsButton")))
                                QMetaObject::invokeMethod(b, "clicked");
                        });
                    },
                    [this]() { return findObject(QStringLiteral("enrolCodeField")) != nullptr; },
                    700});
    // Create-vault page with a passphrase typed in, over a scratch vault (set up without HQ).
    m_steps.append(
        {name("create-vault"),
         [this]() {
             setApp(scratchApp(false));
             m_window->setProperty("localSetup", true);
             QTimer::singleShot(0, this, [this]() {
                 const QString pass = QString::fromLatin1(kScratchPassphrase);
                 if (QObject *f = findObject(QStringLiteral("newPassphraseField")))
                     f->setProperty("text", pass);
                 if (QObject *f = findObject(QStringLiteral("confirmPassphraseField")))
                     f->setProperty("text", pass);
             });
         },
         [this]() { return findObject(QStringLiteral("newPassphraseField")) != nullptr; }, 700});
    m_steps.append({name("create-vault-weak"),
                    [this]() {
                        if (QObject *f = findObject(QStringLiteral("newPassphraseField")))
                            f->setProperty("text", QStringLiteral("prague2026"));
                        if (QObject *f = findObject(QStringLiteral("confirmPassphraseField")))
                            f->setProperty("text", QString());
                    },
                    always});

    // Wrong passphrases on a scratch vault until the lockout countdown shows.
    m_steps.append({QString(), [this]() { setApp(scratchApp(true)); }, always, 100});
    for (int i = 0; i < 5; ++i) {
        m_steps.append(
            {i == 2 ? name("unlock-failed") : QString(),
             [this]() { m_scratch->vault()->unlock(QString::fromLatin1(kWrongPassphrase)); },
             [this]() { return !m_scratch->vault()->busy(); }, i == 2 ? 450 : 50});
    }
    m_steps.append({name("lockout"), [] {},
                    [this]() {
                        return m_scratch->vault()->state() == VaultController::State::LockedOut;
                    }});
}

void ScreenshotTour::runStep(int index)
{
    if (index >= m_steps.size() || !m_window) {
        Q_EMIT finished(m_failures.isEmpty());
        return;
    }
    m_steps[index].action();
    QTimer::singleShot(kPollMs, this, [this, index]() { poll(index, 0); });
}

void ScreenshotTour::poll(int index, int waitedMs)
{
    const Step &step = m_steps[index];
    if (!step.ready()) {
        if (waitedMs >= step.timeoutMs) {
            if (!step.timeoutNote.isEmpty()) {
                qCWarning(lcTour).noquote() << step.timeoutNote;
                runStep(index + 1);
                return;
            }
            m_failures.append(step.name.isEmpty() ? QStringLiteral("step %1").arg(index)
                                                  : step.name);
            qCWarning(lcTour) << "step" << index << step.name << "timed out";
            runStep(index + 1);
            return;
        }
        QTimer::singleShot(kPollMs, this,
                           [this, index, waitedMs]() { poll(index, waitedMs + kPollMs); });
        return;
    }
    QTimer::singleShot(step.settleMs, this, [this, index]() {
        const QString name = m_steps[index].name;
        if (!name.isEmpty())
            grab(name);
        runStep(index + 1);
    });
}

void ScreenshotTour::grab(const QString &name)
{
    const QImage image = m_window->grabWindow();
    const QString path = QDir(m_outDir).filePath(name + QStringLiteral(".png"));
    if (image.isNull() || !image.save(path)) {
        m_failures.append(name);
        qCWarning(lcTour) << "could not write" << path;
        return;
    }
    m_written.append(path);
}

} // namespace liaison::app
