// Fuzzes the desk's case import (liaison-hq case import FILE.csv): text decoding, the RFC 4180
// parser (fuzz_contactcsv covers it in depth) and the case column mapping.
// Invariants (a violation aborts): every row has a reference, a title, a valid scope, a stable
// key "case:<scope>:..." and fields that pass the CaseSummary schema in canonical form; problems
// name a line inside the file; the same bytes give the same keys twice.
#include "crypto/crypto.h"
#include "imports/casecsv.h"
#include "model/records.h"

#include <cstdint>
#include <cstdlib>

using namespace liaison;
using namespace liaison::imports;

namespace {

void check(bool condition)
{
    if (!condition)
        std::abort();
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
    CaseCsvOptions o;
    o.fileName = QStringLiteral("fuzz.csv");
    o.defaultScope = QStringLiteral("post:fuzz");
    auto sheet = readCaseCsv(bytes, o);
    if (!sheet)
        return 0;
    auto twice = readCaseCsv(bytes, o);
    check(twice && twice->rows.size() == sheet->rows.size());
    for (const ImportProblem &p : sheet->problems)
        check(p.line >= 0);
    for (qsizetype i = 0; i < sheet->rows.size(); ++i) {
        const ImportRow &row = sheet->rows[i].row;
        check(row.key == twice->rows[i].row.key);
        check(row.key.startsWith(QStringLiteral("case:") + row.scope + QLatin1Char(':')));
        check(model::isValidScope(row.scope));
        check(!row.fields.value(QStringLiteral("reference")).toString().isEmpty());
        check(!row.fields.value(QStringLiteral("title")).toString().isEmpty());
        for (auto it = row.fields.cbegin(); it != row.fields.cend(); ++it) {
            const model::FieldSpec *spec =
                model::fieldSpec(model::RecordType::CaseSummary, it.key());
            check(spec != nullptr);
            bool changed = true;
            check(model::normalizeField(*spec, it.value(), &changed).has_value());
            check(!changed);
        }
    }
    return 0;
}
