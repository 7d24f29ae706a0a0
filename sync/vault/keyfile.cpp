#include "keyfile.h"

#include <QtEndian>

#include <cstring>

namespace liaison::vault {
namespace {

template <typename T> void put(QByteArray &out, T value)
{
    char buf[sizeof(T)];
    qToBigEndian(value, buf);
    out.append(buf, qsizetype(sizeof(T)));
}

template <typename T> T take(const char *&p)
{
    const T v = qFromBigEndian<T>(p);
    p += sizeof(T);
    return v;
}

template <typename Fixed> Fixed takeFixed(const char *&p)
{
    Fixed f;
    std::memcpy(f.data(), p, Fixed::size);
    p += Fixed::size;
    return f;
}

Error damaged(const QString &why)
{
    return Error(Errc::DamagedKeyFile, QStringLiteral("damaged key file: %1").arg(why));
}

} // namespace

QByteArray encodeKeyFilePartA(const KeyFileHeader &h)
{
    QByteArray out;
    out.reserve(kKeyFilePartABytes);
    out.append(kKeyFileMagic, 4);
    put<std::uint16_t>(out, h.format);
    put<std::uint8_t>(out, h.alg);
    put<std::uint32_t>(out, h.kdf.opslimit);
    put<std::uint64_t>(out, h.kdf.memlimit);
    out.append(h.salt.view());
    out.append(h.nonce.view());
    out.append(h.keyFileId.view());
    put<std::uint32_t>(out, h.generation);
    out.append(h.pepperAlias.view());
    put<std::uint16_t>(out, h.eraseAfter);
    Q_ASSERT(out.size() == kKeyFilePartABytes);
    return out;
}

QByteArray encodeKeyFile(const KeyFile &file)
{
    return encodeKeyFilePartA(file.header) + file.wrappedVaultKey;
}

Result<KeyFile> parseKeyFile(QByteArrayView bytes)
{
    if (bytes.size() != kKeyFileBytes)
        return std::unexpected(damaged(QStringLiteral("wrong size")));
    if (std::memcmp(bytes.data(), kKeyFileMagic, 4) != 0)
        return std::unexpected(damaged(QStringLiteral("not a Liaison key file")));
    const char *p = bytes.data() + 4;
    KeyFile f;
    KeyFileHeader &h = f.header;
    h.format = take<std::uint16_t>(p);
    h.alg = take<std::uint8_t>(p);
    h.kdf.opslimit = take<std::uint32_t>(p);
    h.kdf.memlimit = take<std::uint64_t>(p);
    h.salt = takeFixed<crypto::Salt16>(p);
    h.nonce = takeFixed<crypto::XNonce>(p);
    h.keyFileId = takeFixed<crypto::Id16>(p);
    h.generation = take<std::uint32_t>(p);
    h.pepperAlias = takeFixed<crypto::Id16>(p);
    h.eraseAfter = take<std::uint16_t>(p);
    Q_ASSERT(p == bytes.data() + kKeyFilePartABytes);
    f.wrappedVaultKey = QByteArray(p, kKeyFileBytes - kKeyFilePartABytes);

    if (h.format != kKeyFileFormat)
        return std::unexpected(damaged(QStringLiteral("unknown format %1").arg(h.format)));
    if (h.alg != kKeyFileAlg)
        return std::unexpected(damaged(QStringLiteral("unknown algorithm %1").arg(h.alg)));
    if (!crypto::kdfParamsInRange(h.kdf))
        return std::unexpected(damaged(QStringLiteral("Argon2id parameters out of range")));
    if (h.eraseAfter != 0 && (h.eraseAfter < kEraseAfterMin || h.eraseAfter > kEraseAfterMax))
        return std::unexpected(damaged(QStringLiteral("erase-after count out of range")));
    if (h.generation == 0)
        return std::unexpected(damaged(QStringLiteral("generation 0")));
    return f;
}

QString pepperAliasName(const crypto::Id16 &alias)
{
    return QStringLiteral("liaison-pepper-") + QString::fromLatin1(alias.toHex());
}

Result<crypto::SymmetricKey> deriveKek(const crypto::SecretBytes &passphrase,
                                       const KeyFileHeader &header,
                                       const crypto::SecretBytes &pepper)
{
    if (pepper.size() != 32)
        return fail(Errc::CryptoFailure, QStringLiteral("the pepper has the wrong size"));
    auto stretched = crypto::crypto_pwhash_argon2id(passphrase.view(), header.salt, header.kdf, 32);
    if (!stretched)
        return std::unexpected(stretched.error());
    crypto::GenericHash h(32, pepper.view());
    h.update("LIAISN-kek-v1");
    h.update(stretched->view());
    QByteArray out = h.final();
    crypto::SymmetricKey kek(crypto::SecretBytes::copyOf(out));
    crypto::memzero(out.data(), std::size_t(out.size()));
    return kek;
}

KeyFile wrapVaultKey(const KeyFileHeader &header, const crypto::SymmetricKey &vaultKey,
                     const crypto::SymmetricKey &kek)
{
    KeyFile f;
    f.header = header;
    f.wrappedVaultKey =
        crypto::crypto_aead_encrypt(vaultKey.view(), encodeKeyFilePartA(header), header.nonce, kek);
    return f;
}

Result<crypto::SymmetricKey> unwrapVaultKey(const KeyFile &file, const crypto::SymmetricKey &kek)
{
    auto vk = crypto::crypto_aead_decrypt_secret(
        file.wrappedVaultKey, encodeKeyFilePartA(file.header), file.header.nonce, kek);
    if (!vk)
        return fail(Errc::AuthFailed,
                    QStringLiteral("the key file does not open with this passphrase"));
    if (vk->size() != crypto::SymmetricKey::size)
        return fail(Errc::DamagedKeyFile, QStringLiteral("damaged key file: wrapped key size"));
    return crypto::SymmetricKey(std::move(*vk));
}

} // namespace liaison::vault
