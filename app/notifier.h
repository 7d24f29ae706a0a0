#pragma once

// Issue 11 "Notifications": local notices while the app runs, for a new (or newly versioned)
// instruction from HQ, a visit item that changed or was cancelled, and an operation of this
// device that HQ refused. The text names only the kind and a count ("New instruction from HQ"),
// never a title, name, time or place: a notice can show over other apps or be read over a
// shoulder, and platforms keep them in their own history.
//
// The Notifier compares what the models show after each reload with what they showed before
// (the first look after unlock is the baseline, so unlocking announces nothing). It hands each
// notice to a NotificationSink: the platform's notification API where there is one. The desktop
// build is a Qt Quick application without Qt Widgets, so QSystemTrayIcon is not available; its
// sink is InAppNotice, a banner on the main page (MainPage.qml) that the officer dismisses. No
// notice is ever logged.

#include <QAbstractItemModel>
#include <QHash>
#include <QObject>
#include <QString>
#include <QtQml/qqmlregistration.h>

namespace liaison::app {

enum class NoticeKind { NewInstruction, VisitChanged, VisitCancelled, Refused };

class NotificationSink
{
public:
    virtual ~NotificationSink() = default;
    virtual void notify(NoticeKind kind, const QString &text) = 0;
};

// The desktop sink: the newest notice as a property for the in-app banner.
class InAppNotice : public QObject, public NotificationSink
{
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("InAppNotice is built by the composition root")
    Q_PROPERTY(QString text READ text NOTIFY changed)

public:
    using QObject::QObject;
    void notify(NoticeKind kind, const QString &text) override;
    [[nodiscard]] QString text() const { return m_text; }
    Q_INVOKABLE void dismiss();

Q_SIGNALS:
    void changed();

private:
    QString m_text;
};

class Notifier : public QObject
{
    Q_OBJECT
public:
    // `instructions` and `schedule`: the app's InstructionModel and ScheduleModel (read through
    // their roles after each reload); `sink` outlives the notifier.
    Notifier(const QAbstractItemModel &instructions, const QAbstractItemModel &schedule,
             NotificationSink &sink, QObject *parent = nullptr);

    // The models were reloaded; `heldCount` is the number of operations HQ refused or that could
    // not be delivered. Notices for what is new since the last call.
    void observe(int heldCount);
    // Locked: the next observe() is a baseline again.
    void forget();

    // The texts, made in the language shown.
    [[nodiscard]] static QString text(NoticeKind kind, int count);

Q_SIGNALS:
    // Every notice handed to the sink (kind only: tests and the platform's badge count).
    void notified(liaison::app::NoticeKind kind, int count);

private:
    void post(NoticeKind kind, int count);

    const QAbstractItemModel &m_instructions;
    const QAbstractItemModel &m_schedule;
    NotificationSink &m_sink;
    bool m_baseline = false;
    QHash<QString, int> m_instructionVersions;  // record id -> version
    QHash<QString, QString> m_visitStates;      // record id -> start|end|venue|status
    int m_held = 0;
};

} // namespace liaison::app
