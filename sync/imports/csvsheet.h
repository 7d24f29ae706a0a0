#pragma once

// The first steps every CSV import shares (issue 10 "Imports that survive real files"): the bytes
// decoded (encoding given or detected, textdecode.h), split into records (csv.h), the malformed
// records turned into problems named by file and line, and a header row required. The readers
// (contactcsv, casecsv) then map the header's columns and the rows to their record type.

#include "error.h"
#include "imports/csv.h"
#include "imports/importrow.h"

#include <QByteArrayView>
#include <QList>
#include <QString>

#include <optional>

namespace liaison::imports {

struct CsvSheet
{
    QString encoding; // what decoded the bytes, as --encoding takes it
    CsvTable table;   // table.records.first() is the header
    QList<ImportProblem> problems;
};

// Fails (with the file's name in the message) when the bytes do not decode or there is no header
// row; malformed records are problems, not failures.
[[nodiscard]] Result<CsvSheet> readCsvSheet(QByteArrayView bytes, const QString &fileName,
                                            const QString &encoding,
                                            std::optional<QChar> delimiter);

} // namespace liaison::imports
