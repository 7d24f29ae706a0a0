#pragma once

// The device sync engine (DESIGN.md "Device sync engine"): a client::SyncClient over the enrolled
// device's stream outbox and receiver (DeviceStreams), talking to the relay named in the device
// profile. The app's AppController builds one after the vault unlocks (enrolled devices with a
// relay address only) and destroys it before the vault locks; liaison-device runs one for a round.
//
//  - endpoint: the profile's relay URL and deployment; https needs at least one SPKI pin from the
//    profile, plain http is accepted only for a loopback host (the relay's development flag)
//  - connectivity: given by the caller (the app passes the platform's, none for a loopback relay,
//    where the OS's reachability says nothing); nullptr: none, the engine just tries
//  - pending count: local changes not yet sealed plus envelopes the relay has not acknowledged
//  - prepare: every round first seals the records' change log into DELTAs for HQ
//  - roundFinished / statusChanged: the status facade and the models re-read

#include "client/connectivity.h"
#include "client/syncclient.h"
#include "device/devicestore.h"
#include "device/devicestreams.h"

#include <QNetworkAccessManager>
#include <QObject>

#include <memory>
#include <optional>

namespace liaison::device {

// The relay endpoint a device profile names. NotFound without a relay URL; Refused (with the
// reason) for plain http to a host that is not loopback, or https without a usable pin.
[[nodiscard]] Result<client::RelayEndpoint> relayEndpointFor(const DeviceProfile &profile);

// A device that missed HQ's key rotation asks the relay for HQ's certificate at most this often.
inline constexpr qint64 kCertificateFetchIntervalMs = 10 * 60 * 1000;

class DeviceSync final : public QObject
{
    Q_OBJECT
public:
    // `session`, `streams` and `connectivity` (nullptr: none) must outlive this object.
    DeviceSync(DeviceSession &session, DeviceStreams &streams, client::RelayEndpoint endpoint,
               client::Connectivity *connectivity, client::SyncClientOptions options,
               QObject *parent = nullptr);
    ~DeviceSync() override;
    Q_DISABLE_COPY_MOVE(DeviceSync)

    void start();   // after unlock
    void stop();    // before lock: aborts what is in flight
    void syncNow(); // a local change was queued, or "Sync now"

    [[nodiscard]] client::SyncClient &client() { return *m_client; }
    [[nodiscard]] client::SyncStatus &status() { return *m_client->status(); }
    [[nodiscard]] const client::RelayEndpoint &endpoint() const { return m_endpoint; }
    [[nodiscard]] QString connectivitySource() const;
    [[nodiscard]] DeviceStreams &streams() { return m_streams; }
    // Rounds finished since start (ok or not).
    [[nodiscard]] int roundsFinished() const { return m_rounds; }
    [[nodiscard]] int roundsSucceeded() const { return m_roundsOk; }

Q_SIGNALS:
    void roundFinished(bool ok, const QString &error);
    void statusChanged();

private:
    // HQ's envelopes did not verify in the last round: GET /v1/hq-cert (at most once per
    // kCertificateFetchIntervalMs of boot time) and adopt a valid higher serial, then sync again.
    void fetchHqCertificate();
    // A POLICY rolled the relay pins over (saved in the profile, re-read): later calls pin them.
    void adoptRelayPins();

    DeviceSession &m_session;
    DeviceStreams &m_streams;
    client::RelayEndpoint m_endpoint;
    QNetworkAccessManager m_nam;
    client::Connectivity *m_connectivity = nullptr;
    std::unique_ptr<client::SyncClient> m_client;
    int m_rounds = 0;
    int m_roundsOk = 0;
    std::optional<qint64> m_certFetchedBootMs; // the last GET /v1/hq-cert (boot clock)
    bool m_certFetching = false;
};

} // namespace liaison::device
