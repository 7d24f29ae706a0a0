#pragma once

// Applying imported rows of any record type to the desk store (issue 10 "Imports that survive
// real files"; DESIGN.md "Data": HQ writes contacts, cases and schedules; every record lives in
// one scope for life). Contacts (CSV, vCard), cases (CSV) and schedule items (iCalendar) share it:
//  - by default a file with any bad row imports nothing; skipBad imports the good rows;
//  - dryRun runs everything in the transaction and rolls it back: the counts are what would change;
//  - the whole import (records, their change log, the stable keys and the audit entry) is one
//    transaction: a crash leaves all of it or none;
//  - a row whose stable key (or Liaison record id) names a live record of the same type and scope
//    updates only the fields that differ; an unchanged row writes nothing, so importing the same
//    file twice changes nothing; a key whose record was deleted makes a new record;
//  - rows in a scope the desk never declared are bad rows (a typo must not make a scope).

#include "desk/deskstore.h"
#include "imports/importrow.h"

#include <functional>

namespace liaison::desk {

struct ImportOptions
{
    bool dryRun = false;
    bool skipBad = false;
    QString source; // file name for the problems and the audit
    std::function<void(int done, int total)> progress;
};

struct ImportOutcome
{
    int created = 0;
    int updated = 0;
    int unchanged = 0;
    int bad = 0;
    bool applied = false; // committed (false for a dry run or a refused file)
    QList<imports::ImportProblem> problems;
    QList<model::RecordId> createdIds;
};

// `problems` are the reader's (bad rows already left out of `rows`); `auditAction` names the
// audit entry ("contact.import", "case.import", "schedule.import").
[[nodiscard]] Result<ImportOutcome> importRecords(DeskStore &desk, model::RecordType type,
                                                  const QList<imports::ImportRow> &rows,
                                                  const QList<imports::ImportProblem> &problems,
                                                  const ImportOptions &options,
                                                  const QString &auditAction);

// The live records of a type in the scopes (all declared scopes when empty), in store order.
[[nodiscard]] Result<QList<model::RecordState>> liveRecords(DeskStore &desk, model::RecordType type,
                                                            const QStringList &scopes);
// A live record of the type named by its full id or a unique prefix of its hex (dashes ignored).
[[nodiscard]] Result<model::RecordState> findRecord(DeskStore &desk, model::RecordType type,
                                                    const QString &idOrPrefix);
// Field values of a record state.
[[nodiscard]] model::FieldMap fieldValues(const model::RecordState &state);

} // namespace liaison::desk
