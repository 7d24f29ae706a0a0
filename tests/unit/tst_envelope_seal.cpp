// Seal and open (issue 3, tests 1-6): recipients, bit flips, relay key swap, commitment,
// replays into other streams/epochs/directions, nonce uniqueness, envelope sizes.
#include "protocol/deflate.h"
#include "protocol/seal.h"
#include "testkeys.h"
#include "testmain.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QSet>
#include <QTest>
#include <QtEndian>

#include <map>
#include <memory>
#include <vector>

using namespace liaison;
using namespace liaison::crypto;
using namespace liaison::protocol;

namespace {

struct Party
{
    Id16 id = randomFixed<Id16>();
    SignKeyPair sign = crypto_sign_keypair();
    BoxKeyPair box = crypto_box_keypair();
    std::uint32_t boxKeyId = 1;

    BoxKeyLookup lookup() const
    {
        return [this](std::uint32_t keyId) -> const BoxKeyPair * {
            return keyId == boxKeyId ? &box : nullptr;
        };
    }
};

struct World
{
    Id16 deployment = randomFixed<Id16>();
    Party hq;
    std::vector<std::unique_ptr<Party>> devices;

    World()
    {
        for (int i = 0; i < 3; ++i)
            devices.push_back(std::make_unique<Party>());
    }
    EnvelopeContext deviceContext(const Party &device) const
    {
        return {deployment, hq.id, device.id, Direction::Down, std::nullopt};
    }
    EnvelopeContext hqContext(const Party &device) const
    {
        return {deployment, device.id, hq.id, Direction::Up, std::nullopt};
    }
    SealParams down(const Party &to, Kind kind, QCborMap payload, std::uint64_t seq = 1) const
    {
        SealParams p;
        p.deployment = deployment;
        p.sender = hq.id;
        p.recipient = to.id;
        p.epoch = 1;
        p.seq = seq;
        p.recipientBoxKeyId = to.boxKeyId;
        p.recipientBoxKey = to.box.publicKey;
        p.direction = Direction::Down;
        p.kind = kind;
        p.createdMs = 1767225600000;
        p.payload = std::move(payload);
        return p;
    }
    SealParams up(const Party &from, Kind kind, QCborMap payload, std::uint64_t seq = 1) const
    {
        SealParams p = down(from, kind, std::move(payload), seq);
        p.sender = from.id;
        p.recipient = hq.id;
        p.recipientBoxKey = hq.box.publicKey;
        p.recipientBoxKeyId = hq.boxKeyId;
        p.direction = Direction::Up;
        return p;
    }
};

HeartbeatPayload sampleHeartbeat()
{
    HeartbeatPayload h;
    h.hqTimeMs = 1767225600123;
    h.certSerial = 7;
    h.downHead = {1, 41, randomFixed<Hash32>()};
    h.upApplied = {1, 12, randomFixed<Hash32>()};
    return h;
}

// One small field edit as sync/model is expected to encode it: record id, field, value, HLC.
QCborMap smallEditOp()
{
    return QCborMap{{0, randomBytes(16)},
                    {1, 3},
                    {2, QStringLiteral("+43 1 531 26 0")},
                    {3, QCborArray{qint64(1767225600123), 0, QCborValue(randomBytes(16))}}};
}

// An envelope built by hand from the primitives, with independent control over the key the
// commitment names, the key that is sealed and the key that encrypts.
QByteArray handBuiltEnvelope(const World &w, const Party &to, const SymmetricKey &committed,
                             const SymmetricKey &sealed, const SymmetricKey &encrypting,
                             const QByteArray &bodyBytes, const SignSecretKey &signer)
{
    EnvelopeHeader h;
    h.deployment = w.deployment;
    h.sender = w.hq.id;
    h.recipient = to.id;
    h.epoch = 1;
    h.seq = 1;
    h.nonce = newEnvelopeNonce();
    h.commitment = contentKeyCommitment(committed, h.nonce);
    h.recipientBoxKeyId = to.boxKeyId;
    h.sealedKey = *SealedKey::fromBytes(crypto_box_seal(sealed.view(), to.box.publicKey));
    const QByteArray header = h.encode();
    const QByteArray ct = crypto_aead_encrypt(padBody(bodyBytes), header, h.nonce, encrypting);
    return frameEnvelope(header, ct, signEnvelopeHash(envelopeHash(header, ct), signer));
}

const char *regionOf(qsizetype byte, qsizetype size)
{
    namespace o = header_offset;
    if (byte < o::deployment)
        return "magic";
    if (byte < o::sender)
        return "deployment";
    if (byte < o::recipient)
        return "sender";
    if (byte < o::epoch)
        return "recipient";
    if (byte < o::seq)
        return "epoch";
    if (byte < o::prev)
        return "seq";
    if (byte < o::nonce)
        return "prev";
    if (byte < o::commitment)
        return "nonce";
    if (byte < o::boxKeyId)
        return "commitment";
    if (byte < o::sealedKey)
        return "box key id";
    if (byte < o::end)
        return "sealed key";
    if (byte < o::end + 4)
        return "ct_len";
    if (byte < size - 64 - 16)
        return "ciphertext";
    if (byte < size - 64)
        return "tag";
    return "signature";
}

} // namespace

class TestEnvelopeSeal : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void everyKindRoundTripsInItsDirection()
    {
        World w;
        const Party &a = *w.devices[0];
        ReceiptPayload receipt{{1, 5, randomFixed<Hash32>()}, {2, 9, randomFixed<Hash32>()}, 3};
        ResyncRequestPayload rr{
            ResyncRequestPayload::Reason::Gap, {1, 6, randomFixed<Hash32>()}, 7};
        ScopeLeavePayload leave{QStringLiteral("visit:2026-12-brussels")};
        RejectPayload reject{smallEditOp(), RejectPayload::Reason::OutsideScope,
                             QCborValue(nullptr)};
        DeltaPayload delta{QCborArray{smallEditOp(), smallEditOp()}};
        ScopeJoinPayload join{QStringLiteral("post:vienna"), 2, 3, QCborArray{smallEditOp()}};
        ResyncPayload resync;
        resync.scopes = {QStringLiteral("post:vienna"), QStringLiteral("visit:x")};
        resync.upAccepted = {1, 4, randomFixed<Hash32>()};
        resync.heartbeat = sampleHeartbeat();
        resync.heartbeat.certificate = randomBytes(200);
        resync.ops = QCborArray{smallEditOp()};
        resync.policy = PolicyPayload{120, 10, 3};
        resync.wipeId = randomFixed<Id16>();
        CommandPayload cmd{randomFixed<Id16>(),
                           CommandPayload::Type::Wipe,
                           a.id,
                           crypto_generichash(a.sign.publicKey.view()),
                           1000,
                           2000,
                           std::nullopt};
        CommandAckPayload ack{cmd.commandId, CommandAckPayload::Outcome::Done, 1500};
        KeyUpdatePayload ku{2, crypto_box_keypair().publicKey, 1767225600000};

        const std::vector<std::pair<Kind, QCborMap>> downs = {
            {Kind::Heartbeat, sampleHeartbeat().toCbor()},
            {Kind::ScopeLeave, leave.toCbor()},
            {Kind::Reject, reject.toCbor()},
            {Kind::Delta, delta.toCbor()},
            {Kind::ScopeJoin, join.toCbor()},
            {Kind::Resync, resync.toCbor()},
            {Kind::Command, cmd.toCbor()},
            {Kind::KeyUpdate, ku.toCbor()},
            {Kind::Policy, PolicyPayload{}.toCbor()}};
        for (const auto &[kind, payload] : downs) {
            auto sealed = sealEnvelope(w.down(a, kind, payload), w.hq.sign.secretKey);
            QVERIFY2(sealed, kindName(kind));
            auto got = receiveEnvelope(sealed->bytes, 1 << 20, w.deviceContext(a),
                                       w.hq.sign.publicKey, a.lookup());
            QVERIFY2(got, got ? "" : qPrintable(got.error().toError().message));
            QCOMPARE(got->body.kind, kind);
            QCOMPARE(got->body.createdMs, std::int64_t(1767225600000));
            QCOMPARE(got->body.payload, payload);
            QCOMPARE(got->frame.envHash, sealed->envHash);
            // the same kind may not be sealed up unless allowed there
            QCOMPARE(bool(sealEnvelope(w.up(a, kind, payload), a.sign.secretKey)),
                     kindAllowed(Direction::Up, kind));
        }
        QCOMPARE(*ResyncPayload::fromCbor(resync.toCbor()), resync);
        QCOMPARE(*CommandPayload::fromCbor(cmd.toCbor()), cmd);
        QCOMPARE(*RejectPayload::fromCbor(reject.toCbor()), reject);

        const std::vector<std::pair<Kind, QCborMap>> ups = {{Kind::Receipt, receipt.toCbor()},
                                                            {Kind::ResyncRequest, rr.toCbor()},
                                                            {Kind::CommandAck, ack.toCbor()},
                                                            {Kind::Delta, delta.toCbor()},
                                                            {Kind::KeyUpdate, ku.toCbor()}};
        for (const auto &[kind, payload] : ups) {
            auto sealed = sealEnvelope(w.up(a, kind, payload), a.sign.secretKey);
            QVERIFY2(sealed, kindName(kind));
            auto got = receiveEnvelope(sealed->bytes, 1 << 20, w.hqContext(a), a.sign.publicKey,
                                       w.hq.lookup());
            QVERIFY2(got, got ? "" : qPrintable(got.error().toError().message));
            QCOMPARE(got->body.kind, kind);
            QCOMPARE(got->body.payload, payload);
        }
        QCOMPARE(*ReceiptPayload::fromCbor(receipt.toCbor()), receipt);
        QCOMPARE(*ResyncRequestPayload::fromCbor(rr.toCbor()), rr);
        QCOMPARE(*CommandAckPayload::fromCbor(ack.toCbor()), ack);
    }

    // Test 1: only its recipient, with its box key; everyone else fails at step 1 or 4.
    void opensOnlyForItsRecipient()
    {
        World w;
        const Party &a = *w.devices[0];
        auto sealed = sealEnvelope(w.down(a, Kind::Heartbeat, sampleHeartbeat().toCbor()),
                                   w.hq.sign.secretKey);
        QVERIFY(sealed);
        QVERIFY(receiveEnvelope(sealed->bytes, 1 << 20, w.deviceContext(a), w.hq.sign.publicKey,
                                a.lookup()));
        auto frame = parseEnvelope(sealed->bytes, 1 << 20);
        QVERIFY(frame);
        for (std::size_t i = 1; i < w.devices.size(); ++i) {
            const Party &other = *w.devices[i];
            // step 1: the header names another recipient
            auto r = receiveEnvelope(sealed->bytes, 1 << 20, w.deviceContext(other),
                                     w.hq.sign.publicKey, other.lookup());
            QVERIFY(!r);
            QCOMPARE(r.error().fault, EnvelopeFault::Recipient);
            QCOMPARE(r.error().step(), 1);
            QVERIFY(!r.error().isSenderFault());
            // step 4: a device that ignores routing still cannot open the sealed key
            auto o = openEnvelope(*frame, other.box, Direction::Down);
            QVERIFY(!o);
            QCOMPARE(o.error().fault, EnvelopeFault::SealedKey);
            QCOMPARE(o.error().step(), 4);
        }
        // HQ itself (its up context) refuses it at step 1 (sender is not the device)
        auto atHq = receiveEnvelope(sealed->bytes, 1 << 20, w.hqContext(a), a.sign.publicKey,
                                    w.hq.lookup());
        QCOMPARE(atHq.error().fault, EnvelopeFault::Sender);
        // the recipient after a box key rotation that dropped key 1: step 1, key id not held
        Party rotated;
        rotated.id = a.id;
        rotated.boxKeyId = 2;
        auto r = receiveEnvelope(sealed->bytes, 1 << 20, w.deviceContext(rotated),
                                 w.hq.sign.publicKey, rotated.lookup());
        QCOMPARE(r.error().fault, EnvelopeFault::BoxKeyId);
        QCOMPARE(r.error().step(), 1);
        // the right recipient with the wrong box key: step 4
        auto o = openEnvelope(*frame, rotated.box, Direction::Down);
        QCOMPARE(o.error().fault, EnvelopeFault::SealedKey);
        QVERIFY(openEnvelope(*frame, a.box, Direction::Down));
    }

    // Test 2: every single-bit flip is rejected; record where.
    void everyBitFlipIsRejected()
    {
        World w;
        const Party &a = *w.devices[0];
        auto sealed = sealEnvelope(w.down(a, Kind::Heartbeat, sampleHeartbeat().toCbor()),
                                   w.hq.sign.secretKey);
        QVERIFY(sealed);
        const QByteArray env = sealed->bytes;
        QCOMPARE(env.size(), qsizetype(832));
        // expected first failing check per region (receiveEnvelope order: framing, routing,
        // signature, open)
        const std::map<QString, EnvelopeFault> expected = {
            {"magic", EnvelopeFault::Framing},        {"deployment", EnvelopeFault::Deployment},
            {"sender", EnvelopeFault::Sender},        {"recipient", EnvelopeFault::Recipient},
            {"epoch", EnvelopeFault::Signature},      {"seq", EnvelopeFault::Signature},
            {"prev", EnvelopeFault::Signature},       {"nonce", EnvelopeFault::Signature},
            {"commitment", EnvelopeFault::Signature}, {"box key id", EnvelopeFault::BoxKeyId},
            {"sealed key", EnvelopeFault::Signature}, {"ct_len", EnvelopeFault::Framing},
            {"ciphertext", EnvelopeFault::Signature}, {"tag", EnvelopeFault::Signature},
            {"signature", EnvelopeFault::Signature}};
        // With a validly re-signed envelope (the sender itself tampering), the open steps still
        // catch every flip behind the signature.
        const std::map<QString, EnvelopeFault> behindSignature = {
            {"epoch", EnvelopeFault::Decrypt},         {"seq", EnvelopeFault::Decrypt},
            {"prev", EnvelopeFault::Decrypt},          {"nonce", EnvelopeFault::Commitment},
            {"commitment", EnvelopeFault::Commitment}, {"sealed key", EnvelopeFault::SealedKey},
            {"ciphertext", EnvelopeFault::Decrypt},    {"tag", EnvelopeFault::Decrypt}};
        std::map<QString, int> counts;
        int flips = 0;
        for (qsizetype byte = 0; byte < env.size(); ++byte) {
            const QString region = QString::fromLatin1(regionOf(byte, env.size()));
            for (int bit = 0; bit < 8; ++bit) {
                QByteArray t = env;
                t[byte] = char(t[byte] ^ (1 << bit));
                ++flips;
                auto r = receiveEnvelope(t, 1 << 20, w.deviceContext(a), w.hq.sign.publicKey,
                                         a.lookup());
                QVERIFY2(!r,
                         qPrintable(QStringLiteral("byte %1 bit %2 accepted").arg(byte).arg(bit)));
                QVERIFY2(r.error().fault == expected.at(region),
                         qPrintable(QStringLiteral("byte %1 (%2): %3")
                                        .arg(byte)
                                        .arg(region)
                                        .arg(QLatin1String(faultName(r.error().fault)))));
                QVERIFY(!r.error().isSenderFault()); // steps 1-2: log and drop, never freeze
                ++counts[region];

                auto it = behindSignature.find(region);
                if (it == behindSignature.end())
                    continue;
                auto f = parseEnvelope(t, 1 << 20);
                QVERIFY(f);
                f->signature = signEnvelopeHash(f->envHash, w.hq.sign.secretKey);
                QVERIFY(verifyEnvelopeSignature(*f, w.hq.sign.publicKey));
                auto o = openEnvelope(*f, a.box, Direction::Down);
                QVERIFY2(!o, qPrintable(QStringLiteral("byte %1 opened").arg(byte)));
                QVERIFY2(o.error().fault == it->second,
                         qPrintable(QStringLiteral("byte %1 (%2) behind signature: %3")
                                        .arg(byte)
                                        .arg(region)
                                        .arg(QLatin1String(faultName(o.error().fault)))));
                QVERIFY(o.error().isSenderFault());
            }
        }
        QCOMPARE(flips, 832 * 8);
        QCOMPARE(counts.size(), expected.size());
        QCOMPARE(counts["tag"], 16 * 8);
        QCOMPARE(counts["signature"], 64 * 8);
        QCOMPARE(counts["sealed key"], 80 * 8);
    }

    // Test 3: the relay replaces the sealed content key with its own.
    void relaySwappingTheSealedKeyFailsTheSignature()
    {
        World w;
        const Party &a = *w.devices[0];
        auto sealed = sealEnvelope(w.down(a, Kind::Heartbeat, sampleHeartbeat().toCbor()),
                                   w.hq.sign.secretKey);
        QVERIFY(sealed);
        auto f = parseEnvelope(sealed->bytes, 1 << 20);
        QVERIFY(f);
        // The relay picks its own CEK, seals it to the recipient, recomputes the commitment and
        // re-encrypts a body of its choice: everything but the signature it cannot make.
        SymmetricKey relayCek = SymmetricKey::random();
        EnvelopeHeader h = f->header;
        h.sealedKey = *SealedKey::fromBytes(crypto_box_seal(relayCek.view(), a.box.publicKey));
        h.commitment = contentKeyCommitment(relayCek, h.nonce);
        const QByteArray header = h.encode();
        const QByteArray body = *encodeBody(
            {Kind::ScopeLeave, 1, ScopeLeavePayload{QStringLiteral("post:x")}.toCbor()});
        const QByteArray ct = crypto_aead_encrypt(padBody(body), header, h.nonce, relayCek);
        const QByteArray forged = frameEnvelope(header, ct, f->signature);
        auto r =
            receiveEnvelope(forged, 1 << 20, w.deviceContext(a), w.hq.sign.publicKey, a.lookup());
        QVERIFY(!r);
        QCOMPARE(r.error().fault, EnvelopeFault::Signature);
        // and the relay signing with its own key does not help
        const SignKeyPair relay = crypto_sign_keypair();
        const QByteArray relaySigned =
            frameEnvelope(header, ct, signEnvelopeHash(envelopeHash(header, ct), relay.secretKey));
        r = receiveEnvelope(relaySigned, 1 << 20, w.deviceContext(a), w.hq.sign.publicKey,
                            a.lookup());
        QCOMPARE(r.error().fault, EnvelopeFault::Signature);
        // only swapping the sealed key bytes
        QByteArray swapped = sealed->bytes;
        swapped.replace(header_offset::sealedKey, 80, h.sealedKey.toByteArray());
        r = receiveEnvelope(swapped, 1 << 20, w.deviceContext(a), w.hq.sign.publicKey, a.lookup());
        QCOMPARE(r.error().fault, EnvelopeFault::Signature);
    }

    // Test 4: a sender that commits to one key and seals another.
    void commitmentCatchesASenderSealingAnotherKey()
    {
        World w;
        const Party &a = *w.devices[0];
        const QByteArray body = *encodeBody({Kind::Heartbeat, 5, sampleHeartbeat().toCbor()});
        SymmetricKey k1 = SymmetricKey::random();
        SymmetricKey k2 = SymmetricKey::random();
        // commits to k1, seals and encrypts with k2: validly signed
        const QByteArray env = handBuiltEnvelope(w, a, k1, k2, k2, body, w.hq.sign.secretKey);
        auto f = parseEnvelope(env, 1 << 20);
        QVERIFY(f);
        QVERIFY(verifyEnvelopeSignature(*f, w.hq.sign.publicKey));
        auto o = openEnvelope(*f, a.box, Direction::Down);
        QVERIFY(!o);
        QCOMPARE(o.error().fault, EnvelopeFault::Commitment);
        QVERIFY(o.error().isSenderFault());
        auto r = receiveEnvelope(env, 1 << 20, w.deviceContext(a), w.hq.sign.publicKey, a.lookup());
        QCOMPARE(r.error().fault, EnvelopeFault::Commitment);
        // commits to and seals k1 but encrypts with k2: the AEAD catches it
        const QByteArray env2 = handBuiltEnvelope(w, a, k1, k1, k2, body, w.hq.sign.secretKey);
        r = receiveEnvelope(env2, 1 << 20, w.deviceContext(a), w.hq.sign.publicKey, a.lookup());
        QCOMPARE(r.error().fault, EnvelopeFault::Decrypt);
        // the honest hand-built one opens (so the two above fail for the reason claimed)
        const QByteArray good = handBuiltEnvelope(w, a, k1, k1, k1, body, w.hq.sign.secretKey);
        QVERIFY(
            receiveEnvelope(good, 1 << 20, w.deviceContext(a), w.hq.sign.publicKey, a.lookup()));
    }

    // Test 5: a valid envelope replayed into another stream, epoch or direction, or a kind not
    // allowed in its direction.
    void replaysIntoOtherContextsAreRejected()
    {
        World w;
        const Party &a = *w.devices[0];
        const Party &b = *w.devices[1];
        auto down = sealEnvelope(w.down(a, Kind::Delta, DeltaPayload{{smallEditOp()}}.toCbor()),
                                 w.hq.sign.secretKey);
        auto up = sealEnvelope(w.up(a, Kind::Delta, DeltaPayload{{smallEditOp()}}.toCbor()),
                               a.sign.secretKey);
        QVERIFY(down && up);
        auto downOk = receiveEnvelope(down->bytes, 1 << 20, w.deviceContext(a), w.hq.sign.publicKey,
                                      a.lookup());
        QVERIFY(downOk);
        // another stream: b's down stream, a's up stream at HQ
        auto r = receiveEnvelope(down->bytes, 1 << 20, w.deviceContext(b), w.hq.sign.publicKey,
                                 b.lookup());
        QCOMPARE(r.error().fault, EnvelopeFault::Recipient);
        r = receiveEnvelope(down->bytes, 1 << 20, w.hqContext(a), a.sign.publicKey, w.hq.lookup());
        QCOMPARE(r.error().fault, EnvelopeFault::Sender);
        // another epoch
        EnvelopeContext epoch2 = w.deviceContext(a);
        epoch2.epoch = 2;
        r = receiveEnvelope(down->bytes, 1 << 20, epoch2, w.hq.sign.publicKey, a.lookup());
        QCOMPARE(r.error().fault, EnvelopeFault::Epoch);
        QCOMPARE(checkEnvelopeContext(downOk->frame, downOk->body, epoch2).error().fault,
                 EnvelopeFault::Epoch);
        // another direction: a's up envelope delivered to a as if it came down
        r = receiveEnvelope(up->bytes, 1 << 20, w.deviceContext(a), w.hq.sign.publicKey,
                            a.lookup());
        QCOMPARE(r.error().fault, EnvelopeFault::Sender);
        // a stored envelope checked against another stream after opening
        QCOMPARE(
            checkEnvelopeContext(downOk->frame, downOk->body, w.deviceContext(b)).error().fault,
            EnvelopeFault::Recipient);
        auto receipt = Body{Kind::Receipt, 1, ReceiptPayload{}.toCbor()};
        QCOMPARE(checkEnvelopeContext(downOk->frame, receipt, w.deviceContext(a)).error().fault,
                 EnvelopeFault::Kind);
        // kinds not allowed in their direction, validly sealed by hand: step 5
        const std::vector<std::pair<Kind, QCborMap>> upOnly = {
            {Kind::Receipt, ReceiptPayload{}.toCbor()},
            {Kind::ResyncRequest, ResyncRequestPayload{}.toCbor()},
            {Kind::CommandAck, CommandAckPayload{}.toCbor()}};
        for (const auto &[kind, payload] : upOnly) {
            QVERIFY(!sealEnvelope(w.down(a, kind, payload), w.hq.sign.secretKey));
            const QByteArray body = *encodeBody({kind, 1, payload});
            auto env = sealEncodedBody(w.down(a, kind, payload), body, w.hq.sign.secretKey);
            QVERIFY(env);
            r = receiveEnvelope(env->bytes, 1 << 20, w.deviceContext(a), w.hq.sign.publicKey,
                                a.lookup());
            QCOMPARE(r.error().fault, EnvelopeFault::Kind);
            QCOMPARE(r.error().step(), 5);
            QVERIFY(r.error().isSenderFault());
        }
        const std::vector<std::pair<Kind, QCborMap>> downOnly = {
            {Kind::Heartbeat, sampleHeartbeat().toCbor()},
            {Kind::ScopeLeave, ScopeLeavePayload{QStringLiteral("s")}.toCbor()},
            {Kind::Command, CommandPayload{}.toCbor()},
            {Kind::Policy, PolicyPayload{}.toCbor()}};
        for (const auto &[kind, payload] : downOnly) {
            QVERIFY(!sealEnvelope(w.up(a, kind, payload), a.sign.secretKey));
            auto env = sealEncodedBody(w.up(a, kind, payload), *encodeBody({kind, 1, payload}),
                                       a.sign.secretKey);
            QVERIFY(env);
            r = receiveEnvelope(env->bytes, 1 << 20, w.hqContext(a), a.sign.publicKey,
                                w.hq.lookup());
            QCOMPARE(r.error().fault, EnvelopeFault::Kind);
        }
    }

    // A validly signed envelope whose body is not what the schema says: step 4 (Body/Padding).
    void malformedBodiesAreSenderFaults()
    {
        World w;
        const Party &a = *w.devices[0];
        const QByteArray goodBody = *encodeBody({Kind::Heartbeat, 1, sampleHeartbeat().toCbor()});
        QCborMap extra = sampleHeartbeat().toCbor();
        extra.insert(9, 1);
        const QList<QByteArray> bad = {
            goodBody + QByteArray(1, '\0'),                            // trailing byte
            QByteArray::fromHex("a3000801000200"),                     // payload not a map
            QByteArray::fromHex("a300080100"),                         // truncated
            QByteArray::fromHex("a4000801000200a003f6"),               // unknown body key 3
            QByteArray::fromHex("a3001863010002a0"),                   // unknown kind 99
            QCborValue(QCborMap{{0, 8}, {1, 1}, {2, extra}}).toCbor(), // unknown payload key
            QByteArray::fromHex("a3001808010002a0"),                   // non-minimal kind
            QByteArray::fromHex("a3000801fb0000000000000000"
                                "02a0"), // float time
            QByteArray(),                // empty body
        };
        for (const QByteArray &body : bad) {
            auto env = sealEncodedBody(w.down(a, Kind::Heartbeat, {}), body, w.hq.sign.secretKey);
            QVERIFY(env);
            auto r = receiveEnvelope(env->bytes, 1 << 20, w.deviceContext(a), w.hq.sign.publicKey,
                                     a.lookup());
            QVERIFY2(!r, body.toHex().constData());
            QVERIFY2(r.error().fault == EnvelopeFault::Body, body.toHex().constData());
            QVERIFY(r.error().isSenderFault());
        }
        // padding that is not minimal (a 100-byte body in the 1024 bucket) or not ISO 7816-4
        QVERIFY(unpadBody(padBody(goodBody)));
        QVERIFY(!unpadBody(sodium_pad(goodBody, 1024)));
        QVERIFY(!unpadBody(QByteArray(512, '\0')));
        QByteArray noMarker = padBody(goodBody);
        noMarker[goodBody.size()] = 0x40;
        QVERIFY(!unpadBody(noMarker));
        QVERIFY(!unpadBody(goodBody));
    }

    // A POLICY may roll the relay's TLS pins over (DESIGN.md "Relay"): absent leaves them, present
    // holds 1..kEnrolMaxPins pins of 32 bytes; every other shape is refused, sealed or not.
    void policyRelayPinsRoundTripAndStrictShapes()
    {
        World w;
        const Party &a = *w.devices[0];
        PolicyPayload pins{300, 5, 7, QList<RelayPin>{randomFixed<RelayPin>()}};
        for (qsizetype n : {qsizetype(1), kEnrolMaxPins}) {
            pins.relayPins->resize(0);
            for (qsizetype i = 0; i < n; ++i)
                pins.relayPins->append(randomFixed<RelayPin>());
            auto sealed = sealEnvelope(w.down(a, Kind::Policy, pins.toCbor()), w.hq.sign.secretKey);
            QVERIFY(sealed);
            auto got = receiveEnvelope(sealed->bytes, 1 << 20, w.deviceContext(a),
                                       w.hq.sign.publicKey, a.lookup());
            QVERIFY2(got, got ? "" : qPrintable(got.error().toError().message));
            QCOMPARE(*PolicyPayload::fromCbor(got->body.payload), pins);
        }
        const PolicyPayload none{300, 5, 7, std::nullopt};
        QVERIFY(!none.toCbor().contains(qint64(PolicyPayload::Key::RelayPins)));
        QCOMPARE(*PolicyPayload::fromCbor(none.toCbor()), none);

        const QByteArray pin(32, 'p');
        QCborArray tooMany;
        for (qsizetype i = 0; i <= kEnrolMaxPins; ++i)
            tooMany.append(pin);
        const std::vector<std::pair<const char *, QCborValue>> bad = {
            {"no pins", QCborArray{}},
            {"too many pins", tooMany},
            {"a short pin", QCborArray{pin, QByteArray(31, 'p')}},
            {"a long pin", QCborArray{QByteArray(33, 'p')}},
            {"a text pin", QCborArray{QString::fromLatin1(pin.toHex())}},
            {"not an array", pin},
            {"null", QCborValue(nullptr)}};
        for (const auto &[why, value] : bad) {
            QCborMap m = none.toCbor();
            m.insert(qint64(PolicyPayload::Key::RelayPins), value);
            QVERIFY2(!PolicyPayload::fromCbor(m), why);
            QVERIFY2(!sealEnvelope(w.down(a, Kind::Policy, m), w.hq.sign.secretKey), why);
            // sealed anyway (a sender that skips the schema): the device refuses the body
            SealParams params = w.down(a, Kind::Policy, m);
            params.bodyOptions.validatePayload = [](Kind, const QCborMap &) -> Status {
                return {};
            };
            auto env = sealEnvelope(params, w.hq.sign.secretKey);
            QVERIFY(env);
            auto r = receiveEnvelope(env->bytes, 1 << 20, w.deviceContext(a), w.hq.sign.publicKey,
                                     a.lookup());
            QVERIFY2(!r && r.error().fault == EnvelopeFault::Body, why);
        }
    }

    // Test 6: no repeated nonce. 10^6 real seals take minutes under ASan (X25519 + Ed25519 per
    // seal), so 10^6 nonces are drawn through newEnvelopeNonce() (the exact call sealEnvelope
    // makes) and 10^4 full seals are checked for distinct nonces, CEKs (via commitments) and
    // env_hashes.
    void noRepeatedNonce()
    {
        QElapsedTimer timer;
        timer.start();
        QSet<XNonce> nonces;
        nonces.reserve(1000000);
        for (int i = 0; i < 1000000; ++i)
            nonces.insert(newEnvelopeNonce());
        QCOMPARE(nonces.size(), qsizetype(1000000));
        const qint64 drawMs = timer.restart();

        World w;
        const Party &a = *w.devices[0];
        QSet<XNonce> sealNonces;
        QSet<Hash32> commitments;
        QSet<Hash32> hashes;
        const int seals = 10000;
        const QCborMap payload = DeltaPayload{{smallEditOp()}}.toCbor();
        for (int i = 0; i < seals; ++i) {
            SealParams p = w.down(a, Kind::Delta, payload, std::uint64_t(i) + 1);
            auto s = sealEnvelope(p, w.hq.sign.secretKey);
            QVERIFY(s);
            const auto h = EnvelopeHeader::decode(QByteArrayView(s->bytes).first(kHeaderBytes));
            sealNonces.insert(h->nonce);
            commitments.insert(h->commitment);
            hashes.insert(s->envHash);
        }
        QCOMPARE(sealNonces.size(), qsizetype(seals));
        QCOMPARE(commitments.size(), qsizetype(seals));
        QCOMPARE(hashes.size(), qsizetype(seals));
        qInfo("10^6 nonces drawn in %lld ms; %d full seals in %lld ms", drawMs, seals,
              timer.elapsed());
    }

    void singleEditEnvelopeIs832Bytes()
    {
        World w;
        const Party &a = *w.devices[0];
        const QCborMap payload = DeltaPayload{{smallEditOp()}}.toCbor();
        auto s = sealEnvelope(w.up(a, Kind::Delta, payload), a.sign.secretKey);
        QVERIFY(s);
        const QByteArray body = *encodeBody({Kind::Delta, 1767225600000, payload});
        qInfo("single_edit_envelope_bytes: %lld (body %lld bytes in the 512 bucket)",
              qint64(s->bytes.size()), qint64(body.size()));
        QCOMPARE(s->bytes.size(), qsizetype(236 + 4 + 512 + 16 + 64));
        QVERIFY(s->bytes.size() <= 1024);
    }

    void sizesAndLimits()
    {
        World w;
        const Party &a = *w.devices[0];
        // a body that needs 1024 bytes, and one over 64 KiB
        for (qsizetype opText : {600, 70000}) {
            QCborMap op{{0, QString(opText, QLatin1Char('x'))}};
            auto s = sealEnvelope(w.down(a, Kind::Delta, DeltaPayload{{op}}.toCbor()),
                                  w.hq.sign.secretKey);
            QVERIFY(s);
            const qsizetype ct = s->bytes.size() - kFramingOverhead - protocol::kAeadTagBytes;
            QVERIFY(isBodyBucket(ct));
            QCOMPARE(ct, opText < 1000 ? qsizetype(1024) : qsizetype(131072));
            QVERIFY(receiveEnvelope(s->bytes, kMaxEnvelopeBytes, w.deviceContext(a),
                                    w.hq.sign.publicKey, a.lookup()));
            QCOMPARE(
                receiveEnvelope(s->bytes, 1000, w.deviceContext(a), w.hq.sign.publicKey, a.lookup())
                    .error()
                    .fault,
                EnvelopeFault::Framing);
        }
        QVERIFY(!sealEnvelope(w.down(a, Kind::Heartbeat, sampleHeartbeat().toCbor(), 0),
                              w.hq.sign.secretKey)); // seq 0
        QCborMap unknown = sampleHeartbeat().toCbor();
        unknown.insert(42, 1);
        QVERIFY(!sealEnvelope(w.down(a, Kind::Heartbeat, unknown), w.hq.sign.secretKey));
    }

    void snapshotPartsAreCompressedAndNothingElse()
    {
        // DESIGN.md "Compression": RESYNC and SCOPE_JOIN payloads travel compressed; a DELTA of
        // the same operations does not (its length could leak its content).
        QCborArray ops;
        for (int i = 0; i < 500; ++i)
            ops.append(QCborMap{{0, QByteArray(16, char('a' + i % 26))},
                                {1, 1},
                                {2, QStringLiteral("Contact %1, Federal Criminal Police").arg(i)}});
        const QCborMap join = ScopeJoinPayload{QStringLiteral("post:vienna"), 1, 1, ops}.toCbor();
        const qsizetype plain = cbor::encode(join)->size();
        const QByteArray joinBody = *encodeBody({Kind::ScopeJoin, 1, join});
        QVERIFY2(joinBody.size() * 4 < plain,
                 qPrintable(QStringLiteral("%1 of %2").arg(joinBody.size()).arg(plain)));
        auto back = decodeBody(joinBody, Direction::Down);
        QVERIFY(back);
        QCOMPARE(back->payload, join);
        QVERIFY(
            cbor::decodeStrict(joinBody)->toMap().contains(qint64(body_key::compressedPayload)));

        const QCborMap delta = DeltaPayload{ops}.toCbor();
        const QByteArray deltaBody = *encodeBody({Kind::Delta, 1, delta});
        QVERIFY(deltaBody.size() > cbor::encode(delta)->size());
        QVERIFY(cbor::decodeStrict(deltaBody)->toMap().contains(qint64(body_key::payload)));

        // And through a sealed envelope: the RESYNC arrives whole.
        World w;
        const Party &a = *w.devices[0];
        ResyncPayload resync;
        resync.scopes = {QStringLiteral("post:vienna")};
        resync.heartbeat = sampleHeartbeat();
        resync.ops = ops;
        auto s = sealEnvelope(w.down(a, Kind::Resync, resync.toCbor()), w.hq.sign.secretKey);
        QVERIFY(s);
        QVERIFY(s->bytes.size() * 4 < plain);
        auto r = receiveEnvelope(s->bytes, kMaxEnvelopeBytes, w.deviceContext(a),
                                 w.hq.sign.publicKey, a.lookup());
        QVERIFY(r);
        QCOMPARE(r->body.payload, resync.toCbor());
    }

    void compressedPayloadsAreCheckedAndBounded()
    {
        ResyncPayload resync;
        resync.scopes = {QStringLiteral("post:vienna")};
        resync.heartbeat = sampleHeartbeat();
        const QCborMap payload = resync.toCbor();
        auto body = [](Kind kind, std::uint64_t key, const QCborValue &value) {
            QCborMap m;
            m.insert(qint64(body_key::kind), qint64(kind));
            m.insert(qint64(body_key::created), 1);
            m.insert(qint64(key), value);
            return *cbor::encode(m);
        };
        auto fault = [](const QByteArray &bytes) {
            auto r = decodeBody(bytes, Direction::Down);
            return r ? QStringLiteral("accepted") : r.error().message;
        };
        const QByteArray packed = *deflateRaw(*cbor::encode(payload));
        QVERIFY(
            decodeBody(body(Kind::Resync, body_key::compressedPayload, packed), Direction::Down));
        // A snapshot kind uncompressed, a DELTA compressed: both refused.
        QVERIFY(!decodeBody(body(Kind::Resync, body_key::payload, payload), Direction::Down));
        QVERIFY(!decodeBody(body(Kind::Delta, body_key::compressedPayload,
                                 *deflateRaw(*cbor::encode(DeltaPayload{}.toCbor()))),
                            Direction::Down));
        // Truncated, trailing bytes, not DEFLATE, not a map, not canonical CBOR inside.
        QCOMPARE(
            fault(body(Kind::Resync, body_key::compressedPayload, packed.left(packed.size() / 2))),
            QStringLiteral("compressed payload is truncated"));
        QCOMPARE(fault(body(Kind::Resync, body_key::compressedPayload, packed + "x")),
                 QStringLiteral("bytes after the compressed payload"));
        QCOMPARE(fault(body(Kind::Resync, body_key::compressedPayload, QByteArray(64, '\xff'))),
                 QStringLiteral("compressed payload is corrupt"));
        QCOMPARE(fault(body(Kind::Resync, body_key::compressedPayload,
                            *deflateRaw(*cbor::encode(QCborValue(7))))),
                 QStringLiteral("compressed payload is not a map"));
        QVERIFY(!decodeBody(body(Kind::Resync, body_key::compressedPayload,
                                 *deflateRaw(QByteArray::fromHex("bf00f6ff"))),
                            Direction::Down)); // indefinite length: not canonical
        // A bomb: well under 128 KiB of DEFLATE that would inflate past the limit is refused;
        // the limit is what it inflates to at most.
        const QByteArray zeros(kMaxInflatedPayloadBytes + 1, '\0');
        const QByteArray bomb = *deflateRaw(zeros);
        QVERIFY(bomb.size() < 128 * 1024);
        QCOMPARE(fault(body(Kind::Resync, body_key::compressedPayload, bomb)),
                 QStringLiteral("compressed payload inflates too far"));
        QCOMPARE(inflateRaw(bomb, 1000).error().message,
                 QStringLiteral("compressed payload inflates too far"));
        QCOMPARE(inflateRaw(*deflateRaw(QByteArray(1000, 'z')), 1000)->size(), qsizetype(1000));
    }

    void opValidatorRunsOnEveryOperation()
    {
        World w;
        const Party &a = *w.devices[0];
        auto s = sealEnvelope(
            w.down(a, Kind::Delta, DeltaPayload{{smallEditOp(), QCborMap{{0, 1}}}}.toCbor()),
            w.hq.sign.secretKey);
        QVERIFY(s);
        int seen = 0;
        OpValidator v = [&](const QCborMap &op) -> Status {
            ++seen;
            if (!op.contains(3))
                return fail(Errc::Malformed, QStringLiteral("no stamp"));
            return {};
        };
        auto r = receiveEnvelope(s->bytes, 1 << 20, w.deviceContext(a), w.hq.sign.publicKey,
                                 a.lookup(), BodyOptions{v, {}});
        QVERIFY(!r);
        QCOMPARE(r.error().fault, EnvelopeFault::Body);
        QCOMPARE(seen, 2);
    }

    // A layer that owns a kind's payload schema replaces the built-in one, for sealing and
    // opening alike; the body stays strict canonical CBOR.
    void payloadValidatorReplacesTheBuiltInSchema()
    {
        World w;
        const Party &a = *w.devices[0];
        const QCborMap foreign{{1, 5}, {2, QStringLiteral("x")}}; // not the built-in HEARTBEAT
        QVERIFY(!sealEnvelope(w.down(a, Kind::Heartbeat, foreign), w.hq.sign.secretKey));
        PayloadValidator own = [](Kind kind, const QCborMap &p) -> Status {
            if (kind == Kind::Heartbeat && p.size() == 2 && p.value(1).isInteger())
                return {};
            return fail(Errc::Malformed, QStringLiteral("not my schema"));
        };
        SealParams params = w.down(a, Kind::Heartbeat, foreign);
        params.bodyOptions.validatePayload = own;
        auto s = sealEnvelope(params, w.hq.sign.secretKey);
        QVERIFY(s);
        auto builtIn =
            receiveEnvelope(s->bytes, 1 << 20, w.deviceContext(a), w.hq.sign.publicKey, a.lookup());
        QCOMPARE(builtIn.error().fault, EnvelopeFault::Body);
        auto r = receiveEnvelope(s->bytes, 1 << 20, w.deviceContext(a), w.hq.sign.publicKey,
                                 a.lookup(), BodyOptions{{}, own});
        QVERIFY(r);
        QCOMPARE(r->body.payload, foreign);
        // the direction rule still holds with a custom schema
        SealParams up = w.down(a, Kind::Receipt, foreign);
        up.bodyOptions.validatePayload = [](Kind, const QCborMap &) -> Status {
            return {};
        };
        auto body = encodeBody({Kind::Receipt, 1, foreign}, up.bodyOptions);
        QVERIFY(body);
        auto env = sealEncodedBody(up, *body, w.hq.sign.secretKey);
        r = receiveEnvelope(env->bytes, 1 << 20, w.deviceContext(a), w.hq.sign.publicKey,
                            a.lookup(), up.bodyOptions);
        QCOMPARE(r.error().fault, EnvelopeFault::Kind);
    }

    void testKeysAreFixed()
    {
        const auto &k = test::testKeys();
        // Published values: changing them invalidates the committed fuzz corpus.
        QCOMPARE(k.senderSign.publicKey.toHex(),
                 crypto_sign_seed_keypair(SecretBytes::copyOf("LIAISN fuzz test sign key seed!!"))
                     ->publicKey.toHex());
        auto s = sealEnvelope(k.downParams(1, Kind::Heartbeat, sampleHeartbeat().toCbor()),
                              k.senderSign.secretKey);
        QVERIFY(s);
        QVERIFY(receiveEnvelope(s->bytes, 1 << 20, k.downContext(), k.senderSign.publicKey,
                                k.boxKeys()));
    }

    // The committed seed corpora of tests/fuzz/fuzz_envelope.cpp and fuzz_cbor.cpp are made
    // here (LIAISON_WRITE_FUZZ_SEEDS=1 rewrites them) and checked on every run, so a format
    // change cannot silently leave the fuzzers starting from inputs that no longer open.
    void committedFuzzSeedsStayValid()
    {
        // The corpus folder comes from CMake: __FILE__ may be relative (compiler launchers such
        // as ccache rewrite it), and a relative path depends on where ctest runs the test.
        const QString root = QStringLiteral(LIAISON_FUZZ_CORPUS_DIR "/");
        const QDir envDir(root + QStringLiteral("envelope"));
        const QDir cborDir(root + QStringLiteral("cbor"));
        const auto &k = test::testKeys();
        if (qEnvironmentVariableIntValue("LIAISON_WRITE_FUZZ_SEEDS") == 1)
            writeSeeds(envDir, cborDir);
        int envelopes = 0;
        for (const QString &name : envDir.entryList(QDir::Files, QDir::Name)) {
            QFile f(envDir.filePath(name));
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QByteArray all = f.readAll();
            QVERIFY(!all.isEmpty());
            const QByteArray data = all.mid(1);
            switch (all[0] % 3) {
            case 0:
            case 1: {
                auto r = receiveEnvelope(data, 1 << 20, k.downContext(), k.senderSign.publicKey,
                                         k.boxKeys());
                QVERIFY2(r, qPrintable(name));
                ++envelopes;
                break;
            }
            default:
                QVERIFY2(decodeBody(data, Direction::Down), qPrintable(name));
            }
        }
        QVERIFY(envelopes >= 4);
        int bodies = 0;
        for (const QString &name : cborDir.entryList(QDir::Files, QDir::Name)) {
            QFile f(cborDir.filePath(name));
            QVERIFY(f.open(QIODevice::ReadOnly));
            const QByteArray data = f.readAll();
            if (name.startsWith(QLatin1String("body-"))) {
                QVERIFY2(decodeBody(data, Direction::Down) || decodeBody(data, Direction::Up),
                         qPrintable(name));
                ++bodies;
            }
        }
        QVERIFY(bodies >= 8);
    }

private:
    static void writeFile(const QDir &dir, const QString &name, const QByteArray &data)
    {
        QVERIFY(dir.mkpath(QStringLiteral(".")));
        QFile f(dir.filePath(name));
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        QCOMPARE(f.write(data), data.size());
    }

    static void writeSeeds(const QDir &envDir, const QDir &cborDir)
    {
        const auto &k = test::testKeys();
        HeartbeatPayload hb;
        hb.hqTimeMs = 1767225600000;
        hb.certSerial = 3;
        hb.downHead = {1, 1, Hash32{}};
        hb.upApplied = {1, 0, Hash32{}};
        ResyncPayload resync;
        resync.scopes = {QStringLiteral("post:vienna")};
        resync.heartbeat = hb;
        resync.ops =
            QCborArray{QCborMap{{0, QByteArray(16, 'r')}, {1, 2}, {2, QStringLiteral("v")}}};
        resync.policy = PolicyPayload{};
        resync.wipeId = *Id16::fromBytes("wipe-id-16-bytes");
        const QCborMap op{{0, QByteArray(16, 'u')},
                          {1, 3},
                          {2, QStringLiteral("+43 1 531 26 0")},
                          {3, QCborArray{qint64(1767225600123), 0, QByteArray(16, 'o')}}};
        const std::vector<std::pair<Kind, QCborMap>> downs = {
            {Kind::Heartbeat, hb.toCbor()},
            {Kind::Delta, DeltaPayload{{op}}.toCbor()},
            {Kind::ScopeJoin, ScopeJoinPayload{QStringLiteral("post:vienna"), 1, 2, {op}}.toCbor()},
            {Kind::ScopeLeave, ScopeLeavePayload{QStringLiteral("visit:x")}.toCbor()},
            {Kind::Reject,
             RejectPayload{op, RejectPayload::Reason::ClockAhead, QCborValue(nullptr)}.toCbor()},
            {Kind::Resync, resync.toCbor()},
            {Kind::Command,
             CommandPayload{*Id16::fromBytes("command-id-16-by"), CommandPayload::Type::Wipe,
                            k.device, Hash32{}, 1, 2, std::nullopt}
                 .toCbor()},
            {Kind::KeyUpdate, KeyUpdatePayload{2, k.recipientBox.publicKey, 5}.toCbor()},
            {Kind::Policy, PolicyPayload{}.toCbor()}};
        const std::vector<std::pair<Kind, QCborMap>> ups = {
            {Kind::Receipt, ReceiptPayload{}.toCbor()},
            {Kind::ResyncRequest, ResyncRequestPayload{}.toCbor()},
            {Kind::CommandAck, CommandAckPayload{}.toCbor()}};
        int i = 0;
        for (const auto &[kind, payload] : downs) {
            const QString name = QString::fromLatin1(kindName(kind)).toLower();
            auto s = sealEnvelope(k.downParams(1, kind, payload), k.senderSign.secretKey);
            QVERIFY(s);
            if (i < 5)
                writeFile(envDir, QStringLiteral("mode0-%1").arg(name), char(0) + s->bytes);
            else
                writeFile(envDir, QStringLiteral("mode1-%1").arg(name), char(1) + s->bytes);
            const QByteArray body = *encodeBody({kind, 1767225600000, payload});
            if (i % 2 == 0)
                writeFile(envDir, QStringLiteral("mode2-%1").arg(name), char(2) + body);
            writeFile(cborDir, QStringLiteral("body-%1").arg(name), body);
            ++i;
        }
        // A POLICY that rolls the relay pins over (PolicyPayload::Key::RelayPins).
        const PolicyPayload rollover{120, 10, 2,
                                     QList<RelayPin>{*RelayPin::fromBytes(QByteArray(32, 'b')),
                                                     *RelayPin::fromBytes(QByteArray(32, 'c'))}};
        auto s =
            sealEnvelope(k.downParams(1, Kind::Policy, rollover.toCbor()), k.senderSign.secretKey);
        QVERIFY(s);
        writeFile(envDir, QStringLiteral("mode1-policy_pins"), char(1) + s->bytes);
        const QByteArray rolloverBody =
            *encodeBody({Kind::Policy, 1767225600000, rollover.toCbor()});
        writeFile(envDir, QStringLiteral("mode2-policy_pins"), char(2) + rolloverBody);
        writeFile(cborDir, QStringLiteral("body-policy_pins"), rolloverBody);
        for (const auto &[kind, payload] : ups)
            writeFile(cborDir,
                      QStringLiteral("body-%1").arg(QString::fromLatin1(kindName(kind)).toLower()),
                      *encodeBody({kind, 1767225600000, payload}));
        writeFile(cborDir, QStringLiteral("raw-nested"),
                  QByteArray::fromHex("a3008301f6f5011b7fffffffffffffff02a10043616263"));
        writeFile(cborDir, QStringLiteral("raw-indefinite"), QByteArray::fromHex("bf009f01ffff"));
    }
};

LIAISON_TEST_MAIN(TestEnvelopeSeal)
#include "tst_envelope_seal.moc"
