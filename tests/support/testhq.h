#pragma once

// DESIGN.md "Keys", "Enrolment", "Commands, remote wipe": an in-process HQ for the app's sync
// tests (tests/qml/tst_app_sync.cpp). Not the desk's program: the desk is liaison-hq (sync/desk,
// sync/hq/cli), and scripts/demo runs it. This harness keeps what those tests need and the desk
// deliberately does not do: the root secret in the same store, enrolment by registering the
// device's keys directly, a content-key rotation on demand. HQ's encrypted store (a vault whose
// identity is HQ's content-signing and box key), the records, the device registry, the stream
// outbox and receiver, and HQ's relay transport (client::HqTransport).
//
// Keys (DESIGN.md "Keys"), shortened for tests that run on one machine:
//   - root key: made at create; the public half goes to the relay (--root-key), the secret half
//     stays in HQ's encrypted store (table test_hq) so HQ can issue its next certificate. In a
//     real deployment it lives offline; it is never printed or written in the clear.
//   - content-signing key: the vault identity's Ed25519 key; signs envelopes and HQ's requests.
//   - relay-admin key: made at create, kept in the same encrypted table; signs admin calls only.
//   - the HQ certificate: root-signed, naming both online keys; installed at the relay with
//     PUT /v1/hq-cert (serial 1, 2 ... one more with every issue).
// In envelope headers HQ is the all-zero participant id; its record stamps carry an origin id of
// their own, fixed at create.

#include "device/devicestore.h"
#include "device/devicestreams.h"

#include "client/hqtransport.h"
#include "client/wipetoken.h"
#include "hq/deviceregistry.h"
#include "hq/hqapplier.h"
#include "hq/hqfanout.h"
#include "model/recordstore.h"
#include "streams/receiver.h"
#include "streams/streamoutbox.h"
#include "vault/vault.h"

#include <QNetworkAccessManager>
#include <QStringList>

#include <memory>

namespace liaison::test {

using device::DeviceProfile;

class TestHq
{
public:
    // A new HQ store in `dir` (vault/ inside it) with fresh root, relay-admin and content keys
    // and a fresh deployment id. `keyStore`, `vaultClock` and `clock` must outlive the object.
    [[nodiscard]] static Result<std::unique_ptr<TestHq>>
    create(const QString &dir, const crypto::SecretBytes &passphrase, vault::KeyStore &keyStore,
           liaison::Clock &vaultClock, const liaison::Clock &clock,
           vault::VaultOptions options = {});
    // The HQ store `create` made, unlocked with the passphrase.
    [[nodiscard]] static Result<std::unique_ptr<TestHq>>
    open(const QString &dir, const crypto::SecretBytes &passphrase, vault::KeyStore &keyStore,
         liaison::Clock &vaultClock, const liaison::Clock &clock, vault::VaultOptions options = {});
    ~TestHq();
    TestHq(const TestHq &) = delete;
    TestHq &operator=(const TestHq &) = delete;

    [[nodiscard]] const crypto::Id16 &deploymentId() const { return m_deployment; }
    [[nodiscard]] const crypto::SignPublicKey &rootPublicKey() const { return m_root.publicKey; }
    [[nodiscard]] const vault::Identity &identity() const { return *m_vault->identity(); }
    [[nodiscard]] model::RecordStore &records() { return *m_records; }
    [[nodiscard]] hq::DeviceRegistry &registry() { return *m_registry; }
    [[nodiscard]] hq::HqFanout &fanout() { return *m_fanout; }
    [[nodiscard]] streams::StreamOutbox &outbox() { return *m_outbox; }
    [[nodiscard]] streams::Receiver &receiver() { return *m_receiver; }

    // A root-signed certificate (serial one above the last issued, valid from an hour ago for
    // 30 days) naming the content-signing and relay-admin keys; the serial is remembered.
    [[nodiscard]] Result<QByteArray> issueCertificate();
    // The content-signing key now (the vault identity's until the first rotation).
    [[nodiscard]] const crypto::SignKeyPair &contentKey() const;
    // DESIGN.md "Keys": a new content-signing key under a new certificate (serial + 1). Every
    // active device gets a HEARTBEAT carrying it, still signed with the old key and pushed to
    // the relay while the relay holds the old certificate; then HQ signs with the new key and
    // installs the new certificate at the relay. Needs connectRelay. announce false: no such
    // HEARTBEAT (the devices miss the rotation, as when the relay lost it).
    [[nodiscard]] Status rotateContentKey(int timeoutMs = 30000, bool announce = true);

    // Enrolment, shortened: HQ registers the device's public keys (active) and its scopes, and
    // returns the profile the device keeps (HQ's keys, deployment, relay address and pins).
    [[nodiscard]] Result<DeviceProfile>
    registerDevice(const crypto::Id16 &deviceId, const vault::Identity &deviceKeys,
                   const QString &label, const QStringList &scopes, const QString &relayUrl,
                   const QStringList &relayPins = {},
                   const std::optional<crypto::SignPublicKey> &wipeAckKey = std::nullopt);

    // HQ's edits since the last call, fanned out as DELTAs into the outbox. Returns the number
    // of stream messages enqueued.
    [[nodiscard]] Result<int> publishEdits();

    // ---- the relay (blocking calls: they run the event loop until the answer or the timeout)
    [[nodiscard]] Status connectRelay(const client::RelayEndpoint &endpoint,
                                      client::HqTransportOptions options = {});
    [[nodiscard]] Status installCertificate(const QByteArray &certificate, int timeoutMs = 15000);
    [[nodiscard]] Status putDevice(const crypto::Id16 &deviceId,
                                   const crypto::SignPublicKey &signKey, std::int64_t version,
                                   int timeoutMs = 15000);
    // One round: push every device's pending `down` envelopes, pull HQ's mailbox (`up`).
    struct Round
    {
        int delivered = 0; // envelopes the relay acknowledged
        int refused = 0;
    };
    [[nodiscard]] Result<Round> syncOnce(int timeoutMs = 30000);
    [[nodiscard]] client::HqTransport *transport() { return m_transport.get(); }

    // ---- remote wipe (DESIGN.md "Commands, remote wipe"): registerDevice gave the device a
    // random wipe id, kept here (table test_wipe) with the device's sign key hash.
    [[nodiscard]] Result<client::WipeTarget> wipeTarget(const crypto::Id16 &deviceId);
    // Signs a wipe token for the device (content key, with a root-signed certificate at the
    // current serial) and publishes it at the relay (PUT /v1/wipe/{wipe id}). Returns the
    // command id.
    // `commandId`: the id of a WIPE already sent on `down` (sendWipe), so one acknowledgement
    // answers both; by default a fresh one.
    [[nodiscard]] Result<crypto::Id16>
    publishWipe(const crypto::Id16 &deviceId, int timeoutMs = 15000,
                const std::optional<crypto::Id16> &commandId = std::nullopt);
    // The online path: a WIPE COMMAND for the device into its `down` stream (the next round
    // pushes it), valid for as long as a token. Returns the command id (fresh by default).
    [[nodiscard]] Result<crypto::Id16>
    sendWipe(const crypto::Id16 &deviceId,
             const std::optional<crypto::Id16> &commandId = std::nullopt);
    // The device's acknowledgement (GET /v1/wipe/{wipe id}/done); empty while there is none.
    // Only a signed one (LWA2) for the command HQ published, by the device's sign key or its
    // wipe-ack key, counts; anything else is an error (AuthFailed / Refused), never "wiped".
    [[nodiscard]] Result<std::optional<QByteArray>>
    wipeAcknowledgement(const crypto::Id16 &deviceId, int timeoutMs = 15000);

private:
    TestHq() = default;
    [[nodiscard]] Status openLayers(const liaison::Clock &clock);
    [[nodiscard]] Status loadKeys();
    [[nodiscard]] Status
    adminCall(const std::function<void(client::HqTransport::ReplyCallback)> &call,
              const QString &what, int timeoutMs);
    // Any answer (the caller judges the status); Io when none came.
    [[nodiscard]] Result<client::RelayReply>
    adminReply(const std::function<void(client::HqTransport::ReplyCallback)> &call,
               const QString &what, int timeoutMs);
    [[nodiscard]] protocol::HqCertificate certificate(std::uint64_t serial) const;

    class Identity;
    std::unique_ptr<vault::Vault> m_vault;
    crypto::Id16 m_deployment;
    crypto::Id16 m_origin;
    crypto::SignKeyPair m_root;
    crypto::SignKeyPair m_admin;
    std::unique_ptr<crypto::SignKeyPair> m_content; // after a rotation
    std::uint64_t m_serial = 0;
    const liaison::Clock *m_streamClock = nullptr;
    std::unique_ptr<model::RecordStore> m_records;
    std::unique_ptr<hq::DeviceRegistry> m_registry;
    std::unique_ptr<hq::HqFanout> m_fanout;
    std::unique_ptr<hq::HqApplier> m_applier;
    std::unique_ptr<Identity> m_identity;
    std::unique_ptr<streams::StreamOutbox> m_outbox;
    std::unique_ptr<streams::Receiver> m_receiver;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    std::unique_ptr<client::HqTransport> m_transport;
};

// Creates a device vault in `dir` (vault/ and keystore/ inside it are the caller's: `keyStore`
// lives there), registers the device at `hq` in `scopes` and writes the profile HQ returns.
// Returns the profile (the device id is fresh). Writes the plain wipe file (wipefile.h) into
// `vaultDir`. The vault is locked again afterwards.
[[nodiscard]] Result<DeviceProfile>
createEnrolledDevice(TestHq &hq, const QString &vaultDir, const crypto::SecretBytes &passphrase,
                     vault::KeyStore &keyStore, liaison::Clock &vaultClock, const QString &label,
                     const QStringList &scopes, const QString &relayUrl,
                     const QStringList &relayPins = {}, vault::VaultOptions options = {});

} // namespace liaison::test
