#include "guilifecycle.h"

#include <QGuiApplication>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcLifecycle, "liaison.platform.lifecycle")

namespace liaison::platform {

GuiLifecycle::GuiLifecycle(QObject *parent)
    : Lifecycle(parent)
{
    // Not qGuiApp: it casts whatever application there is, a QCoreApplication too.
    auto *gui = qobject_cast<QGuiApplication *>(QCoreApplication::instance());
    if (!gui) {
        qCWarning(lcLifecycle) << "no QGuiApplication: always in the foreground";
        return;
    }
    m_foreground = isForegroundState(QGuiApplication::applicationState());
    connect(gui, &QGuiApplication::applicationStateChanged, this, &GuiLifecycle::onStateChanged);
}

bool GuiLifecycle::isForegroundState(Qt::ApplicationState state)
{
    switch (state) {
    case Qt::ApplicationActive:
    case Qt::ApplicationInactive:
        return true;
    case Qt::ApplicationHidden:
    case Qt::ApplicationSuspended:
        return false;
    }
    return true;
}

void GuiLifecycle::onStateChanged(Qt::ApplicationState state)
{
    const bool foreground = isForegroundState(state);
    if (foreground == m_foreground)
        return;
    m_foreground = foreground;
    qCDebug(lcLifecycle) << (foreground ? "foreground" : "background");
    if (foreground)
        Q_EMIT cameToForeground();
    else
        Q_EMIT wentToBackground();
}

std::unique_ptr<Lifecycle> createLifecycle(QObject *parent)
{
    return std::make_unique<GuiLifecycle>(parent);
}

} // namespace liaison::platform
