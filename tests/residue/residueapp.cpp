#include "residueapp.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QThread>

#include <cstring>

namespace liaison::residue {

bool waitFor(const std::function<bool()> &done, int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    while (!done()) {
        if (t.elapsed() > timeoutMs)
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(2);
    }
    return true;
}

namespace {

// Reads every role of every row, as the pages' delegates do; the number of rows.
int browse(QAbstractItemModel &model)
{
    const QHash<int, QByteArray> roles = model.roleNames();
    int rows = model.rowCount();
    for (int r = 0; r < rows; ++r) {
        const QModelIndex index = model.index(r, 0);
        for (auto it = roles.cbegin(); it != roles.cend(); ++it)
            (void)model.data(index, it.key()).toString();
    }
    return rows;
}

} // namespace

QString runScript(app::AppController &app, platform::PositionSource &position,
                  const crypto::SecretBytes &passphrase, const ScriptOptions &options,
                  const std::function<void()> &whileUnlocked)
{
    const int timeout = options.timeoutMs;
    app.reportActions()->setPositionSource(&position);

    // ---- unlock, as the unlock page hands the text field's QString over ----
    {
        QString typed = QString::fromUtf8(reinterpret_cast<const char *>(passphrase.data()),
                                          qsizetype(passphrase.size()));
        app.vault()->unlock(typed);
        std::memset(static_cast<void *>(typed.data()), 0, size_t(typed.size()) * sizeof(QChar));
    }
    // The event loop runs meanwhile, as in the app (no waitForWorker: the key ring answers on
    // the main thread's loop).
    if (!waitFor([&] { return !app.vault()->busy(); }, timeout) ||
        !waitFor([&] { return app.vault()->isUnlocked() && app.session(); }, 1000))
        return QStringLiteral("unlock: ") + app.vault()->message();

    // ---- sync: the first rounds bring HQ's records ----
    if (options.sync) {
        if (!app.deviceSync())
            return QStringLiteral("sync: no sync engine after unlock");
        if (!waitFor([&] { return app.deviceSync() && app.deviceSync()->roundsSucceeded() >= 1; },
                     timeout))
            return QStringLiteral("sync: no round succeeded");
    }

    // ---- browse every page's model ----
    if (!waitFor([&] { return app.contacts()->rowCount() > 0; }, timeout))
        return QStringLiteral("browse: no contacts");
    const int shown = browse(*app.contacts()) + browse(*app.cases()) + browse(*app.instructions()) +
                      browse(*app.schedule()) + browse(*app.reports());
    if (app.cases()->rowCount() == 0 || app.instructions()->rowCount() == 0 ||
        app.schedule()->rowCount() == 0)
        return QStringLiteral("browse: a page is empty (%1 rows in all)").arg(shown);

    // ---- search ----
    app.contacts()->setQuery(options.searchText);
    const int found = browse(*app.contacts());
    app.contacts()->setQuery(QString());
    if (found < 1)
        return QStringLiteral("search: nothing found");

    // ---- a fix from the replay, a report with it, a check-in at the first visit item ----
    app::ReportController &reports = *app.reportActions();
    if (!waitFor([&] { return reports.hasFix(); }, timeout))
        return QStringLiteral("position: no fix (%1)").arg(position.errorText());
    (void)reports.positionText();
    if (!reports.sendReport(options.reportText, true, QString()))
        return QStringLiteral("report: ") + reports.error();
    const QString item =
        app.schedule()->index(0, 0).data(app::ScheduleModel::RecordIdRole).toString();
    if (!reports.checkIn(item))
        return QStringLiteral("check-in: ") + reports.error();
    if (!waitFor([&] { return app.reports()->rowCount() >= 1; }, timeout))
        return QStringLiteral("report: not in the list");
    browse(*app.reports());
    browse(*app.schedule());

    // ---- the report and the check-in go out ----
    if (options.sync) {
        if (!waitFor(
                [&] { return app.sync()->pending() == 0 && app.reports()->waitingCount() == 0; },
                timeout))
            return QStringLiteral("sync: the report and the check-in did not go out (%1 pending)")
                .arg(app.sync()->pending());
    }

    if (whileUnlocked)
        whileUnlocked();

    // ---- lock ----
    app.vault()->lock();
    (void)waitFor([&] { return !app.vault()->busy() && !app.vault()->isUnlocked(); }, timeout);
    QCoreApplication::processEvents();
    if (app.vault()->isUnlocked() || app.session() || app.contacts()->rowCount() != 0)
        return QStringLiteral("lock: still open");
    return {};
}

} // namespace liaison::residue
