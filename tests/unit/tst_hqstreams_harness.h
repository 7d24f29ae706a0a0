#pragma once

// HQ (records, device registry, HqFanout, HqApplier, receiver, stream outbox) and devices
// (records, DeviceApplier, receiver, outbox) over real SQLCipher stores, for the tests that wire
// sync/hq through the real stream layer (DESIGN.md "Streams", "Topology").

#include "hq/deviceregistry.h"
#include "hq/hqapplier.h"
#include "hq/hqfanout.h"
#include "model/deviceapplier.h"
#include "model/recordstore.h"
#include "streams/receiver.h"
#include "streams/streamoutbox.h"
#include "streams/streamschema.h"
#include "tst_receiver_harness.h"

#include <memory>

namespace liaison::hqtest {

using namespace liaison::model;
using liaison::streams::test::Directory;
using liaison::streams::test::Identity;

inline std::unique_ptr<store::Database> openDb(const QString &path,
                                               std::vector<store::Migration> extra = {})
{
    store::OpenOptions o;
    o.create = true;
    o.synchronousFull = false;
    o.migrations = RecordStore::migrations();
    for (auto &m : streams::streamMigrations())
        o.migrations.push_back(m);
    for (auto &m : extra)
        o.migrations.push_back(m);
    o.migrations.push_back(streams::streamLaneMigration());
    auto db = store::Database::open(path, crypto::SecretBytes::random(32), o);
    return db ? std::move(*db) : nullptr;
}

// The stream clock follows the model clock's wall time.
class StreamClockOf final : public liaison::Clock
{
public:
    explicit StreamClockOf(const ManualClock &c)
        : m_c(c)
    {}
    qint64 wallMs() const override { return m_c.wallMs(); }
    qint64 bootMs() const override { return m_c.bootMs(); }
    QByteArray bootId() const override { return m_c.bootId(); }

private:
    const ManualClock &m_c;
};

struct Hq
{
    Identity me;
    ManualClock clock;
    StreamClockOf streamClock{clock};
    std::unique_ptr<store::Database> db;
    std::unique_ptr<RecordStore> records;
    std::unique_ptr<hq::DeviceRegistry> registry;
    std::unique_ptr<hq::HqFanout> fanout;
    std::unique_ptr<hq::HqApplier> applier;
    std::unique_ptr<streams::StreamOutbox> outbox;
    std::unique_ptr<streams::Receiver> receiver;

    Hq(const crypto::Id16 &deployment, const QString &path)
        : me(streams::Role::Hq, deployment)
    {
        db = openDb(path, hq::DeviceRegistry::migrations());
        records = std::make_unique<RecordStore>(*db, clock, me.localId(), ReplicaRole::Hq);
        registry = std::make_unique<hq::DeviceRegistry>(*db);
        fanout = std::make_unique<hq::HqFanout>(*records, *registry);
        applier = std::make_unique<hq::HqApplier>(*fanout);
        outbox = std::make_unique<streams::StreamOutbox>(*db, me, *registry, streamClock);
        receiver =
            std::make_unique<streams::Receiver>(*db, me, *registry, *applier, *outbox, streamClock);
        receiver->setResyncSource(applier.get());
    }
    bool open() { return records->open() && registry->open(); }
};

struct Device
{
    Identity me;
    Directory peers;
    ManualClock clock;
    StreamClockOf streamClock{clock};
    std::unique_ptr<store::Database> db;
    std::unique_ptr<RecordStore> records;
    std::unique_ptr<DeviceApplier> applier;
    std::unique_ptr<streams::StreamOutbox> outbox;
    std::unique_ptr<streams::Receiver> receiver;

    Device(const crypto::Id16 &deployment, const QString &path)
        : me(streams::Role::Device, deployment)
    {
        db = openDb(path);
        records = std::make_unique<RecordStore>(*db, clock, me.localId(), ReplicaRole::Device);
        applier = std::make_unique<DeviceApplier>(*records);
        outbox = std::make_unique<streams::StreamOutbox>(*db, me, peers, streamClock);
        receiver =
            std::make_unique<streams::Receiver>(*db, me, peers, *applier, *outbox, streamClock);
    }
    QByteArray dump(const QStringList &scopes) const
    {
        auto d = records->canonicalDump(scopes);
        return d ? *d : QByteArray("dump failed");
    }
};

// HQ and any number of devices in one temp dir, with an in-process relay (pump) that delivers
// everything pending both ways and records what each receiver made of it.
struct Star
{
    QTemporaryDir dir;
    crypto::Id16 deployment = crypto::randomFixed<crypto::Id16>();
    std::unique_ptr<Hq> hq;
    std::vector<std::unique_ptr<Device>> devices;
    QList<streams::Disposition> seen; // every disposition of the last pump, both ways

    Star() { hq = std::make_unique<Hq>(deployment, dir.filePath(QStringLiteral("hq.db"))); }
    bool open() { return hq->open(); }
    Device &add()
    {
        const QString path = dir.filePath(QStringLiteral("dev%1.db").arg(devices.size()));
        devices.push_back(std::make_unique<Device>(deployment, path));
        return *devices.back();
    }
    // Registers the device as active with the scopes and sends its enrolment RESYNC (delivered
    // unless `deliver` is false: then it waits in HQ's outbox).
    bool enrol(Device &d, const QStringList &scopes, bool deliver = true)
    {
        if (!d.records->open())
            return false;
        d.clock.setWall(hq->clock.wallMs());
        d.peers.add(hq->me.asPeer());
        const streams::Peer p = d.me.asPeer();
        hq::DeviceRecord rec;
        rec.id = p.id;
        rec.signKey = p.signKey;
        rec.boxKey = p.boxKey;
        rec.boxKeyId = p.boxKeyId;
        rec.state = streams::PeerState::Active;
        if (!hq->registry->addDevice(rec))
            return false;
        for (const QString &s : scopes) {
            if (!hq->registry->addMember(rec.id, s))
                return false;
        }
        return hq->receiver->sendResync(rec.id).has_value() && (!deliver || pump());
    }
    // Delivers everything pending both ways until quiet; false on a local failure.
    bool pump()
    {
        seen.clear();
        for (int round = 0; round < 30; ++round) {
            int moved = 0;
            for (auto &d : devices) {
                auto down = hq->outbox->pending(d->me.localId(), 100000);
                if (!down)
                    return false;
                for (const auto &q : *down) {
                    if (!hq->outbox->markDelivered(d->me.localId(), q.stream.epoch, q.seq))
                        return false;
                    auto r = d->receiver->receive(q.bytes);
                    if (!r)
                        return false;
                    seen.append(r->disposition);
                    ++moved;
                }
                auto up = d->outbox->pending(hq->me.localId(), 100000);
                if (!up)
                    return false;
                for (const auto &q : *up) {
                    if (!d->outbox->markDelivered(hq->me.localId(), q.stream.epoch, q.seq))
                        return false;
                    auto r = hq->receiver->receive(q.bytes);
                    if (!r)
                        return false;
                    seen.append(r->disposition);
                    ++moved;
                }
            }
            if (moved == 0)
                return true;
        }
        return false;
    }
    // Only Applied (and Duplicate) dispositions in the last pump.
    bool allApplied() const
    {
        for (streams::Disposition d : seen) {
            if (d != streams::Disposition::Applied && d != streams::Disposition::Duplicate)
                return false;
        }
        return true;
    }
    bool publish()
    {
        auto r = hq->fanout->publishLocalEdits();
        return r && hq::HqFanout::enqueue(*hq->outbox, r->messages) && pump();
    }
    // Rows in HQ's stream outbox for a device (of one kind, or all).
    int outboxRows(const crypto::Id16 &device, std::optional<streams::Kind> kind = {}) const
    {
        auto st = hq->db->prepare(kind ? "SELECT count(*) FROM stream_outbox WHERE recipient = ? "
                                         "AND kind = ?"
                                       : "SELECT count(*) FROM stream_outbox WHERE recipient = ?");
        if (!st)
            return -1;
        st->bind(1, device.view());
        if (kind)
            st->bind(2, int(*kind));
        if (!st->step().value_or(false))
            return -1;
        return int(st->columnInt64(0));
    }
    int alarms(streams::AlarmType type) const
    {
        auto all = hq->receiver->alarms();
        if (!all)
            return -1;
        int n = 0;
        for (const auto &a : *all)
            n += a.type == type ? 1 : 0;
        return n;
    }
};

} // namespace liaison::hqtest
