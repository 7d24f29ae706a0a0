// `policy show` and `policy set`: HQ's device policy, the auto-lock ceiling and the erase-after
// count every device applies (DESIGN.md "Unlock, lockout, auto-lock"; issue 12). The logic, the
// bounds and the POLICY sent to the devices are desk::DeskPolicy's.

#include "cli.h"

#include "desk/deskpolicy.h"
#include "desk/deskrelay.h"

namespace liaison::hqcli {

namespace {

const QString kOptAutoLockMax = QStringLiteral("auto-lock-max");
const QString kOptEraseAfter = QStringLiteral("erase-after");

// Whole decimal digits only ("300", not "5m", "+300" or " 300"); nullopt otherwise.
std::optional<std::uint32_t> parseCount(const QString &text)
{
    if (text.isEmpty() || text.size() > 9)
        return std::nullopt;
    for (const QChar c : text)
        if (c < QLatin1Char('0') || c > QLatin1Char('9'))
            return std::nullopt;
    return std::uint32_t(text.toUInt());
}

QString autoLockText(std::uint32_t seconds)
{
    return seconds == 0 ? QStringLiteral("none (the officer's own choice)")
                        : QStringLiteral("%1 s").arg(seconds);
}

QString eraseAfterText(std::uint32_t count)
{
    return count == 0 ? QStringLiteral("never")
                      : QStringLiteral("after %1 failed unlocks").arg(count);
}

void putPolicy(QJsonObject &out, const protocol::PolicyPayload &p)
{
    out.insert(QStringLiteral("policyVersion"), qint64(p.version));
    out.insert(QStringLiteral("autoLockMaxSeconds"), qint64(p.autoLockSeconds));
    out.insert(QStringLiteral("eraseAfter"), qint64(p.eraseAfter));
}

int policyShow(Context &ctx)
{
    if (!ctx.positional().isEmpty())
        return ctx.usage(QStringLiteral("policy show takes no arguments"));
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    auto policy = desk::DeskPolicy(**store).inForce();
    if (!policy)
        return ctx.fail(QStringLiteral("policy"), policy.error());
    putPolicy(ctx.result(), *policy);
    ctx.result().insert(QStringLiteral("sent"), policy->version > 0);
    ctx.result().insert(QStringLiteral("relayPins"),
                        policy->relayPins ? int(policy->relayPins->size()) : 0);
    ctx.line(
        policy->version > 0
            ? QStringLiteral("policy version %1 (sent to every active device)").arg(policy->version)
            : QStringLiteral("no policy sent yet: the defaults below stand"));
    ctx.line(QStringLiteral("auto-lock ceiling: %1").arg(autoLockText(policy->autoLockSeconds)));
    ctx.line(QStringLiteral("erase the vault: %1").arg(eraseAfterText(policy->eraseAfter)));
    ctx.line(QStringLiteral("relay pins: %1 (liaison-hq relay pins set)")
                 .arg(policy->relayPins ? policy->relayPins->size() : 0));
    return ctx.finish();
}

int policySet(Context &ctx)
{
    if (!ctx.positional().isEmpty())
        return ctx.usage(QStringLiteral("policy set takes no arguments, only --%1 and --%2")
                             .arg(kOptAutoLockMax, kOptEraseAfter));
    desk::PolicyLimits limits;
    if (ctx.isSet(kOptAutoLockMax)) {
        const auto seconds = parseCount(ctx.value(kOptAutoLockMax));
        if (!seconds)
            return ctx.usage(QStringLiteral("--%1 takes whole seconds, %2 to %3 (or 0: none), not "
                                            "\"%4\"")
                                 .arg(kOptAutoLockMax)
                                 .arg(desk::kAutoLockCeilingMinSeconds)
                                 .arg(desk::kAutoLockCeilingMaxSeconds)
                                 .arg(ctx.value(kOptAutoLockMax)));
        if (auto s = desk::validateAutoLockCeiling(*seconds); !s)
            return ctx.usage(s.error().message);
        limits.autoLockSeconds = *seconds;
    }
    if (ctx.isSet(kOptEraseAfter)) {
        const auto count = parseCount(ctx.value(kOptEraseAfter));
        if (!count)
            return ctx.usage(QStringLiteral("--%1 takes a whole number of failed unlocks, %2 to %3 "
                                            "(or 0: never), not \"%4\"")
                                 .arg(kOptEraseAfter)
                                 .arg(desk::kPolicyEraseAfterMin)
                                 .arg(desk::kPolicyEraseAfterMax)
                                 .arg(ctx.value(kOptEraseAfter)));
        if (auto s = desk::validateEraseAfter(*count); !s)
            return ctx.usage(s.error().message);
        limits.eraseAfter = *count;
    }
    if (!limits.autoLockSeconds && !limits.eraseAfter)
        return ctx.usage(QStringLiteral("give --%1 SECONDS, --%2 N or both")
                             .arg(kOptAutoLockMax, kOptEraseAfter));
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    desk::DeskStore &desk = **store;
    auto relay = desk::DeskRelay::open(desk);
    if (!relay)
        return ctx.fail(QStringLiteral("relay"), relay.error());
    auto done = desk::DeskPolicy(desk).setLimits((*relay)->outbox(), limits);
    if (!done)
        return ctx.fail(QStringLiteral("policy"), done.error());
    QJsonObject &r = ctx.result();
    putPolicy(r, done->policy);
    r.insert(QStringLiteral("changed"), done->changed);
    QJsonObject previous;
    putPolicy(previous, done->previous);
    r.insert(QStringLiteral("previous"), previous);
    r.insert(QStringLiteral("queued"), QJsonArray::fromStringList(done->queuedTo));
    r.insert(QStringLiteral("atNextResync"), QJsonArray::fromStringList(done->notYet));
    if (!done->changed) {
        ctx.line(QStringLiteral("policy unchanged (version %1): auto-lock ceiling %2, erase %3")
                     .arg(done->policy.version)
                     .arg(autoLockText(done->policy.autoLockSeconds),
                          eraseAfterText(done->policy.eraseAfter)));
        return ctx.finish();
    }
    ctx.line(QStringLiteral("policy version %1: auto-lock ceiling %2, erase %3; the POLICY is "
                            "queued for %4 device(s)%5")
                 .arg(done->policy.version)
                 .arg(autoLockText(done->policy.autoLockSeconds),
                      eraseAfterText(done->policy.eraseAfter))
                 .arg(done->queuedTo.size())
                 .arg(done->notYet.isEmpty()
                          ? QString()
                          : QStringLiteral(" (%1 more get it at their next resync)")
                                .arg(done->notYet.size())));
    ctx.line(QStringLiteral("a device applies it after its next sync (the erase-after count at "
                            "its next unlock); next: liaison-hq publish"));
    return ctx.finish();
}

} // namespace

void addPolicyCommands(QList<Command> &out)
{
    out.append({{QStringLiteral("policy"), QStringLiteral("show")},
                QStringLiteral("HQ's device policy: auto-lock ceiling, erase-after count, version"),
                QString(),
                {},
                policyShow});
    out.append(
        {{QStringLiteral("policy"), QStringLiteral("set")},
         QStringLiteral("Set the devices' auto-lock ceiling and erase-after count (signed POLICY)"),
         QString(),
         [](QCommandLineParser &p) {
             p.addOption({kOptAutoLockMax,
                          QStringLiteral("The longest an unlocked, idle app stays unlocked: %1 to "
                                         "%2 seconds; 0 = no ceiling (the officer's choice).")
                              .arg(desk::kAutoLockCeilingMinSeconds)
                              .arg(desk::kAutoLockCeilingMaxSeconds),
                          QStringLiteral("seconds")});
             p.addOption({kOptEraseAfter,
                          QStringLiteral("Failed unlocks before a device crypto-erases its vault: "
                                         "%1 to %2; 0 = never.")
                              .arg(desk::kPolicyEraseAfterMin)
                              .arg(desk::kPolicyEraseAfterMax),
                          QStringLiteral("n")});
         },
         policySet});
}

} // namespace liaison::hqcli
