#pragma once

// The app's language (issue 11, "Languages"): English (the source texts) or Czech (the Qt
// Linguist catalogue app/i18n/liaison_cs.ts, compiled by the build into :/i18n/liaison_cs.qm).
// It follows the system language unless the officer chose one in Settings; the choice is kept in
// the app's settings file (QSettings: not secret, read before the vault opens, so the lock screen
// speaks the same language). Switching installs the translator, sets the models' date locale and
// asks the QML engine to retranslate; C++ texts come anew when the models reload.

#include <QLocale>
#include <QObject>
#include <QTranslator>

#include <memory>

class QQmlEngine;
class QSettings;

namespace liaison::app {

// The app's settings file (QSettings; nothing secret: read before the vault opens): `file`, or
// the platform's settings for Liaison when empty.
[[nodiscard]] std::unique_ptr<QSettings> settingsAt(const QString &file);

class Language : public QObject
{
    Q_OBJECT
public:
    // `settingsFile`: where the choice is kept (empty: the platform's QSettings for Liaison).
    // `systemLocale`: what "System" means (tests pass their own).
    explicit Language(QString settingsFile = {}, QLocale systemLocale = QLocale::system(),
                      QObject *parent = nullptr);
    ~Language() override;

    // "" (follow the system), "en" or "cs".
    [[nodiscard]] QString choice() const { return m_choice; }
    // What is shown: "en" or "cs".
    [[nodiscard]] QString effective() const;
    // Saves the choice and applies it. False for an unknown code.
    bool setChoice(const QString &code);
    // Installs the translator of the effective language and retranslates `engine` (may be null).
    void apply();
    void setEngine(QQmlEngine *engine) { m_engine = engine; }

Q_SIGNALS:
    void changed();

private:
    QString m_settingsFile;
    QLocale m_system;
    QString m_choice;
    QString m_installed;
    std::unique_ptr<QTranslator> m_translator;
    QQmlEngine *m_engine = nullptr;
};

} // namespace liaison::app
