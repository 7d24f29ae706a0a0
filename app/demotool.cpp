// liaison-demo: HQ's side of scripts/demo. HQ's store, its keys and its records live in an
// encrypted vault (app/demohq.h); everything travels to the device through a real liaison-relay.
//
//   liaison-demo init --hq DIR --root-key-out FILE                          < passphrase
//       HQ's encrypted store with fresh root, content-signing, box and relay-admin keys and a
//       deployment id; writes the root PUBLIC key (hex) to FILE for `liaison-relay --root-key
//       @FILE`. The secret halves stay in HQ's encrypted store.
//   liaison-demo seed --hq DIR --device DIR --relay-url URL [--relay-pin PIN]...  < passphrase
//       HQ issues its root-signed certificate and installs it at the relay, seeds the
//       directorate's demo records, creates the device vault (same passphrase) and enrols the
//       device (HQ's registry, the relay's device list, the device profile with the relay
//       address), queues RESYNC + DELTA + HEARTBEAT for it and pushes them to the relay. The app
//       pulls them when it is unlocked.
//   liaison-demo pull --hq DIR --relay-url URL [--relay-pin PIN]...             < passphrase
//       One HQ round: pulls what devices sent (their epoch opening, RECEIPTs, edits such as an
//       instruction acknowledgement) and prints counts.
//   liaison-demo wipe --hq DIR --device-id HEX --relay-url URL [--relay-pin PIN]... < passphrase
//       Remote wipe: HQ signs a wipe token for the device (HEX: its id, or a unique prefix as
//       `seed` prints it) and publishes it at the relay. The app erases the vault at its next
//       start or resume, before the passphrase, and posts an acknowledgement.
//   liaison-demo wipe-status --hq DIR --device-id HEX --relay-url URL ...     < passphrase
//       Reads the device's wipe acknowledgement back from the relay (exit 0 when there is one,
//       1 while there is none).
//
// Plain http is accepted only for a loopback relay (liaison-relay --dev-plain-http); https needs
// the relay's TLS public-key pin (--relay-pin, as liaison-relay prints it at start).
// Everything printed is ids and counts; nothing secret.

#include "demohq.h"
#include "device/devicesync.h"
#include "device/wipefile.h"
#include "directoratedemo.h"
#include "secrettext.h"

#include "crypto/crypto.h"
#include "desktop/softwarekeystore.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>

#include <algorithm>
#include <cstdio>
#include <expected>
#include <map>

using namespace liaison;

namespace {

int die(const QString &what, const Error &e)
{
    std::fprintf(stderr, "liaison-demo: %s: %s (%s)\n", qPrintable(what), qPrintable(e.message),
                 errcName(e.code));
    return 1;
}

struct Clocks
{
    liaison::SystemClock vaultClock;
    liaison::SystemClock clock;
};

// The relay endpoint of HQ: the same rules as a device's (relayEndpointFor).
Result<client::RelayEndpoint> endpointFor(const QString &url, const QStringList &pins,
                                          const crypto::Id16 &deployment)
{
    device::DeviceProfile p;
    p.relayUrl = url;
    p.relayPins = pins;
    p.deploymentId = deployment;
    return device::relayEndpointFor(p);
}

// HQ's store, unlocked with the passphrase from stdin, with what it borrows.
struct OpenedHq
{
    explicit OpenedHq(const QString &hqDir)
        : keys(hqDir + QStringLiteral("/keystore"))
    {}
    crypto::SecretBytes passphrase;
    Clocks clocks;
    platform::SoftwareKeyStore keys;
    std::unique_ptr<app::DemoHq> hq;
};

// The passphrase from stdin, or an exit code (the message printed).
std::expected<crypto::SecretBytes, int> passphraseFromStdin()
{
    crypto::SecretBytes passphrase = app::readPassphraseLine();
    if (passphrase.empty()) {
        std::fprintf(stderr, "liaison-demo: give the demo passphrase on stdin\n");
        return std::unexpected(2);
    }
    return passphrase;
}

// Opens HQ's store made by `init`, or returns an exit code (the message printed).
std::expected<std::unique_ptr<OpenedHq>, int> openHq(const QString &hqDir)
{
    auto passphrase = passphraseFromStdin();
    if (!passphrase)
        return std::unexpected(passphrase.error());
    auto opened = std::make_unique<OpenedHq>(hqDir);
    opened->passphrase = std::move(*passphrase);
    if (!vault::Vault::exists(hqDir + QStringLiteral("/vault")))
        return std::unexpected(die(
            QStringLiteral("HQ store"),
            Error(Errc::NotFound,
                  QStringLiteral("no HQ store in %1 (run `liaison-demo init` first)").arg(hqDir))));
    auto hq = app::DemoHq::open(hqDir, opened->passphrase, opened->keys, opened->clocks.vaultClock,
                                opened->clocks.clock);
    if (!hq)
        return std::unexpected(die(QStringLiteral("HQ store"), hq.error()));
    opened->hq = std::move(*hq);
    return opened;
}

int init(const QString &hqDir, const QString &rootKeyOut)
{
    auto read = passphraseFromStdin();
    if (!read)
        return read.error();
    const crypto::SecretBytes &passphrase = *read;
    Clocks clocks;
    platform::SoftwareKeyStore keys(hqDir + QStringLiteral("/keystore"));
    std::printf("demo: creating the HQ store (Argon2id calibrated to about 1 s)\n");
    std::fflush(stdout);
    auto hq = app::DemoHq::create(hqDir, passphrase, keys, clocks.vaultClock, clocks.clock);
    if (!hq)
        return die(QStringLiteral("HQ store"), hq.error());
    QFile out(rootKeyOut);
    if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
        out.write((*hq)->rootPublicKey().toHex() + '\n') < 0 || !out.flush()) {
        std::fprintf(stderr, "liaison-demo: cannot write %s\n", qPrintable(rootKeyOut));
        return 1;
    }
    std::printf("demo: HQ store created (deployment %s); root public key written to %s; the root "
                "and relay-admin secret keys are kept in HQ's encrypted store\n",
                (*hq)->deploymentId().toHex().left(8).constData(), qPrintable(rootKeyOut));
    return 0;
}

int seed(const QString &hqDir, const QString &deviceDir, const QString &relayUrl,
         const QStringList &pins)
{
    std::printf("demo: unlocking the HQ store\n");
    std::fflush(stdout);
    auto opened = openHq(hqDir);
    if (!opened)
        return opened.error();
    app::DemoHq &hq = *(*opened)->hq;
    const crypto::SecretBytes &passphrase = (*opened)->passphrase;
    Clocks &clocks = (*opened)->clocks;
    auto endpoint = endpointFor(relayUrl, pins, hq.deploymentId());
    if (!endpoint)
        return die(QStringLiteral("relay address"), endpoint.error());
    if (auto s = hq.connectRelay(*endpoint); !s)
        return die(QStringLiteral("relay"), s.error());

    // ---- HQ's certificate at the relay ----
    auto cert = hq.issueCertificate();
    if (!cert)
        return die(QStringLiteral("HQ certificate"), cert.error());
    if (auto s = hq.installCertificate(*cert); !s)
        return die(QStringLiteral("relay"), s.error());
    std::printf("demo: HQ certificate issued (root-signed) and installed at the relay %s\n",
                qPrintable(relayUrl));

    // ---- HQ's records ----
    auto counts = app::demo::seedDirectorate(hq.records(), clocks.clock.wallMs());
    if (!counts)
        return die(QStringLiteral("seeding"), counts.error());
    // Nobody is a member yet: draining HQ's change log now sends nothing.
    if (auto r = hq.publishEdits(); !r)
        return die(QStringLiteral("HQ change log"), r.error());
    std::printf("demo: HQ store seeded: %d contacts, %d case summaries, %d instructions, "
                "%d schedule items in scopes %s\n",
                counts->contacts, counts->cases, counts->instructions, counts->scheduleItems,
                qPrintable(app::demo::demoScopes().join(QStringLiteral(", "))));

    // ---- the device: vault, registration at HQ and at the relay, profile ----
    platform::SoftwareKeyStore deviceKeys(deviceDir + QStringLiteral("/keystore"));
    std::printf("demo: creating the device vault (Argon2id calibrated to about 1 s)\n");
    std::fflush(stdout);
    auto profile = app::createEnrolledDevice(
        hq, deviceDir + QStringLiteral("/vault"), passphrase, deviceKeys, clocks.vaultClock,
        QStringLiteral("Liaison officer, Vienna (demo device)"), app::demo::demoScopes(), relayUrl,
        pins);
    if (!profile)
        return die(QStringLiteral("device"), profile.error());
    const crypto::Id16 deviceId = profile->deviceId;
    auto record = hq.registry().device(deviceId);
    if (!record || !*record)
        return die(QStringLiteral("device registry"),
                   record ? Error{Errc::NotFound, QStringLiteral("device not registered")}
                          : record.error());
    if (auto s = hq.putDevice(deviceId, (*record)->signKey, 1); !s)
        return die(QStringLiteral("relay"), s.error());
    std::printf("demo: device %s enrolled (shortened enrolment: HQ registry, relay device list "
                "version 1, device profile with the relay address)\n",
                deviceId.toHex().left(8).constData());

    // ---- HQ's stream to the device: RESYNC (epoch 1, the scopes' snapshot and a HEARTBEAT),
    // then an HQ edit as a DELTA, then a HEARTBEAT; pushed to the relay ----
    if (auto r = hq.receiver().sendResync(deviceId); !r)
        return die(QStringLiteral("RESYNC"), r.error());
    if (auto s = app::demo::editAfterDelivery(hq.records(), clocks.clock.wallMs()); !s)
        return die(QStringLiteral("HQ edit"), s.error());
    auto deltas = hq.publishEdits();
    if (!deltas)
        return die(QStringLiteral("DELTA"), deltas.error());
    if (auto r = hq.receiver().sendHeartbeat(deviceId); !r)
        return die(QStringLiteral("HEARTBEAT"), r.error());
    auto queued = hq.outbox().pending(deviceId, 1000);
    if (!queued)
        return die(QStringLiteral("HQ outbox"), queued.error());
    const int envelopes = int(queued->size());
    auto round = hq.syncOnce();
    if (!round)
        return die(QStringLiteral("push to the relay"), round.error());
    auto left = hq.outbox().pending(deviceId, 1000);
    const int notSent = left ? int(left->size()) : -1;
    std::printf("demo: HQ -> relay: %d envelopes queued for the device (RESYNC with snapshot and "
                "HEARTBEAT, %d DELTA message(s), HEARTBEAT), %d acknowledged by the relay, %d "
                "refused, %d not sent\n",
                envelopes, *deltas, round->delivered, round->refused, notSent);
    if (round->refused > 0 || notSent != 0)
        return 1;
    std::printf("demo: the device pulls them from the relay when its vault is unlocked\n");
    return 0;
}

int pull(const QString &hqDir, const QString &relayUrl, const QStringList &pins)
{
    auto opened = openHq(hqDir);
    if (!opened)
        return opened.error();
    app::DemoHq &hq = *(*opened)->hq;
    auto endpoint = endpointFor(relayUrl, pins, hq.deploymentId());
    if (!endpoint)
        return die(QStringLiteral("relay address"), endpoint.error());
    if (auto s = hq.connectRelay(*endpoint); !s)
        return die(QStringLiteral("relay"), s.error());
    auto devices = hq.registry().devices();
    if (!devices)
        return die(QStringLiteral("device registry"), devices.error());
    std::map<QByteArray, std::uint64_t> before;
    for (const hq::DeviceRecord &d : *devices) {
        auto st = hq.receiver().state(d.id);
        before[d.id.toHex()] = (st && *st) ? (*st)->applied.seq : 0;
    }
    auto round = hq.syncOnce();
    if (!round)
        return die(QStringLiteral("pull from the relay"), round.error());
    for (const hq::DeviceRecord &d : *devices) {
        auto st = hq.receiver().state(d.id);
        if (!st)
            return die(QStringLiteral("HQ receiver"), st.error());
        const std::uint64_t head = *st ? (*st)->applied.seq : 0;
        std::printf("demo: device %s -> HQ: up stream epoch %u applied up to seq %llu (%llu new "
                    "this round)\n",
                    d.id.toHex().left(8).constData(), *st ? unsigned((*st)->stream.epoch) : 0u,
                    static_cast<unsigned long long>(head),
                    static_cast<unsigned long long>(head - std::min(head, before[d.id.toHex()])));
    }
    auto alarms = hq.receiver().alarms();
    if (alarms)
        for (const streams::Alarm &a : *alarms)
            std::printf("demo: HQ alarm: %s\n", qPrintable(a.describe()));
    std::printf("demo: HQ round: %d envelopes pushed, %d refused\n", round->delivered,
                round->refused);
    return 0;
}

// The device named by a full id or a unique hex prefix.
Result<crypto::Id16> findDevice(app::DemoHq &hq, const QString &text)
{
    const QByteArray hex = text.trimmed().toLower().toLatin1();
    const bool isHex = !hex.isEmpty() && std::all_of(hex.begin(), hex.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    });
    if (!isHex || hex.size() > 32)
        return fail(Errc::InvalidArgument,
                    QStringLiteral("--device-id takes the device id in hex (or a prefix of it)"));
    auto devices = hq.registry().devices();
    if (!devices)
        return std::unexpected(devices.error());
    std::optional<crypto::Id16> found;
    for (const hq::DeviceRecord &d : *devices) {
        if (!d.id.toHex().startsWith(hex))
            continue;
        if (found)
            return fail(Errc::InvalidArgument,
                        QStringLiteral("device id prefix %1 names more than one device")
                            .arg(QString::fromLatin1(hex)));
        found = d.id;
    }
    if (!found)
        return fail(Errc::NotFound,
                    QStringLiteral("no device %1 in HQ's registry").arg(QString::fromLatin1(hex)));
    return *found;
}

int wipe(const QString &hqDir, const QString &deviceText, const QString &relayUrl,
         const QStringList &pins, bool statusOnly)
{
    auto opened = openHq(hqDir);
    if (!opened)
        return opened.error();
    app::DemoHq &hq = *(*opened)->hq;
    auto device = findDevice(hq, deviceText);
    if (!device)
        return die(QStringLiteral("device"), device.error());
    auto endpoint = endpointFor(relayUrl, pins, hq.deploymentId());
    if (!endpoint)
        return die(QStringLiteral("relay address"), endpoint.error());
    if (auto s = hq.connectRelay(*endpoint); !s)
        return die(QStringLiteral("relay"), s.error());
    const QByteArray shortId = device->toHex().left(8);
    if (!statusOnly) {
        // Both paths (DESIGN.md "Commands, remote wipe"): a WIPE on `down` for a running app,
        // and the token for a locked one, under one command id so one signed acknowledgement
        // answers both.
        auto online = hq.sendWipe(*device);
        if (!online)
            std::printf("demo: no WIPE on down (%s); the token alone\n",
                        qPrintable(online.error().message));
        auto command = hq.publishWipe(*device, 15000,
                                      online ? std::optional<crypto::Id16>(*online) : std::nullopt);
        if (!command)
            return die(QStringLiteral("wipe"), command.error());
        if (online) {
            if (auto round = hq.syncOnce(); !round)
                std::printf("demo: the WIPE waits in HQ's outbox (%s)\n",
                            qPrintable(round.error().message));
        }
        std::printf("demo: wipe token for device %s published at the relay (command %s); the app "
                    "erases its vault at its next start or resume, before the passphrase\n",
                    shortId.constData(), command->toHex().left(8).constData());
        return 0;
    }
    auto ack = hq.wipeAcknowledgement(*device);
    if (!ack)
        return die(QStringLiteral("wipe status"), ack.error());
    if (!*ack) {
        std::printf("demo: device %s has not acknowledged a wipe\n", shortId.constData());
        return 1;
    }
    // wipeAcknowledgement verified the signature, the device and the command.
    auto parsed = protocol::WipeAcknowledgement::decode(**ack);
    if (!parsed)
        return die(QStringLiteral("wipe status"), parsed.error());
    std::printf(
        "demo: device %s acknowledged the wipe (command %s) at %s\n", shortId.constData(),
        parsed->commandId.toHex().left(8).constData(),
        qPrintable(QDateTime::fromMSecsSinceEpoch(parsed->atMs, Qt::UTC).toString(Qt::ISODate)));
    return 0;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication application(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("liaison-demo"));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "HQ's side of scripts/demo; the passphrase is read from the first line of stdin.\n"
        "  init  --hq DIR --root-key-out FILE     HQ's encrypted store and keys; FILE gets the\n"
        "                                         root public key for liaison-relay --root-key\n"
        "  seed  --hq DIR --device DIR --relay-url URL\n"
        "                                         HQ certificate at the relay, demo records, a\n"
        "                                         device vault enrolled; HQ's envelopes pushed\n"
        "                                         to the relay\n"
        "  pull  --hq DIR --relay-url URL         one HQ round: what devices sent, as counts\n"
        "  wipe  --hq DIR --device-id HEX --relay-url URL\n"
        "                                         remote wipe: HQ publishes a signed wipe token\n"
        "                                         for the device (id or unique prefix)\n"
        "  wipe-status --hq DIR --device-id HEX --relay-url URL\n"
        "                                         the device's wipe acknowledgement, if any\n"
        "Plain http only to a loopback relay (liaison-relay --dev-plain-http); https needs\n"
        "--relay-pin."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("command"),
                                 QStringLiteral("init, seed, pull, wipe or wipe-status."));
    const QCommandLineOption hqOpt(QStringLiteral("hq"), QStringLiteral("HQ store directory."),
                                   QStringLiteral("dir"));
    const QCommandLineOption devOpt(QStringLiteral("device"),
                                    QStringLiteral("Device directory (vault/ and keystore/)."),
                                    QStringLiteral("dir"));
    const QCommandLineOption relayOpt(
        QStringLiteral("relay-url"),
        QStringLiteral("The relay's base URL (also kept in the device profile)."),
        QStringLiteral("url"));
    const QCommandLineOption pinOpt(
        QStringLiteral("relay-pin"),
        QStringLiteral("SPKI SHA-256 pin of the relay's TLS key (base64 or hex); repeatable."),
        QStringLiteral("pin"));
    const QCommandLineOption rootOpt(
        QStringLiteral("root-key-out"),
        QStringLiteral("init: write the HQ root public key (hex) to this file."),
        QStringLiteral("file"));
    const QCommandLineOption deviceIdOpt(
        QStringLiteral("device-id"),
        QStringLiteral("wipe, wipe-status: the device id in hex, or a unique prefix."),
        QStringLiteral("hex"));
    parser.addOptions({hqOpt, devOpt, relayOpt, pinOpt, rootOpt, deviceIdOpt});
    parser.process(application);
    const QStringList args = parser.positionalArguments();
    const QString command = args.value(0);
    auto usage = [](const char *text) {
        std::fprintf(stderr, "usage: %s < passphrase\n(liaison-demo --help for all commands)\n",
                     text);
        return 2;
    };
    if (args.size() != 1 || !parser.isSet(hqOpt))
        return usage("liaison-demo init|seed|pull|wipe|wipe-status --hq DIR ...");
    const bool isWipe = command == QLatin1String("wipe") || command == QLatin1String("wipe-status");
    if (isWipe && (!parser.isSet(deviceIdOpt) || !parser.isSet(relayOpt)))
        return usage(
            qPrintable(QStringLiteral("liaison-demo %1 --hq DIR --device-id HEX --relay-url URL "
                                      "[--relay-pin PIN]")
                           .arg(command)));
    if (command == QLatin1String("init") && !parser.isSet(rootOpt))
        return usage("liaison-demo init --hq DIR --root-key-out FILE");
    if (command == QLatin1String("seed") && (!parser.isSet(devOpt) || !parser.isSet(relayOpt)))
        return usage("liaison-demo seed --hq DIR --device DIR --relay-url URL [--relay-pin PIN]");
    if (command == QLatin1String("pull") && !parser.isSet(relayOpt))
        return usage("liaison-demo pull --hq DIR --relay-url URL [--relay-pin PIN]");
    if (command != QLatin1String("init") && command != QLatin1String("seed") &&
        command != QLatin1String("pull") && !isWipe)
        return usage("liaison-demo init|seed|pull|wipe|wipe-status --hq DIR ...");
    if (auto s = crypto::initialize(); !s) {
        std::fprintf(stderr, "liaison-demo: crypto self-test failed: %s\n",
                     qPrintable(s.error().message));
        return 3;
    }
    if (command == QLatin1String("init"))
        return init(parser.value(hqOpt), parser.value(rootOpt));
    if (command == QLatin1String("seed"))
        return seed(parser.value(hqOpt), parser.value(devOpt), parser.value(relayOpt),
                    parser.values(pinOpt));
    if (isWipe)
        return wipe(parser.value(hqOpt), parser.value(deviceIdOpt), parser.value(relayOpt),
                    parser.values(pinOpt), command == QLatin1String("wipe-status"));
    return pull(parser.value(hqOpt), parser.value(relayOpt), parser.values(pinOpt));
}
