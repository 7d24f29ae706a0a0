#pragma once

// The screenshot tour of liaison-screens (test builds only, never in the product `liaison`):
// drives the real UI over the real vault through every screen and writes each one with
// QQuickWindow::grabWindow() to DIR/<size>-<language>-<screen>.png (phone|tablet, en|cs), then
// quits. It needs a real window system (an X
// server; xvfb-run when there is no display) because the offscreen platform renders the Material
// style wrongly.
//
// Screens that need states the demo vault must not be put in (the create page, the lockout
// countdown) are rendered over a scratch vault in a temporary directory, with the same code.

#include "appcontroller.h"
#include "crypto/secret.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QQuickWindow>
#include <QSize>
#include <QStringList>
#include <QTemporaryDir>

#include <functional>
#include <memory>

namespace liaison::platform {
class SoftwareKeyStore;
}

namespace liaison::app {

class ScreenshotTour : public QObject
{
    Q_OBJECT
public:
    ScreenshotTour(QQuickWindow *window, AppController *app, QString outDir,
                   crypto::SecretBytes passphrase, QSize phoneSize, QSize tabletSize,
                   QObject *parent = nullptr);
    ~ScreenshotTour() override;

    void start();
    [[nodiscard]] const QStringList &written() const { return m_written; }
    [[nodiscard]] const QStringList &failures() const { return m_failures; }

Q_SIGNALS:
    void finished(bool ok);

private:
    struct Step
    {
        QString name;                 // file name without .png; empty = no picture
        std::function<void()> action; // what to do first
        std::function<bool()> ready;  // poll until true (or time out)
        int settleMs = 450;           // animations end
        int timeoutMs = 30'000;       // ready() polled this long
        // Non-empty: a time-out is logged with this text and is not a failure.
        QString timeoutNote;
    };
    void buildSteps();
    // The screens of one language at one size, appended to m_steps.
    void addVariant(const QString &language, bool tablet, bool first);
    void runStep(int index);
    void poll(int index, int waitedMs);
    void grab(const QString &name);
    void setApp(AppController *app);
    void showPage(const QString &name);
    void openDetail(const QString &name, int row);
    [[nodiscard]] QObject *findObject(const QString &objectName) const;
    [[nodiscard]] bool mainPageShown() const;
    // The directorate's 24/7 permanent service (else the first 24/7 contact).
    [[nodiscard]] int rowOfPermanentService() const;
    [[nodiscard]] AppController *scratchApp(bool withVault);

    QPointer<QQuickWindow> m_window;
    AppController *m_app;
    QString m_outDir;
    crypto::SecretBytes m_passphrase;
    QSize m_phoneSize;
    QSize m_tabletSize;
    QList<Step> m_steps;
    QString m_language = QStringLiteral("en"); // of the variant being rendered
    bool m_tablet = false;
    QStringList m_written;
    QStringList m_failures;
    QElapsedTimer m_syncWaitStarted;

    // The scratch vault for the create and lockout screens.
    std::unique_ptr<QTemporaryDir> m_scratchDir;
    std::unique_ptr<platform::SoftwareKeyStore> m_scratchKeyStore;
    std::unique_ptr<AppController> m_scratch;
};

} // namespace liaison::app
