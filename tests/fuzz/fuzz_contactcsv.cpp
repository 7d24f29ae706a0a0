// Fuzzes the desk's contact import (liaison-hq contact import): text decoding (BOMs, UTF-8,
// UTF-16, Windows-1250 detection), the RFC 4180 parser and the column mapping.
// Invariants (a violation aborts):
//  - parsing never yields a record over the limits, and lines only rise;
//  - whatever the parser accepts, written back with csvField and parsed again, gives the same
//    records (quoting, doubled quotes, line ends in fields survive a round trip);
//  - every row readContactCsv returns has a name, a valid scope, a stable key and fields that
//    pass the Contact schema; the same bytes give the same keys twice (the import's idempotence
//    rests on it).
#include "fuzzcheck.h"
#include "crypto/crypto.h"
#include "imports/contactcsv.h"
#include "imports/csv.h"
#include "imports/textdecode.h"
#include "model/records.h"

#include <cstdint>
#include <cstdlib>

using namespace liaison;
using namespace liaison::imports;

namespace {

QString writeBack(const CsvTable &t)
{
    QString out;
    for (const CsvRecord &r : t.records) {
        if (r.fields.size() == 1 && r.fields.first().isEmpty()) {
            out += QStringLiteral("\"\"\n");
            continue;
        }
        QStringList cells;
        for (const QString &f : r.fields)
            cells.append(csvField(f, t.delimiter));
        out += cells.join(t.delimiter) + QLatin1Char('\n');
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    if (!crypto::initialize())
        std::abort();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArrayView bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    auto text = decodeText(bytes);
    if (text) {
        const CsvTable table = parseCsv(text->text);
        int last = 0;
        for (const CsvRecord &r : table.records) {
            FUZZ_CHECK(r.line > last);
            last = r.line;
            FUZZ_CHECK(r.fields.size() <= kCsvMaxFields + 1);
        }
        const CsvTable again = parseCsv(writeBack(table), table.delimiter);
        FUZZ_CHECK(again.problems.isEmpty());
        FUZZ_CHECK(again.records.size() == table.records.size());
        for (qsizetype i = 0; i < table.records.size(); ++i)
            FUZZ_CHECK(again.records[i].fields == table.records[i].fields);
    }
    ContactCsvOptions o;
    o.fileName = QStringLiteral("fuzz.csv");
    o.defaultScope = QStringLiteral("post:fuzz");
    auto sheet = readContactCsv(bytes, o);
    if (sheet) {
        auto twice = readContactCsv(bytes, o);
        FUZZ_CHECK(twice && twice->rows.size() == sheet->rows.size());
        for (qsizetype i = 0; i < sheet->rows.size(); ++i) {
            const ContactRow &row = sheet->rows[i];
            FUZZ_CHECK(row.key == twice->rows[i].key);
            FUZZ_CHECK(!row.key.isEmpty() && row.line >= 2);
            FUZZ_CHECK(model::isValidScope(row.scope));
            FUZZ_CHECK(!row.fields.value(QStringLiteral("name")).toString().isEmpty());
            for (auto it = row.fields.cbegin(); it != row.fields.cend(); ++it) {
                const model::FieldSpec *spec =
                    model::fieldSpec(model::RecordType::Contact, it.key());
                FUZZ_CHECK(spec != nullptr);
                bool changed = true;
                FUZZ_CHECK(model::normalizeField(*spec, it.value(), &changed).has_value());
                FUZZ_CHECK(!changed);
            }
        }
    }
    return 0;
}
