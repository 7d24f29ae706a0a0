#pragma once

// The vault's key file (DESIGN.md "Keys"). Fixed layout, big-endian:
//
//   part A (97 bytes, also the AEAD associated data)
//     magic "LSK1" | format u16 | alg u8 | opslimit u32 | memlimit u64 | salt[16] | nonce[24]
//     | key file id[16] | generation u32 | pepper alias[16] | erase-after u16
//   VK wrapped with XChaCha20-Poly1305 under KEK (32 + 16 bytes)
//
// KEK = BLAKE2b-256(key = pepper, "LIAISN-kek-v1" || Argon2id(passphrase, salt, ops, mem)).

#include "crypto/crypto.h"
#include "error.h"

#include <QByteArray>
#include <QString>

#include <cstdint>

namespace liaison::vault {

inline constexpr char kKeyFileMagic[4] = {'L', 'S', 'K', '1'};
inline constexpr std::uint16_t kKeyFileFormat = 1;
inline constexpr std::uint8_t kKeyFileAlg = 1; // Argon2id13 + BLAKE2b KEK + XChaCha20-Poly1305
inline constexpr qsizetype kKeyFilePartABytes = 97;
inline constexpr qsizetype kKeyFileBytes =
    kKeyFilePartABytes + 32 + qsizetype(crypto::kAeadTagBytes);
// erase-after: 0 = never crypto-erase on failed attempts; otherwise within this range.
inline constexpr std::uint16_t kEraseAfterMin = 3;
inline constexpr std::uint16_t kEraseAfterMax = 1000;

struct KeyFileHeader
{
    std::uint16_t format = kKeyFileFormat;
    std::uint8_t alg = kKeyFileAlg;
    crypto::KdfParams kdf;
    crypto::Salt16 salt;
    crypto::XNonce nonce;
    crypto::Id16 keyFileId; // the vault's id, the same for its whole life
    std::uint32_t generation = 0;
    crypto::Id16 pepperAlias; // names the pepper in the key store
    std::uint16_t eraseAfter = 10;
};

struct KeyFile
{
    KeyFileHeader header;
    QByteArray wrappedVaultKey; // 48 bytes
};

[[nodiscard]] QByteArray encodeKeyFilePartA(const KeyFileHeader &header);
[[nodiscard]] QByteArray encodeKeyFile(const KeyFile &file);
// Errc::DamagedKeyFile for a wrong size, magic, format or algorithm, KDF parameters outside
// 3..20 / 64 MiB..1 GiB (the test profile only where tests allowed it), or an erase-after count
// out of range. Nothing here is a failed attempt.
[[nodiscard]] Result<KeyFile> parseKeyFile(QByteArrayView bytes);

// The key-store alias of a pepper: "liaison-pepper-<32 hex>".
[[nodiscard]] QString pepperAliasName(const crypto::Id16 &alias);

// Argon2id, then BLAKE2b keyed with the pepper. Errc::DamagedKeyFile for parameters out of range.
[[nodiscard]] Result<crypto::SymmetricKey> deriveKek(const crypto::SecretBytes &passphrase,
                                                     const KeyFileHeader &header,
                                                     const crypto::SecretBytes &pepper);
// A key file for `header` (salt and nonce already fresh) with VK wrapped under KEK.
[[nodiscard]] KeyFile wrapVaultKey(const KeyFileHeader &header,
                                   const crypto::SymmetricKey &vaultKey,
                                   const crypto::SymmetricKey &kek);
// Errc::AuthFailed when the KEK or any byte of the file is wrong.
[[nodiscard]] Result<crypto::SymmetricKey> unwrapVaultKey(const KeyFile &file,
                                                          const crypto::SymmetricKey &kek);

} // namespace liaison::vault
