#include "desk/contactimport.h"

#include <algorithm>

namespace liaison::desk {

model::FieldMap fieldValues(const model::RecordState &state)
{
    model::FieldMap out;
    for (auto it = state.fields.cbegin(); it != state.fields.cend(); ++it)
        out.insert(it.key(), it.value().value);
    return out;
}

Result<QList<model::RecordState>> liveContacts(DeskStore &desk, const QStringList &scopes)
{
    QStringList names = scopes;
    if (names.isEmpty()) {
        auto all = desk.scopes();
        if (!all)
            return std::unexpected(all.error());
        for (const ScopeInfo &s : *all)
            names.append(s.name);
    }
    if (names.isEmpty())
        return QList<model::RecordState>();
    auto records = desk.records().records(names);
    if (!records)
        return std::unexpected(records.error());
    QList<model::RecordState> out;
    for (model::RecordState &r : *records)
        if (!r.deleted && r.type == model::RecordType::Contact)
            out.append(std::move(r));
    std::stable_sort(out.begin(), out.end(),
                     [](const model::RecordState &a, const model::RecordState &b) {
                         return QString::localeAwareCompare(
                                    a.fields.value(QStringLiteral("name")).value.toString(),
                                    b.fields.value(QStringLiteral("name")).value.toString()) < 0;
                     });
    return out;
}

Result<model::RecordState> findContact(DeskStore &desk, const QString &idOrPrefix)
{
    const QByteArray hex =
        QString(idOrPrefix).remove(QLatin1Char('-')).trimmed().toLower().toLatin1();
    const bool isHex =
        !hex.isEmpty() && hex.size() <= 32 && std::all_of(hex.begin(), hex.end(), [](char c) {
            return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        });
    if (!isHex)
        return fail(
            Errc::InvalidArgument,
            QStringLiteral("\"%1\" is not a record id (hex, or a prefix of it)").arg(idOrPrefix));
    auto all = liveContacts(desk, {});
    if (!all)
        return std::unexpected(all.error());
    std::optional<model::RecordState> found;
    for (model::RecordState &r : *all) {
        if (!r.id.toHex().startsWith(hex))
            continue;
        if (found)
            return fail(Errc::InvalidArgument,
                        QStringLiteral("%1 names more than one contact; give more of the id")
                            .arg(idOrPrefix));
        found = std::move(r);
    }
    if (!found)
        return fail(Errc::NotFound, QStringLiteral("no contact %1").arg(idOrPrefix));
    return std::move(*found);
}

namespace {

bool isEmptyValue(const QString &field, const QCborValue &value)
{
    const model::FieldSpec *spec = model::fieldSpec(model::RecordType::Contact, field);
    return spec && value.toCbor() == model::emptyValue(spec->kind).toCbor();
}

// The live contact of `scope` that the row names, if any.
Result<std::optional<model::RecordId>> target(DeskStore &desk, const imports::ContactRow &row)
{
    auto usable = [&](const model::RecordId &id) -> Result<bool> {
        auto h = desk.records().header(id);
        if (!h)
            return std::unexpected(h.error());
        return *h && !(*h)->tombstone && (*h)->type == model::RecordType::Contact &&
               (*h)->scope == row.scope;
    };
    if (row.recordId) {
        auto ok = usable(*row.recordId);
        if (!ok)
            return std::unexpected(ok.error());
        if (*ok)
            return std::optional<model::RecordId>(*row.recordId);
    }
    auto mapped = desk.importedRecord(row.key);
    if (!mapped)
        return std::unexpected(mapped.error());
    if (*mapped) {
        auto ok = usable(**mapped);
        if (!ok)
            return std::unexpected(ok.error());
        if (*ok)
            return *mapped;
    }
    return std::optional<model::RecordId>();
}

} // namespace

Result<ImportOutcome> importContacts(DeskStore &desk, const imports::ContactSheet &sheet,
                                     const ImportOptions &options)
{
    ImportOutcome out;
    out.problems = sheet.problems;
    // Rows in scopes the desk never declared are bad rows too (a typo must not make a scope).
    QList<const imports::ContactRow *> rows;
    for (const imports::ContactRow &row : sheet.rows) {
        auto has = desk.hasScope(row.scope);
        if (!has)
            return std::unexpected(has.error());
        if (!*has) {
            out.problems.append(
                {options.source, row.line,
                 QStringLiteral("scope %1 is not declared (liaison-hq scope add)").arg(row.scope)});
            continue;
        }
        rows.append(&row);
    }
    std::sort(out.problems.begin(), out.problems.end(),
              [](const imports::ImportProblem &a, const imports::ImportProblem &b) {
                  return a.line < b.line;
              });
    out.bad = int(out.problems.size());
    if (out.bad > 0 && !options.skipBad)
        return out; // nothing imported
    store::Transaction tx(desk.database());
    if (auto s = tx.begin(); !s)
        return std::unexpected(s.error());
    int done = 0;
    for (const imports::ContactRow *row : rows) {
        auto existing = target(desk, *row);
        if (!existing)
            return std::unexpected(existing.error());
        if (*existing) {
            auto state = desk.records().record(**existing);
            if (!state)
                return std::unexpected(state.error());
            // An empty cell for a field the record never had is no change.
            model::FieldMap changes;
            for (auto it = row->fields.cbegin(); it != row->fields.cend(); ++it)
                if (!isEmptyValue(it.key(), it.value()) ||
                    (*state && (*state)->fields.contains(it.key())))
                    changes.insert(it.key(), it.value());
            auto op = desk.records().update(**existing, changes);
            if (!op)
                return fail(op.error().code, QStringLiteral("%1:%2: %3")
                                                 .arg(options.source)
                                                 .arg(row->line)
                                                 .arg(op.error().message));
            ++(*op ? out.updated : out.unchanged);
            if (auto s = desk.setImportedRecord(row->key, **existing); !s)
                return std::unexpected(s.error());
        } else {
            model::FieldMap fields;
            for (auto it = row->fields.cbegin(); it != row->fields.cend(); ++it)
                if (!isEmptyValue(it.key(), it.value()))
                    fields.insert(it.key(), it.value());
            auto op = desk.records().create(model::RecordType::Contact, row->scope, fields);
            if (!op)
                return fail(op.error().code, QStringLiteral("%1:%2: %3")
                                                 .arg(options.source)
                                                 .arg(row->line)
                                                 .arg(op.error().message));
            ++out.created;
            out.createdIds.append(op->recordId);
            if (auto s = desk.setImportedRecord(row->key, op->recordId); !s)
                return std::unexpected(s.error());
        }
        if (options.progress && (++done % 100 == 0 || done == int(rows.size())))
            options.progress(done, int(rows.size()));
    }
    if (auto s =
            desk.audit(QStringLiteral("contact.import"), options.source,
                       QStringLiteral("%1 new, %2 updated, %3 unchanged, %4 bad row(s) skipped")
                           .arg(out.created)
                           .arg(out.updated)
                           .arg(out.unchanged)
                           .arg(out.bad));
        !s)
        return std::unexpected(s.error());
    if (options.dryRun)
        return out; // the transaction rolls back
    if (auto s = tx.commit(); !s)
        return std::unexpected(s.error());
    out.applied = true;
    return out;
}

} // namespace liaison::desk
