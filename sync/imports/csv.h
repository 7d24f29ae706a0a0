#pragma once

// CSV as RFC 4180 defines it and as Outlook, Google and spreadsheets write it (issue 10
// "Imports that survive real files"):
//  - fields separated by `,` `;` or tab: detected from the first record (the header) when not
//    given: the one that occurs most often outside quotes (`,` on a tie);
//  - records end at CRLF, LF or CR; an empty line is no record;
//  - a field that starts with `"` is quoted: it may hold the delimiter, line ends and `""` (one
//    quote); after its closing quote only the delimiter or the record's end may follow;
//  - a `"` inside an unquoted field is kept as it is (spreadsheets write such fields);
//  - every record keeps the line it starts on (1-based, in the text) for error messages.
// A malformed record (a quote never closed, text after a closing quote) is reported with its line
// and reason and parsing goes on at the next line, so one bad row does not hide the rest.

#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace liaison::imports {

struct CsvRecord
{
    int line = 0; // where the record starts (a quoted field may span several lines)
    QStringList fields;
};

struct CsvProblem
{
    int line = 0;
    QString reason;
};

struct CsvTable
{
    QChar delimiter;
    QList<CsvRecord> records;   // the header is records[0] when the file has one
    QList<CsvProblem> problems; // malformed records, not in `records`
};

// Limits against hostile files: at most this many fields per record and characters per field;
// a record over them is a problem, not a crash.
inline constexpr int kCsvMaxFields = 1024;
inline constexpr int kCsvMaxFieldChars = 1 << 20;

[[nodiscard]] QChar detectCsvDelimiter(QStringView text);
[[nodiscard]] CsvTable parseCsv(QStringView text, std::optional<QChar> delimiter = std::nullopt);

// One field written for a CSV file: quoted when it holds the delimiter, a quote, a line end or
// leading/trailing spaces; quotes doubled.
[[nodiscard]] QString csvField(const QString &value, QChar delimiter = QLatin1Char(','));

} // namespace liaison::imports
