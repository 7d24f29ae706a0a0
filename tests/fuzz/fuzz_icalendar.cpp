// Fuzzes the desk's iCalendar import (liaison-hq schedule import FILE.ics): line decoding and
// unfolding, content-line syntax, libical's parsing of each event, time zones, RRULE expansion
// with EXDATE, RDATE and RECURRENCE-ID, and the writer.
// Invariants (a violation aborts):
//  - every row has a valid scope, a stable key, a title, start <= end, and fields that pass the
//    ScheduleItem schema in canonical form; at most kCalendarMaxRows rows, problems name a line
//    inside the file (or 0);
//  - the same bytes give the same keys twice (the import's idempotence rests on it);
//  - the rows written back as iCalendar read again without problems and give the same fields
//    (export round trip); every written line is at most 75 octets.
#include "fuzzcheck.h"
#include "crypto/crypto.h"
#include "imports/icalendar.h"
#include "model/records.h"

#include <cstdint>
#include <cstdlib>

using namespace liaison;
using namespace liaison::imports;


extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    if (!crypto::initialize())
        std::abort();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArrayView bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    CalendarOptions o;
    o.fileName = QStringLiteral("fuzz.ics");
    o.defaultScope = QStringLiteral("visit:fuzz");
    o.fromMs = 1'790'812'800'000;  // 2026-10-01
    o.untilMs = 1'801'353'600'000; // 2027-01-31
    auto sheet = readCalendar(bytes, o);
    if (!sheet)
        return 0;
    auto twice = readCalendar(bytes, o);
    FUZZ_CHECK(twice && twice->rows.size() == sheet->rows.size());
    FUZZ_CHECK(sheet->rows.size() <= kCalendarMaxRows);
    const int lines = int(bytes.count('\n')) + 1;
    for (const ImportProblem &p : sheet->problems)
        FUZZ_CHECK(p.line >= 0 && p.line <= lines);
    QList<CalendarEvent> events;
    for (qsizetype i = 0; i < sheet->rows.size(); ++i) {
        const ImportRow &row = sheet->rows[i];
        FUZZ_CHECK(row.key == twice->rows[i].key);
        FUZZ_CHECK(!row.key.isEmpty());
        FUZZ_CHECK(model::isValidScope(row.scope));
        FUZZ_CHECK(!row.fields.value(QStringLiteral("title")).toString().isEmpty());
        FUZZ_CHECK(row.fields.value(QStringLiteral("start")).toInteger() <=
              row.fields.value(QStringLiteral("end")).toInteger());
        for (auto it = row.fields.cbegin(); it != row.fields.cend(); ++it) {
            const model::FieldSpec *spec =
                model::fieldSpec(model::RecordType::ScheduleItem, it.key());
            FUZZ_CHECK(spec != nullptr);
            bool changed = true;
            FUZZ_CHECK(model::normalizeField(*spec, it.value(), &changed).has_value());
            FUZZ_CHECK(!changed);
        }
        events.append({model::newRecordId(), row.scope, row.fields});
    }
    if (events.isEmpty() || events.size() > 200)
        return 0;
    // Export round trip.
    const QByteArray written = writeCalendar(events, {});
    for (const QByteArray &line : written.split('\n'))
        FUZZ_CHECK(line.size() <= 76);
    CalendarOptions back = o;
    back.defaultScope.clear();
    auto again = readCalendar(written, back);
    FUZZ_CHECK(again && again->problems.isEmpty() && again->rows.size() == events.size());
    for (qsizetype i = 0; i < events.size(); ++i) {
        FUZZ_CHECK(again->rows[i].recordId == std::optional<model::RecordId>(events[i].id));
        for (auto it = events[i].fields.cbegin(); it != events[i].fields.cend(); ++it)
            FUZZ_CHECK(again->rows[i].fields.value(it.key()).toCbor() == it.value().toCbor());
    }
    return 0;
}
