#include "imports/casecsv.h"

#include "imports/csvsheet.h"
#include "model/records.h"

#include <QCborArray>
#include <QDateTime>
#include <QHash>
#include <QRegularExpression>

namespace liaison::imports {

namespace {

enum class Col {
    Ignored,
    RecordId,
    Reference,
    Title,
    Scope,
    Channel,
    Status,
    Priority,
    Countries,
    HandlingCode,
    Summary,
    SummaryFile,
    Linked,
    Updated,
};

QString headerKey(const QString &h)
{
    QString s = h.toLower();
    s.remove(QLatin1Char('"'));
    static const QRegularExpression noise(QStringLiteral("[\\s_\\-]"));
    s.remove(noise);
    return s;
}

Col classify(const QString &header)
{
    static const QHash<QString, Col> names = {
        {QStringLiteral("id"), Col::RecordId},
        {QStringLiteral("reference"), Col::Reference},
        {QStringLiteral("ref"), Col::Reference},
        {QStringLiteral("casereference"), Col::Reference},
        {QStringLiteral("title"), Col::Title},
        {QStringLiteral("scope"), Col::Scope},
        {QStringLiteral("channel"), Col::Channel},
        {QStringLiteral("status"), Col::Status},
        {QStringLiteral("priority"), Col::Priority},
        {QStringLiteral("countries"), Col::Countries},
        {QStringLiteral("country"), Col::Countries},
        {QStringLiteral("handlingcode"), Col::HandlingCode},
        {QStringLiteral("handling"), Col::HandlingCode},
        {QStringLiteral("summary"), Col::Summary},
        {QStringLiteral("summaryfile"), Col::SummaryFile},
        {QStringLiteral("linkedcontacts"), Col::Linked},
        {QStringLiteral("contacts"), Col::Linked},
        {QStringLiteral("updated"), Col::Updated},
        {QStringLiteral("lastupdated"), Col::Updated},
    };
    return names.value(headerKey(header), Col::Ignored);
}

std::optional<qint64> isoTime(const QString &text)
{
    QDateTime t = QDateTime::fromString(text, Qt::ISODate);
    if (!t.isValid()) {
        const QDate d = QDate::fromString(text, Qt::ISODate);
        if (!d.isValid())
            return std::nullopt;
        t = QDateTime(d, QTime(0, 0), Qt::UTC);
    }
    if (t.timeSpec() == Qt::LocalTime)
        t.setTimeSpec(Qt::UTC);
    return t.toMSecsSinceEpoch();
}

} // namespace

QString caseChannel(const QString &text)
{
    const QString t = text.trimmed().toLower();
    const model::FieldSpec *spec = model::fieldSpec(model::RecordType::CaseSummary, u"channel");
    for (const char *const *c = spec->choices; *c; ++c)
        if (t == QLatin1String(*c))
            return t;
    return {};
}

QStringList caseCountries(const QString &text)
{
    static const QRegularExpression sep(QStringLiteral("[,;\\s]+"));
    QStringList out;
    for (const QString &c : text.split(sep, Qt::SkipEmptyParts))
        out.append(c.toUpper());
    return out;
}

Result<CaseSheet> readCaseCsv(QByteArrayView bytes, const CaseCsvOptions &options)
{
    const QString file = options.fileName;
    auto csv = readCsvSheet(bytes, file, options.encoding, options.delimiter);
    if (!csv)
        return std::unexpected(csv.error());
    const CsvTable &table = csv->table;
    CaseSheet sheet;
    sheet.encoding = csv->encoding;
    sheet.delimiter = table.delimiter;
    sheet.problems = csv->problems;
    const CsvRecord &header = table.records.first();
    QList<Col> cols;
    for (const QString &h : header.fields) {
        const Col c = classify(h);
        if (c == Col::Ignored && !h.trimmed().isEmpty())
            sheet.ignoredColumns.append(h.trimmed());
        cols.append(c);
    }
    auto has = [&](Col k) {
        return cols.contains(k);
    };
    if (!has(Col::Reference) || !has(Col::Title))
        return fail(Errc::Malformed,
                    QStringLiteral("%1:%2: the header needs a reference and a title column")
                        .arg(file)
                        .arg(header.line));
    if (!has(Col::Scope) && options.defaultScope.isEmpty())
        return fail(Errc::InvalidArgument,
                    QStringLiteral("%1: no scope column: name the scope for the file").arg(file));

    QHash<QString, int> seen; // key -> line
    sheet.dataRows = int(table.records.size()) - 1 + int(table.problems.size());
    for (qsizetype r = 1; r < table.records.size(); ++r) {
        const CsvRecord &rec = table.records[r];
        auto problem = [&](const QString &reason) {
            sheet.problems.append({file, rec.line, reason});
        };
        if (rec.fields.size() != cols.size()) {
            problem(QStringLiteral("%1 fields where the header has %2")
                        .arg(rec.fields.size())
                        .arg(cols.size()));
            continue;
        }
        CaseRow out;
        model::FieldMap &f = out.row.fields;
        QString scope, reference, bad;
        for (qsizetype i = 0; i < cols.size() && bad.isEmpty(); ++i) {
            const QString raw = rec.fields[i];
            const QString cell = raw.trimmed();
            switch (cols[i]) {
            case Col::Ignored:
                break;
            case Col::RecordId: {
                const QString hex = QString(cell).remove(QLatin1Char('-'));
                auto id = model::RecordId::fromHex(hex.toLatin1());
                if (hex.size() == 32 && id)
                    out.row.recordId = *id;
                else if (!cell.isEmpty())
                    bad = QStringLiteral("id \"%1\" is not a record id").arg(cell);
                break;
            }
            case Col::Reference:
                reference = cell;
                f.insert(QStringLiteral("reference"), cell);
                break;
            case Col::Title:
                f.insert(QStringLiteral("title"), cell);
                break;
            case Col::Scope:
                scope = cell;
                break;
            case Col::Channel: {
                const QString c = caseChannel(cell);
                if (c.isEmpty() && !cell.isEmpty())
                    bad = QStringLiteral("channel \"%1\" is not Interpol, Europol, SIRENE, "
                                         "Frontex or bilateral")
                              .arg(cell);
                f.insert(QStringLiteral("channel"), c);
                break;
            }
            case Col::Status: {
                const QString st = cell.toLower();
                const model::FieldSpec *spec =
                    model::fieldSpec(model::RecordType::CaseSummary, u"status");
                if (!model::normalizeField(*spec, st))
                    bad = QStringLiteral("status \"%1\" is not open, active, pending or closed")
                              .arg(cell);
                f.insert(QStringLiteral("status"), st);
                break;
            }
            case Col::Priority: {
                bool ok = cell.isEmpty();
                const int p = cell.isEmpty() ? 0 : cell.toInt(&ok);
                if (!ok || p < 0 || p > 5)
                    bad = QStringLiteral("priority \"%1\" is not a number from 0 to 5").arg(cell);
                f.insert(QStringLiteral("priority"), p);
                break;
            }
            case Col::Countries: {
                QCborArray a;
                for (const QString &c : caseCountries(cell))
                    a.append(c);
                f.insert(QStringLiteral("countries"), a);
                break;
            }
            case Col::HandlingCode:
                f.insert(QStringLiteral("handlingCode"), cell);
                break;
            case Col::Summary: {
                QString text = raw;
                text.replace(QStringLiteral("\r\n"), QStringLiteral("\n"));
                f.insert(QStringLiteral("summary"), text.trimmed());
                break;
            }
            case Col::SummaryFile:
                out.summaryFile = cell;
                break;
            case Col::Linked:
                out.mapsLinkedContacts = true;
                for (const QString &l : cell.split(QLatin1Char(';'), Qt::SkipEmptyParts))
                    if (!l.trimmed().isEmpty())
                        out.linkedContacts.append(l.trimmed());
                break;
            case Col::Updated: {
                qint64 ms = 0;
                if (!cell.isEmpty()) {
                    auto t = isoTime(cell);
                    if (!t)
                        bad = QStringLiteral("updated \"%1\" is not an ISO date").arg(cell);
                    else
                        ms = *t;
                }
                f.insert(QStringLiteral("updated"), ms);
                break;
            }
            }
        }
        if (!bad.isEmpty()) {
            problem(bad);
            continue;
        }
        if (reference.isEmpty()) {
            problem(QStringLiteral("no reference"));
            continue;
        }
        if (f.value(QStringLiteral("title")).toString().isEmpty()) {
            problem(QStringLiteral("no title"));
            continue;
        }
        if (has(Col::Summary) && !out.summaryFile.isEmpty() &&
            !f.value(QStringLiteral("summary")).toString().isEmpty()) {
            problem(QStringLiteral("both a summary and a summary file"));
            continue;
        }
        if (scope.isEmpty())
            scope = options.defaultScope;
        if (scope.isEmpty()) {
            problem(QStringLiteral("no scope (the scope cell is empty and no scope was named "
                                   "for the file)"));
            continue;
        }
        if (!model::isValidScope(scope)) {
            problem(QStringLiteral("\"%1\" is not a scope name").arg(scope));
            continue;
        }
        for (auto it = f.begin(); it != f.end() && bad.isEmpty(); ++it) {
            const model::FieldSpec *spec =
                model::fieldSpec(model::RecordType::CaseSummary, it.key());
            auto norm = model::normalizeField(*spec, it.value());
            if (!norm)
                bad = QStringLiteral("%1: %2").arg(it.key(), norm.error().message);
            else
                it.value() = *norm;
        }
        if (!bad.isEmpty()) {
            problem(bad);
            continue;
        }
        out.row.line = rec.line;
        out.row.scope = scope;
        out.row.key =
            QStringLiteral("case:%1:%2").arg(scope, reference.simplified().toCaseFolded());
        if (auto prev = seen.constFind(out.row.key); prev != seen.cend()) {
            problem(QStringLiteral("the same case as line %1 (same reference)").arg(*prev));
            continue;
        }
        seen.insert(out.row.key, rec.line);
        sheet.rows.append(std::move(out));
    }
    std::stable_sort(
        sheet.problems.begin(), sheet.problems.end(),
        [](const ImportProblem &a, const ImportProblem &b) { return a.line < b.line; });
    return sheet;
}

} // namespace liaison::imports
