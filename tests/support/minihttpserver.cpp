#include "minihttpserver.h"

#include <QSslConfiguration>
#include <QSslServer>
#include <QSslSocket>
#include <QTcpSocket>

namespace liaison::test {

namespace {
const char *reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 409:
        return "Conflict";
    case 429:
        return "Too Many Requests";
    case 503:
        return "Service Unavailable";
    default:
        return "Status";
    }
}
} // namespace

MiniHttpServer::MiniHttpServer(Handler handler, QObject *parent)
    : QObject(parent)
    , m_handler(std::move(handler))
{}

MiniHttpServer::~MiniHttpServer() = default;

bool MiniHttpServer::listen()
{
    m_server = std::make_unique<QTcpServer>();
    connect(m_server.get(), &QTcpServer::newConnection, this, &MiniHttpServer::drain);
    return m_server->listen(QHostAddress::LocalHost, 0);
}

bool MiniHttpServer::listenTls(const QByteArray &certPem, const QByteArray &keyPem)
{
    auto server = std::make_unique<QSslServer>();
    QSslConfiguration cfg = QSslConfiguration::defaultConfiguration();
    cfg.setLocalCertificate(QSslCertificate(certPem, QSsl::Pem));
    cfg.setPrivateKey(QSslKey(keyPem, QSsl::Ec, QSsl::Pem));
    cfg.setPeerVerifyMode(QSslSocket::VerifyNone);
    server->setSslConfiguration(cfg);
    connect(server.get(), &QSslServer::pendingConnectionAvailable, this, &MiniHttpServer::drain);
    m_server = std::move(server);
    return m_server->listen(QHostAddress::LocalHost, 0);
}

quint16 MiniHttpServer::port() const
{
    return m_server ? m_server->serverPort() : 0;
}

void MiniHttpServer::drain()
{
    while (QTcpSocket *s = m_server->nextPendingConnection()) {
        ++m_connections;
        serve(s);
    }
}

void MiniHttpServer::serve(QTcpSocket *socket)
{
    auto buffer = std::make_shared<QByteArray>();
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    connect(socket, &QTcpSocket::readyRead, this, [this, socket, buffer] {
        buffer->append(socket->readAll());
        for (;;) {
            const qsizetype end = buffer->indexOf("\r\n\r\n");
            if (end < 0)
                return;
            const QByteArray head = buffer->left(end);
            Request req;
            const QList<QByteArray> lines = head.split('\n');
            const QList<QByteArray> first = lines.value(0).trimmed().split(' ');
            req.method = first.value(0);
            req.target = first.value(1);
            qint64 length = 0;
            for (qsizetype i = 1; i < lines.size(); ++i) {
                const QByteArray line = lines[i].trimmed();
                const qsizetype colon = line.indexOf(':');
                if (colon <= 0)
                    continue;
                const QByteArray name = line.left(colon).trimmed().toLower();
                const QByteArray value = line.mid(colon + 1).trimmed();
                req.headers.insert(name, value);
                if (name == "content-length")
                    length = value.toLongLong();
            }
            if (buffer->size() < end + 4 + length)
                return;
            req.body = buffer->mid(end + 4, length);
            buffer->remove(0, end + 4 + length);
            m_requests.append(req);
            const Response r = m_handler ? m_handler(req) : Response{404, {}};
            if (r.noAnswer)
                continue;
            QByteArray out = "HTTP/1.1 " + QByteArray::number(r.status) + ' ' + reason(r.status) +
                             "\r\nContent-Type: " + r.contentType +
                             "\r\nContent-Length: " + QByteArray::number(r.body.size()) + "\r\n";
            for (const auto &[n, v] : r.headers)
                out += n + ": " + v + "\r\n";
            out += "\r\n" + r.body;
            socket->write(out);
        }
    });
}

} // namespace liaison::test
