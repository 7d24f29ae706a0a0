#pragma once

// The seven record types of DESIGN.md "Data", who may write each, and the typed schema of their
// fields. Field values are CBOR values of a fixed kind per field; there are no nulls and no floats
// (the strict codec forbids floats): an unset field holds the empty value of its kind ("", [], 0,
// false, empty bytes), positions are integers in 1e-7 degrees, times are Unix milliseconds.

#include "error.h"

#include <QCborMap>
#include <QCborValue>
#include <QString>

#include <cstdint>
#include <optional>
#include <span>

namespace liaison::model {

// Numbers are wire values: never renumber.
enum class RecordType : std::uint8_t {
    Contact = 1,
    CaseSummary = 2,
    Instruction = 3,
    ScheduleItem = 4,
    Acknowledgement = 5,
    FieldReport = 6,
    CheckIn = 7,
};
inline constexpr RecordType kAllRecordTypes[] = {
    RecordType::Contact,      RecordType::CaseSummary,     RecordType::Instruction,
    RecordType::ScheduleItem, RecordType::Acknowledgement, RecordType::FieldReport,
    RecordType::CheckIn,
};

enum class WriterRule {
    HqOnly,            // CaseSummary, Instruction, ScheduleItem
    HqAndScopeMembers, // Contact: HQ and every device holding the record's scope
    AuthorOnly,        // Acknowledgement, FieldReport, CheckIn: the device that created it
};

[[nodiscard]] WriterRule writerRule(RecordType type);
[[nodiscard]] const char *recordTypeName(RecordType type); // "contact", "case", ...
[[nodiscard]] std::optional<RecordType> recordTypeFromInt(qint64 value);

enum class FieldKind {
    Text,    // UTF-8 text up to maxLength characters
    Integer, // signed integer within [minimum, maximum]
    Bool,
    Time,     // Unix ms, 0 = unset
    Id,       // 16-byte record id, or empty bytes = unset
    Hash32,   // 32 bytes, or empty
    Choice,   // one of a fixed list of short texts, or "" = unset
    TextList, // array of texts
    IdList,   // array of 16-byte ids
    Phones,   // array of {1: label (text), 2: number (text), 3: available 24/7 (bool)}
    Position, // [] or [lat e7, lon e7]
};

struct FieldSpec
{
    int key;          // the CBOR map key on the wire
    const char *name; // the name in memory, the store and dumps
    FieldKind kind;
    int maxLength = 256;                  // texts: characters; lists: items
    qint64 minimum = 0;                   // Integer
    qint64 maximum = 0;                   // Integer
    const char *const *choices = nullptr; // Choice: nullptr-terminated
};

// The fields of a type, in key order. A field not listed here is rejected everywhere.
[[nodiscard]] std::span<const FieldSpec> fieldSpecs(RecordType type);
[[nodiscard]] const FieldSpec *fieldSpec(RecordType type, QStringView name);
[[nodiscard]] const FieldSpec *fieldSpecByKey(RecordType type, qint64 key);

// A Phones item.
inline constexpr int kPhoneLabel = 1;
inline constexpr int kPhoneNumber = 2;
inline constexpr int kPhone24h = 3;
[[nodiscard]] QCborMap phone(const QString &label, const QString &number, bool available24h);
// Checks a value against its spec (kind, lengths, ranges, choices) and returns it in canonical
// form (maps inside Phones rebuilt with sorted keys). Text may not contain control characters
// other than tab and newline.
// `changed`, when given, tells whether the canonical form differs from `value`.
[[nodiscard]] Result<QCborValue> normalizeField(const FieldSpec &spec, const QCborValue &value,
                                                bool *changed = nullptr);
// The empty value of a kind ("", [], 0, false, empty bytes).
[[nodiscard]] QCborValue emptyValue(FieldKind kind);

// Scopes are HQ's need-to-know units: "<kind>:<name>", lower-case ASCII letters, digits and
// ".-_" after the colon, at most 64 characters ("post:vienna", "visit:2026-12-brussels").
[[nodiscard]] bool isValidScope(QStringView scope);

// Contact fields copied into the FTS4 search table.
inline constexpr const char *kContactSearchFields[] = {"name", "organisation", "role", "country",
                                                       "tags"};

} // namespace liaison::model
