#pragma once

// The app's window, loaded as `liaison` loads it (app/main.cpp), for main.cpp and for the tools
// that must run the app exactly as it ships (liaison-screens, residue-memory).

class QQmlApplicationEngine;
class QQuickWindow;

namespace liaison::app {

class AppController;

// Loads Main.qml (Material style) into `engine` with `app` as its required property. The
// language retranslates this engine on change, and each lock releases its pages at once
// (AppController::setQmlEngine). nullptr when the window did not load.
[[nodiscard]] QQuickWindow *loadMainWindow(QQmlApplicationEngine &engine, AppController &app);

} // namespace liaison::app
