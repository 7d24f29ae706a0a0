// Issue 9 point 5, on SQLite and on PostgreSQL: one device cannot block others. Each sender has
// a quota (envelopes and bytes) inside a recipient's mailbox: a device that fills its share of
// HQ's mailbox is refused with a clear reason while another device still posts to HQ; an
// acknowledgement gives the share back. HQ's own key is not throttled like a device's.

#include "relaytestkit.h"
#include "testmain.h"

#include <QTest>

using namespace liaison;
using namespace liaison::relaytest;

class TestRelayQuota : public QObject
{
    Q_OBJECT

    RelayEnv env;

    Reply post(HttpConnection &c, Signer &s, const Built &e)
    {
        return signedCall(c, s, "POST", "/v1/envelopes", e.bytes, 30000);
    }

private Q_SLOTS:
    void initTestCase_data() { addBackendRows(); }

    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        QVERIFY2(env.setUp(backend), qPrintable(env.error));
    }

    void cleanup() { env.tearDown(); }

    void oneDeviceFillingHqsMailboxLeavesOthersOpen()
    {
        QVERIFY2(env.startRelay({"--mailbox-depth", "5"}), qPrintable(env.error));
        HttpConnection c(env.relay->port);
        Signer admin = adminSigner(*env.dep);
        DeviceIdentity a, b;
        QCOMPARE(registerDevice(c, admin, a).status, 200);
        QCOMPARE(registerDevice(c, admin, b).status, 200);
        Signer as = deviceSigner(*env.dep, a), bs = deviceSigner(*env.dep, b);
        for (int seq = 1; seq <= 5; ++seq)
            QCOMPARE(post(c, as, deviceEnvelope(*env.dep, a, seq)).status, 200);
        Reply r = post(c, as, deviceEnvelope(*env.dep, a, 6));
        QCOMPARE(r.status, 429);
        QCOMPARE(r.errorCode(), QByteArray("mailbox_full"));
        const QString why = r.json().value(QStringLiteral("message")).toString();
        // Device B's uplink is open.
        for (int seq = 1; seq <= 5; ++seq) {
            r = post(c, bs, deviceEnvelope(*env.dep, b, seq));
            QVERIFY2(r.status == 200, r.body.constData());
        }
        // The refusal says whose share is full.
        QVERIFY2(why.contains(QStringLiteral("this sender")), qPrintable(why));
        // HQ takes A's first two: A has room for two more, no more.
        Signer hq = hqSigner(*env.dep);
        const auto items = drainMailbox(c, hq);
        QCOMPARE(items.size(), 10);
        QList<std::int64_t> ofA;
        for (const auto &it : items) {
            auto env = protocol::parseEnvelope(it.data, 1 << 24);
            QVERIFY(env.has_value());
            if (env->header.sender == a.id)
                ofA.append(std::int64_t(it.key));
        }
        QCOMPARE(ofA.size(), 5);
        QJsonArray acked{qint64(ofA[0]), qint64(ofA[1])};
        QCOMPARE(
            signedCall(c, hq, "POST", "/v1/mailbox/ack", jsonBytes({{"cursors", acked}})).status,
            200);
        QCOMPARE(post(c, as, deviceEnvelope(*env.dep, a, 6)).status, 200);
        QCOMPARE(post(c, as, deviceEnvelope(*env.dep, a, 7)).status, 200);
        QCOMPARE(post(c, as, deviceEnvelope(*env.dep, a, 8)).status, 429);
    }

    void byteQuotaPerSender()
    {
        DeviceIdentity a, b;
        const QByteArray big(40000, 'q');
        QList<Built> ofA, ofB;
        for (std::uint64_t seq = 1; seq <= 3; ++seq) {
            ofA.append(deviceEnvelope(*env.dep, a, seq, big));
            ofB.append(deviceEnvelope(*env.dep, b, seq, big));
        }
        // Room for two and a half envelopes per sender.
        const qsizetype quota = ofA[0].bytes.size() * 5 / 2;
        QVERIFY2(env.startRelay({"--sender-quota-bytes", QString::number(quota)}),
                 qPrintable(env.error));
        HttpConnection c(env.relay->port);
        Signer admin = adminSigner(*env.dep);
        QCOMPARE(registerDevice(c, admin, a).status, 200);
        QCOMPARE(registerDevice(c, admin, b).status, 200);
        Signer as = deviceSigner(*env.dep, a), bs = deviceSigner(*env.dep, b);
        QCOMPARE(post(c, as, ofA[0]).status, 200);
        QCOMPARE(post(c, as, ofA[1]).status, 200);
        const Reply r = post(c, as, ofA[2]);
        QCOMPARE(r.status, 429);
        QVERIFY2(r.body.contains("bytes"), r.body.constData());
        QCOMPARE(post(c, bs, ofB[0]).status, 200);
        QCOMPARE(post(c, bs, ofB[1]).status, 200);
    }

    void hqIsNotThrottledLikeADevice()
    {
        QVERIFY2(env.startRelay({"--rate", "1", "--burst", "5"}), qPrintable(env.error));
        HttpConnection c(env.relay->port);
        Signer admin = adminSigner(*env.dep);
        DeviceIdentity d;
        QCOMPARE(registerDevice(c, admin, d).status, 200);
        Signer hq = hqSigner(*env.dep), ds = deviceSigner(*env.dep, d);
        int hqLimited = 0, deviceLimited = 0;
        for (int i = 1; i <= 20; ++i) {
            hqLimited += post(c, hq, hqEnvelope(*env.dep, d, std::uint64_t(i))).status == 429;
            deviceLimited += signedCall(c, ds, "GET", "/v1/mailbox?limit=1").status == 429;
        }
        QCOMPARE(hqLimited, 0);
        QVERIFY(deviceLimited > 0);
    }
};

LIAISON_TEST_MAIN(TestRelayQuota)
#include "tst_relay_quota.moc"
