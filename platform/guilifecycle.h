#pragma once

// Lifecycle over QGuiApplication::applicationStateChanged (issue 12 "lifecycle"), the same on
// every OS: Qt maps Android's onStop and iOS's didEnterBackground to ApplicationSuspended (or
// Hidden), and a desktop window losing focus to ApplicationInactive. Background means Hidden or
// Suspended: Inactive is still in front of the officer (a system dialog, the notification shade,
// another desktop window with focus), and locking there would lock on every glance away.

#include "lifecycle.h"

namespace liaison::platform {

class GuiLifecycle final : public Lifecycle
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(GuiLifecycle)
public:
    explicit GuiLifecycle(QObject *parent = nullptr);

    [[nodiscard]] bool isForeground() const override { return m_foreground; }

    [[nodiscard]] static bool isForegroundState(Qt::ApplicationState state);

private:
    void onStateChanged(Qt::ApplicationState state);
    bool m_foreground = true;
};

} // namespace liaison::platform
