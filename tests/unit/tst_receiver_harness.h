#pragma once

// In-process HQ and devices for the stream tests: real encrypted stores in a temp dir, real
// envelopes, a key-value applier standing in for the records layer, and a relay that is just a
// function call (with fault injection left to each test).

#include "crypto/crypto.h"
#include "protocol/body.h"
#include "protocol/cbor.h"
#include "store/database.h"
#include "streams/envelopecodec.h"
#include "streams/receiver.h"
#include "streams/streamoutbox.h"
#include "streams/streamschema.h"

#include <QCborArray>
#include <QCborMap>
#include <QMap>
#include <QTemporaryDir>
#include <QTest>

#include <map>
#include <memory>

namespace liaison::streams::test {

inline std::unique_ptr<store::Database> openTestDb(const QString &path,
                                                   std::vector<store::Migration> extra = {})
{
    store::OpenOptions o;
    o.create = true;
    o.migrations = streamMigrations();
    for (auto &m : extra)
        o.migrations.push_back(std::move(m));
    o.migrations.push_back(streamLaneMigration());
    auto key = crypto::SecretBytes::random(32);
    auto db = store::Database::open(path, key, o);
    if (!db) {
        qWarning("open failed: %s", qPrintable(db.error().message));
        return nullptr;
    }
    return std::move(*db);
}

// Key-value "records": every operation is {0: key} (delete) or {0: key, 1: value} (set), in
// DELTA's ops (protocol::DeltaPayload) or RESYNC's parts (the snapshot: part 1 clears first).
inline Status kvMigration(store::Database &db)
{
    return db.execute("CREATE TABLE test_kv (k TEXT PRIMARY KEY, v TEXT NOT NULL)");
}

class KvApplier final : public EnvelopeApplier
{
public:
    int applied = 0;
    int checked = 0;
    QList<Kind> kinds;
    bool failCheck = false;

    Status check(const Body &, const StreamContext &) override
    {
        ++checked;
        if (failCheck)
            return fail(Errc::Refused, QStringLiteral("test refuses"));
        return {};
    }
    Status apply(const Body &body, const StreamContext &ctx) override
    {
        ++applied;
        kinds.append(body.kind);
        if (body.kind == Kind::Delta) {
            auto d = protocol::DeltaPayload::fromCbor(body.payload);
            if (!d)
                return std::unexpected(d.error());
            return applyOps(ctx.db, d->ops);
        }
        if (body.kind == Kind::Resync) {
            auto r = protocol::ResyncPayload::fromCbor(body.payload);
            if (!r)
                return std::unexpected(r.error());
            if (r->part == 1) {
                if (auto s = ctx.db.execute("DELETE FROM test_kv"); !s)
                    return s;
            }
            return applyOps(ctx.db, r->ops);
        }
        return {};
    }
    static Status applyOps(store::Database &db, const QCborArray &ops)
    {
        auto ins = db.prepare("INSERT OR REPLACE INTO test_kv (k, v) VALUES (?, ?)");
        if (!ins)
            return std::unexpected(ins.error());
        auto rm = db.prepare("DELETE FROM test_kv WHERE k = ?");
        if (!rm)
            return std::unexpected(rm.error());
        for (const QCborValue &v : ops) {
            const QCborMap op = v.toMap();
            if (!op.value(0).isString())
                return fail(Errc::Malformed, QStringLiteral("kv op"));
            if (op.contains(1)) {
                ins->bind(1, op.value(0).toString()).bind(2, op.value(1).toString());
                if (auto s = ins->exec(); !s)
                    return s;
            } else {
                rm->bind(1, op.value(0).toString());
                if (auto s = rm->exec(); !s)
                    return s;
            }
        }
        return {};
    }
};

inline QCborArray kvOps(const QMap<QString, QString> &set, const QStringList &del = {})
{
    QCborArray ops;
    for (auto it = set.begin(); it != set.end(); ++it) {
        QCborMap op;
        op.insert(0, it.key());
        op.insert(1, it.value());
        ops.append(op);
    }
    for (const QString &k : del) {
        QCborMap op;
        op.insert(0, k);
        ops.append(op);
    }
    return ops;
}

inline QCborMap kvDelta(const QMap<QString, QString> &set, const QStringList &del = {})
{
    protocol::DeltaPayload d;
    d.ops = kvOps(set, del);
    return d.toCbor();
}

inline Status kvSet(store::Database &db, const QMap<QString, QString> &set)
{
    return KvApplier::applyOps(db, kvOps(set));
}

inline QMap<QString, QString> kvDump(store::Database &db)
{
    QMap<QString, QString> out;
    auto st = db.prepare("SELECT k, v FROM test_kv ORDER BY k");
    if (!st)
        return out;
    while (st->step().value_or(false))
        out.insert(st->columnText(0), st->columnText(1));
    return out;
}

// Every row of every stream table and the kv table, for "state unchanged" checks.
inline QByteArray storeDump(store::Database &db)
{
    static const char *const tables[] = {"stream_in",      "stream_parked",  "stream_evidence",
                                         "stream_applied", "stream_out",     "stream_outbox",
                                         "stream_alarm",   "stream_command", "test_kv"};
    QByteArray out;
    for (const char *t : tables) {
        const QByteArray sql = QByteArray("SELECT * FROM ") + t;
        auto st = db.prepare(sql.constData());
        if (!st)
            return "prepare failed";
        out += t;
        out += '\n';
        while (st->step().value_or(false)) {
            for (int c = 0; c < st->columnCount(); ++c) {
                out += st->columnBlob(c).toHex();
                out += '|';
            }
            out += '\n';
        }
    }
    return out;
}

class Identity final : public LocalIdentity
{
public:
    Identity(Role role, const Id16 &deployment)
        : m_role(role)
        , m_deployment(deployment)
        , m_id(crypto::randomFixed<Id16>())
        , m_sign(crypto::crypto_sign_keypair())
    {
        m_box.emplace(1, crypto::crypto_box_keypair());
    }
    Role role() const override { return m_role; }
    Id16 deploymentId() const override { return m_deployment; }
    Id16 localId() const override { return m_id; }
    const crypto::SignSecretKey &signingKey() const override { return m_sign.secretKey; }
    const crypto::BoxKeyPair *boxKey(std::uint32_t keyId) const override
    {
        auto it = m_box.find(keyId);
        return it == m_box.end() ? nullptr : &it->second;
    }
    Peer asPeer() const
    {
        Peer p;
        p.id = m_id;
        p.signKey = m_sign.publicKey;
        p.boxKey = m_box.at(1).publicKey;
        p.boxKeyId = 1;
        p.signKeyHash = crypto::crypto_generichash(m_sign.publicKey.view());
        return p;
    }

private:
    Role m_role;
    Id16 m_deployment;
    Id16 m_id;
    crypto::SignKeyPair m_sign;
    std::map<std::uint32_t, crypto::BoxKeyPair> m_box;
};

class Directory final : public PeerDirectory
{
public:
    std::optional<Peer> peer(const Id16 &id) const override
    {
        auto it = m_peers.find(id);
        if (it == m_peers.end())
            return std::nullopt;
        return it->second;
    }
    void add(const Peer &p) { m_peers[p.id] = p; }
    void setState(const Id16 &id, PeerState s) { m_peers[id].state = s; }

private:
    std::map<Id16, Peer> m_peers;
};

// One side: identity, store, outbox, applier, receiver.
struct Party
{
    Identity me;
    Directory peers;
    std::unique_ptr<store::Database> db;
    KvApplier applier;
    std::unique_ptr<StreamOutbox> outbox;
    std::unique_ptr<Receiver> receiver;
    QList<Alarm> alarms;
    QList<Command> wipes;

    Party(Role role, const Id16 &deployment, const QString &path, const liaison::Clock &clock)
        : me(role, deployment)
    {
        db = openTestDb(path, {kvMigration});
        outbox = std::make_unique<StreamOutbox>(*db, me, peers, clock);
        receiver = std::make_unique<Receiver>(*db, me, peers, applier, *outbox, clock);
        receiver->setAlarmSink([this](const Alarm &a) { alarms.append(a); });
        receiver->setWipeHandler([this](const Command &c) { wipes.append(c); });
    }
    int alarmCount(AlarmType t) const
    {
        int n = 0;
        for (const Alarm &a : alarms)
            n += a.type == t ? 1 : 0;
        return n;
    }
};

// HQ's records for the tests: a ResyncSource over its own test_kv.
class KvResyncSource final : public ResyncSource
{
public:
    Result<ResyncContent> resyncContent(store::Database &db, const Id16 &) override
    {
        ResyncContent c;
        c.scopes = QStringList{QStringLiteral("post:test")};
        c.ops = kvOps(kvDump(db));
        return c;
    }
};

// Hand-made envelopes (for forks and protocol violations a correct outbox never produces).
inline QByteArray craft(const Identity &from, const Peer &to, std::uint32_t epoch,
                        std::uint64_t seq, const Hash32 &prev, Kind kind, const QCborMap &payload,
                        std::int64_t createdMs = 1'800'000'000'000)
{
    codec::SealInput in;
    in.deployment = from.deploymentId();
    in.sender = from.localId();
    in.recipient = to.id;
    in.epoch = epoch;
    in.seq = seq;
    in.prev = prev;
    in.recipientBoxKeyId = to.boxKeyId;
    in.recipientBoxKey = to.boxKey;
    in.senderKey = &from.signingKey();
    in.direction = from.role() == Role::Hq ? Direction::Down : Direction::Up;
    in.kind = kind;
    in.createdMs = createdMs;
    in.payload = payload;
    auto sealed = codec::seal(in);
    if (sealed)
        return sealed->bytes;
    {
        // A kind in the wrong direction or a payload off its schema: sealEnvelope refuses, so
        // seal the body bytes as given.
        protocol::SealParams p;
        p.deployment = in.deployment;
        p.sender = in.sender;
        p.recipient = in.recipient;
        p.epoch = epoch;
        p.seq = seq;
        p.prev = prev;
        p.recipientBoxKeyId = to.boxKeyId;
        p.recipientBoxKey = to.boxKey;
        QCborMap body;
        body.insert(0, qint64(kind));
        body.insert(1, qint64(createdMs));
        body.insert(2, payload);
        auto b = protocol::cbor::encode(body);
        if (!b)
            return {};
        auto s = protocol::sealEncodedBody(p, *b, from.signingKey());
        return s ? s->bytes : QByteArray();
    }
}

// HQ plus one device, enrolled: HQ's RESYNC (epoch 1) applied and the device's `up` epoch open.
struct Pair
{
    QTemporaryDir dir;
    liaison::ManualClock clock;
    Id16 deployment = crypto::randomFixed<Id16>();
    std::unique_ptr<Party> hq;
    std::unique_ptr<Party> dev;
    KvResyncSource source;

    Pair()
    {
        hq = std::make_unique<Party>(Role::Hq, deployment, dir.filePath("hq.db"), clock);
        dev = std::make_unique<Party>(Role::Device, deployment, dir.filePath("dev.db"), clock);
        hq->peers.add(dev->me.asPeer());
        dev->peers.add(hq->me.asPeer());
        hq->receiver->setResyncSource(&source);
    }
    Id16 hqId() const { return hq->me.localId(); }
    Id16 devId() const { return dev->me.localId(); }

    // Every pending envelope from one side, marked delivered at the relay, in seq order.
    static QList<QueuedEnvelope> take(Party &from, const Id16 &to)
    {
        QList<QueuedEnvelope> out;
        auto p = from.outbox->pending(to, 100000);
        if (!p)
            return out;
        for (auto &q : *p) {
            if (!from.outbox->markDelivered(to, q.stream.epoch, q.seq))
                return {};
            out.append(q);
        }
        return out;
    }
    // Deliver everything pending both ways, in order, until quiet.
    bool pump()
    {
        for (int round = 0; round < 20; ++round) {
            const auto down = take(*hq, devId());
            const auto up = take(*dev, hqId());
            if (down.isEmpty() && up.isEmpty())
                return true;
            for (const auto &q : down) {
                if (!dev->receiver->receive(q.bytes))
                    return false;
            }
            for (const auto &q : up) {
                if (!hq->receiver->receive(q.bytes))
                    return false;
            }
        }
        return false;
    }
    bool enrol()
    {
        if (!hq->receiver->sendResync(devId()))
            return false;
        return pump();
    }
};

} // namespace liaison::streams::test
