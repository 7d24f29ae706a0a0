#include "crypto.h"

#include <sodium.h>

#include <QElapsedTimer>
#include <QLoggingCategory>

#include <atomic>
#include <cstdlib>
#include <cstring>

Q_LOGGING_CATEGORY(lcCrypto, "liaison.crypto")

namespace liaison::crypto {

static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES == XNonce::size);
static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == SymmetricKey::size);
static_assert(crypto_aead_xchacha20poly1305_ietf_ABYTES == kAeadTagBytes);
static_assert(crypto_box_SEALBYTES == kSealBytes);
static_assert(crypto_box_PUBLICKEYBYTES == BoxPublicKey::size);
static_assert(crypto_box_SECRETKEYBYTES == BoxSecretKey::size);
static_assert(crypto_sign_PUBLICKEYBYTES == SignPublicKey::size);
static_assert(crypto_sign_SECRETKEYBYTES == SignSecretKey::size);
static_assert(crypto_sign_BYTES == Signature::size);
static_assert(crypto_pwhash_SALTBYTES == Salt16::size);
static_assert(crypto_kdf_KEYBYTES == SymmetricKey::size);

namespace {
#if defined(LIAISON_TEST_HOOKS)
std::atomic<bool> g_testKdfAllowed{false};
#endif

const unsigned char *u8(QByteArrayView v)
{
    return reinterpret_cast<const unsigned char *>(v.data());
}

// Every libsodium call's return value is checked (review L-1, issue 8 point 12). The calls below
// cannot fail with the sizes this file passes them; one that does anyway (a caller's over-long
// key, a broken library) would leave its output untouched, and that output (zeros, or
// uninitialised heap) would go on as a hash, a key or a signature. The process stops instead:
// fail closed, naming only the call.
void require(int rc, const char *call)
{
    if (rc == 0)
        return;
    qCCritical(lcCrypto) << "libsodium" << call << "failed: stopping";
    std::abort();
}
} // namespace

Status initialize()
{
    if (sodium_init() < 0)
        return fail(Errc::CryptoFailure, QStringLiteral("libsodium could not be initialised"));
    return selfTest();
}

void randomFill(std::uint8_t *out, std::size_t size)
{
    randombytes_buf(out, size);
}

QByteArray randomBytes(qsizetype size)
{
    QByteArray out(size, Qt::Uninitialized);
    randombytes_buf(out.data(), std::size_t(size));
    return out;
}

std::uint32_t randomUniform(std::uint32_t upperBound)
{
    return randombytes_uniform(upperBound);
}

bool equalConstantTime(QByteArrayView a, QByteArrayView b)
{
    if (a.size() != b.size())
        return false;
    if (a.isEmpty())
        return true;
    return sodium_memcmp(a.data(), b.data(), std::size_t(a.size())) == 0;
}

void memzero(void *data, std::size_t size)
{
    sodium_memzero(data, size);
}

// ---- Argon2id ----

#if defined(LIAISON_TEST_HOOKS)
Status allowTestKdfProfile()
{
    g_testKdfAllowed = true;
    return {};
}

bool testKdfProfileAllowed()
{
    return g_testKdfAllowed.load();
}
#endif

bool kdfParamsInRange(const KdfParams &p)
{
    if (p.opslimit >= kOpsMin && p.opslimit <= kOpsMax && p.memlimit >= kMemMin &&
        p.memlimit <= kMemMax)
        return true;
    return testKdfProfileAllowed() && p == kTestKdfParams;
}

Result<SecretBytes> crypto_pwhash_argon2id(QByteArrayView passphrase, const Salt16 &salt,
                                           KdfParams params, std::size_t outSize)
{
    if (!kdfParamsInRange(params))
        return fail(Errc::DamagedKeyFile, QStringLiteral("Argon2id parameters out of range"));
    SecretBytes out(outSize);
    if (::crypto_pwhash(out.data(), outSize, passphrase.data(),
                        static_cast<unsigned long long>(passphrase.size()), salt.data(),
                        params.opslimit, std::size_t(params.memlimit),
                        crypto_pwhash_ALG_ARGON2ID13) != 0)
        return fail(Errc::CryptoFailure,
                    QStringLiteral("Argon2id failed (not enough memory for %1 MiB?)")
                        .arg(params.memlimit >> 20));
    return out;
}

KdfParams calibrateKdf(std::uint64_t memlimit, int targetMs)
{
    // Time one pass at the minimum opslimit and scale linearly (Argon2 cost is linear in passes).
    const Salt16 salt = randomFixed<Salt16>();
    QElapsedTimer timer;
    timer.start();
    SecretBytes out(32);
    if (::crypto_pwhash(out.data(), out.size(), "calibrate", 9, salt.data(), kOpsMin,
                        std::size_t(memlimit), crypto_pwhash_ALG_ARGON2ID13) != 0)
        return {kOpsMin, memlimit};
    const qint64 elapsed = std::max<qint64>(1, timer.elapsed());
    const qint64 ops = qint64(kOpsMin) * targetMs / elapsed;
    return {std::uint32_t(std::clamp<qint64>(ops, kOpsMin, kOpsMax)), memlimit};
}

// ---- AEAD ----

QByteArray crypto_aead_encrypt(QByteArrayView plaintext, QByteArrayView ad, const XNonce &nonce,
                               const SymmetricKey &key)
{
    QByteArray out(plaintext.size() + qsizetype(kAeadTagBytes), Qt::Uninitialized);
    unsigned long long outLen = 0;
    require(crypto_aead_xchacha20poly1305_ietf_encrypt(
                reinterpret_cast<unsigned char *>(out.data()), &outLen, u8(plaintext),
                std::size_t(plaintext.size()), u8(ad), std::size_t(ad.size()), nullptr,
                nonce.data(), key.data()),
            "crypto_aead_xchacha20poly1305_ietf_encrypt");
    out.resize(qsizetype(outLen));
    return out;
}

Result<QByteArray> crypto_aead_decrypt(QByteArrayView ciphertext, QByteArrayView ad,
                                       const XNonce &nonce, const SymmetricKey &key)
{
    if (ciphertext.size() < qsizetype(kAeadTagBytes))
        return fail(Errc::AuthFailed, QStringLiteral("ciphertext shorter than its tag"));
    QByteArray out(ciphertext.size() - qsizetype(kAeadTagBytes), Qt::Uninitialized);
    unsigned long long outLen = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            reinterpret_cast<unsigned char *>(out.data()), &outLen, nullptr, u8(ciphertext),
            std::size_t(ciphertext.size()), u8(ad), std::size_t(ad.size()), nonce.data(),
            key.data()) != 0)
        return fail(Errc::AuthFailed, QStringLiteral("authentication tag did not verify"));
    out.resize(qsizetype(outLen));
    return out;
}

Result<SecretBytes> crypto_aead_decrypt_secret(QByteArrayView ciphertext, QByteArrayView ad,
                                               const XNonce &nonce, const SymmetricKey &key)
{
    if (ciphertext.size() < qsizetype(kAeadTagBytes))
        return fail(Errc::AuthFailed, QStringLiteral("ciphertext shorter than its tag"));
    SecretBytes out(std::size_t(ciphertext.size()) - kAeadTagBytes);
    unsigned long long outLen = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            out.data(), &outLen, nullptr, u8(ciphertext), std::size_t(ciphertext.size()), u8(ad),
            std::size_t(ad.size()), nonce.data(), key.data()) != 0)
        return fail(Errc::AuthFailed, QStringLiteral("authentication tag did not verify"));
    return out;
}

// ---- sealed boxes ----

BoxKeyPair crypto_box_keypair()
{
    BoxKeyPair kp;
    require(::crypto_box_keypair(kp.publicKey.data(), kp.secretKey.data()), "crypto_box_keypair");
    return kp;
}

BoxKeyPair crypto_box_keypair_from_secret(BoxSecretKey &&secret)
{
    BoxKeyPair kp;
    kp.secretKey = std::move(secret);
    require(crypto_scalarmult_base(kp.publicKey.data(), kp.secretKey.data()),
            "crypto_scalarmult_base");
    return kp;
}

QByteArray crypto_box_seal(QByteArrayView message, const BoxPublicKey &recipient)
{
    // Zero-filled, and nothing at all when libsodium refuses (a low-order key leaves 48 bytes of
    // the output untouched): heap bytes must never travel to the relay (security review L-1).
    QByteArray out(message.size() + qsizetype(kSealBytes), '\0');
    if (::crypto_box_seal(reinterpret_cast<unsigned char *>(out.data()), u8(message),
                          std::size_t(message.size()), recipient.data()) != 0)
        return QByteArray();
    return out;
}

Result<QByteArray> crypto_box_seal_open(QByteArrayView sealed, const BoxKeyPair &me)
{
    if (sealed.size() < qsizetype(kSealBytes))
        return fail(Errc::AuthFailed, QStringLiteral("sealed box too short"));
    QByteArray out(sealed.size() - qsizetype(kSealBytes), Qt::Uninitialized);
    if (::crypto_box_seal_open(reinterpret_cast<unsigned char *>(out.data()), u8(sealed),
                               std::size_t(sealed.size()), me.publicKey.data(),
                               me.secretKey.data()) != 0)
        return fail(Errc::AuthFailed, QStringLiteral("sealed box did not open"));
    return out;
}

Result<SecretBytes> crypto_box_seal_open_secret(QByteArrayView sealed, const BoxKeyPair &me)
{
    if (sealed.size() < qsizetype(kSealBytes))
        return fail(Errc::AuthFailed, QStringLiteral("sealed box too short"));
    SecretBytes out(std::size_t(sealed.size()) - kSealBytes);
    if (::crypto_box_seal_open(out.data(), u8(sealed), std::size_t(sealed.size()),
                               me.publicKey.data(), me.secretKey.data()) != 0)
        return fail(Errc::AuthFailed, QStringLiteral("sealed box did not open"));
    return out;
}

// ---- Ed25519 ----

SignKeyPair crypto_sign_keypair()
{
    SignKeyPair kp;
    require(::crypto_sign_keypair(kp.publicKey.data(), kp.secretKey.data()), "crypto_sign_keypair");
    return kp;
}

Result<SignKeyPair> crypto_sign_seed_keypair(const SecretBytes &seed32)
{
    if (seed32.size() != crypto_sign_SEEDBYTES)
        return fail(Errc::InvalidArgument, QStringLiteral("Ed25519 seed must be 32 bytes"));
    SignKeyPair kp;
    require(::crypto_sign_seed_keypair(kp.publicKey.data(), kp.secretKey.data(), seed32.data()),
            "crypto_sign_seed_keypair");
    return kp;
}

Result<SignKeyPair> crypto_sign_keypair_from_secret(SignSecretKey &&secret)
{
    if (!secret.isValid())
        return fail(Errc::InvalidArgument, QStringLiteral("Ed25519 secret key must be 64 bytes"));
    SignKeyPair kp;
    kp.secretKey = std::move(secret);
    require(crypto_sign_ed25519_sk_to_pk(kp.publicKey.data(), kp.secretKey.data()),
            "crypto_sign_ed25519_sk_to_pk");
    return kp;
}

Signature crypto_sign_detached(QByteArrayView message, const SignSecretKey &key)
{
    Signature sig;
    require(::crypto_sign_detached(sig.data(), nullptr, u8(message), std::size_t(message.size()),
                                   key.data()),
            "crypto_sign_detached");
    return sig;
}

bool crypto_sign_verify_detached(const Signature &sig, QByteArrayView message,
                                 const SignPublicKey &key)
{
    return ::crypto_sign_verify_detached(sig.data(), u8(message), std::size_t(message.size()),
                                         key.data()) == 0;
}

// ---- BLAKE2b ----

Hash32 crypto_generichash(QByteArrayView message)
{
    Hash32 h;
    require(::crypto_generichash(h.data(), Hash32::size, u8(message), std::size_t(message.size()),
                                 nullptr, 0),
            "crypto_generichash");
    return h;
}

Hash32 crypto_generichash_keyed(QByteArrayView message, QByteArrayView key)
{
    Hash32 h;
    require(::crypto_generichash(h.data(), Hash32::size, u8(message), std::size_t(message.size()),
                                 u8(key), std::size_t(key.size())),
            "crypto_generichash (keyed)");
    return h;
}

Hash64 crypto_generichash_512(QByteArrayView message)
{
    Hash64 h;
    require(::crypto_generichash(h.data(), Hash64::size, u8(message), std::size_t(message.size()),
                                 nullptr, 0),
            "crypto_generichash (512)");
    return h;
}

GenericHash::GenericHash(std::size_t outSize, QByteArrayView key)
    : m_outSize(outSize)
{
    static_assert(sizeof(crypto_generichash_state) <= sizeof(m_state));
    require(::crypto_generichash_init(reinterpret_cast<crypto_generichash_state *>(m_state),
                                      key.isEmpty() ? nullptr : u8(key), std::size_t(key.size()),
                                      outSize),
            "crypto_generichash_init");
}

GenericHash::~GenericHash()
{
    sodium_memzero(m_state, sizeof m_state);
}

void GenericHash::update(QByteArrayView data)
{
    require(::crypto_generichash_update(reinterpret_cast<crypto_generichash_state *>(m_state),
                                        u8(data), std::size_t(data.size())),
            "crypto_generichash_update");
}

QByteArray GenericHash::final()
{
    QByteArray out(qsizetype(m_outSize), Qt::Uninitialized);
    require(::crypto_generichash_final(reinterpret_cast<crypto_generichash_state *>(m_state),
                                       reinterpret_cast<unsigned char *>(out.data()), m_outSize),
            "crypto_generichash_final");
    return out;
}

Hash32 GenericHash::final32()
{
    Hash32 h;
    require(::crypto_generichash_final(reinterpret_cast<crypto_generichash_state *>(m_state),
                                       h.data(), Hash32::size),
            "crypto_generichash_final");
    return h;
}

// ---- KDF ----

SymmetricKey crypto_kdf_derive_from_key(const SymmetricKey &master, std::uint64_t subkeyId,
                                        const char *context)
{
    SymmetricKey out;
    require(::crypto_kdf_derive_from_key(out.data(), SymmetricKey::size, subkeyId, context,
                                         master.data()),
            "crypto_kdf_derive_from_key");
    return out;
}

// ---- crypto_auth ----

static_assert(crypto_auth_BYTES == AuthTag::size && crypto_auth_KEYBYTES == SymmetricKey::size);

AuthTag crypto_auth(QByteArrayView message, const SymmetricKey &key)
{
    AuthTag tag;
    require(::crypto_auth(tag.data(), u8(message), std::size_t(message.size()), key.data()),
            "crypto_auth");
    return tag;
}

bool crypto_auth_verify(const AuthTag &tag, QByteArrayView message, const SymmetricKey &key)
{
    return ::crypto_auth_verify(tag.data(), u8(message), std::size_t(message.size()), key.data()) ==
           0;
}

// ---- padding ----

QByteArray sodium_pad(QByteArrayView data, std::size_t blockSize)
{
    const std::size_t len = std::size_t(data.size());
    const std::size_t max = len + blockSize; // room for at most one extra block
    QByteArray out(qsizetype(max), '\0');
    if (len > 0) // an empty view may carry a null pointer
        std::memcpy(out.data(), data.data(), len);
    std::size_t padded = 0;
    if (::sodium_pad(&padded, reinterpret_cast<unsigned char *>(out.data()), len, blockSize, max) !=
        0)
        return {};
    out.resize(qsizetype(padded));
    return out;
}

Result<QByteArray> sodium_unpad(QByteArrayView padded, std::size_t blockSize)
{
    std::size_t len = 0;
    if (padded.isEmpty() ||
        ::sodium_unpad(&len, u8(padded), std::size_t(padded.size()), blockSize) != 0)
        return fail(Errc::Malformed, QStringLiteral("bad padding"));
    return padded.first(qsizetype(len)).toByteArray();
}

SecretBytes sqlcipherRawKey(const SymmetricKey &key)
{
    // x' + 64 hex + ' = 67 characters. sodium_bin2hex writes a terminator, so use a scratch
    // secret buffer of 65 and copy.
    SecretBytes hex(2 * SymmetricKey::size + 1);
    sodium_bin2hex(reinterpret_cast<char *>(hex.data()), hex.size(), key.data(),
                   SymmetricKey::size);
    SecretBytes out(3 + 2 * SymmetricKey::size);
    out.data()[0] = 'x';
    out.data()[1] = '\'';
    std::memcpy(out.data() + 2, hex.data(), 2 * SymmetricKey::size);
    out.data()[out.size() - 1] = '\'';
    return out;
}

} // namespace liaison::crypto
