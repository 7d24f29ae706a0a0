#pragma once

// The HQ root key, kept offline (DESIGN.md "Keys": "Root: Ed25519, made offline (`liaison-hq root
// init`), kept offline"). Its secret half lives only in this file, meant for removable media and
// encrypted under its own passphrase; the desk store never holds it. Fixed layout, big-endian:
//
//   magic "LRK1"                      4
//   format u16 (1)                    2
//   alg u8 (1: Argon2id + XChaCha20-Poly1305)
//                                     1
//   opslimit u32, memlimit u64       12
//   salt                             16
//   nonce                            24
//   deployment id                    16   (made with the root; named by every certificate)
//   root public key                  32
//   created (ms, Unix) u64            8
//   -- 115 bytes: the header, also the associated data --
//   XChaCha20-Poly1305(root Ed25519 secret key (64), key = Argon2id(passphrase, salt))   80
//
// The header is public (the desk's `init` reads the deployment id and the root public key from
// it without the passphrase); changing a byte of it makes the decryption fail.

#include "crypto/crypto.h"
#include "error.h"

#include <QString>

#include <cstdint>
#include <optional>

namespace liaison::desk {

inline constexpr QByteArrayView kRootFileMagic = "LRK1";
inline constexpr qsizetype kRootFileHeaderBytes = 115;
inline constexpr qsizetype kRootFileBytes = kRootFileHeaderBytes + 64 + 16;

struct RootPublic
{
    crypto::Id16 deployment;
    crypto::SignPublicKey rootKey;
    qint64 createdMs = 0;
};

struct RootKey
{
    RootPublic pub;
    crypto::SignKeyPair keys;
};

// A fresh root key and deployment id, written atomically (0600) to `path`, which must not exist.
// `kdf`: nullopt = 256 MiB, opslimit calibrated to about 1 s (never below 3).
[[nodiscard]] Result<RootPublic> createRootKeyFile(const QString &path,
                                                   const crypto::SecretBytes &passphrase,
                                                   qint64 nowMs,
                                                   std::optional<crypto::KdfParams> kdf = {});
// The public header alone (no passphrase). Malformed / DamagedKeyFile / NotFound.
[[nodiscard]] Result<RootPublic> readRootPublic(const QString &path);
// The root key, decrypted. WrongKey for a wrong passphrase (or a changed header).
[[nodiscard]] Result<RootKey> openRootKeyFile(const QString &path,
                                              const crypto::SecretBytes &passphrase);

} // namespace liaison::desk
