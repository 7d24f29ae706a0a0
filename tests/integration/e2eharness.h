#pragma once

// End-to-end harness for the device sync client and HQ's transport (issue 4): a real
// liaison-relay child process on either backend (relaytestkit.h), HQ and devices in this process,
// each with its own encrypted store, records, stream outbox and receiver, talking through
// SyncClient / HqTransport over loopback (optionally through the fault proxy).

#include "client/hqtransport.h"
#include "client/syncclient.h"
#include "clock/clock.h"
#include "faultproxy.h"
#include "hq/deviceregistry.h"
#include "hq/hqapplier.h"
#include "hq/hqfanout.h"
#include "model/deviceapplier.h"
#include "model/recordstore.h"
#include "protocol/features.h"
#include "relaytestkit.h"
#include "store/database.h"
#include "streams/peers.h"
#include "streams/receiver.h"
#include "streams/streamoutbox.h"
#include "streams/streamschema.h"

#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QSignalSpy>
#include <QTest>

#include <map>
#include <memory>

namespace liaison::e2e {

using crypto::Id16;

// Real time, shifted by what a test adds: wall clock (stamps, request signing) and online time
// (gap timers) both move with jump(). A jump of the wall clock makes the relay answer
// clock_skew, from which the client recovers.
class TestClock final : public liaison::Clock
{
public:
    TestClock() { m_mono.start(); }
    [[nodiscard]] qint64 wallMs() const override
    {
        return QDateTime::currentMSecsSinceEpoch() + m_wallShift;
    }
    [[nodiscard]] qint64 bootMs() const override { return m_mono.elapsed() + m_onlineShift; }
    [[nodiscard]] QByteArray bootId() const override { return "e2e-boot"; }
    void jump(std::int64_t ms, bool wallToo = true)
    {
        m_onlineShift += ms;
        if (wallToo)
            m_wallShift += ms;
    }

private:
    QElapsedTimer m_mono;
    std::int64_t m_wallShift = 0;
    std::int64_t m_onlineShift = 0;
};

class Identity final : public streams::LocalIdentity
{
public:
    Identity(streams::Role role, const Id16 &deployment, const Id16 &id,
             const crypto::SignSecretKey &signKey, const crypto::SignPublicKey &signPk)
        : m_role(role)
        , m_deployment(deployment)
        , m_id(id)
        , m_signKey(signKey)
        , m_signPk(signPk)
        , m_box(crypto::crypto_box_keypair())
    {}
    streams::Role role() const override { return m_role; }
    Id16 deploymentId() const override { return m_deployment; }
    Id16 localId() const override { return m_id; }
    const crypto::SignSecretKey &signingKey() const override { return m_signKey; }
    const crypto::BoxKeyPair *boxKey(std::uint32_t keyId) const override
    {
        return keyId == 1 ? &m_box : nullptr;
    }
    const crypto::SignPublicKey &signPublicKey() const { return m_signPk; }
    const crypto::BoxPublicKey &boxPublicKey() const { return m_box.publicKey; }

private:
    streams::Role m_role;
    Id16 m_deployment;
    Id16 m_id;
    const crypto::SignSecretKey &m_signKey;
    crypto::SignPublicKey m_signPk;
    crypto::BoxKeyPair m_box;
};

// A device's view of HQ.
class HqDirectory final : public streams::PeerDirectory
{
public:
    std::optional<streams::Peer> peer(const Id16 &id) const override
    {
        if (id != m_hq.id)
            return std::nullopt;
        return m_hq;
    }
    streams::Peer m_hq;
};

inline std::unique_ptr<store::Database> openStore(const QString &path,
                                                  std::vector<store::Migration> migrations)
{
    store::OpenOptions o;
    o.create = true;
    o.synchronousFull = false;
    o.migrations = std::move(migrations);
    auto db = store::Database::open(path, crypto::SecretBytes::random(32), o);
    if (!db) {
        qWarning("store open failed: %s", qPrintable(db.error().message));
        return nullptr;
    }
    return std::move(*db);
}

inline client::RelayEndpoint endpointFor(const relaytest::Deployment &dep, quint16 port,
                                         bool tls = false, QList<client::SpkiPin> pins = {})
{
    client::RelayEndpoint e;
    e.baseUrl = QUrl(QStringLiteral("%1://127.0.0.1:%2").arg(tls ? "https" : "http").arg(port));
    e.deployment = dep.id;
    e.allowPlainHttpOnLoopback = !tls;
    e.pins = std::move(pins);
    return e;
}

template <typename Pred> bool waitFor(Pred pred, int timeoutMs = 30000)
{
    QElapsedTimer t;
    t.start();
    while (!pred()) {
        if (t.elapsed() > timeoutMs)
            return false;
        QTest::qWait(10);
    }
    return true;
}

struct HqNode
{
    const relaytest::Deployment &dep;
    TestClock &clock;
    std::unique_ptr<store::Database> db;
    std::unique_ptr<model::RecordStore> records;
    std::unique_ptr<hq::DeviceRegistry> registry;
    std::unique_ptr<hq::HqFanout> fanout;
    std::unique_ptr<hq::HqApplier> applier;
    std::unique_ptr<Identity> me;
    std::unique_ptr<streams::StreamOutbox> outbox;
    std::unique_ptr<streams::Receiver> receiver;
    QNetworkAccessManager nam;
    std::unique_ptr<client::HqTransport> transport;
    QList<streams::Alarm> alarms;
    std::int64_t deviceVersion = 0;

    HqNode(const relaytest::Deployment &d, TestClock &c)
        : dep(d)
        , clock(c)
    {}

    [[nodiscard]] bool open(const QString &dir)
    {
        std::vector<store::Migration> m = model::RecordStore::migrations();
        for (auto &x : streams::streamMigrations())
            m.push_back(std::move(x));
        for (auto &x : hq::DeviceRegistry::migrations())
            m.push_back(std::move(x));
        m.push_back(streams::streamLaneMigration());
        db = openStore(dir + QStringLiteral("/hq.db"), std::move(m));
        if (!db)
            return false;
        // HQ's stamps need a non-zero origin of their own; in envelope headers HQ is the zero id.
        const Id16 hqId = protocol::hqParticipantId();
        records = std::make_unique<model::RecordStore>(*db, clock, crypto::randomFixed<Id16>(),
                                                       model::ReplicaRole::Hq);
        if (!records->open())
            return false;
        registry = std::make_unique<hq::DeviceRegistry>(*db);
        if (!registry->open())
            return false;
        fanout = std::make_unique<hq::HqFanout>(*records, *registry);
        applier = std::make_unique<hq::HqApplier>(*fanout);
        me = std::make_unique<Identity>(streams::Role::Hq, dep.id, hqId, dep.content.secretKey,
                                        dep.content.publicKey);
        outbox = std::make_unique<streams::StreamOutbox>(*db, *me, *registry, clock);
        receiver =
            std::make_unique<streams::Receiver>(*db, *me, *registry, *applier, *outbox, clock);
        receiver->setResyncSource(applier.get());
        receiver->setAlarmSink([this](const streams::Alarm &a) { alarms.append(a); });
        return true;
    }

    void connectTo(const client::RelayEndpoint &endpoint)
    {
        client::HqTransportOptions o;
        o.engine.longPollWaitMs = 2000;
        transport = std::make_unique<client::HqTransport>(&nam, endpoint, *outbox, *receiver, *me,
                                                          dep.admin.secretKey, clock, o);
        // HQ's own edits go out with every round.
        transport->engine().setPrepare([this]() -> Status {
            auto r = fanout->publishLocalEdits();
            if (!r)
                return std::unexpected(r.error());
            return hq::HqFanout::enqueue(*outbox, r->messages);
        });
    }

    // One round; true when it succeeded.
    [[nodiscard]] bool syncOnce(int timeoutMs = 30000)
    {
        QSignalSpy done(transport.get(), &client::HqTransport::roundFinished);
        transport->syncOnce();
        if (!done.wait(timeoutMs) && done.isEmpty())
            return false;
        if (!done.first().at(0).toBool())
            qWarning("HQ round failed: %s", qPrintable(done.first().at(1).toString()));
        return done.first().at(0).toBool();
    }

    [[nodiscard]] bool admin(std::function<void(client::HqTransport::ReplyCallback)> call,
                             client::RelayReply *out = nullptr)
    {
        std::optional<client::RelayReply> got;
        call([&](const client::RelayReply &r) { got = r; });
        if (!waitFor([&] { return got.has_value(); }, 15000))
            return false;
        if (out)
            *out = *got;
        if (!got->ok())
            qWarning("admin call failed: %s", qPrintable(got->describe()));
        return got->ok();
    }
};

struct DeviceNode
{
    const relaytest::Deployment &dep;
    TestClock &clock;
    crypto::SignKeyPair keys = crypto::crypto_sign_keypair();
    Id16 id = crypto::randomFixed<Id16>();
    std::unique_ptr<store::Database> db;
    std::unique_ptr<model::RecordStore> records;
    std::unique_ptr<model::DeviceApplier> applier;
    bool priorityLanes = true; // set before open()
    std::unique_ptr<Identity> me;
    HqDirectory directory;
    std::unique_ptr<streams::StreamOutbox> outbox;
    std::unique_ptr<streams::Receiver> receiver;
    QNetworkAccessManager nam;
    client::ManualConnectivity connectivity{client::Connectivity::State::Online};
    std::unique_ptr<client::SyncClient> client;

    DeviceNode(const relaytest::Deployment &d, TestClock &c)
        : dep(d)
        , clock(c)
    {}

    // The device's store at `path` (records and streams), its applier and its identity; the
    // stream outbox and receiver are the caller's (open() below, or a test's own HQ directory).
    [[nodiscard]] bool openStoreAt(const QString &path)
    {
        std::vector<store::Migration> m = model::RecordStore::migrations();
        for (auto &x : streams::streamMigrations())
            m.push_back(std::move(x));
        m.push_back(streams::streamLaneMigration());
        db = openStore(path, std::move(m));
        if (!db)
            return false;
        records = std::make_unique<model::RecordStore>(*db, clock, id, model::ReplicaRole::Device);
        if (!records->open())
            return false;
        applier = std::make_unique<model::DeviceApplier>(*records);
        me = std::make_unique<Identity>(streams::Role::Device, dep.id, id, keys.secretKey,
                                        keys.publicKey);
        return true;
    }

    [[nodiscard]] bool open(const QString &dir, const HqNode &hq)
    {
        if (!openStoreAt(dir + QStringLiteral("/dev-%1.db").arg(QString::fromLatin1(id.toHex()))))
            return false;
        streams::Peer p;
        p.id = protocol::hqParticipantId();
        p.signKey = dep.content.publicKey;
        p.boxKey = hq.me->boxPublicKey();
        p.boxKeyId = 1;
        p.signKeyHash = crypto::crypto_generichash(dep.content.publicKey.view());
        p.state = streams::PeerState::Active;
        directory.m_hq = p;
        outbox = std::make_unique<streams::StreamOutbox>(*db, *me, directory, clock);
        receiver =
            std::make_unique<streams::Receiver>(*db, *me, directory, *applier, *outbox, clock);
        // As the app's DeviceStreams: the priority lanes announced and used (false: a device of
        // before the lanes).
        if (priorityLanes) {
            receiver->setAnnouncedFeatures(protocol::ReceiptPayload::kFeaturePriorityLanes |
                                           protocol::kFeaturePriorityDuringSnapshot);
            applier->setPriorityLane(true);
        }
        return true;
    }

    void connectTo(const client::RelayEndpoint &endpoint, client::SyncClientOptions o = {})
    {
        o.engine.longPollWaitMs = std::min(o.engine.longPollWaitMs, 2000);
        o.backoff = {50, 2000};
        client = std::make_unique<client::SyncClient>(&nam, endpoint, *outbox, *receiver, *me,
                                                      clock, &connectivity, o);
        client->setLocalChangeCount([this]() -> Result<qsizetype> {
            auto n = records->outboxCount();
            if (!n)
                return std::unexpected(n.error());
            return qsizetype(*n);
        });
        client->engine().setPrepare([this]() -> Status {
            auto n = applier->pushLocalEdits(*outbox, protocol::hqParticipantId());
            if (!n)
                return std::unexpected(n.error());
            return {};
        });
    }

    // One round (the client must not be long-polling): true when it succeeded.
    [[nodiscard]] bool syncOnce(int timeoutMs = 30000)
    {
        QSignalSpy done(client.get(), &client::SyncClient::roundFinished);
        if (!client->running())
            client->start();
        else
            client->syncNow();
        if (!done.wait(timeoutMs) && done.isEmpty())
            return false;
        if (!done.first().at(0).toBool())
            qWarning("device round failed: %s", qPrintable(done.first().at(1).toString()));
        return done.first().at(0).toBool();
    }
};

// HQ enrols a confirmed device: registry (active) with its scopes, RESYNC epoch 1, and the
// device registered at the relay (admin call with a version).
[[nodiscard]] inline bool enrol(HqNode &hq, DeviceNode &dev, const QStringList &scopes)
{
    hq::DeviceRecord rec;
    rec.id = dev.id;
    rec.signKey = dev.keys.publicKey;
    rec.boxKey = dev.me->boxPublicKey();
    rec.boxKeyId = 1;
    rec.state = streams::PeerState::Active;
    if (!hq.registry->addDevice(rec))
        return false;
    for (const QString &s : scopes)
        if (!hq.registry->addMember(dev.id, s))
            return false;
    if (!hq.receiver->sendResync(dev.id))
        return false;
    const std::int64_t version = ++hq.deviceVersion;
    return hq.admin([&](auto cb) {
        hq.transport->putDevice(dev.id, dev.keys.publicKey, client::RelayDeviceState::Active,
                                version, cb);
    });
}

// Contact number i of a desk's imported list (about 200 bytes of fields).
inline model::FieldMap deskContact(int i)
{
    return {{QStringLiteral("name"), QStringLiteral("Counterpart %1 Kowalczyk").arg(i)},
            {QStringLiteral("organisation"), QStringLiteral("Central Bureau of Investigation")},
            {QStringLiteral("role"), QStringLiteral("Liaison officer")},
            {QStringLiteral("country"), QStringLiteral("PL")},
            {QStringLiteral("notes"),
             QStringLiteral("Imported from the desk's list; reference %1").arg(i * 7919)}};
}

// How many records of `type` in `scope` are not deleted (-1: the store failed).
inline qint64 liveCount(model::RecordStore &records, const QString &scope, model::RecordType type)
{
    auto all = records.records({scope});
    if (!all)
        return -1;
    qint64 n = 0;
    for (const model::RecordState &r : *all)
        if (!r.deleted && r.type == type)
            ++n;
    return n;
}

inline QByteArray dump(model::RecordStore &records, const QStringList &scopes)
{
    auto d = records.canonicalDump(scopes);
    return d ? *d : QByteArray("<dump failed>");
}

} // namespace liaison::e2e
