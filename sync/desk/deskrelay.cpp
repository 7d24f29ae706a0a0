#include "desk/deskrelay.h"

#include "desk/deskpolicy.h"
#include "desk/enrolment.h"
#include "protocol/hqcert.h"

#include <QEventLoop>
#include <QLoggingCategory>
#include <QTimer>

Q_LOGGING_CATEGORY(lcDeskRelay, "liaison.desk.relay")

namespace liaison::desk {

class DeskRelay::Identity final : public streams::LocalIdentity
{
public:
    Identity(const crypto::Id16 &deployment, const vault::Identity &keys)
        : m_deployment(deployment)
        , m_keys(keys)
    {}
    [[nodiscard]] streams::Role role() const override { return streams::Role::Hq; }
    [[nodiscard]] crypto::Id16 deploymentId() const override { return m_deployment; }
    [[nodiscard]] crypto::Id16 localId() const override { return protocol::hqParticipantId(); }
    [[nodiscard]] const crypto::SignSecretKey &signingKey() const override
    {
        return m_keys.sign.secretKey;
    }
    [[nodiscard]] const crypto::BoxKeyPair *boxKey(std::uint32_t keyId) const override
    {
        return keyId == kHqBoxKeyId ? &m_keys.box : nullptr;
    }

private:
    crypto::Id16 m_deployment;
    const vault::Identity &m_keys;
};

// HQ's RESYNC content (records and scopes from the applier) plus the wipe id the device got when
// `device confirm` registered it (DESIGN.md "Enrolment" step 4).
class DeskRelay::Resync final : public streams::ResyncSource
{
public:
    Resync(hq::HqApplier &applier, DeskStore &desk)
        : m_applier(applier)
        , m_desk(desk)
    {}
    [[nodiscard]] Result<streams::ResyncContent> resyncContent(store::Database &db,
                                                               const crypto::Id16 &device) override
    {
        auto content = m_applier.resyncContent(db, device);
        if (!content)
            return content;
        auto wipeId = enrolledWipeId(db, device);
        if (!wipeId)
            return std::unexpected(wipeId.error());
        if (*wipeId)
            content->wipeId = **wipeId;
        // The policy the desk last sent (with the relay pins): a re-synced device has it too.
        auto policy = DeskPolicy(m_desk).current();
        if (!policy)
            return std::unexpected(policy.error());
        content->policy = *policy;
        return content;
    }
    [[nodiscard]] Result<std::optional<QCborMap>> refreshReject(const crypto::Id16 &device,
                                                                const QCborMap &reject) override
    {
        return m_applier.refreshReject(device, reject);
    }

private:
    hq::HqApplier &m_applier;
    DeskStore &m_desk;
};

Result<client::RelayEndpoint> relayEndpoint(const DeskConfig &config)
{
    client::RelayEndpoint e;
    e.baseUrl = QUrl(config.relayUrl);
    e.deployment = config.deployment;
    e.allowPlainHttpOnLoopback = e.baseUrl.scheme() == QLatin1String("http");
    for (const QString &p : config.relayPins) {
        auto pin = client::parseSpkiPin(p.toLatin1());
        if (!pin)
            return fail(
                Errc::InvalidArgument,
                QStringLiteral("\"%1\" is not a relay pin (base64 or 64 hex digits)").arg(p));
        e.pins.append(*pin);
    }
    // The set before the last rollover too: the relay may still serve the old key while the
    // devices fetch the POLICY that names the new ones (deskpolicy.h).
    for (const QString &p : config.previousRelayPins) {
        auto pin = client::parseSpkiPin(p.toLatin1());
        if (pin && !e.pins.contains(*pin))
            e.pins.append(*pin);
    }
    if (auto s = client::validateEndpoint(e); !s)
        return std::unexpected(s.error());
    return e;
}

DeskRelay::DeskRelay(DeskStore &desk)
    : m_desk(desk)
{}

DeskRelay::~DeskRelay()
{
    m_transport.reset();
    m_nam.reset();
    m_receiver.reset();
    m_outbox.reset();
    m_resync.reset();
    m_applier.reset();
}

Result<std::unique_ptr<DeskRelay>> DeskRelay::open(DeskStore &desk)
{
    auto endpoint = relayEndpoint(desk.config());
    if (!endpoint)
        return std::unexpected(endpoint.error());
    std::unique_ptr<DeskRelay> r(new DeskRelay(desk));
    r->m_endpoint = *endpoint;
    store::Database &db = desk.database();
    r->m_identity = std::make_unique<Identity>(desk.config().deployment, desk.identity());
    r->m_applier = std::make_unique<hq::HqApplier>(desk.fanout());
    r->m_outbox =
        std::make_unique<streams::StreamOutbox>(db, *r->m_identity, desk.registry(), desk.clock());
    r->m_receiver = std::make_unique<streams::Receiver>(db, *r->m_identity, desk.registry(),
                                                        *r->m_applier, *r->m_outbox, desk.clock());
    r->m_resync = std::make_unique<Resync>(*r->m_applier, desk);
    r->m_receiver->setResyncSource(r->m_resync.get());
    if (const auto &cert = desk.config().certificate) {
        r->m_receiver->setCertificateSerial(cert->serial);
        r->m_receiver->setCertificate(cert->encode());
    }
    r->m_nam = std::make_unique<QNetworkAccessManager>();
    r->m_transport = std::make_unique<client::HqTransport>(
        r->m_nam.get(), *endpoint, *r->m_outbox, *r->m_receiver, *r->m_identity,
        desk.relayAdminSecretKey(), desk.clock());
    // HQ's clock is confirmed by the relay's (review M9: RecordStore::hqClockAheadRefusals). A
    // relay's clock only raises the bound, so a lying relay can let HQ stamp at its own wall
    // clock, never make it stamp ahead of it.
    QObject::connect(&r->m_transport->http(), &client::RelayHttp::relayTimeSeen,
                     r->m_transport.get(), [&desk](qint64 relayMs) {
                         if (auto s = desk.records().setReference(relayMs); !s)
                             qCWarning(lcDeskRelay)
                                 << "HQ time from the relay not kept:" << errcName(s.error().code);
                     });
    return r;
}

Result<int> DeskRelay::queueLocalEdits()
{
    store::Transaction tx(m_desk.database());
    if (auto s = tx.begin(); !s)
        return std::unexpected(s.error());
    auto published = m_desk.fanout().publishLocalEdits();
    if (!published)
        return std::unexpected(published.error());
    if (auto s = hq::HqFanout::enqueue(*m_outbox, published->messages); !s)
        return std::unexpected(s.error());
    QSet<crypto::Id16> devices;
    for (const hq::Outgoing &m : published->messages)
        devices.insert(m.device);
    if (auto s = m_desk.audit(QStringLiteral("publish"), QString(),
                              QStringLiteral("%1 message(s) to %2 device(s)")
                                  .arg(published->messages.size())
                                  .arg(devices.size()));
        !s)
        return std::unexpected(s.error());
    if (auto s = tx.commit(); !s)
        return std::unexpected(s.error());
    return int(published->messages.size());
}

Result<client::RelayReply>
DeskRelay::call(const std::function<void(client::HqTransport::ReplyCallback)> &call,
                const QString &what, int timeoutMs)
{
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
        return fail(Errc::Network, QStringLiteral("%1: no answer from the relay").arg(what));
    return *got;
}

Status DeskRelay::adminCall(const std::function<void(client::HqTransport::ReplyCallback)> &call,
                            const QString &what, int timeoutMs)
{
    auto got = this->call(call, what, timeoutMs);
    if (!got)
        return std::unexpected(got.error());
    if (!got->ok())
        return fail(got->transient() ? Errc::Network : Errc::Refused,
                    QStringLiteral("%1: %2").arg(what, got->describe()));
    return {};
}

Status DeskRelay::installCertificate(int timeoutMs)
{
    const auto &cert = m_desk.config().certificate;
    if (!cert)
        return fail(Errc::NotFound,
                    QStringLiteral("the desk has no certificate (liaison-hq cert issue)"));
    const QByteArray bytes = cert->encode();
    return adminCall([&](auto cb) { m_transport->putHqCertificate(bytes, cb); },
                     QStringLiteral("installing the HQ certificate"), timeoutMs);
}

Status DeskRelay::putDevice(const crypto::Id16 &device, const crypto::SignPublicKey &signKey,
                            client::RelayDeviceState state, std::int64_t version, int timeoutMs)
{
    return adminCall([&](auto cb) { m_transport->putDevice(device, signKey, state, version, cb); },
                     QStringLiteral("registering the device at the relay"), timeoutMs);
}

Result<DeskRelay::Round> DeskRelay::syncOnce(int timeoutMs)
{
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
        return fail(Errc::Network,
                    QStringLiteral("the round with the relay did not finish in time"));
    if (!done->first)
        return fail(Errc::Network,
                    QStringLiteral("the round with the relay failed: %1").arg(done->second));
    auto left = m_outbox->recipientsWithPending();
    if (!left)
        return std::unexpected(left.error());
    for (const crypto::Id16 &d : *left) {
        auto p = m_outbox->pending(d, 100000);
        if (!p)
            return std::unexpected(p.error());
        round.pending += int(p->size());
    }
    return round;
}

} // namespace liaison::desk
