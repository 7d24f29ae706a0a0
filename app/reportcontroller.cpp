#include "reportcontroller.h"

#include "geo.h"
#include "recordlistmodel.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcReport, "liaison.app.report")

namespace liaison::app {

namespace {

QString ageText(qint64 ms)
{
    const qint64 s = std::max<qint64>(0, ms / 1000);
    if (s < 60)
        return ReportController::tr("%1 s old").arg(s);
    if (s < 3600)
        return ReportController::tr("%1 min old").arg(s / 60);
    return ReportController::tr("%1 h old").arg(s / 3600);
}

} // namespace

ReportController::ReportController(const liaison::Clock &clock, QObject *parent)
    : QObject(parent)
    , m_clock(clock)
{}

void ReportController::setPositionSource(platform::PositionSource *source)
{
    if (m_source)
        disconnect(m_source, nullptr, this, nullptr);
    m_source = source;
    if (m_source) {
        connect(m_source, &platform::PositionSource::fixChanged, this, &ReportController::onFix);
        connect(m_source, &platform::PositionSource::stateChanged, this,
                &ReportController::positionChanged);
        if (m_active)
            m_source->start();
    }
    Q_EMIT positionChanged();
}

void ReportController::setActive(bool active)
{
    if (m_active == active)
        return;
    m_active = active;
    if (!m_source)
        return;
    if (active) {
        m_source->start();
    } else {
        m_source->stop();
        m_fix.reset();
        m_fixReceivedBootMs = -1;
        ++m_revision;
        Q_EMIT positionChanged();
    }
}

void ReportController::onFix()
{
    if (!m_source || !m_active)
        return;
    auto fix = m_source->lastFix();
    if (!fix)
        return;
    m_fix = fix;
    m_fixReceivedBootMs = m_clock.bootMs();
    ++m_revision;
    Q_EMIT positionChanged();
}

std::optional<device::SentPosition> ReportController::currentPosition() const
{
    if (!m_fix || m_fixReceivedBootMs < 0)
        return std::nullopt;
    const qint64 age = std::max<qint64>(0, m_clock.bootMs() - m_fixReceivedBootMs);
    return device::SentPosition{m_fix->latitude, m_fix->longitude, m_clock.wallMs() - age};
}

QString ReportController::positionText() const
{
    if (!m_source)
        return tr("No position source on this device.");
    if (m_fix && m_fixReceivedBootMs >= 0) {
        QString text = QStringLiteral("%1, %2")
                           .arg(m_fix->latitude, 0, 'f', 5)
                           .arg(m_fix->longitude, 0, 'f', 5);
        if (m_fix->horizontalAccuracyMetres >= 0)
            text += tr(" (±%1 m)").arg(qint64(std::lround(m_fix->horizontalAccuracyMetres)));
        return text + QStringLiteral(", ") + ageText(m_clock.bootMs() - m_fixReceivedBootMs);
    }
    switch (m_source->state()) {
    case platform::PositionSource::State::Unavailable:
        return tr("No position: %1").arg(m_source->errorText());
    case platform::PositionSource::State::Stopped:
        return tr("Position off.");
    default:
        return tr("Waiting for a position fix (%1)…").arg(m_source->description());
    }
}

void ReportController::setError(const QString &error)
{
    if (m_error == error)
        return;
    m_error = error;
    Q_EMIT errorChanged();
}

bool ReportController::sendReport(const QString &text, bool attachPosition,
                                  const QString &relatedRecordId)
{
    if (!m_store) {
        setError(tr("The vault is locked."));
        return false;
    }
    std::optional<model::RecordId> related;
    if (!relatedRecordId.isEmpty()) {
        related = RecordListModel::idFromText(relatedRecordId);
        if (!related) {
            setError(tr("The linked record is not on this device."));
            return false;
        }
    }
    std::optional<device::SentPosition> position;
    if (attachPosition) {
        position = currentPosition();
        if (!position) {
            setError(tr("No position fix yet: send without it, or wait for one."));
            return false;
        }
    }
    auto id = device::queueFieldReport(*m_store, text, m_clock.wallMs(), position, related);
    if (!id) {
        qCWarning(lcReport) << "report refused:" << errcName(id.error().code);
        setError(id.error().code == Errc::InvalidArgument
                     ? tr("Write something first.")
                     : tr("The report could not be stored: %1").arg(id.error().message));
        return false;
    }
    qCInfo(lcReport) << "report queued, with position:" << position.has_value();
    setError(QString());
    Q_EMIT reportQueued(model::recordIdToString(*id));
    return true;
}

bool ReportController::checkIn(const QString &scheduleItemId)
{
    if (!m_store) {
        setError(tr("The vault is locked."));
        return false;
    }
    const auto item = RecordListModel::idFromText(scheduleItemId);
    if (!item) {
        setError(tr("Unknown visit item."));
        return false;
    }
    const std::optional<device::SentPosition> position = currentPosition();
    const qint64 now = m_clock.wallMs();
    auto id = device::queueCheckIn(*m_store, *item, now, position);
    if (!id) {
        qCWarning(lcReport) << "check-in refused:" << errcName(id.error().code);
        setError(tr("The check-in could not be stored: %1").arg(id.error().message));
        return false;
    }
    qCInfo(lcReport) << "check-in queued, with position:" << position.has_value();
    setError(QString());
    const QString at =
        displayLocale().toString(QDateTime::fromMSecsSinceEpoch(now), QStringLiteral("HH:mm"));
    m_lastCheckInText = position
                            ? tr("Checked in at %1 with a position %2. Waiting to send.")
                                  .arg(at, ageText(now - position->fixTimeMs))
                            : tr("Checked in at %1 without a position. Waiting to send.").arg(at);
    Q_EMIT checkedIn(model::recordIdToString(*id));
    return true;
}

QString ReportController::wayTo(double latitude, double longitude, int revision) const
{
    Q_UNUSED(revision);
    if (!m_fix || m_fixReceivedBootMs < 0)
        return QString();
    const double d = distanceMetres(m_fix->latitude, m_fix->longitude, latitude, longitude);
    const double b = bearingDegrees(m_fix->latitude, m_fix->longitude, latitude, longitude);
    return tr("%1 %2 of you (bearing %3°)")
        .arg(formatDistance(d), compassPoint(b))
        .arg(qint64(std::lround(b)) % 360);
}

} // namespace liaison::app
