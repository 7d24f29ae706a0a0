#pragma once

// The app over a vault in a temporary directory: software key store (which may report itself as
// another kind, for the pages that name a weaker store), manual clocks (vault and records move
// together), the small Argon2id test profile, and the directorate demo records
// delivered the way HQ's RESYNC would deliver them (an HQ replica's snapshot of the demo scopes,
// applied at the records layer).

#include "appcontroller.h"
#include "client/connectivity.h"
#include "desktop/softwarekeystore.h"
#include "lifecycle.h"
#include "quickunlock.h"
#include "testmain.h"

#include <QGuiApplication>
#include <QTemporaryDir>
#include <QTimer>

#include <map>
#include <memory>

namespace liaison::test {

inline constexpr qint64 kFixtureStartMs = 1'790'000'000'000; // 2026-09-21
inline constexpr char kFixturePassphrase[] = "tide orbit nickel frog lantern";
inline constexpr char kFixtureWrongPassphrase[] = "tide orbit nickel frog lanterm";

// The software store under another kind's name: what the app shows for a key ring or a hardware
// store without one running here. Stores exactly as the software store does.
class ReportedKindKeyStore final : public vault::KeyStore
{
public:
    ReportedKindKeyStore(vault::KeyStore &store, vault::KeyStoreKind kind)
        : m_store(store)
        , m_kind(kind)
    {}

    [[nodiscard]] QString description() const override { return m_store.description(); }
    [[nodiscard]] vault::KeyStoreKind kind() const override { return m_kind; }
    [[nodiscard]] Result<crypto::SecretBytes> read(const QString &alias) override
    {
        return m_store.read(alias);
    }
    [[nodiscard]] Status write(const QString &alias, QByteArrayView secret) override
    {
        return m_store.write(alias, secret);
    }
    [[nodiscard]] Status writeRelaxed(const QString &alias, QByteArrayView secret) override
    {
        return m_store.writeRelaxed(alias, secret);
    }
    [[nodiscard]] Status remove(const QString &alias) override { return m_store.remove(alias); }

private:
    vault::KeyStore &m_store;
    vault::KeyStoreKind m_kind;
};

// The platform's biometric store, scripted (no phone key store runs here): whether the device
// has biometrics, and what the next prompt answers. It keeps what it is given, as a phone's key
// store would; `kept` lets a test try an old secret after the app forgot it.
class FakeQuickUnlockStore final : public platform::QuickUnlockStore
{
public:
    bool isAvailable = false;
    Outcome nextPrompt = Outcome::Ok;
    int prompts = 0;
    std::map<QString, std::shared_ptr<crypto::SecretBytes>> items;
    std::shared_ptr<crypto::SecretBytes> kept; // the last secret enrolled, whatever happened since

    [[nodiscard]] bool available() const override { return isAvailable; }
    [[nodiscard]] QString description() const override { return QStringLiteral("test store"); }
    void enrol(const QString &name, crypto::SecretBytes secret, const QString &, Done done) override
    {
        ++prompts;
        const Outcome o = isAvailable ? nextPrompt : Outcome::Unavailable;
        if (o == Outcome::Ok) {
            items[name] = std::make_shared<crypto::SecretBytes>(std::move(secret));
            kept = std::make_shared<crypto::SecretBytes>(
                crypto::SecretBytes::copyOf(items[name]->view()));
        }
        QTimer::singleShot(0, [done = std::move(done), o] { done(o); });
    }
    void release(const QString &name, const QString &, Released done) override
    {
        ++prompts;
        Outcome o = isAvailable ? nextPrompt : Outcome::Unavailable;
        auto it = items.find(name);
        if (o == Outcome::Ok && it == items.end())
            o = Outcome::Unavailable;
        auto secret = std::make_shared<crypto::SecretBytes>();
        if (o == Outcome::Ok)
            *secret = crypto::SecretBytes::copyOf(it->second->view());
        QTimer::singleShot(0, [done = std::move(done), o, secret] { done(o, std::move(*secret)); });
    }
    void forget(const QString &name) override { items.erase(name); }
};

struct AppFixture
{
    // `startMs`: where both clocks start (enrolment against a real desk needs today); `kind`:
    // what the key store reports itself as (it is the software store whatever it says).
    explicit AppFixture(int autoLockMs = 60'000, qint64 startMs = kFixtureStartMs,
                        vault::KeyStoreKind kind = vault::KeyStoreKind::SoftwareFile);
    ~AppFixture();

    // Creates the vault (unlocked afterwards) and waits for it.
    [[nodiscard]] Status createVault();
    // Unlocks with the fixture passphrase (or another one) and waits for the result.
    [[nodiscard]] Status unlock(const char *passphrase = kFixturePassphrase);
    // Writes a device profile, delivers the demo records, then locks and unlocks so that the
    // session opens as an enrolled device. Needs the vault unlocked.
    [[nodiscard]] Status enrolAndSeed();
    // Real time passes: both clocks move.
    void advance(qint64 ms);
    // A new AppController over the same files, key store and clocks (the app restarted).
    void restartApp();
    // The app's platform lifecycle is `next` from now on (a test's own); the app restarts.
    void useLifecycle(std::unique_ptr<platform::Lifecycle> next);
    // Qt reports an application state, as it does on a phone (Hidden, Suspended: the background;
    // Active, Inactive: still in front of the officer); the platform's lifecycle (GuiLifecycle)
    // hears it. Needs a QGuiApplication (LIAISON_APP_TEST_MAIN).
    static void setApplicationState(Qt::ApplicationState state);

    QTemporaryDir tmp;
    platform::SoftwareKeyStore keyStore;
    ReportedKindKeyStore reportedKeyStore; // over keyStore: the one the app is given
    liaison::ManualClock vaultClock;
    liaison::ManualClock clock;
    // Quick unlock's platform store (unavailable unless a test says otherwise).
    FakeQuickUnlockStore quickUnlock;
    // What the app hears of the link (online; metered when a test says so).
    client::ManualConnectivity connectivity{client::Connectivity::State::Online};
    // Foreground and background: the platform's own (GuiLifecycle over Qt's application state).
    std::unique_ptr<platform::Lifecycle> lifecycle = platform::createLifecycle();
    // What the app handed to the phone (tel:, sms:, mailto:, geo:), in order.
    QList<QUrl> openedUrls;
    std::unique_ptr<app::AppController> app;

private:
    int m_autoLockMs;
};

} // namespace liaison::test

// LIAISON_TEST_MAIN (testmain.h) with a QGuiApplication: the app's platform lifecycle follows
// QGuiApplication's application state (AppFixture::setApplicationState).
#define LIAISON_APP_TEST_MAIN(TestObject) LIAISON_TEST_MAIN_WITH(QGuiApplication, TestObject)
