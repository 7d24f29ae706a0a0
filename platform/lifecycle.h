#pragma once

// The app's place in the OS: foreground or background (issue 11 "Getting back in quickly", issue
// 12 "lifecycle"). The app locks the vault when it goes to the background, except while the
// officer is in a call or another app the officer opened from Liaison (tel:, sms:, mailto:, a map
// link), within HQ's auto-lock ceiling. The platform implements it (platform/<os>/): on the
// desktop and on phones over QGuiApplication::applicationStateChanged.

#include <QObject>

#include <memory>

class QWindow;

namespace liaison::platform {

class Lifecycle : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
    ~Lifecycle() override = default;

    [[nodiscard]] virtual bool isForeground() const = 0;

Q_SIGNALS:
    // The app is no longer visible to the officer (home button, screen off, another app).
    void wentToBackground();
    void cameToForeground();
};

[[nodiscard]] std::unique_ptr<Lifecycle> createLifecycle(QObject *parent = nullptr);

// Keeps what an attacker with the phone must not see out of screenshots, the app switcher and
// screen recording: Android FLAG_SECURE, the iOS cover view when backgrounded; a no-op on the
// desktop. Called once on each top-level window.
void protectWindow(QWindow *window);

} // namespace liaison::platform
