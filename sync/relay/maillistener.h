#pragma once

// LISTEN liaison_mail on a dedicated PostgreSQL connection (QSqlDriver::subscribeToNotification
// needs an event loop, so it runs in its own QThread). Every relay process sharing the database
// hears every commit's NOTIFY and wakes its long-polls for that recipient. When the connection
// drops it reconnects; until then `connected()` is false and the service shortens long-polls.

#include "relayconfig.h"

#include <QThread>

#include <atomic>
#include <functional>

namespace liaison::relay {

class MailListener : public QThread
{
    Q_OBJECT
public:
    // onMail(recipient id hex) is called on the listener thread; it must only post.
    // onConnected(true/false) likewise.
    MailListener(DbUrl url, std::function<void(QByteArray)> onMail,
                 std::function<void(bool)> onConnected);
    ~MailListener() override;

    [[nodiscard]] bool connected() const { return m_connected.load(); }
    void stopListening();

protected:
    void run() override;

private:
    DbUrl m_url;
    std::function<void(QByteArray)> m_onMail;
    std::function<void(bool)> m_onConnected;
    std::atomic<bool> m_connected{false};
};

} // namespace liaison::relay
