#include "testhq.h"

#include "device/wipefile.h"

#include "protocol/hqcert.h"
#include "streams/streamschema.h"

#include <QDateTime>
#include <QEventLoop>
#include <QLoggingCategory>
#include <QTimer>

Q_LOGGING_CATEGORY(lcTestHq, "liaison.test.hq")

namespace liaison::test {

// The device side's store layout and profile (what enrolment writes).
using namespace liaison::device;

namespace {

constexpr std::uint32_t kHqBoxKeyId = 1;
constexpr std::int64_t kCertValidityMs = 30LL * 24 * 3600 * 1000;
// A wipe token is obeyed for this long after it was issued (judged against HQ's verified time).
constexpr std::int64_t kWipeTokenValidityMs = 30LL * 24 * 3600 * 1000;

// HQ's own secrets and ids, in HQ's encrypted store.
Status createTestHqTable(store::Database &db)
{
    return db.execute("CREATE TABLE test_hq (id INTEGER PRIMARY KEY CHECK (id = 1), "
                      "deployment_id BLOB NOT NULL, origin_id BLOB NOT NULL, "
                      "root_sk BLOB NOT NULL, admin_sk BLOB NOT NULL, "
                      "cert_serial INTEGER NOT NULL)");
}

// The wipe id each device got at enrolment (remote wipe).
Status createTestWipeTable(store::Database &db)
{
    return db.execute("CREATE TABLE test_wipe (device_id BLOB PRIMARY KEY, "
                      "wipe_id BLOB NOT NULL)");
}

// The wipe-ack public key each device registered at enrolment and the command id of the last
// wipe token HQ published for it: HQ believes a wipe only on an acknowledgement for that command,
// signed by one of the device's keys.
Status addTestWipeAck(store::Database &db)
{
    if (auto s = db.execute("ALTER TABLE test_wipe ADD COLUMN wipe_ack_pk BLOB"); !s)
        return s;
    return db.execute("ALTER TABLE test_wipe ADD COLUMN command_id BLOB");
}

// The content-signing key after a rotation (rotateContentKey); NULL: the vault identity's.
Status addTestContentKey(store::Database &db)
{
    return db.execute("ALTER TABLE test_hq ADD COLUMN content_sk BLOB");
}

std::vector<store::Migration> hqMigrations()
{
    std::vector<store::Migration> m = model::RecordStore::migrations();
    for (auto &x : streams::streamMigrations())
        m.push_back(std::move(x));
    for (auto &x : hq::DeviceRegistry::migrations())
        m.push_back(std::move(x));
    m.push_back(createTestHqTable);
    m.push_back(createTestWipeTable);
    m.push_back(addTestWipeAck);
    m.push_back(addTestContentKey);
    m.push_back(streams::streamLaneMigration());
    return m;
}

Result<crypto::SignKeyPair> signKeyFrom(crypto::SecretBytes bytes)
{
    if (bytes.size() != crypto::SignSecretKey::size)
        return fail(Errc::Tampered, QStringLiteral("a key in HQ's store is damaged"));
    return crypto::crypto_sign_keypair_from_secret(crypto::SignSecretKey(std::move(bytes)));
}

} // namespace

class TestHq::Identity final : public streams::LocalIdentity
{
public:
    Identity(const crypto::Id16 &deployment, const vault::Identity &keys, const TestHq &hq)
        : m_deployment(deployment)
        , m_keys(keys)
        , m_hq(hq)
    {}
    [[nodiscard]] streams::Role role() const override { return streams::Role::Hq; }
    [[nodiscard]] crypto::Id16 deploymentId() const override { return m_deployment; }
    [[nodiscard]] crypto::Id16 localId() const override { return protocol::hqParticipantId(); }
    [[nodiscard]] const crypto::SignSecretKey &signingKey() const override
    {
        return m_hq.contentKey().secretKey;
    }
    [[nodiscard]] const crypto::BoxKeyPair *boxKey(std::uint32_t keyId) const override
    {
        return keyId == kHqBoxKeyId ? &m_keys.box : nullptr;
    }

private:
    crypto::Id16 m_deployment;
    const vault::Identity &m_keys;
    const TestHq &m_hq;
};

TestHq::~TestHq()
{
    m_transport.reset();
    m_receiver.reset();
    m_outbox.reset();
    m_applier.reset();
    m_fanout.reset();
    m_registry.reset();
    m_records.reset();
    if (m_vault)
        m_vault->lock();
}

Result<std::unique_ptr<TestHq>>
TestHq::create(const QString &dir, const crypto::SecretBytes &passphrase, vault::KeyStore &keyStore,
               liaison::Clock &vaultClock, const liaison::Clock &clock, vault::VaultOptions options)
{
    options.database.migrations = hqMigrations();
    options.createIdentity = true;
    auto v = vault::Vault::create(dir + QStringLiteral("/vault"), passphrase, keyStore, vaultClock,
                                  options);
    if (!v)
        return std::unexpected(v.error());
    std::unique_ptr<TestHq> hq(new TestHq());
    hq->m_vault = std::move(*v);
    const crypto::Id16 deployment = crypto::randomFixed<crypto::Id16>();
    const crypto::Id16 origin = crypto::randomFixed<crypto::Id16>();
    const crypto::SignKeyPair root = crypto::crypto_sign_keypair();
    const crypto::SignKeyPair admin = crypto::crypto_sign_keypair();
    auto st = hq->m_vault->database()->prepare(
        "INSERT INTO test_hq (id, deployment_id, origin_id, root_sk, admin_sk, cert_serial) "
        "VALUES (1, ?1, ?2, ?3, ?4, 0)");
    if (!st)
        return std::unexpected(st.error());
    const crypto::SecretBytes rootSecret = crypto::SecretBytes::copyOf(root.secretKey.view());
    const crypto::SecretBytes adminSecret = crypto::SecretBytes::copyOf(admin.secretKey.view());
    if (auto s = st->bind(1, deployment.view())
                     .bind(2, origin.view())
                     .bind(3, rootSecret)
                     .bind(4, adminSecret)
                     .exec();
        !s)
        return std::unexpected(s.error());
    if (auto s = hq->loadKeys(); !s)
        return std::unexpected(s.error());
    if (auto s = hq->openLayers(clock); !s)
        return std::unexpected(s.error());
    return hq;
}

Result<std::unique_ptr<TestHq>>
TestHq::open(const QString &dir, const crypto::SecretBytes &passphrase, vault::KeyStore &keyStore,
             liaison::Clock &vaultClock, const liaison::Clock &clock, vault::VaultOptions options)
{
    options.database.migrations = hqMigrations();
    auto v = vault::Vault::load(dir + QStringLiteral("/vault"), keyStore, vaultClock, options);
    if (!v)
        return std::unexpected(v.error());
    if (auto s = (*v)->unlock(passphrase); !s)
        return std::unexpected(s.error());
    std::unique_ptr<TestHq> hq(new TestHq());
    hq->m_vault = std::move(*v);
    if (auto s = hq->loadKeys(); !s)
        return std::unexpected(s.error());
    if (auto s = hq->openLayers(clock); !s)
        return std::unexpected(s.error());
    return hq;
}

Status TestHq::loadKeys()
{
    if (!m_vault->identity())
        return fail(Errc::NotFound, QStringLiteral("HQ's store has no identity keys"));
    auto st = m_vault->database()->prepare("SELECT deployment_id, origin_id, root_sk, admin_sk, "
                                           "cert_serial, content_sk FROM test_hq WHERE id = 1");
    if (!st)
        return std::unexpected(st.error());
    auto row = st->step();
    if (!row)
        return std::unexpected(row.error());
    if (!*row)
        return fail(Errc::NotFound, QStringLiteral("this is not a test HQ store"));
    auto deployment = crypto::Id16::fromBytes(st->columnBlob(0));
    auto origin = crypto::Id16::fromBytes(st->columnBlob(1));
    auto root = signKeyFrom(st->columnSecret(2));
    auto admin = signKeyFrom(st->columnSecret(3));
    if (!deployment || !origin)
        return fail(Errc::Tampered, QStringLiteral("HQ's store is damaged"));
    if (!root)
        return std::unexpected(root.error());
    if (!admin)
        return std::unexpected(admin.error());
    m_deployment = *deployment;
    m_origin = *origin;
    m_root = std::move(*root);
    m_admin = std::move(*admin);
    m_serial = std::uint64_t(st->columnInt64(4));
    if (!st->columnIsNull(5)) {
        auto content = signKeyFrom(st->columnSecret(5));
        if (!content)
            return std::unexpected(content.error());
        m_content = std::make_unique<crypto::SignKeyPair>(std::move(*content));
    }
    return {};
}

Status TestHq::openLayers(const liaison::Clock &clock)
{
    store::Database &db = *m_vault->database();
    m_streamClock = &clock;
    m_records = std::make_unique<model::RecordStore>(db, clock, m_origin, model::ReplicaRole::Hq);
    if (auto s = m_records->open(); !s)
        return s;
    m_registry = std::make_unique<hq::DeviceRegistry>(db);
    if (auto s = m_registry->open(); !s)
        return s;
    m_fanout = std::make_unique<hq::HqFanout>(*m_records, *m_registry);
    m_applier = std::make_unique<hq::HqApplier>(*m_fanout);
    m_identity = std::make_unique<Identity>(m_deployment, *m_vault->identity(), *this);
    m_outbox =
        std::make_unique<streams::StreamOutbox>(db, *m_identity, *m_registry, *m_streamClock);
    m_receiver = std::make_unique<streams::Receiver>(db, *m_identity, *m_registry, *m_applier,
                                                     *m_outbox, *m_streamClock);
    m_receiver->setResyncSource(m_applier.get());
    m_receiver->setCertificateSerial(std::max<std::uint64_t>(m_serial, 1));
    if (m_serial > 0)
        m_receiver->setCertificate(certificate(m_serial).encode());
    return {};
}

const crypto::SignKeyPair &TestHq::contentKey() const
{
    return m_content ? *m_content : m_vault->identity()->sign;
}

Status TestHq::rotateContentKey(int timeoutMs, bool announce)
{
    if (!m_transport)
        return fail(Errc::InvalidArgument, QStringLiteral("no relay connected"));
    auto next = std::make_unique<crypto::SignKeyPair>(crypto::crypto_sign_keypair());
    protocol::HqCertificate c = certificate(m_serial + 1);
    c.contentKey = next->publicKey;
    protocol::signHqCertificate(c, m_root.secretKey);
    // (1) The HEARTBEAT that carries the new certificate is sealed with the key devices (and
    // the relay) trust now, and pushed while the relay still holds the old certificate.
    m_receiver->setCertificateSerial(c.serial);
    m_receiver->setCertificate(c.encode());
    auto devices = m_registry->devices();
    if (!devices)
        return std::unexpected(devices.error());
    for (const hq::DeviceRecord &d : *devices) {
        if (d.state != streams::PeerState::Active || !announce)
            continue;
        if (auto hb = m_receiver->sendHeartbeat(d.id); !hb)
            qCInfo(lcTestHq) << "no certificate HEARTBEAT for a device:"
                             << errcName(hb.error().code);
    }
    if (auto round = syncOnce(timeoutMs); !round)
        return std::unexpected(round.error());
    // (2) From now on the new key signs envelopes, commands, tokens and HQ's relay requests.
    auto st = m_vault->database()->prepare(
        "UPDATE test_hq SET cert_serial = ?1, content_sk = ?2 WHERE id = 1");
    if (!st)
        return std::unexpected(st.error());
    const crypto::SecretBytes secret = crypto::SecretBytes::copyOf(next->secretKey.view());
    if (auto s = st->bind(1, qint64(c.serial)).bind(2, secret).exec(); !s)
        return std::unexpected(s.error());
    m_serial = c.serial;
    m_content = std::move(next);
    // (3) The relay verifies HQ's requests and envelopes with the new certificate's key.
    if (auto s = installCertificate(c.encode(), timeoutMs); !s)
        return s;
    qCInfo(lcTestHq) << "content key rotated: certificate serial" << m_serial;
    return {};
}

protocol::HqCertificate TestHq::certificate(std::uint64_t serial) const
{
    const std::int64_t now = m_streamClock->wallMs();
    protocol::HqCertificate c;
    c.deployment = m_deployment;
    c.serial = serial;
    c.notBeforeMs = now - 3600 * 1000;
    c.notAfterMs = now + kCertValidityMs;
    c.contentKey = contentKey().publicKey;
    c.relayAdminKey = m_admin.publicKey;
    protocol::signHqCertificate(c, m_root.secretKey);
    return c;
}

Result<QByteArray> TestHq::issueCertificate()
{
    const protocol::HqCertificate c = certificate(m_serial + 1);
    auto st = m_vault->database()->prepare("UPDATE test_hq SET cert_serial = ?1 WHERE id = 1");
    if (!st)
        return std::unexpected(st.error());
    if (auto s = st->bind(1, qint64(c.serial)).exec(); !s)
        return std::unexpected(s.error());
    m_serial = c.serial;
    m_receiver->setCertificateSerial(m_serial);
    // Every HEARTBEAT and RESYNC carries it: devices follow a new content key (DESIGN.md "Keys").
    m_receiver->setCertificate(c.encode());
    return c.encode();
}

Result<DeviceProfile> TestHq::registerDevice(const crypto::Id16 &deviceId,
                                             const vault::Identity &deviceKeys,
                                             const QString &label, const QStringList &scopes,
                                             const QString &relayUrl, const QStringList &relayPins,
                                             const std::optional<crypto::SignPublicKey> &wipeAckKey)
{
    hq::DeviceRecord record;
    record.id = deviceId;
    record.signKey = deviceKeys.sign.publicKey;
    record.boxKey = deviceKeys.box.publicKey;
    record.boxKeyId = kInitialBoxKeyId;
    record.state = streams::PeerState::Active;
    record.label = label;
    if (auto s = m_registry->addDevice(record); !s)
        return std::unexpected(s.error());
    for (const QString &scope : scopes) {
        // The RESYNC that opens the device's stream carries the scopes' snapshot; the
        // SCOPE_JOIN messages are not needed.
        if (auto r = m_fanout->addMember(deviceId, scope); !r)
            return std::unexpected(r.error());
    }
    const crypto::Id16 wipeId = crypto::randomFixed<crypto::Id16>();
    auto st = m_vault->database()->prepare(
        "INSERT OR REPLACE INTO test_wipe (device_id, wipe_id, wipe_ack_pk) VALUES (?1, ?2, ?3)");
    if (!st)
        return std::unexpected(st.error());
    st->bind(1, deviceId.view()).bind(2, wipeId.view());
    if (wipeAckKey)
        st->bind(3, wipeAckKey->view());
    else
        st->bindNull(3);
    if (auto s = st->exec(); !s)
        return std::unexpected(s.error());
    DeviceProfile profile;
    if (wipeAckKey)
        profile.wipeAckKeyHash = crypto::crypto_generichash(wipeAckKey->view());
    profile.wipeId = wipeId;
    profile.hqRootKey = m_root.publicKey;
    profile.deviceId = deviceId;
    profile.deploymentId = m_deployment;
    profile.hqId = protocol::hqParticipantId();
    profile.hqSignKey = contentKey().publicKey;
    profile.hqCertSerial = m_serial; // the certificate that names this content key
    profile.hqBoxKey = m_vault->identity()->box.publicKey;
    profile.hqBoxKeyId = kHqBoxKeyId;
    profile.relayUrl = relayUrl;
    profile.relayPins = relayPins;
    profile.label = label;
    profile.enrolledMs = m_streamClock->wallMs();
    return profile;
}

Result<int> TestHq::publishEdits()
{
    auto published = m_fanout->publishLocalEdits();
    if (!published)
        return std::unexpected(published.error());
    if (auto s = hq::HqFanout::enqueue(*m_outbox, published->messages); !s)
        return std::unexpected(s.error());
    return int(published->messages.size());
}

Status TestHq::connectRelay(const client::RelayEndpoint &endpoint,
                            client::HqTransportOptions options)
{
    if (auto s = client::validateEndpoint(endpoint); !s)
        return s;
    m_transport.reset();
    m_nam = std::make_unique<QNetworkAccessManager>();
    m_transport = std::make_unique<client::HqTransport>(m_nam.get(), endpoint, *m_outbox,
                                                        *m_receiver, *m_identity, m_admin.secretKey,
                                                        *m_streamClock, options);
    // HQ's own edits go out with every round.
    m_transport->engine().setPrepare([this]() -> Status {
        auto n = publishEdits();
        if (!n)
            return std::unexpected(n.error());
        return {};
    });
    return {};
}

Result<client::RelayReply>
TestHq::adminReply(const std::function<void(client::HqTransport::ReplyCallback)> &call,
                   const QString &what, int timeoutMs)
{
    if (!m_transport)
        return fail(Errc::InvalidArgument, QStringLiteral("no relay connected"));
    std::optional<client::RelayReply> got;
    QEventLoop loop;
    QTimer timer;
    timer.setSingleShot(true);
    QObject::connect(&timer, &QTimer::timeout, &loop, &QEventLoop::quit);
    call([&](const client::RelayReply &r) {
        got = r;
        loop.quit();
    });
    if (!got) {
        timer.start(timeoutMs);
        loop.exec();
    }
    if (!got)
        return fail(Errc::Io, QStringLiteral("%1: no answer from the relay").arg(what));
    return *got;
}

Status TestHq::adminCall(const std::function<void(client::HqTransport::ReplyCallback)> &call,
                         const QString &what, int timeoutMs)
{
    auto got = adminReply(call, what, timeoutMs);
    if (!got)
        return std::unexpected(got.error());
    if (!got->ok())
        return fail(got->transient() ? Errc::Io : Errc::Refused,
                    QStringLiteral("%1: %2").arg(what, got->describe()));
    return {};
}

Status TestHq::installCertificate(const QByteArray &certificate, int timeoutMs)
{
    return adminCall([&](auto cb) { m_transport->putHqCertificate(certificate, cb); },
                     QStringLiteral("installing the HQ certificate"), timeoutMs);
}

Status TestHq::putDevice(const crypto::Id16 &deviceId, const crypto::SignPublicKey &signKey,
                         std::int64_t version, int timeoutMs)
{
    return adminCall(
        [&](auto cb) {
            m_transport->putDevice(deviceId, signKey, client::RelayDeviceState::Active, version,
                                   cb);
        },
        QStringLiteral("registering the device at the relay"), timeoutMs);
}

Result<client::WipeTarget> TestHq::wipeTarget(const crypto::Id16 &deviceId)
{
    auto record = m_registry->device(deviceId);
    if (!record)
        return std::unexpected(record.error());
    if (!*record)
        return fail(Errc::NotFound, QStringLiteral("no such device in HQ's registry"));
    auto st = m_vault->database()->prepare(
        "SELECT wipe_id, wipe_ack_pk FROM test_wipe WHERE device_id = ?1");
    if (!st)
        return std::unexpected(st.error());
    st->bind(1, deviceId.view());
    auto row = st->step();
    if (!row)
        return std::unexpected(row.error());
    if (!*row)
        return fail(Errc::NotFound,
                    QStringLiteral("the device has no wipe id (enrolled before remote wipe)"));
    auto wipeId = crypto::Id16::fromBytes(st->columnBlob(0));
    if (!wipeId)
        return fail(Errc::Tampered, QStringLiteral("HQ's wipe table is damaged"));
    client::WipeTarget t;
    t.deployment = m_deployment;
    t.device = deviceId;
    t.signKeyHash = crypto::crypto_generichash((*record)->signKey.view());
    t.wipeId = *wipeId;
    t.rootKey = m_root.publicKey;
    if (!st->columnIsNull(1)) {
        auto ack = crypto::SignPublicKey::fromBytes(st->columnBlob(1));
        if (!ack)
            return fail(Errc::Tampered, QStringLiteral("HQ's wipe table is damaged"));
        t.wipeAckKeyHash = crypto::crypto_generichash(ack->view());
    }
    return t;
}

Result<crypto::Id16> TestHq::sendWipe(const crypto::Id16 &deviceId,
                                      const std::optional<crypto::Id16> &commandId)
{
    auto record = m_registry->device(deviceId);
    if (!record)
        return std::unexpected(record.error());
    if (!*record)
        return fail(Errc::NotFound, QStringLiteral("no such device in HQ's registry"));
    streams::Command c;
    c.type = streams::Command::Type::Wipe;
    c.commandId = commandId.value_or(crypto::randomFixed<crypto::Id16>());
    c.target = deviceId;
    c.targetSignKeyHash = crypto::crypto_generichash((*record)->signKey.view());
    c.issuedAtMs = m_streamClock->wallMs();
    c.notAfterMs = c.issuedAtMs + kWipeTokenValidityMs;
    if (auto q = m_outbox->enqueue(deviceId, streams::Kind::Command, c.toCbor()); !q)
        return std::unexpected(q.error());
    // HQ believes an acknowledgement only for the command it sent (wipeAcknowledgement).
    auto st =
        m_vault->database()->prepare("UPDATE test_wipe SET command_id = ?1 WHERE device_id = ?2");
    if (!st)
        return std::unexpected(st.error());
    if (auto s = st->bind(1, c.commandId.view()).bind(2, deviceId.view()).exec(); !s)
        return std::unexpected(s.error());
    return c.commandId;
}

Result<crypto::Id16> TestHq::publishWipe(const crypto::Id16 &deviceId, int timeoutMs,
                                         const std::optional<crypto::Id16> &wanted)
{
    auto target = wipeTarget(deviceId);
    if (!target)
        return std::unexpected(target.error());
    const crypto::Id16 commandId = wanted.value_or(crypto::randomFixed<crypto::Id16>());
    const std::int64_t now = m_streamClock->wallMs();
    auto token = client::makeWipeToken(*target, commandId, now, now + kWipeTokenValidityMs,
                                       certificate(std::max<std::uint64_t>(m_serial, 1)),
                                       contentKey().secretKey);
    if (!token)
        return std::unexpected(token.error());
    // HQ believes an acknowledgement only for this command (wipeAcknowledgement).
    auto st =
        m_vault->database()->prepare("UPDATE test_wipe SET command_id = ?1 WHERE device_id = ?2");
    if (!st)
        return std::unexpected(st.error());
    if (auto s = st->bind(1, commandId.view()).bind(2, deviceId.view()).exec(); !s)
        return std::unexpected(s.error());
    const QByteArray bytes = token->encode();
    if (auto s = adminCall([&](auto cb) { m_transport->putWipeToken(target->wipeId, bytes, cb); },
                           QStringLiteral("publishing the wipe token"), timeoutMs);
        !s)
        return std::unexpected(s.error());
    qCInfo(lcTestHq).noquote() << "wipe token published for device" << deviceId.toHex().left(8);
    return commandId;
}

Result<std::optional<QByteArray>> TestHq::wipeAcknowledgement(const crypto::Id16 &deviceId,
                                                              int timeoutMs)
{
    auto target = wipeTarget(deviceId);
    if (!target)
        return std::unexpected(target.error());
    auto reply = adminReply([&](auto cb) { m_transport->getWipeDone(target->wipeId, cb); },
                            QStringLiteral("reading the wipe acknowledgement"), timeoutMs);
    if (!reply)
        return std::unexpected(reply.error());
    if (reply->status == 404)
        return std::optional<QByteArray>();
    if (!reply->ok())
        return fail(reply->transient() ? Errc::Io : Errc::Refused,
                    QStringLiteral("reading the wipe acknowledgement: %1").arg(reply->describe()));
    // The relay checked the signature; HQ checks again against what it registered (the relay
    // is not trusted): the device's sign key or its wipe-ack key, the command HQ published.
    auto ack = protocol::WipeAcknowledgement::decode(reply->body);
    if (!ack)
        return fail(Errc::AuthFailed,
                    QStringLiteral("the wipe acknowledgement at the relay is not signed"));
    auto st = m_vault->database()->prepare("SELECT command_id FROM test_wipe WHERE device_id = ?1");
    if (!st)
        return std::unexpected(st.error());
    st->bind(1, deviceId.view());
    auto row = st->step();
    if (!row)
        return std::unexpected(row.error());
    const auto command =
        *row ? crypto::Id16::fromBytes(st->columnBlob(0)) : std::optional<crypto::Id16>();
    if (!command)
        return fail(Errc::Refused, QStringLiteral("HQ published no wipe for this device"));
    if (auto v = protocol::verifyWipeAcknowledgement(*ack, m_deployment, deviceId, *command,
                                                     {target->signKeyHash, target->wipeAckKeyHash});
        !v)
        return std::unexpected(v.error());
    return std::optional<QByteArray>(reply->body);
}

Result<TestHq::Round> TestHq::syncOnce(int timeoutMs)
{
    if (!m_transport)
        return fail(Errc::InvalidArgument, QStringLiteral("no relay connected"));
    Round round;
    std::optional<std::pair<bool, QString>> done;
    QEventLoop loop;
    QTimer timer;
    timer.setSingleShot(true);
    QObject::connect(&timer, &QTimer::timeout, &loop, &QEventLoop::quit);
    auto c1 = QObject::connect(m_transport.get(), &client::HqTransport::envelopeDelivered,
                               [&round] { ++round.delivered; });
    auto c2 = QObject::connect(m_transport.get(), &client::HqTransport::envelopeRefused,
                               [&round] { ++round.refused; });
    auto c3 = QObject::connect(m_transport.get(), &client::HqTransport::roundFinished,
                               [&](bool ok, const QString &error) {
                                   done = std::make_pair(ok, error);
                                   loop.quit();
                               });
    m_transport->syncOnce();
    if (!done) {
        timer.start(timeoutMs);
        loop.exec();
    }
    QObject::disconnect(c1);
    QObject::disconnect(c2);
    QObject::disconnect(c3);
    if (!done)
        return fail(Errc::Io, QStringLiteral("HQ's sync round did not finish in time"));
    if (!done->first)
        return fail(Errc::Io, QStringLiteral("HQ's sync round failed: %1").arg(done->second));
    return round;
}

Result<DeviceProfile> createEnrolledDevice(TestHq &hq, const QString &vaultDir,
                                           const crypto::SecretBytes &passphrase,
                                           vault::KeyStore &keyStore, liaison::Clock &vaultClock,
                                           const QString &label, const QStringList &scopes,
                                           const QString &relayUrl, const QStringList &relayPins,
                                           vault::VaultOptions options)
{
    options.database.migrations = deviceMigrations();
    options.createIdentity = true;
    auto v = vault::Vault::create(vaultDir, passphrase, keyStore, vaultClock, options);
    if (!v)
        return std::unexpected(v.error());
    const crypto::Id16 deviceId = crypto::randomFixed<crypto::Id16>();
    // The wipe-ack key (DESIGN.md "Keys"): the secret half in the key store beside the pepper.
    auto wipeAck = createWipeAckKey(keyStore, deviceId);
    if (!wipeAck)
        return std::unexpected(wipeAck.error());
    auto profile = hq.registerDevice(deviceId, *(*v)->identity(), label, scopes, relayUrl,
                                     relayPins, *wipeAck);
    if (!profile)
        return std::unexpected(profile.error());
    if (auto s = saveDeviceProfile(*(*v)->database(), *profile); !s)
        return std::unexpected(s.error());
    if (auto wipe = wipeFileFor(*profile, (*v)->identity()->sign.publicKey)) {
        if (auto s = writeWipeFile(vaultDir, *wipe); !s)
            return std::unexpected(s.error());
    }
    (*v)->lock();
    return profile;
}

} // namespace liaison::test
