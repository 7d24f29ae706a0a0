#include "httptypes.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace liaison::relay {

HttpResponse jsonError(int status, const char *code, const QString &message)
{
    HttpResponse r;
    r.status = status;
    r.contentType = "application/json";
    r.errorCode = code;
    r.body = QJsonDocument(QJsonObject{{QStringLiteral("error"), QString::fromLatin1(code)},
                                       {QStringLiteral("message"), message}})
                 .toJson(QJsonDocument::Compact);
    return r;
}

HttpResponse jsonResponse(int status, const QByteArray &json)
{
    HttpResponse r;
    r.status = status;
    r.contentType = "application/json";
    r.body = json;
    return r;
}

HttpResponse binaryResponse(int status, QByteArray body)
{
    HttpResponse r;
    r.status = status;
    r.contentType = "application/octet-stream";
    r.body = std::move(body);
    return r;
}

} // namespace liaison::relay
