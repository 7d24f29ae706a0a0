#pragma once

// The HTTP request parsing of the public and operations listeners without sockets: the same
// Beast parser with the same header and body limits, fed from a byte buffer. Used by the fuzz
// target (tests/fuzz/fuzz_relay_http.cpp); it mirrors the sessions in httpserver.cpp step by step.

#include "httptypes.h"
#include "router.h"

#include <QByteArrayView>

#include <cstdint>
#include <variant>

namespace liaison::relay {

struct ParseOptions
{
    bool ops = false;
    std::uint32_t maxHeaderBytes = 16 * 1024;
    BodyLimits bodyLimits;
};

// One request from `bytes` (what follows it is ignored). Either the request, or the error
// response the listener would send for these bytes (400, 413, 431; or status 0 when the bytes
// end before the request does).
[[nodiscard]] std::variant<HttpRequest, HttpResponse>
parseRequestBytes(QByteArrayView bytes, const ParseOptions &options);

} // namespace liaison::relay
