#pragma once

// The one wrapper over libsodium. Nothing outside sync/crypto/ includes <sodium.h>.
// Names follow libsodium's crypto_<construction>_<operation>.

#include "bytes.h"
#include "error.h"
#include "secret.h"

#include <QByteArray>
#include <QByteArrayView>

#include <cstdint>

namespace liaison::crypto {

// sodium_init plus the known-answer self-test. Call once at start-up; a failure is fatal.
[[nodiscard]] Status initialize();
// Known-answer tests of every primitive Liaison uses (vectors cite their source in selftest.cpp).
[[nodiscard]] Status selfTest();

// ---- random ----
void randomFill(std::uint8_t *out, std::size_t size);
[[nodiscard]] QByteArray randomBytes(qsizetype size);
template <typename T> [[nodiscard]] T randomFixed()
{
    T v;
    randomFill(v.data(), T::size);
    return v;
}
[[nodiscard]] std::uint32_t randomUniform(std::uint32_t upperBound);

// ---- constant-time helpers ----
[[nodiscard]] bool equalConstantTime(QByteArrayView a, QByteArrayView b);
void memzero(void *data, std::size_t size);

// ---- Argon2id (crypto_pwhash) ----
struct KdfParams
{
    std::uint32_t opslimit = 0;
    std::uint64_t memlimit = 0; // bytes
    friend bool operator==(const KdfParams &, const KdfParams &) = default;
};

// The range a key file may carry (DESIGN.md "Keys"). Anything else is a damaged key file.
inline constexpr std::uint32_t kOpsMin = 3;
inline constexpr std::uint32_t kOpsMax = 20;
inline constexpr std::uint64_t kMemMin = 64ull << 20;
inline constexpr std::uint64_t kMemMax = 1ull << 30;

// The small profile tests may use: 1 pass, 8 MiB. Accepted only after allowTestKdfProfile(), which
// exists only in a build with LIAISON_TEST_HOOKS (LIAISON_TESTING=ON); in a product build
// testKdfProfileAllowed() is the constant false and the profile's code is not compiled in.
inline constexpr KdfParams kTestKdfParams{1, 8ull << 20};
#if defined(LIAISON_TEST_HOOKS)
[[nodiscard]] Status allowTestKdfProfile();
[[nodiscard]] bool testKdfProfileAllowed();
#else
[[nodiscard]] constexpr bool testKdfProfileAllowed()
{
    return false;
}
#endif
[[nodiscard]] bool kdfParamsInRange(const KdfParams &p);

// out.size() bytes derived from the passphrase. Refuses parameters outside the range.
[[nodiscard]] Result<SecretBytes> crypto_pwhash_argon2id(QByteArrayView passphrase,
                                                         const Salt16 &salt, KdfParams params,
                                                         std::size_t outSize = 32);
// Calibrate opslimit so that one derivation at memlimit takes about targetMs (never below 3).
[[nodiscard]] KdfParams calibrateKdf(std::uint64_t memlimit, int targetMs);

// ---- XChaCha20-Poly1305 IETF AEAD ----
inline constexpr std::size_t kAeadTagBytes = 16;
[[nodiscard]] QByteArray crypto_aead_encrypt(QByteArrayView plaintext, QByteArrayView ad,
                                             const XNonce &nonce, const SymmetricKey &key);
[[nodiscard]] Result<QByteArray> crypto_aead_decrypt(QByteArrayView ciphertext, QByteArrayView ad,
                                                     const XNonce &nonce, const SymmetricKey &key);
// Same, with the plaintext kept in secret memory (wrapped keys).
[[nodiscard]] Result<SecretBytes> crypto_aead_decrypt_secret(QByteArrayView ciphertext,
                                                             QByteArrayView ad, const XNonce &nonce,
                                                             const SymmetricKey &key);

// ---- X25519 sealed boxes ----
struct BoxKeyPair
{
    BoxPublicKey publicKey;
    BoxSecretKey secretKey;
};
inline constexpr std::size_t kSealBytes = 48;
[[nodiscard]] BoxKeyPair crypto_box_keypair();
[[nodiscard]] BoxKeyPair crypto_box_keypair_from_secret(BoxSecretKey &&secret);
[[nodiscard]] QByteArray crypto_box_seal(QByteArrayView message, const BoxPublicKey &recipient);
[[nodiscard]] Result<QByteArray> crypto_box_seal_open(QByteArrayView sealed, const BoxKeyPair &me);
[[nodiscard]] Result<SecretBytes> crypto_box_seal_open_secret(QByteArrayView sealed,
                                                              const BoxKeyPair &me);

// ---- Ed25519 ----
struct SignKeyPair
{
    SignPublicKey publicKey;
    SignSecretKey secretKey;
};
[[nodiscard]] SignKeyPair crypto_sign_keypair();
[[nodiscard]] Result<SignKeyPair> crypto_sign_seed_keypair(const SecretBytes &seed32);
[[nodiscard]] Result<SignKeyPair> crypto_sign_keypair_from_secret(SignSecretKey &&secret);
[[nodiscard]] Signature crypto_sign_detached(QByteArrayView message, const SignSecretKey &key);
[[nodiscard]] bool crypto_sign_verify_detached(const Signature &sig, QByteArrayView message,
                                               const SignPublicKey &key);

// ---- BLAKE2b ----
[[nodiscard]] Hash32 crypto_generichash(QByteArrayView message);
[[nodiscard]] Hash32 crypto_generichash_keyed(QByteArrayView message, QByteArrayView key);
[[nodiscard]] Hash64 crypto_generichash_512(QByteArrayView message);

class GenericHash
{
public:
    explicit GenericHash(std::size_t outSize = 32, QByteArrayView key = {});
    ~GenericHash();
    GenericHash(const GenericHash &) = delete;
    GenericHash &operator=(const GenericHash &) = delete;
    void update(QByteArrayView data);
    [[nodiscard]] QByteArray final(); // outSize bytes
    [[nodiscard]] Hash32 final32();

private:
    alignas(64) unsigned char m_state[384];
    std::size_t m_outSize;
};

// ---- crypto_kdf subkeys ----
// context: exactly 8 characters, e.g. "LIAISNdb".
[[nodiscard]] SymmetricKey crypto_kdf_derive_from_key(const SymmetricKey &master,
                                                      std::uint64_t subkeyId, const char *context);

// ---- crypto_auth (HMAC-SHA-512-256), the enrolment submission's MAC ----
[[nodiscard]] AuthTag crypto_auth(QByteArrayView message, const SymmetricKey &key);
// Constant time.
[[nodiscard]] bool crypto_auth_verify(const AuthTag &tag, QByteArrayView message,
                                      const SymmetricKey &key);

// ---- padding (ISO/IEC 7816-4 as libsodium's sodium_pad) ----
[[nodiscard]] QByteArray sodium_pad(QByteArrayView data, std::size_t blockSize);
[[nodiscard]] Result<QByteArray> sodium_unpad(QByteArrayView padded, std::size_t blockSize);

// ---- hex into secret memory (for SQLCipher's raw key string) ----
// Returns the 67 characters  x'<64 lower-case hex>'  with no terminator in a SecretBytes of 67.
[[nodiscard]] SecretBytes sqlcipherRawKey(const SymmetricKey &key);

} // namespace liaison::crypto
