#pragma once

// A tiny in-process HTTP/1.1 responder (plain or TLS) for client tests: reads each request
// (head + Content-Length body), hands it to a handler, writes the answer. Keep-alive; no chunked
// bodies. Not a relay: tests script it.

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QSslCertificate>
#include <QSslKey>
#include <QTcpServer>

#include <functional>
#include <memory>

namespace liaison::test {

class MiniHttpServer final : public QObject
{
    Q_OBJECT
public:
    struct Request
    {
        QByteArray method;
        QByteArray target;                     // path and query
        QHash<QByteArray, QByteArray> headers; // lower-case names
        QByteArray body;
        [[nodiscard]] QByteArray path() const
        {
            const qsizetype q = target.indexOf('?');
            return q < 0 ? target : target.left(q);
        }
    };
    struct Response
    {
        int status = 200;
        QByteArray body;
        QByteArray contentType = "application/json";
        QList<QPair<QByteArray, QByteArray>> headers;
        bool noAnswer = false; // hold the connection, answer nothing
    };
    using Handler = std::function<Response(const Request &)>;

    explicit MiniHttpServer(Handler handler, QObject *parent = nullptr);
    ~MiniHttpServer() override;

    [[nodiscard]] bool listen();
    [[nodiscard]] bool listenTls(const QByteArray &certPem, const QByteArray &keyPem);
    [[nodiscard]] quint16 port() const;
    [[nodiscard]] int requestCount() const { return int(m_requests.size()); }
    [[nodiscard]] const QList<Request> &requests() const { return m_requests; }
    [[nodiscard]] int connectionCount() const { return m_connections; }
    void setHandler(Handler h) { m_handler = std::move(h); }

private:
    void drain();
    void serve(class QTcpSocket *socket);

    Handler m_handler;
    std::unique_ptr<QTcpServer> m_server;
    QList<Request> m_requests;
    int m_connections = 0;
};

} // namespace liaison::test
