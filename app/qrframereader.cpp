#include "qrframereader.h"

#include "qrcodereader.h"

#include "protocol/enrolment.h"


namespace liaison::app {

namespace {

// ZXing finds a code that fills a good part of the view in a picture of this size in a few tens
// of milliseconds; a full-resolution grab of a tablet's screen only costs more.
constexpr int kLongestSide = 1024;

} // namespace

QrFrameReader::QrFrameReader(QObject *parent)
    : QObject(parent)
{
    m_pool.setMaxThreadCount(1);
}

QrFrameReader::~QrFrameReader()
{
    // The worker posts its result to this object: it ends before this object does, and what it
    // posted goes with the object (QObject's destructor removes its posted events).
    m_pool.waitForDone();
}

bool QrFrameReader::read(QQuickItemGrabResult *grab)
{
    return grab && readImage(grab->image());
}

bool QrFrameReader::readImage(const QImage &image)
{
    if (m_busy || m_done || image.isNull())
        return false;
    m_busy = true;
    Q_EMIT busyChanged();
    // Scaled on the worker too: the UI thread only hands over the (shared) picture.
    m_pool.start([this, picture = image]() mutable {
        if (picture.width() > kLongestSide || picture.height() > kLongestSide)
            picture = picture.scaled(kLongestSide, kLongestSide, Qt::KeepAspectRatio,
                                     Qt::SmoothTransformation);
        auto text = readQrCode(picture);
        picture = QImage();
        const QString read = text ? *text : QString();
        QMetaObject::invokeMethod(
            this, [this, read] { finished(read); }, Qt::QueuedConnection);
    });
    return true;
}

void QrFrameReader::finished(const QString &text)
{
    m_busy = false;
    ++m_framesRead;
    Q_EMIT framesReadChanged();
    if (!text.isEmpty() && !m_done) {
        if (protocol::parseEnrolmentCode(text.toUtf8())) {
            m_done = true;
            setHint(QString());
            Q_EMIT doneChanged();
            Q_EMIT found(text);
        } else {
            setHint(tr("This QR code is not an enrolment code from HQ. Point the camera at the "
                       "code HQ printed for this device."));
        }
    }
    Q_EMIT busyChanged();
}

void QrFrameReader::reset()
{
    setHint(QString());
    if (m_done) {
        m_done = false;
        Q_EMIT doneChanged();
    }
}

void QrFrameReader::setHint(const QString &hint)
{
    if (m_hint == hint)
        return;
    m_hint = hint;
    Q_EMIT hintChanged();
}

} // namespace liaison::app
