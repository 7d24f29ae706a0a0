#pragma once

// The app over a vault in a temporary directory: software key store (which may report itself as
// another kind, for the pages that name a weaker store), manual clocks (vault and records move
// together), the small Argon2id test profile, and the directorate demo records
// delivered the way HQ's RESYNC would deliver them (an HQ replica's snapshot of the demo scopes,
// applied at the records layer).

#include "appcontroller.h"
#include "client/connectivity.h"
#include "desktop/softwarekeystore.h"

#include <QTemporaryDir>

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

    QTemporaryDir tmp;
    platform::SoftwareKeyStore keyStore;
    ReportedKindKeyStore reportedKeyStore; // over keyStore: the one the app is given
    liaison::ManualClock vaultClock;
    liaison::ManualClock clock;
    // What the app hears of the link (online; metered when a test says so).
    client::ManualConnectivity connectivity{client::Connectivity::State::Online};
    // What the app handed to the phone (tel:, sms:, mailto:, geo:), in order.
    QList<QUrl> openedUrls;
    std::unique_ptr<app::AppController> app;

private:
    int m_autoLockMs;
};

} // namespace liaison::test
