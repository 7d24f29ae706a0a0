#pragma once

// Who is on the other end of a stream, and the keys this side holds. Injected into the receiver
// and the stream outbox: HQ backs PeerDirectory with its device registry, a device with the HQ
// certificate it verified (content-signing key of the newest valid certificate).

#include "crypto/crypto.h"
#include "streamtypes.h"

#include <cstdint>
#include <optional>

namespace liaison::streams {

struct Peer
{
    Id16 id;
    crypto::SignPublicKey signKey; // the sender's current key (HQ: content key of the newest cert)
    crypto::BoxPublicKey boxKey;   // what we seal to
    std::uint32_t boxKeyId = 0;    // goes into the header
    crypto::Hash32 signKeyHash;    // BLAKE2b-256(sign pk) (commands name their target by it)
    PeerState state = PeerState::Active;
};

class PeerDirectory
{
public:
    virtual ~PeerDirectory() = default;
    // nullopt: unknown id (step 1 drops the envelope).
    [[nodiscard]] virtual std::optional<Peer> peer(const Id16 &id) const = 0;
};

// This side's identity and secret keys. The references stay valid while the vault is unlocked.
class LocalIdentity
{
public:
    virtual ~LocalIdentity() = default;
    [[nodiscard]] virtual Role role() const = 0;
    [[nodiscard]] virtual Id16 deploymentId() const = 0;
    [[nodiscard]] virtual Id16 localId() const = 0;
    [[nodiscard]] virtual const crypto::SignSecretKey &signingKey() const = 0;
    // The box key pair with this id, or nullptr if this side does not hold it (step 1 drops).
    [[nodiscard]] virtual const crypto::BoxKeyPair *boxKey(std::uint32_t keyId) const = 0;
};

} // namespace liaison::streams
