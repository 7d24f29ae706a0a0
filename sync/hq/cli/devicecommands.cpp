// `device revoke|wipe|release|replace`: the desk's orders to one device (DESIGN.md "Commands,
// remote wipe, revocation"; `replace` also "Enrolment"). The logic is desk::DeviceCommands; this
// file parses, opens and prints.

#include "cli.h"

#include "desk/devicecommands.h"

namespace liaison::hqcli {

namespace {

const QString kOptTimeout = QStringLiteral("timeout");

int timeoutOption(Context &ctx, bool *ok)
{
    *ok = true;
    if (!ctx.isSet(kOptTimeout))
        return 30000;
    const int s = ctx.value(kOptTimeout).toInt(ok);
    *ok = *ok && s > 0 && s <= 3600;
    return s * 1000;
}

QJsonObject wipeJson(const desk::WipeStatus &w)
{
    QJsonObject o{{QStringLiteral("ordered"), isoTime(w.orderedMs)},
                  {QStringLiteral("notAfter"), isoTime(w.notAfterMs)},
                  {QStringLiteral("sentOnDown"), w.sentOnDown},
                  {QStringLiteral("tokenPublished"), w.tokenPublishedMs != 0},
                  {QStringLiteral("acknowledged"), w.wiped()}};
    if (w.commandId)
        o.insert(QStringLiteral("commandId"), QString::fromLatin1(w.commandId->toHex()));
    if (w.wiped()) {
        o.insert(QStringLiteral("acknowledgedAt"), isoTime(w.acknowledgedMs));
        o.insert(QStringLiteral("acknowledgedAtDevice"), isoTime(w.acknowledgedAtDeviceMs));
        o.insert(QStringLiteral("signedBy"), w.acknowledgedByWipeAckKey
                                                 ? QStringLiteral("wipe-ack key")
                                                 : QStringLiteral("device key"));
    }
    return o;
}

struct Opened
{
    desk::DeskStore *desk = nullptr;
    std::unique_ptr<desk::DeskRelay> relay;
    std::unique_ptr<desk::DeviceCommands> commands;
    hq::DeviceRecord device;
};

// Opens the store and the relay link and finds the device named on the command line.
std::expected<Opened, int> openDevice(Context &ctx)
{
    if (ctx.positional().size() != 1)
        return std::unexpected(ctx.usage(QStringLiteral("give one device id (or a prefix of it)")));
    auto store = ctx.openStore();
    if (!store)
        return std::unexpected(store.error());
    Opened o;
    o.desk = *store;
    auto relay = desk::DeskRelay::open(*o.desk);
    if (!relay)
        return std::unexpected(ctx.fail(QStringLiteral("relay"), relay.error()));
    o.relay = std::move(*relay);
    o.commands = std::make_unique<desk::DeviceCommands>(*o.desk, *o.relay);
    auto device = o.commands->find(ctx.positional().first());
    if (!device)
        return std::unexpected(ctx.fail(QStringLiteral("device"), device.error()));
    o.device = *device;
    return o;
}

// Prints the outcome of revoke / wipe into `json` and the human output.
void describe(Context &ctx, const desk::DeviceCommands::Outcome &out, const QString &verb,
              QJsonObject &json)
{
    const QString id = QString::fromLatin1(out.device.id.toHex());
    json.insert(QStringLiteral("id"), id);
    json.insert(QStringLiteral("state"), QString::fromLatin1(peerStateName(out.state)));
    json.insert(QStringLiteral("previousState"),
                QString::fromLatin1(peerStateName(out.device.state)));
    if (!out.droppedScopes.isEmpty() || verb == QLatin1String("revoke"))
        json.insert(QStringLiteral("droppedScopes"), QJsonArray::fromStringList(out.droppedScopes));
    if (out.wipe)
        json.insert(QStringLiteral("wipe"), wipeJson(*out.wipe));
    json.insert(QStringLiteral("relay"), out.relayDone);
    json.insert(QStringLiteral("delivered"), out.delivered);
    if (verb == QLatin1String("revoke"))
        ctx.line(QStringLiteral("device %1 revoked: %2 (memberships dropped: %3)")
                     .arg(id.left(8), QString::fromLatin1(peerStateName(out.state)),
                          out.droppedScopes.isEmpty()
                              ? QStringLiteral("none")
                              : out.droppedScopes.join(QStringLiteral(", "))));
    if (out.wipe) {
        QStringList paths;
        if (out.wipe->sentOnDown)
            paths.append(QStringLiteral("WIPE on its down stream"));
        if (out.wipe->tokenPublishedMs != 0)
            paths.append(QStringLiteral("wipe token at the relay"));
        ctx.line(QStringLiteral("wipe command %1 for device %2: %3; valid until %4")
                     .arg(QString::fromLatin1(out.wipe->commandId->toHex()).left(8), id.left(8),
                          paths.isEmpty() ? QStringLiteral("not at the relay yet")
                                          : paths.join(QStringLiteral(" and ")),
                          isoTime(out.wipe->notAfterMs)));
        ctx.line(QStringLiteral("liaison-hq sync collects the acknowledgement; device list "
                                "shows it"));
    }
}

// Prints the outcome of revoke / wipe; the local half stands even when the relay failed.
int report(Context &ctx, const desk::DeviceCommands::Outcome &out, const QString &verb)
{
    describe(ctx, out, verb, ctx.result());
    if (!out.relayDone)
        return ctx.fail(QStringLiteral("relay (the %1 is recorded; run the command again or "
                                       "liaison-hq sync to finish it)")
                            .arg(verb),
                        Error(Errc::Network, out.relayError));
    return ctx.finish();
}

int deviceRevoke(Context &ctx)
{
    bool ok = false;
    const int timeout = timeoutOption(ctx, &ok);
    if (!ok)
        return ctx.usage(QStringLiteral("--timeout takes 1 to 3600 seconds"));
    auto o = openDevice(ctx);
    if (!o)
        return o.error();
    auto out = o->commands->revokeLocal(o->device.id);
    if (!out)
        return ctx.fail(QStringLiteral("device revoke"), out.error());
    ctx.progress(QStringLiteral("revoked; telling the relay ...\n"));
    testKillPoint("revoke");
    o->commands->finishAtRelay(*out, timeout);
    return report(ctx, *out, QStringLiteral("revoke"));
}

int deviceWipe(Context &ctx)
{
    bool ok = false;
    const int timeout = timeoutOption(ctx, &ok);
    if (!ok)
        return ctx.usage(QStringLiteral("--timeout takes 1 to 3600 seconds"));
    auto o = openDevice(ctx);
    if (!o)
        return o.error();
    auto out = o->commands->wipeLocal(o->device.id);
    if (!out)
        return ctx.fail(QStringLiteral("device wipe"), out.error());
    ctx.progress(QStringLiteral("wipe ordered; publishing it at the relay ...\n"));
    o->commands->finishAtRelay(*out, timeout);
    return report(ctx, *out, QStringLiteral("wipe"));
}

// The old device revoked (device revoke) and a new enrolment with its scopes (device add).
int deviceReplace(Context &ctx)
{
    bool ok = false;
    const int timeout = timeoutOption(ctx, &ok);
    if (!ok)
        return ctx.usage(QStringLiteral("--timeout takes 1 to 3600 seconds"));
    const auto validityMs = enrolmentValidityMs(ctx);
    if (!validityMs)
        return validityMs.error();
    auto o = openDevice(ctx);
    if (!o)
        return o.error();
    desk::DeskEnrolment enrol(*o->desk);
    ctx.progress(QStringLiteral("revoking the old device and registering a new code at the relay "
                                "...\n"));
    auto r = o->commands->replace(enrol, o->device.id, ctx.value(QStringLiteral("label")),
                                  *validityMs, timeout);
    if (!r)
        return ctx.fail(QStringLiteral("device replace"), r.error());
    const QString oldId = QString::fromLatin1(o->device.id.toHex());
    ctx.result().insert(QStringLiteral("replaces"), oldId);
    QJsonObject revoked;
    if (r->revokedNow) {
        describe(ctx, r->revocation, QStringLiteral("revoke"), revoked);
    } else {
        revoked.insert(QStringLiteral("id"), oldId);
        revoked.insert(QStringLiteral("state"),
                       QString::fromLatin1(peerStateName(r->revocation.state)));
        ctx.line(QStringLiteral("device %1 was revoked already").arg(oldId.left(8)));
    }
    ctx.result().insert(QStringLiteral("revoked"), revoked);
    if (!r->enrolment)
        return ctx.fail(QStringLiteral("relay (the revocation is recorded, no new code yet; run "
                                       "device replace again)"),
                        Error(Errc::Network, r->revocation.relayError));
    ctx.line(QStringLiteral("Its replacement gets scope(s) %1.")
                 .arg(r->scopes.join(QStringLiteral(", "))));
    if (const int code = showEnrolmentCode(ctx, *r->enrolment, r->scopes); code != kExitOk)
        return code;
    return ctx.finish();
}

int deviceRelease(Context &ctx)
{
    bool ok = false;
    const int timeout = timeoutOption(ctx, &ok);
    if (!ok)
        return ctx.usage(QStringLiteral("--timeout takes 1 to 3600 seconds"));
    auto o = openDevice(ctx);
    if (!o)
        return o.error();
    if (auto s = o->commands->release(o->device.id); !s)
        return ctx.fail(QStringLiteral("device release"), s.error());
    const QString id = QString::fromLatin1(o->device.id.toHex());
    ctx.result().insert(QStringLiteral("id"), id);
    ctx.result().insert(QStringLiteral("state"), QStringLiteral("active"));
    ctx.line(QStringLiteral("device %1 released from quarantine; a RESYNC repairs its streams")
                 .arg(id.left(8)));
    auto round = o->relay->syncOnce(timeout);
    if (!round)
        return ctx.fail(QStringLiteral("relay (the release is recorded; liaison-hq sync sends "
                                       "the RESYNC)"),
                        round.error());
    ctx.result().insert(QStringLiteral("delivered"), round->delivered);
    return ctx.finish();
}

void timeoutOpt(QCommandLineParser &p)
{
    p.addOption({kOptTimeout, QStringLiteral("Give up on the relay after N seconds (default 30)."),
                 QStringLiteral("s")});
}

} // namespace

void addDeviceCommands(QList<Command> &out)
{
    out.append({{QStringLiteral("device"), QStringLiteral("revoke")},
                QStringLiteral("Cut a device off at once and wipe it (wipe-only until it "
                               "acknowledges)"),
                QStringLiteral("ID"),
                timeoutOpt,
                deviceRevoke});
    out.append({{QStringLiteral("device"), QStringLiteral("wipe")},
                QStringLiteral("Order a device to erase itself (WIPE on down and a token at the "
                               "relay)"),
                QStringLiteral("ID"),
                timeoutOpt,
                deviceWipe});
    out.append({{QStringLiteral("device"), QStringLiteral("replace")},
                QStringLiteral("Lost or new phone: revoke and wipe the old device, and a new "
                               "enrolment code with the same scopes"),
                QStringLiteral("ID"),
                [](QCommandLineParser &p) {
                    timeoutOpt(p);
                    addEnrolmentCodeOptions(p);
                },
                deviceReplace});
    out.append({{QStringLiteral("device"), QStringLiteral("release")},
                QStringLiteral("Take an active device out of quarantine (a RESYNC repairs its "
                               "streams)"),
                QStringLiteral("ID"),
                timeoutOpt,
                deviceRelease});
}

} // namespace liaison::hqcli
