#pragma once

// Quick unlock's file, "vault.quick" (DESIGN.md "Unlock, lockout, auto-lock": VK is also wrapped
// by a platform key that releases only after biometric user authentication). Fixed layout,
// big-endian, 162 bytes:
//
//   part A (66 bytes, the AEAD's associated data)
//     magic "LSQ1" | format u16 | key file id[16] | generation u32 | pepper alias[16] | nonce[24]
//   VK wrapped with XChaCha20-Poly1305 under QKEK (32 + 16 bytes)
//   window: since ms i64 | length ms i64
//   window MAC[32] = BLAKE2b-256(key = kdf(VK, 2, "LIAISNqk"),
//                                "LIAISN-quickwin-v1" || key file id || generation || window)
//
// QKEK = BLAKE2b-256(key = pepper, "LIAISN-quick-v1" || QS). QS ("quick secret", 32 random
// bytes) is kept only by the platform's biometric store (platform/quickunlock.h), the pepper only
// by the key store: neither opens anything alone, and nothing shorter than either is stored. The
// key file's id, generation and pepper alias bind the file to one key file: a passphrase change
// (new pepper, new generation) or a crypto-erase (pepper gone) leaves it dead. The window is
// authenticated under VK, so only a passphrase unlock (which holds VK) can move it; unlockQuick
// checks it after unwrapping and before opening anything.

#include "crypto/crypto.h"
#include "error.h"

#include <QByteArray>

#include <cstdint>

namespace liaison::vault {

inline constexpr char kQuickFileMagic[4] = {'L', 'S', 'Q', '1'};
inline constexpr std::uint16_t kQuickFileFormat = 1;
inline constexpr qsizetype kQuickPartABytes = 66;
inline constexpr qsizetype kQuickFileBytes =
    kQuickPartABytes + 32 + qsizetype(crypto::kAeadTagBytes) + 16 + 32;
inline constexpr std::size_t kQuickSecretBytes = 32;

struct QuickTicket
{
    crypto::Id16 keyFileId;
    std::uint32_t generation = 0;
    crypto::Id16 pepperAlias;
    crypto::XNonce nonce;
    QByteArray wrappedVaultKey; // 48 bytes
    std::int64_t sinceMs = 0;   // the passphrase unlock the window starts from (wall ms)
    std::int64_t windowMs = 0;
    crypto::Hash32 windowMac;
};

[[nodiscard]] QByteArray encodeQuickTicket(const QuickTicket &ticket);
// Errc::Malformed for a wrong size, magic or format.
[[nodiscard]] Result<QuickTicket> parseQuickTicket(QByteArrayView bytes);

// QKEK from the pepper and the quick secret (both 32 bytes).
[[nodiscard]] Result<crypto::SymmetricKey> deriveQuickKek(const crypto::SecretBytes &pepper,
                                                          const crypto::SecretBytes &quickSecret);
// Wraps VK into `ticket` (binding fields set, fresh nonce) and authenticates its window.
void sealQuickTicket(QuickTicket &ticket, const crypto::SymmetricKey &vaultKey,
                     const crypto::SymmetricKey &quickKek);
// The window's MAC anew (VK at hand after a passphrase unlock).
void signQuickWindow(QuickTicket &ticket, const crypto::SymmetricKey &vaultKey);
// Errc::AuthFailed when QKEK or any byte of part A or the wrapped key is wrong.
[[nodiscard]] Result<crypto::SymmetricKey> openQuickTicket(const QuickTicket &ticket,
                                                           const crypto::SymmetricKey &quickKek);
// Constant time.
[[nodiscard]] bool quickWindowAuthentic(const QuickTicket &ticket,
                                        const crypto::SymmetricKey &vaultKey);

} // namespace liaison::vault
