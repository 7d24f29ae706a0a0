#include "desk/rootkeyfile.h"

#include "store/atomicfile.h"

#include <QFileInfo>
#include <QtEndian>

namespace liaison::desk {

namespace {

constexpr std::uint16_t kFormat = 1;
constexpr std::uint8_t kAlg = 1;
constexpr std::uint64_t kRootMemlimit = 256ull << 20;

struct Header
{
    crypto::KdfParams kdf;
    crypto::Salt16 salt;
    crypto::XNonce nonce;
    RootPublic pub;
};

template <typename T> void put(QByteArray &out, T value)
{
    char b[sizeof(T)];
    qToBigEndian(value, b);
    out.append(b, qsizetype(sizeof(T)));
}

template <typename T> T get(QByteArrayView in, qsizetype &at)
{
    const T v = qFromBigEndian<T>(in.data() + at);
    at += qsizetype(sizeof(T));
    return v;
}

template <typename F> F fixed(QByteArrayView in, qsizetype &at)
{
    F f = *F::fromBytes(in.sliced(at, qsizetype(F::size)));
    at += qsizetype(F::size);
    return f;
}

QByteArray encodeHeader(const Header &h)
{
    QByteArray out;
    out.append(kRootFileMagic.data(), kRootFileMagic.size());
    put<std::uint16_t>(out, kFormat);
    put<std::uint8_t>(out, kAlg);
    put<std::uint32_t>(out, h.kdf.opslimit);
    put<std::uint64_t>(out, h.kdf.memlimit);
    out.append(h.salt.view());
    out.append(h.nonce.view());
    out.append(h.pub.deployment.view());
    out.append(h.pub.rootKey.view());
    put<std::uint64_t>(out, std::uint64_t(h.pub.createdMs));
    return out;
}

Result<Header> decodeHeader(QByteArrayView bytes)
{
    if (bytes.size() != kRootFileBytes || !bytes.startsWith(kRootFileMagic))
        return fail(Errc::Malformed, QStringLiteral("this is not a Liaison root key file"));
    qsizetype at = kRootFileMagic.size();
    const auto format = get<std::uint16_t>(bytes, at);
    const auto alg = get<std::uint8_t>(bytes, at);
    if (format != kFormat || alg != kAlg)
        return fail(Errc::DamagedKeyFile,
                    QStringLiteral("the root key file has an unknown format or algorithm"));
    Header h;
    h.kdf.opslimit = get<std::uint32_t>(bytes, at);
    h.kdf.memlimit = get<std::uint64_t>(bytes, at);
    h.salt = fixed<crypto::Salt16>(bytes, at);
    h.nonce = fixed<crypto::XNonce>(bytes, at);
    h.pub.deployment = fixed<crypto::Id16>(bytes, at);
    h.pub.rootKey = fixed<crypto::SignPublicKey>(bytes, at);
    h.pub.createdMs = qint64(get<std::uint64_t>(bytes, at));
    if (!crypto::kdfParamsInRange(h.kdf))
        return fail(Errc::DamagedKeyFile,
                    QStringLiteral("the root key file's Argon2id parameters are out of range"));
    return h;
}

Result<crypto::SymmetricKey> deriveKey(const crypto::SecretBytes &passphrase, const Header &h)
{
    auto k = crypto::crypto_pwhash_argon2id(passphrase.view(), h.salt, h.kdf);
    if (!k)
        return std::unexpected(k.error());
    return crypto::SymmetricKey(std::move(*k));
}

} // namespace

Result<RootPublic> createRootKeyFile(const QString &path, const crypto::SecretBytes &passphrase,
                                     qint64 nowMs, std::optional<crypto::KdfParams> kdf)
{
    if (passphrase.empty())
        return fail(Errc::WeakPassphrase, QStringLiteral("the root key needs a passphrase"));
    if (QFileInfo::exists(path))
        return fail(Errc::AlreadyExists,
                    QStringLiteral("%1 exists; a root key file is never overwritten").arg(path));
    Header h;
    h.kdf = kdf ? *kdf : crypto::calibrateKdf(kRootMemlimit, 1000);
    if (!crypto::kdfParamsInRange(h.kdf))
        return fail(Errc::InvalidArgument, QStringLiteral("Argon2id parameters out of range"));
    h.salt = crypto::randomFixed<crypto::Salt16>();
    h.nonce = crypto::randomFixed<crypto::XNonce>();
    h.pub.deployment = crypto::randomFixed<crypto::Id16>();
    h.pub.createdMs = nowMs;
    crypto::SignKeyPair root = crypto::crypto_sign_keypair();
    h.pub.rootKey = root.publicKey;
    auto key = deriveKey(passphrase, h);
    if (!key)
        return std::unexpected(key.error());
    const QByteArray header = encodeHeader(h);
    QByteArray file =
        header + crypto::crypto_aead_encrypt(root.secretKey.view(), header, h.nonce, *key);
    if (file.size() != kRootFileBytes)
        return fail(Errc::Internal, QStringLiteral("root key file of the wrong size"));
    if (auto s = store::writeFileAtomically(path, file, 0600); !s)
        return std::unexpected(s.error());
    return h.pub;
}

Result<RootPublic> readRootPublic(const QString &path)
{
    auto bytes = store::readSmallFile(path, 4096);
    if (!bytes)
        return std::unexpected(bytes.error());
    auto h = decodeHeader(*bytes);
    if (!h)
        return std::unexpected(h.error());
    return h->pub;
}

Result<RootKey> openRootKeyFile(const QString &path, const crypto::SecretBytes &passphrase)
{
    auto bytes = store::readSmallFile(path, 4096);
    if (!bytes)
        return std::unexpected(bytes.error());
    auto h = decodeHeader(*bytes);
    if (!h)
        return std::unexpected(h.error());
    auto key = deriveKey(passphrase, *h);
    if (!key)
        return std::unexpected(key.error());
    const QByteArrayView all(*bytes);
    auto secret = crypto::crypto_aead_decrypt_secret(
        all.sliced(kRootFileHeaderBytes), all.first(kRootFileHeaderBytes), h->nonce, *key);
    if (!secret)
        return fail(Errc::WrongKey,
                    QStringLiteral("the passphrase does not open this root key file"));
    auto pair = crypto::crypto_sign_keypair_from_secret(crypto::SignSecretKey(std::move(*secret)));
    if (!pair)
        return std::unexpected(pair.error());
    if (pair->publicKey != h->pub.rootKey)
        return fail(Errc::Tampered, QStringLiteral("the root key file is damaged"));
    RootKey out{h->pub, std::move(*pair)};
    return out;
}

} // namespace liaison::desk
