#include "hqtransport.h"

#include "protocol/requestsig.h"
#include "clock/clock.h"
#include "streams/peers.h"

#include <QJsonDocument>

namespace liaison::client {

const char *relayDeviceStateName(RelayDeviceState state)
{
    switch (state) {
    case RelayDeviceState::Active:
        return "active";
    case RelayDeviceState::WipeOnly:
        return "wipe-only";
    case RelayDeviceState::Revoked:
        return "revoked";
    }
    return "revoked";
}

HqTransport::HqTransport(QNetworkAccessManager *nam, RelayEndpoint endpoint,
                         streams::StreamOutbox &outbox, streams::Receiver &receiver,
                         const streams::LocalIdentity &hq,
                         const crypto::SignSecretKey &relayAdminKey,
                         const liaison::Clock &clock, HqTransportOptions options,
                         QObject *parent)
    : QObject(parent)
    , m_ownedPort(std::make_unique<ReceiverStreamPort>(outbox, receiver, streams::Role::Hq))
    , m_port(*m_ownedPort)
    , m_hq(hq)
    , m_adminKey(relayAdminKey)
    , m_clock(clock)
    , m_options(options)
    , m_backoff(options.retry)
{
    m_http =
        std::make_unique<RelayHttp>(nam, std::move(endpoint), [&clock] { return clock.wallMs(); });
    init();
}

HqTransport::HqTransport(QNetworkAccessManager *nam, RelayEndpoint endpoint, StreamPort &port,
                         const streams::LocalIdentity &hq,
                         const crypto::SignSecretKey &relayAdminKey,
                         const liaison::Clock &clock, HqTransportOptions options,
                         QObject *parent)
    : QObject(parent)
    , m_port(port)
    , m_hq(hq)
    , m_adminKey(relayAdminKey)
    , m_clock(clock)
    , m_options(options)
    , m_backoff(options.retry)
{
    m_http =
        std::make_unique<RelayHttp>(nam, std::move(endpoint), [&clock] { return clock.wallMs(); });
    init();
}

HqTransport::~HqTransport()
{
    m_retry.stop();
    if (m_engine)
        m_engine->cancel();
    m_engine.reset();
    m_http.reset();
}

void HqTransport::init()
{
    m_engine = std::make_unique<SyncEngine>(
        *m_http, m_port,
        [this]() -> std::optional<RequestSigner> {
            return RequestSigner{QByteArray(protocol::kHqKeyId.data(), protocol::kHqKeyId.size()),
                                 &m_hq.signingKey()};
        },
        m_options.engine);
    connect(m_engine.get(), &SyncEngine::envelopeDelivered, this, &HqTransport::envelopeDelivered);
    connect(m_engine.get(), &SyncEngine::envelopeRefused, this, &HqTransport::envelopeRefused);
    connect(m_engine.get(), &SyncEngine::roundFinished, this, &HqTransport::onRoundFinished);
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, [this] {
        if (m_following)
            m_engine->runRound();
    });
}

void HqTransport::syncOnce()
{
    m_engine->runRound();
}

void HqTransport::follow(bool on)
{
    m_following = on;
    if (!on) {
        m_retry.stop();
        m_engine->cancel();
        return;
    }
    m_backoff.reset();
    m_engine->runRound();
}

void HqTransport::onRoundFinished(bool ok, const QString &error)
{
    Q_EMIT roundFinished(ok, error);
    if (!m_following || m_engine->busy())
        return;
    if (!ok) {
        m_retry.start(int(m_backoff.nextDelayMs()));
        return;
    }
    m_backoff.reset();
    // Something new may have been queued while the round ran (fan-out of what it pulled is
    // pushed in the same round); mail that arrived goes on as a round.
    m_engine->runLongPoll();
}

void HqTransport::admin(const QByteArray &method, const QByteArray &path, const QByteArray &body,
                        ReplyCallback done)
{
    m_http->call(
        method, path, body,
        RequestSigner{QByteArray(protocol::kAdminKeyId.data(), protocol::kAdminKeyId.size()),
                      &m_adminKey},
        m_options.engine.requestTimeoutMs, std::move(done),
        body.isEmpty() ? QByteArray("application/octet-stream") : QByteArray("application/json"));
}

namespace {
QByteArray compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}
} // namespace

void HqTransport::putDevice(const crypto::Id16 &device, const crypto::SignPublicKey &signKey,
                            RelayDeviceState state, std::int64_t version, ReplyCallback done)
{
    const QJsonObject o{
        {QStringLiteral("version"), qint64(version)},
        {QStringLiteral("sign_pk"), QString::fromLatin1(signKey.toHex())},
        {QStringLiteral("state"), QString::fromLatin1(relayDeviceStateName(state))}};
    admin("PUT", "/v1/devices/" + device.toHex(), compact(o), std::move(done));
}

void HqTransport::deleteDevice(const crypto::Id16 &device, std::int64_t version, ReplyCallback done)
{
    admin("DELETE",
          "/v1/devices/" + device.toHex() + "?version=" + QByteArray::number(qint64(version)), {},
          std::move(done));
}

void HqTransport::putWipeToken(const crypto::Id16 &wipeId, const QByteArray &token,
                               ReplyCallback done)
{
    const QJsonObject o{{QStringLiteral("token"), QString::fromLatin1(token.toBase64())}};
    admin("PUT", "/v1/wipe/" + wipeId.toHex(), compact(o), std::move(done));
}

void HqTransport::getWipeDone(const crypto::Id16 &wipeId, ReplyCallback done)
{
    admin("GET", "/v1/wipe/" + wipeId.toHex() + "/done", {}, std::move(done));
}

void HqTransport::putEnrolSlot(const crypto::Id16 &device, const crypto::Hash32 &tokenHash,
                               std::int64_t expiresMs, ReplyCallback done)
{
    const QJsonObject o{{QStringLiteral("token_hash"), QString::fromLatin1(tokenHash.toHex())},
                        {QStringLiteral("expires_ms"), qint64(expiresMs)}};
    admin("PUT", "/v1/enrol/" + device.toHex(), compact(o), std::move(done));
}

void HqTransport::getEnrolSubmissions(const crypto::Id16 &device, ReplyCallback done)
{
    admin("GET", "/v1/enrol/" + device.toHex(), {}, std::move(done));
}

void HqTransport::putHqCertificate(const QByteArray &certificate, ReplyCallback done)
{
    m_http->call("PUT", "/v1/hq-cert", certificate, std::nullopt, m_options.engine.requestTimeoutMs,
                 std::move(done));
}

} // namespace liaison::client
