#pragma once

// The HQ certificate, "LIAISN-cert-v1" (DESIGN.md "Keys"): signed by the offline HQ root key,
// naming the two online HQ keys. Fixed layout, big-endian:
//
//   magic "LHC1"                4
//   deployment id              16
//   serial                    u64
//   not before (ms, Unix)     u64
//   not after  (ms, Unix)     u64
//   content-signing pk         32   (signs envelopes, commands, wipe tokens; HQ's relay requests)
//   relay-admin pk             32   (signs relay admin calls only)
//   signature                  64   Ed25519_root("LIAISN-cert-v1" ‖ the 108 bytes above)
//
// 172 bytes in all. Validity is at most 13 months. The valid certificate with the highest serial
// wins.
//
// HQ's participant id in envelope headers (sender of `down`, recipient of `up`) is the all-zero
// id; device ids are random and never zero.

#include "crypto/crypto.h"
#include "error.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

#include <cstdint>

namespace liaison::protocol {

inline constexpr QByteArrayView kHqCertMagic = "LHC1";
inline constexpr QByteArrayView kHqCertContext = "LIAISN-cert-v1";
inline constexpr qsizetype kHqCertBodyBytes = 108;
inline constexpr qsizetype kHqCertBytes = kHqCertBodyBytes + 64;
// 13 months at most (397 days covers every calendar span of 13 months).
inline constexpr std::int64_t kHqCertMaxValidityMs = 397LL * 24 * 3600 * 1000;

// HQ's id in envelope headers.
[[nodiscard]] inline crypto::Id16 hqParticipantId()
{
    return crypto::Id16{};
}

struct HqCertificate
{
    crypto::Id16 deployment;
    std::uint64_t serial = 0;
    std::int64_t notBeforeMs = 0;
    std::int64_t notAfterMs = 0;
    crypto::SignPublicKey contentKey;
    crypto::SignPublicKey relayAdminKey;
    crypto::Signature signature;

    // The 108 signed bytes.
    [[nodiscard]] QByteArray encodeBody() const;
    // All 172 bytes.
    [[nodiscard]] QByteArray encode() const;
    // Exactly kHqCertBytes with the right magic, else Errc::Malformed. Does not verify.
    [[nodiscard]] static Result<HqCertificate> decode(QByteArrayView bytes);

    friend bool operator==(const HqCertificate &, const HqCertificate &) = default;
};

// Sets cert.signature under the root key.
void signHqCertificate(HqCertificate &cert, const crypto::SignSecretKey &rootKey);

// Root signature and shape (validity span positive and at most 13 months). AuthFailed / Refused.
[[nodiscard]] Status verifyHqCertificate(const HqCertificate &cert,
                                         const crypto::SignPublicKey &rootKey);
// verifyHqCertificate plus notBefore <= now <= notAfter.
[[nodiscard]] Status verifyHqCertificateAt(const HqCertificate &cert,
                                           const crypto::SignPublicKey &rootKey,
                                           std::int64_t nowMs);

// The valid certificate with the highest serial among `candidates`, or Errc::NotFound.
[[nodiscard]] Result<HqCertificate> currentHqCertificate(const QList<HqCertificate> &candidates,
                                                         const crypto::SignPublicKey &rootKey,
                                                         std::int64_t nowMs);

} // namespace liaison::protocol
