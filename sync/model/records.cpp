#include "model/records.h"

#include <QCborArray>
#include <QCborMap>

#include <algorithm>

namespace liaison::model {

namespace {

constexpr qint64 kMaxTimeMs = (qint64(1) << 48) - 1;

constexpr const char *kChannels[] = {"bilateral", "europol", "frontex",
                                     "interpol",  "sirene",  nullptr};
constexpr const char *kCaseStatus[] = {"active", "closed", "open", "pending", nullptr};
constexpr const char *kScheduleStatus[] = {"cancelled", "changed", "confirmed", nullptr};

// Field keys are wire values (the strict codec allows only unsigned integer map keys): never
// renumber, only append. Each list is in ascending key order (checked by tst_records).
constexpr FieldSpec kContact[] = {
    {1, "name", FieldKind::Text, 256},         {2, "organisation", FieldKind::Text, 256},
    {3, "role", FieldKind::Text, 256},         {4, "country", FieldKind::Text, 64},
    {5, "phones", FieldKind::Phones, 16},      {6, "emails", FieldKind::TextList, 16},
    {7, "fax", FieldKind::TextList, 8},        {8, "address", FieldKind::Text, 512},
    {9, "languages", FieldKind::TextList, 16}, {10, "timeZone", FieldKind::Text, 64},
    {11, "notes", FieldKind::Text, 8192},      {12, "tags", FieldKind::TextList, 32},
    {13, "lastVerified", FieldKind::Time},
};
constexpr FieldSpec kCase[] = {
    {1, "reference", FieldKind::Text, 128},
    {2, "channel", FieldKind::Choice, 16, 0, 0, kChannels},
    {3, "title", FieldKind::Text, 512},
    {4, "status", FieldKind::Choice, 16, 0, 0, kCaseStatus},
    {5, "priority", FieldKind::Integer, 0, 0, 5},
    {6, "summary", FieldKind::Text, 16384},
    {7, "countries", FieldKind::TextList, 64},
    {8, "linkedContacts", FieldKind::IdList, 256},
    {9, "handlingCode", FieldKind::Text, 64},
    {10, "updated", FieldKind::Time},
};
constexpr FieldSpec kInstruction[] = {
    {1, "title", FieldKind::Text, 512},
    {2, "body", FieldKind::Text, 32768},
    {3, "issuedBy", FieldKind::Text, 256},
    {4, "issuedAt", FieldKind::Time},
    {5, "validFrom", FieldKind::Time},
    {6, "validUntil", FieldKind::Time},
    {7, "priority", FieldKind::Integer, 0, 0, 5},
    {8, "requiresAck", FieldKind::Bool},
    {9, "version", FieldKind::Integer, 0, 0, 1'000'000'000},
};
constexpr FieldSpec kSchedule[] = {
    {1, "visit", FieldKind::Text, 128},
    {2, "title", FieldKind::Text, 512},
    {3, "start", FieldKind::Time},
    {4, "end", FieldKind::Time},
    {5, "timeZone", FieldKind::Text, 64},
    {6, "venue", FieldKind::Text, 256},
    {7, "address", FieldKind::Text, 512},
    {8, "position", FieldKind::Position},
    {9, "participants", FieldKind::TextList, 64},
    {10, "escortNotes", FieldKind::Text, 8192},
    {11, "status", FieldKind::Choice, 16, 0, 0, kScheduleStatus},
};
constexpr FieldSpec kAck[] = {
    {1, "instruction", FieldKind::Id},
    {2, "version", FieldKind::Integer, 0, 0, 1'000'000'000},
    {3, "contentHash", FieldKind::Hash32},
    {4, "time", FieldKind::Time},
};
constexpr FieldSpec kReport[] = {
    {1, "text", FieldKind::Text, 16384},
    {2, "time", FieldKind::Time},
    {3, "position", FieldKind::Position},
    {4, "related", FieldKind::Id},
    // fixTime: when the device got the position (its age at `time`)
    {5, "fixTime", FieldKind::Time},
};
constexpr FieldSpec kCheckIn[] = {
    {1, "scheduleItem", FieldKind::Id},
    {2, "time", FieldKind::Time},
    {3, "position", FieldKind::Position},
    {4, "fixTime", FieldKind::Time}, // when the device got the position (its age at `time`)
};

constexpr qint64 kLatMax = 900'000'000;
constexpr qint64 kLonMax = 1'800'000'000;

Status checkText(const QString &text, int maxLength)
{
    if (text.size() > maxLength)
        return fail(Errc::Malformed, QStringLiteral("text too long"));
    for (QChar c : text) {
        const ushort u = c.unicode();
        if ((u < 0x20 && u != '\n' && u != '\t') || u == 0x7f)
            return fail(Errc::Malformed, QStringLiteral("control character in text"));
    }
    return {};
}

} // namespace

WriterRule writerRule(RecordType type)
{
    switch (type) {
    case RecordType::Contact:
        return WriterRule::HqAndScopeMembers;
    case RecordType::CaseSummary:
    case RecordType::Instruction:
    case RecordType::ScheduleItem:
        return WriterRule::HqOnly;
    case RecordType::Acknowledgement:
    case RecordType::FieldReport:
    case RecordType::CheckIn:
        return WriterRule::AuthorOnly;
    }
    return WriterRule::HqOnly;
}

const char *recordTypeName(RecordType type)
{
    switch (type) {
    case RecordType::Contact:
        return "contact";
    case RecordType::CaseSummary:
        return "case";
    case RecordType::Instruction:
        return "instruction";
    case RecordType::ScheduleItem:
        return "schedule";
    case RecordType::Acknowledgement:
        return "ack";
    case RecordType::FieldReport:
        return "report";
    case RecordType::CheckIn:
        return "checkin";
    }
    return "?";
}

std::optional<RecordType> recordTypeFromInt(qint64 value)
{
    if (value < 1 || value > 7)
        return std::nullopt;
    return RecordType(value);
}

std::span<const FieldSpec> fieldSpecs(RecordType type)
{
    switch (type) {
    case RecordType::Contact:
        return kContact;
    case RecordType::CaseSummary:
        return kCase;
    case RecordType::Instruction:
        return kInstruction;
    case RecordType::ScheduleItem:
        return kSchedule;
    case RecordType::Acknowledgement:
        return kAck;
    case RecordType::FieldReport:
        return kReport;
    case RecordType::CheckIn:
        return kCheckIn;
    }
    return {};
}

const FieldSpec *fieldSpec(RecordType type, QStringView name)
{
    for (const FieldSpec &spec : fieldSpecs(type)) {
        if (name == QLatin1StringView(spec.name))
            return &spec;
    }
    return nullptr;
}

const FieldSpec *fieldSpecByKey(RecordType type, qint64 key)
{
    for (const FieldSpec &spec : fieldSpecs(type)) {
        if (spec.key == key)
            return &spec;
    }
    return nullptr;
}

QCborMap phone(const QString &label, const QString &number, bool available24h)
{
    QCborMap m;
    m.insert(kPhoneLabel, label);
    m.insert(kPhoneNumber, number);
    m.insert(kPhone24h, available24h);
    return m;
}

QCborValue emptyValue(FieldKind kind)
{
    switch (kind) {
    case FieldKind::Text:
    case FieldKind::Choice:
        return QCborValue(QString());
    case FieldKind::Integer:
    case FieldKind::Time:
        return QCborValue(qint64(0));
    case FieldKind::Bool:
        return QCborValue(false);
    case FieldKind::Id:
    case FieldKind::Hash32:
        return QCborValue(QByteArray());
    case FieldKind::TextList:
    case FieldKind::IdList:
    case FieldKind::Phones:
    case FieldKind::Position:
        return QCborValue(QCborArray());
    }
    return {};
}

Result<QCborValue> normalizeField(const FieldSpec &spec, const QCborValue &value, bool *changed)
{
    if (changed)
        *changed = false;
    const auto bad = [&](const char *why) {
        return fail(Errc::Malformed,
                    QStringLiteral("field %1: %2")
                        .arg(QLatin1StringView(spec.name), QLatin1StringView(why)));
    };
    switch (spec.kind) {
    case FieldKind::Text: {
        if (!value.isString())
            return bad("not text");
        if (auto s = checkText(value.toString(), spec.maxLength); !s)
            return bad("bad text");
        return value;
    }
    case FieldKind::Choice: {
        if (!value.isString())
            return bad("not text");
        const QString s = value.toString();
        if (s.isEmpty())
            return value;
        for (const char *const *c = spec.choices; c && *c; ++c) {
            if (s == QLatin1StringView(*c))
                return value;
        }
        return bad("not one of the choices");
    }
    case FieldKind::Integer:
        if (!value.isInteger())
            return bad("not an integer");
        if (value.toInteger() < spec.minimum || value.toInteger() > spec.maximum)
            return bad("out of range");
        return value;
    case FieldKind::Time:
        if (!value.isInteger())
            return bad("not an integer");
        if (value.toInteger() < 0 || value.toInteger() > kMaxTimeMs)
            return bad("out of range");
        return value;
    case FieldKind::Bool:
        if (!value.isBool())
            return bad("not a bool");
        return value;
    case FieldKind::Id:
    case FieldKind::Hash32: {
        if (!value.isByteArray())
            return bad("not bytes");
        const qsizetype n = value.toByteArray().size();
        if (n != 0 && n != (spec.kind == FieldKind::Id ? 16 : 32))
            return bad("wrong length");
        return value;
    }
    case FieldKind::TextList:
    case FieldKind::IdList:
    case FieldKind::Phones: {
        if (!value.isArray())
            return bad("not an array");
        const QCborArray in = value.toArray();
        if (in.size() > spec.maxLength)
            return bad("too many items");
        QCborArray rebuilt; // only when a phone map is not in canonical key order
        bool needsRebuild = false;
        for (qsizetype i = 0; i < in.size(); ++i) {
            const QCborValue item = in.at(i);
            if (spec.kind == FieldKind::TextList) {
                if (!item.isString() || !checkText(item.toString(), 512))
                    return bad("bad list item");
            } else if (spec.kind == FieldKind::IdList) {
                if (!item.isByteArray() || item.toByteArray().size() != 16)
                    return bad("bad id");
            } else {
                if (!item.isMap())
                    return bad("phone not a map");
                const QCborMap m = item.toMap();
                const QCborValue label = m.value(kPhoneLabel);
                const QCborValue number = m.value(kPhoneNumber);
                const QCborValue h24 = m.value(kPhone24h);
                if (m.size() != 3 || !h24.isBool() || !label.isString() || !number.isString())
                    return bad("phone must be {1: label, 2: number, 3: 24/7}");
                if (!checkText(label.toString(), 64) || !checkText(number.toString(), 64))
                    return bad("bad phone text");
                const bool canonical = m.keys().at(0) == QCborValue(kPhoneLabel) &&
                                       m.keys().at(1) == QCborValue(kPhoneNumber);
                if (!canonical && !needsRebuild) {
                    needsRebuild = true;
                    for (qsizetype j = 0; j < i; ++j)
                        rebuilt.append(in.at(j));
                }
                if (needsRebuild) {
                    QCborMap sorted; // canonical key order
                    sorted.insert(kPhoneLabel, label);
                    sorted.insert(kPhoneNumber, number);
                    sorted.insert(kPhone24h, h24);
                    rebuilt.append(sorted);
                }
            }
        }
        if (changed)
            *changed = needsRebuild;
        return needsRebuild ? QCborValue(rebuilt) : value;
    }
    case FieldKind::Position: {
        if (!value.isArray())
            return bad("not an array");
        const QCborArray a = value.toArray();
        if (a.isEmpty())
            return value;
        if (a.size() != 2 || !a.at(0).isInteger() || !a.at(1).isInteger())
            return bad("position must be [lat e7, lon e7]");
        if (std::llabs(a.at(0).toInteger()) > kLatMax || std::llabs(a.at(1).toInteger()) > kLonMax)
            return bad("position out of range");
        return value;
    }
    }
    return bad("unknown kind");
}

bool isValidScope(QStringView scope)
{
    if (scope.size() < 3 || scope.size() > 64)
        return false;
    const qsizetype colon = scope.indexOf(QLatin1Char(':'));
    if (colon <= 0 || colon == scope.size() - 1)
        return false;
    for (qsizetype i = 0; i < scope.size(); ++i) {
        const QChar c = scope[i];
        const bool lower = c >= QLatin1Char('a') && c <= QLatin1Char('z');
        const bool digit = c >= QLatin1Char('0') && c <= QLatin1Char('9');
        if (i < colon) {
            if (!lower)
                return false;
        } else if (i > colon) {
            if (!lower && !digit && c != QLatin1Char('.') && c != QLatin1Char('-') &&
                c != QLatin1Char('_'))
                return false;
        }
    }
    return true;
}

} // namespace liaison::model
