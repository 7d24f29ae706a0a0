// Known-answer tests run at start-up. A failure is fatal: a device whose crypto library answers
// wrongly must not open a vault or talk to HQ. Each vector names its source.

#include "crypto.h"

#include <sodium.h>

#include <QByteArray>

namespace liaison::crypto {
namespace {

QByteArray hex(const char *h)
{
    return QByteArray::fromHex(QByteArray(h));
}

Status check(bool ok, const char *what)
{
    if (ok)
        return {};
    return fail(Errc::CryptoFailure,
                QStringLiteral("crypto self-test failed: %1").arg(QLatin1String(what)));
}

// RFC 7693, Appendix A: BLAKE2b-512("abc").
Status blake2b()
{
    const Hash64 h = crypto_generichash_512("abc");
    return check(h.toByteArray() ==
                     hex("ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
                         "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923"),
                 "BLAKE2b-512 (RFC 7693 A)");
}

// RFC 8032, section 7.1, TEST 1 (empty message).
Status ed25519()
{
    SecretBytes seed = SecretBytes::copyOf(
        hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
    auto kp = crypto_sign_seed_keypair(seed);
    if (!kp)
        return std::unexpected(kp.error());
    if (auto s = check(kp->publicKey.toByteArray() ==
                           hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"),
                       "Ed25519 public key (RFC 8032 7.1 TEST 1)");
        !s)
        return s;
    const Signature sig = crypto_sign_detached({}, kp->secretKey);
    const QByteArray want =
        hex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e"
            "39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
    if (auto s = check(sig.toByteArray() == want, "Ed25519 signature (RFC 8032 7.1 TEST 1)"); !s)
        return s;
    Signature bad = sig;
    bad.bytes[0] ^= 1;
    return check(crypto_sign_verify_detached(sig, {}, kp->publicKey) &&
                     !crypto_sign_verify_detached(bad, {}, kp->publicKey),
                 "Ed25519 verify");
}

// RFC 7748, section 6.1: Alice's X25519 key pair; then a sealed-box round trip.
Status x25519()
{
    BoxSecretKey sk(SecretBytes::copyOf(
        hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")));
    const BoxKeyPair kp = crypto_box_keypair_from_secret(std::move(sk));
    if (auto s = check(kp.publicKey.toByteArray() ==
                           hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"),
                       "X25519 public key (RFC 7748 6.1)");
        !s)
        return s;
    const QByteArray sealed = crypto_box_seal("liaison", kp.publicKey);
    auto opened = crypto_box_seal_open(sealed, kp);
    return check(opened && *opened == "liaison", "sealed box round trip");
}

// draft-irtf-cfrg-xchacha-03, A.3.1: AEAD_XChaCha20_Poly1305.
Status xchacha()
{
    const QByteArray plaintext =
        "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
        "future, sunscreen would be it.";
    const QByteArray ad = hex("50515253c0c1c2c3c4c5c6c7");
    SymmetricKey key(SecretBytes::copyOf(
        hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f")));
    const XNonce nonce = *XNonce::fromHex("404142434445464748494a4b4c4d4e4f5051525354555657");
    const QByteArray want = hex("bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb"
                                "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452"
                                "2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9"
                                "21f9664c97637da9768812f615c68b13b52e"
                                "c0875924c1c7987947deafd8780acf49");
    const QByteArray ct = crypto_aead_encrypt(plaintext, ad, nonce, key);
    if (auto s = check(ct == want, "XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03 A.3.1)"); !s)
        return s;
    auto pt = crypto_aead_decrypt(ct, ad, nonce, key);
    QByteArray tampered = ct;
    tampered[0] = char(tampered[0] ^ 1);
    return check(pt && *pt == plaintext && !crypto_aead_decrypt(tampered, ad, nonce, key),
                 "XChaCha20-Poly1305 decrypt");
}

// libsodium test/default/pwhash_argon2id.c, tv() entry 0, expected output from
// pwhash_argon2id.exp line 1 (Argon2id v1.3, 5 passes, 7256678 bytes, 155-byte output).
Status argon2id()
{
    const QByteArray password =
        hex("a347ae92bce9f80f6f595a4480fc9c2fe7e7d7148d371e9487d75f5c23008ffae0"
            "65577a928febd9b1973a5a95073acdbeb6a030cfc0d79caa2dc5cd011cef02c08d"
            "a232d76d52dfbca38ca8dcbd665b17d1665f7cf5fe59772ec909733b24de97d6f5"
            "8d220b20c60d7c07ec1fd93c52c31020300c6c1facd77937a597c7a6");
    const QByteArray salt = hex("5541fbc995d5c197ba290346d2c559de");
    const QByteArray want =
        hex("18acec5d6507739f203d1f5d9f1d862f7c2cdac4f19d2bdff64487e60d969e3ced615337b9eec6ac44"
            "61c6ca07f0939741e57c24d0005c7ea171a0ee1e7348249d135b38f222e4dad7b9a033ed83f5ca2727"
            "7393e316582033c74affe2566a2bea47f91f0fd9fe49ece7e1f79f3ad6e9b23e0277c8ecc4b3132257"
            "48dd2a80f5679534a0700e246a79a49b3f74eb89ec6205fe1eeb941c73b1fcf1");
    QByteArray out(155, '\0');
    if (password.size() != 127 || want.size() != 155 ||
        ::crypto_pwhash(reinterpret_cast<unsigned char *>(out.data()), 155, password.data(), 127,
                        reinterpret_cast<const unsigned char *>(salt.data()), 5, 7256678,
                        crypto_pwhash_ALG_ARGON2ID13) != 0)
        return check(false, "Argon2id (libsodium pwhash_argon2id tv 0)");
    return check(out == want, "Argon2id (libsodium pwhash_argon2id tv 0)");
}

// crypto_kdf is BLAKE2b with the subkey id as salt and the context as personalisation
// (libsodium crypto_kdf/blake2b/kdf_blake2b.c); checked against that definition, then the
// sodium_pad bucket rule (ISO/IEC 7816-4).
Status kdfAndPad()
{
    SymmetricKey master(SecretBytes::copyOf(
        hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")));
    const SymmetricKey sub = crypto_kdf_derive_from_key(master, 1, "LIAISNdb");
    unsigned char salt[16] = {1, 0, 0, 0, 0, 0, 0, 0};
    unsigned char personal[16] = {'L', 'I', 'A', 'I', 'S', 'N', 'd', 'b'};
    unsigned char want[32];
    const int rc = crypto_generichash_blake2b_salt_personal(want, 32, nullptr, 0, master.data(), 32,
                                                            salt, personal);
    if (auto s = check(rc == 0 && sodium_memcmp(want, sub.data(), 32) == 0, "crypto_kdf"); !s)
        return s;
    const QByteArray padded = sodium_pad("abc", 8);
    auto unpadded = sodium_unpad(padded, 8);
    return check(padded == QByteArray("abc\x80\0\0\0\0", 8) && unpadded && *unpadded == "abc",
                 "sodium_pad (ISO/IEC 7816-4)");
}

// RFC 4231 test case 1 (HMAC-SHA-512, key 0x0b x 20, "Hi There"), first 32 bytes: crypto_auth is
// HMAC-SHA-512-256, and HMAC pads a short key with zeros, so the 20-byte key is the 32-byte key
// 0x0b x 20 followed by 12 zero bytes.
Status hmac()
{
    QByteArray key(20, '\x0b');
    key.append(QByteArray(12, '\0'));
    const SymmetricKey k(SecretBytes::copyOf(key));
    const AuthTag tag = crypto_auth("Hi There", k);
    const bool ok = tag.toByteArray() == hex("87aa7cdea5ef619d4ff0b4241a1d6cb0"
                                             "2379f4e2ce4ec2787ad0b30545e17cde") &&
                    crypto_auth_verify(tag, "Hi There", k) &&
                    !crypto_auth_verify(tag, "Hi there", k);
    return check(ok, "HMAC-SHA-512-256 (RFC 4231 case 1)");
}

} // namespace

Status selfTest()
{
    for (auto test : {blake2b, ed25519, x25519, xchacha, argon2id, kdfAndPad, hmac}) {
        if (auto s = test(); !s)
            return s;
    }
    return {};
}

} // namespace liaison::crypto
