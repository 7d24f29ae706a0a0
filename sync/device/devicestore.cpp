#include "device/devicestore.h"

#include "device/devicesettings.h"

#include "streams/streamschema.h"

namespace liaison::device {

namespace {

Status createDeviceTable(store::Database &db)
{
    return db.execute("CREATE TABLE app_device (id INTEGER PRIMARY KEY CHECK (id = 1), "
                      "device_id BLOB NOT NULL, deployment_id BLOB NOT NULL, hq_id BLOB NOT NULL, "
                      "hq_sign_pk BLOB NOT NULL, hq_box_pk BLOB NOT NULL, "
                      "hq_box_key_id INTEGER NOT NULL, relay_url TEXT NOT NULL, "
                      "label TEXT NOT NULL, enrolled_ms INTEGER NOT NULL)");
}

Status addRelayPins(store::Database &db)
{
    return db.execute("ALTER TABLE app_device ADD COLUMN relay_pins TEXT NOT NULL DEFAULT ''");
}

Status addWipe(store::Database &db)
{
    if (auto s = db.execute("ALTER TABLE app_device ADD COLUMN wipe_id BLOB"); !s)
        return s;
    return db.execute("ALTER TABLE app_device ADD COLUMN hq_root_pk BLOB");
}

Status addWipeAck(store::Database &db)
{
    return db.execute("ALTER TABLE app_device ADD COLUMN wipe_ack_hash BLOB");
}

Status addCertSerial(store::Database &db)
{
    return db.execute(
        "ALTER TABLE app_device ADD COLUMN hq_cert_serial INTEGER NOT NULL DEFAULT 0");
}

template <typename Fixed> std::optional<Fixed> fixedColumn(const store::Statement &st, int col)
{
    return Fixed::fromBytes(st.columnBlob(col));
}

} // namespace

std::vector<store::Migration> deviceMigrations()
{
    std::vector<store::Migration> all = model::RecordStore::migrations();
    const std::vector<store::Migration> streams = streams::streamMigrations();
    all.insert(all.end(), streams.begin(), streams.end());
    all.push_back(createDeviceTable);
    all.push_back(addRelayPins);
    all.push_back(addWipe);
    all.push_back(addWipeAck);
    all.push_back(addCertSerial);
    all.push_back(createSettingsTables); // devicesettings.h: HQ's policy, the officer's choices
    all.push_back(streams::streamLaneMigration()); // priority lanes (streamschema.h)
    return all;
}

Result<std::optional<DeviceProfile>> loadDeviceProfile(store::Database &db)
{
    auto st = db.prepare("SELECT device_id, deployment_id, hq_sign_pk, hq_box_pk, hq_box_key_id, "
                         "relay_url, label, enrolled_ms, hq_id, relay_pins, wipe_id, hq_root_pk, "
                         "wipe_ack_hash, hq_cert_serial FROM app_device WHERE id = 1");
    if (!st)
        return std::unexpected(st.error());
    auto row = st->step();
    if (!row)
        return std::unexpected(row.error());
    if (!*row)
        return std::optional<DeviceProfile>();
    const auto device = fixedColumn<crypto::Id16>(*st, 0);
    const auto deployment = fixedColumn<crypto::Id16>(*st, 1);
    const auto sign = fixedColumn<crypto::SignPublicKey>(*st, 2);
    const auto box = fixedColumn<crypto::BoxPublicKey>(*st, 3);
    const auto hq = fixedColumn<crypto::Id16>(*st, 8);
    if (!device || !deployment || !sign || !box || !hq)
        return fail(Errc::Tampered, QStringLiteral("the device profile is damaged"));
    DeviceProfile p;
    p.deviceId = *device;
    p.deploymentId = *deployment;
    p.hqId = *hq;
    p.hqSignKey = *sign;
    p.hqBoxKey = *box;
    p.hqBoxKeyId = std::uint32_t(st->columnInt64(4));
    p.relayUrl = st->columnText(5);
    p.label = st->columnText(6);
    p.enrolledMs = st->columnInt64(7);
    p.relayPins = st->columnText(9).split(QLatin1Char(','), Qt::SkipEmptyParts);
    // Enrolment writes the root key; the wipe id follows with HQ's first RESYNC.
    if (!st->columnIsNull(10)) {
        p.wipeId = fixedColumn<crypto::Id16>(*st, 10);
        if (!p.wipeId)
            return fail(Errc::Tampered, QStringLiteral("the device profile is damaged"));
    }
    if (!st->columnIsNull(11)) {
        p.hqRootKey = fixedColumn<crypto::SignPublicKey>(*st, 11);
        if (!p.hqRootKey)
            return fail(Errc::Tampered, QStringLiteral("the device profile is damaged"));
    }
    p.hqCertSerial = std::uint64_t(st->columnInt64(13));
    if (!st->columnIsNull(12)) {
        p.wipeAckKeyHash = fixedColumn<crypto::Hash32>(*st, 12);
        if (!p.wipeAckKeyHash)
            return fail(Errc::Tampered, QStringLiteral("the device profile is damaged"));
    }
    return std::optional<DeviceProfile>(std::move(p));
}

Status saveDeviceProfile(store::Database &db, const DeviceProfile &p)
{
    auto st =
        db.prepare("INSERT OR REPLACE INTO app_device (id, device_id, deployment_id, "
                   "hq_sign_pk, hq_box_pk, hq_box_key_id, relay_url, label, enrolled_ms, hq_id, "
                   "relay_pins, wipe_id, hq_root_pk, wipe_ack_hash, hq_cert_serial) "
                   "VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
    if (!st)
        return std::unexpected(st.error());
    if (p.wipeId)
        st->bind(11, p.wipeId->view());
    else
        st->bindNull(11);
    if (p.hqRootKey)
        st->bind(12, p.hqRootKey->view());
    else
        st->bindNull(12);
    if (p.wipeAckKeyHash)
        st->bind(13, p.wipeAckKeyHash->view());
    else
        st->bindNull(13);
    st->bind(14, qint64(p.hqCertSerial));
    return st->bind(1, p.deviceId.view())
        .bind(2, p.deploymentId.view())
        .bind(3, p.hqSignKey.view())
        .bind(4, p.hqBoxKey.view())
        .bind(5, qint64(p.hqBoxKeyId))
        .bind(6, p.relayUrl.isNull() ? QStringLiteral("") : p.relayUrl)
        .bind(7, p.label.isNull() ? QStringLiteral("") : p.label)
        .bind(8, p.enrolledMs)
        .bind(9, p.hqId.view())
        .bind(10, p.relayPins.join(QLatin1Char(',')))
        .exec();
}

Status saveWipeId(store::Database &db, const crypto::Id16 &wipeId)
{
    auto st = db.prepare("UPDATE app_device SET wipe_id = ?1 WHERE id = 1");
    if (!st)
        return std::unexpected(st.error());
    return st->bind(1, wipeId.view()).exec();
}

Status saveRelayPins(store::Database &db, const QStringList &pins)
{
    auto st = db.prepare("UPDATE app_device SET relay_pins = ?1 WHERE id = 1");
    if (!st)
        return std::unexpected(st.error());
    return st->bind(1, pins.join(QLatin1Char(','))).exec();
}

Status saveHqCertificate(store::Database &db, const crypto::SignPublicKey &contentKey,
                         std::uint64_t serial)
{
    auto st = db.prepare("UPDATE app_device SET hq_sign_pk = ?1, hq_cert_serial = ?2 WHERE id = 1");
    if (!st)
        return std::unexpected(st.error());
    return st->bind(1, contentKey.view()).bind(2, qint64(serial)).exec();
}

DeviceSession::DeviceSession(store::Database &db, std::optional<DeviceProfile> profile,
                             const liaison::Clock &clock)
    : m_db(db)
    , m_profile(std::move(profile))
{
    if (m_profile)
        m_self = m_profile->deviceId;
    m_records =
        std::make_unique<model::RecordStore>(m_db, clock, m_self, model::ReplicaRole::Device);
}

DeviceSession::~DeviceSession() = default;

Status DeviceSession::reloadProfile()
{
    auto profile = loadDeviceProfile(m_db);
    if (!profile)
        return std::unexpected(profile.error());
    if (*profile && m_profile && (*profile)->deviceId != m_profile->deviceId)
        return fail(Errc::Tampered, QStringLiteral("the device profile changed its device id"));
    m_profile = std::move(*profile);
    return {};
}

Result<std::unique_ptr<DeviceSession>> DeviceSession::open(store::Database &db,
                                                           const liaison::Clock &clock)
{
    auto profile = loadDeviceProfile(db);
    if (!profile)
        return std::unexpected(profile.error());
    std::unique_ptr<DeviceSession> session(new DeviceSession(db, std::move(*profile), clock));
    if (auto s = session->m_records->open(); !s)
        return std::unexpected(s.error());
    return session;
}

} // namespace liaison::device
