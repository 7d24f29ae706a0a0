#pragma once

// LiaisonTest.Fixture: the QML tests' way to a fresh AppController over a temporary vault with
// manual clocks (AppFixture). Test-only; the product has no such type.

#include "appfixture.h"
#include "deskkit.h"
#include "positionsource.h"

#include <QObject>
#include <QtQml/qqmlregistration.h>

namespace liaison::test {

class TestFixture : public QObject
{
    Q_OBJECT
    QML_NAMED_ELEMENT(Fixture)
    QML_SINGLETON
    Q_PROPERTY(liaison::app::AppController *app READ app NOTIFY appChanged)
    Q_PROPERTY(QString passphrase READ passphrase CONSTANT)
    Q_PROPERTY(QString wrongPassphrase READ wrongPassphrase CONSTANT)

public:
    explicit TestFixture(QObject *parent = nullptr);
    ~TestFixture() override;

    [[nodiscard]] app::AppController *app() const
    {
        return m_fixture ? m_fixture->app.get() : nullptr;
    }
    [[nodiscard]] QString passphrase() const { return QString::fromLatin1(kFixturePassphrase); }
    [[nodiscard]] QString wrongPassphrase() const
    {
        return QString::fromLatin1(kFixtureWrongPassphrase);
    }

    // A new app: no vault, an unlocked empty vault, or an enrolled device with the demo records.
    // `keyRing`: its key store reports itself as the desktop key ring instead of the (weaker)
    // software store it is.
    Q_INVOKABLE bool reset(bool createVault, bool seed, int autoLockMs = 60'000,
                           bool keyRing = false);
    // A new app without a vault whose clocks start now (enrolment against the real desk).
    Q_INVOKABLE bool resetAtNow();
    Q_INVOKABLE void advance(int ms);
    // ---- the real desk (deskkit.h): liaison-hq and liaison-relay on loopback
    // Empty when it runs, else what failed.
    Q_INVOKABLE QString startDesk();
    // `device add`: the code text (and its QR code as a PNG at `pngPath` when given); the device
    // id in deskDeviceId.
    Q_INVOKABLE QString deskAddDevice(const QString &pngPath = QString());
    Q_INVOKABLE QString deskDeviceId() const { return m_deskDevice; }
    Q_INVOKABLE bool deskConfirm(const QString &number);
    Q_INVOKABLE bool deskCancel();
    Q_INVOKABLE QString deskPath(const QString &name) const;
    // HQ's policy as a POLICY envelope would leave it in the vault (devicestore's app_policy),
    // applied at once. Needs the vault unlocked.
    Q_INVOKABLE bool setHqPolicy(int autoLockSeconds, int eraseAfter, int version = 1);
    // The app's language ("" system = English here, "en", "cs"), with this engine retranslated.
    Q_INVOKABLE bool setLanguage(const QString &code);
    // Every source text of the Czech catalogue whose translation differs and which says more
    // than its placeholders: what must never be shown while the app is in Czech. As regular
    // expressions (placeholders match anything), anchored.
    Q_INVOKABLE QStringList untranslatedPatterns() const;
    // The app's contacts (rows of the contact model).
    Q_INVOKABLE int contactCount() const;
    Q_INVOKABLE void setApplicationState(int state);
    // The app restarts over the same files (the vault comes up locked).
    Q_INVOKABLE void restartApp();
    // Quick unlock's platform store: whether it is there, and what its next prompt answers
    // ("ok", "cancel", "fail", "invalidated").
    Q_INVOKABLE void setQuickUnlock(bool available,
                                    const QString &nextPrompt = QStringLiteral("ok"));
    // Prompts shown so far; items the platform store holds.
    Q_INVOKABLE int quickUnlockPrompts() const;
    Q_INVOKABLE int quickUnlockItems() const;
    // Opens the locked vault with the last quick secret the platform store was ever given (what
    // a copy of an old item would try); the vault's error code name, or "ok".
    Q_INVOKABLE QString unlockWithKeptQuickSecret();
    // The link as the platform's connectivity would report it (metered or roaming).
    Q_INVOKABLE void setMetered(bool metered);
    Q_INVOKABLE void waitForVault();
    // A verified HQ time this many ms away from the device clock (HEARTBEAT reference).
    Q_INVOKABLE void setHqTimeOffset(double ms);
    // The URLs the app handed to the phone since the reset, as text.
    Q_INVOKABLE QStringList openedUrls() const;
    Q_INVOKABLE QString clipboardText() const;
    // Every text of the records on the device (Text fields and TextList items of at least
    // `minLength` characters): what must never show while locked. Needs the vault unlocked.
    Q_INVOKABLE QStringList recordTexts(int minLength = 8) const;
    // The platform's real position source replaying tests/fixtures/position/brussels-visit.nmea,
    // handed to the app's report controller.
    Q_INVOKABLE void startPositionReplay();
    // This device's check-ins (or "report"s) in the store: {latitude, longitude, fixTime, time,
    // queued} each (latitude/longitude NaN without a position).
    Q_INVOKABLE QVariantList ownRecords(const QString &kind) const;

Q_SIGNALS:
    void appChanged();

private:
    std::unique_ptr<platform::PositionSource> m_position;
    std::unique_ptr<AppFixture> m_fixture;
    std::unique_ptr<DeskKit> m_desk;
    QString m_deskDevice;
};

} // namespace liaison::test
