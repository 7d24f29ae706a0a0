// Fuzzes the envelope decoder end to end with the published test keys (tests/support/testkeys.h).
// The first input byte picks a mode, the rest is the data:
//   0: the data is an envelope: framing, routing, signature, open (as a device receives it)
//   1: the data is an envelope that is re-signed with the test sender key after parsing, so
//      mutations of the header, sealed key and ciphertext reach the open steps
//   2: the data is a body: sealed with the test keys, then received, so mutations reach the
//      padding and the strict body decoder through the real open path
// Invariants checked (a violation aborts): a parsed frame re-encodes to the input bytes; a
// received body re-encodes to canonical bytes that decode to the same body; in mode 2 a body that
// opens was exactly the canonical encoding.
#include "fuzzcheck.h"
#include "../support/testkeys.h"

#include "crypto/crypto.h"
#include "protocol/seal.h"

#include <cstdint>
#include <cstdlib>

using namespace liaison;
using namespace liaison::protocol;

namespace {

constexpr qsizetype kMax = 1 << 20;

void checkBody(const Body &body, Direction direction)
{
    auto bytes = encodeBody(body);
    FUZZ_CHECK(bool(bytes));
    auto again = decodeBody(*bytes, direction);
    FUZZ_CHECK(bool(again) && again->kind == body.kind && again->createdMs == body.createdMs &&
          again->payload == body.payload);
}

void receive(QByteArrayView bytes)
{
    const auto &k = test::testKeys();
    auto frame = parseEnvelope(bytes, kMax);
    if (frame)
        FUZZ_CHECK(frame->encode() == bytes);
    auto r = receiveEnvelope(bytes, kMax, k.downContext(), k.senderSign.publicKey, k.boxKeys());
    if (r) {
        FUZZ_CHECK(bool(frame));
        checkBody(r->body, Direction::Down);
    } else if (frame) {
        FUZZ_CHECK(r.error().fault != EnvelopeFault::Framing);
    }
}

void resignAndOpen(QByteArrayView bytes)
{
    const auto &k = test::testKeys();
    auto frame = parseEnvelope(bytes, kMax);
    if (!frame)
        return;
    frame->signature = signEnvelopeHash(frame->envHash, k.senderSign.secretKey);
    FUZZ_CHECK(verifyEnvelopeSignature(*frame, k.senderSign.publicKey));
    (void)checkEnvelopeRouting(frame->header, k.downContext(), k.boxKeys());
    auto body = openEnvelope(*frame, k.recipientBox, Direction::Down);
    if (body)
        checkBody(*body, Direction::Down);
    else
        FUZZ_CHECK(body.error().step() >= 4);
}

void sealBody(QByteArrayView bodyBytes)
{
    const auto &k = test::testKeys();
    auto sealed =
        sealEncodedBody(k.downParams(1, Kind::Delta, {}), bodyBytes, k.senderSign.secretKey);
    if (!sealed)
        return;
    auto r = receiveEnvelope(sealed->bytes, kMaxEnvelopeBytes, k.downContext(),
                             k.senderSign.publicKey, k.boxKeys());
    if (r) {
        // A compressed payload's DEFLATE stream is not unique; checkBody covers its round trip.
        FUZZ_CHECK(compressedKind(r->body.kind) ||
              encodeBody(r->body).value_or(QByteArray()) == bodyBytes);
        checkBody(r->body, Direction::Down);
    } else {
        // everything before the body was made valid here
        FUZZ_CHECK(r.error().fault == EnvelopeFault::Body || r.error().fault == EnvelopeFault::Kind);
    }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    if (!crypto::initialize())
        std::abort();
    (void)test::testKeys();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size < 1)
        return 0;
    const QByteArrayView rest(reinterpret_cast<const char *>(data) + 1, qsizetype(size - 1));
    switch (data[0] % 3) {
    case 0:
        receive(rest);
        break;
    case 1:
        resignAndOpen(rest);
        break;
    default:
        sealBody(rest);
        break;
    }
    return 0;
}
