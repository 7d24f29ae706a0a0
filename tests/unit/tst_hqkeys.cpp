// Issue 8 point 10 (security review L-5), DESIGN.md "Keys": HQ's content key rotates on devices
// without re-enrolment. HQ sends the new root-signed certificate in a HEARTBEAT (signed under
// the key the device trusts); the device verifies it under the root key at HQ's verified time,
// adopts the highest valid serial, then accepts envelopes under the new content key and refuses
// the retired one. Real stores, real envelopes, the stream receiver of sync/streams.

#include "tst_receiver_harness.h"

#include "client/hqkeys.h"
#include "protocol/hqcert.h"
#include "testmain.h"

using namespace liaison;
using namespace liaison::streams;
using namespace liaison::streams::test;

namespace {

// HQ whose content-signing key changes once (the desk rotates it): first, then second.
class RotatingHq final : public LocalIdentity
{
public:
    explicit RotatingHq(const Id16 &deployment)
        : m_deployment(deployment)
        , m_box(crypto::crypto_box_keypair())
        , m_first(crypto::crypto_sign_keypair())
        , m_second(crypto::crypto_sign_keypair())
    {}
    Role role() const override { return Role::Hq; }
    Id16 deploymentId() const override { return m_deployment; }
    Id16 localId() const override { return protocol::hqParticipantId(); }
    const crypto::SignSecretKey &signingKey() const override { return current().secretKey; }
    const crypto::BoxKeyPair *boxKey(std::uint32_t keyId) const override
    {
        return keyId == 1 ? &m_box : nullptr;
    }
    Peer asPeer() const
    {
        Peer p;
        p.id = localId();
        p.signKey = current().publicKey;
        p.boxKey = m_box.publicKey;
        p.boxKeyId = 1;
        p.signKeyHash = crypto::crypto_generichash(current().publicKey.view());
        return p;
    }
    const crypto::SignKeyPair &first() const { return m_first; }
    const crypto::SignKeyPair &second() const { return m_second; }
    const crypto::SignKeyPair &current() const { return m_rotated ? m_second : m_first; }
    void rotate() { m_rotated = true; }
    void unrotate() { m_rotated = false; }

private:
    Id16 m_deployment;
    crypto::BoxKeyPair m_box;
    crypto::SignKeyPair m_first;
    crypto::SignKeyPair m_second;
    bool m_rotated = false;
};

} // namespace

class TestHqKeys : public QObject
{
    Q_OBJECT

    struct World
    {
        QTemporaryDir dir;
        liaison::ManualClock clock{QDateTime::currentMSecsSinceEpoch()};
        Id16 deployment = crypto::randomFixed<Id16>();
        crypto::SignKeyPair root = crypto::crypto_sign_keypair();
        // HQ
        RotatingHq hqMe{deployment};
        Directory hqPeers;
        std::unique_ptr<store::Database> hqDb;
        KvApplier hqApplier;
        KvResyncSource source;
        std::unique_ptr<StreamOutbox> hqOutbox;
        std::unique_ptr<Receiver> hq;
        // device
        Identity devMe{Role::Device, deployment};
        // Enrolment named the first content key under serial 1.
        client::HqKeys devPeers{hqMe.asPeer(), deployment, root.publicKey, 1};
        std::unique_ptr<store::Database> devDb;
        KvApplier devApplier;
        std::unique_ptr<StreamOutbox> devOutbox;
        std::unique_ptr<Receiver> dev;

        World()
        {
            hqDb = openTestDb(dir.filePath("hq.db"), {kvMigration});
            devDb = openTestDb(dir.filePath("dev.db"), {kvMigration});
            hqPeers.add(devMe.asPeer());
            hqOutbox = std::make_unique<StreamOutbox>(*hqDb, hqMe, hqPeers, clock);
            hq = std::make_unique<Receiver>(*hqDb, hqMe, hqPeers, hqApplier, *hqOutbox, clock);
            hq->setResyncSource(&source);
            devOutbox = std::make_unique<StreamOutbox>(*devDb, devMe, devPeers, clock);
            dev =
                std::make_unique<Receiver>(*devDb, devMe, devPeers, devApplier, *devOutbox, clock);
            dev->setCertificateHandler([this](const QByteArray &cert, std::int64_t hqTimeMs) {
                auto adopted = devPeers.offer(cert, hqTimeMs);
                offers.append(adopted ? (*adopted ? 1 : 0) : -1);
                return Status();
            });
        }
        QList<int> offers; // per certificate offered: 1 adopted, 0 no change, -1 refused
        Id16 devId() const { return devMe.localId(); }

        QByteArray certificate(std::uint64_t serial, const crypto::SignPublicKey &content,
                               const crypto::SignSecretKey &signer, std::int64_t from,
                               std::int64_t until) const
        {
            protocol::HqCertificate c;
            c.deployment = deployment;
            c.serial = serial;
            c.notBeforeMs = from;
            c.notAfterMs = until;
            c.contentKey = content;
            c.relayAdminKey = crypto::crypto_sign_keypair().publicKey;
            protocol::signHqCertificate(c, signer);
            return c.encode();
        }
        QByteArray certificate(std::uint64_t serial, const crypto::SignPublicKey &content) const
        {
            const std::int64_t now = clock.wallMs();
            return certificate(serial, content, root.secretKey, now - 3600'000,
                               now + 30LL * 24 * 3600'000);
        }

        // Every pending `down` envelope, delivered to the device; the dispositions.
        QList<Disposition> deliverDown()
        {
            QList<Disposition> out;
            auto pending = hqOutbox->pending(devId(), 1000);
            if (!pending)
                return out;
            for (const auto &q : *pending) {
                (void)hqOutbox->markDelivered(devId(), q.stream.epoch, q.seq);
                auto r = dev->receive(q.bytes);
                out.append(r ? r->disposition : Disposition::Dropped);
            }
            return out;
        }
    };

private Q_SLOTS:
    void contentKeyRotatesThroughHeartbeatCertificate()
    {
        World w;
        w.hq->setCertificateSerial(1);
        w.hq->setCertificate(w.certificate(1, w.hqMe.first().publicKey));
        QVERIFY(w.hq->sendResync(w.devId()));
        QCOMPARE(w.deliverDown(), QList<Disposition>{Disposition::Applied});
        QCOMPARE(w.offers, QList<int>{0}); // serial 1: what the device has

        // The desk rotates: serial 2 names a new content key. The HEARTBEAT that carries it is
        // still signed by the key the device trusts.
        w.hq->setCertificateSerial(2);
        w.hq->setCertificate(w.certificate(2, w.hqMe.second().publicKey));
        QVERIFY(w.hq->sendHeartbeat(w.devId()));
        QCOMPARE(w.deliverDown(), QList<Disposition>{Disposition::Applied});
        QCOMPARE(w.offers.last(), 1);
        QCOMPARE(w.devPeers.serial(), std::uint64_t(2));

        // From now on HQ signs with the new key: the device accepts it.
        w.hqMe.rotate();
        QVERIFY(w.hqOutbox->enqueue(w.devId(), Kind::Delta, kvDelta({{"k", "new key"}})));
        QCOMPARE(w.deliverDown(), QList<Disposition>{Disposition::Applied});
        QCOMPARE(kvDump(*w.devDb).value("k"), QStringLiteral("new key"));

        // The retired key (say it leaked) signs nothing the device takes.
        w.hqMe.unrotate();
        QVERIFY(w.hqOutbox->enqueue(w.devId(), Kind::Delta, kvDelta({{"k", "retired key"}})));
        QCOMPARE(w.deliverDown(), QList<Disposition>{Disposition::Dropped});
        QCOMPARE(kvDump(*w.devDb).value("k"), QStringLiteral("new key"));
        // Nor can it roll the device back with the old certificate.
        auto back = w.devPeers.offer(w.certificate(1, w.hqMe.first().publicKey), w.clock.wallMs());
        QVERIFY(back && !back->has_value());
        QCOMPARE(w.devPeers.contentKey(), w.hqMe.second().publicKey);
    }

    void onlyValidCertificatesAreAdopted()
    {
        World w;
        const crypto::SignKeyPair other = crypto::crypto_sign_keypair();
        const std::int64_t now = w.clock.wallMs();
        // Signed by a root that is not ours.
        auto forged = w.devPeers.offer(
            w.certificate(5, other.publicKey, other.secretKey, now - 3600'000, now + 3600'000),
            now);
        QCOMPARE(forged.error().code, Errc::AuthFailed);
        // Expired at HQ's time (the wall clock of the device plays no part).
        auto expired = w.devPeers.offer(
            w.certificate(5, other.publicKey, w.root.secretKey, now - 7200'000, now - 3600'000),
            now);
        QVERIFY(!expired);
        // Not yet valid at HQ's time.
        auto early = w.devPeers.offer(
            w.certificate(5, other.publicKey, w.root.secretKey, now + 3600'000, now + 7200'000),
            now);
        QVERIFY(!early);
        QCOMPARE(w.devPeers.serial(), std::uint64_t(1));
        QCOMPARE(w.devPeers.contentKey(), w.hqMe.first().publicKey);
        // Highest valid serial wins: 7, then 6 changes nothing.
        auto seven = w.devPeers.offer(w.certificate(7, other.publicKey), now);
        QVERIFY(seven && seven->has_value());
        auto six = w.devPeers.offer(w.certificate(6, w.hqMe.second().publicKey), now);
        QVERIFY(six && !six->has_value());
        QCOMPARE(w.devPeers.contentKey(), other.publicKey);
    }
};

LIAISON_TEST_MAIN(TestHqKeys)
#include "tst_hqkeys.moc"
