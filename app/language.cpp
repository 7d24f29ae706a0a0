#include "language.h"

#include "recordlistmodel.h"

#include <QCoreApplication>
#include <QLoggingCategory>
#include <QQmlEngine>
#include <QSettings>

Q_LOGGING_CATEGORY(lcLanguage, "liaison.app.language")

namespace liaison::app {

std::unique_ptr<QSettings> settingsAt(const QString &file)
{
    if (file.isEmpty())
        return std::make_unique<QSettings>(QStringLiteral("Liaison"), QStringLiteral("liaison"));
    return std::make_unique<QSettings>(file, QSettings::IniFormat);
}

namespace {
const QString kKey = QStringLiteral("language");
} // namespace

Language::Language(QString settingsFile, QLocale systemLocale, QObject *parent)
    : QObject(parent)
    , m_settingsFile(std::move(settingsFile))
    , m_system(std::move(systemLocale))
{
    const QString saved = settingsAt(m_settingsFile)->value(kKey).toString();
    if (saved == QLatin1String("en") || saved == QLatin1String("cs"))
        m_choice = saved;
}

Language::~Language()
{
    if (m_translator)
        QCoreApplication::removeTranslator(m_translator.get());
}

QString Language::effective() const
{
    if (!m_choice.isEmpty())
        return m_choice;
    return m_system.language() == QLocale::Czech ? QStringLiteral("cs") : QStringLiteral("en");
}

bool Language::setChoice(const QString &code)
{
    if (!code.isEmpty() && code != QLatin1String("en") && code != QLatin1String("cs"))
        return false;
    if (code == m_choice)
        return true;
    m_choice = code;
    auto settings = settingsAt(m_settingsFile);
    if (code.isEmpty())
        settings->remove(kKey);
    else
        settings->setValue(kKey, code);
    settings->sync();
    apply();
    Q_EMIT changed();
    return true;
}

void Language::apply()
{
    const QString wanted = effective();
    if (wanted != m_installed) {
        if (m_translator) {
            QCoreApplication::removeTranslator(m_translator.get());
            m_translator.reset();
        }
        if (wanted == QLatin1String("cs")) {
            auto translator = std::make_unique<QTranslator>();
            if (translator->load(QStringLiteral(":/i18n/liaison_cs.qm"))) {
                QCoreApplication::installTranslator(translator.get());
                m_translator = std::move(translator);
            } else {
                qCWarning(lcLanguage) << "the Czech catalogue is missing from the build";
            }
        }
        setDisplayLocale(wanted == QLatin1String("cs")
                             ? QLocale(QLocale::Czech, QLocale::Czechia)
                             : QLocale(QLocale::English, QLocale::UnitedKingdom));
        m_installed = wanted;
        qCInfo(lcLanguage).noquote() << "language" << wanted;
    }
    if (m_engine)
        m_engine->retranslate();
}

} // namespace liaison::app
