#include "protocol/cbor.h"

#include <QCborStreamReader>

#include <algorithm>
#include <vector>

namespace liaison::protocol::cbor {

namespace {

Result<QCborValue> canonical(const QCborValue &v, int depth)
{
    if (depth > 64)
        return fail(Errc::InvalidArgument, QStringLiteral("CBOR value nested too deeply"));
    switch (v.type()) {
    case QCborValue::Integer:
    case QCborValue::ByteArray:
    case QCborValue::String:
    case QCborValue::False:
    case QCborValue::True:
    case QCborValue::Null:
        return v;
    case QCborValue::Array: {
        QCborArray out;
        for (const QCborValue &item : v.toArray()) {
            auto c = canonical(item, depth + 1);
            if (!c)
                return c;
            out.append(*c);
        }
        return QCborValue(out);
    }
    case QCborValue::Map: {
        const QCborMap in = v.toMap();
        std::vector<std::pair<qint64, QCborValue>> items;
        items.reserve(std::size_t(in.size()));
        for (auto it = in.constBegin(); it != in.constEnd(); ++it) {
            const QCborValue key = it.key();
            if (!key.isInteger() || key.toInteger() < 0)
                return fail(Errc::InvalidArgument,
                            QStringLiteral("CBOR map keys must be unsigned integers"));
            auto c = canonical(it.value(), depth + 1);
            if (!c)
                return std::unexpected(c.error());
            items.emplace_back(key.toInteger(), *c);
        }
        std::sort(items.begin(), items.end(),
                  [](const auto &a, const auto &b) { return a.first < b.first; });
        for (std::size_t i = 1; i < items.size(); ++i)
            if (items[i].first == items[i - 1].first)
                return fail(Errc::InvalidArgument, QStringLiteral("duplicate CBOR map key"));
        QCborMap out;
        for (auto &[key, value] : items)
            out.insert(key, value);
        return QCborValue(out);
    }
    default:
        return fail(Errc::InvalidArgument,
                    QStringLiteral("CBOR type not allowed on the wire (tag, float, simple value)"));
    }
}

// Checks that v holds only allowed types; returns whether every map already has its keys in
// ascending order (then v can be written as it is, without a sorted copy).
Result<bool> validate(const QCborValue &v, int depth)
{
    if (depth > 64)
        return fail(Errc::InvalidArgument, QStringLiteral("CBOR value nested too deeply"));
    switch (v.type()) {
    case QCborValue::Integer:
    case QCborValue::ByteArray:
    case QCborValue::String:
    case QCborValue::False:
    case QCborValue::True:
    case QCborValue::Null:
        return true;
    case QCborValue::Array: {
        bool sorted = true;
        const QCborArray a = v.toArray();
        for (const QCborValue &item : a) {
            auto r = validate(item, depth + 1);
            if (!r)
                return r;
            sorted = sorted && *r;
        }
        return sorted;
    }
    case QCborValue::Map: {
        bool sorted = true;
        qint64 previous = -1;
        const QCborMap m = v.toMap();
        for (auto it = m.constBegin(); it != m.constEnd(); ++it) {
            const QCborValue key = it.key();
            if (!key.isInteger() || key.toInteger() < 0)
                return fail(Errc::InvalidArgument,
                            QStringLiteral("CBOR map keys must be unsigned integers"));
            if (key.toInteger() == previous)
                return fail(Errc::InvalidArgument, QStringLiteral("duplicate CBOR map key"));
            sorted = sorted && key.toInteger() > previous;
            previous = std::max(previous, key.toInteger());
            auto r = validate(it.value(), depth + 1);
            if (!r)
                return r;
            sorted = sorted && *r;
        }
        return sorted;
    }
    default:
        return fail(Errc::InvalidArgument,
                    QStringLiteral("CBOR type not allowed on the wire (tag, float, simple value)"));
    }
}

class StrictReader
{
public:
    StrictReader(QByteArrayView bytes, const DecodeLimits &limits)
        : m_reader(reinterpret_cast<const char *>(bytes.data()), bytes.size())
        , m_limits(limits)
    {}

    Result<QCborValue> readTop()
    {
        auto v = readItem(0);
        if (!v)
            return v;
        if (m_reader.lastError() != QCborError::NoError)
            return bad("CBOR stream error");
        return v;
    }

    qint64 offset() const { return m_reader.currentOffset(); }

private:
    static std::unexpected<Error> bad(const char *why)
    {
        return fail(Errc::Malformed, QString::fromLatin1(why));
    }

    Result<QCborValue> readItem(int depth)
    {
        if (++m_items > m_limits.maxItems)
            return bad("CBOR item count over the limit");
        if (m_reader.lastError() != QCborError::NoError)
            return bad("CBOR stream error");
        switch (m_reader.type()) {
        case QCborStreamReader::UnsignedInteger: {
            const quint64 u = m_reader.toUnsignedInteger();
            if (u > quint64(INT64_MAX))
                return bad("CBOR integer out of range");
            m_reader.next();
            return QCborValue(qint64(u));
        }
        case QCborStreamReader::NegativeInteger: {
            // The item is -1 - n with n the encoded argument; toNegativeInteger() is n + 1.
            const quint64 magnitude = quint64(m_reader.toNegativeInteger());
            if (magnitude == 0 || magnitude > quint64(INT64_MAX) + 1)
                return bad("CBOR integer out of range");
            const qint64 v = m_reader.toInteger();
            m_reader.next();
            return QCborValue(v);
        }
        case QCborStreamReader::ByteString: {
            if (!m_reader.isLengthKnown())
                return bad("indefinite-length CBOR byte string");
            QByteArray out;
            auto r = m_reader.readByteArray();
            while (r.status == QCborStreamReader::Ok) {
                out += r.data;
                r = m_reader.readByteArray();
            }
            if (r.status == QCborStreamReader::Error)
                return bad("bad CBOR byte string");
            return QCborValue(out);
        }
        case QCborStreamReader::TextString: {
            if (!m_reader.isLengthKnown())
                return bad("indefinite-length CBOR text string");
            QString out;
            auto r = m_reader.readString();
            while (r.status == QCborStreamReader::Ok) {
                out += r.data;
                r = m_reader.readString();
            }
            if (r.status == QCborStreamReader::Error)
                return bad("bad CBOR text string");
            return QCborValue(out);
        }
        case QCborStreamReader::Array: {
            if (!m_reader.isLengthKnown())
                return bad("indefinite-length CBOR array");
            if (depth >= m_limits.maxDepth)
                return bad("CBOR nested too deeply");
            const quint64 n = m_reader.length();
            if (n > quint64(m_limits.maxItems))
                return bad("CBOR array too long");
            if (!m_reader.enterContainer())
                return bad("bad CBOR array");
            QCborArray out;
            for (quint64 i = 0; i < n; ++i) {
                if (!m_reader.hasNext())
                    return bad("truncated CBOR array");
                auto item = readItem(depth + 1);
                if (!item)
                    return item;
                out.append(*item);
            }
            if (m_reader.hasNext() || !m_reader.leaveContainer())
                return bad("bad CBOR array end");
            return QCborValue(out);
        }
        case QCborStreamReader::Map: {
            if (!m_reader.isLengthKnown())
                return bad("indefinite-length CBOR map");
            if (depth >= m_limits.maxDepth)
                return bad("CBOR nested too deeply");
            const quint64 n = m_reader.length();
            // Every schema's map has a small fixed key set, and QCborMap::insert looks keys up
            // linearly: a long map would cost O(n^2) before any schema check (security review
            // L-13). Refused before its first entry is read.
            constexpr quint64 kMaxMapEntries = 256;
            if (n > quint64(m_limits.maxItems) || n > kMaxMapEntries)
                return bad("CBOR map too long");
            if (!m_reader.enterContainer())
                return bad("bad CBOR map");
            QCborMap out;
            qint64 previous = -1;
            for (quint64 i = 0; i < n; ++i) {
                if (!m_reader.hasNext())
                    return bad("truncated CBOR map");
                if (m_reader.lastError() != QCborError::NoError)
                    return bad("CBOR stream error");
                if (m_reader.type() != QCborStreamReader::UnsignedInteger)
                    return bad("CBOR map key is not an unsigned integer");
                auto key = readItem(depth + 1);
                if (!key)
                    return key;
                const qint64 k = key->toInteger();
                if (k <= previous)
                    return bad("CBOR map keys not strictly ascending (unsorted or duplicate)");
                previous = k;
                if (!m_reader.hasNext())
                    return bad("CBOR map key without a value");
                auto value = readItem(depth + 1);
                if (!value)
                    return value;
                out.insert(k, *value);
            }
            if (m_reader.hasNext() || !m_reader.leaveContainer())
                return bad("bad CBOR map end");
            return QCborValue(out);
        }
        case QCborStreamReader::SimpleType: {
            const QCborSimpleType s = m_reader.toSimpleType();
            QCborValue v;
            if (s == QCborSimpleType::False)
                v = QCborValue(false);
            else if (s == QCborSimpleType::True)
                v = QCborValue(true);
            else if (s == QCborSimpleType::Null)
                v = QCborValue(nullptr);
            else
                return bad("CBOR simple value not allowed");
            m_reader.next();
            return v;
        }
        case QCborStreamReader::Tag:
            return bad("CBOR tags not allowed");
        case QCborStreamReader::Float16:
        case QCborStreamReader::Float:
        case QCborStreamReader::Double:
            return bad("CBOR floats not allowed");
        case QCborStreamReader::Invalid:
        default:
            return bad("invalid or truncated CBOR");
        }
    }

    QCborStreamReader m_reader;
    DecodeLimits m_limits;
    qsizetype m_items = 0;
};

QString keyName(const char *what, std::uint64_t key)
{
    return QStringLiteral("%1 key %2").arg(QLatin1String(what)).arg(key);
}

} // namespace

Result<QByteArray> encode(const QCborValue &value)
{
    auto sorted = validate(value, 0);
    if (!sorted)
        return std::unexpected(sorted.error());
    if (*sorted)
        return value.toCbor();
    auto c = canonical(value, 0);
    if (!c)
        return std::unexpected(c.error());
    return c->toCbor();
}

Result<QByteArray> encode(const QCborMap &map)
{
    return encode(QCborValue(map));
}

Result<QCborValue> decodeStrict(QByteArrayView bytes, const DecodeLimits &limits)
{
    if (bytes.isEmpty())
        return fail(Errc::Malformed, QStringLiteral("empty CBOR"));
    StrictReader reader(bytes, limits);
    auto v = reader.readTop();
    if (!v)
        return v;
    if (reader.offset() != bytes.size())
        return fail(Errc::Malformed, QStringLiteral("trailing bytes after CBOR item"));
    // Final guard: what we accepted must be exactly what we would write.
    auto again = encode(*v);
    if (!again || QByteArrayView(*again) != bytes)
        return fail(Errc::Malformed, QStringLiteral("CBOR is not in canonical form"));
    return v;
}

// ---- MapReader ----

MapReader::MapReader(const QCborMap &map, const char *what)
    : m_map(map)
    , m_what(what)
{}

void MapReader::reject(const QString &why)
{
    if (!m_error)
        m_error = QStringLiteral("%1: %2").arg(QLatin1String(m_what), why);
}

void MapReader::typeError(std::uint64_t key, const char *expected)
{
    reject(QStringLiteral("key %1 must be %2").arg(key).arg(QLatin1String(expected)));
}

bool MapReader::has(std::uint64_t key) const
{
    return key <= std::uint64_t(INT64_MAX) && m_map.contains(qint64(key));
}

std::optional<QCborValue> MapReader::take(std::uint64_t key, bool required)
{
    if (!has(key)) {
        if (required)
            reject(QStringLiteral("missing key %1").arg(key));
        return std::nullopt;
    }
    m_consumed.insert(key);
    return m_map.value(qint64(key));
}

std::uint64_t MapReader::unsignedAt(std::uint64_t key, std::uint64_t max)
{
    if (!has(key)) {
        reject(QStringLiteral("missing key %1").arg(key));
        return 0;
    }
    return optionalUnsignedAt(key, max).value_or(0);
}

std::optional<std::uint64_t> MapReader::optionalUnsignedAt(std::uint64_t key, std::uint64_t max)
{
    auto v = take(key, false);
    if (!v)
        return std::nullopt;
    if (!v->isInteger() || v->toInteger() < 0 || std::uint64_t(v->toInteger()) > max) {
        typeError(key, "an unsigned integer in range");
        return std::nullopt;
    }
    return std::uint64_t(v->toInteger());
}

std::int64_t MapReader::integerAt(std::uint64_t key)
{
    auto v = take(key, true);
    if (!v)
        return 0;
    if (!v->isInteger()) {
        typeError(key, "an integer");
        return 0;
    }
    return v->toInteger();
}

bool MapReader::boolAt(std::uint64_t key)
{
    auto v = take(key, true);
    if (!v)
        return false;
    if (!v->isBool()) {
        typeError(key, "a boolean");
        return false;
    }
    return v->toBool();
}

QByteArray MapReader::bytesAt(std::uint64_t key, qsizetype exactSize, qsizetype maxSize)
{
    auto v = take(key, true);
    if (!v)
        return {};
    if (!v->isByteArray()) {
        typeError(key, "a byte string");
        return {};
    }
    QByteArray b = v->toByteArray();
    if ((exactSize >= 0 && b.size() != exactSize) || b.size() > maxSize) {
        typeError(key, "a byte string of the right size");
        return {};
    }
    return b;
}

std::optional<QByteArray> MapReader::optionalBytesAt(std::uint64_t key, qsizetype exactSize)
{
    if (!has(key))
        return std::nullopt;
    QByteArray b = bytesAt(key, exactSize);
    if (!ok())
        return std::nullopt;
    return b;
}

QString MapReader::textAt(std::uint64_t key, qsizetype maxSize)
{
    auto v = take(key, true);
    if (!v)
        return {};
    if (!v->isString()) {
        typeError(key, "a text string");
        return {};
    }
    QString s = v->toString();
    if (s.size() > maxSize) {
        typeError(key, "a shorter text string");
        return {};
    }
    return s;
}

QCborArray MapReader::arrayAt(std::uint64_t key)
{
    auto v = take(key, true);
    if (!v)
        return {};
    if (!v->isArray()) {
        typeError(key, "an array");
        return {};
    }
    return v->toArray();
}

QCborMap MapReader::mapAt(std::uint64_t key)
{
    auto v = take(key, true);
    if (!v)
        return {};
    if (!v->isMap()) {
        typeError(key, "a map");
        return {};
    }
    return v->toMap();
}

std::optional<QCborMap> MapReader::optionalMapAt(std::uint64_t key)
{
    if (!has(key))
        return std::nullopt;
    QCborMap m = mapAt(key);
    if (!ok())
        return std::nullopt;
    return m;
}

QCborValue MapReader::valueAt(std::uint64_t key)
{
    return take(key, true).value_or(QCborValue());
}

Status MapReader::finish() const
{
    if (m_error)
        return fail(Errc::Malformed, *m_error);
    for (auto it = m_map.constBegin(); it != m_map.constEnd(); ++it) {
        const QCborValue k = it.key();
        if (!k.isInteger() || k.toInteger() < 0 ||
            !m_consumed.contains(std::uint64_t(k.toInteger())))
            return fail(
                Errc::Malformed,
                QStringLiteral("unknown %1").arg(keyName(m_what, std::uint64_t(k.toInteger()))));
    }
    return {};
}

} // namespace liaison::protocol::cbor
