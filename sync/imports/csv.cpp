#include "imports/csv.h"

namespace liaison::imports {

namespace {

bool isLineEnd(QChar c)
{
    return c == QLatin1Char('\n') || c == QLatin1Char('\r');
}

// Past one line end at `i` (CRLF counts once).
qsizetype skipLineEnd(QStringView t, qsizetype i)
{
    if (t[i] == QLatin1Char('\r') && i + 1 < t.size() && t[i + 1] == QLatin1Char('\n'))
        return i + 2;
    return i + 1;
}

} // namespace

QChar detectCsvDelimiter(QStringView text)
{
    int comma = 0, semicolon = 0, tab = 0;
    bool quoted = false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text[i];
        if (c == QLatin1Char('"')) {
            quoted = !quoted;
            continue;
        }
        if (quoted)
            continue;
        if (isLineEnd(c)) {
            if (comma + semicolon + tab > 0)
                break; // the first non-empty record is enough
            continue;
        }
        if (c == QLatin1Char(','))
            ++comma;
        else if (c == QLatin1Char(';'))
            ++semicolon;
        else if (c == QLatin1Char('\t'))
            ++tab;
    }
    if (semicolon > comma && semicolon >= tab)
        return QLatin1Char(';');
    if (tab > comma && tab > semicolon)
        return QLatin1Char('\t');
    return QLatin1Char(',');
}

CsvTable parseCsv(QStringView t, std::optional<QChar> delimiter)
{
    CsvTable out;
    out.delimiter = delimiter ? *delimiter : detectCsvDelimiter(t);
    const QChar delim = out.delimiter;
    const QChar quote = QLatin1Char('"');
    qsizetype i = 0;
    int line = 1;
    while (i < t.size()) {
        // Empty lines are no records.
        if (isLineEnd(t[i])) {
            i = skipLineEnd(t, i);
            ++line;
            continue;
        }
        const qsizetype recordStart = i;
        const int recordLine = line;
        CsvRecord rec;
        rec.line = recordLine;
        QString field;
        bool ok = true;
        QString reason;
        bool done = false;
        while (!done) {
            field.clear();
            if (i < t.size() && t[i] == quote) {
                // Quoted field.
                ++i;
                bool closed = false;
                while (i < t.size()) {
                    const QChar c = t[i];
                    if (c == quote) {
                        if (i + 1 < t.size() && t[i + 1] == quote) {
                            field.append(quote);
                            i += 2;
                            continue;
                        }
                        ++i;
                        closed = true;
                        break;
                    }
                    if (isLineEnd(c)) {
                        // A line end inside quotes is part of the field, as LF.
                        i = skipLineEnd(t, i);
                        ++line;
                        field.append(QLatin1Char('\n'));
                        continue;
                    }
                    field.append(c);
                    ++i;
                    if (field.size() > kCsvMaxFieldChars)
                        break;
                }
                if (!closed) {
                    ok = false;
                    reason = field.size() > kCsvMaxFieldChars
                                 ? QStringLiteral("a field is longer than %1 characters")
                                       .arg(kCsvMaxFieldChars)
                                 : QStringLiteral("a quoted field opened on this line is never "
                                                  "closed (unbalanced quote)");
                    break;
                }
                if (i < t.size() && t[i] != delim && !isLineEnd(t[i])) {
                    ok = false;
                    reason = QStringLiteral("text after the closing quote of field %1 (a quote "
                                            "inside a quoted field must be doubled)")
                                 .arg(rec.fields.size() + 1);
                    break;
                }
            } else {
                while (i < t.size() && t[i] != delim && !isLineEnd(t[i])) {
                    field.append(t[i]);
                    ++i;
                    if (field.size() > kCsvMaxFieldChars)
                        break;
                }
                if (field.size() > kCsvMaxFieldChars) {
                    ok = false;
                    reason = QStringLiteral("a field is longer than %1 characters")
                                 .arg(kCsvMaxFieldChars);
                    break;
                }
            }
            rec.fields.append(field);
            if (rec.fields.size() > kCsvMaxFields) {
                ok = false;
                reason = QStringLiteral("more than %1 fields").arg(kCsvMaxFields);
                break;
            }
            if (i >= t.size()) {
                done = true;
            } else if (t[i] == delim) {
                ++i;
                if (i >= t.size()) {
                    rec.fields.append(QString()); // a trailing delimiter: one more empty field
                    done = true;
                }
            } else { // line end
                i = skipLineEnd(t, i);
                ++line;
                done = true;
            }
        }
        if (ok) {
            out.records.append(std::move(rec));
            continue;
        }
        out.problems.append({recordLine, reason});
        // Go on at the line after the one the bad record started on.
        i = recordStart;
        line = recordLine;
        while (i < t.size() && !isLineEnd(t[i]))
            ++i;
        if (i < t.size()) {
            i = skipLineEnd(t, i);
            ++line;
        }
    }
    return out;
}

QString csvField(const QString &value, QChar delimiter)
{
    const bool needsQuotes =
        value.contains(delimiter) || value.contains(QLatin1Char('"')) ||
        value.contains(QLatin1Char('\n')) || value.contains(QLatin1Char('\r')) ||
        (!value.isEmpty() && (value.front().isSpace() || value.back().isSpace()));
    if (!needsQuotes)
        return value;
    QString q = value;
    q.replace(QLatin1Char('"'), QStringLiteral("\"\""));
    return QLatin1Char('"') + q + QLatin1Char('"');
}

} // namespace liaison::imports
