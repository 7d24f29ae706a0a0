#include "maillistener.h"

#include "relaystore.h"

#include <QEventLoop>
#include <QLoggingCategory>
#include <QSqlDatabase>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlQuery>
#include <QTimer>

Q_DECLARE_LOGGING_CATEGORY(lcRelayStore)

namespace liaison::relay {

MailListener::MailListener(DbUrl url, std::function<void(QByteArray)> onMail,
                           std::function<void(bool)> onConnected)
    : m_url(std::move(url))
    , m_onMail(std::move(onMail))
    , m_onConnected(std::move(onConnected))
{}

MailListener::~MailListener()
{
    stopListening();
    wait();
}

void MailListener::stopListening()
{
    quit();
}

void MailListener::run()
{
    const QString name = QStringLiteral("relay-listener");
    {
        QTimer reconnect;
        reconnect.setInterval(1000);
        auto connectNow = [&] {
            {
                QSqlDatabase db = QSqlDatabase::database(name, false);
                if (db.isOpen()) {
                    // A dropped server connection shows as a failing ping.
                    QSqlQuery q(db);
                    if (q.exec(QStringLiteral("SELECT 1")))
                        return;
                    db.close();
                }
            }
            if (m_connected.exchange(false))
                m_onConnected(false);
            QSqlDatabase db = QSqlDatabase::contains(name)
                                  ? QSqlDatabase::database(name, false)
                                  : QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), name);
            db.setHostName(m_url.host);
            db.setPort(m_url.port);
            db.setUserName(m_url.user);
            db.setPassword(m_url.password);
            db.setDatabaseName(m_url.database);
            QString opts = QStringLiteral("connect_timeout=5");
            if (!m_url.connectOptions.isEmpty())
                opts += QLatin1Char(';') + m_url.connectOptions;
            db.setConnectOptions(opts);
            if (!db.open()) {
                qCWarning(lcRelayStore) << "mail listener cannot connect:" << db.lastError().text();
                return;
            }
            QObject::connect(
                db.driver(),
                qOverload<const QString &, QSqlDriver::NotificationSource, const QVariant &>(
                    &QSqlDriver::notification),
                db.driver(),
                [this](const QString &, QSqlDriver::NotificationSource, const QVariant &payload) {
                    m_onMail(payload.toString().toLatin1());
                });
            if (!db.driver()->subscribeToNotification(QString::fromLatin1(kNotifyChannel))) {
                qCWarning(lcRelayStore) << "mail listener cannot LISTEN";
                db.close();
                return;
            }
            m_connected = true;
            m_onConnected(true);
        };
        QObject::connect(&reconnect, &QTimer::timeout, connectNow);
        connectNow();
        reconnect.start();
        exec();
    }
    {
        QSqlDatabase db = QSqlDatabase::database(name, false);
        if (db.isOpen()) {
            db.driver()->unsubscribeFromNotification(QString::fromLatin1(kNotifyChannel));
            db.close();
        }
    }
    QSqlDatabase::removeDatabase(name);
    m_connected = false;
}

} // namespace liaison::relay
