// Metered links (issue 11): "a setting that defers bulk sync on roaming or metered networks; the
// priority lane always runs". The device's SyncClient against a scripted relay (the fakes of
// tst_client.cpp, trimmed) with a ManualConnectivity that says whether the link is metered:
//  - setting on and the link metered: the round reads the mailbox with lane=priority only, pushes
//    only `up!` envelopes, gap-fills only priority streams; the status says bulk is deferred;
//  - the link turning unmetered starts a round that moves the bulk;
//  - the setting off: bulk flows on a metered link as on any other.

#include "client/connectivity.h"
#include "client/syncclient.h"
#include "client/syncstatus.h"
#include "clock/clock.h"
#include "connectivity.h"
#include "crypto/crypto.h"
#include "minihttpserver.h"
#include "protocol/lanes.h"
#include "protocol/relaybatch.h"
#include "protocol/requestsig.h"
#include "streams/peers.h"
#include "testmain.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkInformation>
#include <QSignalSpy>
#include <QTest>
#include <QUrlQuery>

#include <map>
#include <set>

using namespace liaison;
using namespace liaison::client;
using liaison::test::MiniHttpServer;

namespace {

constexpr quint32 kBulkEpoch = 1;
constexpr quint32 kPriorityEpoch = protocol::kPriorityEpochBit | 1;

class TestIdentity final : public streams::LocalIdentity
{
public:
    TestIdentity()
        : m_keys(crypto::crypto_sign_keypair())
        , m_box(crypto::crypto_box_keypair())
    {
        m_id = crypto::randomFixed<crypto::Id16>();
        m_deployment = crypto::randomFixed<crypto::Id16>();
    }
    streams::Role role() const override { return streams::Role::Device; }
    crypto::Id16 deploymentId() const override { return m_deployment; }
    crypto::Id16 localId() const override { return m_id; }
    const crypto::SignSecretKey &signingKey() const override { return m_keys.secretKey; }
    const crypto::BoxKeyPair *boxKey(std::uint32_t) const override { return &m_box; }
    const crypto::SignPublicKey &publicKey() const { return m_keys.publicKey; }

private:
    crypto::SignKeyPair m_keys;
    crypto::BoxKeyPair m_box;
    crypto::Id16 m_id;
    crypto::Id16 m_deployment;
};

// The stream layer in memory: the outbox lists the priority lane first, as StreamOutbox does.
class FakePort final : public DeviceStreamPort
{
public:
    std::vector<streams::QueuedEnvelope> outbox;
    QList<QByteArray> received;
    std::vector<streams::GapRequest> gaps; // wanted until filled
    int receipts = 0;
    std::optional<streams::StreamState> hq = streams::StreamState{};

    void add(quint32 epoch, quint64 seq)
    {
        streams::QueuedEnvelope e;
        e.stream.epoch = epoch;
        e.stream.direction = streams::Direction::Up;
        e.seq = seq;
        e.bytes = QByteArray::number(epoch) + ':' + QByteArray::number(seq) + ":x";
        e.envHash = crypto::crypto_generichash(e.bytes);
        outbox.push_back(e);
        std::stable_sort(outbox.begin(), outbox.end(), [](const auto &a, const auto &b) {
            return protocol::laneOfEpoch(a.stream.epoch) == protocol::Lane::Priority &&
                   protocol::laneOfEpoch(b.stream.epoch) == protocol::Lane::Bulk;
        });
    }
    Result<std::vector<streams::QueuedEnvelope>> pendingEnvelopes(int limit) override
    {
        std::vector<streams::QueuedEnvelope> out;
        for (const auto &e : outbox)
            if (e.deliveredMs == 0 && int(out.size()) < limit)
                out.push_back(e);
        return out;
    }
    Result<qsizetype> pendingCount() override
    {
        return qsizetype(std::count_if(outbox.begin(), outbox.end(),
                                       [](const auto &e) { return e.deliveredMs == 0; }));
    }
    Status markDelivered(const streams::QueuedEnvelope &env) override
    {
        for (auto &e : outbox)
            if (e.stream.epoch == env.stream.epoch && e.seq == env.seq)
                e.deliveredMs = 1;
        return {};
    }
    Result<streams::ReceiveResult> receive(QByteArrayView envelope) override
    {
        received.append(envelope.toByteArray());
        // A gap-filled envelope closes its gap.
        std::erase_if(gaps, [&](const streams::GapRequest &g) {
            return envelope.startsWith(QByteArray::number(g.stream.epoch) + ':');
        });
        streams::ReceiveResult r;
        r.disposition = streams::Disposition::Applied;
        r.acknowledge = true;
        r.applied = 1;
        return r;
    }
    Result<std::vector<streams::GapRequest>> gapsWanted() override { return gaps; }
    Status tick() override { return {}; }
    Status sendReceipt(std::int64_t) override
    {
        ++receipts;
        return {};
    }
    Result<std::optional<streams::StreamState>> hqStream() override { return hq; }
    Result<std::vector<streams::Alarm>> alarms() override { return {}; }
};

// A scripted relay: envelopes stored by (epoch, seq), a mailbox with lanes, acknowledgements,
// stream reads for gap fill; requests must carry the device's signature.
class FakeRelay
{
    const TestIdentity &m_device;

public:
    explicit FakeRelay(const TestIdentity &device)
        : m_device(device)
        , server([this](const MiniHttpServer::Request &r) { return handle(r); })
    {}

    std::map<std::pair<quint32, quint64>, QByteArray> stored;
    std::map<qint64, QByteArray> mailbox;                          // cursor -> envelope
    std::set<qint64> priority;                                     // cursors of the priority lane
    QList<QByteArray> mailboxReads;                                // request targets
    std::map<QByteArray, QList<protocol::RelayBatchItem>> streams; // "epoch" -> items
    QList<QByteArray> streamReads;
    int badSignatures = 0;
    MiniHttpServer server;

    MiniHttpServer::Response handle(const MiniHttpServer::Request &r)
    {
        auto json = [](int status, const QJsonObject &o) {
            MiniHttpServer::Response resp;
            resp.status = status;
            resp.body = QJsonDocument(o).toJson(QJsonDocument::Compact);
            return resp;
        };
        if (!verify(r)) {
            ++badSignatures;
            return json(401, {{QStringLiteral("error"), QStringLiteral("bad_signature")}});
        }
        const QUrlQuery q(QString::fromLatin1(r.target.mid(r.path().size() + 1)));
        if (r.method == "POST" && r.path() == "/v1/envelopes") {
            const QList<QByteArray> parts = r.body.split(':');
            stored[{quint32(parts.value(0).toUInt()), parts.value(1).toULongLong()}] = r.body;
            return json(200, {{QStringLiteral("env_hash"),
                               QString::fromLatin1(crypto::crypto_generichash(r.body).toHex())}});
        }
        if (r.method == "GET" && r.path() == "/v1/mailbox") {
            mailboxReads.append(r.target);
            const qint64 after = q.queryItemValue(QStringLiteral("after")).toLongLong();
            const int limit = q.queryItemValue(QStringLiteral("limit")).toInt();
            const QString lane = q.queryItemValue(QStringLiteral("lane"));
            QList<protocol::RelayBatchItem> items;
            bool more = false;
            for (auto it = mailbox.upper_bound(after); it != mailbox.end(); ++it) {
                if (!lane.isEmpty() && (lane == u"priority") != priority.contains(it->first))
                    continue;
                if (items.size() >= limit) {
                    more = true;
                    break;
                }
                items.append({quint64(it->first), it->second});
            }
            MiniHttpServer::Response resp;
            resp.contentType = "application/octet-stream";
            resp.body = protocol::encodeRelayBatch(items);
            resp.headers = {{"Liaison-More", more ? "1" : "0"}};
            return resp;
        }
        if (r.method == "POST" && r.path() == "/v1/mailbox/ack") {
            const QJsonArray a =
                QJsonDocument::fromJson(r.body).object().value(QStringLiteral("cursors")).toArray();
            for (const auto &v : a)
                mailbox.erase(v.toInteger());
            return json(200, {{QStringLiteral("deleted"), a.size()}});
        }
        if (r.method == "GET" && r.path().startsWith("/v1/streams/")) {
            streamReads.append(r.target);
            const QByteArray epoch = r.path().split('/').value(4);
            MiniHttpServer::Response resp;
            resp.contentType = "application/octet-stream";
            resp.body = protocol::encodeRelayBatch(streams[epoch]);
            return resp;
        }
        return json(404, {{QStringLiteral("error"), QStringLiteral("not_found")}});
    }

    bool verify(const MiniHttpServer::Request &r) const
    {
        auto parsed = protocol::parseRequestAuth(
            {r.headers.value("liaison-key"), r.headers.value("liaison-time"),
             r.headers.value("liaison-nonce"), r.headers.value("liaison-sig")});
        if (!parsed || parsed->keyId != protocol::deviceKeyId(m_device.localId()))
            return false;
        protocol::SignedRequest sr;
        sr.deployment = m_device.deploymentId();
        sr.host = r.headers.value("host");
        sr.keyId = parsed->keyId;
        sr.method = r.method;
        sr.path = r.path();
        sr.query =
            r.target.size() > r.path().size() ? r.target.mid(r.path().size() + 1) : QByteArray();
        sr.timeMs = parsed->timeMs;
        sr.nonce = parsed->nonce;
        sr.bodyHash = protocol::requestBodyHash(r.body);
        return protocol::verifyRequestSignature(sr, parsed->signature, m_device.publicKey());
    }
};

RelayEndpoint plainEndpoint(quint16 port, const crypto::Id16 &deployment)
{
    RelayEndpoint e;
    e.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port));
    e.deployment = deployment;
    e.allowPlainHttpOnLoopback = true;
    return e;
}

SyncClientOptions fastOptions()
{
    SyncClientOptions o;
    o.backoff = {20, 200};
    o.longPoll = false;
    o.idleIntervalMs = 3'600'000;
    return o;
}

// Bulk and priority mail, one envelope of each lane in the outbox, a gap in each lane's stream.
struct Scene
{
    TestIdentity me;
    FakeRelay relay{me};
    FakePort port;

    Scene()
    {
        relay.mailbox[1] = "b1";
        relay.mailbox[2] = "p1";
        relay.mailbox[3] = "b2";
        relay.priority = {2};
        port.add(kBulkEpoch, 1);
        port.add(kPriorityEpoch, 1);
        streams::GapRequest bulkGap;
        bulkGap.stream.epoch = kBulkEpoch;
        bulkGap.fromSeq = 7;
        bulkGap.toSeq = 7;
        streams::GapRequest priorityGap = bulkGap;
        priorityGap.stream.epoch = kPriorityEpoch;
        port.gaps = {bulkGap, priorityGap};
        relay.streams[QByteArray::number(kBulkEpoch)] = {
            {7, QByteArray::number(kBulkEpoch) + ":7:gap"}};
        relay.streams[QByteArray::number(kPriorityEpoch)] = {
            {7, QByteArray::number(kPriorityEpoch) + ":7:gap"}};
    }

    [[nodiscard]] bool bulkRead() const
    {
        return std::any_of(relay.mailboxReads.cbegin(), relay.mailboxReads.cend(),
                           [](const QByteArray &t) { return !t.contains("lane=priority"); }) ||
               std::any_of(relay.streamReads.cbegin(), relay.streamReads.cend(),
                           [](const QByteArray &t) {
                               return t.contains('/' + QByteArray::number(kBulkEpoch) + '?');
                           });
    }
};

} // namespace

class TestMeteredSync : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void meteredDefersBulkPriorityFlows();
    void unmeteredOrSettingOffBulkFlows_data();
    void unmeteredOrSettingOffBulkFlows();
    void longPollOnMeteredReadsPriorityOnly();
    void platformReportsMetered();
};

void TestMeteredSync::meteredDefersBulkPriorityFlows()
{
    Scene s;
    QVERIFY(s.relay.server.listen());
    liaison::ManualClock clock;
    ManualConnectivity link(Connectivity::State::Online);
    link.setMetered(true);
    QNetworkAccessManager nam;
    SyncClient client(&nam, plainEndpoint(s.relay.server.port(), s.me.deploymentId()), s.port, s.me,
                      clock, &link, fastOptions());
    client.setDeferBulkWhenMetered(true);
    QSignalSpy rounds(&client, &SyncClient::roundFinished);
    client.start();
    QTRY_COMPARE(rounds.count(), 1);
    QVERIFY2(rounds.first().at(0).toBool(), qPrintable(rounds.first().at(1).toString()));
    QCOMPARE(s.relay.badSignatures, 0);

    // The priority lane went both ways, gap fill included; nothing of the bulk lane moved.
    QCOMPARE(s.port.received,
             (QList<QByteArray>{"p1", QByteArray::number(kPriorityEpoch) + ":7:gap"}));
    QVERIFY2(!s.bulkRead(), qPrintable(QString::fromLatin1(s.relay.mailboxReads.join(' ') + ' ' +
                                                           s.relay.streamReads.join(' '))));
    QCOMPARE(s.relay.stored.size(), std::size_t(1));
    QVERIFY(s.relay.stored.contains({kPriorityEpoch, 1}));
    QVERIFY(s.relay.mailbox.contains(1) && s.relay.mailbox.contains(3));
    QVERIFY(client.status()->bulkDeferred());
    QCOMPARE(client.status()->pending(), 1); // the bulk envelope waits

    // The link turns unmetered: a round at once moves the bulk.
    link.setMetered(false);
    QTRY_COMPARE(rounds.count(), 2);
    QVERIFY2(rounds.last().at(0).toBool(), qPrintable(rounds.last().at(1).toString()));
    QVERIFY(!client.status()->bulkDeferred());
    QVERIFY(s.port.received.contains("b1") && s.port.received.contains("b2"));
    QVERIFY(s.port.received.contains(QByteArray::number(kBulkEpoch) + ":7:gap"));
    QVERIFY(s.relay.stored.contains({kBulkEpoch, 1}));
    QVERIFY(s.relay.mailbox.empty());
    QCOMPARE(client.status()->pending(), 0);

    // Metered again: deferred again (the status says so at once).
    link.setMetered(true);
    QVERIFY(client.status()->bulkDeferred());
    client.setDeferBulkWhenMetered(false);
    QVERIFY(!client.status()->bulkDeferred());
}

void TestMeteredSync::unmeteredOrSettingOffBulkFlows_data()
{
    QTest::addColumn<bool>("metered");
    QTest::addColumn<bool>("defer");
    QTest::newRow("unmetered, setting on") << false << true;
    QTest::newRow("metered, setting off") << true << false;
    QTest::newRow("unmetered, setting off") << false << false;
}

void TestMeteredSync::unmeteredOrSettingOffBulkFlows()
{
    QFETCH(bool, metered);
    QFETCH(bool, defer);
    Scene s;
    QVERIFY(s.relay.server.listen());
    liaison::ManualClock clock;
    ManualConnectivity link(Connectivity::State::Online);
    link.setMetered(metered);
    QNetworkAccessManager nam;
    SyncClient client(&nam, plainEndpoint(s.relay.server.port(), s.me.deploymentId()), s.port, s.me,
                      clock, &link, fastOptions());
    client.setDeferBulkWhenMetered(defer);
    QSignalSpy rounds(&client, &SyncClient::roundFinished);
    client.start();
    QTRY_COMPARE(rounds.count(), 1);
    QVERIFY2(rounds.first().at(0).toBool(), qPrintable(rounds.first().at(1).toString()));
    QVERIFY(!client.status()->bulkDeferred());
    // The priority lane first, then the bulk.
    QCOMPARE(s.port.received.mid(0, 3), (QList<QByteArray>{"p1", "b1", "b2"}));
    QVERIFY(s.port.received.contains(QByteArray::number(kBulkEpoch) + ":7:gap"));
    QCOMPARE(s.relay.stored.size(), std::size_t(2));
    QVERIFY(s.relay.mailbox.empty());
    QCOMPARE(client.status()->pending(), 0);
}

void TestMeteredSync::longPollOnMeteredReadsPriorityOnly()
{
    Scene s;
    s.port.gaps.clear();
    QVERIFY(s.relay.server.listen());
    liaison::ManualClock clock;
    ManualConnectivity link(Connectivity::State::Online);
    link.setMetered(true);
    QNetworkAccessManager nam;
    SyncClientOptions o = fastOptions();
    o.longPoll = true;
    o.engine.longPollWaitMs = 200;
    SyncClient client(&nam, plainEndpoint(s.relay.server.port(), s.me.deploymentId()), s.port, s.me,
                      clock, &link, o);
    client.setDeferBulkWhenMetered(true);
    QSignalSpy rounds(&client, &SyncClient::roundFinished);
    client.start();
    // (This responder answers a long-poll at once, so rounds follow one another.)
    QTRY_VERIFY(rounds.count() >= 1);
    // The idle long-poll waits on the priority lane only: bulk mail must not wake it.
    QTRY_VERIFY(std::any_of(s.relay.mailboxReads.cbegin(), s.relay.mailboxReads.cend(),
                            [](const QByteArray &t) { return t.contains("wait_ms="); }));
    QTest::qWait(300);
    for (const QByteArray &t : s.relay.mailboxReads)
        QVERIFY2(t.contains("lane=priority"), t.constData());
    QVERIFY(s.relay.mailbox.contains(1) && s.relay.mailbox.contains(3));
    client.stop();
}

// The platform's source reports the OS's metered flag where its backend knows it (glib here:
// GNetworkMonitor's network-metered), else unmetered.
void TestMeteredSync::platformReportsMetered()
{
    auto c = platform::createConnectivity();
    QVERIFY(c != nullptr);
    QNetworkInformation *info = QNetworkInformation::instance();
    if (!info || c->backendName() == QLatin1String("none")) {
        QCOMPARE(c->metered(), false);
        return;
    }
    qInfo() << "backend" << info->backendName()
            << "supports metered:" << info->supports(QNetworkInformation::Feature::Metered);
    QCOMPARE(c->metered(),
             info->supports(QNetworkInformation::Feature::Metered) && info->isMetered());
}

LIAISON_TEST_MAIN(TestMeteredSync)
#include "tst_meteredsync.moc"
