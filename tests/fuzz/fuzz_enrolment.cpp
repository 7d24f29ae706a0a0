// Fuzzes the two parsers of outside bytes in sync/protocol/enrolment.h: the enrolment code (typed
// or scanned by the device) and the submission HQ opens (posted by anyone who reaches the relay).
// The first byte picks what the rest is:
//   0  an enrolment code's text
//   1  a sealed submission, opened as is (the fuzzer rarely gets past the sealed box)
//   2  T ‖ signature: the harness adds the MAC under its fixed mac key and seals to its HQ box key,
//      so the transcript decoder and the signature and naming checks are reached
//   3  T: the harness signs with its fixed device key, adds the MAC and seals (reaches success)
// Invariants (a violation aborts): a parsed code re-encodes and parses to the same fields; an
// opened submission's transcript re-encodes to the bytes it came from and names the expected
// device; nothing crashes.
//
// Fixed keys (the seeds in corpus/enrolment were made with them, see make_seeds.py there):
//   HQ box secret 0x11 x 32, mac key 0x22 x 32, device sign seed 0x33 x 32, root seed 0x44 x 32,
//   HQ content seed 0x55 x 32; deployment 0x01 x 16, device 0x02 x 16,
//   certificate hash BLAKE2b-256("fuzz-certificate").
#include "crypto/crypto.h"
#include "protocol/enrolment.h"

#include <cstdint>
#include <cstdlib>
#include <memory>

using namespace liaison;
using namespace liaison::protocol;

namespace {

struct Keys
{
    crypto::BoxKeyPair hqBox;
    crypto::SymmetricKey macKey;
    crypto::SignKeyPair device;
    EnrolmentExpectation expect;
};

std::unique_ptr<Keys> g_keys;

crypto::SecretBytes filled(char c)
{
    return crypto::SecretBytes::copyOf(QByteArray(32, c));
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    if (!crypto::initialize())
        std::abort();
    auto k = std::make_unique<Keys>();
    k->hqBox = crypto::crypto_box_keypair_from_secret(crypto::BoxSecretKey(filled('\x11')));
    k->macKey = crypto::SymmetricKey(filled('\x22'));
    auto device = crypto::crypto_sign_seed_keypair(filled('\x33'));
    auto root = crypto::crypto_sign_seed_keypair(filled('\x44'));
    auto content = crypto::crypto_sign_seed_keypair(filled('\x55'));
    if (!device || !root || !content)
        std::abort();
    k->device = std::move(*device);
    k->expect.deployment = *crypto::Id16::fromBytes(QByteArray(16, '\x01'));
    k->expect.device = *crypto::Id16::fromBytes(QByteArray(16, '\x02'));
    k->expect.rootKey = root->publicKey;
    k->expect.hqSignKey = content->publicKey;
    k->expect.hqBoxKey = k->hqBox.publicKey;
    k->expect.certificateHashes = {crypto::crypto_generichash("fuzz-certificate")};
    k->expect.expiresMs = INT64_MAX / 2;
    g_keys = std::move(k);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size == 0)
        return 0;
    const Keys &k = *g_keys;
    const int mode = data[0] % 4;
    const QByteArrayView rest(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));

    if (mode == 0) {
        auto code = parseEnrolmentCode(rest);
        if (!code)
            return 0;
        auto again = encodeEnrolmentCode(*code);
        // A parsed code has every field a code needs, so it encodes.
        if (!again)
            std::abort();
        auto back = parseEnrolmentCode(*again);
        if (!back || back->deployment != code->deployment || back->device != code->device ||
            back->relayUrl != code->relayUrl || back->relayPins != code->relayPins ||
            back->rootKey != code->rootKey || back->expiresMs != code->expiresMs ||
            back->hqBoxKey != code->hqBoxKey || back->hqBoxKeyId != code->hqBoxKeyId ||
            !back->secret.bytes().equals(code->secret.bytes()))
            std::abort();
        (void)checkEnrolmentCodeFresh(*code, 1);
        return 0;
    }

    QByteArray sealed;
    QByteArray transcript;
    if (mode == 1) {
        sealed = rest.toByteArray();
    } else {
        QByteArray plain = rest.toByteArray();
        if (mode == 3)
            plain.append(crypto::crypto_sign_detached(plain, k.device.secretKey).view());
        plain.append(crypto::crypto_auth(plain, k.macKey).view());
        transcript = plain.first(std::min<qsizetype>(plain.size(), kEnrolTranscriptBytes));
        sealed = crypto::crypto_box_seal(plain, k.hqBox.publicKey);
    }
    auto t = openEnrolmentSubmission(sealed, k.hqBox, k.macKey, k.expect, 1);
    if (t) {
        if (t->device != k.expect.device || t->deployment != k.expect.deployment)
            std::abort();
        if (mode != 1 && t->encode() != transcript)
            std::abort();
        (void)safetyNumber(*t).digits();
    }
    return 0;
}
