#include "qtpositionsource.h"

#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QNmeaPositionInfoSource>

// Ids and states only: never a coordinate.
Q_LOGGING_CATEGORY(lcPosition, "liaison.platform.position")

namespace liaison::platform {

QtPositionSource::QtPositionSource(QGeoPositionInfoSource *source, QString description,
                                   QString unavailableReason, QObject *parent)
    : PositionSource(parent)
    , m_source(source)
    , m_description(std::move(description))
{
    if (!m_source) {
        m_state = State::Unavailable;
        m_errorText = std::move(unavailableReason);
        return;
    }
    m_source->setParent(this);
    connect(m_source, &QGeoPositionInfoSource::positionUpdated, this,
            &QtPositionSource::onPosition);
    connect(m_source, &QGeoPositionInfoSource::errorOccurred, this, &QtPositionSource::onError);
}

QtPositionSource::~QtPositionSource()
{
    if (m_source)
        m_source->stopUpdates();
}

void QtPositionSource::start()
{
    if (!m_source || m_state == State::Waiting || m_state == State::Fixed)
        return;
    m_fix.reset();
    m_errorText.clear();
    setState(State::Waiting);
    qCDebug(lcPosition) << "start" << m_source->sourceName();
    m_source->startUpdates();
}

void QtPositionSource::stop()
{
    if (!m_source || m_state == State::Stopped)
        return;
    m_source->stopUpdates();
    qCDebug(lcPosition) << "stop" << m_source->sourceName();
    setState(State::Stopped);
}

void QtPositionSource::onPosition(const QGeoPositionInfo &info)
{
    if (m_state != State::Waiting && m_state != State::Fixed)
        return; // an update queued before stop()
    if (!info.isValid() || !info.coordinate().isValid())
        return;
    PositionFix fix;
    fix.latitude = info.coordinate().latitude();
    fix.longitude = info.coordinate().longitude();
    if (info.hasAttribute(QGeoPositionInfo::HorizontalAccuracy))
        fix.horizontalAccuracyMetres = info.attribute(QGeoPositionInfo::HorizontalAccuracy);
    fix.timestamp = info.timestamp().toUTC();
    m_fix = fix;
    Q_EMIT fixChanged();
    setState(State::Fixed);
}

void QtPositionSource::onError(QGeoPositionInfoSource::Error error)
{
    switch (error) {
    case QGeoPositionInfoSource::NoError:
        return;
    case QGeoPositionInfoSource::UpdateTimeoutError:
        // No fix yet (indoors, cold start): keep waiting; the page shows the wait.
        qCDebug(lcPosition) << "no fix within the update interval";
        return;
    case QGeoPositionInfoSource::AccessError:
        m_errorText = tr("Liaison may not use this device's location. Allow it in the system "
                         "settings to attach positions.");
        break;
    case QGeoPositionInfoSource::ClosedError:
        m_errorText = tr("The position source stopped (location turned off or the receiver "
                         "closed).");
        break;
    case QGeoPositionInfoSource::UnknownSourceError:
        m_errorText = tr("The position source failed.");
        break;
    }
    qCInfo(lcPosition) << "position source unavailable, error" << int(error);
    m_source->stopUpdates();
    setState(State::Unavailable);
}

void QtPositionSource::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged();
}

std::unique_ptr<PositionSource> createPositionSource(const PositionOptions &options,
                                                     QObject *parent)
{
    if (!options.nmeaReplayFile.isEmpty()) {
        // QNmeaPositionInfoSource in simulation mode over the file: what Qt's `nmea` plugin builds
        // for a file, without the plugin lookup (the plugin is marked not "Testable", so Qt
        // Positioning hides it from every Qt Test process), and without its fall-back of trying
        // an unreadable name as a serial port.
        const QString description = QObject::tr("NMEA replay");
        auto file = std::make_unique<QFile>(options.nmeaReplayFile);
        if (QFileInfo(*file).isDir() || !file->open(QIODevice::ReadOnly))
            return std::make_unique<QtPositionSource>(
                nullptr, description,
                QObject::tr("The NMEA replay file cannot be read: %1").arg(options.nmeaReplayFile),
                parent);
        auto *source = new QNmeaPositionInfoSource(QNmeaPositionInfoSource::SimulationMode);
        file->setParent(source);
        source->setDevice(file.release());
        return std::make_unique<QtPositionSource>(source, description, QString(), parent);
    }
    QGeoPositionInfoSource *source = QGeoPositionInfoSource::createDefaultSource(nullptr);
    const QString description = source
                                    ? QObject::tr("device position (%1)").arg(source->sourceName())
                                    : QObject::tr("no position source");
    return std::make_unique<QtPositionSource>(
        source, description, QObject::tr("This device has no position source."), parent);
}

} // namespace liaison::platform
