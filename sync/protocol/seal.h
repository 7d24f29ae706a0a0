#pragma once

// Sealing an envelope for its one recipient and opening it (DESIGN.md "Envelope wire format",
// receiver steps 1, 2, 4 and 5 of "Streams"; step 3, the stream classification, is the
// receiver's and sits between checkEnvelopeRouting/verifyEnvelopeSignature and openEnvelope).
//
// Seal: fresh 32-byte CEK, random 24-byte nonce,
//   commitment = BLAKE2b-256(key = CEK, "LIAISN-commit-v1" ‖ nonce),
//   sealed key = crypto_box_seal(CEK, recipient box public key)            (80 bytes)
//   ciphertext = XChaCha20-Poly1305(pad(body), AD = header, nonce, CEK)
//   signature  = Ed25519("LIAISN-sig-v1" ‖ env_hash)
// Open: sealed key -> commitment (constant time, BEFORE any decryption) -> AEAD -> unpad ->
// strict CBOR -> kind allowed in the direction.

#include "crypto/crypto.h"
#include "error.h"
#include "protocol/body.h"
#include "protocol/envelope.h"

#include <QByteArray>
#include <QCborMap>

#include <cstdint>
#include <expected>
#include <functional>
#include <optional>

namespace liaison::protocol {

// Where an envelope was refused. step() is the receiver step of DESIGN.md "Streams".
enum class EnvelopeFault : std::uint8_t {
    Framing,    // 1: lengths, trailing bytes, magic, ct_len, size limit
    Deployment, // 1: another deployment
    Sender,     // 1: not the expected sender (another stream, or the other direction)
    Recipient,  // 1: not for me
    Epoch,      // 1: not the expected epoch (when the context names one)
    BoxKeyId,   // 1: a box key id I do not hold
    Signature,  // 2: Ed25519 under the sender's key fails
    SealedKey,  // 4: crypto_box_seal_open fails
    Commitment, // 4: CEK does not match the commitment
    Decrypt,    // 4: AEAD fails
    Padding,    // 4: bad or non-minimal padding
    Body,       // 4: strict CBOR or payload schema
    Kind,       // 5: kind not allowed in this direction
};

struct EnvelopeError
{
    EnvelopeFault fault = EnvelopeFault::Framing;
    QString message; // ids and reasons only, never plaintext

    [[nodiscard]] int step() const;
    // Steps 4-5 of a validly signed envelope: the sender is at fault (freeze and alarm). Steps
    // 1-2: log and drop.
    [[nodiscard]] bool isSenderFault() const { return step() >= 4; }
    [[nodiscard]] Error toError() const;
};

template <typename T> using EnvelopeResult = std::expected<T, EnvelopeError>;

[[nodiscard]] const char *faultName(EnvelopeFault fault);

// ---- seal ----

struct SealParams
{
    crypto::Id16 deployment;
    crypto::Id16 sender;
    crypto::Id16 recipient;
    std::uint32_t epoch = 0;
    std::uint64_t seq = 0;
    crypto::Hash32 prev; // zeros for seq 1
    std::uint32_t recipientBoxKeyId = 0;
    crypto::BoxPublicKey recipientBoxKey;
    Direction direction = Direction::Down;
    Kind kind = Kind::Heartbeat;
    std::int64_t createdMs = 0;
    QCborMap payload;
    BodyOptions bodyOptions; // the payload schema to check before sealing (built-in by default)
};

struct SealedEnvelope
{
    QByteArray bytes;       // the full envelope, what the outbox stores and retries resend
    crypto::Hash32 envHash; // the next envelope's prev
};

// Refuses (Errc::InvalidArgument) a kind not allowed in the direction, seq 0, a payload that does
// not match the kind's schema, or a body over kMaxEnvelopeBytes.
[[nodiscard]] Result<SealedEnvelope> sealEnvelope(const SealParams &params,
                                                  const crypto::SignSecretKey &senderKey);

// Seals body bytes as given (padded here, not validated): for callers that hold canonical body
// bytes already, and for tests and fuzzers that need validly sealed malformed bodies. The kind,
// direction, created time and payload of params are ignored.
[[nodiscard]] Result<SealedEnvelope> sealEncodedBody(const SealParams &params,
                                                     QByteArrayView bodyBytes,
                                                     const crypto::SignSecretKey &senderKey);

// The nonce source of sealEnvelope (24 random bytes from libsodium), exposed so the nonce
// uniqueness test can draw millions of them through the same path.
[[nodiscard]] crypto::XNonce newEnvelopeNonce();

// BLAKE2b-256(key = CEK, "LIAISN-commit-v1" ‖ nonce)
[[nodiscard]] crypto::Hash32 contentKeyCommitment(const crypto::SymmetricKey &cek,
                                                  const crypto::XNonce &nonce);

// ---- receive ----

struct EnvelopeContext
{
    crypto::Id16 deployment;
    crypto::Id16 sender;    // HQ's id at a device; the device's id at HQ
    crypto::Id16 recipient; // me
    Direction direction = Direction::Down;
    std::optional<std::uint32_t> epoch; // when set, the header must name exactly this epoch
};

// Returns the box key pair for a key id, or nullptr when this receiver does not hold it.
using BoxKeyLookup = std::function<const crypto::BoxKeyPair *(std::uint32_t keyId)>;

// Step 1 after parseEnvelope: deployment, sender, recipient, epoch (if the context names one) and,
// when boxKeyFor is given, that the box key id is one I hold.
[[nodiscard]] EnvelopeResult<void> checkEnvelopeRouting(const EnvelopeHeader &header,
                                                        const EnvelopeContext &context,
                                                        const BoxKeyLookup &boxKeyFor = {});

// Step 4 and 5: opens with the recipient's box key pair (the one named by the header's box key
// id), checks the commitment before decrypting, decrypts, unpads, strictly decodes, and checks
// the kind against the direction.
[[nodiscard]] EnvelopeResult<Body> openEnvelope(const EnvelopeFrame &frame,
                                                const crypto::BoxKeyPair &recipientKeys,
                                                Direction direction,
                                                const BodyOptions &options = {});

// After openEnvelope: routing again plus the body's kind against context.direction. Use when a
// stored envelope is re-checked against another stream (replays).
[[nodiscard]] EnvelopeResult<void>
checkEnvelopeContext(const EnvelopeFrame &frame, const Body &body, const EnvelopeContext &context);

struct ReceivedEnvelope
{
    EnvelopeFrame frame;
    Body body;
};

// Steps 1, 2, 4, 5 in order, with no stream state (no step 3): for tests, fuzzers and tools.
[[nodiscard]] EnvelopeResult<ReceivedEnvelope>
receiveEnvelope(QByteArrayView bytes, qsizetype maxBytes, const EnvelopeContext &context,
                const crypto::SignPublicKey &senderKey, const BoxKeyLookup &boxKeyFor,
                const BodyOptions &options = {});

} // namespace liaison::protocol
