// The relay's endpoints (DESIGN.md "Relay") against a real liaison-relay process, on SQLite and
// on PostgreSQL: envelopes and mailboxes, idempotency, cursors, long-poll, gap fill, the HQ
// certificate, enrolment slots, wipe tokens, device versions, limits, health and metrics.

#include "protocol/lanes.h"
#include "protocol/wipe.h"
#include "relaytestkit.h"
#include "testmain.h"

#include <thread>
#include <vector>

#include <QTest>

using namespace liaison;
using namespace liaison::relaytest;

class TestRelayApi : public QObject
{
    Q_OBJECT

    RelayEnv env;

    bool start(const QStringList &extra = {})
    {
        if (!env.startRelay(extra)) {
            qWarning("%s", qPrintable(env.error));
            return false;
        }
        return true;
    }

private Q_SLOTS:
    void initTestCase_data() { addBackendRows(); }

    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        QVERIFY2(env.setUp(backend), qPrintable(env.error));
    }

    void cleanup() { env.tearDown(); }

    void envelopeRoundTripAndAck()
    {
        QVERIFY(start());
        HttpConnection c(env.relay->port);
        Signer admin = adminSigner(*env.dep);
        DeviceIdentity dev;
        QCOMPARE(registerDevice(c, admin, dev).status, 200);

        Signer ds = deviceSigner(*env.dep, dev);
        const Built up = deviceEnvelope(*env.dep, dev, 1);
        QVERIFY(!up.bytes.isEmpty());
        Reply r = signedCall(c, ds, "POST", "/v1/envelopes", up.bytes);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value("env_hash").toString().toLatin1(), up.envHash.toHex());
        QVERIFY(r.headers.contains("liaison-time"));

        Signer hq = hqSigner(*env.dep);
        r = signedCall(c, hq, "GET", "/v1/mailbox?after=0");
        QCOMPARE(r.status, 200);
        auto items = batchOf(r);
        QCOMPARE(items.size(), 1);
        QCOMPARE(items[0].key, quint64(1));
        QCOMPARE(items[0].data, up.bytes);
        QCOMPARE(r.header("liaison-cursor"), QByteArray("1"));

        r = signedCall(c, hq, "POST", "/v1/mailbox/ack", jsonBytes({{"through", 1}}));
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value("deleted").toInt(), 1);
        QVERIFY(drainMailbox(c, hq).isEmpty());

        // HQ -> device, read by the device.
        const Built down = hqEnvelope(*env.dep, dev, 1);
        QCOMPARE(signedCall(c, hq, "POST", "/v1/envelopes", down.bytes).status, 200);
        items = drainMailbox(c, ds);
        QCOMPARE(items.size(), 1);
        QCOMPARE(items[0].data, down.bytes);
        // The device's mailbox is its own: HQ's is empty, the device does not see HQ's.
        QVERIFY(drainMailbox(c, hq).isEmpty());
    }

    void appendIsIdempotentByEnvHash()
    {
        QVERIFY(start());
        HttpConnection c(env.relay->port);
        Signer admin = adminSigner(*env.dep);
        DeviceIdentity dev;
        QCOMPARE(registerDevice(c, admin, dev).status, 200);
        Signer ds = deviceSigner(*env.dep, dev);
        const Built e = deviceEnvelope(*env.dep, dev, 1);
        const Reply first = signedCall(c, ds, "POST", "/v1/envelopes", e.bytes);
        QCOMPARE(first.status, 200);
        for (int i = 0; i < 3; ++i) {
            const Reply again = signedCall(c, ds, "POST", "/v1/envelopes", e.bytes);
            QCOMPARE(again.status, first.status);
            QCOMPARE(again.body, first.body);
        }
        // Another envelope for the same (sender, recipient, epoch, seq): 409.
        const Built other = deviceEnvelope(*env.dep, dev, 1, QByteArray(1000, 'z'));
        QVERIFY(other.envHash != e.envHash);
        const Reply conflict = signedCall(c, ds, "POST", "/v1/envelopes", other.bytes);
        QCOMPARE(conflict.status, 409);
        QCOMPARE(conflict.errorCode(), QByteArray("seq_conflict"));
        Signer hq = hqSigner(*env.dep);
        const auto items = drainMailbox(c, hq);
        QCOMPARE(items.size(), 1);
        QCOMPARE(items[0].data, e.bytes);
        // Still the same answer after delivery and acknowledgement.
        QCOMPARE(signedCall(c, hq, "POST", "/v1/mailbox/ack", jsonBytes({{"through", 1}})).status,
                 200);
        const Reply late = signedCall(c, ds, "POST", "/v1/envelopes", e.bytes);
        QCOMPARE(late.status, 200);
        QCOMPARE(late.body, first.body);
        QVERIFY(drainMailbox(c, hq).isEmpty());
    }

    void concurrentIdenticalAppendsStoreOnce()
    {
        // The same envelope on eight connections at once (a client retrying while its first
        // attempt is still in flight): every answer is the same 200, one envelope is stored, and
        // the cursors stay gapless for the next one.
        QVERIFY(start());
        HttpConnection c(env.relay->port);
        Signer admin = adminSigner(*env.dep);
        DeviceIdentity dev;
        QCOMPARE(registerDevice(c, admin, dev).status, 200);
        const Built e = deviceEnvelope(*env.dep, dev, 1);
        constexpr int kRacers = 8;
        std::vector<Reply> replies(kRacers);
        std::vector<std::thread> racers;
        const quint16 port = env.relay->port;
        for (int i = 0; i < kRacers; ++i) {
            racers.emplace_back([&, i] {
                HttpConnection own(port);
                Signer ds = deviceSigner(*env.dep, dev);
                replies[std::size_t(i)] = signedCall(own, ds, "POST", "/v1/envelopes", e.bytes);
            });
        }
        for (auto &t : racers)
            t.join();
        for (const Reply &r : replies) {
            QCOMPARE(r.status, 200);
            QCOMPARE(r.body, replies[0].body);
        }
        Signer ds = deviceSigner(*env.dep, dev);
        QCOMPARE(signedCall(c, ds, "POST", "/v1/envelopes", deviceEnvelope(*env.dep, dev, 2).bytes)
                     .status,
                 200);
        Signer hq = hqSigner(*env.dep);
        const auto items = drainMailbox(c, hq);
        QCOMPARE(items.size(), 2);
        QCOMPARE(items[0].data, e.bytes);
        QCOMPARE(items[1].key, items[0].key + 1);
    }

    void cursorsAreGaplessAndPaged()
    {
        QVERIFY(start());
        HttpConnection c(env.relay->port);
        Signer admin = adminSigner(*env.dep);
        std::vector<DeviceIdentity> devs(3);
        for (auto &d : devs)
            QCOMPARE(registerDevice(c, admin, d).status, 200);
        for (int seq = 1; seq <= 20; ++seq) {
            for (auto &d : devs) {
                Signer s = deviceSigner(*env.dep, d);
                QCOMPARE(signedCall(c, s, "POST", "/v1/envelopes",
                                    deviceEnvelope(*env.dep, d, seq).bytes)
                             .status,
                         200);
            }
        }
        Signer hq = hqSigner(*env.dep);
        Reply r = signedCall(c, hq, "GET", "/v1/mailbox?after=0&limit=7");
        QCOMPARE(r.status, 200);
        QCOMPARE(batchOf(r).size(), 7);
        QCOMPARE(r.header("liaison-more"), QByteArray("1"));
        const auto all = drainMailbox(c, hq);
        QCOMPARE(all.size(), 60);
        for (int i = 0; i < all.size(); ++i)
            QCOMPARE(all[i].key, quint64(i + 1));
        // Ack a few by list, the rest through a cursor.
        r = signedCall(c, hq, "POST", "/v1/mailbox/ack",
                       jsonBytes({{"cursors", QJsonArray{2, 4}}}));
        QCOMPARE(r.json().value("deleted").toInt(), 2);
        const auto left = drainMailbox(c, hq);
        QCOMPARE(left.size(), 58);
        QCOMPARE(left[1].key, quint64(3));
        r = signedCall(c, hq, "POST", "/v1/mailbox/ack", jsonBytes({{"through", 60}}));
        QCOMPARE(r.json().value("deleted").toInt(), 58);
        // New mail continues the cursor sequence.
        Signer s0 = deviceSigner(*env.dep, devs[0]);
        QCOMPARE(
            signedCall(c, s0, "POST", "/v1/envelopes", deviceEnvelope(*env.dep, devs[0], 21).bytes)
                .status,
            200);
        const auto next = drainMailbox(c, hq);
        QCOMPARE(next.size(), 1);
        QCOMPARE(next[0].key, quint64(61));
    }

    // Priority lanes (protocol/lanes.h): ?lane=priority reads only envelopes whose epoch has the
    // top bit, ?lane=bulk only the others, each in cursor order with its own paging; without
    // lane everything, as before. A page never carries the other lane's envelopes even when they
    // lie between its cursors. Gap fill reads a priority stream by its epoch.
    void mailboxReadsOneLane()
    {
        QVERIFY(start());
        HttpConnection c(env.relay->port);
        Signer admin = adminSigner(*env.dep);
        DeviceIdentity dev;
        QCOMPARE(registerDevice(c, admin, dev).status, 200);
        Signer ds = deviceSigner(*env.dep, dev);
        const std::uint32_t priority = protocol::epochInLane(1, protocol::Lane::Priority);
        // Cursors 1..9: bulk seq 1, 2, priority 1, bulk 3, 4, priority 2, bulk 5, 6, priority 3.
        QList<QByteArray> bulk, urgent;
        std::uint64_t bulkSeq = 0, urgentSeq = 0;
        for (int i = 0; i < 9; ++i) {
            const bool isUrgent = i % 3 == 2;
            const Built e = isUrgent ? deviceEnvelope(*env.dep, dev, ++urgentSeq,
                                                      QByteArray(200, 'p'), priority)
                                     : deviceEnvelope(*env.dep, dev, ++bulkSeq);
            QCOMPARE(signedCall(c, ds, "POST", "/v1/envelopes", e.bytes).status, 200);
            (isUrgent ? urgent : bulk).append(e.bytes);
        }
        Signer hq = hqSigner(*env.dep);
        Reply r = signedCall(c, hq, "GET", "/v1/mailbox?after=0&lane=priority");
        QCOMPARE(r.status, 200);
        auto items = batchOf(r);
        QCOMPARE(items.size(), 3);
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(items[i].data, urgent[i]);
            QCOMPARE(items[i].key, quint64(3 * i + 3));
        }
        // Bulk in pages of 2: the priority envelopes between the cursors stay out.
        QList<protocol::RelayBatchItem> all;
        std::int64_t after = 0;
        for (int page = 0; page < 5; ++page) {
            r = signedCall(c, hq, "GET",
                           "/v1/mailbox?lane=bulk&limit=2&after=" + QByteArray::number(after));
            QCOMPARE(r.status, 200);
            const auto got = batchOf(r);
            all += got;
            if (got.isEmpty() || r.header("liaison-more") != "1")
                break;
            after = std::int64_t(got.last().key);
        }
        QCOMPARE(all.size(), 6);
        for (int i = 0; i < 6; ++i)
            QCOMPARE(all[i].data, bulk[i]);
        QCOMPARE(drainMailbox(c, hq).size(), 9);
        // A priority read after the last priority cursor is empty, though bulk mail follows it.
        r = signedCall(c, hq, "GET", "/v1/mailbox?after=3&lane=priority&limit=1");
        QCOMPARE(batchOf(r).size(), 1);
        QCOMPARE(batchOf(r).first().key, quint64(6));
        r = signedCall(c, hq, "GET", "/v1/mailbox?after=9&lane=priority");
        QCOMPARE(batchOf(r).size(), 0);
        QCOMPARE(signedCall(c, hq, "GET", "/v1/mailbox?after=0&lane=urgent").status, 400);
        // A page budget in bytes (a thin link): at least one envelope, then only what fits.
        r = signedCall(c, hq, "GET", "/v1/mailbox?after=0&lane=bulk&max_bytes=1");
        QCOMPARE(r.status, 200);
        QCOMPARE(batchOf(r).size(), 1);
        QCOMPARE(r.header("liaison-more"), QByteArray("1"));
        r = signedCall(c, hq, "GET",
                       "/v1/mailbox?after=0&lane=bulk&max_bytes=" +
                           QByteArray::number(2 * (12 + bulk[0].size())));
        QCOMPARE(batchOf(r).size(), 2);
        QCOMPARE(signedCall(c, hq, "GET", "/v1/mailbox?after=0&max_bytes=0").status, 400);
        QCOMPARE(signedCall(c, hq, "GET", "/v1/mailbox?after=0&max_bytes=x").status, 400);
        // Gap fill of the priority stream.
        r = signedCall(c, hq, "GET",
                       "/v1/streams/" + dev.id.toHex() + '/' + QByteArray::number(priority) +
                           "?from=2");
        QCOMPARE(r.status, 200);
        QCOMPARE(batchOf(r).size(), 2);
        QCOMPARE(batchOf(r).first().data, urgent[1]);
    }

    // A bulk page with priority_after=C says whether the priority lane holds mail past cursor C
    // (Liaison-Priority-Waiting), read with the page: a device that hears "0" after its last bulk
    // page does not read `down!` again in that round. Only a bulk read that answers at once asks.
    void bulkReadSaysWhetherPriorityMailWaits()
    {
        QVERIFY(start());
        HttpConnection c(env.relay->port);
        Signer admin = adminSigner(*env.dep);
        DeviceIdentity dev;
        QCOMPARE(registerDevice(c, admin, dev).status, 200);
        Signer ds = deviceSigner(*env.dep, dev);
        const std::uint32_t priority = protocol::epochInLane(1, protocol::Lane::Priority);
        // Cursors 1..6: bulk seq 1, 2, priority 1, bulk 3, 4, priority 2.
        std::uint64_t bulkSeq = 0, urgentSeq = 0;
        for (int i = 0; i < 6; ++i) {
            const bool isUrgent = i % 3 == 2;
            const Built e = isUrgent ? deviceEnvelope(*env.dep, dev, ++urgentSeq,
                                                      QByteArray(200, 'p'), priority)
                                     : deviceEnvelope(*env.dep, dev, ++bulkSeq);
            QCOMPARE(signedCall(c, ds, "POST", "/v1/envelopes", e.bytes).status, 200);
        }
        Signer hq = hqSigner(*env.dep);
        const auto waiting = [&](const QByteArray &query) {
            const Reply r = signedCall(c, hq, "GET", "/v1/mailbox?" + query);
            return r.status == 200 ? r.header("liaison-priority-waiting")
                                   : "HTTP " + QByteArray::number(r.status);
        };
        QCOMPARE(waiting("after=0&lane=bulk&limit=2&priority_after=0"), QByteArray("1"));
        QCOMPARE(waiting("after=0&lane=bulk&limit=2&priority_after=5"), QByteArray("1"));
        QCOMPARE(waiting("after=0&lane=bulk&limit=2&priority_after=6"), QByteArray("0"));
        // An empty bulk page says it too.
        QCOMPARE(waiting("after=6&lane=bulk&priority_after=3"), QByteArray("1"));
        QCOMPARE(waiting("after=6&lane=bulk&priority_after=6"), QByteArray("0"));
        // Not asked: not said.
        QCOMPARE(waiting("after=0&lane=bulk"), QByteArray());
        QCOMPARE(waiting("after=0&lane=priority"), QByteArray());
        // Only with lane=bulk and no wait_ms, and a cursor.
        QCOMPARE(waiting("after=0&lane=priority&priority_after=0"), QByteArray("HTTP 400"));
        QCOMPARE(waiting("after=0&priority_after=0"), QByteArray("HTTP 400"));
        QCOMPARE(waiting("after=0&lane=bulk&wait_ms=10&priority_after=0"), QByteArray("HTTP 400"));
        QCOMPARE(waiting("after=0&lane=bulk&priority_after=x"), QByteArray("HTTP 400"));
        QCOMPARE(waiting("after=0&lane=bulk&priority_after=-1"), QByteArray("HTTP 400"));
        // Acknowledged priority mail is gone: nothing waits any more.
        QCOMPARE(signedCall(c, hq, "POST", "/v1/mailbox/ack", jsonBytes({{"through", 6}})).status,
                 200);
        QCOMPARE(waiting("after=0&lane=bulk&priority_after=0"), QByteArray("0"));
    }

    void longPollWakesOnNewMail()
    {
        QVERIFY(start());
        HttpConnection c(env.relay->port);
        HttpConnection waiter(env.relay->port);
        Signer admin = adminSigner(*env.dep);
        DeviceIdentity dev;
        QCOMPARE(registerDevice(c, admin, dev).status, 200);
        Signer hq = hqSigner(*env.dep);
        // Park a long-poll, then post.
        const QByteArray target = "/v1/mailbox?after=0&wait_ms=20000";
        QByteArray raw = "GET " + target + " HTTP/1.1\r\nHost: " + waiter.host() + "\r\n";
        for (const auto &[k, v] : hq.headersFor(waiter.host(), "GET", target, {}))
            raw += k + ": " + v + "\r\n";
        raw += "\r\n";
        QVERIFY(waiter.sendRaw(raw));
        QTest::qWait(300);
        QElapsedTimer t;
        t.start();
        Signer ds = deviceSigner(*env.dep, dev);
        const Built e = deviceEnvelope(*env.dep, dev, 1);
        QCOMPARE(signedCall(c, ds, "POST", "/v1/envelopes", e.bytes).status, 200);
        const Reply r = waiter.readReply(25000);
        QCOMPARE(r.status, 200);
        const auto items = batchOf(r);
        QCOMPARE(items.size(), 1);
        QCOMPARE(items[0].data, e.bytes);
        QVERIFY2(t.elapsed() < 3000, qPrintable(QString::number(t.elapsed())));

        // Nothing new: the long-poll ends empty at its deadline.
        t.restart();
        const Reply empty = signedCall(c, hq, "GET", "/v1/mailbox?after=1&wait_ms=600");
        QCOMPARE(empty.status, 200);
        QVERIFY(empty.body.isEmpty());
        QCOMPARE(empty.header("liaison-cursor"), QByteArray("1"));
        QVERIFY(t.elapsed() >= 500);
    }

    void gapFillByStream()
    {
        QVERIFY(start());
        HttpConnection c(env.relay->port);
        Signer admin = adminSigner(*env.dep);
        DeviceIdentity dev;
        QCOMPARE(registerDevice(c, admin, dev).status, 200);
        Signer ds = deviceSigner(*env.dep, dev);
        QList<Built> sent;
        for (int seq = 1; seq <= 5; ++seq) {
            sent << deviceEnvelope(*env.dep, dev, seq);
            QCOMPARE(signedCall(c, ds, "POST", "/v1/envelopes", sent.last().bytes).status, 200);
        }
        Signer hq = hqSigner(*env.dep);
        Reply r = signedCall(c, hq, "GET", "/v1/streams/" + dev.id.toHex() + "/1?from=3&limit=2");
        QCOMPARE(r.status, 200);
        auto items = batchOf(r);
        QCOMPARE(items.size(), 2);
        QCOMPARE(items[0].key, quint64(3));
        QCOMPARE(items[0].data, sent[2].bytes);
        QCOMPARE(items[1].key, quint64(4));
        QCOMPARE(r.header("liaison-more"), QByteArray("1"));
        // Another epoch is empty; a device cannot read HQ's incoming streams.
        r = signedCall(c, hq, "GET", "/v1/streams/" + dev.id.toHex() + "/2");
        QCOMPARE(r.status, 200);
        QVERIFY(r.body.isEmpty());
        r = signedCall(c, ds, "GET", "/v1/streams/" + dev.id.toHex() + "/1");
        QCOMPARE(r.status, 200);
        QVERIFY(r.body.isEmpty());
    }

    void hqCertificateEndpoint()
    {
        QVERIFY(start());
        HttpConnection c(env.relay->port);
        Reply r = c.request("GET", "/v1/hq-cert");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, env.dep->cert);
        QCOMPARE(r.header("liaison-cert-serial"), QByteArray("1"));

        // A certificate from another root: refused.
        Deployment other;
        r = c.request("PUT", "/v1/hq-cert", other.cert);
        QCOMPARE(r.status, 403);
        // Garbage: 400.
        r = c.request("PUT", "/v1/hq-cert", "not a certificate");
        QCOMPARE(r.status, 400);

        // A newer certificate from our root with a new relay-admin key wins at once.
        protocol::HqCertificate next = *protocol::HqCertificate::decode(env.dep->cert);
        const SignKeyPair newAdmin = crypto_sign_keypair();
        next.serial = 2;
        next.relayAdminKey = newAdmin.publicKey;
        protocol::signHqCertificate(next, env.dep->root.secretKey);
        r = c.request("PUT", "/v1/hq-cert", next.encode());
        QCOMPARE(r.status, 200);
        r = c.request("GET", "/v1/hq-cert");
        QCOMPARE(r.body, next.encode());
        // Same serial, other bytes: 409.
        next.notAfterMs -= 1000;
        protocol::signHqCertificate(next, env.dep->root.secretKey);
        QCOMPARE(c.request("PUT", "/v1/hq-cert", next.encode()).status, 409);

        // The old admin key no longer works; the new one does.
        QTest::qWait(5200); // the relay caches the certificate for 5 s
        DeviceIdentity dev;
        Signer oldAdmin = adminSigner(*env.dep);
        QCOMPARE(registerDevice(c, oldAdmin, dev).status, 401);
        Signer admin2{env.dep->id, "admin", &newAdmin.secretKey};
        QCOMPARE(registerDevice(c, admin2, dev).status, 200);
    }

    void enrolmentSlots()
    {
        QVERIFY(start());
        HttpConnection c(env.relay->port);
        Signer admin = adminSigner(*env.dep);
        DeviceIdentity dev;
        const QByteArray token = randomBytes(32);
        const QByteArray tokenHash = crypto_generichash(token).toHex();
        const QByteArray path = "/v1/enrol/" + dev.id.toHex();
        Reply r = signedCall(c, admin, "PUT", path,
                             jsonBytes({{"token_hash", QString::fromLatin1(tokenHash)},
                                        {"expires_ms", qint64(nowMs() + 3600 * 1000)}}));
        QCOMPARE(r.status, 200);
        // Unsigned or non-admin reads are refused.
        QCOMPARE(c.request("GET", path).status, 401);

        auto submit = [&](const QByteArray &tok, const QByteArray &body) {
            return c.request("POST", path, body, {{"Liaison-Enrol-Token", tok.toHex()}});
        };
        QCOMPARE(submit(randomBytes(32), "sealed-0").status, 401);
        for (int i = 1; i <= 3; ++i) {
            r = submit(token, "sealed-" + QByteArray::number(i));
            QCOMPARE(r.status, 201);
            QCOMPARE(r.json().value("submission").toInt(), i);
        }
        r = submit(token, "sealed-4");
        QCOMPARE(r.status, 403);
        QCOMPARE(r.errorCode(), QByteArray("submission_limit"));
        r = signedCall(c, admin, "GET", path);
        QCOMPARE(r.status, 200);
        const QJsonArray subs = r.json().value("submissions").toArray();
        QCOMPARE(subs.size(), 3);
        QCOMPARE(QByteArray::fromBase64(subs[2].toString().toLatin1()), QByteArray("sealed-3"));
        // No slot: 404.
        QCOMPARE(c.request("POST", "/v1/enrol/" + randomFixed<Id16>().toHex(), "x",
                           {{"Liaison-Enrol-Token", token.toHex()}})
                     .status,
                 404);
        // Expiry beyond 72 h is refused.
        r = signedCall(c, admin, "PUT", path,
                       jsonBytes({{"token_hash", QString::fromLatin1(tokenHash)},
                                  {"expires_ms", qint64(nowMs() + 80LL * 3600 * 1000)}}));
        QCOMPARE(r.status, 400);
    }

    // A real token for `dev` under the deployment's certificate, naming `wipeAck` too.
    static protocol::WipeToken wipeTokenFor(const Deployment &dep, const DeviceIdentity &dev,
                                            const SignKeyPair &wipeAck, const Id16 &wipeId)
    {
        protocol::WipeTarget target;
        target.deployment = dep.id;
        target.device = dev.id;
        target.signKeyHash = crypto_generichash(dev.keys.publicKey.view());
        target.wipeAckKeyHash = crypto_generichash(wipeAck.publicKey.view());
        target.wipeId = wipeId;
        target.rootKey = dep.root.publicKey;
        auto cert = protocol::HqCertificate::decode(dep.cert);
        auto token = protocol::makeWipeToken(target, randomFixed<Id16>(), nowMs(),
                                             nowMs() + 3600 * 1000, *cert, dep.content.secretKey);
        return *token;
    }

    void wipeTokens()
    {
        QVERIFY(start());
        HttpConnection c(env.relay->port);
        Signer admin = adminSigner(*env.dep);
        DeviceIdentity dev;
        const SignKeyPair wipeAck = crypto_sign_keypair();
        const Id16 id = randomFixed<Id16>();
        const QByteArray wipeId = id.toHex();
        const protocol::WipeToken t = wipeTokenFor(*env.dep, dev, wipeAck, id);
        const QByteArray ack =
            protocol::signWipeAcknowledgement(t.deployment, t.device, t.commandId, nowMs(), wipeAck)
                .encode();
        QCOMPARE(c.request("GET", "/v1/wipe/" + wipeId).status, 404);
        QCOMPARE(c.request("POST", "/v1/wipe/" + wipeId + "/done", ack).status, 404);
        const QByteArray token = t.encode();
        // Only the admin key publishes, and only a token.
        Reply r = c.request("PUT", "/v1/wipe/" + wipeId,
                            jsonBytes({{"token", QString::fromLatin1(token.toBase64())}}));
        QCOMPARE(r.status, 401);
        r = signedCall(c, admin, "PUT", "/v1/wipe/" + wipeId,
                       jsonBytes({{"token", QString::fromLatin1(randomBytes(200).toBase64())}}));
        QCOMPARE(r.status, 400);
        r = signedCall(c, admin, "PUT", "/v1/wipe/" + wipeId,
                       jsonBytes({{"token", QString::fromLatin1(token.toBase64())}}));
        QCOMPARE(r.status, 200);
        r = c.request("GET", "/v1/wipe/" + wipeId);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, token);
        QCOMPARE(signedCall(c, admin, "GET", "/v1/wipe/" + wipeId + "/done").status, 404);
        QCOMPARE(c.request("POST", "/v1/wipe/" + wipeId + "/done", ack).status, 200);
        // The device key signs too; the first acknowledgement is kept.
        const QByteArray second = protocol::signWipeAcknowledgement(t.deployment, t.device,
                                                                    t.commandId, nowMs(), dev.keys)
                                      .encode();
        QCOMPARE(c.request("POST", "/v1/wipe/" + wipeId + "/done", second).status, 200);
        r = signedCall(c, admin, "GET", "/v1/wipe/" + wipeId + "/done");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, ack);
    }

    // Issue 9 point 2: POST /v1/wipe/{id}/done takes only an acknowledgement signed by a key the
    // published token names; an unsigned or wrongly signed one is refused and does not block
    // the genuine one. (Before: an unsigned "LWA1" acknowledgement was stored with 200.)
    void wipeAcknowledgementMustBeSigned()
    {
        QVERIFY(start());
        HttpConnection c(env.relay->port);
        Signer admin = adminSigner(*env.dep);
        DeviceIdentity dev;
        const SignKeyPair wipeAck = crypto_sign_keypair();
        const Id16 id = randomFixed<Id16>();
        const protocol::WipeToken t = wipeTokenFor(*env.dep, dev, wipeAck, id);
        const QByteArray path = "/v1/wipe/" + id.toHex();
        QCOMPARE(signedCall(c, admin, "PUT", path,
                            jsonBytes({{"token", QString::fromLatin1(t.encode().toBase64())}}))
                     .status,
                 200);
        // Unsigned: ids and a time, what anyone who read the plain wipe file can write.
        const QByteArray unsigned_ = "LWA1" + env.dep->id.toByteArray() + dev.id.toByteArray() +
                                     t.commandId.toByteArray() + QByteArray(8, '\1');
        QCOMPARE(c.request("POST", path + "/done", unsigned_).status, 400);
        // Signed by a key the token does not name (the relay's, anyone's).
        const SignKeyPair stranger = crypto_sign_keypair();
        QCOMPARE(c.request("POST", path + "/done",
                           protocol::signWipeAcknowledgement(t.deployment, t.device, t.commandId,
                                                             nowMs(), stranger)
                               .encode())
                     .status,
                 403);
        // The right key id, a signature that does not verify.
        auto bent = protocol::signWipeAcknowledgement(t.deployment, t.device, t.commandId, nowMs(),
                                                      wipeAck);
        bent.atMs += 1;
        QCOMPARE(c.request("POST", path + "/done", bent.encode()).status, 403);
        // Signed by the wipe-ack key, but for another command.
        QCOMPARE(c.request("POST", path + "/done",
                           protocol::signWipeAcknowledgement(t.deployment, t.device,
                                                             randomFixed<Id16>(), nowMs(), wipeAck)
                               .encode())
                     .status,
                 403);
        QCOMPARE(signedCall(c, admin, "GET", path + "/done").status, 404);
        // The genuine one is still taken.
        const QByteArray genuine =
            protocol::signWipeAcknowledgement(t.deployment, t.device, t.commandId, nowMs(), wipeAck)
                .encode();
        QCOMPARE(c.request("POST", path + "/done", genuine).status, 200);
        const Reply r = signedCall(c, admin, "GET", path + "/done");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, genuine);
    }

    void deviceVersionsAndStates()
    {
        QVERIFY(start());
        HttpConnection c(env.relay->port);
        Signer admin = adminSigner(*env.dep);
        DeviceIdentity dev;
        QCOMPARE(registerDevice(c, admin, dev, "active", 5).status, 200);
        // An older version is ignored.
        Reply r = registerDevice(c, admin, dev, "revoked", 4);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.json().value("applied").toBool(), false);
        QCOMPARE(r.json().value("version").toInt(), 5);
        Signer ds = deviceSigner(*env.dep, dev);
        QCOMPARE(signedCall(c, ds, "POST", "/v1/envelopes", deviceEnvelope(*env.dep, dev, 1).bytes)
                     .status,
                 200);
        // wipe-only: may still post up and read down.
        QVERIFY(registerDevice(c, admin, dev, "wipe-only", 6).json().value("applied").toBool());
        QTest::qWait(2100); // device cache
        QCOMPARE(signedCall(c, ds, "POST", "/v1/envelopes", deviceEnvelope(*env.dep, dev, 2).bytes)
                     .status,
                 200);
        QCOMPARE(signedCall(c, ds, "GET", "/v1/mailbox").status, 200);
        // HQ may still send to it.
        Signer hq = hqSigner(*env.dep);
        QCOMPARE(
            signedCall(c, hq, "POST", "/v1/envelopes", hqEnvelope(*env.dep, dev, 1).bytes).status,
            200);
        // revoked: nothing.
        QVERIFY(registerDevice(c, admin, dev, "revoked", 7).json().value("applied").toBool());
        r = signedCall(c, ds, "GET", "/v1/mailbox");
        QCOMPARE(r.status, 403);
        QCOMPARE(r.errorCode(), QByteArray("revoked"));
        QCOMPARE(
            signedCall(c, hq, "POST", "/v1/envelopes", hqEnvelope(*env.dep, dev, 2).bytes).status,
            403);
        // DELETE with an old version is ignored; with a newer one it removes the device.
        r = signedCall(c, admin, "DELETE", "/v1/devices/" + dev.id.toHex() + "?version=3");
        QCOMPARE(r.json().value("applied").toBool(), false);
        r = signedCall(c, admin, "DELETE", "/v1/devices/" + dev.id.toHex() + "?version=8");
        QCOMPARE(r.json().value("applied").toBool(), true);
        r = signedCall(c, hq, "POST", "/v1/envelopes", hqEnvelope(*env.dep, dev, 3).bytes);
        QCOMPARE(r.status, 404);
        QCOMPARE(r.errorCode(), QByteArray("unknown_recipient"));
        // A device is not an admin.
        DeviceIdentity other;
        QCOMPARE(registerDevice(c, ds, other).status, 401);
    }

    void mailboxDepthLimit()
    {
        QVERIFY(start({"--mailbox-depth", "3"}));
        HttpConnection c(env.relay->port);
        Signer admin = adminSigner(*env.dep);
        DeviceIdentity dev;
        QCOMPARE(registerDevice(c, admin, dev).status, 200);
        Signer ds = deviceSigner(*env.dep, dev);
        for (int seq = 1; seq <= 3; ++seq)
            QCOMPARE(
                signedCall(c, ds, "POST", "/v1/envelopes", deviceEnvelope(*env.dep, dev, seq).bytes)
                    .status,
                200);
        const Reply r =
            signedCall(c, ds, "POST", "/v1/envelopes", deviceEnvelope(*env.dep, dev, 4).bytes);
        QCOMPARE(r.status, 429);
        QCOMPARE(r.errorCode(), QByteArray("mailbox_full"));
        // After HQ acknowledges, there is room again.
        Signer hq = hqSigner(*env.dep);
        QCOMPARE(signedCall(c, hq, "POST", "/v1/mailbox/ack", jsonBytes({{"through", 3}})).status,
                 200);
        QCOMPARE(signedCall(c, ds, "POST", "/v1/envelopes", deviceEnvelope(*env.dep, dev, 4).bytes)
                     .status,
                 200);
    }

    void perDeviceRateLimit()
    {
        QVERIFY(start({"--rate", "1", "--burst", "5"}));
        HttpConnection c(env.relay->port);
        Signer admin = adminSigner(*env.dep);
        DeviceIdentity dev, other;
        QCOMPARE(registerDevice(c, admin, dev).status, 200);
        QCOMPARE(registerDevice(c, admin, other).status, 200);
        Signer ds = deviceSigner(*env.dep, dev);
        int limited = 0;
        Reply last;
        for (int i = 0; i < 10; ++i) {
            last = signedCall(c, ds, "GET", "/v1/mailbox");
            if (last.status == 429) {
                ++limited;
                QCOMPARE(last.errorCode(), QByteArray("rate_limited"));
            }
        }
        QVERIFY2(limited >= 4, qPrintable(QString::number(limited)));
        // Another device is not affected.
        Signer os = deviceSigner(*env.dep, other);
        QCOMPARE(signedCall(c, os, "GET", "/v1/mailbox").status, 200);
    }

    void healthAndMetrics()
    {
        QVERIFY(start());
        HttpConnection c(env.relay->port);
        Signer admin = adminSigner(*env.dep);
        DeviceIdentity dev;
        QCOMPARE(registerDevice(c, admin, dev).status, 200);
        Signer ds = deviceSigner(*env.dep, dev);
        QCOMPARE(signedCall(c, ds, "POST", "/v1/envelopes", deviceEnvelope(*env.dep, dev, 1).bytes)
                     .status,
                 200);
        QCOMPARE(c.request("GET", "/v1/mailbox").status, 401); // unsigned

        HttpConnection ops(env.relay->opsPort);
        Reply h = ops.request("GET", "/v1/health");
        QCOMPARE(h.status, 200);
        QCOMPARE(h.json().value("status").toString(), QStringLiteral("ok"));
        QCOMPARE(h.json().value("hq_certificate_serial").toInt(), 1);
        const Reply m = ops.request("GET", "/metrics");
        QCOMPARE(m.status, 200);
        QVERIFY(m.body.contains(
            "liaison_relay_requests_total{route=\"/v1/envelopes\",status=\"200\"} 1"));
        QVERIFY(m.body.contains("liaison_relay_rejections_total{reason=\"unsigned\"} 1"));
        QVERIFY(m.body.contains(
            "liaison_relay_request_duration_seconds_bucket{route=\"/v1/envelopes\""));
        QVERIFY(m.body.contains("liaison_relay_envelopes 1"));
        QVERIFY(m.body.contains("liaison_relay_envelopes_stored_total 1"));
        // No per-device labels.
        QVERIFY(!m.body.contains(dev.id.toHex()));
        // The public address does not serve metrics, and the operations address serves nothing
        // else.
        QCOMPARE(c.request("GET", "/metrics").status, 404);
        QCOMPARE(ops.request("GET", "/v1/mailbox").status, 404);
    }

    void retentionDropsWhatIsOver30Days()
    {
        // Certificate valid long enough for a relay clock 31 days ahead.
        protocol::HqCertificate cert = *protocol::HqCertificate::decode(env.dep->cert);
        cert.notAfterMs = nowMs() + 90LL * 24 * 3600 * 1000;
        protocol::signHqCertificate(cert, env.dep->root.secretKey);
        env.dep->cert = cert.encode();
        QVERIFY(start());
        {
            HttpConnection c(env.relay->port);
            Signer admin = adminSigner(*env.dep);
            DeviceIdentity dev;
            QCOMPARE(registerDevice(c, admin, dev).status, 200);
            Signer ds = deviceSigner(*env.dep, dev);
            QCOMPARE(
                signedCall(c, ds, "POST", "/v1/envelopes", deviceEnvelope(*env.dep, dev, 1).bytes)
                    .status,
                200);
            Signer hq = hqSigner(*env.dep);
            QCOMPARE(drainMailbox(c, hq).size(), 1);
        }
        QCOMPARE(env.relay->terminate(), 0);
        // The same storage, 31 days later: retention removes the unacknowledged envelope.
        QVERIFY(start({"--test-clock-offset-ms", QString::number(31LL * 24 * 3600 * 1000)}));
        HttpConnection c(env.relay->port);
        Signer hq = hqSigner(*env.dep);
        QTRY_VERIFY_WITH_TIMEOUT(signedCall(c, hq, "GET", "/v1/mailbox").status == 200 &&
                                     drainMailbox(c, hq).isEmpty(),
                                 10000);
        QVERIFY(hq.offsetMs > 30LL * 24 * 3600 * 1000); // learned through clock_skew
    }
};

LIAISON_TEST_MAIN(TestRelayApi)
#include "tst_relay_api.moc"
