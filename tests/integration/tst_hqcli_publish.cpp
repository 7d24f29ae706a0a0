// liaison-hq publish and device list (issue 10): the real binary and a real liaison-relay on
// loopback; a device (this process, the library's device side) pulls what the desk published and
// must hold exactly its scope's records.
//
// Enrolment (device add / confirm) is not built yet: the device is registered in the desk store
// through the library, as `device confirm` will do it (registry, membership, RESYNC epoch 1,
// relay device list). Everything after that is the CLI.

#include "e2eharness.h"
#include "hqclikit.h"
#include "testmain.h"

#include "desk/deskrelay.h"
#include "desk/deskstore.h"
#include "desktop/softwarekeystore.h"

#include <QJsonArray>

using namespace liaison;
using namespace liaison::hqclitest;

namespace {

QString fixture(const char *name)
{
    return QStringLiteral(LIAISON_FIXTURES_DIR "/contacts/") + QString::fromLatin1(name);
}

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

} // namespace

class TestHqCliPublish : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void publishReachesExactlyTheScopesDevices();
    void publishWithoutRelayKeepsTheEditsQueued();
};

void TestHqCliPublish::publishReachesExactlyTheScopesDevices()
{
    Desk d;
    QVERIFY(d.rootInit());
    // The relay pins the desk's root key.
    relaytest::Deployment dep;
    dep.root.publicKey = *crypto::SignPublicKey::fromHex(d.rootPublicKey.toLatin1());
    dep.id = *crypto::Id16::fromHex(d.deployment.toLatin1());
    dep.cert.clear(); // the desk installs its own certificate
    relaytest::Backend backend;
    QString error;
    QVERIFY2(relaytest::makeBackend(QStringLiteral("sqlite"), d.dir, backend, &error),
             qPrintable(error));
    relaytest::RelayProcess relay;
    QVERIFY(relay.start(d.dir, backend, dep));
    const QString relayUrl = QStringLiteral("http://127.0.0.1:%1").arg(relay.port);
    QVERIFY(d.initStore(relayUrl));
    for (const char *s : {"post:vienna", "post:berlin"})
        QCOMPARE(
            d.hq({QStringLiteral("scope"), QStringLiteral("add"), QString::fromLatin1(s)}).code, 0);
    QCOMPARE(d.hq({QStringLiteral("contact"), QStringLiteral("import"), fixture("outlook_cz.csv"),
                   QStringLiteral("--scope"), QStringLiteral("post:vienna")})
                 .code,
             0);
    QCOMPARE(d.hq({QStringLiteral("contact"), QStringLiteral("import"),
                   fixture("windows1250_semicolon.csv"), QStringLiteral("--scope"),
                   QStringLiteral("post:berlin")})
                 .code,
             0);
    // Before any device: publish installs the certificate, drains the change log, sends nothing.
    const Run first = d.hq({QStringLiteral("publish")});
    QVERIFY2(first.code == 0, describe(first).constData());
    QCOMPARE(first.json.value(QStringLiteral("queued")).toInt(), 0);
    QCOMPARE(first.json.value(QStringLiteral("delivered")).toInt(), 0);
    const Run status = d.hq({QStringLiteral("status")});
    QCOMPARE(status.json.value(QStringLiteral("unpublishedEdits")).toInt(), 0);

    // The desk's signing PUBLIC key, named as what it is (not "contentKey").
    QVERIFY(!status.json.contains(QStringLiteral("contentKey")));
    // ---- the device (library device side, its own store) ----
    dep.content.publicKey = *crypto::SignPublicKey::fromHex(
        status.json.value(QStringLiteral("signPublicKey")).toString().toLatin1());
    e2e::TestClock clock;
    e2e::DeviceNode dev(dep, clock);
    {
        std::vector<store::Migration> m = model::RecordStore::migrations();
        for (auto &x : streams::streamMigrations())
            m.push_back(std::move(x));
        m.push_back(streams::streamLaneMigration());
        dev.db = e2e::openStore(d.path(QStringLiteral("device.db")), std::move(m));
        QVERIFY(dev.db);
        dev.records = std::make_unique<model::RecordStore>(*dev.db, clock, dev.id,
                                                           model::ReplicaRole::Device);
        QVERIFY(dev.records->open());
        dev.applier = std::make_unique<model::DeviceApplier>(*dev.records);
        dev.me = std::make_unique<e2e::Identity>(streams::Role::Device, dep.id, dev.id,
                                                 dev.keys.secretKey, dev.keys.publicKey);
        streams::Peer p;
        p.id = protocol::hqParticipantId();
        p.signKey = dep.content.publicKey;
        p.boxKey = *crypto::BoxPublicKey::fromHex(
            status.json.value(QStringLiteral("boxPublicKey")).toString().toLatin1());
        p.boxKeyId = desk::kHqBoxKeyId;
        p.signKeyHash = crypto::crypto_generichash(dep.content.publicKey.view());
        p.state = streams::PeerState::Active;
        dev.directory.m_hq = p;
        dev.outbox =
            std::make_unique<streams::StreamOutbox>(*dev.db, *dev.me, dev.directory, clock);
        dev.receiver = std::make_unique<streams::Receiver>(*dev.db, *dev.me, dev.directory,
                                                           *dev.applier, *dev.outbox, clock);
    }
    // ---- registered at the desk as `device confirm` will: registry, membership, RESYNC, relay
    // ----
    {
        OpenedDesk opened(d);
        QVERIFY(opened.store);
        desk::DeskStore &desk = *opened.store;
        hq::DeviceRecord rec;
        rec.id = dev.id;
        rec.signKey = dev.keys.publicKey;
        rec.boxKey = dev.me->boxPublicKey();
        rec.boxKeyId = 1;
        rec.state = streams::PeerState::Active;
        rec.label = QStringLiteral("Vienna liaison officer");
        QVERIFY(desk.registry().addDevice(rec));
        QVERIFY(desk.registry().addMember(dev.id, QStringLiteral("post:vienna")));
        auto link = desk::DeskRelay::open(desk);
        QVERIFY(link);
        QVERIFY((*link)->receiver().sendResync(dev.id));
        auto put =
            (*link)->putDevice(dev.id, dev.keys.publicKey, client::RelayDeviceState::Active, 1);
        QVERIFY2(put, put ? "" : qPrintable(put.error().message));
    }
    // ---- publish killed after the local half: the next publish completes ----
    const Run killed =
        d.hqEnv({QStringLiteral("publish")},
                {{QStringLiteral("LIAISON_HQ_TEST_KILL"), QStringLiteral("publish")}});
    QCOMPARE(killed.code, -2);
    // ---- publish: the RESYNC goes out ----
    const Run second = d.hq({QStringLiteral("publish")});
    QVERIFY2(second.code == 0, describe(second).constData());
    QVERIFY(second.json.value(QStringLiteral("delivered")).toInt() >= 1);
    QCOMPARE(second.json.value(QStringLiteral("pending")).toInt(), 0);
    dev.connectTo(e2e::endpointFor(dep, relay.port));
    QVERIFY(dev.syncOnce());
    QCOMPARE(dev.records->scopes(), QStringList{QStringLiteral("post:vienna")});
    auto count = dev.records->recordCount();
    QVERIFY(count);
    QCOMPARE(*count, qint64(4)); // the Outlook file's contacts, nothing of post:berlin
    {
        OpenedDesk opened(d);
        QVERIFY(opened.store);
        QCOMPARE(e2e::dump(*dev.records, {QStringLiteral("post:vienna")}),
                 e2e::dump(opened.store->records(), {QStringLiteral("post:vienna")}));
    }

    // ---- new edits in both scopes: only Vienna's reach the device ----
    const Run addV = d.hq({QStringLiteral("contact"), QStringLiteral("add"),
                           QStringLiteral("--scope"), QStringLiteral("post:vienna"),
                           QStringLiteral("--name"), QStringLiteral("Veronika Hájková")});
    QVERIFY2(addV.code == 0, describe(addV).constData());
    QCOMPARE(d.hq({QStringLiteral("contact"), QStringLiteral("add"), QStringLiteral("--scope"),
                   QStringLiteral("post:berlin"), QStringLiteral("--name"),
                   QStringLiteral("Berlin only")})
                 .code,
             0);
    QCOMPARE(d.hq({QStringLiteral("contact"), QStringLiteral("delete"),
                   d.hq({QStringLiteral("contact"), QStringLiteral("list"),
                         QStringLiteral("--query"), QStringLiteral("Szőke")})
                       .json.value(QStringLiteral("contacts"))
                       .toArray()[0]
                       .toObject()
                       .value(QStringLiteral("id"))
                       .toString()})
                 .code,
             0);
    const Run third = d.hq({QStringLiteral("publish")});
    QVERIFY2(third.code == 0, describe(third).constData());
    QVERIFY(third.json.value(QStringLiteral("queued")).toInt() >= 1);
    QCOMPARE(third.json.value(QStringLiteral("pending")).toInt(), 0);
    QVERIFY(dev.syncOnce());
    {
        OpenedDesk opened(d);
        QVERIFY(opened.store);
        QCOMPARE(e2e::dump(*dev.records, {QStringLiteral("post:vienna")}),
                 e2e::dump(opened.store->records(), {QStringLiteral("post:vienna")}));
    }
    auto live = dev.records->records({QStringLiteral("post:vienna")});
    QVERIFY(live);
    QStringList names;
    for (const model::RecordState &r : *live)
        if (!r.deleted)
            names.append(r.fields.value(QStringLiteral("name")).value.toString());
    names.sort();
    QCOMPARE(names,
             (QStringList{QStringLiteral("Jiří Tomáš Dvořák"), QStringLiteral("Permanent service"),
                          QStringLiteral("Veronika Hájková"), QStringLiteral("Šárka Havránková")}));
    QCOMPARE(dev.records->scopes(), QStringList{QStringLiteral("post:vienna")});

    // ---- device list: the device, its scope, its streams caught up ----
    const Run list = d.hq({QStringLiteral("device"), QStringLiteral("list")});
    QVERIFY2(list.code == 0, describe(list).constData());
    const QJsonArray devices = list.json.value(QStringLiteral("devices")).toArray();
    QCOMPARE(devices.size(), 1);
    const QJsonObject o = devices[0].toObject();
    QCOMPARE(o.value(QStringLiteral("id")).toString(), QString::fromLatin1(dev.id.toHex()));
    QCOMPARE(o.value(QStringLiteral("state")).toString(), QStringLiteral("active"));
    QCOMPARE(o.value(QStringLiteral("scopes")).toArray(),
             QJsonArray{QStringLiteral("post:vienna")});
    QCOMPARE(o.value(QStringLiteral("downPending")).toInt(), 0);
    QCOMPARE(o.value(QStringLiteral("downDelivered")).toInt(),
             o.value(QStringLiteral("downSeq")).toInt());
    QVERIFY(o.value(QStringLiteral("downSeq")).toInt() >= 2);
    QCOMPARE(d.hq({QStringLiteral("device"), QStringLiteral("list"), QStringLiteral("--scope"),
                   QStringLiteral("post:berlin")})
                 .json.value(QStringLiteral("devices"))
                 .toArray()
                 .size(),
             0);
    // The device's RECEIPT reached HQ at the next round.
    QCOMPARE(d.hq({QStringLiteral("publish")}).code, 0);
    QVERIFY(d.hq({QStringLiteral("device"), QStringLiteral("list")})
                .json.value(QStringLiteral("devices"))
                .toArray()[0]
                .toObject()
                .value(QStringLiteral("upApplied"))
                .toInt() >= 1);
    // Every publish is in the audit (the killed one committed its local half).
    QCOMPARE(d.hq({QStringLiteral("audit"), QStringLiteral("--action"), QStringLiteral("publish")})
                 .json.value(QStringLiteral("entries"))
                 .toArray()
                 .size(),
             5);
}

void TestHqCliPublish::publishWithoutRelayKeepsTheEditsQueued()
{
    Desk d;
    QVERIFY(d.setUp(QStringLiteral("http://127.0.0.1:1"))); // nothing listens there
    QCOMPARE(
        d.hq({QStringLiteral("scope"), QStringLiteral("add"), QStringLiteral("post:vienna")}).code,
        0);
    QCOMPARE(d.hq({QStringLiteral("contact"), QStringLiteral("add"), QStringLiteral("--scope"),
                   QStringLiteral("post:vienna"), QStringLiteral("--name"),
                   QStringLiteral("Jana Nováková")})
                 .code,
             0);
    const Run r =
        d.hq({QStringLiteral("publish"), QStringLiteral("--timeout"), QStringLiteral("10")});
    QCOMPARE(r.code, 1);
    QVERIFY(r.err.contains("publish again"));
    // The local half committed (the edit became stream messages, none here: no device yet).
    QCOMPARE(
        d.hq({QStringLiteral("status")}).json.value(QStringLiteral("unpublishedEdits")).toInt(), 0);
}

LIAISON_TEST_MAIN(TestHqCliPublish)
#include "tst_hqcli_publish.moc"
