#pragma once

// The locked-path wipe token of DESIGN.md "Commands, remote wipe, revocation". HQ publishes it at
// the relay (PUT /v1/wipe/{wipe id}, admin); the app fetches it unauthenticated at every start and
// resume, before asking for the passphrase, and checks it with only what its plain wipe file
// holds: deployment id, device id, sign pk hash, wipe id and the HQ root public key. So the token
// carries the HQ certificate that vouches for the content key that signed it.
//
// Layout (big-endian), 328 bytes:
//   magic "LWT1"                  4
//   deployment id                16
//   device id                    16
//   BLAKE2b-256(device sign pk)  32
//   command id                   16
//   issued at (ms, Unix)        u64
//   signature                    64   Ed25519_content("LIAISN-wipe-v1" ‖ deployment ‖ device
//                                     ‖ sign pk hash ‖ command id ‖ u64 issued at)
//   HQ certificate              172   (sync/protocol/hqcert.h), valid at "issued at"

#include "crypto/crypto.h"
#include "error.h"
#include "protocol/hqcert.h"

#include <QByteArray>

namespace liaison::client {

inline constexpr QByteArrayView kWipeTokenMagic = "LWT1";
inline constexpr QByteArrayView kWipeContext = "LIAISN-wipe-v1";
inline constexpr qsizetype kWipeTokenBytes =
    4 + 16 + 16 + 32 + 16 + 8 + 64 + protocol::kHqCertBytes;

// What the device keeps in its plain wipe file.
struct WipeTarget
{
    crypto::Id16 deployment;
    crypto::Id16 device;
    crypto::Hash32 signKeyHash; // BLAKE2b-256(device sign pk)
    crypto::Id16 wipeId;        // random, given at enrolment; names the token at the relay
    crypto::SignPublicKey rootKey;
};

struct WipeToken
{
    crypto::Id16 deployment;
    crypto::Id16 device;
    crypto::Hash32 signKeyHash;
    crypto::Id16 commandId;
    std::int64_t issuedAtMs = 0;
    crypto::Signature signature;
    protocol::HqCertificate certificate;

    [[nodiscard]] QByteArray encode() const;
    // Layout only (Errc::Malformed); verify with verifyWipeToken.
    [[nodiscard]] static Result<WipeToken> decode(QByteArrayView bytes);
    // The signed message: "LIAISN-wipe-v1" ‖ deployment ‖ device ‖ sign pk hash ‖ command id ‖ at.
    [[nodiscard]] QByteArray signedMessage() const;
};

// HQ: signs with the content key of `certificate` (which must name that key).
[[nodiscard]] Result<WipeToken>
makeWipeToken(const WipeTarget &target, const crypto::Id16 &commandId, std::int64_t issuedAtMs,
              const protocol::HqCertificate &certificate, const crypto::SignSecretKey &contentKey);

// Device: the certificate verifies under the root key and was valid at issuedAt, it names this
// deployment, the token names this deployment, device and sign key, and the content key signed it.
// Errc::AuthFailed / Refused / Malformed.
[[nodiscard]] Status verifyWipeToken(const WipeToken &token, const WipeTarget &target);

} // namespace liaison::client
