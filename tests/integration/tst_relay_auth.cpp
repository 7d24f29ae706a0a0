// Issue 4 test 6: signed requests. Unsigned, wrong key, a header sender that is not the caller,
// an expired time, a replayed nonce and a revoked device are refused; a device whose clock is
// 3 h off recovers through the skew offset. On SQLite and on PostgreSQL.

#include "relaytestkit.h"
#include "testmain.h"

#include <QTest>

using namespace liaison;
using namespace liaison::relaytest;

class TestRelayAuth : public QObject
{
    Q_OBJECT

    RelayEnv env;
    std::unique_ptr<HttpConnection> c;
    std::unique_ptr<DeviceIdentity> dev;

private Q_SLOTS:
    void initTestCase_data() { addBackendRows(); }

    void init()
    {
        QFETCH_GLOBAL(QString, backend);
        QVERIFY2(env.setUp(backend), qPrintable(env.error));
        QVERIFY2(env.startRelay(), qPrintable(env.error));
        c = std::make_unique<HttpConnection>(env.relay->port);
        dev = std::make_unique<DeviceIdentity>();
        Signer admin = adminSigner(*env.dep);
        QCOMPARE(registerDevice(*c, admin, *dev).status, 200);
    }

    void cleanup()
    {
        c.reset();
        env.tearDown();
    }

    void unsignedRequestsAreRefused()
    {
        Reply r = c->request("GET", "/v1/mailbox");
        QCOMPARE(r.status, 401);
        QCOMPARE(r.errorCode(), QByteArray("unsigned"));
        QVERIFY(r.headers.contains("liaison-time"));
        r = c->request("POST", "/v1/envelopes", deviceEnvelope(*env.dep, *dev, 1).bytes);
        QCOMPARE(r.status, 401);
        r = c->request("PUT", "/v1/devices/" + dev->id.toHex(), "{}");
        QCOMPARE(r.status, 401);
        // Half a signature is malformed, not unsigned.
        r = c->request("GET", "/v1/mailbox", {}, {{"Liaison-Key", dev->keyId()}});
        QCOMPARE(r.status, 400);
        QCOMPARE(r.errorCode(), QByteArray("malformed_auth"));
        Signer hq = hqSigner(*env.dep);
        QVERIFY(drainMailbox(*c, hq).isEmpty());
    }

    void wrongKeyIsRefused()
    {
        // The device's key id with another key.
        const SignKeyPair other = crypto_sign_keypair();
        Signer wrong{env.dep->id, dev->keyId(), &other.secretKey};
        Reply r = signedCall(*c, wrong, "GET", "/v1/mailbox");
        QCOMPARE(r.status, 401);
        QCOMPARE(r.errorCode(), QByteArray("bad_signature"));
        const QByteArray wrongKeyBody = r.body;
        // A key id nobody registered: the same answer (issue 9 point 8), so that callers cannot
        // tell which device ids exist.
        DeviceIdentity stranger;
        Signer ss = deviceSigner(*env.dep, stranger);
        r = signedCall(*c, ss, "GET", "/v1/mailbox");
        QCOMPARE(r.status, 401);
        QCOMPARE(r.body, wrongKeyBody);
        // The right key, but for another deployment (the audience differs).
        Signer otherDeployment = deviceSigner(*env.dep, *dev);
        otherDeployment.deployment = randomFixed<Id16>();
        QCOMPARE(signedCall(*c, otherDeployment, "GET", "/v1/mailbox").status, 401);
        // The signature covers the body, the path and the query.
        Signer ds = deviceSigner(*env.dep, *dev);
        const Built e = deviceEnvelope(*env.dep, *dev, 1);
        auto headers = ds.headersFor(c->host(), "POST", "/v1/envelopes", e.bytes);
        const Built e2 = deviceEnvelope(*env.dep, *dev, 2);
        QCOMPARE(c->request("POST", "/v1/envelopes", e2.bytes, headers).status, 401);
        headers = ds.headersFor(c->host(), "GET", "/v1/mailbox?after=0", {});
        QCOMPARE(c->request("GET", "/v1/mailbox?after=5", {}, headers).status, 401);
        headers = ds.headersFor(c->host(), "GET", "/v1/mailbox", {});
        QCOMPARE(c->request("GET", "/v1/streams/" + dev->id.toHex() + "/1", {}, headers).status,
                 401);
        // A Host other than the one signed.
        headers = ds.headersFor("relay.example.org", "GET", "/v1/mailbox", {});
        QCOMPARE(c->request("GET", "/v1/mailbox", {}, headers).status, 401);
        // The admin key cannot post envelopes; a device cannot make admin calls.
        Signer admin = adminSigner(*env.dep);
        QCOMPARE(signedCall(*c, admin, "POST", "/v1/envelopes", hqEnvelope(*env.dep, *dev, 1).bytes)
                     .status,
                 403);
        DeviceIdentity newcomer;
        QCOMPARE(registerDevice(*c, ds, newcomer).status, 403);
        Signer hq = hqSigner(*env.dep);
        QVERIFY(drainMailbox(*c, hq).isEmpty());
    }

    void headerSenderMustBeTheCaller()
    {
        Signer admin = adminSigner(*env.dep);
        DeviceIdentity other;
        QCOMPARE(registerDevice(*c, admin, other).status, 200);
        Signer ds = deviceSigner(*env.dep, *dev);
        // An envelope from `other` (validly signed by other) posted by dev.
        Reply r =
            signedCall(*c, ds, "POST", "/v1/envelopes", deviceEnvelope(*env.dep, other, 1).bytes);
        QCOMPARE(r.status, 403);
        QCOMPARE(r.errorCode(), QByteArray("sender_not_caller"));
        // An envelope naming dev as sender but signed by another key.
        const Built forged = makeEnvelope(env.dep->id, dev->id, protocol::hqParticipantId(), 1, 1,
                                          Hash32{}, other.keys.secretKey, QByteArray(100, 'f'));
        r = signedCall(*c, ds, "POST", "/v1/envelopes", forged.bytes);
        QCOMPARE(r.status, 403);
        QCOMPARE(r.errorCode(), QByteArray("bad_envelope_signature"));
        // A device sends to HQ only.
        const Built sideways = makeEnvelope(env.dep->id, dev->id, other.id, 1, 1, Hash32{},
                                            dev->keys.secretKey, QByteArray(100, 's'));
        QCOMPARE(signedCall(*c, ds, "POST", "/v1/envelopes", sideways.bytes).status, 403);
        // HQ posing as a device: the sender must be HQ's id.
        Signer hq = hqSigner(*env.dep);
        r = signedCall(*c, hq, "POST", "/v1/envelopes", deviceEnvelope(*env.dep, *dev, 1).bytes);
        QCOMPARE(r.status, 403);
        // Another deployment in the header.
        const Built elsewhere =
            makeEnvelope(randomFixed<Id16>(), dev->id, protocol::hqParticipantId(), 1, 1, Hash32{},
                         dev->keys.secretKey, QByteArray(10, 'e'));
        r = signedCall(*c, ds, "POST", "/v1/envelopes", elsewhere.bytes);
        QCOMPARE(r.status, 403);
        QCOMPARE(r.errorCode(), QByteArray("wrong_deployment"));
        // Truncated framing.
        const Built ok = deviceEnvelope(*env.dep, *dev, 1);
        r = signedCall(*c, ds, "POST", "/v1/envelopes", ok.bytes.left(ok.bytes.size() - 1));
        QCOMPARE(r.status, 400);
        QCOMPARE(r.errorCode(), QByteArray("malformed_envelope"));
        QVERIFY(drainMailbox(*c, hq).isEmpty());
        QCOMPARE(signedCall(*c, ds, "POST", "/v1/envelopes", ok.bytes).status, 200);
        QCOMPARE(drainMailbox(*c, hq).size(), 1);
    }

    void expiredTimeIsRefused()
    {
        Signer ds = deviceSigner(*env.dep, *dev);
        for (const std::int64_t off : {-6LL * 60 * 1000, 6LL * 60 * 1000}) {
            ds.clockErrorMs = off;
            const Reply r = c->request("GET", "/v1/mailbox", {},
                                       ds.headersFor(c->host(), "GET", "/v1/mailbox", {}));
            QCOMPARE(r.status, 401);
            QCOMPARE(r.errorCode(), QByteArray("clock_skew"));
            const std::int64_t relayTime = r.header("liaison-time").toLongLong();
            QVERIFY(std::llabs(relayTime - nowMs()) < 60000);
        }
        // Within the window: accepted.
        ds.clockErrorMs = -4LL * 60 * 1000;
        QCOMPARE(
            c->request("GET", "/v1/mailbox", {}, ds.headersFor(c->host(), "GET", "/v1/mailbox", {}))
                .status,
            200);
    }

    void replayedNonceIsRefused()
    {
        Signer ds = deviceSigner(*env.dep, *dev);
        const Built e = deviceEnvelope(*env.dep, *dev, 1);
        const auto headers = ds.headersFor(c->host(), "POST", "/v1/envelopes", e.bytes);
        QCOMPARE(c->request("POST", "/v1/envelopes", e.bytes, headers).status, 200);
        const Reply again = c->request("POST", "/v1/envelopes", e.bytes, headers);
        QCOMPARE(again.status, 401);
        QCOMPARE(again.errorCode(), QByteArray("replayed"));
        // On a new connection too, and for reads.
        HttpConnection c2(env.relay->port);
        QCOMPARE(c2.request("POST", "/v1/envelopes", e.bytes, headers).status, 401);
        const auto get = ds.headersFor(c->host(), "GET", "/v1/mailbox", {});
        QCOMPARE(c->request("GET", "/v1/mailbox", {}, get).status, 200);
        QCOMPARE(c->request("GET", "/v1/mailbox", {}, get).errorCode(), QByteArray("replayed"));
        // A refused request does not spend its nonce... but a used one stays used.
        Signer admin = adminSigner(*env.dep);
        DeviceIdentity d2;
        const QByteArray body =
            jsonBytes({{"version", 1},
                       {"sign_pk", QString::fromLatin1(d2.keys.publicKey.toHex())},
                       {"state", "active"}});
        const auto ah = admin.headersFor(c->host(), "PUT", "/v1/devices/" + d2.id.toHex(), body);
        QCOMPARE(c->request("PUT", "/v1/devices/" + d2.id.toHex(), body, ah).status, 200);
        QCOMPARE(c->request("PUT", "/v1/devices/" + d2.id.toHex(), body, ah).errorCode(),
                 QByteArray("replayed"));
        Signer hq = hqSigner(*env.dep);
        QCOMPARE(drainMailbox(*c, hq).size(), 1);
    }

    void revokedDeviceIsRefused()
    {
        Signer ds = deviceSigner(*env.dep, *dev);
        QCOMPARE(signedCall(*c, ds, "GET", "/v1/mailbox").status, 200);
        Signer admin = adminSigner(*env.dep);
        QCOMPARE(registerDevice(*c, admin, *dev, "revoked", 2).status, 200);
        // At once (the relay drops its cached entry, and the transaction re-checks anyway).
        for (const QByteArray &path :
             {QByteArray("/v1/mailbox"),
              QByteArray("/v1/streams/") + protocol::hqParticipantId().toHex() + "/1"}) {
            const Reply r = signedCall(*c, ds, "GET", path);
            QCOMPARE(r.status, 403);
            QCOMPARE(r.errorCode(), QByteArray("revoked"));
        }
        const Reply r =
            signedCall(*c, ds, "POST", "/v1/envelopes", deviceEnvelope(*env.dep, *dev, 1).bytes);
        QCOMPARE(r.status, 403);
        Signer hq = hqSigner(*env.dep);
        QVERIFY(drainMailbox(*c, hq).isEmpty());
    }

    void clockThreeHoursOffRecovers()
    {
        for (const std::int64_t off : {-3LL * 3600 * 1000, 3LL * 3600 * 1000}) {
            Signer ds = deviceSigner(*env.dep, *dev);
            ds.clockErrorMs = off;
            // First attempt: refused with clock_skew; signedCall stores the offset and retries.
            const Reply r = signedCall(*c, ds, "GET", "/v1/mailbox");
            QCOMPARE(r.status, 200);
            QVERIFY2(std::llabs(ds.offsetMs + off) < 60000,
                     qPrintable(QString::number(ds.offsetMs)));
            // From then on requests go straight through.
            const Reply direct = c->request("GET", "/v1/mailbox", {},
                                            ds.headersFor(c->host(), "GET", "/v1/mailbox", {}));
            QCOMPARE(direct.status, 200);
            const Built e = deviceEnvelope(*env.dep, *dev, off < 0 ? 1 : 2);
            const Reply posted =
                c->request("POST", "/v1/envelopes", e.bytes,
                           ds.headersFor(c->host(), "POST", "/v1/envelopes", e.bytes));
            QCOMPARE(posted.status, 200);
        }
        Signer hq = hqSigner(*env.dep);
        QCOMPARE(drainMailbox(*c, hq).size(), 2);
    }
};

LIAISON_TEST_MAIN(TestRelayAuth)
#include "tst_relay_auth.moc"
