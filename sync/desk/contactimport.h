#pragma once

// Applying an imported contact sheet to the desk store (issue 10 "Imports that survive real
// files"; DESIGN.md "Data": HQ writes contacts, every record lives in one scope for life).
//  - by default a file with any bad row imports nothing; skipBad imports the good rows;
//  - dryRun runs everything in the transaction and rolls it back: the counts are what would change;
//  - the whole import (records, their change log, the stable keys and the audit entry) is one
//    transaction: a crash leaves all of it or none;
//  - a row whose stable key (or Liaison record id) names a live contact of the same scope
//    updates only the fields that differ; an unchanged row writes nothing, so importing the same
//    file twice changes nothing; a key whose record was deleted makes a new record.

#include "desk/deskstore.h"
#include "imports/contactcsv.h"

#include <functional>

namespace liaison::desk {

struct ImportOptions
{
    bool dryRun = false;
    bool skipBad = false;
    QString source; // file name for the audit
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

[[nodiscard]] Result<ImportOutcome>
importContacts(DeskStore &desk, const imports::ContactSheet &sheet, const ImportOptions &options);

// The live contacts of the scopes (all scopes when empty), by name.
[[nodiscard]] Result<QList<model::RecordState>> liveContacts(DeskStore &desk,
                                                             const QStringList &scopes);
// A contact named by its full id or a unique prefix of its hex (dashes ignored).
[[nodiscard]] Result<model::RecordState> findContact(DeskStore &desk, const QString &idOrPrefix);
// Field values of a record state.
[[nodiscard]] model::FieldMap fieldValues(const model::RecordState &state);

} // namespace liaison::desk
