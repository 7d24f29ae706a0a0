#pragma once

// The enrolment protocol's wire formats (DESIGN.md "Enrolment", "Keys"): the enrolment code, the
// transcript T, the sealed submission and the safety number. No I/O: the desk (sync/desk/
// enrolment.h) and the device-side tool build on these.
//
// 1. The code (desk → officer, in person). Text form, typed or scanned:
//
//      LIAISON1-<base32 (RFC 4648, no padding) of  CBOR map ‖ checksum[4]>
//
//    checksum = the first 4 bytes of BLAKE2b-256("LIAISN-code-v1" ‖ CBOR map), so a mistyped code
//    is "damaged", never a different valid code. The parser ignores case, spaces, line breaks and
//    '-' after the prefix (the desk prints the code in groups). CBOR map (strict, cbor.h):
//       0 format (1)   1 deployment id (16)   2 relay URL (text)   3 relay TLS pins (array of
//       32-byte SHA-256 SPKI hashes, 0..4)   4 HQ root public key (32)   5 device id (16)
//       6 secret S (32)   7 expiry (ms, Unix)   8 HQ box public key (32)   9 HQ box key id
//    Keys 8 and 9 are a departure (sync/protocol/README.md): there is no signed box-key
//    announcement yet, so the code carries HQ's box key; it is covered by T and so by the safety
//    number.
//
//      relay_token = kdf(S, 1, "LIAISNen")   sent as 64 lower-case hex digits in the
//                                            Liaison-Enrol-Token header of POST /v1/enrol/{id}
//      mac_key     = kdf(S, 2, "LIAISNen")
//    The relay keeps BLAKE2b-256(relay_token) and the expiry (PUT /v1/enrol/{id}); HQ keeps only
//    mac_key.
//
// 2. The transcript T, 271 bytes:
//      "LIAISN-enrol-v1" ‖ deployment id ‖ device id ‖ root pk ‖ BLAKE2b-256(certificate)
//      ‖ HQ content-signing pk ‖ HQ box pk ‖ device sign pk ‖ device box pk ‖ device wipe-ack pk
//    The wipe-ack public key is a departure: DESIGN.md "Keys" registers it with HQ at enrolment,
//    and T is how HQ learns it authentically. "certificate" is the 172-byte HQ certificate
//    (hqcert.h) the device fetched (GET /v1/hq-cert) and verified under the code's root key.
//
// 3. The submission (device → relay → HQ), 415 bytes:
//      crypto_box_seal(T ‖ Ed25519_device(T) ‖ crypto_auth(T ‖ signature, mac_key), HQ box pk)
//    HQ opens it, checks expiry, the MAC, the signature and that T names this HQ and this device.
//
// 4. The safety number: h = BLAKE2b-512("LIAISN-sn-v1" ‖ T); group i (0..11) = bytes 5i..5i+4 of
//    h as a 40-bit big-endian integer mod 100000, written as 5 digits. Both sides show it; the
//    desk compares all 60 digits the officer reads out.

#include "crypto/crypto.h"
#include "error.h"
#include "protocol/hqcert.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>
#include <QStringView>

#include <array>
#include <cstdint>
#include <optional>

namespace liaison::protocol {

inline constexpr QByteArrayView kEnrolCodePrefix = "LIAISON1-";
inline constexpr std::uint32_t kEnrolCodeFormat = 1;
inline constexpr QByteArrayView kEnrolCodeChecksumContext = "LIAISN-code-v1";
inline constexpr QByteArrayView kEnrolContext = "LIAISN-enrol-v1";
inline constexpr QByteArrayView kSafetyNumberContext = "LIAISN-sn-v1";
inline constexpr const char kEnrolKdfContext[] = "LIAISNen"; // 8 characters (crypto_kdf)

inline constexpr std::int64_t kEnrolMaxValidityMs = 72LL * 3600 * 1000;
inline constexpr qsizetype kEnrolCodeMaxChars = 4096;
inline constexpr qsizetype kEnrolMaxRelayUrl = 512;
inline constexpr qsizetype kEnrolMaxPins = 4;

inline constexpr qsizetype kEnrolTranscriptBytes = 15 + 16 + 16 + 7 * 32;          // 271
inline constexpr qsizetype kEnrolSubmissionPlainBytes = kEnrolTranscriptBytes + 64 + 32; // 367
inline constexpr qsizetype kEnrolSubmissionBytes =
    kEnrolSubmissionPlainBytes + qsizetype(crypto::kSealBytes); // 415

inline constexpr int kSafetyNumberGroups = 12;
inline constexpr int kSafetyNumberDigits = 60;

struct RelayPinTag;
// SHA-256 of the relay's TLS SubjectPublicKeyInfo (the same bytes as client::SpkiPin).
using RelayPin = crypto::FixedBytes<32, RelayPinTag>;

// ---------------------------------------------------------------------------------------------
// The enrolment code. Holds the secret S: move-only; the text form is as secret as S.
struct EnrolmentCode
{
    crypto::Id16 deployment;
    QString relayUrl;
    QList<RelayPin> relayPins;
    crypto::SignPublicKey rootKey;
    crypto::Id16 device;
    crypto::SymmetricKey secret; // S
    std::int64_t expiresMs = 0;
    crypto::BoxPublicKey hqBoxKey;
    std::uint32_t hqBoxKeyId = 0;
};

// A fresh code for `device` with a random S (the desk's side).
[[nodiscard]] EnrolmentCode newEnrolmentCode(const crypto::Id16 &deployment,
                                             const QString &relayUrl,
                                             const QList<RelayPin> &relayPins,
                                             const crypto::SignPublicKey &rootKey,
                                             const crypto::Id16 &device, std::int64_t expiresMs,
                                             const crypto::BoxPublicKey &hqBoxKey,
                                             std::uint32_t hqBoxKeyId);

// The text form (upper-case, no spaces). InvalidArgument when a field is out of range (URL
// length, pin count, zero ids).
[[nodiscard]] Result<QByteArray> encodeEnrolmentCode(const EnrolmentCode &code);
// The text form split into groups of `group` characters after the prefix, for people to read.
[[nodiscard]] QByteArray groupEnrolmentCode(QByteArrayView text, int group = 5);

// Parses a typed or scanned code. Errors (Malformed unless said): "not a Liaison enrolment code"
// (prefix), "unsupported enrolment code format N" (Refused), "damaged (character ... is not
// valid)", "damaged (checksum: mistyped?)", "damaged (fields)". Does not judge the expiry.
[[nodiscard]] Result<EnrolmentCode> parseEnrolmentCode(QByteArrayView text);
// Refused "the enrolment code expired at ..." when nowMs > expiresMs.
[[nodiscard]] Status checkEnrolmentCodeFresh(const EnrolmentCode &code, std::int64_t nowMs);

// kdf(S, 1, "LIAISNen") and kdf(S, 2, "LIAISNen").
[[nodiscard]] crypto::SymmetricKey enrolmentRelayToken(const crypto::SymmetricKey &secret);
[[nodiscard]] crypto::SymmetricKey enrolmentMacKey(const crypto::SymmetricKey &secret);
// BLAKE2b-256(relay_token): what the relay keeps (PUT /v1/enrol/{id} token_hash).
[[nodiscard]] crypto::Hash32 enrolmentTokenHash(const crypto::SymmetricKey &relayToken);
// The Liaison-Enrol-Token header value: 64 lower-case hex digits (as secret as the token).
[[nodiscard]] crypto::SecretBytes enrolmentTokenHeader(const crypto::SymmetricKey &relayToken);

// The device's first step after parsing: the certificate from GET /v1/hq-cert must decode,
// verify under the code's root key, be valid at nowMs and name the code's deployment.
[[nodiscard]] Result<HqCertificate> acceptEnrolmentCertificate(const EnrolmentCode &code,
                                                               QByteArrayView certificate,
                                                               std::int64_t nowMs);

// ---------------------------------------------------------------------------------------------
// The transcript T.
struct EnrolmentTranscript
{
    crypto::Id16 deployment;
    crypto::Id16 device;
    crypto::SignPublicKey rootKey;
    crypto::Hash32 certificateHash; // BLAKE2b-256 of the 172 certificate bytes
    crypto::SignPublicKey hqSignKey;
    crypto::BoxPublicKey hqBoxKey;
    crypto::SignPublicKey deviceSignKey;
    crypto::BoxPublicKey deviceBoxKey;
    crypto::SignPublicKey deviceWipeAckKey;

    [[nodiscard]] QByteArray encode() const; // kEnrolTranscriptBytes, context included
    // Exact length and context, else Malformed.
    [[nodiscard]] static Result<EnrolmentTranscript> decode(QByteArrayView bytes);
    friend bool operator==(const EnrolmentTranscript &, const EnrolmentTranscript &) = default;
};

// The device's T: the code's deployment, device, root key and HQ box key, the (accepted)
// certificate's hash and content key, and the device's three public keys.
[[nodiscard]] EnrolmentTranscript enrolmentTranscript(const EnrolmentCode &code,
                                                      const HqCertificate &certificate,
                                                      const crypto::SignPublicKey &deviceSignKey,
                                                      const crypto::BoxPublicKey &deviceBoxKey,
                                                      const crypto::SignPublicKey &wipeAckKey);

// ---------------------------------------------------------------------------------------------
// The submission.

// Device side: crypto_box_seal(T ‖ Ed25519_device(T) ‖ crypto_auth(T ‖ sig, mac_key), hqBoxKey).
// `deviceSignKey` must be the secret half of t.deviceSignKey (InvalidArgument otherwise);
// CryptoFailure when libsodium refuses the box key.
[[nodiscard]] Result<QByteArray> sealEnrolmentSubmission(const EnrolmentTranscript &t,
                                                         const crypto::SignSecretKey &deviceSignKey,
                                                         const crypto::SymmetricKey &macKey);

// What HQ expects a submission for one pending device to name.
struct EnrolmentExpectation
{
    crypto::Id16 deployment;
    crypto::Id16 device;
    crypto::SignPublicKey rootKey;
    crypto::SignPublicKey hqSignKey;
    crypto::BoxPublicKey hqBoxKey;
    // Hashes of the certificates HQ accepts in T (the current one; a rotation during the
    // enrolment may add the previous one).
    QList<crypto::Hash32> certificateHashes;
    std::int64_t expiresMs = 0;
};

// HQ side. In order: expiry (Refused), length (Malformed), sealed box (AuthFailed: not sealed to
// this HQ box key, or damaged), MAC (AuthFailed: not made with this code), transcript (Malformed),
// device signature (AuthFailed), then that T names this deployment, root, certificate, HQ keys
// and device (Refused, saying which). Returns the verified T.
[[nodiscard]] Result<EnrolmentTranscript>
openEnrolmentSubmission(QByteArrayView sealed, const crypto::BoxKeyPair &hqBox,
                        const crypto::SymmetricKey &macKey, const EnrolmentExpectation &expect,
                        std::int64_t nowMs);

// ---------------------------------------------------------------------------------------------
// The safety number.
struct SafetyNumber
{
    std::array<std::uint32_t, kSafetyNumberGroups> groups{}; // each < 100000

    // "12345 67890 ..." (12 groups of 5 digits, single spaces).
    [[nodiscard]] QString toString() const;
    // Three lines of four groups, for a terminal.
    [[nodiscard]] QString toDisplayString() const;
    // The 60 digits, no spaces.
    [[nodiscard]] QString digits() const;
    friend bool operator==(const SafetyNumber &, const SafetyNumber &) = default;
};

[[nodiscard]] SafetyNumber safetyNumber(const EnrolmentTranscript &t);
// The 60 digits of a typed number: spaces, tabs, line breaks, '-' and '.' are ignored; anything
// else, or a count other than 60, is Malformed.
[[nodiscard]] Result<SafetyNumber> parseSafetyNumber(QStringView typed);
// True only when `typed` parses and all 60 digits equal (compared in constant time).
[[nodiscard]] bool safetyNumberMatches(const SafetyNumber &expected, QStringView typed);

} // namespace liaison::protocol
