#pragma once

// The device's side of DESIGN.md "Enrolment" (steps 2 and 4), headless: what the app's enrolment
// screens will drive, and what liaison-device runs today.
//
//  1. parse the code (protocol/enrolment.h): a mistyped code is "damaged", an old one "expired";
//     nothing is written before the code parses and is fresh
//  2. GET /v1/hq-cert from the relay the code names (its TLS pins, or plain http on loopback) and
//     verify it under the code's root key
//  3. create the vault (device sign + box identity inside) and the wipe-ack key pair (secret half
//     in the key store beside the pepper), build T and the sealed submission, and save the
//     device profile: device id, deployment, HQ's keys and certificate serial, relay URL and
//     pins, root key (the wipe id comes later, with HQ's RESYNC)
//  4. POST /v1/enrol/{device} with the relay token (Liaison-Enrol-Token), then erase S, the relay
//     token and the MAC key; the safety number goes to the officer (submitted())
//  5. wait for HQ: run the device sync engine until the first verified `down` envelope (the
//     RESYNC the desk sends on `device confirm`) is applied whole; then the wipe file is written
//
// When it stops short: a refused submission (no slot: HQ cancelled or the code was used; expired;
// too many submissions) erases what step 3 made, so no vault is left behind. While waiting, the
// relay refusing the device as revoked means HQ cancelled it; the code's expiry passing means HQ
// will not confirm any more (a pending device's code is its lifetime); the caller's timeout ends
// the wait but keeps the vault (a later sync may still see the confirmation).

#include "client/syncclient.h"
#include "clock/clock.h"
#include "crypto/crypto.h"
#include "device/devicestore.h"
#include "device/devicestreams.h"
#include "device/devicesync.h"
#include "protocol/enrolment.h"
#include "vault/keystore.h"
#include "vault/vault.h"

#include <QObject>
#include <QTimer>

#include <memory>
#include <optional>

class QNetworkAccessManager;

namespace liaison::client {
class RelayHttp;
}

namespace liaison::device {

enum class EnrolOutcome : std::uint8_t {
    Confirmed,   // HQ confirmed: its RESYNC is applied, the device holds its scopes' records
    DamagedCode, // the code does not parse (mistyped, truncated, not a Liaison code)
    Expired,     // the code expired (before the start, at the relay, or while waiting for HQ)
    Cancelled,   // the relay refuses for good: HQ cancelled, the code was used, too many tries
    Unreachable, // no answer from the relay
    TimedOut,    // the caller's time limit passed while waiting for HQ (the vault is kept)
    Failed,      // anything else (certificate does not verify, weak passphrase, a vault exists)
};

[[nodiscard]] const char *enrolOutcomeName(EnrolOutcome outcome); // "confirmed", "cancelled" ...

struct EnrolOptions
{
    QString label;                      // for people: "Liaison officer, Vienna"
    vault::VaultOptions vault;          // KDF and erase-after; migrations are set here
    std::int64_t timeoutMs = 0;         // waiting for HQ; 0: until the code expires
    int requestTimeoutMs = 20'000;      // one HTTP call (certificate, submission)
    std::int64_t pollInitialMs = 1'000; // waiting for HQ: first retry after a refused pull
    std::int64_t pollMaxMs = 5'000;     // ... growing to at most this
};

class EnrolClient final : public QObject
{
    Q_OBJECT
public:
    // `nam`, `keyStore` and the clocks must outlive this object.
    EnrolClient(QNetworkAccessManager *nam, vault::KeyStore &keyStore, liaison::Clock &vaultClock,
                const liaison::Clock &clock, QObject *parent = nullptr);
    ~EnrolClient() override;
    Q_DISABLE_COPY_MOVE(EnrolClient)

    // Starts; finished() comes exactly once, always from the event loop (never inside start()).
    // `codeText` is secret (it holds S) and is consumed, as is the passphrase.
    void start(crypto::SecretBytes codeText, const QString &vaultDir,
               crypto::SecretBytes passphrase, EnrolOptions options);

    // After submitted(): the profile written at step 3 and the open vault (for the caller's
    // report: records, scopes). nullptr before.
    [[nodiscard]] DeviceSession *session() { return m_session.get(); }
    [[nodiscard]] vault::Vault *vault() { return m_vault.get(); }
    [[nodiscard]] std::optional<protocol::SafetyNumber> safetyNumber() const { return m_number; }
    // The code's device id (all zeros before the code parsed).
    [[nodiscard]] const crypto::Id16 &deviceId() const { return m_device; }

    // After finished(Confirmed): the unlocked vault, for the app to keep open (its session and
    // sync engine here are closed first). nullptr before, or when taken already.
    [[nodiscard]] std::unique_ptr<vault::Vault> takeVault();
    // After a refusal while waiting for HQ (Cancelled, Expired): undo step 3 as a refused
    // submission does (vault crypto-erased, its directory and the wipe-ack key removed).
    void discard() { discardVault(); }

Q_SIGNALS:
    // A step began ("fetching HQ's certificate", "creating the vault" ...), for progress output.
    void progress(const QString &step);
    // The submission is at the relay: the officer reads this number to the desk.
    void submitted(const liaison::protocol::SafetyNumber &number);
    void finished(liaison::device::EnrolOutcome outcome, const QString &reason);

private:
    void fetchCertificate();
    void createAndSubmit(const protocol::HqCertificate &certificate);
    void onSubmitted(int status, const QByteArray &errorCode, const QString &describe);
    void waitForHq();
    void checkWaiting();
    void onRound(bool ok, const QString &error);
    void finish(EnrolOutcome outcome, const QString &reason);
    // Undo step 3: the vault (crypto-erased), its directory and the wipe-ack key.
    void discardVault();

    QNetworkAccessManager *m_nam;
    vault::KeyStore &m_keyStore;
    liaison::Clock &m_vaultClock;
    const liaison::Clock &m_clock;
    QString m_vaultDir;
    crypto::SecretBytes m_passphrase;
    EnrolOptions m_options;
    std::optional<protocol::EnrolmentCode> m_code; // erased after the submission
    crypto::Id16 m_device;
    std::int64_t m_expiresMs = 0;
    std::int64_t m_deadlineMs = 0; // boot clock; 0: none
    client::RelayEndpoint m_endpoint;
    std::unique_ptr<client::RelayHttp> m_http;
    std::unique_ptr<vault::Vault> m_vault;
    std::unique_ptr<DeviceSession> m_session;
    std::unique_ptr<DeviceStreams> m_streams;
    std::unique_ptr<DeviceSync> m_sync;
    std::optional<protocol::SafetyNumber> m_number;
    QTimer m_tick;
    bool m_createdVault = false;
    bool m_finished = false;
};

} // namespace liaison::device
