// `case add|edit|list|import`: case summaries (DESIGN.md "Data": CaseSummary, HQ only). The
// summary comes from a UTF-8 (Markdown) file; imports read CSV (imports/casecsv.h).

#include "cli.h"

#include "desk/caseimport.h"
#include "imports/casecsv.h"
#include "imports/textdecode.h"
#include "model/records.h"
#include "store/atomicfile.h"

#include <QCborArray>
#include <QFileInfo>

namespace liaison::hqcli {

namespace {

const QString kOptScope = QStringLiteral("scope");
const QString kOptQuery = QStringLiteral("query");
const QString kOptReference = QStringLiteral("reference");
const QString kOptTitle = QStringLiteral("title");
const QString kOptChannel = QStringLiteral("channel");
const QString kOptStatus = QStringLiteral("status");
const QString kOptPriority = QStringLiteral("priority");
const QString kOptSummary = QStringLiteral("summary");
const QString kOptCountry = QStringLiteral("country");
const QString kOptContact = QStringLiteral("contact");
const QString kOptHandling = QStringLiteral("handling-code");
const QString kOptEncoding = QStringLiteral("encoding");
const QString kOptDelimiter = QStringLiteral("delimiter");
const QString kOptSkipBad = QStringLiteral("skip-bad");
const QString kOptDryRun = QStringLiteral("dry-run");

constexpr qint64 kMaxImportBytes = 64ll << 20;

void addFieldOptions(QCommandLineParser &p)
{
    p.addOption({kOptReference, QStringLiteral("The case's reference."), QStringLiteral("ref")});
    p.addOption({kOptTitle, QStringLiteral("Title."), QStringLiteral("text")});
    p.addOption({kOptChannel, QStringLiteral("Interpol, Europol, SIRENE, Frontex or bilateral."),
                 QStringLiteral("channel")});
    p.addOption(
        {kOptStatus, QStringLiteral("open, active, pending or closed."), QStringLiteral("status")});
    p.addOption({kOptPriority, QStringLiteral("0 to 5."), QStringLiteral("n")});
    p.addOption({kOptSummary, QStringLiteral("The summary from a UTF-8 (Markdown) file."),
                 QStringLiteral("file")});
    p.addOption(
        {kOptCountry, QStringLiteral("A country (ISO code); repeatable."), QStringLiteral("code")});
    p.addOption({kOptContact, QStringLiteral("A linked contact, by id or exact name; repeatable."),
                 QStringLiteral("contact")});
    p.addOption({kOptHandling, QStringLiteral("Handling code."), QStringLiteral("code")});
}

// The fields the options set (summary file read, contacts left to the caller); a usage message.
std::expected<model::FieldMap, QString> fieldsFromOptions(Context &ctx)
{
    model::FieldMap f;
    auto text = [&](const QString &opt, const char *field) {
        if (ctx.isSet(opt))
            f.insert(QString::fromLatin1(field), ctx.value(opt).trimmed());
    };
    text(kOptReference, "reference");
    text(kOptTitle, "title");
    text(kOptHandling, "handlingCode");
    if (ctx.isSet(kOptChannel)) {
        const QString c = imports::caseChannel(ctx.value(kOptChannel));
        if (c.isEmpty())
            return std::unexpected(
                QStringLiteral("--channel takes Interpol, Europol, SIRENE, Frontex or bilateral"));
        f.insert(QStringLiteral("channel"), c);
    }
    if (ctx.isSet(kOptStatus))
        f.insert(QStringLiteral("status"), ctx.value(kOptStatus).trimmed().toLower());
    if (ctx.isSet(kOptPriority)) {
        bool ok = false;
        const int p = ctx.value(kOptPriority).toInt(&ok);
        if (!ok || p < 0 || p > 5)
            return std::unexpected(QStringLiteral("--priority takes 0 to 5"));
        f.insert(QStringLiteral("priority"), p);
    }
    if (ctx.isSet(kOptCountry)) {
        QCborArray a;
        for (const QString &v : ctx.values(kOptCountry))
            for (const QString &c : imports::caseCountries(v))
                a.append(c);
        f.insert(QStringLiteral("countries"), a);
    }
    for (auto it = f.begin(); it != f.end(); ++it) {
        auto norm = model::normalizeField(
            *model::fieldSpec(model::RecordType::CaseSummary, it.key()), it.value());
        if (!norm)
            return std::unexpected(QStringLiteral("%1: %2").arg(it.key(), norm.error().message));
        it.value() = *norm;
    }
    return f;
}

// The summary file and the linked contacts, which need the file system and the store.
Status finishFields(Context &ctx, desk::DeskStore &desk, model::FieldMap &f)
{
    if (ctx.isSet(kOptSummary)) {
        auto summary = desk::readSummaryFile(ctx.value(kOptSummary));
        if (!summary)
            return std::unexpected(summary.error());
        f.insert(QStringLiteral("summary"), *summary);
    }
    if (ctx.isSet(kOptContact)) {
        auto ids = desk::resolveContacts(desk, ctx.values(kOptContact));
        if (!ids)
            return std::unexpected(ids.error());
        QCborArray a;
        for (const model::RecordId &id : *ids)
            a.append(id.toByteArray());
        f.insert(QStringLiteral("linkedContacts"), a);
    }
    f.insert(QStringLiteral("updated"), ctx.clock().wallMs());
    return {};
}

QJsonObject caseJson(const model::RecordState &r)
{
    const model::FieldMap f = desk::fieldValues(r);
    auto str = [&](const char *k) {
        return f.value(QString::fromLatin1(k)).toString();
    };
    QJsonObject o;
    o.insert(QStringLiteral("id"), model::recordIdToString(r.id));
    o.insert(QStringLiteral("scope"), r.scope);
    for (const char *k : {"reference", "channel", "title", "status", "summary", "handlingCode"})
        o.insert(QString::fromLatin1(k), str(k));
    o.insert(QStringLiteral("priority"), f.value(QStringLiteral("priority")).toInteger());
    QJsonArray countries, contacts;
    for (const QCborValue &c : f.value(QStringLiteral("countries")).toArray())
        countries.append(c.toString());
    for (const QCborValue &c : f.value(QStringLiteral("linkedContacts")).toArray())
        if (auto id = model::RecordId::fromBytes(c.toByteArray()))
            contacts.append(model::recordIdToString(*id));
    o.insert(QStringLiteral("countries"), countries);
    o.insert(QStringLiteral("linkedContacts"), contacts);
    o.insert(QStringLiteral("updated"), isoTime(f.value(QStringLiteral("updated")).toInteger()));
    return o;
}

int caseAdd(Context &ctx)
{
    const QString scope = ctx.value(kOptScope);
    if (scope.isEmpty() || ctx.value(kOptReference).trimmed().isEmpty() ||
        ctx.value(kOptTitle).trimmed().isEmpty())
        return ctx.usage(QStringLiteral("--scope, --reference and --title are required"));
    auto fields = fieldsFromOptions(ctx);
    if (!fields)
        return ctx.usage(fields.error());
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    desk::DeskStore &desk = **store;
    auto has = desk.hasScope(scope);
    if (!has)
        return ctx.fail(QStringLiteral("scope"), has.error());
    if (!*has)
        return ctx.fail(QStringLiteral("case add"),
                        Error(Errc::NotFound, QStringLiteral("scope %1 is not declared (liaison-hq "
                                                             "scope add)")
                                                  .arg(scope)));
    if (auto s = finishFields(ctx, desk, *fields); !s)
        return ctx.fail(QStringLiteral("case add"), s.error());
    // The reference is the case's identity in its scope, as for imports.
    const QString key =
        QStringLiteral("case:%1:%2")
            .arg(scope,
                 fields->value(QStringLiteral("reference")).toString().simplified().toCaseFolded());
    auto existing = desk.importedRecord(key);
    if (!existing)
        return ctx.fail(QStringLiteral("case add"), existing.error());
    if (*existing) {
        auto h = desk.records().header(**existing);
        if (h && *h && !(*h)->tombstone)
            return ctx.fail(
                QStringLiteral("case add"),
                Error(Errc::AlreadyExists,
                      QStringLiteral("%1 already has case %2 (%3): use case edit")
                          .arg(scope, fields->value(QStringLiteral("reference")).toString(),
                               model::recordIdToString(**existing))));
    }
    store::Transaction tx(desk.database());
    if (auto s = tx.begin(); !s)
        return ctx.fail(QStringLiteral("case add"), s.error());
    auto op = desk.records().create(model::RecordType::CaseSummary, scope, *fields);
    if (!op)
        return ctx.fail(QStringLiteral("case add"), op.error());
    if (auto s = desk.setImportedRecord(key, op->recordId); !s)
        return ctx.fail(QStringLiteral("case add"), s.error());
    const QString id = model::recordIdToString(op->recordId);
    if (auto s = desk.audit(QStringLiteral("case.add"), id, scope); !s)
        return ctx.fail(QStringLiteral("audit"), s.error());
    if (auto s = tx.commit(); !s)
        return ctx.fail(QStringLiteral("case add"), s.error());
    ctx.result().insert(QStringLiteral("id"), id);
    ctx.line(QStringLiteral("case %1 added to %2").arg(id, scope));
    return ctx.finish();
}

int caseEdit(Context &ctx)
{
    if (ctx.positional().size() != 1)
        return ctx.usage(QStringLiteral("give the case's id (or a unique prefix)"));
    auto fields = fieldsFromOptions(ctx);
    if (!fields)
        return ctx.usage(fields.error());
    if (fields->isEmpty() && !ctx.isSet(kOptSummary) && !ctx.isSet(kOptContact))
        return ctx.usage(QStringLiteral("nothing to change: give the fields to set"));
    for (const char *k : {"reference", "title"})
        if (fields->contains(QString::fromLatin1(k)) &&
            fields->value(QString::fromLatin1(k)).toString().isEmpty())
            return ctx.usage(QStringLiteral("a case keeps its %1").arg(QString::fromLatin1(k)));
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    desk::DeskStore &desk = **store;
    auto found = desk::findRecord(desk, model::RecordType::CaseSummary, ctx.positional().first());
    if (!found)
        return ctx.fail(QStringLiteral("case edit"), found.error());
    if (auto s = finishFields(ctx, desk, *fields); !s)
        return ctx.fail(QStringLiteral("case edit"), s.error());
    store::Transaction tx(desk.database());
    if (auto s = tx.begin(); !s)
        return ctx.fail(QStringLiteral("case edit"), s.error());
    // "updated" alone is no change.
    model::FieldMap changes = *fields;
    const model::FieldMap before = desk::fieldValues(*found);
    bool changesSomething = false;
    for (auto it = changes.cbegin(); it != changes.cend(); ++it)
        if (it.key() != QLatin1String("updated") &&
            before.value(it.key()).toCbor() != it.value().toCbor())
            changesSomething = true;
    std::optional<model::Operation> op;
    if (changesSomething) {
        auto updated = desk.records().update(found->id, changes);
        if (!updated)
            return ctx.fail(QStringLiteral("case edit"), updated.error());
        op = std::move(*updated);
    }
    const QString id = model::recordIdToString(found->id);
    QStringList changed = op ? op->fields.keys() : QStringList();
    changed.removeAll(QStringLiteral("updated"));
    if (op) {
        if (auto s = desk.audit(QStringLiteral("case.edit"), id, changed.join(QLatin1Char(',')));
            !s)
            return ctx.fail(QStringLiteral("audit"), s.error());
    }
    if (auto s = tx.commit(); !s)
        return ctx.fail(QStringLiteral("case edit"), s.error());
    ctx.result().insert(QStringLiteral("id"), id);
    ctx.result().insert(QStringLiteral("changed"), QJsonArray::fromStringList(changed));
    ctx.line(
        changed.isEmpty()
            ? QStringLiteral("case %1: nothing changed").arg(id)
            : QStringLiteral("case %1: %2 changed").arg(id, changed.join(QStringLiteral(", "))));
    return ctx.finish();
}

int caseList(Context &ctx)
{
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    auto all = desk::liveCases(**store, ctx.values(kOptScope));
    if (!all)
        return ctx.fail(QStringLiteral("case list"), all.error());
    QJsonArray out;
    QList<QStringList> rows;
    for (const model::RecordState &r : *all) {
        if (!recordMatches(r, ctx.value(kOptQuery)))
            continue;
        out.append(caseJson(r));
        const model::FieldMap f = desk::fieldValues(r);
        rows.append({model::recordIdToString(r.id).left(8), r.scope,
                     f.value(QStringLiteral("reference")).toString(),
                     f.value(QStringLiteral("channel")).toString(),
                     f.value(QStringLiteral("status")).toString(),
                     f.value(QStringLiteral("title")).toString()});
    }
    ctx.result().insert(QStringLiteral("cases"), out);
    ctx.table({QStringLiteral("ID"), QStringLiteral("SCOPE"), QStringLiteral("REFERENCE"),
               QStringLiteral("CHANNEL"), QStringLiteral("STATUS"), QStringLiteral("TITLE")},
              rows);
    ctx.line(QStringLiteral("%1 case(s)").arg(out.size()));
    return ctx.finish();
}

int caseImport(Context &ctx)
{
    if (ctx.positional().size() != 1)
        return ctx.usage(QStringLiteral("give one CSV file to import"));
    const QString path = ctx.positional().first();
    std::optional<QChar> delimiter;
    if (ctx.isSet(kOptDelimiter)) {
        const QString d = ctx.value(kOptDelimiter);
        if (d == QLatin1String("tab") || d == QLatin1String("\\t"))
            delimiter = QLatin1Char('\t');
        else if (d == QLatin1String(",") || d == QLatin1String(";"))
            delimiter = d.front();
        else
            return ctx.usage(QStringLiteral("--delimiter takes , ; or tab"));
    }
    if (ctx.isSet(kOptEncoding) &&
        !imports::knownEncodings().contains(ctx.value(kOptEncoding).toLower()))
        return ctx.usage(QStringLiteral("--encoding takes one of: %1")
                             .arg(imports::knownEncodings().join(QStringLiteral(", "))));
    auto bytes = store::readSmallFile(path, kMaxImportBytes);
    if (!bytes)
        return ctx.fail(QStringLiteral("case import"), bytes.error());
    imports::CaseCsvOptions o;
    o.fileName = QFileInfo(path).fileName();
    o.encoding = ctx.value(kOptEncoding).toLower();
    o.defaultScope = ctx.value(kOptScope);
    o.delimiter = delimiter;
    auto sheet = imports::readCaseCsv(*bytes, o);
    if (!sheet)
        return ctx.fail(QStringLiteral("case import"), sheet.error());
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    desk::ImportOptions io;
    io.dryRun = ctx.isSet(kOptDryRun);
    io.skipBad = ctx.isSet(kOptSkipBad);
    io.source = o.fileName;
    io.progress = [&ctx](int done, int total) {
        ctx.progress(QStringLiteral("importing: %1 of %2 rows").arg(done).arg(total));
        testKillPoint("import", done);
    };
    auto outcome = desk::importCases(**store, *sheet, QFileInfo(path).absolutePath(), io);
    if (!outcome)
        return ctx.fail(QStringLiteral("case import"), outcome.error());
    QJsonObject &r = ctx.result();
    r.insert(QStringLiteral("encoding"), sheet->encoding);
    r.insert(QStringLiteral("delimiter"), QString(sheet->delimiter));
    r.insert(QStringLiteral("rows"), sheet->dataRows);
    r.insert(QStringLiteral("ignoredColumns"), QJsonArray::fromStringList(sheet->ignoredColumns));
    if (!sheet->ignoredColumns.isEmpty())
        ctx.line(QStringLiteral("columns not imported: %1")
                     .arg(sheet->ignoredColumns.join(QStringLiteral(", "))));
    return reportImport(ctx, QStringLiteral("case import"), o.fileName, *outcome, io.dryRun,
                        io.skipBad,
                        QStringLiteral("%1, delimiter %2")
                            .arg(sheet->encoding, sheet->delimiter == QLatin1Char('\t')
                                                      ? QStringLiteral("tab")
                                                      : QString(sheet->delimiter)));
}

} // namespace

void addCaseCommands(QList<Command> &out)
{
    out.append({{QStringLiteral("case"), QStringLiteral("add")},
                QStringLiteral("Add a case summary to a scope"),
                QString(),
                [](QCommandLineParser &p) {
                    p.addOption({kOptScope, QStringLiteral("The scope (declared)."),
                                 QStringLiteral("scope")});
                    addFieldOptions(p);
                },
                caseAdd});
    out.append({{QStringLiteral("case"), QStringLiteral("edit")},
                QStringLiteral("Change fields of a case (lists are replaced)"),
                QStringLiteral("ID"),
                addFieldOptions,
                caseEdit});
    out.append({{QStringLiteral("case"), QStringLiteral("list")},
                QStringLiteral("The case summaries, filtered by scope and text"),
                QString(),
                [](QCommandLineParser &p) {
                    p.addOption({kOptScope, QStringLiteral("Only this scope; repeatable."),
                                 QStringLiteral("scope")});
                    p.addOption({kOptQuery,
                                 QStringLiteral("Only cases whose fields contain this text "
                                                "(any case)."),
                                 QStringLiteral("text")});
                },
                caseList});
    out.append(
        {{QStringLiteral("case"), QStringLiteral("import")},
         QStringLiteral("Import case summaries from CSV (reference, title, channel, status, ...)"),
         QStringLiteral("FILE"),
         [](QCommandLineParser &p) {
             p.addOption({kOptScope,
                          QStringLiteral("The scope of rows without a scope column or cell."),
                          QStringLiteral("scope")});
             p.addOption({kOptEncoding,
                          QStringLiteral("utf-8, utf-16le, utf-16be, windows-1250 or iso-8859-2 "
                                         "(default: detected)."),
                          QStringLiteral("name")});
             p.addOption({kOptDelimiter, QStringLiteral(", ; or tab (default: detected)."),
                          QStringLiteral("d")});
             p.addOption({kOptSkipBad, QStringLiteral("Import the good rows of a file with bad "
                                                      "ones (default: nothing is imported).")});
             p.addOption({kOptDryRun, QStringLiteral("Show what would change; write nothing.")});
         },
         caseImport});
}

} // namespace liaison::hqcli
