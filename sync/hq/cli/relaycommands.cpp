// `publish` and `device list`: HQ's records out to the devices through the relay, and the
// devices as the desk sees them (DESIGN.md "Topology", "Streams"). `relay pins set`: the relay's
// TLS pins rolled over by a POLICY (DESIGN.md "Relay"; the logic is desk::DeskPolicy).

#include "cli.h"

#include "client/relayhttp.h"
#include "desk/deskpolicy.h"
#include "desk/deskrelay.h"
#include "desk/remotewipe.h"

namespace liaison::hqcli {

namespace {

const QString kOptTimeout = QStringLiteral("timeout");
const QString kOptScope = QStringLiteral("scope");
const QString kOptPin = QStringLiteral("pin");

int timeoutMs(Context &ctx, bool *ok)
{
    *ok = true;
    if (!ctx.isSet(kOptTimeout))
        return 60000;
    const int s = ctx.value(kOptTimeout).toInt(ok);
    *ok = *ok && s > 0 && s <= 3600;
    return s * 1000;
}

int publish(Context &ctx)
{
    bool ok = false;
    const int timeout = timeoutMs(ctx, &ok);
    if (!ok)
        return ctx.usage(QStringLiteral("--timeout takes 1 to 3600 seconds"));
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    desk::DeskStore &desk = **store;
    if (!desk.config().certificate)
        return ctx.fail(
            QStringLiteral("publish"),
            Error(Errc::NotFound, QStringLiteral("the desk has no certificate yet "
                                                 "(liaison-hq cert issue --root FILE)")));
    auto relay = desk::DeskRelay::open(desk);
    if (!relay)
        return ctx.fail(QStringLiteral("relay"), relay.error());
    // First the local part, durable on its own: the edits become stream messages.
    auto queued = (*relay)->queueLocalEdits();
    if (!queued)
        return ctx.fail(QStringLiteral("publish"), queued.error());
    testKillPoint("publish");
    ctx.result().insert(QStringLiteral("queued"), *queued);
    ctx.progress(QStringLiteral("%1 message(s) queued; talking to the relay ...\n").arg(*queued));
    if (auto s = (*relay)->installCertificate(timeout); !s)
        return ctx.fail(QStringLiteral("relay (the edits are queued; publish again)"), s.error());
    auto round = (*relay)->syncOnce(timeout);
    if (!round)
        return ctx.fail(QStringLiteral("relay (the edits are queued; publish again)"),
                        round.error());
    ctx.result().insert(QStringLiteral("delivered"), round->delivered);
    ctx.result().insert(QStringLiteral("refused"), round->refused);
    ctx.result().insert(QStringLiteral("pending"), round->pending);
    ctx.result().insert(QStringLiteral("certificateSerial"),
                        qint64(desk.config().certificate->serial));
    ctx.line(QStringLiteral("%1 message(s) queued from the desk's edits; %2 envelope(s) delivered "
                            "to the relay, %3 refused, %4 still pending")
                 .arg(*queued)
                 .arg(round->delivered)
                 .arg(round->refused)
                 .arg(round->pending));
    if (round->refused > 0)
        return ctx.fail(
            QStringLiteral("publish"),
            Error(Errc::Refused,
                  QStringLiteral("the relay refused %1 envelope(s)").arg(round->refused)));
    return ctx.finish();
}

int deviceList(Context &ctx)
{
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    desk::DeskStore &desk = **store;
    auto relay = desk::DeskRelay::open(desk);
    if (!relay)
        return ctx.fail(QStringLiteral("relay"), relay.error());
    auto devices = desk.registry().devices();
    if (!devices)
        return ctx.fail(QStringLiteral("devices"), devices.error());
    const QString onlyScope = ctx.value(kOptScope);
    desk::RemoteWipe wipes(desk);
    QJsonArray out;
    QList<QStringList> rows;
    for (const hq::DeviceRecord &d : *devices) {
        auto scopes = desk.registry().scopesOf(d.id);
        if (!scopes)
            return ctx.fail(QStringLiteral("devices"), scopes.error());
        if (!onlyScope.isEmpty() && !scopes->contains(onlyScope))
            continue;
        auto head = (*relay)->outbox().head(d.id);
        auto delivered = (*relay)->outbox().deliveredHead(d.id);
        auto pending = (*relay)->outbox().pending(d.id, 100000);
        auto up = (*relay)->receiver().state(d.id);
        if (!head || !delivered || !pending || !up)
            return ctx.fail(
                QStringLiteral("devices"),
                Error(Errc::Internal, QStringLiteral("the device's streams do not read")));
        const qint64 upSeq = *up ? qint64((*up)->applied.seq) : 0;
        const qint64 deliveredSeq = *delivered ? qint64((*delivered)->seq) : 0;
        const QString id = QString::fromLatin1(d.id.toHex());
        // The wipe: only a verified LWA2 acknowledgement (kept by `sync`) says "wiped".
        auto wipe = wipes.status(d.id);
        if (!wipe)
            return ctx.fail(QStringLiteral("devices"), wipe.error());
        QString wipeText;
        QJsonValue wipeJson;
        if (*wipe && (*wipe)->commandId) {
            const desk::WipeStatus &w = **wipe;
            wipeText = w.wiped() ? QStringLiteral("wiped %1").arg(isoTime(w.acknowledgedMs))
                                 : QStringLiteral("ordered %1").arg(isoTime(w.orderedMs));
            QJsonObject o{{QStringLiteral("commandId"), QString::fromLatin1(w.commandId->toHex())},
                          {QStringLiteral("ordered"), isoTime(w.orderedMs)},
                          {QStringLiteral("sentOnDown"), w.sentOnDown},
                          {QStringLiteral("tokenPublished"), w.tokenPublishedMs != 0},
                          {QStringLiteral("acknowledged"), w.wiped()}};
            if (w.wiped()) {
                o.insert(QStringLiteral("acknowledgedAt"), isoTime(w.acknowledgedMs));
                o.insert(QStringLiteral("signedBy"), w.acknowledgedByWipeAckKey
                                                         ? QStringLiteral("wipe-ack key")
                                                         : QStringLiteral("device key"));
            }
            wipeJson = o;
        }
        out.append(
            QJsonObject{{QStringLiteral("id"), id},
                        {QStringLiteral("wipe"), wipeJson},
                        {QStringLiteral("state"), QString::fromLatin1(peerStateName(d.state))},
                        {QStringLiteral("label"), d.label},
                        {QStringLiteral("scopes"), QJsonArray::fromStringList(*scopes)},
                        {QStringLiteral("downEpoch"), qint64(head->epoch)},
                        {QStringLiteral("downSeq"), qint64(head->seq)},
                        {QStringLiteral("downDelivered"), deliveredSeq},
                        {QStringLiteral("downPending"), int(pending->size())},
                        {QStringLiteral("upApplied"), upSeq}});
        rows.append({id.left(8), QString::fromLatin1(peerStateName(d.state)),
                     scopes->join(QLatin1Char(',')),
                     QStringLiteral("%1/%2").arg(deliveredSeq).arg(head->seq),
                     QString::number(upSeq), wipeText, d.label});
    }
    ctx.result().insert(QStringLiteral("devices"), out);
    ctx.table({QStringLiteral("DEVICE"), QStringLiteral("STATE"), QStringLiteral("SCOPES"),
               QStringLiteral("DOWN (delivered/sent)"), QStringLiteral("UP"),
               QStringLiteral("WIPE"), QStringLiteral("LABEL")},
              rows);
    return ctx.finish();
}

int relayPinsSet(Context &ctx)
{
    if (!ctx.positional().isEmpty())
        return ctx.usage(QStringLiteral("relay pins set takes no arguments, only --pin P"));
    const QStringList given = ctx.values(kOptPin);
    if (given.isEmpty())
        return ctx.usage(QStringLiteral("give the relay's new pins with --pin P (1 to %1)")
                             .arg(protocol::kEnrolMaxPins));
    if (given.size() > protocol::kEnrolMaxPins)
        return ctx.usage(QStringLiteral("at most %1 relay pins (a device keeps no more), not %2")
                             .arg(protocol::kEnrolMaxPins)
                             .arg(given.size()));
    QList<protocol::RelayPin> pins;
    for (const QString &text : given) {
        const auto pin = client::parseSpkiPin(text.trimmed().toLatin1());
        if (!pin)
            return ctx.usage(QStringLiteral("\"%1\" is not a relay pin (64 hex digits or base64 of "
                                            "the SHA-256 of the relay's TLS public key)")
                                 .arg(text));
        const auto relayPin = *protocol::RelayPin::fromBytes(pin->view());
        if (pins.contains(relayPin))
            return ctx.usage(QStringLiteral("the pin %1 is given twice").arg(text));
        pins.append(relayPin);
    }
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    desk::DeskStore &desk = **store;
    auto relay = desk::DeskRelay::open(desk);
    if (!relay)
        return ctx.fail(QStringLiteral("relay"), relay.error());
    auto done = desk::DeskPolicy(desk).setRelayPins((*relay)->outbox(), pins);
    if (!done)
        return ctx.fail(QStringLiteral("relay pins"), done.error());
    QJsonObject &r = ctx.result();
    r.insert(QStringLiteral("pins"), QJsonArray::fromStringList(done->pins));
    r.insert(QStringLiteral("previousPins"), QJsonArray::fromStringList(done->previousPins));
    r.insert(QStringLiteral("policyVersion"), qint64(done->policy.version));
    r.insert(QStringLiteral("queued"), QJsonArray::fromStringList(done->queuedTo));
    r.insert(QStringLiteral("atNextResync"), QJsonArray::fromStringList(done->notYet));
    ctx.line(QStringLiteral("relay pins replaced: %1 pin(s), policy version %2; the POLICY is "
                            "queued for %3 device(s)%4")
                 .arg(done->pins.size())
                 .arg(done->policy.version)
                 .arg(done->queuedTo.size())
                 .arg(done->notYet.isEmpty()
                          ? QString()
                          : QStringLiteral(" (%1 more get it at their next resync)")
                                .arg(done->notYet.size())));
    ctx.line(QStringLiteral("the desk keeps accepting the previous %1 pin(s) until the next "
                            "rollover; next: liaison-hq publish")
                 .arg(done->previousPins.size()));
    return ctx.finish();
}

} // namespace

void addRelayCommands(QList<Command> &out)
{
    out.append(
        {{QStringLiteral("publish")},
         QStringLiteral("Send the desk's edits to the devices of their scopes via the relay"),
         QString(),
         [](QCommandLineParser &p) {
             p.addOption({kOptTimeout,
                          QStringLiteral("Give up on the relay after N seconds (default 60)."),
                          QStringLiteral("s")});
         },
         publish});
    out.append({{QStringLiteral("device"), QStringLiteral("list")},
                QStringLiteral("The devices: state, scopes, stream heads"),
                QString(),
                [](QCommandLineParser &p) {
                    p.addOption({kOptScope, QStringLiteral("Only devices holding this scope."),
                                 QStringLiteral("scope")});
                },
                deviceList});
    out.append(
        {{QStringLiteral("relay"), QStringLiteral("pins"), QStringLiteral("set")},
         QStringLiteral("Roll the relay's TLS pins over: a signed POLICY tells every device"),
         QString(),
         [](QCommandLineParser &p) {
             p.addOption({kOptPin,
                          QStringLiteral("A new pin: SHA-256 of the relay's TLS public key (64 hex "
                                         "digits or base64); repeat for each, 1 to %1.")
                              .arg(protocol::kEnrolMaxPins),
                          QStringLiteral("pin")});
         },
         relayPinsSet});
}

} // namespace liaison::hqcli
