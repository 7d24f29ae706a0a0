#include "desk/contactimport.h"

#include <algorithm>

namespace liaison::desk {

Result<QList<model::RecordState>> liveContacts(DeskStore &desk, const QStringList &scopes)
{
    auto out = liveRecords(desk, model::RecordType::Contact, scopes);
    if (!out)
        return out;
    std::stable_sort(out->begin(), out->end(),
                     [](const model::RecordState &a, const model::RecordState &b) {
                         return QString::localeAwareCompare(
                                    a.fields.value(QStringLiteral("name")).value.toString(),
                                    b.fields.value(QStringLiteral("name")).value.toString()) < 0;
                     });
    return out;
}

Result<model::RecordState> findContact(DeskStore &desk, const QString &idOrPrefix)
{
    return findRecord(desk, model::RecordType::Contact, idOrPrefix);
}

Result<ImportOutcome> importContacts(DeskStore &desk, const imports::ContactSheet &sheet,
                                     const ImportOptions &options)
{
    return importRecords(desk, model::RecordType::Contact, sheet.rows, sheet.problems, options,
                         QStringLiteral("contact.import"));
}

} // namespace liaison::desk
