// Fuzzes the strict CBOR decoder and the body decoder (both directions, every payload schema).
// Invariants (a violation aborts): whatever decodeStrict accepts re-encodes to the input bytes;
// whatever decodeBody accepts re-encodes to the input bytes (for the compressed snapshot kinds: to
// the same payload) and is allowed in its direction.
#include "fuzzcheck.h"
#include "crypto/crypto.h"
#include "protocol/body.h"
#include "protocol/cbor.h"

#include <cstdint>
#include <cstdlib>

using namespace liaison;
using namespace liaison::protocol;


extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    if (!crypto::initialize())
        std::abort();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArrayView bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    auto value = cbor::decodeStrict(bytes);
    if (value) {
        auto again = cbor::encode(*value);
        FUZZ_CHECK(again && QByteArrayView(*again) == bytes);
    }
    for (Direction d : {Direction::Down, Direction::Up}) {
        auto body = decodeBody(bytes, d);
        if (!body)
            continue;
        FUZZ_CHECK(bool(value));
        FUZZ_CHECK(kindAllowed(d, body->kind));
        auto again = encodeBody(*body);
        if (compressedKind(body->kind)) {
            // Many DEFLATE streams inflate to the same payload (and zlib versions differ), so
            // only the inflated payload is canonical: it survives a round trip unchanged.
            FUZZ_CHECK(bool(again));
            auto round = decodeBody(*again, d);
            FUZZ_CHECK(round && round->payload == body->payload && round->createdMs == body->createdMs);
        } else {
            FUZZ_CHECK(again && QByteArrayView(*again) == bytes);
        }
        auto unpadded = unpadBody(padBody(bytes));
        FUZZ_CHECK(unpadded && QByteArrayView(*unpadded) == bytes);
    }
    return 0;
}
