#pragma once

// Case summaries from a CSV file (issue 10 "Imports that survive real files"; DESIGN.md "Data":
// CaseSummary, HQ only). The text decoding (UTF-8 with or without BOM, UTF-16 with BOM,
// Windows-1250) and the CSV dialect (`,` `;` or tab, RFC 4180 quoting) are textdecode.h's and
// csv.h's. Header names are matched without case, spaces, `_` or `-`:
//
//   reference      required; the case's reference ("DEMO-2026-0142")   also: ref, case reference
//   title          required
//   scope          the record's scope; empty cell or no column: the scope named for the file
//   channel        interpol, europol, sirene, frontex, bilateral (any case)
//   status         active, open, pending, closed (any case)
//   priority       0 to 5
//   countries      ISO codes separated by `,` `;` or spaces ("AT, CZ")
//   handling code  ("H2")
//   summary        the summary text (line breaks kept)
//   summary file   a UTF-8 (Markdown) file holding the summary, relative to the CSV's folder
//   linked contacts  contacts by record id or exact name, separated by `;`
//   updated        ISO date or time of the case's last update
//   id             a Liaison record id (the desk's own listing): names the record itself
//
// A column the file has sets that field on every row (an empty cell clears it); a column the file
// lacks leaves the field alone on re-import. The stable key of a row is
// "case:<scope>:<reference>" (reference case-folded, spaces collapsed): importing the same file
// twice changes nothing, and an edited row updates the case it made. Every bad row is a problem
// with its line and reason; the good rows are still returned.

#include "error.h"
#include "imports/importrow.h"

#include <QByteArrayView>
#include <QStringList>

#include <optional>

namespace liaison::imports {

struct CaseRow
{
    ImportRow row;              // fields checked against the CaseSummary schema
    QString summaryFile;        // as written in the cell (the desk reads it)
    QStringList linkedContacts; // ids or names, resolved by the desk
    bool mapsLinkedContacts = false;
};

struct CaseSheet
{
    QString encoding;
    QChar delimiter;
    QList<CaseRow> rows;
    QList<ImportProblem> problems;
    QStringList ignoredColumns;
    int dataRows = 0;
};

struct CaseCsvOptions
{
    QString fileName;     // for the problems
    QString encoding;     // empty: detect
    QString defaultScope; // for rows without a scope column or cell
    std::optional<QChar> delimiter;
};

// Whole-file failures (cannot decode, no header, no reference or title column, no scope anywhere)
// are errors; row failures are problems in the sheet.
[[nodiscard]] Result<CaseSheet> readCaseCsv(QByteArrayView bytes, const CaseCsvOptions &options);

// "interpol" from "Interpol", "INTERPOL", ...; empty when it is no channel the schema knows.
[[nodiscard]] QString caseChannel(const QString &text);
// "AT, CZ;SK" -> ["AT", "CZ", "SK"] (upper case).
[[nodiscard]] QStringList caseCountries(const QString &text);

} // namespace liaison::imports
