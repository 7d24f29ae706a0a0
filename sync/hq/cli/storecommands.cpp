// `init`, `status`, `audit` and `scope add|list|members`: the desk store itself.

#include "cli.h"

#include "client/relayhttp.h"
#include "desk/rootkeyfile.h"
#include "model/records.h"

namespace liaison::hqcli {

namespace {

const QString kOptRoot = QStringLiteral("root");
const QString kOptRelayUrl = QStringLiteral("relay-url");
const QString kOptRelayPin = QStringLiteral("relay-pin");
const QString kOptTitle = QStringLiteral("title");
const QString kOptAction = QStringLiteral("action");
const QString kOptSince = QStringLiteral("since");
const QString kOptLimit = QStringLiteral("limit");

// The relay address as every HQ connection will use it (https with pins, or http on loopback).
Status checkRelay(const QString &url, const QStringList &pins, const crypto::Id16 &deployment)
{
    client::RelayEndpoint e;
    e.baseUrl = QUrl(url);
    e.deployment = deployment;
    e.allowPlainHttpOnLoopback = e.baseUrl.scheme() == QLatin1String("http");
    for (const QString &p : pins) {
        auto pin = client::parseSpkiPin(p.toLatin1());
        if (!pin)
            return fail(Errc::InvalidArgument,
                        QStringLiteral("\"%1\" is not a pin (base64 or 64 hex digits of the "
                                       "SHA-256 of the relay's public key)")
                            .arg(p));
        e.pins.append(*pin);
    }
    return client::validateEndpoint(e);
}

int init(Context &ctx)
{
    const QString rootPath = ctx.value(kOptRoot);
    const QString relayUrl = ctx.value(kOptRelayUrl);
    if (rootPath.isEmpty() || relayUrl.isEmpty())
        return ctx.usage(QStringLiteral("--root FILE and --relay-url URL are required"));
    const QStringList pins = ctx.values(kOptRelayPin);
    auto root = desk::readRootPublic(rootPath);
    if (!root)
        return ctx.fail(QStringLiteral("root key file"), root.error());
    if (auto s = checkRelay(relayUrl, pins, root->deployment); !s)
        return ctx.fail(QStringLiteral("relay address"), s.error());
    auto store = ctx.createStore(*root, relayUrl, pins);
    if (!store)
        return store.error();
    desk::DeskStore &desk = **store;
    if (auto s =
            desk.audit(QStringLiteral("store.init"), QString::fromLatin1(root->deployment.toHex()),
                       QStringLiteral("relay %1, %2 pin(s)").arg(relayUrl).arg(pins.size()));
        !s)
        return ctx.fail(QStringLiteral("audit"), s.error());
    ctx.result().insert(QStringLiteral("deployment"),
                        QString::fromLatin1(root->deployment.toHex()));
    ctx.result().insert(QStringLiteral("relayUrl"), relayUrl);
    ctx.line(QStringLiteral("desk store created in %1 for deployment %2")
                 .arg(*ctx.storeDir(), QString::fromLatin1(root->deployment.toHex())));
    ctx.line(QStringLiteral("relay %1 (%2 pin(s)); next: liaison-hq cert issue --root %3")
                 .arg(relayUrl)
                 .arg(pins.size())
                 .arg(rootPath));
    return ctx.finish();
}

int status(Context &ctx)
{
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    desk::DeskStore &desk = **store;
    const desk::DeskConfig &c = desk.config();
    auto devices = desk.registry().devices();
    if (!devices)
        return ctx.fail(QStringLiteral("devices"), devices.error());
    auto scopes = desk.scopes();
    if (!scopes)
        return ctx.fail(QStringLiteral("scopes"), scopes.error());
    auto records = desk.records().recordCount();
    if (!records)
        return ctx.fail(QStringLiteral("records"), records.error());
    auto outbox = desk.records().outboxCount();
    if (!outbox)
        return ctx.fail(QStringLiteral("records"), outbox.error());
    QMap<QString, int> byState;
    for (const hq::DeviceRecord &d : *devices)
        ++byState[QString::fromLatin1(peerStateName(d.state))];
    const qint64 now = ctx.clock().wallMs();
    QString certText = QStringLiteral("none (liaison-hq cert issue --root FILE)");
    QJsonObject certJson;
    if (c.certificate) {
        const bool valid = c.certificate->notBeforeMs <= now && now <= c.certificate->notAfterMs;
        certText = QStringLiteral("serial %1, valid %2 .. %3%4")
                       .arg(c.certificate->serial)
                       .arg(isoTime(c.certificate->notBeforeMs), isoTime(c.certificate->notAfterMs),
                            valid ? QString() : QStringLiteral(" (NOT VALID NOW)"));
        certJson = {{QStringLiteral("serial"), qint64(c.certificate->serial)},
                    {QStringLiteral("notBefore"), isoTime(c.certificate->notBeforeMs)},
                    {QStringLiteral("notAfter"), isoTime(c.certificate->notAfterMs)},
                    {QStringLiteral("validNow"), valid}};
    }
    QJsonObject states;
    QStringList stateText;
    for (auto it = byState.cbegin(); it != byState.cend(); ++it) {
        states.insert(it.key(), it.value());
        stateText.append(QStringLiteral("%1 %2").arg(it.value()).arg(it.key()));
    }
    QJsonObject &r = ctx.result();
    r.insert(QStringLiteral("deployment"), QString::fromLatin1(c.deployment.toHex()));
    r.insert(QStringLiteral("rootPublicKey"), QString::fromLatin1(c.rootKey.toHex()));
    r.insert(QStringLiteral("signPublicKey"),
             QString::fromLatin1(desk.identity().sign.publicKey.toHex()));
    r.insert(QStringLiteral("boxPublicKey"),
             QString::fromLatin1(desk.identity().box.publicKey.toHex()));
    r.insert(QStringLiteral("relayUrl"), c.relayUrl);
    r.insert(QStringLiteral("relayPins"), QJsonArray::fromStringList(c.relayPins));
    r.insert(QStringLiteral("certificate"), c.certificate ? QJsonValue(certJson) : QJsonValue());
    r.insert(QStringLiteral("devices"), states);
    r.insert(QStringLiteral("scopes"), int(scopes->size()));
    r.insert(QStringLiteral("records"), *records);
    r.insert(QStringLiteral("unpublishedEdits"), *outbox);
    r.insert(QStringLiteral("keyStore"), desk.keyStoreDescription());
    ctx.line(QStringLiteral("deployment    %1").arg(QString::fromLatin1(c.deployment.toHex())));
    ctx.line(QStringLiteral("root key      %1").arg(QString::fromLatin1(c.rootKey.toHex())));
    ctx.line(
        QStringLiteral("relay         %1 (%2 pin(s))").arg(c.relayUrl).arg(c.relayPins.size()));
    ctx.line(QStringLiteral("certificate   %1").arg(certText));
    ctx.line(QStringLiteral("devices       %1")
                 .arg(stateText.isEmpty() ? QStringLiteral("none")
                                          : stateText.join(QStringLiteral(", "))));
    ctx.line(QStringLiteral("scopes        %1").arg(scopes->size()));
    ctx.line(QStringLiteral("records       %1 (%2 edit(s) not yet published)")
                 .arg(*records)
                 .arg(*outbox));
    ctx.line(QStringLiteral("key store     %1").arg(desk.keyStoreDescription()));
    return ctx.finish();
}

int audit(Context &ctx)
{
    desk::DeskStore::AuditFilter f;
    f.action = ctx.value(kOptAction);
    if (ctx.isSet(kOptSince)) {
        auto since = parseTime(ctx.value(kOptSince));
        if (!since)
            return ctx.usage(QStringLiteral("--since takes an ISO date or time"));
        f.sinceMs = *since;
    }
    if (ctx.isSet(kOptLimit)) {
        bool ok = false;
        f.limit = ctx.value(kOptLimit).toInt(&ok);
        if (!ok || f.limit < 1)
            return ctx.usage(QStringLiteral("--limit takes a positive number"));
    }
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    auto log = (*store)->auditLog(f);
    if (!log)
        return ctx.fail(QStringLiteral("audit"), log.error());
    QJsonArray entries;
    QList<QStringList> rows;
    // Oldest first on the screen, as a log reads.
    for (auto it = log->crbegin(); it != log->crend(); ++it) {
        entries.append(QJsonObject{{QStringLiteral("id"), it->id},
                                   {QStringLiteral("at"), isoTime(it->atMs)},
                                   {QStringLiteral("officer"), it->officer},
                                   {QStringLiteral("action"), it->action},
                                   {QStringLiteral("target"), it->target},
                                   {QStringLiteral("detail"), it->detail}});
        rows.append({isoTime(it->atMs), it->officer, it->action, it->target, it->detail});
    }
    ctx.result().insert(QStringLiteral("entries"), entries);
    ctx.table({QStringLiteral("WHEN"), QStringLiteral("WHO"), QStringLiteral("ACTION"),
               QStringLiteral("TARGET"), QStringLiteral("DETAIL")},
              rows);
    return ctx.finish();
}

int scopeAdd(Context &ctx)
{
    if (ctx.positional().size() != 1)
        return ctx.usage(QStringLiteral("give one scope name, e.g. post:vienna"));
    const QString name = ctx.positional().first();
    if (!model::isValidScope(name))
        return ctx.usage(QStringLiteral("\"%1\" is not a scope name (kind:name, lower-case "
                                        "letters, digits and .-_ after the colon)")
                             .arg(name));
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    desk::DeskStore &desk = **store;
    store::Transaction tx(desk.database());
    if (auto s = tx.begin(); !s)
        return ctx.fail(QStringLiteral("scope add"), s.error());
    if (auto s = desk.addScope(name, ctx.value(kOptTitle)); !s)
        return ctx.fail(QStringLiteral("scope add"), s.error());
    if (auto s = desk.audit(QStringLiteral("scope.add"), name); !s)
        return ctx.fail(QStringLiteral("audit"), s.error());
    if (auto s = tx.commit(); !s)
        return ctx.fail(QStringLiteral("scope add"), s.error());
    ctx.result().insert(QStringLiteral("scope"), name);
    ctx.line(QStringLiteral("scope %1 added").arg(name));
    return ctx.finish();
}

int scopeList(Context &ctx)
{
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    desk::DeskStore &desk = **store;
    auto scopes = desk.scopes();
    if (!scopes)
        return ctx.fail(QStringLiteral("scopes"), scopes.error());
    QJsonArray out;
    QList<QStringList> rows;
    for (const desk::ScopeInfo &s : *scopes) {
        auto records = desk.records().records({s.name});
        if (!records)
            return ctx.fail(QStringLiteral("records"), records.error());
        int live = 0;
        for (const model::RecordState &r : *records)
            live += r.deleted ? 0 : 1;
        auto members = desk.registry().membersOf(s.name, std::nullopt);
        if (!members)
            return ctx.fail(QStringLiteral("members"), members.error());
        out.append(QJsonObject{{QStringLiteral("name"), s.name},
                               {QStringLiteral("title"), s.title},
                               {QStringLiteral("created"), isoTime(s.createdMs)},
                               {QStringLiteral("records"), live},
                               {QStringLiteral("devices"), int(members->size())}});
        rows.append({s.name, QString::number(live), QString::number(members->size()), s.title});
    }
    ctx.result().insert(QStringLiteral("scopes"), out);
    ctx.table({QStringLiteral("SCOPE"), QStringLiteral("RECORDS"), QStringLiteral("DEVICES"),
               QStringLiteral("TITLE")},
              rows);
    return ctx.finish();
}

int scopeMembers(Context &ctx)
{
    if (ctx.positional().size() != 1)
        return ctx.usage(QStringLiteral("give one scope name"));
    const QString name = ctx.positional().first();
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    desk::DeskStore &desk = **store;
    auto has = desk.hasScope(name);
    if (!has)
        return ctx.fail(QStringLiteral("scope"), has.error());
    if (!*has)
        return ctx.fail(QStringLiteral("scope"),
                        Error(Errc::NotFound, QStringLiteral("no scope %1").arg(name)));
    auto members = desk.registry().membersOf(name, std::nullopt);
    if (!members)
        return ctx.fail(QStringLiteral("members"), members.error());
    QJsonArray out;
    QList<QStringList> rows;
    for (const crypto::Id16 &id : *members) {
        auto d = desk.registry().device(id);
        if (!d)
            return ctx.fail(QStringLiteral("devices"), d.error());
        const QString state = *d ? QString::fromLatin1(peerStateName((*d)->state)) : QString();
        const QString label = *d ? (*d)->label : QString();
        out.append(QJsonObject{{QStringLiteral("device"), QString::fromLatin1(id.toHex())},
                               {QStringLiteral("state"), state},
                               {QStringLiteral("label"), label}});
        rows.append({QString::fromLatin1(id.toHex()), state, label});
    }
    ctx.result().insert(QStringLiteral("scope"), name);
    ctx.result().insert(QStringLiteral("members"), out);
    ctx.table({QStringLiteral("DEVICE"), QStringLiteral("STATE"), QStringLiteral("LABEL")}, rows);
    return ctx.finish();
}

} // namespace

void addStoreCommands(QList<Command> &out)
{
    out.append({{QStringLiteral("init")},
                QStringLiteral("Create the desk store for the root key's deployment and a relay"),
                QString(),
                [](QCommandLineParser &p) {
                    p.addOption({kOptRoot,
                                 QStringLiteral("The root key file (only its public header is "
                                                "read: deployment id and root public key)."),
                                 QStringLiteral("file")});
                    p.addOption({kOptRelayUrl,
                                 QStringLiteral("The relay (https://...; http only on loopback)."),
                                 QStringLiteral("url")});
                    p.addOption({kOptRelayPin,
                                 QStringLiteral("SPKI SHA-256 pin of the relay's TLS key (base64 "
                                                "or hex); repeatable; required for https."),
                                 QStringLiteral("pin")});
                },
                init});
    out.append({{QStringLiteral("status")},
                QStringLiteral("Deployment, relay, certificate, devices, scopes, records"),
                QString(),
                nullptr,
                status});
    out.append({{QStringLiteral("audit")},
                QStringLiteral("Every desk action: who, when, what"),
                QString(),
                [](QCommandLineParser &p) {
                    p.addOption({kOptAction,
                                 QStringLiteral("Only this action or group (contact, "
                                                "contact.import, ...)."),
                                 QStringLiteral("action")});
                    p.addOption({kOptSince, QStringLiteral("Only from this ISO date or time."),
                                 QStringLiteral("time")});
                    p.addOption({kOptLimit, QStringLiteral("At most N entries (newest)."),
                                 QStringLiteral("n")});
                },
                audit});
}

void addScopeCommands(QList<Command> &out)
{
    out.append({{QStringLiteral("scope"), QStringLiteral("add")},
                QStringLiteral("Declare a scope (need-to-know unit), e.g. post:vienna"),
                QStringLiteral("NAME"),
                [](QCommandLineParser &p) {
                    p.addOption(
                        {kOptTitle, QStringLiteral("A title for people."), QStringLiteral("text")});
                },
                scopeAdd});
    out.append({{QStringLiteral("scope"), QStringLiteral("list")},
                QStringLiteral("The scopes with their record and device counts"),
                QString(),
                nullptr,
                scopeList});
    out.append({{QStringLiteral("scope"), QStringLiteral("members")},
                QStringLiteral("The devices that hold a scope"),
                QStringLiteral("NAME"),
                nullptr,
                scopeMembers});
}

} // namespace liaison::hqcli
