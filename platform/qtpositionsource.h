#pragma once

// PositionSource over Qt Positioning (DESIGN.md "Device"; issue 12 "position source"): the same
// on every OS. A QGeoPositionInfoSource made by createPositionSource() (Qt's NMEA source
// replaying a file, or the platform's default source) or none at all, which reports Unavailable.
// Never logs a position.

#include "positionsource.h"

#include <QGeoPositionInfoSource>
#include <QPointer>

namespace liaison::platform {

class QtPositionSource final : public PositionSource
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(QtPositionSource)
public:
    // Takes `source` as a child (nullptr: no source, always Unavailable with `unavailableReason`).
    QtPositionSource(QGeoPositionInfoSource *source, QString description, QString unavailableReason,
                     QObject *parent = nullptr);
    ~QtPositionSource() override;

    void start() override;
    void stop() override;

    [[nodiscard]] State state() const override { return m_state; }
    [[nodiscard]] std::optional<PositionFix> lastFix() const override { return m_fix; }
    [[nodiscard]] QString description() const override { return m_description; }
    [[nodiscard]] QString errorText() const override { return m_errorText; }

private:
    void onPosition(const QGeoPositionInfo &info);
    void onError(QGeoPositionInfoSource::Error error);
    void setState(State state);

    QPointer<QGeoPositionInfoSource> m_source;
    QString m_description;
    QString m_errorText;
    State m_state = State::Stopped;
    std::optional<PositionFix> m_fix;
};

} // namespace liaison::platform
