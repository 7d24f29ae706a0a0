#include "model/operation.h"

#include "crypto/crypto.h"
#include "protocol/cbor.h"

#include <QCborArray>

#include <algorithm>

namespace liaison::model {

namespace {

constexpr int kOpKeys = 8;
constexpr int kStateKeys = 5;

QCborMap fieldsToCbor(RecordType type, const FieldMap &fields)
{
    QList<std::pair<QCborValue, QCborValue>> entries;
    entries.reserve(fields.size());
    for (auto it = fields.cbegin(); it != fields.cend(); ++it) {
        // Operations are validated before they are encoded; a name outside the schema has no key.
        if (const FieldSpec *spec = fieldSpec(type, it.key()))
            entries.append({QCborValue(spec->key), it.value()});
    }
    return cbor::canonicalMap(std::move(entries));
}

Result<FieldMap> fieldsFromCbor(RecordType type, const QCborValue &value)
{
    if (!value.isMap())
        return fail(Errc::Malformed, QStringLiteral("fields: not a map"));
    const QCborMap map = value.toMap();
    if (map.isEmpty())
        return fail(Errc::Malformed, QStringLiteral("fields: empty"));
    FieldMap out;
    qint64 previousKey = -1;
    for (auto it = map.cbegin(); it != map.cend(); ++it) {
        if (!it.key().isInteger())
            return fail(Errc::Malformed, QStringLiteral("fields: key not an integer"));
        const qint64 key = it.key().toInteger();
        if (key <= previousKey)
            return fail(Errc::Malformed, QStringLiteral("fields: keys duplicate or unsorted"));
        previousKey = key;
        const FieldSpec *spec = fieldSpecByKey(type, key);
        if (!spec)
            return fail(Errc::Malformed, QStringLiteral("fields: unknown field"));
        const QString name = QString::fromLatin1(spec->name);
        bool changed = false;
        auto normalized = normalizeField(*spec, it.value(), &changed);
        if (!normalized)
            return std::unexpected(normalized.error());
        if (changed)
            return fail(Errc::Malformed, QStringLiteral("field value not in canonical form"));
        out.insert(name, *normalized);
    }
    return out;
}

} // namespace

// ---- cbor helpers ----

QCborMap cbor::canonicalMap(QList<std::pair<QCborValue, QCborValue>> entries)
{
    QList<std::pair<QByteArray, qsizetype>> order;
    order.reserve(entries.size());
    for (qsizetype i = 0; i < entries.size(); ++i)
        order.append({entries[i].first.toCbor(), i});
    std::sort(order.begin(), order.end());
    QCborMap map;
    for (const auto &[key, index] : order)
        map.insert(entries[index].first, entries[index].second);
    return map;
}

QCborArray cbor::stampToArray(const Hlc &stamp)
{
    return QCborArray{qint64(stamp.ms48), qint64(stamp.counter), stamp.origin.toByteArray()};
}

std::optional<Hlc> cbor::stampFromArray(const QCborValue &value)
{
    if (!value.isArray())
        return std::nullopt;
    const QCborArray a = value.toArray();
    if (a.size() != 3 || !a.at(0).isInteger() || !a.at(1).isInteger())
        return std::nullopt;
    const qint64 ms = a.at(0).toInteger();
    const qint64 counter = a.at(1).toInteger();
    if (ms < 0 || quint64(ms) > Hlc::kMaxMs || counter < 0 || counter > 0xffff)
        return std::nullopt;
    const auto origin = id16(a.at(2));
    if (!origin)
        return std::nullopt;
    return Hlc{quint64(ms), quint16(counter), *origin};
}

std::optional<crypto::Id16> cbor::id16(const QCborValue &value)
{
    if (!value.isByteArray())
        return std::nullopt;
    return crypto::Id16::fromBytes(value.toByteArray());
}

Result<QList<QCborValue>> cbor::intKeyedMap(const QCborValue &value, int allowedKeys,
                                            const char *what)
{
    if (!value.isMap())
        return fail(Errc::Malformed, QStringLiteral("%1: not a map").arg(QLatin1StringView(what)));
    const QCborMap map = value.toMap();
    QList<QCborValue> out(allowedKeys);
    int previous = -1;
    for (auto it = map.cbegin(); it != map.cend(); ++it) {
        const QCborValue key = it.key();
        if (!key.isInteger() || key.toInteger() < 0 || key.toInteger() >= allowedKeys)
            return fail(Errc::Malformed,
                        QStringLiteral("%1: unknown key").arg(QLatin1StringView(what)));
        const int k = int(key.toInteger());
        if (k <= previous)
            return fail(
                Errc::Malformed,
                QStringLiteral("%1: keys duplicate or unsorted").arg(QLatin1StringView(what)));
        previous = k;
        if (it.value().isUndefined())
            return fail(Errc::Malformed,
                        QStringLiteral("%1: undefined value").arg(QLatin1StringView(what)));
        out[k] = it.value();
    }
    return out;
}

// ---- Operation ----

QCborMap Operation::toCbor() const
{
    QCborMap m;
    m.insert(0, recordId.toByteArray());
    m.insert(1, qint64(type));
    m.insert(2, scope);
    m.insert(3, qint64(stamp.ms48));
    m.insert(4, qint64(stamp.counter));
    m.insert(5, stamp.origin.toByteArray());
    if (tombstone)
        m.insert(6, true);
    else
        m.insert(7, fieldsToCbor(type, fields));
    return m;
}

QByteArray Operation::encode() const
{
    auto bytes = protocol::cbor::encode(toCbor());
    // Only integers, texts, bytes, bools, arrays and integer-keyed maps are ever built here.
    Q_ASSERT(bytes.has_value());
    return bytes ? *bytes : QByteArray();
}

Result<Operation> Operation::fromCbor(const QCborValue &value)
{
    auto keys = cbor::intKeyedMap(value, kOpKeys, "operation");
    if (!keys)
        return std::unexpected(keys.error());
    const QList<QCborValue> &k = *keys;
    const auto bad = [](const char *why) {
        return fail(Errc::Malformed, QStringLiteral("operation: %1").arg(QLatin1StringView(why)));
    };
    Operation op;
    const auto id = cbor::id16(k[0]);
    if (!id || id->isZero())
        return bad("record id");
    op.recordId = *id;
    if (!k[1].isInteger())
        return bad("type");
    const auto type = recordTypeFromInt(k[1].toInteger());
    if (!type)
        return bad("type");
    op.type = *type;
    if (!k[2].isString() || !isValidScope(k[2].toString()))
        return bad("scope");
    op.scope = k[2].toString();
    if (!k[3].isInteger() || k[3].toInteger() < 0 || quint64(k[3].toInteger()) > Hlc::kMaxMs)
        return bad("stamp ms");
    if (!k[4].isInteger() || k[4].toInteger() < 0 || k[4].toInteger() > 0xffff)
        return bad("stamp counter");
    const auto origin = cbor::id16(k[5]);
    if (!origin || origin->isZero())
        return bad("origin");
    op.stamp = Hlc{quint64(k[3].toInteger()), quint16(k[4].toInteger()), *origin};
    if (!k[6].isUndefined()) {
        // Present only for a tombstone, and then exactly true, with no fields.
        if (!k[6].isTrue() || !k[7].isUndefined())
            return bad("tombstone");
        op.tombstone = true;
        return op;
    }
    if (k[7].isUndefined())
        return bad("no fields");
    auto fields = fieldsFromCbor(op.type, k[7]);
    if (!fields)
        return std::unexpected(fields.error());
    op.fields = std::move(*fields);
    return op;
}

Result<Operation> Operation::decode(QByteArrayView bytes)
{
    auto value = protocol::cbor::decodeStrict(bytes);
    if (!value)
        return std::unexpected(value.error());
    return fromCbor(*value);
}

Status Operation::validate()
{
    if (recordId.isZero())
        return fail(Errc::InvalidArgument, QStringLiteral("operation: zero record id"));
    if (!recordTypeFromInt(qint64(type)))
        return fail(Errc::InvalidArgument, QStringLiteral("operation: bad type"));
    if (!isValidScope(scope))
        return fail(Errc::InvalidArgument, QStringLiteral("operation: bad scope"));
    if (stamp.ms48 > Hlc::kMaxMs || stamp.origin.isZero())
        return fail(Errc::InvalidArgument, QStringLiteral("operation: bad stamp"));
    if (tombstone) {
        if (!fields.isEmpty())
            return fail(Errc::InvalidArgument, QStringLiteral("operation: tombstone with fields"));
        return {};
    }
    if (fields.isEmpty())
        return fail(Errc::InvalidArgument, QStringLiteral("operation: no fields"));
    for (auto it = fields.begin(); it != fields.end(); ++it) {
        const FieldSpec *spec = fieldSpec(type, it.key());
        if (!spec)
            return fail(Errc::InvalidArgument, QStringLiteral("operation: unknown field"));
        auto normalized = normalizeField(*spec, it.value());
        if (!normalized)
            return std::unexpected(normalized.error());
        it.value() = *normalized;
    }
    return {};
}

Status Operation::checkShape() const
{
    if (recordId.isZero() || !recordTypeFromInt(qint64(type)) || !isValidScope(scope) ||
        stamp.ms48 > Hlc::kMaxMs || stamp.origin.isZero() || tombstone != fields.isEmpty())
        return fail(Errc::InvalidArgument, QStringLiteral("operation: bad shape"));
    for (auto it = fields.cbegin(); it != fields.cend(); ++it) {
        if (!fieldSpec(type, it.key()))
            return fail(Errc::InvalidArgument, QStringLiteral("operation: unknown field"));
    }
    return {};
}

bool operator==(const Operation &a, const Operation &b)
{
    return a.encode() == b.encode();
}

// ---- RecordState ----

QList<Operation> RecordState::toOperations() const
{
    QList<Operation> ops;
    if (deleted) {
        Operation op;
        op.recordId = id;
        op.type = type;
        op.scope = scope;
        op.tombstone = true;
        op.stamp = tombstone;
        ops.append(op);
        return ops;
    }
    QMap<QByteArray, Operation> byStamp; // sorted by encoded stamp = stamp order
    for (auto it = fields.cbegin(); it != fields.cend(); ++it) {
        const QByteArray key = it.value().stamp.encode();
        auto found = byStamp.find(key);
        if (found == byStamp.end()) {
            Operation op;
            op.recordId = id;
            op.type = type;
            op.scope = scope;
            op.stamp = it.value().stamp;
            found = byStamp.insert(key, op);
        }
        found.value().fields.insert(it.key(), it.value().value);
    }
    for (const Operation &op : std::as_const(byStamp))
        ops.append(op);
    return ops;
}

QCborMap RecordState::toCbor() const
{
    QCborMap m;
    m.insert(0, id.toByteArray());
    m.insert(1, qint64(type));
    m.insert(2, scope);
    if (deleted) {
        m.insert(3, cbor::stampToArray(tombstone));
    } else {
        QList<std::pair<QCborValue, QCborValue>> entries;
        for (auto it = fields.cbegin(); it != fields.cend(); ++it) {
            const FieldSpec *spec = fieldSpec(type, it.key());
            if (!spec)
                continue; // states are built from validated operations
            QCborArray a = cbor::stampToArray(it.value().stamp);
            a.prepend(it.value().value);
            entries.append({QCborValue(spec->key), a});
        }
        m.insert(4, cbor::canonicalMap(std::move(entries)));
    }
    return m;
}

Result<RecordState> RecordState::fromCbor(const QCborValue &value)
{
    auto keys = cbor::intKeyedMap(value, kStateKeys, "record state");
    if (!keys)
        return std::unexpected(keys.error());
    const QList<QCborValue> &k = *keys;
    const auto bad = [](const char *why) {
        return fail(Errc::Malformed,
                    QStringLiteral("record state: %1").arg(QLatin1StringView(why)));
    };
    RecordState st;
    const auto id = cbor::id16(k[0]);
    if (!id || id->isZero())
        return bad("id");
    st.id = *id;
    const auto type = k[1].isInteger() ? recordTypeFromInt(k[1].toInteger()) : std::nullopt;
    if (!type)
        return bad("type");
    st.type = *type;
    if (!k[2].isString() || !isValidScope(k[2].toString()))
        return bad("scope");
    st.scope = k[2].toString();
    if (k[3].isUndefined() == k[4].isUndefined())
        return bad("exactly one of tombstone and fields");
    if (!k[3].isUndefined()) {
        const auto stamp = cbor::stampFromArray(k[3]);
        if (!stamp || stamp->origin.isZero())
            return bad("tombstone stamp");
        st.deleted = true;
        st.tombstone = *stamp;
        if (writerRule(st.type) == WriterRule::AuthorOnly)
            st.owner = stamp->origin;
        return st;
    }
    if (!k[4].isMap() || k[4].toMap().isEmpty())
        return bad("fields");
    const QCborMap fm = k[4].toMap();
    qint64 previousKey = -1;
    for (auto it = fm.cbegin(); it != fm.cend(); ++it) {
        if (!it.key().isInteger() || it.key().toInteger() <= previousKey)
            return bad("field keys");
        previousKey = it.key().toInteger();
        const FieldSpec *spec = fieldSpecByKey(st.type, previousKey);
        if (!spec)
            return bad("unknown field");
        const QString name = QString::fromLatin1(spec->name);
        if (!it.value().isArray() || it.value().toArray().size() != 4)
            return bad("field entry");
        QCborArray a = it.value().toArray();
        const QCborValue v = a.takeAt(0);
        const auto stamp = cbor::stampFromArray(a);
        if (!stamp || stamp->origin.isZero())
            return bad("field stamp");
        bool changed = false;
        auto normalized = normalizeField(*spec, v, &changed);
        if (!normalized || changed)
            return bad("field value");
        if (writerRule(st.type) == WriterRule::AuthorOnly) {
            if (st.owner && *st.owner != stamp->origin)
                return bad("author-only record with two origins");
            st.owner = stamp->origin;
        }
        st.fields.insert(name, FieldState{v, *stamp});
    }
    return st;
}

// ---- ids ----

RecordId newRecordId()
{
    return recordIdFromBytes(crypto::randomFixed<RecordId>());
}

RecordId recordIdFromBytes(const RecordId &bytes)
{
    RecordId id = bytes;
    id.bytes[6] = std::uint8_t((id.bytes[6] & 0x0f) | 0x40); // version 4
    id.bytes[8] = std::uint8_t((id.bytes[8] & 0x3f) | 0x80); // RFC 4122 variant
    return id;
}

QString recordIdToString(const RecordId &id)
{
    const QString hex = QString::fromLatin1(id.toHex());
    return hex.mid(0, 8) + QLatin1Char('-') + hex.mid(8, 4) + QLatin1Char('-') + hex.mid(12, 4) +
           QLatin1Char('-') + hex.mid(16, 4) + QLatin1Char('-') + hex.mid(20, 12);
}

} // namespace liaison::model
