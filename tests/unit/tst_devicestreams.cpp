// sync/device (DESIGN.md "Enrolment" step 4, "Commands, remote wipe"): the wipe id HQ sends in
// the first RESYNC after the desk confirmed an enrolment reaches the device profile (in the
// envelope's transaction) and the plain wipe file; a profile written at enrolment (root key, no
// wipe id yet) loads. Real stores, a real HQ receiver sealing the RESYNC, the device's own stream
// stack (device::DeviceStreams over device::DeviceSession). Issue 12: a newer policy's relay pins
// replace the profile's, in a POLICY or a RESYNC, only when the rounds run over https.

#include "tst_receiver_harness.h"

#include "device/devicestore.h"
#include "device/devicestreams.h"
#include "device/wipefile.h"
#include "protocol/body.h"
#include "testmain.h"

using namespace liaison;
using namespace liaison::streams;
using namespace liaison::streams::test;

namespace {

// HQ's side of a RESYNC: the device's scopes (no records) and, when set, its wipe id.
class WipeIdSource final : public ResyncSource
{
public:
    std::optional<Id16> wipeId;
    std::optional<protocol::PolicyPayload> policy;
    Result<ResyncContent> resyncContent(store::Database &, const Id16 &) override
    {
        ResyncContent c;
        c.scopes = QStringList{QStringLiteral("post:vienna")};
        c.wipeId = wipeId;
        c.policy = policy;
        return c;
    }
};

struct World
{
    QTemporaryDir dir;
    liaison::ManualClock clock{QDateTime::currentMSecsSinceEpoch()};
    Id16 deployment = crypto::randomFixed<Id16>();
    crypto::SignKeyPair root = crypto::crypto_sign_keypair();
    // HQ
    Identity hqMe{Role::Hq, deployment};
    Directory hqPeers;
    std::unique_ptr<store::Database> hqDb;
    KvApplier hqApplier;
    WipeIdSource source;
    std::unique_ptr<StreamOutbox> hqOutbox;
    std::unique_ptr<Receiver> hq;
    // the device, as enrolment left it
    Id16 devId = crypto::randomFixed<Id16>();
    vault::Identity devKeys{crypto::crypto_sign_keypair(), crypto::crypto_box_keypair()};
    std::unique_ptr<store::Database> devDb;
    std::unique_ptr<device::DeviceSession> session;
    std::unique_ptr<device::DeviceStreams> streams;

    bool open()
    {
        store::OpenOptions o;
        o.create = true;
        o.migrations = device::deviceMigrations();
        auto db = store::Database::open(dir.filePath(QStringLiteral("device.db")),
                                        crypto::SecretBytes::random(32), o);
        if (!db)
            return false;
        devDb = std::move(*db);
        device::DeviceProfile p;
        p.deviceId = devId;
        p.deploymentId = deployment;
        p.hqId = hqMe.localId();
        p.hqSignKey = hqMe.asPeer().signKey;
        p.hqBoxKey = hqMe.asPeer().boxKey;
        p.hqBoxKeyId = 1;
        p.relayUrl = QStringLiteral("http://127.0.0.1:1");
        p.relayPins = {QString::fromLatin1(QByteArray(32, 'a').toHex())};
        p.hqRootKey = root.publicKey; // from the code; the wipe id comes with the RESYNC
        p.wipeAckKeyHash =
            crypto::crypto_generichash(crypto::crypto_sign_keypair().publicKey.view());
        if (!device::saveDeviceProfile(*devDb, p))
            return false;
        auto s = device::DeviceSession::open(*devDb, clock);
        if (!s)
            return false;
        session = std::move(*s);
        auto st = device::DeviceStreams::open(*session, devKeys, clock);
        if (!st)
            return false;
        streams = std::move(*st);

        hqDb = openTestDb(dir.filePath(QStringLiteral("hq.db")), {kvMigration});
        Peer dev;
        dev.id = devId;
        dev.signKey = devKeys.sign.publicKey;
        dev.boxKey = devKeys.box.publicKey;
        dev.boxKeyId = device::kInitialBoxKeyId;
        dev.signKeyHash = crypto::crypto_generichash(devKeys.sign.publicKey.view());
        hqPeers.add(dev);
        hqOutbox = std::make_unique<StreamOutbox>(*hqDb, hqMe, hqPeers, clock);
        hq = std::make_unique<Receiver>(*hqDb, hqMe, hqPeers, hqApplier, *hqOutbox, clock);
        hq->setResyncSource(&source);
        return true;
    }

    // Every pending `down` envelope, received by the device; false when one is not applied.
    bool deliverDown()
    {
        auto pending = hqOutbox->pending(devId, 1000);
        if (!pending)
            return false;
        for (const auto &q : *pending) {
            (void)hqOutbox->markDelivered(devId, q.stream.epoch, q.seq);
            auto r = streams->receiver().receive(q.bytes);
            if (!r) {
                qWarning() << r.error().message;
                return false;
            }
        }
        return true;
    }
};

} // namespace

class TestDeviceStreams : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void enrolmentProfileWithoutWipeIdLoads();
    void resyncWipeIdReachesProfileAndWipeFile();
    void resyncWithoutWipeIdLeavesNone();
    void policyRelayPinsTakenOnlyOverHttps();
    void announcesPriorityLanesToHq();
};

void TestDeviceStreams::enrolmentProfileWithoutWipeIdLoads()
{
    // Before: a profile with the root key and no wipe id was "damaged" (both or neither).
    World w;
    QVERIFY(w.open());
    auto p = device::loadDeviceProfile(*w.devDb);
    QVERIFY2(p, p ? "" : qPrintable(p.error().message));
    QVERIFY(*p);
    QCOMPARE((*p)->hqRootKey, std::optional(w.root.publicKey));
    QVERIFY(!(*p)->wipeId);
    // No wipe file can be made yet.
    auto written = device::refreshWipeFile(w.dir.path(), **p, w.devKeys.sign.publicKey,
                                           std::nullopt, 0, w.clock);
    QVERIFY(written);
    QVERIFY(!*written);
    QVERIFY(!QFile::exists(device::wipeFilePath(w.dir.path())));
}

void TestDeviceStreams::resyncWipeIdReachesProfileAndWipeFile()
{
    // Before: DeviceStreams handed the RESYNC to the records applier alone and the wipe id HQ
    // sent was dropped; the profile (and so the wipe file) never had one.
    World w;
    QVERIFY(w.open());
    const Id16 wipeId = crypto::randomFixed<Id16>();
    w.source.wipeId = wipeId;
    QVERIFY(w.hq->sendResync(w.devId));
    QVERIFY(w.deliverDown());
    auto state = w.streams->hqStream();
    QVERIFY(state && *state);
    QCOMPARE((*state)->applied.seq, std::uint64_t(1));
    QCOMPARE(w.session->records().scopes(), QStringList{QStringLiteral("post:vienna")});
    QVERIFY(w.streams->takeWipeIdArrived());
    QVERIFY(!w.streams->takeWipeIdArrived());
    // Saved in the store with the envelope; the session re-reads it.
    auto stored = device::loadDeviceProfile(*w.devDb);
    QVERIFY(stored && *stored);
    QCOMPARE((*stored)->wipeId, std::optional(wipeId));
    QVERIFY(!w.session->profile()->wipeId);
    QVERIFY(w.session->reloadProfile());
    QCOMPARE(w.session->profile()->wipeId, std::optional(wipeId));
    // The plain wipe file the locked app checks.
    auto written = device::refreshWipeFile(
        w.dir.path(), *w.session->profile(), w.devKeys.sign.publicKey,
        w.session->records().clock().referenceMs(), w.streams->hqKeys().serial(), w.clock);
    QVERIFY(written);
    QVERIFY(*written);
    auto file = device::readWipeFile(w.dir.path());
    QVERIFY(file && *file);
    QCOMPARE((*file)->target.wipeId, wipeId);
    QCOMPARE((*file)->target.device, w.devId);
    QCOMPARE((*file)->target.rootKey, w.root.publicKey);
    QCOMPARE((*file)->target.signKeyHash,
             crypto::crypto_generichash(w.devKeys.sign.publicKey.view()));
    QVERIFY((*file)->hqTimeMs.has_value());
    // Current: not written again.
    auto again = device::refreshWipeFile(
        w.dir.path(), *w.session->profile(), w.devKeys.sign.publicKey,
        w.session->records().clock().referenceMs(), w.streams->hqKeys().serial(), w.clock);
    QVERIFY(again);
    QVERIFY(!*again);

    // A later RESYNC naming the same wipe id: nothing new arrives.
    QVERIFY(w.hq->sendResync(w.devId));
    QVERIFY(w.deliverDown());
    QVERIFY(!w.streams->takeWipeIdArrived());
}

void TestDeviceStreams::resyncWithoutWipeIdLeavesNone()
{
    World w;
    QVERIFY(w.open());
    QVERIFY(w.hq->sendResync(w.devId));
    QVERIFY(w.deliverDown());
    auto state = w.streams->hqStream();
    QVERIFY(state && *state);
    QVERIFY(!w.streams->takeWipeIdArrived());
    QVERIFY(w.session->reloadProfile());
    QVERIFY(!w.session->profile()->wipeId);
}

void TestDeviceStreams::policyRelayPinsTakenOnlyOverHttps()
{
    const auto pin = [](char c) {
        return *protocol::RelayPin::fromBytes(QByteArray(32, c));
    };
    const auto hex = [](char c) {
        return QString::fromLatin1(QByteArray(32, c).toHex());
    };
    const auto profilePins = [](World &w) {
        return w.session->reloadProfile() ? w.session->profile()->relayPins
                                          : QStringList{QStringLiteral("(unreadable)")};
    };
    World w;
    QVERIFY(w.open());
    // A RESYNC's policy with pins, the rounds not over https (the default): the policy is
    // saved, the pins are not.
    w.source.policy = protocol::PolicyPayload{0, 10, 1, QList<protocol::RelayPin>{pin('b')}};
    QVERIFY(w.hq->sendResync(w.devId));
    QVERIFY(w.deliverDown());
    QVERIFY(w.streams->takePolicyArrived());
    QVERIFY(!w.streams->takeRelayPinsArrived());
    QCOMPARE(profilePins(w), QStringList{hex('a')});

    // Over https: a newer POLICY's pins replace the profile's in its transaction.
    w.streams->setRelayPinsAccepted(true);
    const auto send = [&](std::uint64_t version, std::optional<QList<protocol::RelayPin>> pins) {
        protocol::PolicyPayload p{0, 10, version, std::move(pins)};
        return bool(w.hqOutbox->enqueue(w.devId, Kind::Policy, p.toCbor())) && w.deliverDown();
    };
    QVERIFY(send(2, QList<protocol::RelayPin>{pin('b'), pin('c')}));
    QVERIFY(w.streams->takeRelayPinsArrived());
    QCOMPARE(profilePins(w), QStringList({hex('b'), hex('c')}));
    // An older version changes nothing; a newer one without pins leaves them.
    QVERIFY(send(1, QList<protocol::RelayPin>{pin('d')}));
    QVERIFY(!w.streams->takeRelayPinsArrived());
    QVERIFY(send(3, std::nullopt));
    QVERIFY(!w.streams->takeRelayPinsArrived());
    QCOMPARE(profilePins(w), QStringList({hex('b'), hex('c')}));
    // The RESYNC path over https: its policy's pins are taken too.
    w.source.policy = protocol::PolicyPayload{0, 10, 4, QList<protocol::RelayPin>{pin('e')}};
    QVERIFY(w.hq->sendResync(w.devId));
    QVERIFY(w.deliverDown());
    QVERIFY(w.streams->takeRelayPinsArrived());
    QCOMPARE(profilePins(w), QStringList{hex('e')});
}

LIAISON_TEST_MAIN(TestDeviceStreams)
// Priority lanes (DESIGN.md "Streams"): the app's device announces them in the RECEIPT that
// answers HQ's RESYNC, so HQ may use `down!` for it from then on (an older app does not, and
// gets everything on `down`: tst_hqlanes).
void TestDeviceStreams::announcesPriorityLanesToHq()
{
    World w;
    QVERIFY(w.open());
    QVERIFY(w.hq->sendResync(w.devId));
    QVERIFY(!*w.hqOutbox->priorityLaneUsable(w.devId));
    QVERIFY(w.deliverDown());
    auto up = w.streams->outbox().pending(w.hqMe.localId(), 1000);
    QVERIFY(up && !up->empty());
    for (const auto &q : *up)
        QVERIFY(w.hq->receive(q.bytes));
    QVERIFY(*w.hqOutbox->priorityLaneUsable(w.devId));
}

#include "tst_devicestreams.moc"
