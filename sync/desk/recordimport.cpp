#include "desk/recordimport.h"

#include <algorithm>

namespace liaison::desk {

model::FieldMap fieldValues(const model::RecordState &state)
{
    model::FieldMap out;
    for (auto it = state.fields.cbegin(); it != state.fields.cend(); ++it)
        out.insert(it.key(), it.value().value);
    return out;
}

Result<QList<model::RecordState>> liveRecords(DeskStore &desk, model::RecordType type,
                                              const QStringList &scopes)
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
        if (!r.deleted && r.type == type)
            out.append(std::move(r));
    return out;
}

Result<model::RecordState> findRecord(DeskStore &desk, model::RecordType type,
                                      const QString &idOrPrefix)
{
    const QString what = QString::fromLatin1(model::recordTypeName(type));
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
    auto all = liveRecords(desk, type, {});
    if (!all)
        return std::unexpected(all.error());
    std::optional<model::RecordState> found;
    for (model::RecordState &r : *all) {
        if (!r.id.toHex().startsWith(hex))
            continue;
        if (found)
            return fail(Errc::InvalidArgument,
                        QStringLiteral("%1 names more than one %2; give more of the id")
                            .arg(idOrPrefix, what));
        found = std::move(r);
    }
    if (!found)
        return fail(Errc::NotFound, QStringLiteral("no %1 %2").arg(what, idOrPrefix));
    return std::move(*found);
}

namespace {

bool isEmptyValue(model::RecordType type, const QString &field, const QCborValue &value)
{
    const model::FieldSpec *spec = model::fieldSpec(type, field);
    return spec && value.toCbor() == model::emptyValue(spec->kind).toCbor();
}

// The live record of the row's type and scope that the row names, if any.
Result<std::optional<model::RecordId>> target(DeskStore &desk, model::RecordType type,
                                              const imports::ImportRow &row)
{
    auto usable = [&](const model::RecordId &id) -> Result<bool> {
        auto h = desk.records().header(id);
        if (!h)
            return std::unexpected(h.error());
        return *h && !(*h)->tombstone && (*h)->type == type && (*h)->scope == row.scope;
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

Result<ImportOutcome> importRecords(DeskStore &desk, model::RecordType type,
                                    const QList<imports::ImportRow> &sourceRows,
                                    const QList<imports::ImportProblem> &problems,
                                    const ImportOptions &options, const QString &auditAction)
{
    ImportOutcome out;
    out.problems = problems;
    QList<const imports::ImportRow *> rows;
    for (const imports::ImportRow &row : sourceRows) {
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
    std::stable_sort(out.problems.begin(), out.problems.end(),
                     [](const imports::ImportProblem &a, const imports::ImportProblem &b) {
                         return a.line < b.line;
                     });
    out.bad = int(out.problems.size());
    if (out.bad > 0 && !options.skipBad)
        return out; // nothing imported
    store::Transaction tx(desk.database());
    if (auto s = tx.begin(); !s)
        return std::unexpected(s.error());
    auto rowError = [&](const imports::ImportRow &row, const Error &e) {
        return Error(e.code,
                     QStringLiteral("%1:%2: %3").arg(options.source).arg(row.line).arg(e.message));
    };
    int done = 0;
    for (const imports::ImportRow *row : rows) {
        auto existing = target(desk, type, *row);
        if (!existing)
            return std::unexpected(existing.error());
        if (*existing) {
            auto state = desk.records().record(**existing);
            if (!state)
                return std::unexpected(state.error());
            // An empty cell for a field the record never had is no change.
            model::FieldMap changes;
            for (auto it = row->fields.cbegin(); it != row->fields.cend(); ++it)
                if (!isEmptyValue(type, it.key(), it.value()) ||
                    (*state && (*state)->fields.contains(it.key())))
                    changes.insert(it.key(), it.value());
            auto op = desk.records().update(**existing, changes);
            if (!op)
                return std::unexpected(rowError(*row, op.error()));
            ++(*op ? out.updated : out.unchanged);
            if (auto s = desk.setImportedRecord(row->key, **existing); !s)
                return std::unexpected(s.error());
        } else {
            model::FieldMap fields;
            for (auto it = row->fields.cbegin(); it != row->fields.cend(); ++it)
                if (!isEmptyValue(type, it.key(), it.value()))
                    fields.insert(it.key(), it.value());
            auto op = desk.records().create(type, row->scope, fields);
            if (!op)
                return std::unexpected(rowError(*row, op.error()));
            ++out.created;
            out.createdIds.append(op->recordId);
            if (auto s = desk.setImportedRecord(row->key, op->recordId); !s)
                return std::unexpected(s.error());
        }
        if (options.progress && (++done % 100 == 0 || done == int(rows.size())))
            options.progress(done, int(rows.size()));
    }
    if (auto s =
            desk.audit(auditAction, options.source,
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
