// bench_sync: the receiver and HQ's fan-out on real stores (issue 3 "Benchmark").
//
//  apply_10k_over_primitives  receive() of one 10,000-operation DELTA (frame, verify, open,
//                             decode, check, upsert, head, in one transaction) divided by the
//                             sum of the same primitives timed alone in this run: parse+verify,
//                             openEnvelope (unseal, commitment, AEAD, unpad, strict body decode),
//                             operation decode, applyRemoteBatch in one transaction
//  single_edit_envelope_bytes bytes of the envelope carrying one changed field
//  apply_ops_per_s            operations applied per second by that receive()
//  fanout_100_devices_ms      HQ receiving one device DELTA, validating it and sealing the
//                             fan-out to 100 other members, in one transaction
// --smoke: small sizes (checks that it runs and prints its lines).

#include "../unit/tst_receiver_harness.h"
#include "clock/clock.h"
#include "hq/deviceregistry.h"
#include "hq/hqapplier.h"
#include "hq/hqfanout.h"
#include "model/deviceapplier.h"
#include "model/payloads.h"
#include "model/recordstore.h"
#include "testmain.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QLoggingCategory>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

using namespace liaison;
using namespace liaison::streams;
using liaison::streams::test::Directory;
using liaison::streams::test::Identity;

namespace {

const QString kScope = QStringLiteral("post:bench");
constexpr std::int64_t kNow = 1'780'000'000'000;

[[noreturn]] void die(const char *what, const QString &why = {})
{
    std::fprintf(stderr, "bench_sync: %s %s\n", what, qPrintable(why));
    std::exit(1);
}

template <typename R> auto must(R &&r, const char *what)
{
    if (!r)
        die(what, r.error().message);
    if constexpr (!std::is_void_v<typename std::decay_t<R>::value_type>)
        return std::move(*r);
}

std::unique_ptr<store::Database> openStore(const QString &path,
                                           std::vector<store::Migration> migrations)
{
    store::OpenOptions o;
    o.create = true;
    o.migrations = std::move(migrations);
    auto db = store::Database::open(path, crypto::SecretBytes::random(32), o);
    if (!db)
        die("open store", db.error().message);
    return std::move(*db);
}

std::vector<store::Migration> deviceMigrations()
{
    auto m = model::RecordStore::migrations();
    for (auto &s : streamMigrations())
        m.push_back(std::move(s));
    m.push_back(streamLaneMigration());
    return m;
}

double msSince(const QElapsedTimer &t)
{
    return double(t.nsecsElapsed()) / 1e6;
}

// A device store holding kScope with nothing applied yet.
struct DeviceSide
{
    Identity me;
    Directory peers;
    liaison::ManualClock clock{kNow, 1000};
    liaison::ManualClock sclock;
    std::unique_ptr<store::Database> db;
    std::unique_ptr<model::RecordStore> records;
    std::unique_ptr<model::DeviceApplier> applier;
    std::unique_ptr<StreamOutbox> outbox;
    std::unique_ptr<Receiver> receiver;

    DeviceSide(const Id16 &deployment, const Peer &hq, const QString &path)
        : me(Role::Device, deployment)
    {
        sclock.setWall(kNow);
        peers.add(hq);
        db = openStore(path, deviceMigrations());
        records = std::make_unique<model::RecordStore>(*db, clock, me.localId(),
                                                       model::ReplicaRole::Device);
        must(records->open(), "device records");
        applier = std::make_unique<model::DeviceApplier>(*records);
        outbox = std::make_unique<StreamOutbox>(*db, me, peers, sclock);
        receiver = std::make_unique<Receiver>(*db, me, peers, *applier, *outbox, sclock);
    }
};

struct ApplyFigures
{
    double full = 0;
    double verify = 0;
    double open = 0;
    double decode = 0;
    double upsert = 0;
    int bytes = 0;
};

ApplyFigures measureApply(const QString &dir, int ops, int round)
{
    const Id16 deployment = crypto::randomFixed<Id16>();
    Identity hq(Role::Hq, deployment);

    // HQ's records: `ops` contacts, as the operations HQ would publish.
    liaison::ManualClock hqClock(kNow, 1000);
    auto hqDb = openStore(QStringLiteral("%1/hq-%2.db").arg(dir).arg(round),
                          model::RecordStore::migrations());
    model::RecordStore hqRecords(*hqDb, hqClock, hq.localId(), model::ReplicaRole::Hq);
    must(hqRecords.open(), "HQ records");
    must(hqDb->begin(), "begin");
    for (int i = 0; i < ops; ++i) {
        model::FieldMap f;
        f.insert(QStringLiteral("name"), QStringLiteral("Contact %1").arg(i));
        f.insert(QStringLiteral("organisation"), QStringLiteral("Federal Police"));
        f.insert(QStringLiteral("country"), QStringLiteral("AT"));
        f.insert(QStringLiteral("phones"),
                 QCborArray{model::phone(QStringLiteral("desk"), QStringLiteral("+43 1 531 26"),
                                         i % 3 == 0)});
        must(hqRecords.create(model::RecordType::Contact, kScope, f), "HQ create");
    }
    must(hqDb->commit(), "commit");
    auto pending = must(hqRecords.pendingOutbox(ops + 10), "outbox");
    QList<model::Operation> list;
    for (const auto &e : pending)
        list.append(e.op);

    DeviceSide dev(deployment, hq.asPeer(),
                   QStringLiteral("%1/dev-full-%2.db").arg(dir).arg(round));
    // The enrolment RESYNC (epoch 1, seq 1), then the big DELTA (seq 2).
    protocol::ResyncPayload rs;
    rs.scopes = QStringList{kScope};
    rs.heartbeat.hqTimeMs = kNow;
    codec::SealInput in;
    in.deployment = deployment;
    in.sender = hq.localId();
    in.recipient = dev.me.localId();
    in.epoch = 1;
    in.seq = 1;
    in.recipientBoxKeyId = 1;
    in.recipientBoxKey = dev.me.asPeer().boxKey;
    in.senderKey = &hq.signingKey();
    in.direction = Direction::Down;
    in.kind = Kind::Resync;
    in.createdMs = kNow;
    in.payload = rs.toCbor();
    const auto resync = must(codec::seal(in), "seal RESYNC");
    if (must(dev.receiver->receive(resync.bytes), "RESYNC").disposition != Disposition::Applied)
        die("RESYNC not applied");
    in.seq = 2;
    in.prev = resync.envHash;
    in.kind = Kind::Delta;
    in.payload = model::DeltaPayload{list}.toCbor();
    const auto delta = must(codec::seal(in), "seal DELTA");

    ApplyFigures f;
    f.bytes = int(delta.bytes.size());

    // The primitives alone.
    QElapsedTimer t;
    t.start();
    auto frame = protocol::parseEnvelope(delta.bytes, protocol::kMaxEnvelopeBytes);
    if (!frame || !protocol::verifyEnvelopeSignature(*frame, hq.asPeer().signKey))
        die("verify");
    f.verify = msSince(t);

    t.restart();
    auto body = protocol::openEnvelope(*frame, *dev.me.boxKey(1), Direction::Down);
    if (!body)
        die("open", body.error().message);
    f.open = msSince(t);

    t.restart();
    auto decoded = must(model::DeltaPayload::fromCbor(body->payload), "decode");
    f.decode = msSince(t);
    if (decoded.ops.size() != ops)
        die("decoded op count");

    DeviceSide plain(deployment, hq.asPeer(),
                     QStringLiteral("%1/dev-plain-%2.db").arg(dir).arg(round));
    must(plain.records->resetToSnapshot(QStringList{kScope}, {}), "hold scope");
    t.restart();
    must(plain.db->begin(), "begin");
    must(plain.records->applyRemoteBatch(decoded.ops), "upsert");
    must(plain.db->commit(), "commit");
    f.upsert = msSince(t);

    // The receiver, all of it.
    t.restart();
    auto r = must(dev.receiver->receive(delta.bytes), "receive");
    f.full = msSince(t);
    if (r.disposition != Disposition::Applied)
        die("DELTA not applied", r.reason);
    if (must(dev.records->recordCount(), "count") != ops)
        die("record count after receive");
    return f;
}

int singleEditBytes(const QString &dir)
{
    const Id16 deployment = crypto::randomFixed<Id16>();
    Identity hq(Role::Hq, deployment);
    DeviceSide dev(deployment, hq.asPeer(), dir + QStringLiteral("/edit.db"));
    must(dev.records->resetToSnapshot(QStringList{kScope}, {}), "hold scope");
    model::FieldMap f;
    f.insert(QStringLiteral("name"), QStringLiteral("Anna Berger"));
    f.insert(QStringLiteral("organisation"), QStringLiteral("Bundeskriminalamt"));
    const auto created = must(dev.records->create(model::RecordType::Contact, kScope, f), "create");
    must(dev.records->markSent(must(dev.records->pendingOutbox(), "outbox").last().seq), "sent");
    model::FieldMap change;
    change.insert(QStringLiteral("role"), QStringLiteral("Liaison officer, night desk"));
    const auto edit = must(dev.records->update(created.recordId, change), "update");
    if (!edit)
        die("no edit");
    codec::SealInput in;
    in.deployment = deployment;
    in.sender = dev.me.localId();
    in.recipient = hq.localId();
    in.epoch = 1;
    in.seq = 42;
    in.prev = crypto::randomFixed<Hash32>();
    in.recipientBoxKeyId = 1;
    in.recipientBoxKey = hq.asPeer().boxKey;
    in.senderKey = &dev.me.signingKey();
    in.direction = Direction::Up;
    in.kind = Kind::Delta;
    in.createdMs = kNow;
    in.payload = model::DeltaPayload{QList<model::Operation>{*edit}}.toCbor();
    return int(must(codec::seal(in), "seal edit").bytes.size());
}

double measureFanout(const QString &dir, int members)
{
    const Id16 deployment = crypto::randomFixed<Id16>();
    Identity hqId(Role::Hq, deployment);
    liaison::ManualClock clock(kNow, 1000);
    liaison::ManualClock sclock;
    sclock.setWall(kNow);
    auto migrations = model::RecordStore::migrations();
    for (auto &m : streamMigrations())
        migrations.push_back(std::move(m));
    for (auto &m : hq::DeviceRegistry::migrations())
        migrations.push_back(std::move(m));
    migrations.push_back(streamLaneMigration());
    auto db = openStore(dir + QStringLiteral("/fanout-hq.db"), std::move(migrations));
    model::RecordStore records(*db, clock, hqId.localId(), model::ReplicaRole::Hq);
    must(records.open(), "HQ records");
    hq::DeviceRegistry registry(*db);
    must(registry.open(), "registry");
    hq::HqFanout fanout(records, registry);
    hq::HqApplier applier(fanout);
    StreamOutbox outbox(*db, hqId, registry, sclock);
    Receiver receiver(*db, hqId, registry, applier, outbox, sclock);
    receiver.setResyncSource(&applier);

    // The sender plus `members` other members of the scope, all enrolled (down epoch 1 open).
    std::vector<std::unique_ptr<Identity>> devices;
    must(db->begin(), "begin");
    for (int i = 0; i <= members; ++i) {
        devices.push_back(std::make_unique<Identity>(Role::Device, deployment));
        const Peer p = devices.back()->asPeer();
        hq::DeviceRecord rec;
        rec.id = p.id;
        rec.signKey = p.signKey;
        rec.boxKey = p.boxKey;
        rec.boxKeyId = p.boxKeyId;
        rec.state = PeerState::Active;
        must(registry.addDevice(rec), "add device");
        must(registry.addMember(p.id, kScope), "member");
    }
    must(db->commit(), "commit");
    for (const auto &d : devices)
        must(receiver.sendResync(d->localId()), "RESYNC");

    // The sender's `up`: the RECEIPT that opens epoch 1, then one DELTA with one new contact.
    Identity &sender = *devices.front();
    liaison::ManualClock devClock(kNow, 1000);
    auto devDb = openStore(dir + QStringLiteral("/fanout-author.db"), deviceMigrations());
    model::RecordStore devRecords(*devDb, devClock, sender.localId(), model::ReplicaRole::Device);
    must(devRecords.open(), "author records");
    must(devRecords.resetToSnapshot(QStringList{kScope}, {}), "hold scope");
    model::FieldMap f;
    f.insert(QStringLiteral("name"), QStringLiteral("Marco Rossi"));
    f.insert(QStringLiteral("country"), QStringLiteral("IT"));
    const auto op = must(devRecords.create(model::RecordType::Contact, kScope, f), "create");

    codec::SealInput in;
    in.deployment = deployment;
    in.sender = sender.localId();
    in.recipient = hqId.localId();
    in.epoch = 1;
    in.seq = 1;
    in.recipientBoxKeyId = 1;
    in.recipientBoxKey = hqId.asPeer().boxKey;
    in.senderKey = &sender.signingKey();
    in.direction = Direction::Up;
    in.kind = Kind::Receipt;
    in.createdMs = kNow;
    protocol::ReceiptPayload receipt;
    receipt.downApplied = must(outbox.head(sender.localId()), "head");
    in.payload = receipt.toCbor();
    const auto opener = must(codec::seal(in), "seal receipt");
    if (must(receiver.receive(opener.bytes), "receipt").disposition != Disposition::Applied)
        die("receipt not applied");
    in.seq = 2;
    in.prev = opener.envHash;
    in.kind = Kind::Delta;
    in.payload = model::DeltaPayload{QList<model::Operation>{op}}.toCbor();
    const auto delta = must(codec::seal(in), "seal delta");

    QElapsedTimer t;
    t.start();
    auto r = must(receiver.receive(delta.bytes), "receive delta");
    const double ms = msSince(t);
    if (r.disposition != Disposition::Applied)
        die("delta not applied", r.reason);
    if (applier.lastResult().accepted != 1 || applier.lastResult().messages.size() != members)
        die("fan-out did not reach every member");
    return ms;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    liaison::test::prepareTestProcess();
    QLoggingCategory::setFilterRules(QStringLiteral("liaison.*.debug=false\nliaison.*.info=false"));
    const bool smoke = app.arguments().contains(QStringLiteral("--smoke"));
    const int ops = smoke ? 300 : 10000;
    const int members = smoke ? 5 : 100;
    const int rounds = smoke ? 1 : 3;

    QTemporaryDir dir;
    if (!dir.isValid())
        die("temp dir");

    // Best of `rounds` for the whole and for each primitive (same sizes, fresh stores).
    ApplyFigures best;
    for (int i = 0; i < rounds; ++i) {
        const ApplyFigures f = measureApply(dir.path(), ops, i);
        if (i == 0) {
            best = f;
            continue;
        }
        best.full = std::min(best.full, f.full);
        best.verify = std::min(best.verify, f.verify);
        best.open = std::min(best.open, f.open);
        best.decode = std::min(best.decode, f.decode);
        best.upsert = std::min(best.upsert, f.upsert);
    }
    const double primitives = best.verify + best.open + best.decode + best.upsert;
    std::printf("# %d operations, envelope %d bytes: receive %.1f ms; verify %.1f, open %.1f, "
                "decode %.1f, upsert %.1f ms\n",
                ops, best.bytes, best.full, best.verify, best.open, best.decode, best.upsert);
    std::printf("apply_10k_over_primitives: %.2f (goal <= 2.5)\n", best.full / primitives);
    std::printf("single_edit_envelope_bytes: %d (goal <= 1024)\n", singleEditBytes(dir.path()));
    std::printf("apply_ops_per_s: %.0f (reported)\n", double(ops) / (best.full / 1000.0));
    double fan = 0;
    for (int i = 0; i < rounds; ++i) {
        QTemporaryDir sub(dir.filePath(QStringLiteral("fanout-XXXXXX")));
        const double ms = measureFanout(sub.path(), members);
        fan = i == 0 ? ms : std::min(fan, ms);
    }
    std::printf("fanout_%d_devices_ms: %.1f (reported)\n", members, fan);
    return 0;
}
