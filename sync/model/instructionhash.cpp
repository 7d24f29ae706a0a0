#include "model/instructionhash.h"

#include "crypto/crypto.h"
#include "model/records.h"
#include "protocol/cbor.h"

#include <QCborMap>

namespace liaison::model {

namespace {
constexpr char kContentContext[] = "LIAISN-instr-v1";
}

crypto::Hash32 instructionContentHash(const RecordState &instruction)
{
    QCborMap content;
    for (const FieldSpec &spec : fieldSpecs(RecordType::Instruction)) {
        const auto it = instruction.fields.constFind(QLatin1StringView(spec.name));
        content.insert(qint64(spec.key),
                       it == instruction.fields.cend() ? emptyValue(spec.kind) : it->value);
    }
    const auto encoded = protocol::cbor::encode(content);
    crypto::GenericHash h;
    h.update(QByteArrayView(kContentContext));
    h.update(instruction.id.view());
    // Every value came through the strict schema, so encoding cannot fail; if it ever did, the
    // hash of the empty content still differs from every real one.
    h.update(encoded ? QByteArrayView(*encoded) : QByteArrayView());
    return h.final32();
}

} // namespace liaison::model
