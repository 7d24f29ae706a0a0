// Fuzzes the relay's request path without sockets: raw bytes through the same Beast parser and
// limits as the listeners (parseRequestBytes), then the pure routing and validation (preflight:
// routes, methods, path ids, strict queries, auth header shapes, JSON bodies, envelope framing,
// HQ certificates), on the public and the operations router. Also the mailbox batch decoder and
// the request-signing canonicalisation, which see bytes from the same place.

#include "protocol/hqcert.h"
#include "protocol/relaybatch.h"
#include "protocol/requestsig.h"
#include "requestparser.h"
#include "router.h"

#include <cstdint>
#include <cstdlib>
#include <variant>

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    if (!liaison::crypto::initialize())
        std::abort();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using namespace liaison;
    using namespace liaison::relay;
    const QByteArrayView bytes(reinterpret_cast<const char *>(data), qsizetype(size));

    for (const bool ops : {false, true}) {
        ParseOptions options;
        options.ops = ops;
        options.maxHeaderBytes = 4096;
        options.bodyLimits.envelope = 64 * 1024;
        options.bodyLimits.small = 4096;
        const auto parsed = parseRequestBytes(bytes, options);
        if (const auto *response = std::get_if<HttpResponse>(&parsed)) {
            // Refusals are JSON error bodies with a 4xx status (or "need more bytes").
            if (response->status != 0 &&
                (response->status < 400 || response->status > 499 || response->errorCode.isEmpty()))
                std::abort();
            continue;
        }
        const HttpRequest &request = std::get<HttpRequest>(parsed);
        RouteLookup lookup;
        const auto refusal = preflight(request, ops, options.bodyLimits, &lookup);
        if (refusal && (refusal->status < 400 || refusal->errorCode.isEmpty()))
            std::abort();
        if (!refusal && !lookup.match)
            std::abort(); // nothing unrouted gets past preflight
        (void)protocol::canonicalQuery(request.query);
        (void)protocol::parseRequestAuth(
            {request.liaisonKey, request.liaisonTime, request.liaisonNonce, request.liaisonSig});
    }
    (void)protocol::decodeRelayBatch(bytes, 64, 64 * 1024);
    (void)protocol::HqCertificate::decode(bytes);
    if (auto q = protocol::canonicalQuery(bytes)) {
        // Canonicalisation is idempotent.
        auto again = protocol::canonicalQuery(*q);
        if (!again || *again != *q)
            std::abort();
    }
    return 0;
}
