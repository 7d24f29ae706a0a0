#include "hqkeys.h"

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcSync)

namespace liaison::client {

HqKeys::HqKeys(streams::Peer hq, const crypto::Id16 &deployment,
               std::optional<crypto::SignPublicKey> rootKey, std::uint64_t serial)
    : m_hq(std::move(hq))
    , m_deployment(deployment)
    , m_root(std::move(rootKey))
    , m_serial(serial)
{}

std::optional<streams::Peer> HqKeys::peer(const crypto::Id16 &id) const
{
    if (id != m_hq.id)
        return std::nullopt;
    return m_hq;
}

Result<std::optional<protocol::HqCertificate>> HqKeys::offer(QByteArrayView bytes,
                                                             std::int64_t hqTimeMs)
{
    auto cert = protocol::HqCertificate::decode(bytes);
    if (!cert)
        return std::unexpected(cert.error());
    if (!m_root)
        return fail(Errc::Refused, QStringLiteral("no HQ root key to verify a certificate"));
    if (auto s = protocol::verifyHqCertificateAt(*cert, *m_root, hqTimeMs); !s)
        return std::unexpected(s.error());
    if (cert->deployment != m_deployment)
        return fail(Errc::Refused, QStringLiteral("the certificate names another deployment"));
    if (cert->serial <= m_serial)
        return std::optional<protocol::HqCertificate>();
    qCInfo(lcSync) << "HQ certificate serial" << cert->serial << "adopted (was" << m_serial
                   << "): new content key";
    m_serial = cert->serial;
    m_hq.signKey = cert->contentKey;
    m_hq.signKeyHash = crypto::crypto_generichash(cert->contentKey.view());
    return std::optional<protocol::HqCertificate>(*cert);
}

} // namespace liaison::client
