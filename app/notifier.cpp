#include "notifier.h"

#include "instructionmodel.h"
#include "schedulemodel.h"

namespace liaison::app {

void InAppNotice::notify(NoticeKind, const QString &text)
{
    m_text = text;
    Q_EMIT changed();
}

void InAppNotice::dismiss()
{
    if (m_text.isEmpty())
        return;
    m_text.clear();
    Q_EMIT changed();
}

Notifier::Notifier(const QAbstractItemModel &instructions, const QAbstractItemModel &schedule,
                   NotificationSink &sink, QObject *parent)
    : QObject(parent)
    , m_instructions(instructions)
    , m_schedule(schedule)
    , m_sink(sink)
{}

QString Notifier::text(NoticeKind kind, int count)
{
    switch (kind) {
    case NoticeKind::NewInstruction:
        return count == 1 ? tr("New instruction from HQ")
                          : tr("New instructions from HQ: %1").arg(count);
    case NoticeKind::VisitChanged:
        return count == 1 ? tr("A visit item changed") : tr("Visit items changed: %1").arg(count);
    case NoticeKind::VisitCancelled:
        return count == 1 ? tr("A visit item was cancelled")
                          : tr("Visit items cancelled: %1").arg(count);
    case NoticeKind::Refused:
        return count == 1 ? tr("HQ refused a change from this device")
                          : tr("Changes HQ refused: %1").arg(count);
    }
    return {};
}

void Notifier::forget()
{
    m_baseline = false;
    m_instructionVersions.clear();
    m_visitStates.clear();
    m_held = 0;
}

void Notifier::post(NoticeKind kind, int count)
{
    if (count <= 0)
        return;
    m_sink.notify(kind, text(kind, count));
    Q_EMIT notified(kind, count);
}

void Notifier::observe(int heldCount)
{
    QHash<QString, int> versions;
    int newInstructions = 0;
    for (int row = 0; row < m_instructions.rowCount(); ++row) {
        const QModelIndex i = m_instructions.index(row, 0);
        const QString id = i.data(InstructionModel::RecordIdRole).toString();
        const int version = i.data(InstructionModel::VersionRole).toInt();
        versions.insert(id, version);
        const auto before = m_instructionVersions.constFind(id);
        if (before == m_instructionVersions.cend() || *before < version)
            ++newInstructions;
    }
    QHash<QString, QString> visits;
    int changed = 0, cancelled = 0;
    for (int row = 0; row < m_schedule.rowCount(); ++row) {
        const QModelIndex i = m_schedule.index(row, 0);
        const QString id = i.data(ScheduleModel::RecordIdRole).toString();
        const QString status = i.data(ScheduleModel::StatusRole).toString();
        const QString state =
            QString::number(i.data(ScheduleModel::StartRole).toDateTime().toMSecsSinceEpoch()) +
            QLatin1Char('|') +
            QString::number(i.data(ScheduleModel::EndRole).toDateTime().toMSecsSinceEpoch()) +
            QLatin1Char('|') + i.data(ScheduleModel::VenueRole).toString() + QLatin1Char('|') +
            status;
        visits.insert(id, state);
        const auto before = m_visitStates.constFind(id);
        if (before == m_visitStates.cend() || *before == state)
            continue; // a new item is part of a new schedule, not a change
        if (status == QLatin1String("cancelled"))
            ++cancelled;
        else
            ++changed;
    }
    const int refused = heldCount - m_held;
    const bool baseline = m_baseline;
    m_instructionVersions = std::move(versions);
    m_visitStates = std::move(visits);
    m_held = heldCount;
    m_baseline = true;
    if (!baseline)
        return;
    post(NoticeKind::NewInstruction, newInstructions);
    post(NoticeKind::VisitChanged, changed);
    post(NoticeKind::VisitCancelled, cancelled);
    post(NoticeKind::Refused, refused);
}

} // namespace liaison::app
