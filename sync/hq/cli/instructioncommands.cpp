// `instruction issue|list`: mission instructions (DESIGN.md "Data": Instruction, HQ only). The
// body comes from a Markdown file (a first line "# Title" is the title unless --title gives one,
// and the body goes on after it); a re-issue (--update ID) raises the version, so devices
// acknowledge the new content.

#include "cli.h"

#include "desk/contactimport.h"
#include "imports/textdecode.h"
#include "model/records.h"
#include "store/atomicfile.h"

#include <QFileInfo>

#include <optional>
#include <utility>

namespace liaison::hqcli {

namespace {

const QString kOptScope = QStringLiteral("scope");
const QString kOptTitle = QStringLiteral("title");
const QString kOptBody = QStringLiteral("body");
const QString kOptRequiresAck = QStringLiteral("requires-ack");
const QString kOptPriority = QStringLiteral("priority");
const QString kOptValidFrom = QStringLiteral("valid-from");
const QString kOptValidUntil = QStringLiteral("valid-until");
const QString kOptIssuedBy = QStringLiteral("issued-by");
const QString kOptUpdate = QStringLiteral("update");

Result<QList<model::RecordState>> instructions(desk::DeskStore &desk, const QStringList &only)
{
    QStringList scopes = only;
    if (scopes.isEmpty()) {
        auto all = desk.scopes();
        if (!all)
            return std::unexpected(all.error());
        for (const desk::ScopeInfo &s : *all)
            scopes.append(s.name);
    }
    if (scopes.isEmpty())
        return QList<model::RecordState>();
    auto records = desk.records().records(scopes);
    if (!records)
        return std::unexpected(records.error());
    QList<model::RecordState> out;
    for (model::RecordState &r : *records)
        if (!r.deleted && r.type == model::RecordType::Instruction)
            out.append(std::move(r));
    return out;
}

// A Markdown body whose first line is an ATX heading (1 to 6 #, then a space; closing #s
// dropped): the heading's text and the rest of the body. nullopt otherwise ("#tag", text first).
std::optional<std::pair<QString, QString>> splitHeading(const QString &body)
{
    const qsizetype end = body.indexOf(QLatin1Char('\n'));
    const QString first = end < 0 ? body : body.left(end);
    qsizetype level = 0;
    while (level < first.size() && first[level] == u'#')
        ++level;
    if (level < 1 || level > 6 ||
        (level < first.size() && first[level] != u' ' && first[level] != u'\t'))
        return std::nullopt;
    QString title = first.mid(level).trimmed();
    // A closing sequence is #s after a space ("# Title ##").
    qsizetype close = title.size();
    while (close > 0 && title[close - 1] == u'#')
        --close;
    if (close < title.size() &&
        (close == 0 || title[close - 1] == u' ' || title[close - 1] == u'\t'))
        title = title.left(close).trimmed();
    if (title.isEmpty())
        return std::nullopt;
    return std::pair{title, end < 0 ? QString() : body.mid(end + 1).trimmed()};
}

int instructionIssue(Context &ctx)
{
    const bool update = ctx.isSet(kOptUpdate);
    const QString scope = ctx.value(kOptScope);
    if (!update && (scope.isEmpty() || !ctx.isSet(kOptBody)))
        return ctx.usage(
            QStringLiteral("--scope and --body FILE.md are required (or --update ID)"));
    if (update && ctx.isSet(kOptScope))
        return ctx.usage(QStringLiteral("an instruction keeps its scope for life"));
    model::FieldMap f;
    if (ctx.isSet(kOptBody)) {
        auto bytes = store::readSmallFile(ctx.value(kOptBody), 1 << 20);
        if (!bytes)
            return ctx.fail(QStringLiteral("instruction body"), bytes.error());
        auto text = imports::decodeText(*bytes, QStringLiteral("utf-8"));
        if (!text)
            return ctx.fail(QStringLiteral("instruction body"),
                            Error(text.error().code, QStringLiteral("%1: %2").arg(
                                                         QFileInfo(ctx.value(kOptBody)).fileName(),
                                                         text.error().message)));
        QString body = text->text;
        body.replace(QStringLiteral("\r\n"), QStringLiteral("\n"));
        body = body.trimmed();
        if (!ctx.isSet(kOptTitle)) {
            // A first line "# Title" is the title; the body goes on after it.
            if (auto heading = splitHeading(body)) {
                f.insert(QStringLiteral("title"), heading->first);
                body = heading->second;
            }
        }
        f.insert(QStringLiteral("body"), body);
    }
    if (ctx.isSet(kOptTitle))
        f.insert(QStringLiteral("title"), ctx.value(kOptTitle));
    if (!update && f.value(QStringLiteral("title")).toString().isEmpty())
        return ctx.usage(
            QStringLiteral("no title: give --title or start the body with a # heading"));
    if (ctx.isSet(kOptPriority)) {
        bool ok = false;
        const int p = ctx.value(kOptPriority).toInt(&ok);
        if (!ok || p < 0 || p > 5)
            return ctx.usage(QStringLiteral("--priority takes 0 to 5"));
        f.insert(QStringLiteral("priority"), p);
    }
    for (const auto &[opt, field] :
         {std::pair{kOptValidFrom, "validFrom"}, std::pair{kOptValidUntil, "validUntil"}}) {
        if (!ctx.isSet(opt))
            continue;
        auto t = parseTime(ctx.value(opt));
        if (!t)
            return ctx.usage(QStringLiteral("--%1 takes an ISO date or time").arg(opt));
        f.insert(QString::fromLatin1(field), *t);
    }
    if (ctx.isSet(kOptRequiresAck) || !update)
        f.insert(QStringLiteral("requiresAck"), ctx.isSet(kOptRequiresAck));
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    desk::DeskStore &desk = **store;
    f.insert(QStringLiteral("issuedBy"),
             ctx.isSet(kOptIssuedBy) ? ctx.value(kOptIssuedBy) : desk.officer());
    f.insert(QStringLiteral("issuedAt"), ctx.clock().wallMs());
    for (auto it = f.begin(); it != f.end(); ++it) {
        auto norm = model::normalizeField(
            *model::fieldSpec(model::RecordType::Instruction, it.key()), it.value());
        if (!norm)
            return ctx.fail(QStringLiteral("instruction issue"),
                            Error(Errc::InvalidArgument,
                                  QStringLiteral("%1: %2").arg(it.key(), norm.error().message)));
        it.value() = *norm;
    }
    store::Transaction tx(desk.database());
    if (auto s = tx.begin(); !s)
        return ctx.fail(QStringLiteral("instruction issue"), s.error());
    model::RecordId id;
    qint64 version = 1;
    QString recordScope = scope;
    if (update) {
        auto all = instructions(desk, {});
        if (!all)
            return ctx.fail(QStringLiteral("instruction issue"), all.error());
        const QString prefix = ctx.value(kOptUpdate).remove(QLatin1Char('-')).toLower();
        std::optional<model::RecordState> found;
        for (const model::RecordState &r : *all)
            if (!prefix.isEmpty() && QString::fromLatin1(r.id.toHex()).startsWith(prefix)) {
                if (found)
                    return ctx.fail(
                        QStringLiteral("instruction issue"),
                        Error(Errc::InvalidArgument,
                              QStringLiteral("%1 names more than one instruction").arg(prefix)));
                found = r;
            }
        if (!found)
            return ctx.fail(QStringLiteral("instruction issue"),
                            Error(Errc::NotFound,
                                  QStringLiteral("no instruction %1").arg(ctx.value(kOptUpdate))));
        id = found->id;
        recordScope = found->scope;
        version = found->fields.value(QStringLiteral("version")).value.toInteger() + 1;
        f.insert(QStringLiteral("version"), version);
        auto op = desk.records().update(id, f);
        if (!op)
            return ctx.fail(QStringLiteral("instruction issue"), op.error());
    } else {
        auto has = desk.hasScope(scope);
        if (!has)
            return ctx.fail(QStringLiteral("scope"), has.error());
        if (!*has)
            return ctx.fail(
                QStringLiteral("instruction issue"),
                Error(
                    Errc::NotFound,
                    QStringLiteral("scope %1 is not declared (liaison-hq scope add)").arg(scope)));
        f.insert(QStringLiteral("version"), version);
        auto op = desk.records().create(model::RecordType::Instruction, scope, f);
        if (!op)
            return ctx.fail(QStringLiteral("instruction issue"), op.error());
        id = op->recordId;
    }
    const QString idText = model::recordIdToString(id);
    if (auto s = desk.audit(QStringLiteral("instruction.issue"), idText,
                            QStringLiteral("%1, version %2").arg(recordScope).arg(version));
        !s)
        return ctx.fail(QStringLiteral("audit"), s.error());
    if (auto s = tx.commit(); !s)
        return ctx.fail(QStringLiteral("instruction issue"), s.error());
    ctx.result().insert(QStringLiteral("id"), idText);
    ctx.result().insert(QStringLiteral("version"), version);
    ctx.result().insert(QStringLiteral("scope"), recordScope);
    ctx.line(QStringLiteral("instruction %1 version %2 issued in %3; publish sends it")
                 .arg(idText)
                 .arg(version)
                 .arg(recordScope));
    return ctx.finish();
}

int instructionList(Context &ctx)
{
    auto store = ctx.openStore();
    if (!store)
        return store.error();
    auto all = instructions(**store, ctx.values(kOptScope));
    if (!all)
        return ctx.fail(QStringLiteral("instruction list"), all.error());
    QJsonArray out;
    QList<QStringList> rows;
    for (const model::RecordState &r : *all) {
        auto v = [&](const char *k) {
            return r.fields.value(QString::fromLatin1(k)).value;
        };
        out.append(
            QJsonObject{{QStringLiteral("id"), model::recordIdToString(r.id)},
                        {QStringLiteral("scope"), r.scope},
                        {QStringLiteral("title"), v("title").toString()},
                        {QStringLiteral("body"), v("body").toString()},
                        {QStringLiteral("version"), v("version").toInteger()},
                        {QStringLiteral("priority"), v("priority").toInteger()},
                        {QStringLiteral("requiresAck"), v("requiresAck").toBool()},
                        {QStringLiteral("issuedBy"), v("issuedBy").toString()},
                        {QStringLiteral("issuedAt"), isoTime(v("issuedAt").toInteger())},
                        {QStringLiteral("validFrom"), isoTime(v("validFrom").toInteger())},
                        {QStringLiteral("validUntil"), isoTime(v("validUntil").toInteger())}});
        rows.append({model::recordIdToString(r.id).left(8), r.scope,
                     QString::number(v("version").toInteger()),
                     v("requiresAck").toBool() ? QStringLiteral("yes") : QStringLiteral("no"),
                     v("title").toString()});
    }
    ctx.result().insert(QStringLiteral("instructions"), out);
    ctx.table({QStringLiteral("ID"), QStringLiteral("SCOPE"), QStringLiteral("VERSION"),
               QStringLiteral("ACK"), QStringLiteral("TITLE")},
              rows);
    return ctx.finish();
}

} // namespace

void addInstructionCommands(QList<Command> &out)
{
    out.append(
        {{QStringLiteral("instruction"), QStringLiteral("issue")},
         QStringLiteral("Issue (or with --update re-issue) an instruction from a Markdown file"),
         QString(),
         [](QCommandLineParser &p) {
             p.addOption(
                 {kOptScope, QStringLiteral("The scope (declared)."), QStringLiteral("scope")});
             p.addOption({kOptBody, QStringLiteral("The body: a UTF-8 Markdown file."),
                          QStringLiteral("file")});
             p.addOption({kOptTitle,
                          QStringLiteral("Title (default: the body's first line when it is a # "
                                         "heading; the body then goes on after it)."),
                          QStringLiteral("text")});
             p.addOption({kOptRequiresAck, QStringLiteral("Officers must acknowledge it.")});
             p.addOption({kOptPriority, QStringLiteral("0 to 5."), QStringLiteral("n")});
             p.addOption(
                 {kOptValidFrom, QStringLiteral("ISO date or time."), QStringLiteral("time")});
             p.addOption(
                 {kOptValidUntil, QStringLiteral("ISO date or time."), QStringLiteral("time")});
             p.addOption({kOptIssuedBy, QStringLiteral("Who issues it (default: the officer)."),
                          QStringLiteral("name")});
             p.addOption({kOptUpdate,
                          QStringLiteral("Re-issue this instruction (id or prefix): the "
                                         "version rises."),
                          QStringLiteral("id")});
         },
         instructionIssue});
    out.append({{QStringLiteral("instruction"), QStringLiteral("list")},
                QStringLiteral("The instructions"),
                QString(),
                [](QCommandLineParser &p) {
                    p.addOption({kOptScope, QStringLiteral("Only this scope; repeatable."),
                                 QStringLiteral("scope")});
                },
                instructionList});
}

} // namespace liaison::hqcli
