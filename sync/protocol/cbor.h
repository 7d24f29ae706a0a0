#pragma once

// Strict, deterministic CBOR through Qt's CBOR classes (DESIGN.md "Envelope wire format").
//
// The data model Liaison allows on the wire:
//   - integers in [-2^63, 2^63 - 1], always in the shortest form;
//   - byte strings and UTF-8 text strings of definite length;
//   - arrays and maps of definite length;
//   - false, true, null.
// No tags, no floats, no undefined or other simple values, no indefinite lengths.
//
// Map keys are unsigned integers, and nothing else. For unsigned integers the RFC 8949 §4.2.1
// order (bytewise lexicographic order of the encoded keys) and the §4.2.3 "length-first" order
// are both plain numeric order, so there is no ambiguity about which rule applies: keys are
// written in ascending numeric order, and a decoder rejects any map whose keys are not strictly
// ascending (which also rejects duplicates). Integer keys keep bodies small; each schema names
// its keys in a C++ enum next to the struct it encodes.
//
// QCborMap keeps insertion order, so encode() rebuilds every map with its keys sorted before
// letting QCborValue::toCbor write it. decodeStrict() walks the bytes with QCborStreamReader,
// refuses everything outside the model above, and as the final guard re-encodes what it read
// and requires the identical bytes (this is what catches non-minimal integers and lengths).

#include "error.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QCborArray>
#include <QCborMap>
#include <QCborValue>
#include <QSet>

#include <cstdint>
#include <optional>

namespace liaison::protocol::cbor {

struct DecodeLimits
{
    int maxDepth = 16;            // nesting of arrays and maps
    qsizetype maxItems = 1 << 20; // all items together (scalars, arrays, maps)
};

// Canonical bytes of a value made only of the allowed types. Errc::InvalidArgument for anything
// else (a float, a tag, a non-integer or negative map key, undefined, ...).
[[nodiscard]] Result<QByteArray> encode(const QCborValue &value);
[[nodiscard]] Result<QByteArray> encode(const QCborMap &map);

// Strict decoding of exactly one item filling all of bytes. Errc::Malformed on any deviation.
[[nodiscard]] Result<QCborValue> decodeStrict(QByteArrayView bytes,
                                              const DecodeLimits &limits = {});

// Reads a map against its schema: each accessor consumes one key; finish() rejects keys no
// accessor asked for (unknown keys) and reports the first type error met. Typical use:
//
//   cbor::MapReader r(map, "heartbeat");
//   out.hqTimeMs = r.unsignedAt(Key::HqTime);
//   out.serial = r.unsignedAt(Key::Serial);
//   if (auto s = r.finish(); !s) return std::unexpected(s.error());
//
// Accessors return a default value after an error, so the caller can read straight through and
// check finish() once.
class MapReader
{
public:
    MapReader(const QCborMap &map, const char *what);

    [[nodiscard]] std::uint64_t unsignedAt(std::uint64_t key, std::uint64_t max = INT64_MAX);
    [[nodiscard]] std::int64_t integerAt(std::uint64_t key);
    [[nodiscard]] bool boolAt(std::uint64_t key);
    // exactSize < 0: any length up to maxSize.
    [[nodiscard]] QByteArray bytesAt(std::uint64_t key, qsizetype exactSize = -1,
                                     qsizetype maxSize = 1 << 24);
    [[nodiscard]] QString textAt(std::uint64_t key, qsizetype maxSize = 1 << 20);
    [[nodiscard]] QCborArray arrayAt(std::uint64_t key);
    [[nodiscard]] QCborMap mapAt(std::uint64_t key);
    [[nodiscard]] QCborValue valueAt(std::uint64_t key); // any allowed value, present

    [[nodiscard]] bool has(std::uint64_t key) const;
    // Optional fields: absent is fine; present must have the type.
    [[nodiscard]] std::optional<std::uint64_t> optionalUnsignedAt(std::uint64_t key,
                                                                  std::uint64_t max = INT64_MAX);
    [[nodiscard]] std::optional<QByteArray> optionalBytesAt(std::uint64_t key,
                                                            qsizetype exactSize = -1);
    [[nodiscard]] std::optional<QCborMap> optionalMapAt(std::uint64_t key);

    // Record an error found by the caller (e.g. an enum value out of range).
    void reject(const QString &why);
    [[nodiscard]] bool ok() const { return !m_error.has_value(); }
    [[nodiscard]] Status finish() const;

private:
    [[nodiscard]] std::optional<QCborValue> take(std::uint64_t key, bool required);
    void typeError(std::uint64_t key, const char *expected);

    QCborMap m_map;
    const char *m_what;
    QSet<std::uint64_t> m_consumed;
    std::optional<QString> m_error;
};

// Fixed-size byte values (hashes, ids) to and from CBOR byte strings.
template <typename Fixed> [[nodiscard]] QCborValue fixedToCbor(const Fixed &v)
{
    return QCborValue(v.toByteArray());
}
template <typename Fixed> [[nodiscard]] Fixed fixedAt(MapReader &r, std::uint64_t key)
{
    const QByteArray b = r.bytesAt(key, qsizetype(Fixed::size));
    return Fixed::fromBytes(b).value_or(Fixed{});
}

} // namespace liaison::protocol::cbor
