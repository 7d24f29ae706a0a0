#pragma once

// The enrolment code read with the camera (issue 11, "scan the code from HQ ... camera where the
// platform has one"). qml/components/CodeScanner.qml shows the camera's preview (QtMultimedia,
// loaded with that component only: the app does not link Qt Multimedia, so neither its start nor
// a phone without a camera pays for it) and hands a grab of it (Item.grabToImage) to read() a few
// times a second. Each grab is read for a QR code on a worker thread (qrcodereader.h); grabs that
// arrive while one is read are dropped. The first QR code that parses as an enrolment code is
// handed over once (found) and reading stops; another QR code (a hotel's Wi-Fi, a boarding pass)
// only sets `hint`.
//
// The code is secret (it holds S): it is never logged, and the grabs are freed once read (the
// app's freed heap is zeroed: platform/heapwipe).

#include <QImage>
#include <QObject>
#include <QQuickItemGrabResult>
#include <QString>
#include <QThreadPool>
#include <QtQml/qqmlregistration.h>

namespace liaison::app {

class QrFrameReader : public QObject
{
    Q_OBJECT
    QML_ELEMENT

    // A grab is being read.
    Q_PROPERTY(bool busy READ busy NOTIFY busyChanged)
    // Whether an enrolment code was found (reading has stopped; reset() starts again).
    Q_PROPERTY(bool done READ done NOTIFY doneChanged)
    // What the officer should know: a QR code that is not an enrolment code. Empty otherwise.
    Q_PROPERTY(QString hint READ hint NOTIFY hintChanged)
    // Grabs read so far (tests; the page shows nothing of it).
    Q_PROPERTY(int framesRead READ framesRead NOTIFY framesReadChanged)

public:
    explicit QrFrameReader(QObject *parent = nullptr);
    ~QrFrameReader() override;
    Q_DISABLE_COPY_MOVE(QrFrameReader)

    [[nodiscard]] bool busy() const { return m_busy; }
    [[nodiscard]] bool done() const { return m_done; }
    [[nodiscard]] QString hint() const { return m_hint; }
    [[nodiscard]] int framesRead() const { return m_framesRead; }

    // Starts reading this grab (an ItemGrabResult from grabToImage). false, and the grab is
    // dropped, while another is read, once a code was found, or for an empty grab.
    Q_INVOKABLE bool read(QQuickItemGrabResult *grab);
    // The same for a picture (read() and the tests).
    bool readImage(const QImage &image);
    // Reads again after a code was found (the officer cleared the field and scans anew).
    Q_INVOKABLE void reset();

Q_SIGNALS:
    void found(const QString &code);
    void busyChanged();
    void doneChanged();
    void hintChanged();
    void framesReadChanged();

private:
    // On this object's thread, with what the worker read (empty: no QR code in the grab).
    void finished(const QString &text);
    void setHint(const QString &hint);

    QThreadPool m_pool; // one worker
    bool m_busy = false;
    bool m_done = false;
    QString m_hint;
    int m_framesRead = 0;
};

} // namespace liaison::app
