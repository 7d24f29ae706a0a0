// Fuzzes the wipe token (LWT2) and wipe acknowledgement (LWA2) decoders of sync/protocol/wipe.h:
// the relay decodes both from outside bytes (PUT /v1/wipe, POST /v1/wipe/{id}/done), the device
// decodes the token. Invariants (a violation aborts): whatever decodes re-encodes to the input
// bytes; verifying a decoded acknowledgement against a decoded token never crashes.
#include "crypto/crypto.h"
#include "protocol/wipe.h"

#include <algorithm>
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
    auto token = WipeToken::decode(bytes);
    if (token && token->encode() != bytes)
        std::abort();
    // The first kWipeAckBytes (or all, when shorter) as an acknowledgement.
    const QByteArrayView head = bytes.first(std::min<qsizetype>(bytes.size(), kWipeAckBytes));
    auto ack = WipeAcknowledgement::decode(head);
    if (ack && ack->encode() != head)
        std::abort();
    if (ack && bytes.size() == kWipeAckBytes + kWipeTokenBytes) {
        if (auto t = WipeToken::decode(bytes.sliced(kWipeAckBytes)))
            (void)verifyWipeAcknowledgement(*ack, *t);
    }
    return 0;
}
