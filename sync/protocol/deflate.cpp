#include "protocol/deflate.h"

#include <zlib.h>

#include <algorithm>

namespace liaison::protocol {

namespace {
constexpr int kRawWindowBits = -15; // raw DEFLATE: no zlib header, no checksum (AEAD covers it)
constexpr qsizetype kChunk = 64 * 1024;
} // namespace

Result<QByteArray> deflateRaw(QByteArrayView bytes)
{
    z_stream z{};
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kRawWindowBits, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK)
        return fail(Errc::Internal, QStringLiteral("deflate: cannot start"));
    QByteArray out(qsizetype(deflateBound(&z, uLong(bytes.size()))), Qt::Uninitialized);
    z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(bytes.data()));
    z.avail_in = uInt(bytes.size());
    z.next_out = reinterpret_cast<Bytef *>(out.data());
    z.avail_out = uInt(out.size());
    const int rc = deflate(&z, Z_FINISH);
    const qsizetype written = qsizetype(z.total_out);
    deflateEnd(&z);
    if (rc != Z_STREAM_END)
        return fail(Errc::Internal, QStringLiteral("deflate: did not finish"));
    out.truncate(written);
    return out;
}

Result<QByteArray> inflateRaw(QByteArrayView bytes, qsizetype maxBytes)
{
    z_stream z{};
    if (inflateInit2(&z, kRawWindowBits) != Z_OK)
        return fail(Errc::Internal, QStringLiteral("inflate: cannot start"));
    z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(bytes.data()));
    z.avail_in = uInt(bytes.size());
    QByteArray out;
    int rc = Z_OK;
    while (rc == Z_OK) {
        const qsizetype room = std::min(kChunk, maxBytes - out.size());
        if (room <= 0) {
            inflateEnd(&z);
            return fail(Errc::Malformed, QStringLiteral("compressed payload inflates too far"));
        }
        const qsizetype at = out.size();
        out.resize(at + room);
        z.next_out = reinterpret_cast<Bytef *>(out.data() + at);
        z.avail_out = uInt(room);
        rc = inflate(&z, Z_NO_FLUSH);
        out.truncate(at + room - qsizetype(z.avail_out));
        if (rc == Z_BUF_ERROR && z.avail_in == 0) {
            inflateEnd(&z);
            return fail(Errc::Malformed, QStringLiteral("compressed payload is truncated"));
        }
        if (rc == Z_BUF_ERROR)
            rc = Z_OK; // the output was full: go round with more room
    }
    const bool trailing = z.avail_in != 0;
    inflateEnd(&z);
    if (rc != Z_STREAM_END)
        return fail(Errc::Malformed, QStringLiteral("compressed payload is corrupt"));
    if (trailing)
        return fail(Errc::Malformed, QStringLiteral("bytes after the compressed payload"));
    return out;
}

} // namespace liaison::protocol
