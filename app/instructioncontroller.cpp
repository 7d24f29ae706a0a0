#include "instructioncontroller.h"

#include "recordlistmodel.h"

#include "crypto/crypto.h"
#include "model/instructionhash.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcInstruction, "liaison.app.instruction")

namespace liaison::app {

InstructionController::InstructionController(const liaison::Clock &clock, QObject *parent)
    : QObject(parent)
    , m_clock(clock)
{}

void InstructionController::setError(const QString &error)
{
    if (m_error == error)
        return;
    m_error = error;
    Q_EMIT errorChanged();
}

bool InstructionController::acknowledge(const QString &recordId)
{
    if (!m_store) {
        setError(tr("The vault is locked."));
        return false;
    }
    const auto id = RecordListModel::idFromText(recordId);
    if (!id) {
        setError(tr("Unknown instruction."));
        return false;
    }
    auto found = m_store->record(*id);
    if (!found || !*found || (*found)->deleted ||
        (*found)->type != model::RecordType::Instruction) {
        setError(tr("This instruction is no longer on this device."));
        return false;
    }
    const model::RecordState &instruction = **found;
    const auto versionIt = instruction.fields.constFind(QStringLiteral("version"));
    const qint64 version =
        versionIt == instruction.fields.cend() ? 0 : versionIt->value.toInteger();
    const crypto::Hash32 hash = model::instructionContentHash(instruction);

    // Already acknowledged for this version and content: nothing to add.
    auto all = m_store->records({instruction.scope});
    if (all) {
        for (const model::RecordState &r : *all) {
            if (r.type != model::RecordType::Acknowledgement || r.deleted)
                continue;
            if (r.owner && *r.owner != m_store->self())
                continue;
            const auto f = [&r](const char *name) {
                return r.fields.value(QLatin1StringView(name)).value;
            };
            if (f("instruction").toByteArray() == id->toByteArray() &&
                f("version").toInteger() == version &&
                f("contentHash").toByteArray() == hash.toByteArray()) {
                setError(QString());
                return true;
            }
        }
    }

    model::FieldMap fields;
    fields.insert(QStringLiteral("instruction"), QCborValue(id->toByteArray()));
    fields.insert(QStringLiteral("version"), QCborValue(version));
    fields.insert(QStringLiteral("contentHash"), QCborValue(hash.toByteArray()));
    fields.insert(QStringLiteral("time"), QCborValue(m_clock.wallMs()));
    auto created = m_store->create(model::RecordType::Acknowledgement, instruction.scope, fields);
    if (!created) {
        qCWarning(lcInstruction) << "acknowledgement refused:" << errcName(created.error().code);
        setError(tr("The acknowledgement could not be stored: %1").arg(created.error().message));
        return false;
    }
    qCInfo(lcInstruction) << "acknowledged, version" << version;
    setError(QString());
    Q_EMIT acknowledged(recordId);
    return true;
}

} // namespace liaison::app
