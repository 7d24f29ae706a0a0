#pragma once

// Contacts from a CSV file (issue 10 "Imports that survive real files"): the columns of
// Liaison's own export, of Outlook's contact export ("First Name", "Company", "Business Phone",
// "E-mail Address", "Categories", ...) and of Google's, old and new ("Given Name",
// "Organization 1 - Name", "Phone 1 - Type" / "Phone 1 - Value", "E-mail 1 - Value",
// "Group Membership", "Labels", ...) mapped to the Contact fields of DESIGN.md "Data". Columns
// that map to nothing are listed, not imported.
//
// Every row gets a stable key, so importing the same file twice changes nothing:
//   "uid:<scope>:<value>"  from a UID / id column when the row has one,
//   "row:<scope>:<name>|<organisation>" (case-folded, spaces collapsed) otherwise.
// A Liaison record id in the "id" column (Liaison's export) names the record itself.
// Every bad row is a problem with its line and reason; the good rows are still returned.

#include "error.h"
#include "imports/importrow.h"
#include "model/operation.h"

#include <QByteArrayView>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace liaison::imports {

// A contact row is an import row (importrow.h) of type Contact.
using ContactRow = ImportRow;

struct ContactSheet
{
    QString encoding;
    QChar delimiter;
    QList<ContactRow> rows;
    QList<ImportProblem> problems;
    QStringList ignoredColumns;
    int dataRows = 0; // rows in the file (good and bad), without the header
};

struct ContactCsvOptions
{
    QString fileName;     // for the problems
    QString encoding;     // empty: detect
    QString defaultScope; // for rows without a scope column (or with an empty cell)
    std::optional<QChar> delimiter;
};

// Whole-file failures (cannot decode, no header, no name column, no scope anywhere) are errors;
// row failures are problems in the sheet.
[[nodiscard]] Result<ContactSheet> readContactCsv(QByteArrayView bytes,
                                                  const ContactCsvOptions &options);

// The columns of Liaison's own contact export, in order.
[[nodiscard]] QStringList contactCsvHeader();
// One contact as a row of those columns (id as 8-4-4-4-12).
[[nodiscard]] QStringList contactCsvRow(const model::RecordId &id, const QString &scope,
                                        const model::FieldMap &fields);

// "label: number (24/7)"  <->  a Phones item.
[[nodiscard]] QString phoneToText(const QCborValue &phone);
[[nodiscard]] std::optional<QCborValue> phoneFromText(const QString &text);

} // namespace liaison::imports
