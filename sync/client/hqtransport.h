#pragma once

// HQ's side of the relay transport (issue 4), used by `liaison-hq sync [--follow]`: the same
// resumable, idempotent round as a device (SyncEngine) with HQ's keys:
//   push   every device's `down` outbox envelopes (stored bytes, marked delivered once)
//   pull   HQ's mailbox: every device's `up` stream, applied through HQ's receiver (validator
//          and fan-out), acknowledged only as the receiver says
//   gaps   GET /v1/streams/{device}/{epoch} for a device stream with parked envelopes
// Envelope and mailbox requests are signed with key id "hq" (the content key of the current HQ
// certificate); admin calls with key id "admin" (the relay-admin key), and calls that change a
// device carry its version (the relay ignores older versions).

#include "backoff.h"
#include "relayhttp.h"
#include "streamport.h"
#include "syncengine.h"

#include <QJsonObject>
#include <QObject>
#include <QTimer>

#include <functional>
#include <memory>

class QNetworkAccessManager;

namespace liaison {
class Clock;
}

namespace liaison::streams {
class LocalIdentity;
class StreamOutbox;
class Receiver;
} // namespace liaison::streams

namespace liaison::client {

// A device's state at the relay (PUT /v1/devices/{id}).
enum class RelayDeviceState { Active, WipeOnly, Revoked };
[[nodiscard]] const char *relayDeviceStateName(RelayDeviceState state);

struct HqTransportOptions
{
    EngineOptions engine;
    BackoffPolicy retry{2'000, 60'000};
};

class HqTransport final : public QObject
{
    Q_OBJECT
public:
    using ReplyCallback = std::function<void(const RelayReply &)>;

    HqTransport(QNetworkAccessManager *nam, RelayEndpoint endpoint, streams::StreamOutbox &outbox,
                streams::Receiver &receiver, const streams::LocalIdentity &hq,
                const crypto::SignSecretKey &relayAdminKey, const liaison::Clock &clock,
                HqTransportOptions options = {}, QObject *parent = nullptr);
    HqTransport(QNetworkAccessManager *nam, RelayEndpoint endpoint, StreamPort &port,
                const streams::LocalIdentity &hq, const crypto::SignSecretKey &relayAdminKey,
                const liaison::Clock &clock, HqTransportOptions options = {},
                QObject *parent = nullptr);
    ~HqTransport() override;
    Q_DISABLE_COPY_MOVE(HqTransport)

    // One round (push, pull until empty, gap fill, push). roundFinished follows.
    void syncOnce();
    // Continuous (`liaison-hq sync --follow`): rounds, then long-polls the mailbox; on failure
    // retries with backoff. follow(false) stops after aborting what is in flight.
    void follow(bool on);
    [[nodiscard]] bool following() const { return m_following; }

    // ---- admin calls (key id "admin") ----
    void putDevice(const crypto::Id16 &device, const crypto::SignPublicKey &signKey,
                   RelayDeviceState state, std::int64_t version, ReplyCallback done);
    void deleteDevice(const crypto::Id16 &device, std::int64_t version, ReplyCallback done);
    void putWipeToken(const crypto::Id16 &wipeId, const QByteArray &token, ReplyCallback done);
    void getWipeDone(const crypto::Id16 &wipeId, ReplyCallback done);
    void putEnrolSlot(const crypto::Id16 &device, const crypto::Hash32 &tokenHash,
                      std::int64_t expiresMs, ReplyCallback done);
    void getEnrolSubmissions(const crypto::Id16 &device, ReplyCallback done);
    // Unauthenticated: the root-signed certificate proves itself.
    void putHqCertificate(const QByteArray &certificate, ReplyCallback done);

    [[nodiscard]] RelayHttp &http() { return *m_http; }
    [[nodiscard]] SyncEngine &engine() { return *m_engine; }

Q_SIGNALS:
    void roundFinished(bool ok, const QString &error);
    void envelopeDelivered(const liaison::crypto::Id16 &recipient, quint32 epoch, quint64 seq);
    void envelopeRefused(const liaison::crypto::Id16 &recipient, quint32 epoch, quint64 seq,
                         int httpStatus, const QByteArray &reason);

private:
    void init();
    void onRoundFinished(bool ok, const QString &error);
    void admin(const QByteArray &method, const QByteArray &path, const QByteArray &body,
               ReplyCallback done);

    std::unique_ptr<StreamPort> m_ownedPort;
    StreamPort &m_port;
    const streams::LocalIdentity &m_hq;
    const crypto::SignSecretKey &m_adminKey;
    const liaison::Clock &m_clock;
    HqTransportOptions m_options;
    std::unique_ptr<RelayHttp> m_http;
    std::unique_ptr<SyncEngine> m_engine;
    QTimer m_retry;
    Backoff m_backoff;
    bool m_following = false;
};

} // namespace liaison::client
