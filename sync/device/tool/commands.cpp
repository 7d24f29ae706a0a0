// liaison-device sync, records and status (see devicetool.h), and the command list.

#include "devicetool.h"

#include "desktop/softwarekeystore.h"
#include "device/devicesettings.h"
#include "device/devicestreams.h"
#include "device/devicesync.h"
#include "device/wipefile.h"
#include "model/operation.h"
#include "model/records.h"

#include <QCoreApplication>
#include <QDir>
#include <QJsonArray>
#include <QNetworkAccessManager>
#include <QTimer>

#include <cstdio>

namespace liaison::devicetool {

namespace {

// ---- sync ------------------------------------------------------------------------------------

void syncOptions(QCommandLineParser &p)
{
    addDirOption(p);
    addPassphraseOption(p);
    p.addOption({QStringLiteral("timeout"),
                 QStringLiteral("Give up on the round after SECONDS (default 60)."),
                 QStringLiteral("seconds")});
    addJsonOption(p);
}

QString streamSummary(const std::optional<streams::StreamState> &state)
{
    if (!state)
        return QStringLiteral("waiting for HQ confirmation (no word from HQ yet)");
    return QStringLiteral("down epoch %1 seq %2").arg(state->stream.epoch).arg(state->applied.seq);
}

int runSync(QCommandLineParser &p)
{
    const QString name = QStringLiteral("sync");
    const bool json = p.isSet(QStringLiteral("json"));
    auto layout = layoutFrom(p);
    if (!layout)
        return usageError(name, layout.error().message);
    int timeoutS = 60;
    if (p.isSet(QStringLiteral("timeout"))) {
        bool ok = false;
        timeoutS = p.value(QStringLiteral("timeout")).toInt(&ok);
        if (!ok || timeoutS < 1 || timeoutS > 3600)
            return usageError(name, QStringLiteral("--timeout wants whole seconds, 1 to 3600"));
    }
    auto passphrase = readPassphrase(p);
    if (!passphrase)
        return usageError(name, passphrase.error().message);
    auto d = openDevice(*layout, *passphrase);
    if (!d)
        return failure(name, d.error().message);
    device::DeviceSession &session = *(*d)->session;
    if (!session.profile())
        return failure(name, QStringLiteral("this device is not enrolled"));
    auto streams = device::DeviceStreams::open(session, *(*d)->vault->identity(), *(*d)->clock);
    if (!streams)
        return failure(name, streams.error().message);
    auto endpoint = device::relayEndpointFor(*session.profile());
    if (!endpoint)
        return failure(name, endpoint.error().message);
    client::SyncClientOptions o;
    o.longPoll = false;
    QNetworkAccessManager nam;
    device::DeviceSync sync(session, **streams, *endpoint, nullptr, o);
    bool ok = false;
    QString error;
    QObject::connect(&sync, &device::DeviceSync::roundFinished,
                     [&](bool roundOk, const QString &why) {
                         ok = roundOk;
                         error = why;
                         sync.stop();
                         QCoreApplication::exit(0);
                     });
    QTimer::singleShot(timeoutS * 1000, [&] {
        error = QStringLiteral("no answer within %1 s").arg(timeoutS);
        sync.stop();
        QCoreApplication::exit(0);
    });
    if (!json)
        std::fprintf(stderr, "sync: one round with %s\n",
                     qPrintable(endpoint->baseUrl.toString(QUrl::RemoveUserInfo)));
    sync.start();
    QCoreApplication::exec();
    const client::RoundStats stats = sync.client().engine().stats();
    // The locked wipe check's facts (HQ time, certificate serial) and a wipe id HQ just sent.
    if (auto w = device::refreshWipeFile(
            layout->vaultDir(), *session.profile(), (*d)->vault->identity()->sign.publicKey,
            session.records().clock().referenceMs(), (*streams)->hqKeys().serial(), *(*d)->clock);
        !w)
        std::fprintf(stderr, "sync: the wipe file was not written: %s\n",
                     qPrintable(w.error().message));
    auto state = (*streams)->hqStream();
    const auto count = session.records().recordCount();
    const QStringList scopes = session.records().scopes();
    if (json) {
        printJson({{QStringLiteral("ok"), ok},
                   {QStringLiteral("error"), error},
                   {QStringLiteral("pushed"), stats.pushed},
                   {QStringLiteral("pulled"), stats.pulled},
                   {QStringLiteral("applied"), stats.applied},
                   {QStringLiteral("records"), count ? qint64(*count) : -1},
                   {QStringLiteral("scopes"), QJsonArray::fromStringList(scopes)},
                   {QStringLiteral("confirmed"), state && state->has_value()}});
    } else if (ok) {
        printLine(QStringLiteral("synced: pushed %1, pulled %2, applied %3; %4 records in scopes "
                                 "%5; %6")
                      .arg(stats.pushed)
                      .arg(stats.pulled)
                      .arg(stats.applied)
                      .arg(count ? *count : -1)
                      .arg(scopes.isEmpty() ? QStringLiteral("(none)")
                                            : scopes.join(QStringLiteral(", ")))
                      .arg(state ? streamSummary(*state) : QStringLiteral("stream unreadable")));
    }
    if (!ok)
        return json ? kExitFailure
                    : failure(name, QStringLiteral("the round failed: %1").arg(error));
    return kExitOk;
}

// ---- records ---------------------------------------------------------------------------------

void recordsOptions(QCommandLineParser &p)
{
    addDirOption(p);
    addPassphraseOption(p);
    p.addOption({QStringLiteral("scope"), QStringLiteral("Only records of SCOPE (repeatable)."),
                 QStringLiteral("scope")});
    addJsonOption(p);
}

QString titleOf(const model::RecordState &r)
{
    for (const char *field : {"title", "name", "summary"}) {
        const auto it = r.fields.constFind(QString::fromLatin1(field));
        if (it != r.fields.constEnd() && it->value.isString())
            return it->value.toString();
    }
    return {};
}

int runRecords(QCommandLineParser &p)
{
    const QString name = QStringLiteral("records");
    const bool json = p.isSet(QStringLiteral("json"));
    auto layout = layoutFrom(p);
    if (!layout)
        return usageError(name, layout.error().message);
    auto passphrase = readPassphrase(p);
    if (!passphrase)
        return usageError(name, passphrase.error().message);
    auto d = openDevice(*layout, *passphrase);
    if (!d)
        return failure(name, d.error().message);
    model::RecordStore &store = (*d)->session->records();
    // Every scope that has a record, held or not: "exactly its scopes' records" is checked
    // against what the vault holds, not against what it should hold.
    auto scopes = store.scopesWithRecords();
    if (!scopes)
        return failure(name, scopes.error().message);
    QStringList wanted = *scopes;
    if (p.isSet(QStringLiteral("scope")))
        wanted = p.values(QStringLiteral("scope"));
    auto records = store.records(wanted);
    if (!records)
        return failure(name, records.error().message);
    QJsonArray rows;
    QStringList lines;
    for (const model::RecordState &r : *records) {
        if (r.deleted)
            continue;
        const QString type = QString::fromLatin1(model::recordTypeName(r.type));
        const QString id = model::recordIdToString(r.id);
        rows.append(QJsonObject{{QStringLiteral("type"), type},
                                {QStringLiteral("scope"), r.scope},
                                {QStringLiteral("id"), id},
                                {QStringLiteral("title"), titleOf(r)}});
        lines << QStringLiteral("%1\t%2\t%3\t%4").arg(type, r.scope, id, titleOf(r));
    }
    if (json) {
        printJson({{QStringLiteral("count"), rows.size()},
                   {QStringLiteral("held_scopes"), QJsonArray::fromStringList(store.scopes())},
                   {QStringLiteral("records"), rows}});
        return kExitOk;
    }
    printLine(QStringLiteral("TYPE\tSCOPE\tID\tTITLE"));
    for (const QString &l : lines)
        printLine(l);
    printLine(QStringLiteral("%1 records; held scopes: %2")
                  .arg(rows.size())
                  .arg(store.scopes().isEmpty() ? QStringLiteral("(none)")
                                                : store.scopes().join(QStringLiteral(", "))));
    return kExitOk;
}

// ---- status ----------------------------------------------------------------------------------

void statusOptions(QCommandLineParser &p)
{
    addDirOption(p);
    p.addOption({QStringLiteral("passphrase-file"),
                 QStringLiteral("Also unlock the vault (first line of FILE, - for stdin) to show "
                                "the profile, HQ's stream and the records."),
                 QStringLiteral("file")});
    addJsonOption(p);
}

int runStatus(QCommandLineParser &p)
{
    const QString name = QStringLiteral("status");
    const bool json = p.isSet(QStringLiteral("json"));
    auto layout = layoutFrom(p);
    if (!layout)
        return usageError(name, layout.error().message);
    QJsonObject out;
    QStringList lines;
    const bool exists = vault::Vault::exists(layout->vaultDir());
    out.insert(QStringLiteral("vault"), exists);
    lines << QStringLiteral("vault: %1")
                 .arg(exists ? QDir::toNativeSeparators(layout->vaultDir())
                             : QStringLiteral("none (not enrolled)"));
    // The plain wipe file: what the locked app knows (written once HQ confirmed).
    auto wipe = device::readWipeFile(layout->vaultDir());
    if (wipe && *wipe) {
        out.insert(QStringLiteral("device"), QString::fromLatin1((*wipe)->target.device.toHex()));
        out.insert(QStringLiteral("relay"), (*wipe)->relayUrl);
        lines
            << QStringLiteral("device: %1").arg(QString::fromLatin1((*wipe)->target.device.toHex()))
            << QStringLiteral("relay: %1").arg((*wipe)->relayUrl)
            << QStringLiteral("wipe file: present (remote wipe armed while locked)");
    } else if (exists) {
        lines << QStringLiteral("wipe file: none yet (HQ has not confirmed, or sent no wipe id)");
    }
    out.insert(QStringLiteral("wipe_file"), bool(wipe && *wipe));
    if (exists && p.isSet(QStringLiteral("passphrase-file"))) {
        auto passphrase = readPassphrase(p);
        if (!passphrase)
            return usageError(name, passphrase.error().message);
        auto d = openDevice(*layout, *passphrase);
        if (!d)
            return failure(name, d.error().message);
        device::DeviceSession &session = *(*d)->session;
        out.insert(QStringLiteral("enrolled"), session.profile().has_value());
        if (!session.profile()) {
            lines << QStringLiteral("enrolled: no");
        } else {
            const device::DeviceProfile &pr = *session.profile();
            out.insert(QStringLiteral("device"), QString::fromLatin1(pr.deviceId.toHex()));
            out.insert(QStringLiteral("relay"), pr.relayUrl);
            out.insert(QStringLiteral("label"), pr.label);
            out.insert(QStringLiteral("enrolled_at"), isoTime(pr.enrolledMs));
            lines << QStringLiteral("enrolled: %1 (%2)").arg(isoTime(pr.enrolledMs), pr.label)
                  << QStringLiteral("device: %1").arg(QString::fromLatin1(pr.deviceId.toHex()))
                  << QStringLiteral("relay: %1").arg(pr.relayUrl);
            auto streams =
                device::DeviceStreams::open(session, *(*d)->vault->identity(), *(*d)->clock);
            if (!streams)
                return failure(name, streams.error().message);
            auto state = (*streams)->hqStream();
            if (!state)
                return failure(name, state.error().message);
            const bool confirmed = state->has_value();
            out.insert(QStringLiteral("confirmed"), confirmed);
            lines << QStringLiteral("HQ: %1").arg(streamSummary(*state));
            if (confirmed && (*state)->lastHeartbeatLocalMs > 0) {
                out.insert(QStringLiteral("last_sync"), isoTime((*state)->lastHeartbeatLocalMs));
                lines << QStringLiteral("last word from HQ: %1")
                             .arg(isoTime((*state)->lastHeartbeatLocalMs));
            }
            // "No word from HQ" as the app's sync status says it (DESIGN.md "Streams"): HQ's own
            // time in its newest verified HEARTBEAT, over 48 h before now.
            const std::int64_t heartbeatMs = confirmed ? (*state)->lastHeartbeatHqMs : 0;
            const bool noWord =
                client::SyncStatus::noWordFromHqAt(heartbeatMs, (*d)->clock->wallMs());
            out.insert(QStringLiteral("last_heartbeat"),
                       heartbeatMs > 0 ? QJsonValue(isoTime(heartbeatMs)) : QJsonValue());
            out.insert(QStringLiteral("no_word_from_hq"), noWord);
            if (heartbeatMs > 0)
                lines << QStringLiteral("newest HEARTBEAT: %1 (HQ time)%2")
                             .arg(isoTime(heartbeatMs),
                                  noWord ? QStringLiteral(": no word from HQ for over 48 h")
                                         : QString());
            // HQ's policy as this device keeps it, and the count its key file holds.
            auto policy = device::loadHqPolicy(session.database());
            if (!policy)
                return failure(name, policy.error().message);
            if (*policy) {
                const protocol::PolicyPayload &pol = **policy;
                out.insert(
                    QStringLiteral("policy"),
                    QJsonObject{{QStringLiteral("version"), qint64(pol.version)},
                                {QStringLiteral("auto_lock_max_s"), qint64(pol.autoLockSeconds)},
                                {QStringLiteral("erase_after"), qint64(pol.eraseAfter)}});
                lines << QStringLiteral("HQ policy: version %1, auto-lock ceiling %2, erase after "
                                        "%3")
                             .arg(pol.version)
                             .arg(pol.autoLockSeconds == 0
                                      ? QStringLiteral("none")
                                      : QStringLiteral("%1 s").arg(pol.autoLockSeconds))
                             .arg(pol.eraseAfter == 0 ? QStringLiteral("never")
                                                      : QString::number(pol.eraseAfter));
            } else {
                out.insert(QStringLiteral("policy"), QJsonValue::Null);
                lines << QStringLiteral("HQ policy: none received");
            }
            const std::uint16_t eraseAfter = (*d)->vault->eraseAfter();
            out.insert(QStringLiteral("erase_after"), int(eraseAfter));
            lines << QStringLiteral("vault erased after: %1")
                         .arg(eraseAfter == 0
                                  ? QStringLiteral("never")
                                  : QStringLiteral("%1 failed unlocks").arg(eraseAfter));
            const auto count = session.records().recordCount();
            out.insert(QStringLiteral("records"), count ? qint64(*count) : -1);
            out.insert(QStringLiteral("scopes"),
                       QJsonArray::fromStringList(session.records().scopes()));
            lines << QStringLiteral("records: %1 in scopes %2")
                         .arg(count ? *count : -1)
                         .arg(session.records().scopes().join(QStringLiteral(", ")));
        }
    }
    if (json)
        printJson(out);
    else
        for (const QString &l : lines)
            printLine(l);
    return kExitOk;
}

} // namespace

Command syncCommand()
{
    return {QStringLiteral("sync"),
            QStringLiteral("One round with the relay: push, pull, apply, acknowledge."),
            syncOptions, runSync};
}

Command recordsCommand()
{
    return {QStringLiteral("records"),
            QStringLiteral("What the vault holds: type, scope, id, title of every record."),
            recordsOptions, runRecords};
}

Command statusCommand()
{
    return {QStringLiteral("status"),
            QStringLiteral("Enrolled? Device id, relay, HQ's stream, last word from HQ."),
            statusOptions, runStatus};
}

QList<Command> commands()
{
    return {enrolCommand(), syncCommand(), recordsCommand(), statusCommand()};
}

} // namespace liaison::devicetool
