#pragma once

// The device's encrypted store as the app composes it: the schema of every layer in the order the
// layers require (records, then streams, then the app's own table), the device profile written at
// enrolment, and the DeviceSession that exists only while the vault is unlocked.
//
// The device profile (table app_device, one row) holds what enrolment fixed: this device's id,
// the deployment, HQ's public keys and the relay address. Until a device is enrolled there is no
// row; the app then shows "not enrolled" and nothing syncs.

#include "clock/clock.h"
#include "crypto/crypto.h"
#include "error.h"
#include "model/recordstore.h"
#include "store/database.h"

#include <QString>
#include <QStringList>

#include <memory>
#include <optional>
#include <vector>

namespace liaison::device {

// Records layer first, then the stream layer, then the app's table. Appended to, never reordered.
[[nodiscard]] std::vector<store::Migration> deviceMigrations();

struct DeviceProfile
{
    crypto::Id16 deviceId;
    crypto::Id16 deploymentId;
    crypto::Id16 hqId; // HQ's participant id in stream headers and the origin of its stamps
    crypto::SignPublicKey hqSignKey; // content-signing key of HQ's certificate
    crypto::BoxPublicKey hqBoxKey;
    std::uint32_t hqBoxKeyId = 0;
    QString relayUrl; // empty: no relay configured
    // SHA-256 SPKI pins of the relay's TLS key (base64 or hex, as liaison-relay prints them);
    // required for https, unused for plain http on loopback (the development flag).
    QStringList relayPins;
    QString label; // for people: "Liaison officer, Vienna"
    qint64 enrolledMs = 0;
    // Remote wipe (DESIGN.md "Commands, remote wipe"): the random wipe id HQ gives with the
    // first RESYNC after enrolment (empty until then), and HQ's root public key from the
    // enrolment code, which vouches for the certificate a wipe token carries. Both also go to the
    // plain wipe file (wipefile.h), once both are known. Empty for devices enrolled before.
    std::optional<crypto::Id16> wipeId;
    std::optional<crypto::SignPublicKey> hqRootKey;
    // BLAKE2b-256 of the wipe-ack public key (DESIGN.md "Keys"; the secret half is in the key
    // store, wipefile.h). Empty for devices enrolled before.
    std::optional<crypto::Hash32> wipeAckKeyHash;
    // The serial of the HQ certificate that named hqSignKey (0: the one enrolment used, serial
    // not recorded). A HEARTBEAT's certificate with a higher valid serial replaces both
    // (client::HqKeys, saveHqCertificate).
    std::uint64_t hqCertSerial = 0;
};

[[nodiscard]] Result<std::optional<DeviceProfile>> loadDeviceProfile(store::Database &db);
[[nodiscard]] Status saveDeviceProfile(store::Database &db, const DeviceProfile &profile);
// The wipe id of HQ's RESYNC (DESIGN.md "Enrolment" step 4).
[[nodiscard]] Status saveWipeId(store::Database &db, const crypto::Id16 &wipeId);
// The relay's TLS pins (hex) a POLICY rolled over to, in the caller's transaction.
[[nodiscard]] Status saveRelayPins(store::Database &db, const QStringList &pins);
// HQ's content key and certificate serial after a rotation (DESIGN.md "Keys").
[[nodiscard]] Status saveHqCertificate(store::Database &db, const crypto::SignPublicKey &contentKey,
                                       std::uint64_t serial);

// Everything that lives only while the vault is unlocked: the records over the vault's database.
// Built by AppController after an unlock, destroyed before the vault locks.
class DeviceSession
{
public:
    // `db` and `clock` must outlive the session.
    [[nodiscard]] static Result<std::unique_ptr<DeviceSession>> open(store::Database &db,
                                                                     const liaison::Clock &clock);
    ~DeviceSession();
    DeviceSession(const DeviceSession &) = delete;
    DeviceSession &operator=(const DeviceSession &) = delete;

    [[nodiscard]] model::RecordStore &records() { return *m_records; }
    [[nodiscard]] store::Database &database() { return m_db; }
    [[nodiscard]] const std::optional<DeviceProfile> &profile() const { return m_profile; }
    // Reads the profile again (after a RESYNC saved the wipe id, or a rotation the serial).
    [[nodiscard]] Status reloadProfile();
    // The id stamped into local edits: the enrolled device id (all zeros before enrolment).
    [[nodiscard]] const crypto::Id16 &self() const { return m_self; }

private:
    DeviceSession(store::Database &db, std::optional<DeviceProfile> profile,
                  const liaison::Clock &clock);

    store::Database &m_db;
    std::optional<DeviceProfile> m_profile;
    crypto::Id16 m_self;
    std::unique_ptr<model::RecordStore> m_records;
};

} // namespace liaison::device
