#include "externalactions.h"

#include <QClipboard>
#include <QDesktopServices>
#include <QGuiApplication>

namespace liaison::app {

namespace {

// "+", then digits only: what a dialer takes.
QString dialString(const QString &number)
{
    QString out;
    for (QChar c : number.trimmed()) {
        if (c.isDigit() && c.unicode() < 128)
            out += c;
        else if (c == u'+' && out.isEmpty())
            out += c;
    }
    return out.count(u'+') == out.size() ? QString() : out;
}

} // namespace

ExternalActions::ExternalActions(UrlOpener opener, QObject *parent)
    : QObject(parent)
    , m_opener(opener ? std::move(opener)
                      : UrlOpener([](const QUrl &url) { return QDesktopServices::openUrl(url); }))
{}

QUrl ExternalActions::telUrl(const QString &number)
{
    const QString dial = dialString(number);
    return dial.isEmpty() ? QUrl() : QUrl(QStringLiteral("tel:") + dial);
}

QUrl ExternalActions::smsUrl(const QString &number)
{
    const QString dial = dialString(number);
    return dial.isEmpty() ? QUrl() : QUrl(QStringLiteral("sms:") + dial);
}

QUrl ExternalActions::mailUrl(const QString &address)
{
    const QString a = address.trimmed();
    const qsizetype at = a.indexOf(u'@');
    if (at <= 0 || at == a.size() - 1 || a.contains(u' ') || a.contains(u'?'))
        return {};
    QUrl url;
    url.setScheme(QStringLiteral("mailto"));
    url.setPath(a);
    return url;
}

QUrl ExternalActions::mapUrl(double latitude, double longitude, const QString &label)
{
    if (!(latitude >= -90 && latitude <= 90 && longitude >= -180 && longitude <= 180))
        return {};
    const QString at =
        QString::number(latitude, 'f', 6) + u',' + QString::number(longitude, 'f', 6);
    QString url = QStringLiteral("geo:") + at + QStringLiteral("?q=") + at;
    if (!label.trimmed().isEmpty())
        url += u'(' + QString::fromLatin1(QUrl::toPercentEncoding(label.trimmed())) + u')';
    return QUrl(url);
}

bool ExternalActions::open(const QUrl &url)
{
    if (!url.isValid() || url.isEmpty())
        return false;
    if (!m_opener(url))
        return false;
    Q_EMIT handedOver(url.scheme());
    return true;
}

bool ExternalActions::call(const QString &number)
{
    return open(telUrl(number));
}

bool ExternalActions::sendSms(const QString &number)
{
    return open(smsUrl(number));
}

bool ExternalActions::sendEmail(const QString &address)
{
    return open(mailUrl(address));
}

bool ExternalActions::openMap(double latitude, double longitude, const QString &label)
{
    return open(mapUrl(latitude, longitude, label));
}

bool ExternalActions::copy(const QString &text)
{
    auto *gui = qobject_cast<QGuiApplication *>(QCoreApplication::instance());
    if (!gui || text.isEmpty())
        return false;
    QGuiApplication::clipboard()->setText(text);
    Q_EMIT copied();
    return true;
}

} // namespace liaison::app
