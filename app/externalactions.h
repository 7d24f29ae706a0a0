#pragma once

// Hands a number, an address or a place to another app of the phone: call (tel:), SMS (sms:),
// e-mail (mailto:), a map (geo:), and copy to the clipboard (issue 11 "Contacts", "Lock screen").
// The URL opener is injected (QDesktopServices::openUrl in the product; tests record the URLs),
// and every opened URL is announced, so the app can tell a call it placed from leaving for good.
//
// What leaves the app this way is what the officer chose to hand over: nothing is logged.

#include <QObject>
#include <QUrl>
#include <QtQml/qqmlregistration.h>

#include <functional>

namespace liaison::app {

using UrlOpener = std::function<bool(const QUrl &)>;

class ExternalActions : public QObject
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("ExternalActions is built by the composition root")

public:
    // nullptr: QDesktopServices::openUrl.
    explicit ExternalActions(UrlOpener opener = nullptr, QObject *parent = nullptr);

    // "tel:+420974834210" for "+420 974 834 210"; an empty URL when the text holds no number.
    [[nodiscard]] static QUrl telUrl(const QString &number);
    [[nodiscard]] static QUrl smsUrl(const QString &number);
    [[nodiscard]] static QUrl mailUrl(const QString &address);
    // geo:50.0875,14.4213?q=50.0875,14.4213(label), coordinates in degrees.
    [[nodiscard]] static QUrl mapUrl(double latitude, double longitude, const QString &label);

    Q_INVOKABLE bool call(const QString &number);
    Q_INVOKABLE bool sendSms(const QString &number);
    Q_INVOKABLE bool sendEmail(const QString &address);
    Q_INVOKABLE bool openMap(double latitude, double longitude, const QString &label);
    // To the system clipboard (where a QGuiApplication exists).
    Q_INVOKABLE bool copy(const QString &text);

Q_SIGNALS:
    // Another app was asked to take over (a call, a message, a map).
    void handedOver(const QString &scheme);
    void copied();

private:
    bool open(const QUrl &url);

    UrlOpener m_opener;
};

} // namespace liaison::app
