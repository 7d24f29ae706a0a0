#pragma once

// Case summaries into the desk store (issue 10 "Imports that survive real files"; DESIGN.md
// "Data": CaseSummary, HQ only). A case sheet (imports/casecsv.h) is finished here, where the
// desk's files and contacts are known: a summary file is read (UTF-8, Markdown kept as text) and
// linked contacts named by id or exact name become record ids; a file that cannot be read, a name
// that matches no contact or several is a bad row. Then the rules of recordimport.h apply.

#include "desk/recordimport.h"
#include "imports/casecsv.h"

namespace liaison::desk {

// A summary from a UTF-8 (Markdown) file: CRLF -> LF, trimmed, at most the schema's length.
// Errors name the file and, for bad bytes, the line.
[[nodiscard]] Result<QString> readSummaryFile(const QString &path);

// Contacts named by record id (full or 8-4-4-4-12) or exact name (any case); an error names the
// one that matches nothing or more than one contact.
[[nodiscard]] Result<QList<model::RecordId>> resolveContacts(DeskStore &desk,
                                                             const QStringList &names);

// `baseDir`: the folder summary files are relative to (the CSV's).
[[nodiscard]] Result<ImportOutcome> importCases(DeskStore &desk, const imports::CaseSheet &sheet,
                                                const QString &baseDir,
                                                const ImportOptions &options);

// The live cases of the scopes (all scopes when empty), by reference.
[[nodiscard]] Result<QList<model::RecordState>> liveCases(DeskStore &desk,
                                                          const QStringList &scopes);

} // namespace liaison::desk
