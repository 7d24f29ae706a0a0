#pragma once

// DESIGN.md "Keys" (HQ certificate) on a device: which key HQ's `down` envelopes must be signed
// with. It starts from what enrolment (or the last adopted certificate) named; a certificate
// carried in a verified HEARTBEAT or RESYNC is adopted when it verifies under the root key from
// the enrolment code, names this deployment, is valid at HQ's verified time, and has a higher
// serial than the current one ("the valid certificate with the highest serial wins"). From then
// on only the new content key is accepted: the desk's content key rotates without re-enrolment,
// and a retired (compromised) one signs nothing the device takes. A lower or equal serial changes
// nothing, so an old key cannot roll the device back.
//
// The device is the PeerDirectory of its receiver and stream outbox (HQ is its only peer).

#include "protocol/hqcert.h"
#include "streams/peers.h"

#include <optional>

namespace liaison::client {

class HqKeys final : public streams::PeerDirectory
{
public:
    // `hq`: HQ as the profile names it (id, content key, box key). `rootKey`: HQ's root from the
    // enrolment code; without one no certificate is ever adopted. `serial`: the serial of the
    // certificate that named hq.signKey (0: the one enrolment fetched, unknown serial).
    HqKeys(streams::Peer hq, const crypto::Id16 &deployment,
           std::optional<crypto::SignPublicKey> rootKey, std::uint64_t serial);

    [[nodiscard]] std::optional<streams::Peer> peer(const crypto::Id16 &id) const override;
    [[nodiscard]] std::uint64_t serial() const { return m_serial; }
    [[nodiscard]] const crypto::SignPublicKey &contentKey() const { return m_hq.signKey; }

    // A certificate from a verified HEARTBEAT whose HQ time is hqTimeMs. The adopted certificate,
    // or nullopt when it changes nothing (its serial is not above the current one); Errc::
    // AuthFailed / Refused / Malformed when it does not verify (then nothing changes).
    [[nodiscard]] Result<std::optional<protocol::HqCertificate>> offer(QByteArrayView certificate,
                                                                       std::int64_t hqTimeMs);

private:
    streams::Peer m_hq;
    crypto::Id16 m_deployment;
    std::optional<crypto::SignPublicKey> m_root;
    std::uint64_t m_serial = 0;
};

} // namespace liaison::client
