#include "mainwindow.h"

#include "appcontroller.h"

#include <QQmlApplicationEngine>
#include <QQuickStyle>
#include <QQuickWindow>

namespace liaison::app {

QQuickWindow *loadMainWindow(QQmlApplicationEngine &engine, AppController &app)
{
    QQuickStyle::setStyle(QStringLiteral("Material"));
    // The language (Settings override, else the system's): retranslates this engine on change.
    app.languageSettings()->setEngine(&engine);
    // At each lock the pages that showed records are released at once, their texts wiped.
    app.setQmlEngine(&engine);
    engine.addImportPath(QStringLiteral("qrc:/"));
    engine.setInitialProperties({{QStringLiteral("app"), QVariant::fromValue(&app)}});
    engine.load(QUrl(QStringLiteral("qrc:/Liaison/qml/Main.qml")));
    if (engine.rootObjects().isEmpty())
        return nullptr;
    return qobject_cast<QQuickWindow *>(engine.rootObjects().constFirst());
}

} // namespace liaison::app
