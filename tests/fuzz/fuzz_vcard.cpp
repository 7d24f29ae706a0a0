// Fuzzes the desk's vCard import (liaison-hq contact import FILE.vcf): unfolding, quoted-printable,
// CHARSET, parameters, escaping, structured values, groups.
// Invariants (a violation aborts): every row has a name, a valid scope, a stable key and fields
// that pass the Contact schema in canonical form; the same bytes give the same rows; a row
// written back as vCard 4.0 and read again gives the same fields (export round trip).
#include "fuzzcheck.h"
#include "crypto/crypto.h"
#include "imports/vcard.h"
#include "model/records.h"

#include <cstdint>
#include <cstdlib>

using namespace liaison;
using namespace liaison::imports;

namespace {

bool sameIgnoringEmpty(const model::FieldMap &a, const model::FieldMap &b)
{
    for (const QString &k : a.keys() + b.keys()) {
        const model::FieldSpec *spec = model::fieldSpec(model::RecordType::Contact, k);
        const QCborValue empty = model::emptyValue(spec->kind);
        const QCborValue x = a.value(k, empty), y = b.value(k, empty);
        if (x.toCbor() != y.toCbor())
            return false;
    }
    return true;
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
    ContactCsvOptions o;
    o.fileName = QStringLiteral("fuzz.vcf");
    o.defaultScope = QStringLiteral("post:fuzz");
    auto sheet = readContactVcard(bytes, o);
    if (!sheet)
        return 0;
    auto twice = readContactVcard(bytes, o);
    FUZZ_CHECK(twice && twice->rows.size() == sheet->rows.size());
    for (qsizetype i = 0; i < sheet->rows.size(); ++i) {
        const ContactRow &row = sheet->rows[i];
        FUZZ_CHECK(row.key == twice->rows[i].key);
        FUZZ_CHECK(model::isValidScope(row.scope));
        FUZZ_CHECK(!row.fields.value(QStringLiteral("name")).toString().isEmpty());
        for (auto it = row.fields.cbegin(); it != row.fields.cend(); ++it) {
            const model::FieldSpec *spec = model::fieldSpec(model::RecordType::Contact, it.key());
            FUZZ_CHECK(spec != nullptr);
            bool changed = true;
            FUZZ_CHECK(model::normalizeField(*spec, it.value(), &changed).has_value());
            FUZZ_CHECK(!changed);
        }
        // Export round trip.
        const QByteArray card = contactToVcard(model::RecordId{}, row.scope, row.fields);
        auto back = readContactVcard(card, o);
        FUZZ_CHECK(back && back->rows.size() == 1 && back->problems.isEmpty());
        FUZZ_CHECK(sameIgnoringEmpty(back->rows.first().fields, row.fields));
    }
    return 0;
}
