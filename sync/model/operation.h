#pragma once

// What a delta carries: one Operation per record change. An operation sets some fields of one
// record (all stamped with the operation's HLC) or deletes the record (tombstone). Every operation
// repeats the record's type and scope, so a replica can create the record from whichever
// operation arrives first, and a record's scope can be checked never to change.
//
// Wire form: a CBOR map with small-integer keys in canonical order (encode() gives the exact
// bytes; fromCbor() accepts only that form: every key typed, unknown keys rejected, field names
// and values checked against the type's schema, values in canonical form):
//   0: record id (bytes 16)      1: type (uint)        2: scope (text)
//   3: stamp ms (uint < 2^48)    4: stamp counter      5: stamp origin = author (bytes 16)
//   6: true (only for a tombstone)
//   7: {field key: value} (non-empty, only when not a tombstone; keys of records.cpp's schema)
// Maps have unsigned integer keys only, as sync/protocol/cbor.h requires; bytes go through its
// strict codec.

#include "crypto/bytes.h"
#include "error.h"
#include "model/hlc.h"
#include "model/records.h"

#include <QCborMap>
#include <QCborValue>
#include <QList>
#include <QMap>
#include <QString>

#include <optional>

namespace liaison::model {

using RecordId = crypto::Id16;
using FieldMap = QMap<QString, QCborValue>;

struct Operation
{
    RecordId recordId;
    RecordType type = RecordType::Contact;
    QString scope;
    FieldMap fields; // empty for a tombstone
    bool tombstone = false;
    Hlc stamp; // stamp.origin is the author: HQ checks it equals the authenticated sender

    [[nodiscard]] const crypto::Id16 &author() const { return stamp.origin; }

    [[nodiscard]] QCborMap toCbor() const;
    [[nodiscard]] QByteArray encode() const; // canonical CBOR bytes
    [[nodiscard]] static Result<Operation> fromCbor(const QCborValue &value);
    [[nodiscard]] static Result<Operation> decode(QByteArrayView bytes);
    // Type, scope, field names and values against the schema (what fromCbor checks, for
    // operations built in memory). Normalizes values in place.
    [[nodiscard]] Status validate();
    // The cheap part of validate(): id, type, scope, stamp, tombstone xor fields, field names.
    [[nodiscard]] Status checkShape() const;

    friend bool operator==(const Operation &a, const Operation &b);
};

// A field's value with its provenance: the stamp (and so the origin) of the write that set it.
struct FieldState
{
    QCborValue value;
    Hlc stamp;
    friend bool operator==(const FieldState &a, const FieldState &b)
    {
        return a.stamp == b.stamp && a.value.toCbor() == b.value.toCbor();
    }
};

// The merged state of one record.
//   CBOR: {0: id, 1: type, 2: scope, 3: [ms, counter, origin] of the newest tombstone (deleted
//   records only), 4: {field key: [value, ms, counter, origin]} (live records only)}
struct RecordState
{
    RecordId id;
    RecordType type = RecordType::Contact;
    QString scope;
    std::optional<crypto::Id16> owner; // author of AuthorOnly records
    bool deleted = false;
    Hlc tombstone; // the largest tombstone stamp, when deleted
    QMap<QString, FieldState> fields;

    // The fewest operations that rebuild this state on an empty replica: one per distinct field
    // stamp (fields written together travel together), or one tombstone.
    [[nodiscard]] QList<Operation> toOperations() const;

    [[nodiscard]] QCborMap toCbor() const;
    [[nodiscard]] static Result<RecordState> fromCbor(const QCborValue &value);

    friend bool operator==(const RecordState &a, const RecordState &b) = default;
};

// A fresh random record id (UUID version 4 layout).
[[nodiscard]] RecordId newRecordId();
// Sixteen given bytes in the same layout (version and variant bits set): for an injected id
// source (RecordStore::setIdSource) that draws its bytes elsewhere.
[[nodiscard]] RecordId recordIdFromBytes(const RecordId &bytes);
[[nodiscard]] QString recordIdToString(const RecordId &id); // 8-4-4-4-12 hex

// CBOR helpers shared by the payload codecs.
namespace cbor {
// A map built from (key, value) pairs in canonical key order (bytewise order of encoded keys).
[[nodiscard]] QCborMap canonicalMap(QList<std::pair<QCborValue, QCborValue>> entries);
[[nodiscard]] QCborArray stampToArray(const Hlc &stamp);
[[nodiscard]] std::optional<Hlc> stampFromArray(const QCborValue &value);
[[nodiscard]] std::optional<crypto::Id16> id16(const QCborValue &value);
// Integer-keyed map with only the allowed keys (each in [0, allowedKeys)); required keys checked
// by the caller. Returns the values indexed by key (undefined where absent).
[[nodiscard]] Result<QList<QCborValue>> intKeyedMap(const QCborValue &value, int allowedKeys,
                                                    const char *what);
} // namespace cbor

} // namespace liaison::model
