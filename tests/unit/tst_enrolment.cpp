// sync/protocol/enrolment.h (DESIGN.md "Enrolment"): the code's text form and its damage
// detection, the relay token and MAC key, the transcript T, the sealed submission and every check
// HQ makes when it opens one, and the safety number (a known answer computed outside Liaison).

#include "protocol/enrolment.h"

#include "testmain.h"

#include <QTest>

using namespace liaison;
using namespace liaison::protocol;

namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;

RelayPin pinOf(char c)
{
    return *RelayPin::fromBytes(QByteArray(32, c));
}

struct Fixture
{
    crypto::SignKeyPair root = crypto::crypto_sign_keypair();
    crypto::SignKeyPair content = crypto::crypto_sign_keypair();
    crypto::BoxKeyPair hqBox = crypto::crypto_box_keypair();
    crypto::SignKeyPair device = crypto::crypto_sign_keypair();
    crypto::BoxKeyPair deviceBox = crypto::crypto_box_keypair();
    crypto::SignKeyPair wipeAck = crypto::crypto_sign_keypair();
    crypto::Id16 deployment = crypto::randomFixed<crypto::Id16>();
    crypto::Id16 deviceId = crypto::randomFixed<crypto::Id16>();
    HqCertificate cert;
    EnrolmentCode code;

    Fixture()
    {
        cert.deployment = deployment;
        cert.serial = 2;
        cert.notBeforeMs = kNow - 3600'000;
        cert.notAfterMs = kNow + 30LL * 24 * 3600'000;
        cert.contentKey = content.publicKey;
        cert.relayAdminKey = crypto::crypto_sign_keypair().publicKey;
        signHqCertificate(cert, root.secretKey);
        code = newEnrolmentCode(deployment, QStringLiteral("https://relay.example.org:8443"),
                                {pinOf('a'), pinOf('b')}, root.publicKey, deviceId,
                                kNow + 24 * 3600'000, hqBox.publicKey, 1);
    }
    EnrolmentTranscript transcript() const
    {
        return enrolmentTranscript(code, cert, device.publicKey, deviceBox.publicKey,
                                   wipeAck.publicKey);
    }
    EnrolmentExpectation expectation() const
    {
        EnrolmentExpectation e;
        e.deployment = deployment;
        e.device = deviceId;
        e.rootKey = root.publicKey;
        e.hqSignKey = content.publicKey;
        e.hqBoxKey = hqBox.publicKey;
        e.certificateHashes = {crypto::crypto_generichash(cert.encode())};
        e.expiresMs = code.expiresMs;
        return e;
    }
    crypto::SymmetricKey macKey() const { return enrolmentMacKey(code.secret); }
    QByteArray submission() const
    {
        return *sealEnrolmentSubmission(transcript(), device.secretKey, macKey());
    }
    Result<EnrolmentTranscript> open(QByteArrayView sealed, std::int64_t now = kNow) const
    {
        return openEnrolmentSubmission(sealed, hqBox, macKey(), expectation(), now);
    }
};

// T ‖ sig ‖ mac sealed to HQ, for tampering below the MAC.
QByteArray sealRaw(const QByteArray &plain, const crypto::BoxPublicKey &to)
{
    return crypto::crypto_box_seal(plain, to);
}

QByteArray plainFor(const EnrolmentTranscript &t, const crypto::SignSecretKey &key,
                    const crypto::SymmetricKey &mac)
{
    QByteArray plain = t.encode();
    plain.append(crypto::crypto_sign_detached(plain, key).view());
    plain.append(crypto::crypto_auth(plain, mac).view());
    return plain;
}

} // namespace

class TestEnrolment : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void codeRoundTrip()
    {
        Fixture f;
        auto text = encodeEnrolmentCode(f.code);
        QVERIFY(text);
        QVERIFY(text->startsWith("LIAISON1-"));
        // QR alphanumeric mode: upper case letters, digits and '-' only.
        for (char c : *text)
            QVERIFY2((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-', text->data());
        // As printed (grouped), in lower case, with line breaks: the same code.
        for (const QByteArray &typed :
             {*text, groupEnrolmentCode(*text), groupEnrolmentCode(*text, 4).toLower(),
              QByteArray("  ") + groupEnrolmentCode(*text).replace('-', "\n") + "\n"}) {
            auto c = parseEnrolmentCode(typed);
            QVERIFY2(c, qPrintable(c ? QString() : c.error().message));
            QCOMPARE(c->deployment, f.code.deployment);
            QCOMPARE(c->relayUrl, f.code.relayUrl);
            QCOMPARE(c->relayPins, f.code.relayPins);
            QCOMPARE(c->rootKey, f.code.rootKey);
            QCOMPARE(c->device, f.code.device);
            QVERIFY(c->secret.bytes().equals(f.code.secret.bytes()));
            QCOMPARE(c->expiresMs, f.code.expiresMs);
            QCOMPARE(c->hqBoxKey, f.code.hqBoxKey);
            QCOMPARE(c->hqBoxKeyId, 1u);
        }
        // No pins (plain http on loopback) is a valid code too.
        f.code.relayPins.clear();
        auto noPins = encodeEnrolmentCode(f.code);
        QVERIFY(noPins);
        QVERIFY(parseEnrolmentCode(*noPins)->relayPins.isEmpty());
    }

    void codeEncodeRefusesBadFields()
    {
        Fixture f;
        f.code.relayUrl.clear();
        QCOMPARE(encodeEnrolmentCode(f.code).error().code, Errc::InvalidArgument);
        Fixture g;
        g.code.relayPins = {pinOf('1'), pinOf('2'), pinOf('3'), pinOf('4'), pinOf('5')};
        QCOMPARE(encodeEnrolmentCode(g.code).error().code, Errc::InvalidArgument);
        Fixture h;
        h.code.device = crypto::Id16{};
        QCOMPARE(encodeEnrolmentCode(h.code).error().code, Errc::InvalidArgument);
    }

    // Every single mistyped character (another valid base32 letter) is "damaged", never a
    // different code; so is a missing or an extra character.
    void codeMistypedIsDamaged()
    {
        Fixture f;
        const QByteArray text = *encodeEnrolmentCode(f.code);
        const qsizetype start = kEnrolCodePrefix.size();
        for (qsizetype i = start; i < text.size(); ++i) {
            QByteArray typo = text;
            typo[i] = typo[i] == 'A' ? 'B' : 'A';
            auto c = parseEnrolmentCode(typo);
            QVERIFY2(!c, qPrintable(QStringLiteral("position %1").arg(i)));
            QCOMPARE(c.error().code, Errc::Malformed);
            QVERIFY2(c.error().message.contains(QLatin1String("damaged")),
                     qPrintable(c.error().message));
        }
        QByteArray shorter = text;
        shorter.remove(text.size() / 2, 1);
        QVERIFY(parseEnrolmentCode(shorter).error().message.contains(QLatin1String("damaged")));
        QByteArray longer = text;
        longer.insert(text.size() / 2, 'Q');
        QVERIFY(parseEnrolmentCode(longer).error().message.contains(QLatin1String("damaged")));
        QByteArray swapped = text;
        std::swap(swapped[start + 10], swapped[start + 11]);
        if (swapped != text)
            QVERIFY(!parseEnrolmentCode(swapped));
        // A character outside the alphabet names its position.
        QByteArray bad = text;
        bad[start + 3] = '1';
        auto e = parseEnrolmentCode(bad);
        QVERIFY(!e);
        QVERIFY2(e.error().message.contains(QLatin1String("character 1 at position 13")),
                 qPrintable(e.error().message));
    }

    void codeNotACode()
    {
        for (const QByteArray &s : {QByteArray(), QByteArray("hello"), QByteArray("LIAISON-ABC"),
                                    QByteArray("LIAISONX-ABC"), QByteArray(5000, 'A')}) {
            auto c = parseEnrolmentCode(s);
            QVERIFY(!c);
            QCOMPARE(c.error().code, Errc::Malformed);
        }
        auto v2 = parseEnrolmentCode("LIAISON2-AAAA");
        QVERIFY(!v2);
        QCOMPARE(v2.error().code, Errc::Refused);
        QVERIFY(v2.error().message.contains(QLatin1String("format 2")));
    }

    void codeExpiry()
    {
        Fixture f;
        QVERIFY(checkEnrolmentCodeFresh(f.code, f.code.expiresMs));
        auto late = checkEnrolmentCodeFresh(f.code, f.code.expiresMs + 1);
        QVERIFY(!late);
        QCOMPARE(late.error().code, Errc::Refused);
    }

    void derivedKeys()
    {
        Fixture f;
        const crypto::SymmetricKey token = enrolmentRelayToken(f.code.secret);
        const crypto::SymmetricKey mac = enrolmentMacKey(f.code.secret);
        QVERIFY(!token.bytes().equals(mac.bytes()));
        QVERIFY(!token.bytes().equals(f.code.secret.bytes()));
        // crypto_kdf's definition: BLAKE2b keyed with S, salt = subkey id (LE), personal =
        // the context; here through the same wrapper with the ids swapped: they must differ.
        QVERIFY(crypto::crypto_kdf_derive_from_key(f.code.secret, 1, "LIAISNen")
                    .bytes()
                    .equals(token.bytes()));
        QVERIFY(crypto::crypto_kdf_derive_from_key(f.code.secret, 2, "LIAISNen")
                    .bytes()
                    .equals(mac.bytes()));
        const crypto::SecretBytes header = enrolmentTokenHeader(token);
        QCOMPARE(header.view(), token.view().toByteArray().toHex());
        QCOMPARE(enrolmentTokenHash(token), crypto::crypto_generichash(token.view()));
    }

    void certificateAccepted()
    {
        Fixture f;
        auto c = acceptEnrolmentCertificate(f.code, f.cert.encode(), kNow);
        QVERIFY(c);
        QCOMPARE(*c, f.cert);
        // Signed by another root, another deployment, expired, garbage: refused.
        HqCertificate other = f.cert;
        signHqCertificate(other, crypto::crypto_sign_keypair().secretKey);
        QCOMPARE(acceptEnrolmentCertificate(f.code, other.encode(), kNow).error().code,
                 Errc::AuthFailed);
        HqCertificate dep = f.cert;
        dep.deployment = crypto::randomFixed<crypto::Id16>();
        signHqCertificate(dep, f.root.secretKey);
        QCOMPARE(acceptEnrolmentCertificate(f.code, dep.encode(), kNow).error().code,
                 Errc::Refused);
        QVERIFY(!acceptEnrolmentCertificate(f.code, f.cert.encode(), f.cert.notAfterMs + 1));
        QCOMPARE(acceptEnrolmentCertificate(f.code, "junk", kNow).error().code, Errc::Malformed);
    }

    void transcriptLayout()
    {
        Fixture f;
        const EnrolmentTranscript t = f.transcript();
        const QByteArray bytes = t.encode();
        QCOMPARE(bytes.size(), kEnrolTranscriptBytes);
        QVERIFY(bytes.startsWith("LIAISN-enrol-v1"));
        QCOMPARE(bytes.sliced(15, 16), f.deployment.toByteArray());
        QCOMPARE(bytes.sliced(31, 16), f.deviceId.toByteArray());
        QCOMPARE(bytes.sliced(47, 32), f.root.publicKey.toByteArray());
        QCOMPARE(bytes.sliced(79, 32), crypto::crypto_generichash(f.cert.encode()).toByteArray());
        QCOMPARE(bytes.sliced(111, 32), f.content.publicKey.toByteArray());
        QCOMPARE(bytes.sliced(143, 32), f.hqBox.publicKey.toByteArray());
        QCOMPARE(bytes.sliced(175, 32), f.device.publicKey.toByteArray());
        QCOMPARE(bytes.sliced(207, 32), f.deviceBox.publicKey.toByteArray());
        QCOMPARE(bytes.sliced(239, 32), f.wipeAck.publicKey.toByteArray());
        QCOMPARE(*EnrolmentTranscript::decode(bytes), t);
        QVERIFY(!EnrolmentTranscript::decode(bytes.first(270)));
        QByteArray ctx = bytes;
        ctx[0] = 'X';
        QVERIFY(!EnrolmentTranscript::decode(ctx));
    }

    void submissionRoundTrip()
    {
        Fixture f;
        const QByteArray sealed = f.submission();
        QCOMPARE(sealed.size(), kEnrolSubmissionBytes);
        auto t = f.open(sealed);
        QVERIFY2(t, qPrintable(t ? QString() : t.error().message));
        QCOMPARE(*t, f.transcript());
        QCOMPARE(safetyNumber(*t), safetyNumber(f.transcript()));
        // The key must be the transcript's.
        auto wrong = sealEnrolmentSubmission(f.transcript(),
                                             crypto::crypto_sign_keypair().secretKey, f.macKey());
        QCOMPARE(wrong.error().code, Errc::InvalidArgument);
    }

    // A flipped bit anywhere in the sealed bytes: refused (the box's MAC).
    void submissionFlippedSealedBit()
    {
        Fixture f;
        const QByteArray sealed = f.submission();
        for (qsizetype i = 0; i < sealed.size(); ++i) {
            QByteArray bad = sealed;
            bad[i] = char(bad[i] ^ (1 << (i % 8)));
            auto t = f.open(bad);
            QVERIFY2(!t, qPrintable(QStringLiteral("byte %1").arg(i)));
            QCOMPARE(t.error().code, Errc::AuthFailed);
        }
        QCOMPARE(f.open(sealed.first(sealed.size() - 1)).error().code, Errc::Malformed);
        QCOMPARE(f.open(sealed + "x").error().code, Errc::Malformed);
    }

    // A flipped bit in any part of T, the signature or the MAC, sealed again to HQ (what a relay
    // that knows HQ's box key could do): the MAC refuses it.
    void submissionFlippedInnerBit()
    {
        Fixture f;
        const QByteArray plain = plainFor(f.transcript(), f.device.secretKey, f.macKey());
        QCOMPARE(plain.size(), kEnrolSubmissionPlainBytes);
        QVERIFY(f.open(sealRaw(plain, f.hqBox.publicKey)));
        for (qsizetype i = 0; i < plain.size(); ++i) {
            QByteArray bad = plain;
            bad[i] = char(bad[i] ^ (1 << (i % 8)));
            auto t = f.open(sealRaw(bad, f.hqBox.publicKey));
            QVERIFY2(!t, qPrintable(QStringLiteral("byte %1").arg(i)));
            QCOMPARE(t.error().code, Errc::AuthFailed);
        }
    }

    void submissionWrongMacKey()
    {
        Fixture f;
        const QByteArray sealed = f.submission();
        // Another code's MAC key (another S).
        const crypto::SymmetricKey other = enrolmentMacKey(crypto::SymmetricKey::random());
        auto t = openEnrolmentSubmission(sealed, f.hqBox, other, f.expectation(), kNow);
        QVERIFY(!t);
        QCOMPARE(t.error().code, Errc::AuthFailed);
        QVERIFY(t.error().message.contains(QLatin1String("MAC")));
        // The relay token is not the MAC key.
        auto u = openEnrolmentSubmission(sealed, f.hqBox, enrolmentRelayToken(f.code.secret),
                                         f.expectation(), kNow);
        QCOMPARE(u.error().code, Errc::AuthFailed);
    }

    void submissionNotForThisHqBox()
    {
        Fixture f;
        const QByteArray sealed = f.submission();
        const crypto::BoxKeyPair other = crypto::crypto_box_keypair();
        auto t = openEnrolmentSubmission(sealed, other, f.macKey(), f.expectation(), kNow);
        QCOMPARE(t.error().code, Errc::AuthFailed);
    }

    void submissionBadSignature()
    {
        Fixture f;
        // MAC right, signature by another key than T names.
        const crypto::SignKeyPair other = crypto::crypto_sign_keypair();
        QByteArray plain = f.transcript().encode();
        plain.append(crypto::crypto_sign_detached(plain, other.secretKey).view());
        plain.append(crypto::crypto_auth(plain, f.macKey()).view());
        auto t = f.open(sealRaw(plain, f.hqBox.publicKey));
        QCOMPARE(t.error().code, Errc::AuthFailed);
        QVERIFY(t.error().message.contains(QLatin1String("signature")));
    }

    // Whoever holds S (and so MACs correctly) still cannot make HQ accept a T that names another
    // deployment, device, root, certificate or HQ key.
    void submissionNamesAnother_data()
    {
        QTest::addColumn<int>("field");
        QTest::addColumn<QString>("what");
        QTest::newRow("deployment") << 0 << "deployment";
        QTest::newRow("device") << 1 << "device";
        QTest::newRow("root") << 2 << "HQ root key";
        QTest::newRow("certificate") << 3 << "HQ certificate";
        QTest::newRow("hq sign") << 4 << "HQ signing key";
        QTest::newRow("hq box") << 5 << "HQ box key";
    }
    void submissionNamesAnother()
    {
        QFETCH(int, field);
        QFETCH(QString, what);
        Fixture f;
        EnrolmentTranscript t = f.transcript();
        switch (field) {
        case 0: t.deployment = crypto::randomFixed<crypto::Id16>(); break;
        case 1: t.device = crypto::randomFixed<crypto::Id16>(); break;
        case 2: t.rootKey = crypto::crypto_sign_keypair().publicKey; break;
        case 3: t.certificateHash = crypto::randomFixed<crypto::Hash32>(); break;
        case 4: t.hqSignKey = crypto::crypto_sign_keypair().publicKey; break;
        case 5: t.hqBoxKey = crypto::crypto_box_keypair().publicKey; break;
        }
        auto r = f.open(sealRaw(plainFor(t, f.device.secretKey, f.macKey()), f.hqBox.publicKey));
        QVERIFY(!r);
        QCOMPARE(r.error().code, Errc::Refused);
        QVERIFY2(r.error().message.endsWith(what), qPrintable(r.error().message));
    }

    void submissionExpired()
    {
        Fixture f;
        const QByteArray sealed = f.submission();
        QVERIFY(f.open(sealed, f.code.expiresMs));
        auto t = f.open(sealed, f.code.expiresMs + 1);
        QCOMPARE(t.error().code, Errc::Refused);
        QVERIFY(t.error().message.contains(QLatin1String("expired")));
    }

    // Known answer: T of bytes 01 (deployment), 02 (device), 03..09 (the seven keys and hashes),
    // number computed with Python's hashlib.blake2b(digest_size=64) and int.from_bytes:
    //   h = blake2b(b"LIAISN-sn-v1" + T).digest(); group i = int(h[5i:5i+5]) % 100000
    void safetyNumberKnownAnswer()
    {
        EnrolmentTranscript t;
        t.deployment = *crypto::Id16::fromBytes(QByteArray(16, '\x01'));
        t.device = *crypto::Id16::fromBytes(QByteArray(16, '\x02'));
        t.rootKey = *crypto::SignPublicKey::fromBytes(QByteArray(32, '\x03'));
        t.certificateHash = *crypto::Hash32::fromBytes(QByteArray(32, '\x04'));
        t.hqSignKey = *crypto::SignPublicKey::fromBytes(QByteArray(32, '\x05'));
        t.hqBoxKey = *crypto::BoxPublicKey::fromBytes(QByteArray(32, '\x06'));
        t.deviceSignKey = *crypto::SignPublicKey::fromBytes(QByteArray(32, '\x07'));
        t.deviceBoxKey = *crypto::BoxPublicKey::fromBytes(QByteArray(32, '\x08'));
        t.deviceWipeAckKey = *crypto::SignPublicKey::fromBytes(QByteArray(32, '\x09'));
        const SafetyNumber sn = safetyNumber(t);
        QCOMPARE(sn.toString(), QStringLiteral("26328 30306 36442 26391 51713 63639 26062 28023 "
                                               "78262 51725 39350 92666"));
        QCOMPARE(sn.digits().size(), 60);
        QCOMPARE(sn.toDisplayString(), QStringLiteral("26328 30306 36442 26391\n"
                                                      "51713 63639 26062 28023\n"
                                                      "78262 51725 39350 92666"));
    }

    void safetyNumberComparison()
    {
        Fixture f;
        const SafetyNumber sn = safetyNumber(f.transcript());
        const QString d = sn.digits();
        QVERIFY(safetyNumberMatches(sn, d));
        QVERIFY(safetyNumberMatches(sn, sn.toString()));
        QVERIFY(safetyNumberMatches(sn, sn.toDisplayString()));
        QString spaced;
        for (int i = 0; i < d.size(); ++i)
            spaced += (i % 3 == 0 ? QStringLiteral(" - ") : QString()) + d[i];
        QVERIFY(safetyNumberMatches(sn, spaced));
        QVERIFY(safetyNumberMatches(sn, QStringLiteral("\t") + d + QStringLiteral("\n")));
        // One wrong digit anywhere: no match.
        for (int i = 0; i < d.size(); ++i) {
            QString bad = d;
            bad[i] = QChar(u'0' + ((bad[i].unicode() - u'0' + 1) % 10));
            QVERIFY2(!safetyNumberMatches(sn, bad), qPrintable(QStringLiteral("digit %1").arg(i)));
        }
        // Missing, extra, letters: no match, and parse says why.
        QVERIFY(!safetyNumberMatches(sn, d.left(59)));
        QVERIFY(!safetyNumberMatches(sn, d + QLatin1Char('0')));
        QVERIFY(!safetyNumberMatches(sn, d.left(59) + QLatin1Char('O')));
        QVERIFY(!safetyNumberMatches(sn, QString()));
        QVERIFY(parseSafetyNumber(d.left(59)).error().message.contains(QLatin1String("59")));
        QVERIFY(parseSafetyNumber(QStringLiteral("12a")).error().message.contains(
            QLatin1String("only digits")));
        // Another transcript (another device key): another number.
        EnrolmentTranscript t = f.transcript();
        t.deviceSignKey = crypto::crypto_sign_keypair().publicKey;
        QVERIFY(!safetyNumberMatches(safetyNumber(t), d));
    }
};

LIAISON_TEST_MAIN(TestEnrolment)
#include "tst_enrolment.moc"
