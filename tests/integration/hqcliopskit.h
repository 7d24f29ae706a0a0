#pragma once

// What the tests of the desk's daily operations share (tst_hqcli_revoke, tst_hqcli_wipe,
// tst_hqcli_ops ...): a desk made with the real liaison-hq, a real liaison-relay on loopback
// that pins the desk's root key, and devices in this process (the library's device side: their
// own store, receiver, outbox and SyncClient) registered at the desk the way `device confirm`
// registers them (registry, scopes, wipe id and wipe-ack key, RESYNC epoch 1, relay device list).

#include "e2eharness.h"
#include "hqclikit.h"

#include "client/relayhttp.h"
#include "client/wipecheck.h"
#include "desk/deskrelay.h"
#include "desk/deskstore.h"
#include "desk/remotewipe.h"
#include "desktop/softwarekeystore.h"
#include "protocol/wipe.h"

#include <QEventLoop>
#include <QJsonArray>
#include <QTimer>

namespace liaison::hqclitest {

// The desk store opened in this process (the CLI must not run at the same time).
struct OpenedDesk
{
    explicit OpenedDesk(const Desk &d)
        : keys(QDir(d.store()).filePath(QStringLiteral("keystore")))
    {
        vault::VaultOptions o;
        o.kdf = crypto::kTestKdfParams;
        auto s = desk::DeskStore::open(d.store(), crypto::SecretBytes::copyOf(kDeskPassphrase),
                                       keys, vaultClock, clock, o);
        if (s)
            store = std::move(*s);
        else
            qWarning() << s.error().message;
    }
    platform::SoftwareKeyStore keys;
    SystemClock vaultClock;
    SystemClock clock;
    std::unique_ptr<desk::DeskStore> store;
};

// A desk, its relay, its scopes.
struct OpsDesk
{
    Desk d;
    relaytest::Deployment dep;
    relaytest::Backend backend;
    relaytest::RelayProcess relay;
    QString relayUrl;
    QJsonObject status; // `status --json`: signPublicKey, boxPublicKey ...

    [[nodiscard]] bool start(const QStringList &scopes)
    {
        if (!d.rootInit())
            return false;
        dep.root.publicKey = *crypto::SignPublicKey::fromHex(d.rootPublicKey.toLatin1());
        dep.id = *crypto::Id16::fromHex(d.deployment.toLatin1());
        dep.cert.clear(); // the desk installs its own certificate
        QString error;
        if (!relaytest::makeBackend(QStringLiteral("sqlite"), d.dir, backend, &error)) {
            qWarning() << error;
            return false;
        }
        if (!relay.start(d.dir, backend, dep))
            return false;
        relayUrl = QStringLiteral("http://127.0.0.1:%1").arg(relay.port);
        if (!d.initStore(relayUrl))
            return false;
        for (const QString &s : scopes)
            if (d.hq({QStringLiteral("scope"), QStringLiteral("add"), s}).code != 0)
                return false;
        // The certificate goes to the relay with the first publish.
        const Run p = d.hq({QStringLiteral("publish")});
        if (p.code != 0) {
            qWarning() << describe(p);
            return false;
        }
        status = d.hq({QStringLiteral("status")}).json;
        dep.content.publicKey = *crypto::SignPublicKey::fromHex(
            status.value(QStringLiteral("signPublicKey")).toString().toLatin1());
        return true;
    }

    [[nodiscard]] client::RelayEndpoint endpoint() const
    {
        return e2e::endpointFor(dep, relay.port);
    }

    Run hq(QStringList args) const { return d.hq(std::move(args)); }
};

// A device of the field, in this process.
struct FieldDevice
{
    FieldDevice(OpsDesk &desk, e2e::TestClock &clock, const QString &name)
        : node(desk.dep, clock)
        , m_desk(desk)
        , m_name(name)
    {}

    e2e::DeviceNode node;
    crypto::SignKeyPair wipeAck = crypto::crypto_sign_keypair();
    crypto::Id16 wipeId = crypto::randomFixed<crypto::Id16>();
    QList<protocol::CommandPayload> wipes; // WIPE commands the receiver verified

    [[nodiscard]] QString id() const { return QString::fromLatin1(node.id.toHex()); }

    [[nodiscard]] bool open()
    {
        if (!node.openStoreAt(m_desk.d.path(m_name + QStringLiteral(".db"))))
            return false;
        streams::Peer p;
        p.id = protocol::hqParticipantId();
        p.signKey = node.dep.content.publicKey;
        p.boxKey = *crypto::BoxPublicKey::fromHex(
            m_desk.status.value(QStringLiteral("boxPublicKey")).toString().toLatin1());
        p.boxKeyId = desk::kHqBoxKeyId;
        p.signKeyHash = crypto::crypto_generichash(node.dep.content.publicKey.view());
        p.state = streams::PeerState::Active;
        node.directory.m_hq = p;
        node.outbox =
            std::make_unique<streams::StreamOutbox>(*node.db, *node.me, node.directory, node.clock);
        node.receiver = std::make_unique<streams::Receiver>(
            *node.db, *node.me, node.directory, *node.applier, *node.outbox, node.clock);
        node.receiver->setWipeHandler([this](const streams::Command &c) { wipes.append(c); });
        node.connectTo(m_desk.endpoint());
        return true;
    }

    // Registered at the desk as `device confirm` registers a device.
    [[nodiscard]] bool enrol(const QStringList &scopes)
    {
        OpenedDesk opened(m_desk.d);
        if (!opened.store)
            return false;
        desk::DeskStore &desk = *opened.store;
        hq::DeviceRecord rec;
        rec.id = node.id;
        rec.signKey = node.keys.publicKey;
        rec.boxKey = node.me->boxPublicKey();
        rec.boxKeyId = 1;
        rec.state = streams::PeerState::Active;
        rec.label = m_name;
        if (!desk.registry().addDevice(rec))
            return false;
        for (const QString &s : scopes)
            if (!desk.registry().addMember(node.id, s))
                return false;
        if (!desk::RemoteWipe(desk).registerTarget(node.id, wipeId, wipeAck.publicKey))
            return false;
        auto link = desk::DeskRelay::open(desk);
        if (!link || !(*link)->receiver().sendResync(node.id))
            return false;
        auto put =
            (*link)->putDevice(node.id, node.keys.publicKey, client::RelayDeviceState::Active, 1);
        if (!put)
            qWarning() << put.error().message;
        return bool(put);
    }

    // What the device keeps in its plain wipe file.
    [[nodiscard]] protocol::WipeTarget target() const
    {
        protocol::WipeTarget t;
        t.deployment = node.dep.id;
        t.device = node.id;
        t.signKeyHash = crypto::crypto_generichash(node.keys.publicKey.view());
        t.wipeAckKeyHash = crypto::crypto_generichash(wipeAck.publicKey.view());
        t.wipeId = wipeId;
        t.rootKey = node.dep.root.publicKey;
        return t;
    }

    // The locked app's check at start: GET the token, verify it against the wipe file.
    [[nodiscard]] std::pair<client::WipeCheck::Outcome, std::optional<protocol::WipeToken>>
    checkToken()
    {
        client::RelayHttp http(&m_nam, m_desk.endpoint(), [this] { return node.clock.wallMs(); });
        client::WipeCheck check(http, target());
        std::optional<std::pair<client::WipeCheck::Outcome, std::optional<protocol::WipeToken>>>
            got;
        QEventLoop loop;
        QObject::connect(
            &check, &client::WipeCheck::finished, &loop,
            [&](client::WipeCheck::Outcome o, const std::optional<protocol::WipeToken> &t) {
                got.emplace(o, t);
                loop.quit();
            });
        QTimer::singleShot(20000, &loop, &QEventLoop::quit);
        check.check();
        if (!got)
            loop.exec();
        if (!got)
            return {client::WipeCheck::Outcome::Unreachable, std::nullopt};
        return *got;
    }

    // The wipe's acknowledgement posted at the relay (step 5 of the wipe order), signed by the
    // wipe-ack key (locked) or the device key (unlocked). True when the relay took it.
    [[nodiscard]] bool postAcknowledgement(const crypto::Id16 &commandId, bool withDeviceKey)
    {
        const protocol::WipeAcknowledgement ack =
            protocol::signWipeAcknowledgement(node.dep.id, node.id, commandId, node.clock.wallMs(),
                                              withDeviceKey ? node.keys : wipeAck);
        client::RelayHttp http(&m_nam, m_desk.endpoint(), [this] { return node.clock.wallMs(); });
        client::WipeCheck check(http, target());
        QSignalSpy spy(&check, &client::WipeCheck::doneFinished);
        check.postDone(ack.encode());
        if (!spy.wait(20000))
            return false;
        return spy.first().at(0).toBool();
    }

private:
    OpsDesk &m_desk;
    QString m_name;
    QNetworkAccessManager m_nam;
};

// The device entry of `device list --json`.
inline QJsonObject listedDevice(const OpsDesk &desk, const QString &id)
{
    const Run list = desk.hq({QStringLiteral("device"), QStringLiteral("list")});
    for (const QJsonValue &v : list.json.value(QStringLiteral("devices")).toArray())
        if (v.toObject().value(QStringLiteral("id")).toString() == id)
            return v.toObject();
    return {};
}

} // namespace liaison::hqclitest
