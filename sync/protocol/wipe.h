#pragma once

// The locked-path wipe token and the wipe acknowledgement of DESIGN.md "Commands, remote wipe,
// revocation" and "Keys" (wipe-ack key). Shared by the device (checks the token, signs the
// acknowledgement), the relay (verifies the acknowledgement against the token it holds before
// storing it) and HQ (signs the token, verifies the acknowledgement again).
//
// Wipe token, "LWT2" (big-endian), 376 bytes:
//   magic "LWT2"                    4
//   deployment id                  16
//   device id                      16
//   BLAKE2b-256(device sign pk)    32
//   BLAKE2b-256(wipe-ack pk)       32   all zero: the device has no wipe-ack key
//   command id                     16
//   issued at (ms, Unix)          u64
//   not after (ms, Unix)          u64
//   certificate serial            u64   the HQ certificate the token was issued under
//   signature                      64   Ed25519_content("LIAISN-wipe-v1" ‖ every field above
//                                       after the magic)
//   HQ certificate                172   (hqcert.h), the one the serial names
//
// Wipe acknowledgement, "LWA2" (big-endian), 156 bytes:
//   magic "LWA2"                    4
//   deployment id                  16
//   device id                      16
//   command id                     16
//   time (ms, Unix, device wall)  u64
//   key id                         32   the Ed25519 public key that signed: the wipe-ack key or
//                                       the device sign key. DESIGN.md says "key id"; the key
//                                       itself is carried so the relay, which holds only the
//                                       token's hashes, can verify: BLAKE2b-256(key id) must be
//                                       one of the two hashes the token names.
//   signature                      64   Ed25519("LIAISN-wipeack-v1" ‖ the 84 bytes after magic)
//
// An online WIPE (on `down`) is acknowledged the same way: the device signs with its sign key
// while it can (it is unlocked), else with the wipe-ack key; the acknowledgement names the
// WIPE's command id, and HQ publishes the token of a revocation under that same command id.

#include "crypto/crypto.h"
#include "error.h"
#include "protocol/hqcert.h"

#include <QByteArray>
#include <QList>

#include <optional>

namespace liaison::protocol {

inline constexpr QByteArrayView kWipeTokenMagic = "LWT2";
inline constexpr QByteArrayView kWipeContext = "LIAISN-wipe-v1";
inline constexpr qsizetype kWipeTokenBytes =
    4 + 16 + 16 + 32 + 32 + 16 + 8 + 8 + 8 + 64 + kHqCertBytes;
inline constexpr QByteArrayView kWipeAckMagic = "LWA2";
inline constexpr QByteArrayView kWipeAckContext = "LIAISN-wipeack-v1";
inline constexpr qsizetype kWipeAckBytes = 4 + 16 + 16 + 16 + 8 + 32 + 64;

// What the device keeps in its plain wipe file (and HQ knows of the device).
struct WipeTarget
{
    crypto::Id16 deployment;
    crypto::Id16 device;
    crypto::Hash32 signKeyHash;    // BLAKE2b-256(device sign pk)
    crypto::Hash32 wipeAckKeyHash; // BLAKE2b-256(wipe-ack pk); zero: no wipe-ack key
    crypto::Id16 wipeId;           // random, given at enrolment; names the token at the relay
    crypto::SignPublicKey rootKey;
};

struct WipeToken
{
    crypto::Id16 deployment;
    crypto::Id16 device;
    crypto::Hash32 signKeyHash;
    crypto::Hash32 wipeAckKeyHash;
    crypto::Id16 commandId;
    std::int64_t issuedAtMs = 0;
    std::int64_t notAfterMs = 0;
    std::uint64_t certificateSerial = 0;
    crypto::Signature signature;
    HqCertificate certificate;

    [[nodiscard]] QByteArray encode() const;
    // Layout only (Errc::Malformed); verify with verifyWipeToken.
    [[nodiscard]] static Result<WipeToken> decode(QByteArrayView bytes);
    [[nodiscard]] QByteArray signedMessage() const;
};

// HQ: signs with the content key of `certificate` (which must name that key).
[[nodiscard]] Result<WipeToken> makeWipeToken(const WipeTarget &target,
                                              const crypto::Id16 &commandId,
                                              std::int64_t issuedAtMs, std::int64_t notAfterMs,
                                              const HqCertificate &certificate,
                                              const crypto::SignSecretKey &contentKey);

// What the device knows of time and certificates when it judges a token.
struct WipeTokenContext
{
    // The lower bound of HQ's time (last verified HQ time + boot-clock time elapsed since), or
    // nothing when the device never verified one: then notAfter cannot be judged yet and only
    // the certificate's own window bounds the token.
    std::optional<std::int64_t> hqTimeMs;
    // The highest certificate serial the device verified (HEARTBEAT, RESYNC); a token issued
    // under a lower (retired) serial is refused.
    std::uint64_t minimumSerial = 0;
};

// Device: the certificate verifies under the root key and was valid at issuedAt, its serial is
// the token's and not below context.minimumSerial, the token names this deployment, device, sign
// key and wipe-ack key, it is not past notAfter at context.hqTimeMs, and the content key signed
// it. Errc::AuthFailed / Refused / Malformed.
[[nodiscard]] Status verifyWipeToken(const WipeToken &token, const WipeTarget &target,
                                     const WipeTokenContext &context = {});

struct WipeAcknowledgement
{
    crypto::Id16 deployment;
    crypto::Id16 device;
    crypto::Id16 commandId;
    std::int64_t atMs = 0;
    crypto::SignPublicKey key;
    crypto::Signature signature;

    [[nodiscard]] QByteArray encode() const;
    // Layout only (Errc::Malformed).
    [[nodiscard]] static Result<WipeAcknowledgement> decode(QByteArrayView bytes);
    [[nodiscard]] QByteArray signedMessage() const;
};

// Device: builds and signs the acknowledgement with `key` (wipe-ack or device sign key).
[[nodiscard]] WipeAcknowledgement signWipeAcknowledgement(const crypto::Id16 &deployment,
                                                          const crypto::Id16 &device,
                                                          const crypto::Id16 &commandId,
                                                          std::int64_t atMs,
                                                          const crypto::SignKeyPair &key);

// Relay and HQ: the acknowledgement names the deployment, device and command of `token`, its key
// hashes to one of the two the token names (a zero wipe-ack hash names nothing), and the
// signature verifies. Errc::AuthFailed (signature, key) / Refused (ids).
[[nodiscard]] Status verifyWipeAcknowledgement(const WipeAcknowledgement &ack,
                                               const WipeToken &token);
// The same from what HQ knows of the device (its registered keys' hashes), when the command id
// is known.
[[nodiscard]] Status verifyWipeAcknowledgement(const WipeAcknowledgement &ack,
                                               const crypto::Id16 &deployment,
                                               const crypto::Id16 &device,
                                               const crypto::Id16 &commandId,
                                               const QList<crypto::Hash32> &keyHashes);

} // namespace liaison::protocol
