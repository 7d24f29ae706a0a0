// Fuzzes the desk's case import (liaison-hq case import FILE.csv): text decoding, the RFC 4180
// parser (fuzz_contactcsv covers it in depth) and the case column mapping.
// Invariants (a violation aborts): every row has a reference, a title, a valid scope, a stable
// key "case:<scope>:..." and fields that pass the CaseSummary schema in canonical form; problems
// name a line inside the file; the same bytes give the same keys twice.
#include "fuzzcheck.h"
#include "crypto/crypto.h"
#include "imports/casecsv.h"
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
    CaseCsvOptions o;
    o.fileName = QStringLiteral("fuzz.csv");
    o.defaultScope = QStringLiteral("post:fuzz");
    auto sheet = readCaseCsv(bytes, o);
    if (!sheet)
        return 0;
    auto twice = readCaseCsv(bytes, o);
    FUZZ_CHECK(twice && twice->rows.size() == sheet->rows.size());
    for (const ImportProblem &p : sheet->problems)
        FUZZ_CHECK(p.line >= 0);
    for (qsizetype i = 0; i < sheet->rows.size(); ++i) {
        const ImportRow &row = sheet->rows[i].row;
        FUZZ_CHECK(row.key == twice->rows[i].row.key);
        FUZZ_CHECK(row.key.startsWith(QStringLiteral("case:") + row.scope + QLatin1Char(':')));
        FUZZ_CHECK(model::isValidScope(row.scope));
        FUZZ_CHECK(!row.fields.value(QStringLiteral("reference")).toString().isEmpty());
        FUZZ_CHECK(!row.fields.value(QStringLiteral("title")).toString().isEmpty());
        for (auto it = row.fields.cbegin(); it != row.fields.cend(); ++it) {
            const model::FieldSpec *spec =
                model::fieldSpec(model::RecordType::CaseSummary, it.key());
            FUZZ_CHECK(spec != nullptr);
            bool changed = true;
            FUZZ_CHECK(model::normalizeField(*spec, it.value(), &changed).has_value());
            FUZZ_CHECK(!changed);
        }
    }
    return 0;
}
