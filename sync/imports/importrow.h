#pragma once

// One source row of an import, whatever the file format (issue 10 "Imports that survive real
// files"; DESIGN.md "Data"): a CSV line, a vCard, an iCalendar event or one occurrence of it.
// Readers (contactcsv, vcard, casecsv, icalendar) turn bytes into rows and problems; the desk
// (desk/recordimport.h) applies the rows by their stable keys.

#include "model/operation.h"

#include <QList>
#include <QString>

#include <optional>

namespace liaison::imports {

// A bad row, or a file-wide problem (line 0), named as "file:line: reason".
struct ImportProblem
{
    QString file;
    int line = 0; // 0: the file as a whole
    QString reason;
    [[nodiscard]] QString describe() const
    {
        if (line <= 0)
            return QStringLiteral("%1: %2").arg(file, reason);
        return QStringLiteral("%1:%2: %3").arg(file).arg(line).arg(reason);
    }
};

struct ImportRow
{
    int line = 0;
    QString scope;
    // The stable key of the source row ("uid:<scope>:<UID>", "ical:<scope>:<UID>#<start>", ...):
    // importing the same row again finds the record it made.
    QString key;
    std::optional<model::RecordId> recordId; // a Liaison record id the row names (its own export)
    model::FieldMap fields; // the mapped fields only (empty values included), in canonical form
};

} // namespace liaison::imports
