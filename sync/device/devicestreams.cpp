#include "device/devicestreams.h"

#include "device/devicesettings.h"
#include "protocol/body.h"
#include "protocol/features.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcDeviceStreams, "liaison.device.streams")

namespace liaison::device {

class DeviceStreams::Identity final : public streams::LocalIdentity
{
public:
    Identity(const DeviceProfile &profile, const vault::Identity &keys)
        : m_deployment(profile.deploymentId)
        , m_device(profile.deviceId)
        , m_keys(keys)
    {}
    [[nodiscard]] streams::Role role() const override { return streams::Role::Device; }
    [[nodiscard]] crypto::Id16 deploymentId() const override { return m_deployment; }
    [[nodiscard]] crypto::Id16 localId() const override { return m_device; }
    [[nodiscard]] const crypto::SignSecretKey &signingKey() const override
    {
        return m_keys.sign.secretKey;
    }
    [[nodiscard]] const crypto::BoxKeyPair *boxKey(std::uint32_t keyId) const override
    {
        return keyId == kInitialBoxKeyId ? &m_keys.box : nullptr;
    }

private:
    crypto::Id16 m_deployment;
    crypto::Id16 m_device;
    const vault::Identity &m_keys;
};

// The records applier, and the wipe id a RESYNC carries (saved in the same transaction).
class DeviceStreams::Applier final : public streams::EnvelopeApplier
{
public:
    Applier(DeviceStreams &owner, std::optional<crypto::Id16> wipeId)
        : m_owner(owner)
        , m_wipeId(wipeId)
    {}
    [[nodiscard]] Status check(const streams::Body &body,
                               const streams::StreamContext &ctx) override
    {
        return m_owner.m_applier->check(body, ctx);
    }
    [[nodiscard]] Status apply(const streams::Body &body,
                               const streams::StreamContext &ctx) override
    {
        if (auto s = m_owner.m_applier->apply(body, ctx); !s)
            return s;
        if (body.kind == protocol::Kind::Policy) {
            auto policy = protocol::PolicyPayload::fromCbor(body.payload);
            if (!policy)
                return std::unexpected(policy.error());
            return savePolicy(ctx, *policy);
        }
        if (body.kind != protocol::Kind::Resync)
            return {};
        auto resync = protocol::ResyncPayload::fromCbor(body.payload);
        if (!resync)
            return std::unexpected(resync.error());
        if (resync->policy) {
            if (auto s = savePolicy(ctx, *resync->policy); !s)
                return s;
        }
        if (!resync->wipeId || resync->wipeId == m_wipeId)
            return {};
        if (auto s = saveWipeId(ctx.db, *resync->wipeId); !s)
            return s;
        // The transaction may still roll back; the profile is re-read after the round.
        m_wipeId = resync->wipeId;
        m_owner.m_wipeIdArrived = true;
        qCInfo(lcDeviceStreams) << "wipe id received from HQ";
        return {};
    }
    [[nodiscard]] Status remergeOwn(const streams::Body &delta,
                                    const streams::StreamContext &ctx) override
    {
        return m_owner.m_applier->remergeOwn(delta, ctx);
    }
    [[nodiscard]] Status snapshotBegun(const streams::Body &firstPart,
                                       const streams::StreamContext &ctx) override
    {
        return m_owner.m_applier->snapshotBegun(firstPart, ctx);
    }

private:
    // HQ's policy (devicesettings.h), in the envelope's transaction.
    [[nodiscard]] Status savePolicy(const streams::StreamContext &ctx,
                                    const protocol::PolicyPayload &policy)
    {
        auto saved = saveHqPolicy(ctx.db, policy);
        if (!saved)
            return std::unexpected(saved.error());
        if (!*saved)
            return {};
        m_owner.m_policyArrived = true;
        qCInfo(lcDeviceStreams) << "HQ policy version" << policy.version << "received";
        if (!policy.relayPins)
            return {};
        if (!m_owner.m_acceptRelayPins) {
            qCWarning(lcDeviceStreams) << "relay pins of the policy not taken: this round did "
                                          "not run over https with a pinned key";
            return {};
        }
        QStringList pins;
        for (const protocol::RelayPin &pin : *policy.relayPins)
            pins.append(QString::fromLatin1(pin.toHex()));
        if (auto s = saveRelayPins(ctx.db, pins); !s)
            return s;
        // The transaction may still roll back; the profile is re-read after the round.
        m_owner.m_relayPinsArrived = true;
        qCInfo(lcDeviceStreams) << "relay pins rolled over:" << pins.size() << "pin(s)";
        return {};
    }

    DeviceStreams &m_owner;
    std::optional<crypto::Id16> m_wipeId;
};

namespace {

streams::Peer hqPeer(const DeviceProfile &profile)
{
    streams::Peer hq;
    hq.id = profile.hqId;
    hq.signKey = profile.hqSignKey;
    hq.boxKey = profile.hqBoxKey;
    hq.boxKeyId = profile.hqBoxKeyId;
    hq.signKeyHash = crypto::crypto_generichash(profile.hqSignKey.view());
    hq.state = streams::PeerState::Active;
    return hq;
}

} // namespace

DeviceStreams::~DeviceStreams() = default;

const streams::LocalIdentity &DeviceStreams::identity() const
{
    return *m_identity;
}

Result<std::unique_ptr<DeviceStreams>> DeviceStreams::open(DeviceSession &session,
                                                           const vault::Identity &identity,
                                                           const liaison::Clock &clock)
{
    if (!session.profile())
        return fail(Errc::NotFound, QStringLiteral("this device is not enrolled"));
    std::unique_ptr<DeviceStreams> s(new DeviceStreams());
    s->m_hqId = session.profile()->hqId;
    s->m_clock = &clock;
    s->m_session = &session;
    s->m_identity = std::make_unique<Identity>(*session.profile(), identity);
    const DeviceProfile &profile = *session.profile();
    s->m_peers = std::make_unique<client::HqKeys>(hqPeer(profile), profile.deploymentId,
                                                  profile.hqRootKey, profile.hqCertSerial);
    s->m_applier = std::make_unique<model::DeviceApplier>(session.records());
    s->m_outbox = std::make_unique<streams::StreamOutbox>(session.database(), *s->m_identity,
                                                          *s->m_peers, *s->m_clock);
    s->m_receiverApplier = std::make_unique<Applier>(*s, profile.wipeId);
    s->m_receiver =
        std::make_unique<streams::Receiver>(session.database(), *s->m_identity, *s->m_peers,
                                            *s->m_receiverApplier, *s->m_outbox, *s->m_clock);
    // Priority lanes (DESIGN.md "Streams"): announced to HQ in every RECEIPT, and urgent records
    // sent on `up!`. (This version needs an HQ that knows RECEIPT's features key.)
    s->m_receiver->setAnnouncedFeatures(protocol::ReceiptPayload::kFeaturePriorityLanes |
                                        protocol::kFeaturePriorityDuringSnapshot);
    s->m_applier->setPriorityLane(true);
    // A certificate in a verified HEARTBEAT or RESYNC: adopted when it verifies and its serial
    // is higher, saved in the same transaction as the envelope.
    s->m_receiver->setCertificateHandler(
        [keys = s->m_peers.get(), db = &session.database()](const QByteArray &certificate,
                                                            std::int64_t hqTimeMs) -> Status {
            auto adopted = keys->offer(certificate, hqTimeMs);
            if (!adopted) {
                qCWarning(lcDeviceStreams).noquote()
                    << "HQ certificate not adopted:" << adopted.error().message;
                return {};
            }
            if (!*adopted)
                return {};
            return saveHqCertificate(*db, (*adopted)->contentKey, (*adopted)->serial);
        });
    return s;
}

Result<bool> DeviceStreams::offerCertificate(QByteArrayView certificate)
{
    const qint64 at = m_session->records().clock().referenceMs().value_or(m_clock->wallMs());
    auto adopted = m_peers->offer(certificate, at);
    if (!adopted)
        return std::unexpected(adopted.error());
    if (!*adopted)
        return false;
    if (auto s =
            saveHqCertificate(m_session->database(), (*adopted)->contentKey, (*adopted)->serial);
        !s)
        return std::unexpected(s.error());
    return true;
}

Result<std::optional<streams::StreamState>> DeviceStreams::hqStream() const
{
    return m_receiver->state(m_hqId);
}

Result<int> DeviceStreams::pendingEnvelopes() const
{
    auto pending = m_outbox->pending(m_hqId);
    if (!pending)
        return std::unexpected(pending.error());
    return int(pending->size());
}

} // namespace liaison::device
