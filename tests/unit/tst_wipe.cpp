// sync/protocol/wipe.h: the wipe token (LWT2) and acknowledgement (LWA2) of DESIGN.md "Commands,
// remote wipe, revocation": exact layouts, and every check verifyWipeToken and
// verifyWipeAcknowledgement make (security review M-2, L-5).

#include "protocol/wipe.h"

#include "testmain.h"

#include <QTest>

using namespace liaison;
using namespace liaison::protocol;

namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;

struct Fixture
{
    crypto::SignKeyPair root = crypto::crypto_sign_keypair();
    crypto::SignKeyPair content = crypto::crypto_sign_keypair();
    crypto::SignKeyPair device = crypto::crypto_sign_keypair();
    crypto::SignKeyPair wipeAck = crypto::crypto_sign_keypair();
    WipeTarget target;

    Fixture()
    {
        target.deployment = crypto::randomFixed<crypto::Id16>();
        target.device = crypto::randomFixed<crypto::Id16>();
        target.signKeyHash = crypto::crypto_generichash(device.publicKey.view());
        target.wipeAckKeyHash = crypto::crypto_generichash(wipeAck.publicKey.view());
        target.wipeId = crypto::randomFixed<crypto::Id16>();
        target.rootKey = root.publicKey;
    }
    HqCertificate cert(std::uint64_t serial) const
    {
        HqCertificate c;
        c.deployment = target.deployment;
        c.serial = serial;
        c.notBeforeMs = kNow - 3600'000;
        c.notAfterMs = kNow + 30LL * 24 * 3600'000;
        c.contentKey = content.publicKey;
        c.relayAdminKey = crypto::crypto_sign_keypair().publicKey;
        signHqCertificate(c, root.secretKey);
        return c;
    }
    WipeToken token(std::uint64_t serial = 3, std::int64_t notAfter = kNow + 3600'000) const
    {
        return *makeWipeToken(target, crypto::randomFixed<crypto::Id16>(), kNow, notAfter,
                              cert(serial), content.secretKey);
    }
};

} // namespace

class TestWipe : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void tokenLayoutRoundTrips()
    {
        Fixture f;
        const WipeToken t = f.token();
        const QByteArray bytes = t.encode();
        QCOMPARE(bytes.size(), kWipeTokenBytes);
        QCOMPARE(bytes.size(), 376);
        QVERIFY(bytes.startsWith("LWT2"));
        auto back = WipeToken::decode(bytes);
        QVERIFY(back);
        QCOMPARE(back->encode(), bytes);
        QCOMPARE(back->certificateSerial, std::uint64_t(3));
        QCOMPARE(back->wipeAckKeyHash, f.target.wipeAckKeyHash);
        QVERIFY(!WipeToken::decode(bytes.left(bytes.size() - 1)));
        QVERIFY(!WipeToken::decode(QByteArray("LWT1") + bytes.mid(4)));
        QVERIFY(verifyWipeToken(*back, f.target));
    }

    void tokenChecks()
    {
        Fixture f;
        const WipeToken t = f.token(3, kNow + 3600'000);
        // HQ time: before notAfter obeyed, after it refused.
        QVERIFY(verifyWipeToken(t, f.target, {kNow + 3599'000, 0}));
        QCOMPARE(verifyWipeToken(t, f.target, {kNow + 3601'000, 0}).error().code, Errc::Refused);
        // A retired serial: the device adopted serial 4.
        QVERIFY(verifyWipeToken(t, f.target, {std::nullopt, 3}));
        QCOMPARE(verifyWipeToken(t, f.target, {std::nullopt, 4}).error().code, Errc::Refused);
        // Another wipe-ack key, another device key.
        WipeTarget other = f.target;
        other.wipeAckKeyHash = crypto::crypto_generichash("x");
        QCOMPARE(verifyWipeToken(t, other).error().code, Errc::Refused);
        other = f.target;
        other.signKeyHash = crypto::crypto_generichash("x");
        QCOMPARE(verifyWipeToken(t, other).error().code, Errc::Refused);
        // The serial the token names is the certificate's.
        WipeToken bent = t;
        bent.certificateSerial = 9;
        QVERIFY(!verifyWipeToken(bent, f.target));
        // notAfter is signed.
        bent = t;
        bent.notAfterMs += 1;
        QCOMPARE(verifyWipeToken(bent, f.target).error().code, Errc::AuthFailed);
        // A root that is not ours.
        WipeTarget foreign = f.target;
        foreign.rootKey = crypto::crypto_sign_keypair().publicKey;
        QCOMPARE(verifyWipeToken(t, foreign).error().code, Errc::AuthFailed);
        // HQ cannot make a token that expires before it starts.
        QVERIFY(!makeWipeToken(f.target, crypto::randomFixed<crypto::Id16>(), kNow, kNow, f.cert(3),
                               f.content.secretKey));
    }

    void acknowledgementChecks()
    {
        Fixture f;
        const WipeToken t = f.token();
        const auto byAck =
            signWipeAcknowledgement(t.deployment, t.device, t.commandId, kNow, f.wipeAck);
        const QByteArray bytes = byAck.encode();
        QCOMPARE(bytes.size(), kWipeAckBytes);
        QCOMPARE(bytes.size(), 156);
        QVERIFY(bytes.startsWith("LWA2"));
        auto back = WipeAcknowledgement::decode(bytes);
        QVERIFY(back);
        QCOMPARE(back->encode(), bytes);
        QVERIFY(verifyWipeAcknowledgement(*back, t));
        // The device key signs too.
        QVERIFY(verifyWipeAcknowledgement(
            signWipeAcknowledgement(t.deployment, t.device, t.commandId, kNow, f.device), t));
        // Any other key: refused, even when it signs correctly.
        const auto stranger = signWipeAcknowledgement(t.deployment, t.device, t.commandId, kNow,
                                                      crypto::crypto_sign_keypair());
        QCOMPARE(verifyWipeAcknowledgement(stranger, t).error().code, Errc::AuthFailed);
        // Another command or device.
        QCOMPARE(verifyWipeAcknowledgement(
                     signWipeAcknowledgement(t.deployment, t.device,
                                             crypto::randomFixed<crypto::Id16>(), kNow, f.wipeAck),
                     t)
                     .error()
                     .code,
                 Errc::Refused);
        // A changed field breaks the signature.
        WipeAcknowledgement bent = byAck;
        bent.atMs += 1;
        QCOMPARE(verifyWipeAcknowledgement(bent, t).error().code, Errc::AuthFailed);
        // A token without a wipe-ack key (zero hash) names only the device key.
        WipeToken noAck = t;
        noAck.wipeAckKeyHash = crypto::Hash32{};
        QCOMPARE(verifyWipeAcknowledgement(byAck, noAck).error().code, Errc::AuthFailed);
        // Unsigned (the old LWA1) does not parse.
        QVERIFY(!WipeAcknowledgement::decode(QByteArray("LWA1") + QByteArray(56, '\0')));
    }
};

LIAISON_TEST_MAIN(TestWipe)
#include "tst_wipe.moc"
