// createQuickUnlockStore() on the desktop (platform/quickunlock.h): there is no key store here
// that releases a secret only after a biometric check (Secret Service unlocks with the login, a
// fingerprint reader through fprintd releases nothing), so there is no quick unlock: the lock
// screen offers the passphrase only.

#include "quickunlock.h"

#include <QTimer>

namespace liaison::platform {

namespace {

class NoQuickUnlockStore final : public QuickUnlockStore
{
public:
    [[nodiscard]] bool available() const override { return false; }
    [[nodiscard]] QString description() const override
    {
        return QStringLiteral("none (no biometric key store on this desktop)");
    }
    void enrol(const QString &, crypto::SecretBytes, const QString &, Done done) override
    {
        QTimer::singleShot(0, [done = std::move(done)] { done(Outcome::Unavailable); });
    }
    void release(const QString &, const QString &, Released done) override
    {
        QTimer::singleShot(
            0, [done = std::move(done)] { done(Outcome::Unavailable, crypto::SecretBytes()); });
    }
    void forget(const QString &) override {}
};

} // namespace

std::unique_ptr<QuickUnlockStore> createQuickUnlockStore()
{
    return std::make_unique<NoQuickUnlockStore>();
}

} // namespace liaison::platform
