// liaison-demo: the seeding tool of scripts/demo.
//
//   liaison-demo seed --hq DIR --device DIR [--relay-url URL] [--root-key-out FILE] < passphrase
//
// 1. creates HQ's encrypted store (a vault with HQ's signing and box keys) and seeds it with the
//    directorate's demo data;
// 2. creates the device vault with the passphrase from stdin (the same passphrase protects the
//    demo HQ store), registers the device at HQ (active, both demo scopes) and writes the device
//    profile (device id, deployment, HQ keys, relay address);
// 3. delivers HQ's records to the device IN-PROCESS THROUGH THE STREAM LAYER: HQ seals a RESYNC
//    (epoch 1, snapshot of the device's scopes and a HEARTBEAT) and, after an HQ edit, a DELTA;
//    the device's receiver verifies, opens and applies them; the device's answers (epoch opening,
//    RECEIPT) go back to HQ's receiver the same way. No relay and no sync client are involved:
//    they are not on main yet.
//
// Everything it prints is ids and counts; nothing secret.

#include "devicestore.h"
#include "devicestreams.h"
#include "directoratedemo.h"

#include "crypto/crypto.h"
#include "desktop/softwarekeystore.h"
#include "hq/deviceregistry.h"
#include "hq/hqapplier.h"
#include "hq/hqfanout.h"
#include "streams/streamschema.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>

#include <cstdio>

using namespace liaison;

namespace {

int die(const QString &what, const Error &e)
{
    std::fprintf(stderr, "liaison-demo: %s: %s (%s)\n", qPrintable(what), qPrintable(e.message),
                 errcName(e.code));
    return 1;
}

crypto::SecretBytes readPassphraseLine()
{
    QFile in;
    if (!in.open(stdin, QIODevice::ReadOnly))
        return {};
    QByteArray line = in.readLine(4096);
    while (line.endsWith('\n') || line.endsWith('\r'))
        line.chop(1);
    crypto::SecretBytes secret = crypto::SecretBytes::copyOf(line);
    line.fill('\0');
    return secret;
}

template <typename Fixed> Fixed randomFixed()
{
    const QByteArray bytes = crypto::randomBytes(qsizetype(Fixed::size));
    return *Fixed::fromBytes(bytes);
}

// HQ as a stream participant: its id and the HQ store's identity keys.
class HqIdentity final : public streams::LocalIdentity
{
public:
    HqIdentity(const crypto::Id16 &deployment, const crypto::Id16 &hq, const vault::Identity &keys)
        : m_deployment(deployment)
        , m_hq(hq)
        , m_keys(keys)
    {}
    [[nodiscard]] streams::Role role() const override { return streams::Role::Hq; }
    [[nodiscard]] crypto::Id16 deploymentId() const override { return m_deployment; }
    [[nodiscard]] crypto::Id16 localId() const override { return m_hq; }
    [[nodiscard]] const crypto::SignSecretKey &signingKey() const override
    {
        return m_keys.sign.secretKey;
    }
    [[nodiscard]] const crypto::BoxKeyPair *boxKey(std::uint32_t keyId) const override
    {
        return keyId == kHqBoxKeyId ? &m_keys.box : nullptr;
    }
    static constexpr std::uint32_t kHqBoxKeyId = 1;

private:
    crypto::Id16 m_deployment;
    crypto::Id16 m_hq;
    const vault::Identity &m_keys;
};

struct Delivery
{
    int envelopes = 0;
    int applied = 0;
    int duplicates = 0;
    int refused = 0;
};

// Every pending envelope of `from` for `recipient`, in order, into `to`; acknowledged envelopes
// are marked delivered at the sender (what the relay's durable commit does).
Result<Delivery> deliver(streams::StreamOutbox &from, const crypto::Id16 &recipient,
                         streams::Receiver &to)
{
    Delivery d;
    auto pending = from.pending(recipient, 1000);
    if (!pending)
        return std::unexpected(pending.error());
    for (const streams::QueuedEnvelope &env : *pending) {
        auto r = to.receive(env.bytes);
        if (!r)
            return std::unexpected(r.error());
        ++d.envelopes;
        if (r->disposition == streams::Disposition::Applied)
            d.applied += r->applied;
        else if (r->disposition == streams::Disposition::Duplicate)
            ++d.duplicates;
        else
            ++d.refused;
        if (r->acknowledge) {
            if (auto s = from.markDelivered(recipient, env.stream.epoch, env.seq); !s)
                return std::unexpected(s.error());
        }
    }
    return d;
}

int seed(const QString &hqDir, const QString &deviceDir, const QString &relayUrl,
         const QString &rootKeyOut)
{
    const crypto::SecretBytes passphrase = readPassphraseLine();
    if (passphrase.empty()) {
        std::fprintf(stderr, "liaison-demo: give the demo passphrase on stdin\n");
        return 2;
    }
    vault::SystemClock vaultClock;
    model::SystemClock clock;
    app::AppStreamClock streamClock(clock);
    const crypto::Id16 deployment = randomFixed<crypto::Id16>();
    const crypto::Id16 deviceId = randomFixed<crypto::Id16>();
    const crypto::Id16 hqId = randomFixed<crypto::Id16>();

    // ---- HQ's root key (DESIGN.md "Keys"): the relay pins its public half. The demo keeps no
    // secret half: it issues no HQ certificate yet.
    if (!rootKeyOut.isEmpty()) {
        const crypto::SignKeyPair root = crypto::crypto_sign_keypair();
        QFile out(rootKeyOut);
        if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
            out.write(root.publicKey.toHex() + '\n') < 0 || !out.flush()) {
            std::fprintf(stderr, "liaison-demo: cannot write %s\n", qPrintable(rootKeyOut));
            return 1;
        }
        std::printf("demo: HQ root public key written for the relay (the demo keeps no secret "
                    "half)\n");
    }

    // ---- HQ ----
    platform::SoftwareKeyStore hqKeys(hqDir + QStringLiteral("/keystore"));
    vault::VaultOptions hqOptions;
    hqOptions.database.migrations = model::RecordStore::migrations();
    for (auto &m : streams::streamMigrations())
        hqOptions.database.migrations.push_back(m);
    for (auto &m : hq::DeviceRegistry::migrations())
        hqOptions.database.migrations.push_back(m);
    std::printf("demo: creating the HQ store (Argon2id calibrated to about 1 s)\n");
    std::fflush(stdout);
    auto hqVault = vault::Vault::create(hqDir + QStringLiteral("/vault"), passphrase, hqKeys,
                                        vaultClock, hqOptions);
    if (!hqVault)
        return die(QStringLiteral("HQ store"), hqVault.error());
    store::Database &hqDb = *(*hqVault)->database();
    const vault::Identity &hqKeysPair = *(*hqVault)->identity();
    model::RecordStore hqRecords(hqDb, clock, hqId, model::ReplicaRole::Hq);
    if (auto s = hqRecords.open(); !s)
        return die(QStringLiteral("HQ records"), s.error());
    hq::DeviceRegistry registry(hqDb);
    if (auto s = registry.open(); !s)
        return die(QStringLiteral("HQ registry"), s.error());
    hq::HqFanout fanout(hqRecords, registry);
    hq::HqApplier hqApplier(fanout);
    HqIdentity hqIdentity(deployment, hqId, hqKeysPair);
    streams::StreamOutbox hqOutbox(hqDb, hqIdentity, registry, streamClock);
    streams::Receiver hqReceiver(hqDb, hqIdentity, registry, hqApplier, hqOutbox, streamClock);
    hqReceiver.setResyncSource(&hqApplier);
    hqReceiver.setCertificateSerial(1);

    auto counts = app::demo::seedDirectorate(hqRecords, clock.wallMs());
    if (!counts)
        return die(QStringLiteral("seeding"), counts.error());
    // Nobody is a member yet: draining HQ's change log now sends nothing.
    if (auto r = fanout.publishLocalEdits(); !r)
        return die(QStringLiteral("HQ change log"), r.error());
    std::printf("demo: HQ store seeded: %d contacts, %d case summaries, %d instructions, "
                "%d schedule items in scopes %s\n",
                counts->contacts, counts->cases, counts->instructions, counts->scheduleItems,
                qPrintable(app::demo::demoScopes().join(QStringLiteral(", "))));

    // ---- the device ----
    platform::SoftwareKeyStore deviceKeys(deviceDir + QStringLiteral("/keystore"));
    vault::VaultOptions deviceOptions;
    deviceOptions.database.migrations = app::deviceMigrations();
    std::printf("demo: creating the device vault (Argon2id calibrated to about 1 s)\n");
    std::fflush(stdout);
    auto deviceVault = vault::Vault::create(deviceDir + QStringLiteral("/vault"), passphrase,
                                            deviceKeys, vaultClock, deviceOptions);
    if (!deviceVault)
        return die(QStringLiteral("device vault"), deviceVault.error());
    const vault::Identity &deviceIdentity = *(*deviceVault)->identity();

    // Enrolment, shortened: HQ registers the device's public keys and scopes; the device keeps
    // HQ's public keys. (The code, the relay slot and the safety-number call come with the
    // enrolment flow of liaison-hq.)
    hq::DeviceRecord record;
    record.id = deviceId;
    record.signKey = deviceIdentity.sign.publicKey;
    record.boxKey = deviceIdentity.box.publicKey;
    record.boxKeyId = app::kInitialBoxKeyId;
    record.state = streams::PeerState::Active;
    record.label = QStringLiteral("Liaison officer, Vienna (demo device)");
    if (auto s = registry.addDevice(record); !s)
        return die(QStringLiteral("register device"), s.error());
    for (const QString &scope : app::demo::demoScopes()) {
        // The RESYNC below carries the scopes' snapshot; the SCOPE_JOIN messages are not needed.
        if (auto r = fanout.addMember(deviceId, scope); !r)
            return die(QStringLiteral("membership"), r.error());
    }
    app::DeviceProfile profile;
    profile.deviceId = deviceId;
    profile.deploymentId = deployment;
    profile.hqId = hqId;
    profile.hqSignKey = hqKeysPair.sign.publicKey;
    profile.hqBoxKey = hqKeysPair.box.publicKey;
    profile.hqBoxKeyId = HqIdentity::kHqBoxKeyId;
    profile.relayUrl = relayUrl;
    profile.label = record.label;
    profile.enrolledMs = clock.wallMs();
    if (auto s = app::saveDeviceProfile(*(*deviceVault)->database(), profile); !s)
        return die(QStringLiteral("device profile"), s.error());
    auto session = app::DeviceSession::open(*(*deviceVault)->database(), clock);
    if (!session)
        return die(QStringLiteral("device records"), session.error());
    auto deviceStreams = app::DeviceStreams::open(**session, deviceIdentity, clock);
    if (!deviceStreams)
        return die(QStringLiteral("device streams"), deviceStreams.error());
    std::printf("demo: device %s enrolled (shortened in-process enrolment, deployment %s)\n",
                deviceId.toHex().left(8).constData(), deployment.toHex().left(8).constData());

    // ---- delivery through the stream layer, in-process ----
    auto resync = hqReceiver.sendResync(deviceId);
    if (!resync)
        return die(QStringLiteral("RESYNC"), resync.error());
    auto down = deliver(hqOutbox, deviceId, (*deviceStreams)->receiver());
    if (!down)
        return die(QStringLiteral("delivery to the device"), down.error());

    if (auto s = app::demo::editAfterDelivery(hqRecords, clock.wallMs()); !s)
        return die(QStringLiteral("HQ edit"), s.error());
    auto published = fanout.publishLocalEdits();
    if (!published)
        return die(QStringLiteral("fan-out"), published.error());
    if (auto s = hq::HqFanout::enqueue(hqOutbox, published->messages); !s)
        return die(QStringLiteral("DELTA"), s.error());
    if (auto s = hqReceiver.sendHeartbeat(deviceId); !s)
        return die(QStringLiteral("HEARTBEAT"), s.error());
    auto down2 = deliver(hqOutbox, deviceId, (*deviceStreams)->receiver());
    if (!down2)
        return die(QStringLiteral("delivery to the device"), down2.error());

    // The device's answers on `up`: its epoch opening and a RECEIPT.
    if (auto s = (*deviceStreams)->receiver().sendReceipt(0); !s)
        return die(QStringLiteral("RECEIPT"), s.error());
    auto up = deliver((*deviceStreams)->outbox(), hqId, hqReceiver);
    if (!up)
        return die(QStringLiteral("delivery to HQ"), up.error());

    auto held = (*session)->records().recordCount();
    std::printf("demo: HQ -> device: %d envelopes (RESYNC with snapshot and HEARTBEAT, DELTA, "
                "HEARTBEAT), %d applied, %d refused; device -> HQ: %d envelopes, %d applied\n",
                down->envelopes + down2->envelopes, down->applied + down2->applied,
                down->refused + down2->refused, up->envelopes, up->applied);
    std::printf("demo: delivered in-process through the stream layer (sealed, signed, verified "
                "and applied by the receivers); the sync client is not on main yet, so no relay is used\n");
    std::printf("demo: the device vault holds %lld records in scopes %s\n",
                held ? static_cast<long long>(*held) : -1LL,
                qPrintable((*session)->records().scopes().join(QStringLiteral(", "))));
    auto alarms = (*deviceStreams)->receiver().alarms();
    if (alarms && !alarms->empty()) {
        for (const streams::Alarm &a : *alarms)
            std::printf("demo: device alarm: %s\n", qPrintable(a.describe()));
    }
    if (down->refused + down2->refused > 0 || up->refused > 0)
        return 1;
    return 0;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication application(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("liaison-demo"));
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Seeds a demo HQ store and enrols a demo device (scripts/demo)."));
    parser.addHelpOption();
    parser.addPositionalArgument(QStringLiteral("seed"), QStringLiteral("The only command."));
    const QCommandLineOption hqOpt(QStringLiteral("hq"), QStringLiteral("HQ store directory."),
                                   QStringLiteral("dir"));
    const QCommandLineOption devOpt(QStringLiteral("device"),
                                    QStringLiteral("Device directory (vault/ and keystore/)."),
                                    QStringLiteral("dir"));
    const QCommandLineOption relayOpt(QStringLiteral("relay-url"),
                                      QStringLiteral("Relay address kept in the device profile."),
                                      QStringLiteral("url"));
    const QCommandLineOption rootOpt(QStringLiteral("root-key-out"),
                                     QStringLiteral("Write a fresh HQ root public key (hex) here."),
                                     QStringLiteral("file"));
    parser.addOptions({hqOpt, devOpt, relayOpt, rootOpt});
    parser.process(application);
    if (parser.positionalArguments() != QStringList{QStringLiteral("seed")} ||
        !parser.isSet(hqOpt) || !parser.isSet(devOpt)) {
        std::fprintf(stderr, "usage: liaison-demo seed --hq DIR --device DIR [--relay-url URL] "
                             "< passphrase\n");
        return 2;
    }
    if (auto s = crypto::initialize(); !s) {
        std::fprintf(stderr, "liaison-demo: crypto self-test failed: %s\n",
                     qPrintable(s.error().message));
        return 3;
    }
    return seed(parser.value(hqOpt), parser.value(devOpt), parser.value(relayOpt),
                parser.value(rootOpt));
}
