#include "device/devicesync.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcDeviceSync, "liaison.device.sync")

namespace liaison::device {

Result<client::RelayEndpoint> relayEndpointFor(const DeviceProfile &profile)
{
    if (profile.relayUrl.trimmed().isEmpty())
        return fail(Errc::NotFound, QStringLiteral("no relay address in the device profile"));
    client::RelayEndpoint e;
    e.baseUrl = QUrl(profile.relayUrl.trimmed(), QUrl::StrictMode);
    e.deployment = profile.deploymentId;
    for (const QString &text : profile.relayPins) {
        auto pin = client::parseSpkiPin(text.toLatin1());
        if (!pin)
            return fail(Errc::InvalidArgument,
                        QStringLiteral("a relay TLS pin in the device profile does not parse"));
        e.pins.append(*pin);
    }
    // Plain http only to loopback (development): validateEndpoint refuses it for any other
    // host ("plain http is allowed on loopback only").
    e.allowPlainHttpOnLoopback =
        e.baseUrl.scheme().compare(QLatin1String("http"), Qt::CaseInsensitive) == 0;
    if (auto s = client::validateEndpoint(e); !s)
        return std::unexpected(s.error());
    return e;
}

DeviceSync::DeviceSync(DeviceSession &session, DeviceStreams &streams,
                       client::RelayEndpoint endpoint, client::Connectivity *connectivity,
                       client::SyncClientOptions options, QObject *parent)
    : QObject(parent)
    , m_session(session)
    , m_streams(streams)
    , m_endpoint(std::move(endpoint))
    , m_connectivity(connectivity)
{
    // A POLICY's relay pins are taken only over https, where every reply came through a pinned
    // key; never in the loopback plain-http development mode.
    m_streams.setRelayPinsAccepted(
        m_endpoint.baseUrl.scheme().compare(QLatin1String("https"), Qt::CaseInsensitive) == 0 &&
        !m_endpoint.pins.isEmpty());
    m_client = std::make_unique<client::SyncClient>(&m_nam, m_endpoint, m_streams.outbox(),
                                                    m_streams.receiver(), m_streams.identity(),
                                                    m_streams.clock(), m_connectivity, options);
    m_client->setLocalChangeCount([this]() -> Result<qsizetype> {
        auto n = m_session.records().outboxCount();
        if (!n)
            return std::unexpected(n.error());
        return qsizetype(*n);
    });
    m_client->engine().setPrepare([this]() -> Status {
        auto n = m_streams.applier().pushLocalEdits(m_streams.outbox(), m_streams.hqId());
        if (!n)
            return std::unexpected(n.error());
        if (*n > 0)
            qCInfo(lcDeviceSync) << "sealed" << *n << "local operations for HQ";
        return {};
    });
    connect(m_client.get(), &client::SyncClient::roundFinished, this,
            [this](bool ok, const QString &error) {
                // HQ's RESYNC brought the wipe id, or a POLICY new relay pins: the owner
                // writes the wipe file from the profile when this signal arrives.
                const bool wipeId = m_streams.takeWipeIdArrived();
                const bool pins = m_streams.takeRelayPinsArrived();
                if (wipeId || pins) {
                    if (auto s = m_session.reloadProfile(); !s)
                        qCWarning(lcDeviceSync).noquote()
                            << "device profile not re-read:" << s.error().message;
                }
                if (pins)
                    adoptRelayPins();
                ++m_rounds;
                if (ok)
                    ++m_roundsOk;
                if (m_client->engine().stats().badSignatures > 0)
                    fetchHqCertificate();
                if (ok)
                    qCInfo(lcDeviceSync) << "round finished";
                else
                    qCWarning(lcDeviceSync).noquote() << "round failed:" << error;
                Q_EMIT roundFinished(ok, error);
            });
    connect(m_client->status(), &client::SyncStatus::changed, this, &DeviceSync::statusChanged);
}

DeviceSync::~DeviceSync()
{
    if (m_client)
        m_client->stop();
}

void DeviceSync::fetchHqCertificate()
{
    const qint64 now = m_streams.clock().bootMs();
    if (m_certFetching ||
        (m_certFetchedBootMs && now - *m_certFetchedBootMs < kCertificateFetchIntervalMs))
        return;
    m_certFetching = true;
    m_certFetchedBootMs = now;
    qCInfo(lcDeviceSync) << "HQ's envelopes do not verify: fetching HQ's certificate";
    m_client->http().call(
        "GET", "/v1/hq-cert", {}, std::nullopt, m_client->engine().options().requestTimeoutMs,
        [this](const client::RelayReply &r) {
            m_certFetching = false;
            if (!r.ok()) {
                qCWarning(lcDeviceSync).noquote()
                    << "HQ's certificate not fetched:" << r.describe();
                return;
            }
            auto adopted = m_streams.offerCertificate(r.body);
            if (!adopted) {
                qCWarning(lcDeviceSync).noquote()
                    << "HQ's certificate from the relay not adopted:" << adopted.error().message;
                return;
            }
            if (!*adopted) {
                qCInfo(lcDeviceSync) << "the relay's HQ certificate is not newer";
                return;
            }
            qCInfo(lcDeviceSync) << "HQ certificate adopted from the relay: serial"
                                 << m_streams.hqKeys().serial();
            // What was dropped unacknowledged comes again and now verifies.
            m_client->engine().rewindMailbox();
            m_client->syncNow();
        });
}

void DeviceSync::adoptRelayPins()
{
    if (!m_session.profile())
        return;
    auto e = relayEndpointFor(*m_session.profile());
    if (!e) {
        qCWarning(lcDeviceSync).noquote() << "relay pins not adopted:" << e.error().message;
        return;
    }
    m_endpoint = *e;
    m_client->http().setPins(m_endpoint.pins);
    qCInfo(lcDeviceSync) << "the relay connection now pins" << m_endpoint.pins.size() << "key(s)";
}

void DeviceSync::start()
{
    qCInfo(lcDeviceSync).noquote() << "sync starts; connectivity:" << connectivitySource();
    m_client->start();
}

void DeviceSync::stop()
{
    m_client->stop();
}

void DeviceSync::syncNow()
{
    m_client->syncNow();
}

QString DeviceSync::connectivitySource() const
{
    return m_connectivity ? m_connectivity->backendName() : QStringLiteral("loopback relay");
}

} // namespace liaison::device
