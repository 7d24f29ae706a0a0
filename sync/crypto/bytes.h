#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QHashFunctions>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace liaison::crypto {

// Public, fixed-size byte values (public keys, hashes, ids, nonces, signatures). Distinct tag types
// keep a box key from being passed where a signing key is expected.
template <std::size_t N, typename Tag> struct FixedBytes
{
    static constexpr std::size_t size = N;
    std::array<std::uint8_t, N> bytes{};

    [[nodiscard]] QByteArrayView view() const
    {
        return QByteArrayView(reinterpret_cast<const char *>(bytes.data()), qsizetype(N));
    }
    [[nodiscard]] QByteArray toByteArray() const { return view().toByteArray(); }
    [[nodiscard]] QByteArray toHex() const { return toByteArray().toHex(); }
    [[nodiscard]] std::uint8_t *data() { return bytes.data(); }
    [[nodiscard]] const std::uint8_t *data() const { return bytes.data(); }
    [[nodiscard]] bool isZero() const
    {
        return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
    }

    [[nodiscard]] static std::optional<FixedBytes> fromBytes(QByteArrayView in)
    {
        if (std::size_t(in.size()) != N)
            return std::nullopt;
        FixedBytes out;
        std::copy_n(reinterpret_cast<const std::uint8_t *>(in.data()), N, out.bytes.begin());
        return out;
    }
    [[nodiscard]] static std::optional<FixedBytes> fromHex(QByteArrayView hex)
    {
        return fromBytes(QByteArray::fromHex(hex.toByteArray()));
    }

    friend bool operator==(const FixedBytes &, const FixedBytes &) = default;
    friend auto operator<=>(const FixedBytes &, const FixedBytes &) = default;
};

struct SignPublicKeyTag;
struct BoxPublicKeyTag;
struct SignatureTag;
struct XNonceTag;
struct Hash32Tag;
struct Hash64Tag;
struct SaltTag;
struct IdTag;
struct AuthTagTag;

using SignPublicKey = FixedBytes<32, SignPublicKeyTag>; // Ed25519
using BoxPublicKey = FixedBytes<32, BoxPublicKeyTag>;   // X25519
using Signature = FixedBytes<64, SignatureTag>;         // Ed25519 detached
using XNonce = FixedBytes<24, XNonceTag>;               // XChaCha20-Poly1305
using Hash32 = FixedBytes<32, Hash32Tag>;               // BLAKE2b-256
using Hash64 = FixedBytes<64, Hash64Tag>;               // BLAKE2b-512
using Salt16 = FixedBytes<16, SaltTag>;                 // Argon2id salt
using Id16 = FixedBytes<16, IdTag>;                     // device, deployment, key-file ids
using AuthTag = FixedBytes<32, AuthTagTag>;             // crypto_auth (HMAC-SHA-512-256)

// In the type's namespace, so that QHash finds it by argument-dependent lookup wherever <QHash>
// was included first (in the global namespace it was found only when this header came first).
template <std::size_t N, typename Tag>
inline size_t qHash(const FixedBytes<N, Tag> &v, size_t seed = 0) noexcept
{
    return qHashBits(v.bytes.data(), N, seed);
}

} // namespace liaison::crypto
