#pragma once

// Compression of snapshot payloads (DESIGN.md "Streams", "Compression"): RESYNC and SCOPE_JOIN
// bodies carry their payload's canonical CBOR as raw DEFLATE (RFC 1951, zlib). Nothing else is
// compressed: the length of a compressed DELTA or priority-lane body could leak its content.
// Inflating outside bytes is bounded: a body that would grow past the limit is refused before
// more than the limit is allocated.

#include "error.h"

#include <QByteArray>
#include <QByteArrayView>

namespace liaison::protocol {

// The most a compressed payload may inflate to: a snapshot part is cut well below this.
inline constexpr qsizetype kMaxInflatedPayloadBytes = 64 * 1024 * 1024;

[[nodiscard]] Result<QByteArray> deflateRaw(QByteArrayView bytes);
// Errc::Malformed for bad or truncated data, trailing bytes, or output beyond maxBytes.
[[nodiscard]] Result<QByteArray> inflateRaw(QByteArrayView bytes,
                                            qsizetype maxBytes = kMaxInflatedPayloadBytes);

} // namespace liaison::protocol
