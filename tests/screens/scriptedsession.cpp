#include "scriptedsession.h"

#include "quickfind.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QThread>

#include <cstdio>
#include <cstring>

namespace liaison::app {

namespace {

void say(const QString &line)
{
    std::printf("session: %s\n", qPrintable(line));
    std::fflush(stdout);
}

// The tabs and pages of MainPage.qml, in the order an officer goes through them.
const char *const kListPages[] = {"contacts", "cases", "instructions", "schedule"};

} // namespace

ScriptedSession::ScriptedSession(QQuickWindow *window, AppController *app,
                                 crypto::SecretBytes passphrase, SessionOptions options)
    : m_window(window)
    , m_app(app)
    , m_passphrase(std::move(passphrase))
    , m_options(std::move(options))
{}

QQuickItem *ScriptedSession::find(const QString &objectName) const
{
    return m_window ? findQuickItem(m_window->contentItem(), objectName) : nullptr;
}

bool ScriptedSession::waitFor(const std::function<bool()> &done, int timeoutMs) const
{
    QElapsedTimer t;
    t.start();
    while (!done()) {
        if (t.elapsed() > timeoutMs || !m_window)
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(5);
    }
    return true;
}

void ScriptedSession::settle(int ms) const
{
    (void)waitFor([] { return false; }, ms);
}

bool ScriptedSession::press(QQuickItem *button) const
{
    if (!button || !button->isVisible() || !button->isEnabled())
        return false;
    return QMetaObject::invokeMethod(button, "clicked");
}

void ScriptedSession::showPage(const QString &name) const
{
    if (m_window)
        QMetaObject::invokeMethod(m_window, "showPage", Q_ARG(QString, name));
}

void ScriptedSession::openDetail(const QString &name, int row) const
{
    if (m_window)
        QMetaObject::invokeMethod(m_window, "openDetail", Q_ARG(QString, name), Q_ARG(int, row));
}

int ScriptedSession::rowWithTitle(QAbstractItemModel &model, const QString &text)
{
    const QHash<int, QByteArray> roles = model.roleNames();
    for (int r = 0; r < model.rowCount(); ++r) {
        const QModelIndex index = model.index(r, 0);
        for (auto it = roles.cbegin(); it != roles.cend(); ++it) {
            if ((it.value() == "title" || it.value() == "name") &&
                model.data(index, it.key()).toString().contains(text))
                return r;
        }
    }
    return -1;
}

QString ScriptedSession::run()
{
    using Step = QString (ScriptedSession::*)();
    for (const Step step :
         {&ScriptedSession::unlock, &ScriptedSession::firstRound, &ScriptedSession::browse,
          &ScriptedSession::acknowledge, &ScriptedSession::report, &ScriptedSession::sendUp,
          &ScriptedSession::lock}) {
        if (const QString failed = (this->*step)(); !failed.isEmpty())
            return failed;
    }
    say(QStringLiteral("done"));
    return {};
}

void ScriptedSession::forget()
{
    m_passphrase = crypto::SecretBytes();
    for (QString *text : {&m_options.expect, &m_options.reportText, &m_expectedId}) {
        if (!text->isEmpty()) // data() makes the copy this one's own first
            std::memset(static_cast<void *>(text->data()), 0, size_t(text->size()) * sizeof(QChar));
        *text = QString();
    }
}

QString ScriptedSession::unlock()
{
    const int timeout = m_options.stepTimeoutMs;
    if (!waitFor([this] { return find(QStringLiteral("unlockButton")) != nullptr; }, timeout))
        return QStringLiteral("unlock: the unlock page did not show");
    QQuickItem *field = find(QStringLiteral("unlockPassphraseField"));
    if (!field)
        return QStringLiteral("unlock: no passphrase field");
    {
        // Typed into the field as a person would; the page hands the text to the vault and
        // clears the field.
        QString typed = QString::fromUtf8(reinterpret_cast<const char *>(m_passphrase.data()),
                                          qsizetype(m_passphrase.size()));
        field->setProperty("text", typed);
        std::memset(static_cast<void *>(typed.data()), 0, size_t(typed.size()) * sizeof(QChar));
        m_passphrase = crypto::SecretBytes(); // typed: the session keeps no copy (wiped)
    }
    if (!press(find(QStringLiteral("unlockButton"))))
        return QStringLiteral("unlock: the unlock button cannot be pressed");
    if (!waitFor(
            [this] {
                return m_app->vault()->isUnlocked() && find(QStringLiteral("mainPage")) != nullptr;
            },
            timeout))
        return QStringLiteral("unlock: still locked (%1)").arg(m_app->vault()->message());
    say(QStringLiteral("unlocked"));
    return {};
}

QString ScriptedSession::firstRound()
{
    QElapsedTimer t;
    t.start();
    if (!m_app->deviceSync())
        return QStringLiteral("sync: no sync engine (%1)").arg(m_app->sync()->offlineReason());
    if (!waitFor([this] { return m_app->deviceSync()->roundsSucceeded() >= 1; },
                 m_options.stepTimeoutMs))
        return QStringLiteral("sync: no round succeeded (%1 finished; %2)")
            .arg(m_app->deviceSync()->roundsFinished())
            .arg(m_app->sync()->lastError());
    say(QStringLiteral("first sync round after %1 ms").arg(t.elapsed()));
    if (m_options.expect.isEmpty())
        return {};
    // What HQ published after the enrolment is in the store now (a later round at the latest).
    StoreListModel *found = nullptr;
    int row = -1;
    const bool arrived = waitFor(
        [&] {
            for (StoreListModel *m : {static_cast<StoreListModel *>(m_app->instructions()),
                                      static_cast<StoreListModel *>(m_app->contacts()),
                                      static_cast<StoreListModel *>(m_app->cases()),
                                      static_cast<StoreListModel *>(m_app->schedule())}) {
                if ((row = rowWithTitle(*m, m_options.expect)) >= 0) {
                    found = m;
                    return true;
                }
            }
            return false;
        },
        m_options.stepTimeoutMs);
    if (!arrived)
        return QStringLiteral("sync: the expected record is not in the store after %1 round(s)")
            .arg(m_app->deviceSync()->roundsSucceeded());
    const QModelIndex index = found->index(row, 0);
    if (found == m_app->instructions()) {
        m_expectedId = index.data(InstructionModel::RecordIdRole).toString();
        m_expectedAwaitsAck = index.data(InstructionModel::AwaitingRole).toBool();
    }
    say(QStringLiteral("expected record arrived (%1, row %2%3)")
            .arg(QLatin1String(found->metaObject()->className()))
            .arg(row)
            .arg(m_expectedAwaitsAck ? QStringLiteral(", awaits acknowledgement") : QString()));
    return {};
}

QString ScriptedSession::browse()
{
    int cards = 0;
    for (const char *page : kListPages) {
        const QString name = QLatin1String(page);
        showPage(name);
        settle(150);
        const QString pageObject = name + QStringLiteral("Page");
        if (!find(pageObject))
            return QStringLiteral("browse: the %1 page did not show").arg(name);
        // A card of the list, when it has rows.
        QObject *property = m_app->property(page).value<QObject *>();
        auto *model = qobject_cast<QAbstractItemModel *>(property);
        if (!model || model->rowCount() == 0)
            continue;
        openDetail(name, 0);
        if (!waitFor([this] { return find(QStringLiteral("detailPage")) != nullptr; }, 5000))
            return QStringLiteral("browse: no card opened on the %1 page").arg(name);
        ++cards;
        settle(150);
        showPage(name); // back to the list
    }
    // A contact search through the page's field, then cleared.
    showPage(QStringLiteral("contacts"));
    settle(100);
    QQuickItem *search = find(QStringLiteral("contactSearchField"));
    if (!search)
        return QStringLiteral("browse: no contact search field");
    const int all = m_app->contacts()->rowCount();
    m_app->contacts()->setQuery(QStringLiteral("zzzz-no-such-contact"));
    const int none = m_app->contacts()->rowCount();
    m_app->contacts()->setQuery(QString());
    if (none != 0 || m_app->contacts()->rowCount() != all)
        return QStringLiteral("browse: the contact search does not filter (%1 of %2)")
            .arg(none)
            .arg(all);
    for (const char *page : {"reports", "sync", "settings"}) {
        showPage(QLatin1String(page));
        settle(150);
    }
    showPage(QStringLiteral("contacts"));
    say(QStringLiteral("browsed: %1 contacts, %2 cases, %3 instructions, %4 schedule items, "
                       "%5 cards opened")
            .arg(all)
            .arg(m_app->cases()->rowCount())
            .arg(m_app->instructions()->rowCount())
            .arg(m_app->schedule()->rowCount())
            .arg(cards));
    return {};
}

QString ScriptedSession::acknowledge()
{
    if (!m_expectedAwaitsAck)
        return {};
    const int row = m_app->instructions()->indexOf(m_expectedId);
    if (row < 0)
        return QStringLiteral("acknowledge: the instruction left the list");
    openDetail(QStringLiteral("instructions"), row);
    QQuickItem *button = nullptr;
    const bool shown = waitFor(
        [&] {
            QQuickItem *detail = find(QStringLiteral("detailPage"));
            auto *card = detail ? detail->property("currentCard").value<QQuickItem *>() : nullptr;
            if (!card || card->property("recordId").toString() != m_expectedId)
                return false;
            button = findQuickItem(card, QStringLiteral("acknowledgeButton"));
            return button && button->isVisible();
        },
        5000);
    if (!shown || !press(button))
        return QStringLiteral("acknowledge: no acknowledge button on the instruction's card");
    const bool done = waitFor(
        [this] {
            const int r = m_app->instructions()->indexOf(m_expectedId);
            return r >= 0 && m_app->instructions()
                                 ->index(r, 0)
                                 .data(InstructionModel::AcknowledgedRole)
                                 .toBool();
        },
        m_options.stepTimeoutMs);
    if (!done)
        return QStringLiteral("acknowledge: not acknowledged (%1)")
            .arg(m_app->instructionActions()->error());
    ++m_queued;
    showPage(QStringLiteral("instructions"));
    say(QStringLiteral("acknowledged the instruction"));
    return {};
}

QString ScriptedSession::report()
{
    if (m_options.reportText.isEmpty())
        return {};
    showPage(QStringLiteral("reports"));
    if (!waitFor([this] { return find(QStringLiteral("reportTextArea")) != nullptr; }, 5000))
        return QStringLiteral("report: the reports page did not show");
    const int before = m_app->reports()->rowCount();
    find(QStringLiteral("reportTextArea"))->setProperty("text", m_options.reportText);
    if (!press(find(QStringLiteral("sendReportButton"))))
        return QStringLiteral("report: the send button cannot be pressed");
    if (!waitFor([&] { return m_app->reports()->rowCount() > before; }, m_options.stepTimeoutMs))
        return QStringLiteral("report: not in the list (%1)").arg(m_app->reportActions()->error());
    ++m_queued;
    say(QStringLiteral("report queued (%1 waiting)").arg(m_app->reports()->waitingCount()));
    return {};
}

QString ScriptedSession::sendUp()
{
    if (m_queued == 0)
        return {};
    QElapsedTimer t;
    t.start();
    const int roundsBefore = m_app->deviceSync()->roundsSucceeded();
    showPage(QStringLiteral("sync"));
    if (!waitFor([this] { return find(QStringLiteral("syncNowButton")) != nullptr; }, 5000))
        return QStringLiteral("send: the sync page did not show");
    // "Sync now" when it can be pressed (a round may be running already); then rounds until
    // nothing waits.
    QElapsedTimer sincePress;
    const bool out = waitFor(
        [&] {
            if (m_app->deviceSync()->roundsSucceeded() > roundsBefore &&
                m_app->sync()->pending() == 0 && m_app->reports()->waitingCount() == 0)
                return true;
            if ((!sincePress.isValid() || sincePress.elapsed() > 500) &&
                press(find(QStringLiteral("syncNowButton"))))
                sincePress.start();
            return false;
        },
        m_options.stepTimeoutMs);
    if (!out)
        return QStringLiteral("send: still %1 pending, %2 report(s) waiting (%3)")
            .arg(m_app->sync()->pending())
            .arg(m_app->reports()->waitingCount())
            .arg(m_app->sync()->lastError());
    say(QStringLiteral("sent %1 change(s) to the relay in %2 ms (%3 rounds in all)")
            .arg(m_queued)
            .arg(t.elapsed())
            .arg(m_app->deviceSync()->roundsSucceeded()));
    return {};
}

QString ScriptedSession::lock()
{
    showPage(QStringLiteral("contacts"));
    settle(100);
    if (!press(find(QStringLiteral("lockButton"))))
        return QStringLiteral("lock: the lock button cannot be pressed");
    if (!waitFor(
            [this] {
                return !m_app->vault()->isUnlocked() && !m_app->vault()->busy() &&
                       find(QStringLiteral("unlockPage")) != nullptr;
            },
            m_options.stepTimeoutMs))
        return QStringLiteral("lock: still open");
    if (m_app->session() || m_app->contacts()->rowCount() != 0)
        return QStringLiteral("lock: the records are still open");
    say(QStringLiteral("locked"));
    return {};
}

} // namespace liaison::app
