#pragma once

// The stream layer's single door to sealing and opening envelopes (sync/protocol does the work).

#include "crypto/crypto.h"
#include "error.h"
#include "protocol/envelope.h"
#include "protocol/seal.h"
#include "streamtypes.h"

#include <QByteArray>
#include <QCborMap>

namespace liaison::streams::codec {

struct SealInput
{
    Id16 deployment;
    Id16 sender;
    Id16 recipient;
    std::uint32_t epoch = 0;
    std::uint64_t seq = 0;
    Hash32 prev;
    std::uint32_t recipientBoxKeyId = 0;
    crypto::BoxPublicKey recipientBoxKey;
    const crypto::SignSecretKey *senderKey = nullptr;
    Direction direction = Direction::Down;
    Kind kind = Kind::Delta;
    std::int64_t createdMs = 0;
    QCborMap payload;
};

struct Sealed
{
    QByteArray bytes;
    Hash32 envHash;
};

[[nodiscard]] Result<Sealed> seal(const SealInput &in);

// Steps 4-5 of protocol: sealed key, commitment, AEAD, unpad, strict body decode with the kind's
// payload schema, kind allowed in `direction`.
[[nodiscard]] Result<Body> open(const protocol::EnvelopeFrame &frame, const crypto::BoxKeyPair &me,
                                Direction direction);

// Canonical bytes of a payload map (stored in the outbox for re-issue) and back.
[[nodiscard]] Result<QByteArray> encodePayload(const QCborMap &payload);
[[nodiscard]] Result<QCborMap> decodePayload(QByteArrayView bytes);
// A payload this replica staged itself in its encrypted store after open() had decoded it
// strictly: read back without the canonical re-encoding check (a third of a snapshot's decoding).
// Still one well-formed CBOR map filling all of bytes, or Errc::Tampered.
[[nodiscard]] Result<QCborMap> decodeStagedPayload(QByteArrayView bytes);

} // namespace liaison::streams::codec
