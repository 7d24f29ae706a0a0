// `contact add|edit|delete|list|import|export`: the desk's contacts (DESIGN.md "Data").

#include "cli.h"

#include "desk/contactimport.h"
#include "imports/contactcsv.h"
#include "imports/csv.h"
#include "imports/textdecode.h"
#include "imports/vcard.h"
#include "model/records.h"
#include "store/atomicfile.h"

#include <QCborArray>
#include <QFile>
#include <QFileInfo>

namespace liaison::hqcli {

namespace {

const QString kOptScope = QStringLiteral("scope");
const QString kOptQuery = QStringLiteral("query");
const QString kOptName = QStringLiteral("name");
const QString kOptOrg = QStringLiteral("organisation");
const QString kOptRole = QStringLiteral("role");
const QString kOptCountry = QStringLiteral("country");
const QString kOptPhone = QStringLiteral("phone");
const QString kOptPhone24 = QStringLiteral("phone-24h");
const QString kOptEmail = QStringLiteral("email");
const QString kOptFax = QStringLiteral("fax");
const QString kOptAddress = QStringLiteral("address");
const QString kOptLanguage = QStringLiteral("language");
const QString kOptTimeZone = QStringLiteral("time-zone");
const QString kOptNotes = QStringLiteral("notes");
const QString kOptTag = QStringLiteral("tag");
const QString kOptVerified = QStringLiteral("verified");
const QString kOptEncoding = QStringLiteral("encoding");
const QString kOptDelimiter = QStringLiteral("delimiter");
const QString kOptSkipBad = QStringLiteral("skip-bad");
const QString kOptDryRun = QStringLiteral("dry-run");
const QString kOptOut = QStringLiteral("out");
const QString kOptFormat = QStringLiteral("format");

constexpr qint64 kMaxImportBytes = 64ll << 20;

void addFieldOptions(QCommandLineParser &p)
{
    p.addOption({kOptName, QStringLiteral("Name."), QStringLiteral("text")});
    p.addOption({kOptOrg, QStringLiteral("Organisation."), QStringLiteral("text")});
    p.addOption({kOptRole, QStringLiteral("Role."), QStringLiteral("text")});
    p.addOption({kOptCountry, QStringLiteral("Country (ISO code)."), QStringLiteral("code")});
    p.addOption({kOptPhone, QStringLiteral("A phone, \"label: number\"; repeatable."),
                 QStringLiteral("phone")});
    p.addOption({kOptPhone24, QStringLiteral("A phone available 24/7; repeatable."),
                 QStringLiteral("phone")});
    p.addOption(
        {kOptEmail, QStringLiteral("An e-mail address; repeatable."), QStringLiteral("address")});
    p.addOption({kOptFax, QStringLiteral("A fax number; repeatable."), QStringLiteral("number")});
    p.addOption({kOptAddress, QStringLiteral("Postal address."), QStringLiteral("text")});
    p.addOption({kOptLanguage, QStringLiteral("A language; repeatable."), QStringLiteral("code")});
    p.addOption({kOptTimeZone, QStringLiteral("IANA time zone."), QStringLiteral("zone")});
    p.addOption({kOptNotes, QStringLiteral("Notes."), QStringLiteral("text")});
    p.addOption({kOptTag, QStringLiteral("A tag; repeatable."), QStringLiteral("tag")});
    p.addOption({kOptVerified, QStringLiteral("When the contact was last verified (ISO date)."),
                 QStringLiteral("date")});
}

QCborArray texts(const QStringList &items)
{
    QCborArray a;
    for (const QString &s : items)
        a.append(s);
    return a;
}

// The fields the options set; an error message for a bad value.
std::expected<model::FieldMap, QString> fieldsFromOptions(Context &ctx)
{
    model::FieldMap f;
    auto text = [&](const QString &opt, const char *field) {
        if (ctx.isSet(opt))
            f.insert(QString::fromLatin1(field), ctx.value(opt));
    };
    text(kOptName, "name");
    text(kOptOrg, "organisation");
    text(kOptRole, "role");
    text(kOptCountry, "country");
    text(kOptAddress, "address");
    text(kOptTimeZone, "timeZone");
    text(kOptNotes, "notes");
    if (ctx.isSet(kOptPhone) || ctx.isSet(kOptPhone24)) {
        QCborArray phones;
        for (const QString &p : ctx.values(kOptPhone)) {
            auto v = imports::phoneFromText(p);
            if (!v)
                return std::unexpected(QStringLiteral("--phone \"%1\" has no number").arg(p));
            phones.append(*v);
        }
        for (const QString &p : ctx.values(kOptPhone24)) {
            auto v = imports::phoneFromText(p + QStringLiteral(" (24/7)"));
            if (!v)
                return std::unexpected(QStringLiteral("--phone-24h \"%1\" has no number").arg(p));
            phones.append(*v);
        }
        f.insert(QStringLiteral("phones"), phones);
    }
    if (ctx.isSet(kOptEmail))
        f.insert(QStringLiteral("emails"), texts(ctx.values(kOptEmail)));
    if (ctx.isSet(kOptFax))
        f.insert(QStringLiteral("fax"), texts(ctx.values(kOptFax)));
    if (ctx.isSet(kOptLanguage))
        f.insert(QStringLiteral("languages"), texts(ctx.values(kOptLanguage)));
    if (ctx.isSet(kOptTag))
        f.insert(QStringLiteral("tags"), texts(ctx.values(kOptTag)));
    if (ctx.isSet(kOptVerified)) {
        auto t = parseTime(ctx.value(kOptVerified));
        if (!t)
            return std::unexpected(QStringLiteral("--verified takes an ISO date"));
        f.insert(QStringLiteral("lastVerified"), *t);
    }
    for (auto it = f.begin(); it != f.end(); ++it) {
        const model::FieldSpec *spec = model::fieldSpec(model::RecordType::Contact, it.key());
        auto norm = model::normalizeField(*spec, it.value());
        if (!norm)
            return std::unexpected(QStringLiteral("%1: %2").arg(it.key(), norm.error().message));
        it.value() = *norm;
    }
    return f;
}

QJsonObject contactJson(const model::RecordState &r)
{
    QJsonObject o;
    o.insert(QStringLiteral("id"), model::recordIdToString(r.id));
    o.insert(QStringLiteral("scope"), r.scope);
    const QStringList row = imports::contactCsvRow(r.id, r.scope, desk::fieldValues(r));
    const QStringList header = imports::contactCsvHeader();
    for (int i = 2; i < header.size(); ++i)
        o.insert(header[i], row.value(i));
    return o;
}

int contactAdd(Context &ctx)
{
    const QString scope = ctx.value(kOptScope);
    if (scope.isEmpty() || !ctx.isSet(kOptName) || ctx.value(kOptName).trimmed().isEmpty())
        return ctx.usage(QStringLiteral("--scope and --name are required"));
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
        return ctx.fail(QStringLiteral("contact add"),
                        Error(Errc::NotFound, QStringLiteral("scope %1 is not declared (liaison-hq "
                                                             "scope add)")
                                                  .arg(scope)));
    store::Transaction tx(desk.database());
    if (auto s = tx.begin(); !s)
        return ctx.fail(QStringLiteral("contact add"), s.error());
    auto op = desk.records().create(model::RecordType::Contact, scope, *fields);
    if (!op)
        return ctx.fail(QStringLiteral("contact add"), op.error());
    const QString id = model::recordIdToString(op->recordId);
    if (auto s = desk.audit(QStringLiteral("contact.add"), id, scope); !s)
        return ctx.fail(QStringLiteral("audit"), s.error());
    if (auto s = tx.commit(); !s)
        return ctx.fail(QStringLiteral("contact add"), s.error());
    ctx.result().insert(QStringLiteral("id"), id);
    ctx.line(QStringLiteral("contact %1 added to %2").arg(id, scope));
    return ctx.finish();
}

int contactEdit(Context &ctx)
{
    if (ctx.positional().size() != 1)
        return ctx.usage(QStringLiteral("give the contact's id (or a unique prefix)"));
    // No --scope (as case edit): a record keeps its scope for life; the parser refuses the option.
    auto fields = fieldsFromOptions(ctx);
    if (!fields)
        return ctx.usage(fields.error());
    if (fields->isEmpty())
        return ctx.usage(QStringLiteral("nothing to change: give the fields to set"));
    if (fields->contains(QStringLiteral("name")) &&
        fields->value(QStringLiteral("name")).toString().trimmed().isEmpty())
        return ctx.usage(QStringLiteral("a contact keeps a name"));
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    desk::DeskStore &desk = **store;
    auto contact = desk::findContact(desk, ctx.positional().first());
    if (!contact)
        return ctx.fail(QStringLiteral("contact edit"), contact.error());
    store::Transaction tx(desk.database());
    if (auto s = tx.begin(); !s)
        return ctx.fail(QStringLiteral("contact edit"), s.error());
    auto op = desk.records().update(contact->id, *fields);
    if (!op)
        return ctx.fail(QStringLiteral("contact edit"), op.error());
    const QString id = model::recordIdToString(contact->id);
    const QStringList changed = *op ? (*op)->fields.keys() : QStringList();
    if (*op) {
        if (auto s = desk.audit(QStringLiteral("contact.edit"), id, changed.join(QLatin1Char(',')));
            !s)
            return ctx.fail(QStringLiteral("audit"), s.error());
    }
    if (auto s = tx.commit(); !s)
        return ctx.fail(QStringLiteral("contact edit"), s.error());
    ctx.result().insert(QStringLiteral("id"), id);
    ctx.result().insert(QStringLiteral("changed"), QJsonArray::fromStringList(changed));
    ctx.line(
        changed.isEmpty()
            ? QStringLiteral("contact %1: nothing changed").arg(id)
            : QStringLiteral("contact %1: %2 changed").arg(id, changed.join(QStringLiteral(", "))));
    return ctx.finish();
}

int contactDelete(Context &ctx)
{
    if (ctx.positional().size() != 1)
        return ctx.usage(QStringLiteral("give the contact's id (or a unique prefix)"));
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    desk::DeskStore &desk = **store;
    auto contact = desk::findContact(desk, ctx.positional().first());
    if (!contact)
        return ctx.fail(QStringLiteral("contact delete"), contact.error());
    store::Transaction tx(desk.database());
    if (auto s = tx.begin(); !s)
        return ctx.fail(QStringLiteral("contact delete"), s.error());
    auto op = desk.records().remove(contact->id);
    if (!op)
        return ctx.fail(QStringLiteral("contact delete"), op.error());
    const QString id = model::recordIdToString(contact->id);
    if (auto s = desk.audit(QStringLiteral("contact.delete"), id, contact->scope); !s)
        return ctx.fail(QStringLiteral("audit"), s.error());
    if (auto s = tx.commit(); !s)
        return ctx.fail(QStringLiteral("contact delete"), s.error());
    ctx.result().insert(QStringLiteral("id"), id);
    ctx.line(QStringLiteral("contact %1 deleted (a tombstone; publish sends it)").arg(id));
    return ctx.finish();
}

int contactList(Context &ctx)
{
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    desk::DeskStore &desk = **store;
    const QStringList scopes = ctx.values(kOptScope);
    auto all = desk::liveContacts(desk, scopes);
    if (!all)
        return ctx.fail(QStringLiteral("contact list"), all.error());
    QJsonArray out;
    QList<QStringList> rows;
    for (const model::RecordState &r : *all) {
        if (!recordMatches(r, ctx.value(kOptQuery)))
            continue;
        out.append(contactJson(r));
        const model::FieldMap f = desk::fieldValues(r);
        QString phone;
        if (!f.value(QStringLiteral("phones")).toArray().isEmpty())
            phone = imports::phoneToText(f.value(QStringLiteral("phones")).toArray().first());
        rows.append({model::recordIdToString(r.id).left(8), r.scope,
                     f.value(QStringLiteral("name")).toString(),
                     f.value(QStringLiteral("organisation")).toString(), phone});
    }
    ctx.result().insert(QStringLiteral("contacts"), out);
    ctx.table({QStringLiteral("ID"), QStringLiteral("SCOPE"), QStringLiteral("NAME"),
               QStringLiteral("ORGANISATION"), QStringLiteral("PHONE")},
              rows);
    ctx.line(QStringLiteral("%1 contact(s)").arg(out.size()));
    return ctx.finish();
}

// --format, else from the file name (.vcf, .vcard), else csv; empty when unknown.
QString formatOf(Context &ctx, const QString &file)
{
    const QString suffix = QFileInfo(file).suffix().toLower();
    const QString format = ctx.isSet(kOptFormat) ? ctx.value(kOptFormat).toLower()
                           : (suffix == QLatin1String("vcf") || suffix == QLatin1String("vcard"))
                               ? QStringLiteral("vcard")
                               : QStringLiteral("csv");
    return format == QLatin1String("csv") || format == QLatin1String("vcard") ? format : QString();
}

int contactImport(Context &ctx)
{
    if (ctx.positional().size() != 1)
        return ctx.usage(QStringLiteral("give one file to import"));
    const QString path = ctx.positional().first();
    const QString format = formatOf(ctx, path);
    if (format.isEmpty())
        return ctx.usage(QStringLiteral("--format takes csv or vcard"));
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
        return ctx.fail(QStringLiteral("contact import"), bytes.error());
    imports::ContactCsvOptions o;
    o.fileName = QFileInfo(path).fileName();
    o.encoding = ctx.value(kOptEncoding);
    o.defaultScope = ctx.value(kOptScope);
    o.delimiter = delimiter;
    auto sheet = format == QLatin1String("vcard") ? imports::readContactVcard(*bytes, o)
                                                  : imports::readContactCsv(*bytes, o);
    if (!sheet)
        return ctx.fail(QStringLiteral("contact import"), sheet.error());
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
    auto outcome = desk::importContacts(**store, *sheet, io);
    if (!outcome)
        return ctx.fail(QStringLiteral("contact import"), outcome.error());
    QJsonArray problems;
    for (const imports::ImportProblem &p : outcome->problems) {
        problems.append(QJsonObject{{QStringLiteral("file"), p.file},
                                    {QStringLiteral("line"), p.line},
                                    {QStringLiteral("reason"), p.reason}});
    }
    QJsonObject &r = ctx.result();
    r.insert(QStringLiteral("file"), o.fileName);
    r.insert(QStringLiteral("encoding"), sheet->encoding);
    r.insert(QStringLiteral("delimiter"), QString(sheet->delimiter));
    r.insert(QStringLiteral("rows"), sheet->dataRows);
    r.insert(QStringLiteral("created"), outcome->created);
    r.insert(QStringLiteral("updated"), outcome->updated);
    r.insert(QStringLiteral("unchanged"), outcome->unchanged);
    r.insert(QStringLiteral("bad"), outcome->bad);
    r.insert(QStringLiteral("problems"), problems);
    r.insert(QStringLiteral("ignoredColumns"), QJsonArray::fromStringList(sheet->ignoredColumns));
    r.insert(QStringLiteral("dryRun"), io.dryRun);
    r.insert(QStringLiteral("applied"), outcome->applied);
    for (const imports::ImportProblem &p : outcome->problems)
        ctx.line(p.describe());
    if (!sheet->ignoredColumns.isEmpty())
        ctx.line(QStringLiteral("columns not imported: %1")
                     .arg(sheet->ignoredColumns.join(QStringLiteral(", "))));
    const bool refused = outcome->bad > 0 && !io.skipBad;
    if (refused) {
        const int code =
            ctx.fail(QStringLiteral("contact import"),
                     Error(Errc::Malformed, QStringLiteral("%1 bad row(s) in %2: nothing imported "
                                                           "(--skip-bad imports the good rows)")
                                                .arg(outcome->bad)
                                                .arg(o.fileName)));
        if (!ctx.json())
            for (const imports::ImportProblem &p : outcome->problems)
                std::fprintf(stderr, "  %s\n", qPrintable(p.describe()));
        return code;
    }
    ctx.line(
        QStringLiteral("%1%2: %3 new, %4 updated, %5 unchanged, %6 bad row(s) skipped "
                       "(%7, delimiter %8)")
            .arg(io.dryRun ? QStringLiteral("dry run, nothing written: ") : QString(), o.fileName)
            .arg(outcome->created)
            .arg(outcome->updated)
            .arg(outcome->unchanged)
            .arg(outcome->bad)
            .arg(sheet->encoding, sheet->delimiter == QLatin1Char('\t')
                                      ? QStringLiteral("tab")
                                      : QString(sheet->delimiter)));
    return ctx.finish();
}

int contactExport(Context &ctx)
{
    const QString out = ctx.value(kOptOut);
    if (out.isEmpty())
        return ctx.usage(QStringLiteral("--out FILE is required"));
    const QString format = formatOf(ctx, out);
    if (format.isEmpty())
        return ctx.usage(QStringLiteral("--format takes csv or vcard"));
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    desk::DeskStore &desk = **store;
    auto all = desk::liveContacts(desk, ctx.values(kOptScope));
    if (!all)
        return ctx.fail(QStringLiteral("contact export"), all.error());
    // UTF-8 with a BOM (so spreadsheets read it as UTF-8), CRLF line ends (RFC 4180).
    QString text;
    auto addRow = [&text](const QStringList &cells) {
        QStringList quoted;
        for (const QString &c : cells)
            quoted.append(imports::csvField(c));
        text += quoted.join(QLatin1Char(',')) + QStringLiteral("\r\n");
    };
    addRow(imports::contactCsvHeader());
    for (const model::RecordState &r : *all)
        addRow(imports::contactCsvRow(r.id, r.scope, desk::fieldValues(r)));
    QByteArray bytes = QByteArray("\xEF\xBB\xBF") + text.toUtf8();
    if (format == QLatin1String("vcard")) {
        // vCard 4.0 is UTF-8 without a BOM.
        bytes.clear();
        for (const model::RecordState &r : *all)
            bytes += imports::contactToVcard(r.id, r.scope, desk::fieldValues(r));
    }
    if (auto s = writeOutputFile(out, bytes); !s)
        return ctx.fail(QStringLiteral("contact export"), s.error());
    if (auto s = desk.audit(QStringLiteral("contact.export"), QFileInfo(out).fileName(),
                            QStringLiteral("%1 contact(s)").arg(all->size()));
        !s)
        return ctx.fail(QStringLiteral("audit"), s.error());
    ctx.result().insert(QStringLiteral("file"), out);
    ctx.result().insert(QStringLiteral("contacts"), int(all->size()));
    ctx.line(QStringLiteral("%1 contact(s) written to %2").arg(all->size()).arg(out));
    return ctx.finish();
}

} // namespace

void addContactCommands(QList<Command> &out)
{
    out.append({{QStringLiteral("contact"), QStringLiteral("add")},
                QStringLiteral("Add a contact to a scope"),
                QString(),
                [](QCommandLineParser &p) {
                    p.addOption({kOptScope, QStringLiteral("The scope (declared)."),
                                 QStringLiteral("scope")});
                    addFieldOptions(p);
                },
                contactAdd});
    out.append({{QStringLiteral("contact"), QStringLiteral("edit")},
                QStringLiteral("Change fields of a contact (lists are replaced)"),
                QStringLiteral("ID"),
                addFieldOptions,
                contactEdit});
    out.append({{QStringLiteral("contact"), QStringLiteral("delete")},
                QStringLiteral("Delete a contact (a tombstone)"),
                QStringLiteral("ID"),
                nullptr,
                contactDelete});
    out.append({{QStringLiteral("contact"), QStringLiteral("list")},
                QStringLiteral("The contacts, filtered by scope and text"),
                QString(),
                [](QCommandLineParser &p) {
                    p.addOption({kOptScope, QStringLiteral("Only this scope; repeatable."),
                                 QStringLiteral("scope")});
                    p.addOption({kOptQuery,
                                 QStringLiteral("Only contacts whose fields contain "
                                                "this text (any case)."),
                                 QStringLiteral("text")});
                },
                contactList});
    out.append(
        {{QStringLiteral("contact"), QStringLiteral("import")},
         QStringLiteral("Import contacts from CSV (Liaison, Outlook, Google) or vCard 2.1/3.0/4.0"),
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
             p.addOption({kOptFormat,
                          QStringLiteral("csv or vcard (default: from the file name, else csv)."),
                          QStringLiteral("format")});
         },
         contactImport});
    out.append(
        {{QStringLiteral("contact"), QStringLiteral("export")},
         QStringLiteral("Write the contacts to CSV (UTF-8, Liaison's columns) or vCard 4.0"),
         QString(),
         [](QCommandLineParser &p) {
             p.addOption({kOptOut, QStringLiteral("The file to write."), QStringLiteral("file")});
             p.addOption({kOptScope, QStringLiteral("Only this scope; repeatable."),
                          QStringLiteral("scope")});
             p.addOption({kOptFormat,
                          QStringLiteral("csv or vcard (default: from the file name, else csv)."),
                          QStringLiteral("format")});
         },
         contactExport});
}

} // namespace liaison::hqcli
