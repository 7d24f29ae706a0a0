#pragma once

// The envelope wire format of DESIGN.md "Envelope wire format":
//
//   header (236 bytes, big-endian) ‖ u32 ct_len ‖ ciphertext ‖ signature (64 bytes)
//
// This file is the part the relay needs too: header codec, framing, env_hash and the signature.
// Sealing and opening (which need the body codec) are in seal.h.

#include "crypto/crypto.h"
#include "error.h"

#include <QByteArray>
#include <QByteArrayView>

#include <cstdint>

namespace liaison::protocol {

struct SealedKeyTag;
// crypto_box_seal(CEK (32), recipient box public key): 32 + 48 bytes.
using SealedKey = crypto::FixedBytes<80, SealedKeyTag>;

inline constexpr QByteArrayView kEnvelopeMagic = "LSE1";
inline constexpr qsizetype kHeaderBytes = 236;
inline constexpr qsizetype kCtLenBytes = 4;
inline constexpr qsizetype kSignatureBytes = 64;
inline constexpr qsizetype kFramingOverhead = kHeaderBytes + kCtLenBytes + kSignatureBytes; // 304
inline constexpr qsizetype kAeadTagBytes = 16;
// The smallest body bucket is 512 bytes, so the smallest ciphertext is 528 bytes and the smallest
// envelope 832 bytes.
inline constexpr qsizetype kMinBodyBucket = 512;
inline constexpr qsizetype kLargeBodyStep = 64 * 1024;
inline constexpr qsizetype kMinCiphertextBytes = kMinBodyBucket + kAeadTagBytes;
// Hard ceiling for any envelope whatever a caller passes as maxBytes (SCOPE_JOIN and RESYNC
// snapshots are split into parts well below this).
inline constexpr qsizetype kMaxEnvelopeBytes = 16 * 1024 * 1024;

// Field offsets inside the header (bytes).
namespace header_offset {
inline constexpr qsizetype magic = 0;
inline constexpr qsizetype deployment = 4;
inline constexpr qsizetype sender = 20;
inline constexpr qsizetype recipient = 36;
inline constexpr qsizetype epoch = 52;
inline constexpr qsizetype seq = 56;
inline constexpr qsizetype prev = 64;
inline constexpr qsizetype nonce = 96;
inline constexpr qsizetype commitment = 120;
inline constexpr qsizetype boxKeyId = 152;
inline constexpr qsizetype sealedKey = 156;
inline constexpr qsizetype end = 236;
} // namespace header_offset

struct EnvelopeHeader
{
    crypto::Id16 deployment;
    crypto::Id16 sender;
    crypto::Id16 recipient;
    std::uint32_t epoch = 0;
    std::uint64_t seq = 0;
    crypto::Hash32 prev;       // env_hash of the previous envelope of the stream; zeros for seq 1
    crypto::XNonce nonce;      // random, per envelope
    crypto::Hash32 commitment; // BLAKE2b-256(key = CEK, "LIAISN-commit-v1" ‖ nonce)
    std::uint32_t recipientBoxKeyId = 0;
    SealedKey sealedKey;

    // Exactly kHeaderBytes bytes; the magic is always "LSE1".
    [[nodiscard]] QByteArray encode() const;
    // Exactly kHeaderBytes bytes with the right magic, else Errc::Malformed.
    [[nodiscard]] static Result<EnvelopeHeader> decode(QByteArrayView bytes);

    friend bool operator==(const EnvelopeHeader &, const EnvelopeHeader &) = default;
};

// A framed envelope, parsed but not yet verified or opened.
struct EnvelopeFrame
{
    EnvelopeHeader header;
    QByteArray headerBytes; // the 236 header bytes as received (the AEAD associated data)
    QByteArray ciphertext;  // AEAD ciphertext including its 16-byte tag
    crypto::Signature signature;
    crypto::Hash32 envHash; // computed while parsing

    // The full envelope bytes again (header ‖ ct_len ‖ ciphertext ‖ signature).
    [[nodiscard]] QByteArray encode() const;
};

// The padded body sizes a ciphertext may carry: 512, 1024, ... 65536, then multiples of 65536.
[[nodiscard]] bool isBodyBucket(qsizetype paddedSize);
// The bucket a body of bodySize bytes is padded into (sodium_pad adds at least one byte).
[[nodiscard]] qsizetype bodyBucketFor(qsizetype bodySize);

// Framing: header ‖ u32 ct_len ‖ ciphertext ‖ signature, nothing more, nothing less. Rejects a
// size over min(maxBytes, kMaxEnvelopeBytes), unknown magic, a ct_len that does not match the
// bytes or is not (bucket + 16), and trailing bytes. Computes env_hash. Does NOT check the
// signature, the deployment or the routing: see verifyEnvelopeSignature and checkEnvelopeRouting.
[[nodiscard]] Result<EnvelopeFrame> parseEnvelope(QByteArrayView bytes, qsizetype maxBytes);

// env_hash = BLAKE2b-256("LIAISN-env-v1" ‖ header ‖ u32 ct_len ‖ ciphertext)
[[nodiscard]] crypto::Hash32 envelopeHash(QByteArrayView headerBytes, QByteArrayView ciphertext);
// The message the sender signs: "LIAISN-sig-v1" ‖ env_hash.
[[nodiscard]] QByteArray envelopeSignedMessage(const crypto::Hash32 &envHash);
[[nodiscard]] crypto::Signature signEnvelopeHash(const crypto::Hash32 &envHash,
                                                 const crypto::SignSecretKey &senderKey);
// Ed25519 over "LIAISN-sig-v1" ‖ frame.envHash under the sender's key.
[[nodiscard]] bool verifyEnvelopeSignature(const EnvelopeFrame &frame,
                                           const crypto::SignPublicKey &senderKey);
// Assembles header ‖ u32 ct_len ‖ ciphertext ‖ signature (no checks; for sealers and tests).
[[nodiscard]] QByteArray frameEnvelope(QByteArrayView headerBytes, QByteArrayView ciphertext,
                                       const crypto::Signature &signature);

// Errc::Refused unless the header names this deployment.
[[nodiscard]] Status checkDeployment(const EnvelopeHeader &header, const crypto::Id16 &deployment);

} // namespace liaison::protocol
