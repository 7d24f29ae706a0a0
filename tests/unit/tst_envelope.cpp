// Envelope header, framing, env_hash and signature (DESIGN.md "Envelope wire format").
#include "protocol/envelope.h"
#include "testmain.h"

#include <QTest>
#include <QtEndian>

using namespace liaison;
using namespace liaison::crypto;
using namespace liaison::protocol;

namespace {

EnvelopeHeader sampleHeader()
{
    EnvelopeHeader h;
    h.deployment = randomFixed<Id16>();
    h.sender = randomFixed<Id16>();
    h.recipient = randomFixed<Id16>();
    h.epoch = 0x01020304;
    h.seq = 0x05060708090a0b0cull;
    h.prev = randomFixed<Hash32>();
    h.nonce = randomFixed<XNonce>();
    h.commitment = randomFixed<Hash32>();
    h.recipientBoxKeyId = 0xa1b2c3d4;
    h.sealedKey = randomFixed<SealedKey>();
    return h;
}

QByteArray signedEnvelope(const EnvelopeHeader &h, const SignKeyPair &keys, qsizetype ctLen = 528)
{
    const QByteArray header = h.encode();
    const QByteArray ct = randomBytes(ctLen);
    const Signature sig = signEnvelopeHash(envelopeHash(header, ct), keys.secretKey);
    return frameEnvelope(header, ct, sig);
}

} // namespace

class TestEnvelope : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void headerLayoutIsBigEndianAt236Bytes()
    {
        const EnvelopeHeader h = sampleHeader();
        const QByteArray b = h.encode();
        QCOMPARE(b.size(), qsizetype(236));
        QCOMPARE(b.first(4), QByteArray("LSE1"));
        QCOMPARE(b.mid(4, 16), h.deployment.toByteArray());
        QCOMPARE(b.mid(20, 16), h.sender.toByteArray());
        QCOMPARE(b.mid(36, 16), h.recipient.toByteArray());
        QCOMPARE(b.mid(52, 4), QByteArray::fromHex("01020304"));
        QCOMPARE(b.mid(56, 8), QByteArray::fromHex("05060708090a0b0c"));
        QCOMPARE(b.mid(64, 32), h.prev.toByteArray());
        QCOMPARE(b.mid(96, 24), h.nonce.toByteArray());
        QCOMPARE(b.mid(120, 32), h.commitment.toByteArray());
        QCOMPARE(b.mid(152, 4), QByteArray::fromHex("a1b2c3d4"));
        QCOMPARE(b.mid(156, 80), h.sealedKey.toByteArray());
        auto back = EnvelopeHeader::decode(b);
        QVERIFY(back);
        QVERIFY(*back == h);
    }

    void headerDecodeRejectsLengthAndMagic()
    {
        const QByteArray b = sampleHeader().encode();
        QVERIFY(!EnvelopeHeader::decode(b.first(235)));
        QVERIFY(!EnvelopeHeader::decode(b + '\0'));
        QVERIFY(!EnvelopeHeader::decode({}));
        QByteArray bad = b;
        bad[3] = '2';
        QCOMPARE(EnvelopeHeader::decode(bad).error().code, Errc::Malformed);
    }

    void bucketsFollowTheDesign()
    {
        QCOMPARE(bodyBucketFor(0), qsizetype(512));
        QCOMPARE(bodyBucketFor(511), qsizetype(512));
        QCOMPARE(bodyBucketFor(512), qsizetype(1024));
        QCOMPARE(bodyBucketFor(65535), qsizetype(65536));
        QCOMPARE(bodyBucketFor(65536), qsizetype(131072));
        QCOMPARE(bodyBucketFor(131071), qsizetype(131072));
        QCOMPARE(bodyBucketFor(131072), qsizetype(196608));
        QVERIFY(isBodyBucket(512));
        QVERIFY(isBodyBucket(4096));
        QVERIFY(isBodyBucket(196608));
        QVERIFY(!isBodyBucket(256));
        QVERIFY(!isBodyBucket(513));
        QVERIFY(!isBodyBucket(768));
        QVERIFY(!isBodyBucket(65536 + 512));
    }

    void parseAcceptsAndHashesAValidFrame()
    {
        const SignKeyPair keys = crypto_sign_keypair();
        const EnvelopeHeader h = sampleHeader();
        const QByteArray env = signedEnvelope(h, keys);
        QCOMPARE(env.size(), qsizetype(832));
        auto f = parseEnvelope(env, 1 << 20);
        QVERIFY(f);
        QVERIFY(f->header == h);
        QCOMPARE(f->ciphertext.size(), qsizetype(528));
        QCOMPARE(f->encode(), env);
        // env_hash = BLAKE2b-256("LIAISN-env-v1" ‖ header ‖ u32 ct_len ‖ ciphertext)
        QCOMPARE(f->envHash,
                 crypto_generichash(QByteArray("LIAISN-env-v1") + env.first(236 + 4 + 528)));
        QVERIFY(verifyEnvelopeSignature(*f, keys.publicKey));
        QVERIFY(!verifyEnvelopeSignature(*f, crypto_sign_keypair().publicKey));
        QVERIFY(checkDeployment(f->header, h.deployment));
        QCOMPARE(checkDeployment(f->header, randomFixed<Id16>()).error().code, Errc::Refused);
    }

    void parseRejectsBadFraming()
    {
        const SignKeyPair keys = crypto_sign_keypair();
        const QByteArray env = signedEnvelope(sampleHeader(), keys);
        QVERIFY(!parseEnvelope(env + 'x', 1 << 20));      // trailing byte
        QVERIFY(!parseEnvelope(env.chopped(1), 1 << 20)); // short signature
        QVERIFY(!parseEnvelope(env, env.size() - 1));     // over the caller's limit
        QVERIFY(!parseEnvelope({}, 1 << 20));
        QVERIFY(!parseEnvelope(env.first(240), 1 << 20));
        QByteArray badMagic = env;
        badMagic[0] = 'M';
        QVERIFY(!parseEnvelope(badMagic, 1 << 20));
        // ct_len that disagrees with the bytes, in both directions, and a huge one
        for (std::uint32_t len : {527u, 529u, 0u, 0xffffffffu, 0x80000000u}) {
            QByteArray t = env;
            qToBigEndian<std::uint32_t>(len, t.data() + 236);
            QVERIFY2(!parseEnvelope(t, 1 << 20), qPrintable(QString::number(len)));
        }
        // a consistent frame whose ciphertext is not bucket + tag
        const QByteArray odd = signedEnvelope(sampleHeader(), keys, 600);
        QVERIFY(!parseEnvelope(odd, 1 << 20));
        const QByteArray big = signedEnvelope(sampleHeader(), keys, 1024 + 16);
        QVERIFY(parseEnvelope(big, 1 << 20));
    }

    void signatureCoversEveryByte()
    {
        const SignKeyPair keys = crypto_sign_keypair();
        const QByteArray env = signedEnvelope(sampleHeader(), keys);
        for (qsizetype i = 0; i < env.size(); ++i) {
            QByteArray t = env;
            t[i] = char(t[i] ^ 0x10);
            auto f = parseEnvelope(t, 1 << 20);
            if (!f)
                continue; // magic or ct_len: framing caught it
            QVERIFY2(!verifyEnvelopeSignature(*f, keys.publicKey), qPrintable(QString::number(i)));
        }
    }
};

LIAISON_TEST_MAIN(TestEnvelope)
#include "tst_envelope.moc"
