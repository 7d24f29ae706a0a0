#include "imports/csvsheet.h"

#include "imports/textdecode.h"

namespace liaison::imports {

Result<CsvSheet> readCsvSheet(QByteArrayView bytes, const QString &fileName,
                              const QString &encoding, std::optional<QChar> delimiter)
{
    auto decoded = decodeText(bytes, encoding);
    if (!decoded)
        return fail(decoded.error().code,
                    QStringLiteral("%1: %2").arg(fileName, decoded.error().message));
    CsvSheet sheet;
    sheet.encoding = decoded->encoding;
    sheet.table = parseCsv(decoded->text, delimiter);
    for (const CsvProblem &p : sheet.table.problems)
        sheet.problems.append({fileName, p.line, p.reason});
    if (sheet.table.records.isEmpty())
        return fail(Errc::Malformed, QStringLiteral("%1: no header row").arg(fileName));
    return sheet;
}

} // namespace liaison::imports
