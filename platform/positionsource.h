#pragma once

// Where the device is, for the two things an officer sends on purpose: a check-in at a venue and
// a field report with "attach my position" (issue 11; DESIGN.md "Device"). The platform chooses
// the source (platform/<os>/): Qt Positioning's default source on phones, and an NMEA replay
// (Qt's `nmea` plugin) for the demo, the tests and desktops without a receiver.
//
// Positions never go to a log, a file or the network from here: callers copy a fix into the
// record the officer sends, and nowhere else.

#include <QDateTime>
#include <QObject>
#include <QString>

#include <memory>
#include <optional>

namespace liaison::platform {

struct PositionFix
{
    double latitude = 0;                  // WGS 84 degrees
    double longitude = 0;                 // WGS 84 degrees
    double horizontalAccuracyMetres = -1; // -1: unknown
    QDateTime timestamp;                  // UTC, when the receiver took the fix
};

class PositionSource : public QObject
{
    Q_OBJECT
public:
    enum class State { Stopped, Waiting, Fixed, Unavailable };
    Q_ENUM(State)

    using QObject::QObject;
    ~PositionSource() override = default;

    // Starts or stops updates (the app runs it only while a page that needs it is open).
    virtual void start() = 0;
    virtual void stop() = 0;

    [[nodiscard]] virtual State state() const = 0;
    // The newest fix since start(), if any. Its age is the caller's to judge and to show.
    [[nodiscard]] virtual std::optional<PositionFix> lastFix() const = 0;
    // For people, without coordinates: "GPS", "NMEA replay", "no position source".
    [[nodiscard]] virtual QString description() const = 0;
    // Why state() is Unavailable (permission refused, no receiver), for people; else empty.
    [[nodiscard]] virtual QString errorText() const = 0;

Q_SIGNALS:
    void stateChanged();
    void fixChanged();
};

struct PositionOptions
{
    // An NMEA log to replay (demo, tests, desktops). Empty: the platform's own source.
    QString nmeaReplayFile;
};

// Never nullptr: without any source the result reports State::Unavailable.
[[nodiscard]] std::unique_ptr<PositionSource> createPositionSource(const PositionOptions &options,
                                                                   QObject *parent = nullptr);

} // namespace liaison::platform
