#include "desk/caseimport.h"

#include "imports/textdecode.h"
#include "model/records.h"
#include "store/atomicfile.h"

#include <QCborArray>
#include <QDir>
#include <QFileInfo>

#include <algorithm>

namespace liaison::desk {

namespace {

constexpr qint64 kMaxSummaryFileBytes = 1 << 20;

} // namespace

Result<QString> readSummaryFile(const QString &path)
{
    const QString name = QFileInfo(path).fileName();
    auto bytes = store::readSmallFile(path, kMaxSummaryFileBytes);
    if (!bytes)
        return fail(bytes.error().code,
                    QStringLiteral("summary file %1: %2").arg(name, bytes.error().message));
    auto text = imports::decodeText(*bytes, QStringLiteral("utf-8"));
    if (!text)
        return fail(text.error().code,
                    QStringLiteral("summary file %1: %2").arg(name, text.error().message));
    QString summary = text->text;
    summary.replace(QStringLiteral("\r\n"), QStringLiteral("\n"));
    summary = summary.trimmed();
    const model::FieldSpec *spec = model::fieldSpec(model::RecordType::CaseSummary, u"summary");
    auto norm = model::normalizeField(*spec, summary);
    if (!norm)
        return fail(Errc::Malformed, QStringLiteral("summary file %1: %2 (at most %3 characters)")
                                         .arg(name, norm.error().message)
                                         .arg(spec->maxLength));
    return summary;
}

Result<QList<model::RecordId>> resolveContacts(DeskStore &desk, const QStringList &names)
{
    QList<model::RecordId> out;
    if (names.isEmpty())
        return out;
    auto contacts = liveRecords(desk, model::RecordType::Contact, {});
    if (!contacts)
        return std::unexpected(contacts.error());
    for (const QString &name : names) {
        const QString hex = QString(name).remove(QLatin1Char('-')).toLower();
        QList<model::RecordId> found;
        for (const model::RecordState &c : *contacts) {
            const bool byId = hex.size() == 32 && QString::fromLatin1(c.id.toHex()) == hex;
            const bool byName = c.fields.value(QStringLiteral("name"))
                                    .value.toString()
                                    .simplified()
                                    .toCaseFolded() == name.simplified().toCaseFolded();
            if (byId || byName)
                found.append(c.id);
        }
        if (found.isEmpty())
            return fail(Errc::NotFound, QStringLiteral("no contact \"%1\"").arg(name));
        if (found.size() > 1)
            return fail(Errc::InvalidArgument,
                        QStringLiteral("%1 contacts are named \"%2\": give the id")
                            .arg(found.size())
                            .arg(name));
        if (!out.contains(found.first()))
            out.append(found.first());
    }
    return out;
}

Result<QList<model::RecordState>> liveCases(DeskStore &desk, const QStringList &scopes)
{
    auto out = liveRecords(desk, model::RecordType::CaseSummary, scopes);
    if (!out)
        return out;
    std::stable_sort(out->begin(), out->end(),
                     [](const model::RecordState &a, const model::RecordState &b) {
                         return a.fields.value(QStringLiteral("reference")).value.toString() <
                                b.fields.value(QStringLiteral("reference")).value.toString();
                     });
    return out;
}

Result<ImportOutcome> importCases(DeskStore &desk, const imports::CaseSheet &sheet,
                                  const QString &baseDir, const ImportOptions &options)
{
    QList<imports::ImportRow> rows;
    QList<imports::ImportProblem> problems = sheet.problems;
    for (const imports::CaseRow &c : sheet.rows) {
        imports::ImportRow row = c.row;
        if (!c.summaryFile.isEmpty()) {
            auto summary = readSummaryFile(QDir(baseDir).absoluteFilePath(c.summaryFile));
            if (!summary) {
                problems.append({options.source, row.line, summary.error().message});
                continue;
            }
            row.fields.insert(QStringLiteral("summary"), *summary);
        }
        if (c.mapsLinkedContacts) {
            auto ids = resolveContacts(desk, c.linkedContacts);
            if (!ids) {
                if (ids.error().code == Errc::NotFound ||
                    ids.error().code == Errc::InvalidArgument) {
                    problems.append(
                        {options.source, row.line,
                         QStringLiteral("linked contacts: %1").arg(ids.error().message)});
                    continue;
                }
                return std::unexpected(ids.error());
            }
            QCborArray a;
            for (const model::RecordId &id : *ids)
                a.append(id.toByteArray());
            row.fields.insert(QStringLiteral("linkedContacts"), a);
        }
        rows.append(std::move(row));
    }
    return importRecords(desk, model::RecordType::CaseSummary, rows, problems, options,
                         QStringLiteral("case.import"));
}

} // namespace liaison::desk
