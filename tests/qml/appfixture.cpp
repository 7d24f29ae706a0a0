#include "appfixture.h"

#include "directoraterecords.h"
#include "modelreplica.h"

namespace liaison::test {

namespace {
vault::VaultOptions fixtureVaultOptions()
{
    vault::VaultOptions o;
    o.kdf = crypto::kTestKdfParams;
    return o;
}
} // namespace

AppFixture::AppFixture(int autoLockMs, qint64 startMs, vault::KeyStoreKind kind)
    : keyStore(tmp.filePath(QStringLiteral("keystore")))
    , reportedKeyStore(keyStore, kind)
    , vaultClock(startMs, 5'000'000)
    , clock(startMs, 5'000'000)
    , m_autoLockMs(autoLockMs)
{
    restartApp();
}

void AppFixture::restartApp()
{
    if (app)
        app->vault()->waitForWorker();
    app.reset();
    app::AppServices services{tmp.filePath(QStringLiteral("vault")),
                              reportedKeyStore,
                              vaultClock,
                              clock,
                              fixtureVaultOptions(),
                              m_autoLockMs};
    services.settingsFile = tmp.filePath(QStringLiteral("settings.ini"));
    services.connectivity = &connectivity;
    services.quickUnlock = &quickUnlock;
    services.lifecycle = lifecycle.get();
    services.systemLocale = QLocale(QLocale::English, QLocale::UnitedKingdom);
    services.openUrl = [this](const QUrl &url) {
        openedUrls.append(url);
        return true;
    };
    app = std::make_unique<app::AppController>(std::move(services));
}

AppFixture::~AppFixture()
{
    app->vault()->waitForWorker();
}

Status AppFixture::createVault()
{
    app->vault()->createVault(QString::fromLatin1(kFixturePassphrase),
                              QString::fromLatin1(kFixturePassphrase));
    app->vault()->waitForWorker();
    if (!app->vault()->isUnlocked())
        return fail(Errc::Internal, QStringLiteral("create failed: ") + app->vault()->message());
    return {};
}

Status AppFixture::unlock(const char *passphrase)
{
    app->vault()->unlock(QString::fromUtf8(passphrase));
    app->vault()->waitForWorker();
    if (!app->vault()->isUnlocked())
        return fail(Errc::WrongKey, app->vault()->message());
    return {};
}

Status AppFixture::enrolAndSeed()
{
    device::DeviceSession *session = app->session();
    if (!session)
        return fail(Errc::Internal, QStringLiteral("locked"));
    device::DeviceProfile profile;
    profile.deviceId = idOf(0x42);
    profile.deploymentId = idOf(0x17);
    profile.hqId = idOf(0xf0);
    profile.hqSignKey = crypto::crypto_sign_keypair().publicKey;
    profile.hqBoxKey = crypto::crypto_box_keypair().publicKey;
    profile.hqBoxKeyId = 1;
    profile.label = QStringLiteral("Test device");
    profile.relayUrl = QString(); // no relay: the fixture never syncs
    profile.enrolledMs = clock.wallMs();
    if (auto s = device::saveDeviceProfile(session->database(), profile); !s)
        return s;

    ModelReplica hq;
    if (auto s = hq.open(tmp.path(), QStringLiteral("hq"), idOf(0xf0), model::ReplicaRole::Hq); !s)
        return s;
    hq.clock.setWall(clock.wallMs());
    auto counts = directorate::seedDirectorate(*hq.records, clock.wallMs());
    if (!counts)
        return std::unexpected(counts.error());
    auto snapshot = hq.records->snapshot(directorate::scopes());
    if (!snapshot)
        return std::unexpected(snapshot.error());
    auto applied = session->records().resetToSnapshot(directorate::scopes(), *snapshot);
    if (!applied)
        return std::unexpected(applied.error());

    app->vault()->lock();
    return unlock();
}

void AppFixture::useLifecycle(std::unique_ptr<platform::Lifecycle> next)
{
    app->vault()->waitForWorker();
    app.reset();
    lifecycle = std::move(next);
    restartApp();
}

void AppFixture::setApplicationState(Qt::ApplicationState state)
{
    // The offscreen and xcb platforms derive the state from the focus window and can neither
    // hide nor suspend the app: the test sends Qt's own signal with Qt's own states, as Qt does
    // on Android's onStop and iOS's didEnterBackground.
    auto *gui = qobject_cast<QGuiApplication *>(QCoreApplication::instance());
    Q_ASSERT(gui);
    Q_EMIT gui->applicationStateChanged(state);
}

void AppFixture::advance(qint64 ms)
{
    vaultClock.advance(ms);
    clock.advance(ms);
}

} // namespace liaison::test
