#pragma once

// The scripted session of liaison-screens --script (test builds only, never in the product
// `liaison`): an officer's use of the app through its real window (Main.qml) and core, for tests
// that watch the app from outside (issue 12 test 5: tst_netns_device runs it in a network
// namespace under strace). Every step goes through the UI as a person would: the passphrase
// typed into the unlock page's field and its button pressed; the first sync round after the
// unlock, with the record HQ published after the enrolment (`expect`) found in the store; every
// tab shown and a card of each list opened; a contact search; the expected instruction
// acknowledged on its card; a field report typed and queued on the reports page; "Sync now" on
// the sync page until the acknowledgement and the report are out; the lock button. It writes
// one line per step to stdout ("session: ..."; counts and ids, never record text or the
// passphrase) and ends with the first step that failed and why, or with "session: done".

#include "appcontroller.h"
#include "crypto/secret.h"

#include <QPointer>
#include <QQuickWindow>
#include <QString>

#include <functional>

namespace liaison::app {

struct SessionOptions
{
    // A record HQ published after the enrolment: its title holds this text (empty: none). An
    // instruction that asks for an acknowledgement is acknowledged.
    QString expect;
    QString reportText; // the field report queued on the reports page (empty: none)
    int stepTimeoutMs = 60'000;
};

class ScriptedSession
{
public:
    ScriptedSession(QQuickWindow *window, AppController *app, crypto::SecretBytes passphrase,
                    SessionOptions options);

    // Runs every step (each wait spins the event loop); "" when every step did what it should,
    // else the step that failed and why.
    [[nodiscard]] QString run();
    // Drops what the session itself holds of the officer's input (the passphrase, if not typed
    // yet; the expected title, the report text), wiped, so that a scan of the process after the
    // lock finds what the app keeps, not the test tool's copies.
    void forget();

private:
    [[nodiscard]] QQuickItem *find(const QString &objectName) const;
    [[nodiscard]] bool waitFor(const std::function<bool()> &done, int timeoutMs) const;
    // Presses an enabled, visible button (its clicked() handler runs, as on a tap).
    [[nodiscard]] bool press(QQuickItem *button) const;
    void showPage(const QString &name) const;
    void openDetail(const QString &name, int row) const;
    void settle(int ms) const;
    // The row of the first record of `model` whose title holds m_options.expect; -1 if none.
    [[nodiscard]] static int rowWithTitle(QAbstractItemModel &model, const QString &text);

    [[nodiscard]] QString unlock();
    [[nodiscard]] QString firstRound();
    [[nodiscard]] QString browse();
    [[nodiscard]] QString acknowledge();
    [[nodiscard]] QString report();
    [[nodiscard]] QString sendUp();
    [[nodiscard]] QString lock();

    QPointer<QQuickWindow> m_window;
    AppController *m_app;
    crypto::SecretBytes m_passphrase;
    SessionOptions m_options;
    QString m_expectedId; // the record found by `expect`
    bool m_expectedAwaitsAck = false;
    int m_queued = 0; // acknowledgements and reports queued for HQ
};

} // namespace liaison::app
