// `sync` and `sync --follow`: the desk's rounds with the relay (DESIGN.md "Streams", "Relay"):
// push what is queued for the devices, pull HQ's mailbox (every envelope through the receiver,
// HQ's validator and fan-out, each in its own transaction), push what the fan-out produced,
// then follow up the wipe orders (tokens, verified acknowledgements) and read the enrolment
// submissions of pending devices (desk/enrolment.h: a good one makes the device "verifying").
// A summary says what the round brought.
//
// --follow repeats the round until SIGINT or SIGTERM, waiting --interval seconds between rounds
// and backing off (doubling, at most 5 minutes) while the relay fails. A signal never cuts a
// round in half: it is noted, the running round finishes (every envelope is applied in its own
// transaction anyway) and the command exits 0.

#include "cli.h"

#include "desk/deskactivity.h"
#include "desk/devicecommands.h"
#include "desk/enrolment.h"

#include <QDateTime>
#include <QEventLoop>
#include <QTimer>

#include <csignal>
#include <cstdio>

namespace liaison::hqcli {

namespace {

const QString kOptTimeout = QStringLiteral("timeout");
const QString kOptFollow = QStringLiteral("follow");
const QString kOptInterval = QStringLiteral("interval");
const QString kOptRounds = QStringLiteral("rounds");

volatile std::sig_atomic_t g_stop = 0;

void onStopSignal(int)
{
    g_stop = 1;
}

struct Totals
{
    int rounds = 0;
    int failed = 0;
    int delivered = 0;
    int refused = 0;
    int received = 0;
    int applied = 0;
    qint64 rejected = 0;
    qint64 held = 0;
    qint64 alarms = 0;
    qint64 acknowledgements = 0;
    qint64 reports = 0;
    qint64 checkIns = 0;
    int wipesAcknowledged = 0;
    int enrolmentsVerifying = 0;
    int pending = 0;
};

QJsonObject toJson(const Totals &t)
{
    return QJsonObject{{QStringLiteral("rounds"), t.rounds},
                       {QStringLiteral("failedRounds"), t.failed},
                       {QStringLiteral("delivered"), t.delivered},
                       {QStringLiteral("refused"), t.refused},
                       {QStringLiteral("received"), t.received},
                       {QStringLiteral("applied"), t.applied},
                       {QStringLiteral("rejected"), t.rejected},
                       {QStringLiteral("held"), t.held},
                       {QStringLiteral("alarms"), t.alarms},
                       {QStringLiteral("acknowledgements"), t.acknowledgements},
                       {QStringLiteral("reports"), t.reports},
                       {QStringLiteral("checkIns"), t.checkIns},
                       {QStringLiteral("wipesAcknowledged"), t.wipesAcknowledged},
                       {QStringLiteral("enrolmentsVerifying"), t.enrolmentsVerifying},
                       {QStringLiteral("pending"), t.pending}};
}

QString summary(const Totals &t)
{
    return QStringLiteral("received %1 envelope(s), applied %2, rejected %3 operation message(s), "
                          "held for review %4, new alarms %5, acknowledgements %6, reports %7, "
                          "check-ins %8, wipes acknowledged %9; delivered %10 to the relay, "
                          "%11 still pending")
        .arg(t.received)
        .arg(t.applied)
        .arg(t.rejected)
        .arg(t.held)
        .arg(t.alarms)
        .arg(t.acknowledgements)
        .arg(t.reports)
        .arg(t.checkIns)
        .arg(t.wipesAcknowledged)
        .arg(t.delivered)
        .arg(t.pending);
}

// One round; its counts are added to `t`. An error: the round failed (nothing half-applied).
Status oneRound(desk::DeskStore &desk, desk::DeskRelay &relay, desk::DeviceCommands &commands,
                int timeoutMs, Totals &t, QStringList &problems)
{
    auto before = desk::activityCounts(desk);
    if (!before)
        return std::unexpected(before.error());
    const qint64 startMs = desk.clock().wallMs();
    auto round = relay.syncOnce(timeoutMs);
    if (!round)
        return std::unexpected(round.error());
    const client::RoundStats &stats = relay.transport().engine().stats();
    auto follow = commands.followUp(timeoutMs);
    if (!follow)
        return std::unexpected(follow.error());
    problems += follow->problems;
    desk::DeskEnrolment enrolment(desk);
    auto collected = enrolment.collect(relay);
    if (!collected)
        return std::unexpected(collected.error());
    problems += collected->notes;
    auto after = desk::activityCounts(desk);
    if (!after)
        return std::unexpected(after.error());
    auto rejects = desk::rejectsSince(desk, startMs);
    if (!rejects)
        return std::unexpected(rejects.error());
    ++t.rounds;
    t.delivered += round->delivered;
    t.refused += round->refused;
    t.pending = round->pending;
    t.received += stats.pulled + stats.gapFilled;
    t.applied += stats.applied;
    t.rejected += *rejects;
    t.held += std::max<qint64>(0, after->held - before->held);
    t.alarms += std::max<qint64>(0, after->alarms - before->alarms);
    t.acknowledgements += std::max<qint64>(0, after->acknowledgements - before->acknowledgements);
    t.reports += std::max<qint64>(0, after->reports - before->reports);
    t.checkIns += std::max<qint64>(0, after->checkIns - before->checkIns);
    t.wipesAcknowledged += follow->acknowledged;
    t.enrolmentsVerifying += collected->verifying;
    return {};
}

// Waits up to `ms`, returning early when a stop signal came.
void pause(int ms)
{
    QEventLoop loop;
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, &loop, [&loop] {
        if (g_stop)
            loop.quit();
    });
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    poll.start(100);
    loop.exec();
}

int sync(Context &ctx)
{
    int timeout = 60000;
    if (ctx.isSet(kOptTimeout)) {
        bool ok = false;
        const int s = ctx.value(kOptTimeout).toInt(&ok);
        if (!ok || s < 1 || s > 3600)
            return ctx.usage(QStringLiteral("--timeout takes 1 to 3600 seconds"));
        timeout = s * 1000;
    }
    const bool follow = ctx.isSet(kOptFollow);
    int intervalMs = 10000;
    if (ctx.isSet(kOptInterval)) {
        bool ok = false;
        const int s = ctx.value(kOptInterval).toInt(&ok);
        if (!ok || s < 1 || s > 3600)
            return ctx.usage(QStringLiteral("--interval takes 1 to 3600 seconds"));
        if (!follow)
            return ctx.usage(QStringLiteral("--interval goes with --follow"));
        intervalMs = s * 1000;
    }
    int maxRounds = 0;
    if (ctx.isSet(kOptRounds)) {
        bool ok = false;
        maxRounds = ctx.value(kOptRounds).toInt(&ok);
        if (!ok || maxRounds < 1)
            return ctx.usage(QStringLiteral("--rounds takes a positive number"));
        if (!follow)
            return ctx.usage(QStringLiteral("--rounds goes with --follow"));
    }
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    desk::DeskStore &desk = **store;
    if (!desk.config().certificate)
        return ctx.fail(
            QStringLiteral("sync"),
            Error(Errc::NotFound, QStringLiteral("the desk has no certificate yet "
                                                 "(liaison-hq cert issue --root FILE)")));
    auto relay = desk::DeskRelay::open(desk);
    if (!relay)
        return ctx.fail(QStringLiteral("relay"), relay.error());
    desk::DeviceCommands commands(desk, **relay);

    struct sigaction sa
    {};
    sa.sa_handler = onStopSignal;
    sigemptyset(&sa.sa_mask);
    if (follow) {
        sigaction(SIGINT, &sa, nullptr);
        sigaction(SIGTERM, &sa, nullptr);
    }

    Totals totals;
    QStringList problems;
    bool certificateInstalled = false;
    int backoffMs = intervalMs;
    for (;;) {
        Status s;
        if (!certificateInstalled) {
            s = (*relay)->installCertificate(timeout);
            certificateInstalled = bool(s);
        }
        if (s) {
            const Totals before = totals;
            s = oneRound(desk, **relay, commands, timeout, totals, problems);
            if (s && follow) {
                Totals one = totals;
                one.rounds = 1;
                one.delivered -= before.delivered;
                one.refused -= before.refused;
                one.received -= before.received;
                one.applied -= before.applied;
                one.rejected -= before.rejected;
                one.held -= before.held;
                one.alarms -= before.alarms;
                one.acknowledgements -= before.acknowledgements;
                one.reports -= before.reports;
                one.checkIns -= before.checkIns;
                one.wipesAcknowledged -= before.wipesAcknowledged;
                if (!ctx.json())
                    std::fprintf(stdout, "%s %s\n", qPrintable(isoTime(desk.clock().wallMs())),
                                 qPrintable(summary(one)));
                std::fflush(stdout);
            }
        }
        if (!s) {
            if (!follow)
                return ctx.fail(QStringLiteral("sync"), s.error());
            ++totals.failed;
            std::fprintf(stderr, "liaison-hq: sync: %s (again in %d s)\n",
                         qPrintable(s.error().message), backoffMs / 1000);
        }
        if (!follow || g_stop || (maxRounds > 0 && totals.rounds + totals.failed >= maxRounds))
            break;
        backoffMs = s ? intervalMs : std::min(backoffMs * 2, 300000);
        pause(s ? intervalMs : backoffMs);
        if (g_stop)
            break;
    }
    if (auto a = desk.audit(QStringLiteral("sync"), QString(),
                            QStringLiteral("%1 round(s): received %2, applied %3, delivered %4")
                                .arg(totals.rounds)
                                .arg(totals.received)
                                .arg(totals.applied)
                                .arg(totals.delivered));
        !a)
        return ctx.fail(QStringLiteral("audit"), a.error());
    ctx.result() = toJson(totals);
    ctx.result().insert(QStringLiteral("problems"), QJsonArray::fromStringList(problems));
    ctx.result().insert(QStringLiteral("stoppedBySignal"), bool(g_stop));
    if (!follow)
        ctx.line(summary(totals));
    else
        ctx.line(QStringLiteral("stopped after %1 round(s) (%2 failed)")
                     .arg(totals.rounds)
                     .arg(totals.failed));
    for (const QString &p : problems)
        ctx.line(QStringLiteral("attention: %1").arg(p));
    return ctx.finish();
}

} // namespace

void addSyncCommands(QList<Command> &out)
{
    out.append({{QStringLiteral("sync")},
                QStringLiteral("One round with the relay (or --follow: rounds until stopped)"),
                QString(),
                [](QCommandLineParser &p) {
                    p.addOption({kOptFollow, QStringLiteral("Keep syncing until SIGINT/SIGTERM.")});
                    p.addOption({kOptInterval,
                                 QStringLiteral("With --follow: seconds between rounds "
                                                "(default 10)."),
                                 QStringLiteral("s")});
                    p.addOption({kOptRounds, QStringLiteral("With --follow: stop after N rounds."),
                                 QStringLiteral("n")});
                    p.addOption({kOptTimeout,
                                 QStringLiteral("Give up on a round after N seconds (default "
                                                "60)."),
                                 QStringLiteral("s")});
                },
                sync});
}

} // namespace liaison::hqcli
