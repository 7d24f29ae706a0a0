#include "crypto/crypto.h"
#include "testmain.h"

#include <QCoreApplication>
#include <QProcess>
#include <QSet>
#include <QTest>

#include <cstdio>
#include <cstdlib>

using namespace liaison;
using namespace liaison::crypto;

class TestCrypto : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void selfTestPasses() { QVERIFY(selfTest().has_value()); }

    void secretBytesAreZeroedAndMoved()
    {
        SecretBytes a = SecretBytes::random(32);
        QCOMPARE(a.size(), std::size_t(32));
        SecretBytes copy = SecretBytes::copyOf(a.view());
        QVERIFY(copy.equals(a));
        SecretBytes b = std::move(a);
        QCOMPARE(a.size(), std::size_t(0));
        QVERIFY(a.data() == nullptr);
        QVERIFY(b.equals(copy));
        b.wipe();
        QVERIFY(b.empty());
        SecretBytes zero(16);
        for (auto byte : zero.span())
            QCOMPARE(byte, std::uint8_t(0));
    }

    void rawKeyStringIsExactly67Characters()
    {
        SymmetricKey key = SymmetricKey::random();
        SecretBytes raw = sqlcipherRawKey(key);
        QCOMPARE(raw.size(), std::size_t(67));
        const QByteArray s = raw.view().toByteArray();
        QVERIFY(s.startsWith("x'"));
        QVERIFY(s.endsWith('\''));
        QCOMPARE(QByteArray::fromHex(s.mid(2, 64)), key.view().toByteArray());
        for (char c : s.mid(2, 64))
            QVERIFY((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }

    void aeadRejectsEveryTamper()
    {
        SymmetricKey key = SymmetricKey::random();
        const XNonce nonce = randomFixed<XNonce>();
        const QByteArray ct = crypto_aead_encrypt("field report", "ad", nonce, key);
        for (qsizetype i = 0; i < ct.size(); ++i) {
            QByteArray t = ct;
            t[i] = char(t[i] ^ 0x01);
            QVERIFY(!crypto_aead_decrypt(t, "ad", nonce, key));
        }
        QVERIFY(!crypto_aead_decrypt(ct, "other ad", nonce, key));
        QCOMPARE(*crypto_aead_decrypt(ct, "ad", nonce, key), QByteArray("field report"));
    }

    void sealedBoxOpensOnlyForRecipient()
    {
        const BoxKeyPair alice = crypto_box_keypair();
        const BoxKeyPair bob = crypto_box_keypair();
        const QByteArray sealed = crypto_box_seal("cek", alice.publicKey);
        QVERIFY(crypto_box_seal_open(sealed, alice));
        QVERIFY(!crypto_box_seal_open(sealed, bob));
    }

    // Issue 8 point 12 (security review L-1): libsodium refuses a low-order (all-zero) X25519
    // key and leaves 48 bytes of its output untouched. The wrapper returns nothing then (the
    // envelope sealer turns that into CryptoFailure), never 80 bytes of which 48 are heap.
    void sealToLowOrderKeyGivesNothing()
    {
        const BoxPublicKey zero{};
        const QByteArray sealed = crypto_box_seal("content key, 32 bytes of it....", zero);
        QVERIFY2(sealed.isEmpty(), qPrintable(QString::number(sealed.size())));
        const BoxKeyPair alice = crypto_box_keypair();
        QCOMPARE(crypto_box_seal("cek", alice.publicKey).size(), 3 + 48);
    }

    void signaturesBindMessageAndKey()
    {
        const SignKeyPair a = crypto_sign_keypair();
        const SignKeyPair b = crypto_sign_keypair();
        const Signature sig = crypto_sign_detached("LIAISN-sig-v1 message", a.secretKey);
        QVERIFY(crypto_sign_verify_detached(sig, "LIAISN-sig-v1 message", a.publicKey));
        QVERIFY(!crypto_sign_verify_detached(sig, "LIAISN-sig-v1 messagf", a.publicKey));
        QVERIFY(!crypto_sign_verify_detached(sig, "LIAISN-sig-v1 message", b.publicKey));
    }

    void kdfSubkeysDifferByIdAndContext()
    {
        SymmetricKey vk = SymmetricKey::random();
        const SymmetricKey db1 = crypto_kdf_derive_from_key(vk, 1, "LIAISNdb");
        const SymmetricKey db1again = crypto_kdf_derive_from_key(vk, 1, "LIAISNdb");
        const SymmetricKey db2 = crypto_kdf_derive_from_key(vk, 2, "LIAISNdb");
        const SymmetricKey en1 = crypto_kdf_derive_from_key(vk, 1, "LIAISNen");
        QVERIFY(db1.bytes().equals(db1again.bytes()));
        QVERIFY(!db1.bytes().equals(db2.bytes()));
        QVERIFY(!db1.bytes().equals(en1.bytes()));
    }

    void argon2idRefusesOutOfRangeParameters()
    {
        const Salt16 salt = randomFixed<Salt16>();
        QVERIFY(!crypto_pwhash_argon2id("passphrase", salt, {2, kMemMin}));
        QVERIFY(!crypto_pwhash_argon2id("passphrase", salt, {3, kMemMin - 1}));
        QVERIFY(!crypto_pwhash_argon2id("passphrase", salt, {21, kMemMin}));
        QVERIFY(!crypto_pwhash_argon2id("passphrase", salt, {3, kMemMax + 1}));
        QVERIFY(!crypto_pwhash_argon2id("passphrase", salt, {1, 16ull << 20}));
        auto a = crypto_pwhash_argon2id("passphrase", salt, kTestKdfParams);
        auto b = crypto_pwhash_argon2id("passphrase", salt, kTestKdfParams);
        auto c = crypto_pwhash_argon2id("passphrasf", salt, kTestKdfParams);
        QVERIFY(a && b && c);
        QVERIFY(a->equals(*b));
        QVERIFY(!a->equals(*c));
    }

    void padBucketsRoundTrip()
    {
        for (int n : {0, 1, 511, 512, 513, 5000}) {
            const QByteArray data(n, 'x');
            const QByteArray padded = sodium_pad(data, 512);
            QCOMPARE(padded.size() % 512, 0);
            QVERIFY(padded.size() > n);
            QCOMPARE(*sodium_unpad(padded, 512), data);
        }
        QVERIFY(!sodium_unpad(QByteArray(512, '\0'), 512));
    }

    // Issue 8 point 12: every libsodium call's return value is checked. A keyed BLAKE2b with a key
    // over 64 bytes, or an output over 64 bytes, is refused by libsodium; before, the refusal was
    // ignored and the untouched output went on as a hash (all zeros: the same "hash" for every
    // message). Now the process stops. Run in a child of this binary (the death is the result).
    void refusedHashStopsTheProcess_data()
    {
        QTest::addColumn<QString>("call");
        QTest::newRow("keyed, 65-byte key") << QStringLiteral("keyed");
        QTest::newRow("streaming, 65-byte output") << QStringLiteral("stream");
    }

    void refusedHashStopsTheProcess()
    {
        QFETCH(QString, call);
        if (const QByteArray child = qgetenv("LIAISON_CRYPTO_CHILD"); !child.isEmpty()) {
            if (child != call.toLatin1())
                return;
            QByteArray out;
            if (call == QLatin1String("keyed"))
                out =
                    crypto_generichash_keyed("officer's note", QByteArray(65, 'k')).toByteArray() +
                    crypto_generichash_keyed("another note", QByteArray(65, 'k')).toByteArray();
            else
                out = GenericHash(65).final();
            std::printf("HASH %s\n", out.toHex().constData());
            std::fflush(stdout);
            std::_Exit(0);
        }
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("LIAISON_CRYPTO_CHILD"), call);
        p.setProcessEnvironment(env);
        p.start(QCoreApplication::applicationFilePath(),
                {QStringLiteral("refusedHashStopsTheProcess")});
        QVERIFY(p.waitForFinished(60000));
        const QByteArray out = p.readAllStandardOutput();
        QVERIFY2(!out.contains("HASH "), out.constData());
        QVERIFY2(p.exitStatus() == QProcess::CrashExit || p.exitCode() != 0,
                 "the child went on after libsodium refused the call");
        // The reason is named (stderr, or the test log when Qt Test's handler took the message).
        QVERIFY((out + p.readAllStandardError()).contains("crypto_generichash"));
    }

    void randomNeverRepeatsInSmallSample()
    {
        QSet<QByteArray> seen;
        for (int i = 0; i < 10000; ++i)
            seen.insert(randomFixed<XNonce>().toByteArray());
        QCOMPARE(seen.size(), 10000);
    }
};

LIAISON_TEST_MAIN(TestCrypto)
#include "tst_crypto.moc"
