#pragma once

// Signed relay requests, "LIAISN-req-v1" (DESIGN.md "Relay"). Shared by the device client, HQ and
// the relay.
//
// A signed request carries four headers:
//   Liaison-Key    key id: a device id as 32 lower-case hex digits, "hq" (the HQ content key of
//                  the current HQ certificate) or "admin" (its relay-admin key)
//   Liaison-Time   the signer's time in ms since the Unix epoch, decimal
//   Liaison-Nonce  16 random bytes, 32 lower-case hex digits
//   Liaison-Sig    Ed25519 signature, 128 lower-case hex digits, over
//
//   "LIAISN-req-v1" ‖ lp(audience) ‖ lp(key id) ‖ lp(method) ‖ lp(path) ‖ lp(canonical query)
//                   ‖ lp(u64 time ms) ‖ lp(nonce) ‖ lp(BLAKE2b-256(body))
//
// where lp(x) = u32 big-endian length ‖ x, audience = deployment id (16 bytes) ‖ host (the Host
// header the client sends, e.g. "relay.example.org" or "127.0.0.1:8443"), method is upper case,
// path is the request path exactly as sent (without '?'), and the canonical query is the query
// with every name and value percent-decoded, re-encoded (RFC 3986 unreserved characters kept,
// everything else %XX upper case), sorted by name then value, joined with '&'.
//
// The relay accepts a time within ±5 min of its own clock and each (key id, nonce) once (its
// nonce store keeps them 10 min). Every relay response carries Liaison-Time; after a
// `clock_skew` error the client stores offset = relay − local and retries once.

#include "crypto/crypto.h"
#include "error.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QPair>

#include <cstdint>

namespace liaison::protocol {

struct RequestNonceTag;
using RequestNonce = crypto::FixedBytes<16, RequestNonceTag>;

inline constexpr char kHeaderKey[] = "Liaison-Key";
inline constexpr char kHeaderTime[] = "Liaison-Time";
inline constexpr char kHeaderNonce[] = "Liaison-Nonce";
inline constexpr char kHeaderSig[] = "Liaison-Sig";
inline constexpr QByteArrayView kRequestContext = "LIAISN-req-v1";

inline constexpr std::int64_t kRequestWindowMs = 5 * 60 * 1000;
inline constexpr std::int64_t kNonceRetentionMs = 10 * 60 * 1000;
inline constexpr qsizetype kMaxKeyIdBytes = 64;

inline constexpr QByteArrayView kHqKeyId = "hq";
inline constexpr QByteArrayView kAdminKeyId = "admin";

// Key id of a device: its id as lower-case hex.
[[nodiscard]] QByteArray deviceKeyId(const crypto::Id16 &deviceId);

// Everything the signature covers.
struct SignedRequest
{
    crypto::Id16 deployment;
    QByteArray host;   // Host header as sent
    QByteArray keyId;  // device id hex, "hq" or "admin"
    QByteArray method; // upper case
    QByteArray path;   // as sent, without the query
    QByteArray query;  // raw query as sent (without '?'); canonicalised for signing
    std::int64_t timeMs = 0;
    RequestNonce nonce;
    crypto::Hash32 bodyHash; // requestBodyHash(body)
};

// The four header values.
struct RequestAuthHeaders
{
    QByteArray key;
    QByteArray time;
    QByteArray nonce;
    QByteArray sig;
};

struct ParsedRequestAuth
{
    QByteArray keyId;
    std::int64_t timeMs = 0;
    RequestNonce nonce;
    crypto::Signature signature;
};

[[nodiscard]] crypto::Hash32 requestBodyHash(QByteArrayView body);

// Errc::Malformed for a query that does not percent-decode.
[[nodiscard]] Result<QByteArray> canonicalQuery(QByteArrayView rawQuery);

// The exact bytes that are signed. Errc::Malformed if the query does not canonicalise.
[[nodiscard]] Result<QByteArray> requestSigningMessage(const SignedRequest &request);

// Fills a fresh nonce if request.nonce is zero, signs, returns the header values.
[[nodiscard]] Result<RequestAuthHeaders> signRequest(SignedRequest &request,
                                                     const crypto::SignSecretKey &key);

// Convenience for clients: the four headers as (name, value) pairs.
[[nodiscard]] QList<QPair<QByteArray, QByteArray>> authHeaderList(const RequestAuthHeaders &h);

// Strict parse of the header values (lengths, hex, decimal). Errc::Malformed on anything odd;
// an empty `key` means "unsigned request": Errc::Refused.
[[nodiscard]] Result<ParsedRequestAuth> parseRequestAuth(const RequestAuthHeaders &headers);

[[nodiscard]] bool isValidKeyId(QByteArrayView keyId);

// request.keyId/timeMs/nonce must already be set from the parsed headers.
[[nodiscard]] bool verifyRequestSignature(const SignedRequest &request,
                                          const crypto::Signature &signature,
                                          const crypto::SignPublicKey &key);

// true if |requestMs - nowMs| <= kRequestWindowMs
[[nodiscard]] bool requestTimeInWindow(std::int64_t requestMs, std::int64_t nowMs);

} // namespace liaison::protocol
