// QuickTest runner for tests/qml/tst_*.qml: the static modules Liaison and LiaisonTest, the
// Material style, the crypto self-test and the small Argon2id test profile.

#include "crypto/crypto.h"

#include <QQmlEngine>
#include <QQmlExtensionPlugin>
#include <QQuickStyle>
#include <QStandardPaths>
#include <QtQuickTest>

#include <cstdio>
#include <cstdlib>

Q_IMPORT_QML_PLUGIN(LiaisonPlugin)
Q_IMPORT_QML_PLUGIN(LiaisonTestPlugin)

class Setup : public QObject
{
    Q_OBJECT
public Q_SLOTS:
    void applicationAvailable()
    {
        QStandardPaths::setTestModeEnabled(true);
        QQuickStyle::setStyle(QStringLiteral("Material"));
        if (!liaison::crypto::initialize() || !liaison::crypto::allowTestKdfProfile()) {
            std::fprintf(stderr, "crypto self-test or test profile failed\n");
            std::exit(2);
        }
    }
    void qmlEngineAvailable(QQmlEngine *engine) { engine->addImportPath(QStringLiteral("qrc:/")); }
};

QUICK_TEST_MAIN_WITH_SETUP(liaison_qml, Setup)
#include "tst_qml.moc"
