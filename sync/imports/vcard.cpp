#include "imports/vcard.h"

#include "imports/textdecode.h"
#include "model/records.h"

#include <QCborArray>
#include <QCborMap>
#include <QDateTime>
#include <QHash>

namespace liaison::imports {

namespace {

struct Line
{
    int number = 0; // physical line it starts on
    QByteArray bytes;
};

struct Property
{
    int line = 0;
    QByteArray group;                            // upper case
    QByteArray name;                             // upper case
    QHash<QByteArray, QList<QByteArray>> params; // upper-case names; bare 2.1 params under TYPE
    QString value;                               // decoded, not yet unescaped
    [[nodiscard]] QStringList types() const
    {
        QStringList out;
        for (const QByteArray &t : params.value("TYPE"))
            for (const QByteArray &x : t.split(',')) {
                // Trimmed as a string, as every other value is: U+0085 (NEL) is white space too,
                // and a label that kept it would come back without it from an export.
                const QString type = QString::fromLatin1(x).trimmed().toLower();
                if (!type.isEmpty())
                    out.append(type);
            }
        return out;
    }
};

// Unfolds physical lines into logical ones. Quoted-printable soft breaks ("=" at the end of a
// line of a QP property) are joined too.
QList<Line> unfold(QByteArrayView bytes)
{
    QList<Line> out;
    int number = 0;
    qsizetype i = 0;
    while (i < bytes.size()) {
        qsizetype end = i;
        while (end < bytes.size() && bytes[end] != '\n' && bytes[end] != '\r')
            ++end;
        QByteArray text = bytes.sliced(i, end - i).toByteArray();
        ++number;
        if (end < bytes.size() && bytes[end] == '\r' && end + 1 < bytes.size() &&
            bytes[end + 1] == '\n')
            i = end + 2;
        else
            i = end + 1;
        if (!text.isEmpty() && (text[0] == ' ' || text[0] == '\t') && !out.isEmpty()) {
            out.last().bytes += text.mid(1);
            continue;
        }
        if (!out.isEmpty() && out.last().bytes.endsWith('=') &&
            out.last().bytes.toUpper().contains("QUOTED-PRINTABLE")) {
            out.last().bytes.chop(1);
            out.last().bytes += text;
            continue;
        }
        if (text.isEmpty())
            continue;
        out.append({number, text});
    }
    return out;
}

QByteArray decodeQuotedPrintable(const QByteArray &in)
{
    QByteArray out;
    for (qsizetype i = 0; i < in.size(); ++i) {
        if (in[i] == '=' && i + 2 < in.size()) {
            bool ok = false;
            const int v = in.mid(i + 1, 2).toInt(&ok, 16);
            if (ok) {
                out.append(char(v));
                i += 2;
                continue;
            }
        }
        out.append(in[i]);
    }
    return out;
}

// Splits at the unescaped separator.
QStringList splitUnescaped(const QString &s, QChar sep)
{
    QStringList parts;
    QString cur;
    for (qsizetype i = 0; i < s.size(); ++i) {
        if (s[i] == QLatin1Char('\\') && i + 1 < s.size()) {
            cur += s[i];
            cur += s[i + 1];
            ++i;
            continue;
        }
        if (s[i] == sep) {
            parts.append(cur);
            cur.clear();
            continue;
        }
        cur += s[i];
    }
    parts.append(cur);
    return parts;
}

QString unescape(const QString &s)
{
    QString out;
    for (qsizetype i = 0; i < s.size(); ++i) {
        if (s[i] == QLatin1Char('\\') && i + 1 < s.size()) {
            const QChar c = s[i + 1];
            if (c == QLatin1Char('n') || c == QLatin1Char('N'))
                out += QLatin1Char('\n');
            else
                out += c;
            ++i;
            continue;
        }
        out += s[i];
    }
    return out;
}

std::optional<Property> parseProperty(const Line &line, QString *error)
{
    // The first ':' outside a quoted parameter value ends name and parameters.
    qsizetype colon = -1;
    bool quoted = false;
    for (qsizetype i = 0; i < line.bytes.size(); ++i) {
        if (line.bytes[i] == '"')
            quoted = !quoted;
        else if (line.bytes[i] == ':' && !quoted) {
            colon = i;
            break;
        }
    }
    if (colon <= 0) {
        *error = QStringLiteral("a line without a property name and ':' (a folded line that "
                                "lost its leading space?)");
        return std::nullopt;
    }
    Property p;
    p.line = line.number;
    const QList<QByteArray> head = line.bytes.left(colon).split(';');
    QByteArray name = head.first().trimmed().toUpper();
    if (const qsizetype dot = name.indexOf('.'); dot >= 0) {
        p.group = name.left(dot);
        name = name.mid(dot + 1);
    }
    if (name.isEmpty()) {
        *error = QStringLiteral("a property without a name");
        return std::nullopt;
    }
    p.name = name;
    for (qsizetype k = 1; k < head.size(); ++k) {
        const QByteArray &param = head[k];
        const qsizetype eq = param.indexOf('=');
        if (eq < 0) {
            p.params["TYPE"].append(param.trimmed()); // 2.1 bare parameter
            continue;
        }
        QByteArray value = param.mid(eq + 1).trimmed();
        if (value.size() >= 2 && value.startsWith('"') && value.endsWith('"'))
            value = value.mid(1, value.size() - 2);
        const QByteArray pname = param.left(eq).trimmed().toUpper();
        if (pname == "QUOTED-PRINTABLE" || value.toUpper() == "QUOTED-PRINTABLE")
            p.params["ENCODING"].append("QUOTED-PRINTABLE");
        else
            p.params[pname].append(value);
    }
    // Bare 2.1 encodings and charsets written as TYPE.
    QList<QByteArray> &types = p.params["TYPE"];
    for (qsizetype k = types.size() - 1; k >= 0; --k)
        if (types[k].toUpper() == "QUOTED-PRINTABLE") {
            p.params["ENCODING"].append("QUOTED-PRINTABLE");
            types.removeAt(k);
        }
    QByteArray raw = line.bytes.mid(colon + 1);
    const bool qp = p.params.value("ENCODING").contains("QUOTED-PRINTABLE") ||
                    p.params.value("ENCODING").contains("quoted-printable");
    if (qp)
        raw = decodeQuotedPrintable(raw);
    QString charset = QString::fromLatin1(p.params.value("CHARSET").value(0)).toLower();
    if (charset == QLatin1String("utf8"))
        charset = QStringLiteral("utf-8");
    if (!charset.isEmpty() && !knownEncodings().contains(charset)) {
        *error = QStringLiteral("unknown CHARSET %1").arg(charset);
        return std::nullopt;
    }
    auto text = decodeText(raw, charset);
    if (!text) {
        *error = text.error().message;
        return std::nullopt;
    }
    // Line ends inside a value (QUOTED-PRINTABLE =0D=0A) are stored as LF.
    p.value = text->text;
    p.value.replace(QStringLiteral("\r\n"), QStringLiteral("\n"));
    p.value.replace(QLatin1Char('\r'), QLatin1Char('\n'));
    return p;
}

QString phoneLabel(const QStringList &types)
{
    for (const QString &t : types) {
        if (t == QLatin1String("voice") || t == QLatin1String("pref") ||
            t == QLatin1String("text") || t == QLatin1String("internet") ||
            t == QLatin1String("x400"))
            continue;
        if (t == QLatin1String("cell"))
            return QStringLiteral("mobile");
        return t;
    }
    return {};
}

QCborArray textArray(const QStringList &items)
{
    QCborArray a;
    for (const QString &s : items)
        a.append(s);
    return a;
}

QString identity(const QString &s)
{
    return s.simplified().toCaseFolded();
}

// Escapes a text value (RFC 6350 3.4).
QString esc(const QString &s)
{
    QString out;
    for (const QChar c : s) {
        if (c == QLatin1Char('\\'))
            out += QStringLiteral("\\\\");
        else if (c == QLatin1Char('\n'))
            out += QStringLiteral("\\n");
        else if (c == QLatin1Char(',') || c == QLatin1Char(';'))
            out += QLatin1Char('\\') + c;
        else
            out += c;
    }
    return out;
}

// Folds a content line at 75 octets without splitting a UTF-8 sequence.
QByteArray fold(const QString &line)
{
    const QByteArray b = line.toUtf8();
    QByteArray out;
    qsizetype start = 0;
    int limit = 75;
    while (b.size() - start > limit) {
        qsizetype cut = start + limit;
        while (cut > start && (std::uint8_t(b[cut]) & 0xC0) == 0x80)
            --cut;
        out += b.mid(start, cut - start) + "\r\n ";
        start = cut;
        limit = 74; // the leading space counts
    }
    out += b.mid(start) + "\r\n";
    return out;
}

} // namespace

Result<ContactSheet> readContactVcard(QByteArrayView input, const ContactCsvOptions &options)
{
    const QString file = options.fileName;
    QByteArray bytes = input.toByteArray();
    // UTF-16 files (with a BOM) become UTF-8 first; a UTF-8 BOM is dropped.
    if (bytes.startsWith("\xFF\xFE") || bytes.startsWith("\xFE\xFF")) {
        auto t = decodeText(bytes);
        if (!t)
            return fail(t.error().code, QStringLiteral("%1: %2").arg(file, t.error().message));
        bytes = t->text.toUtf8();
    } else if (bytes.startsWith("\xEF\xBB\xBF")) {
        bytes = bytes.mid(3);
    }
    ContactSheet sheet;
    sheet.encoding = QStringLiteral("vcard");
    const QList<Line> lines = unfold(bytes);
    QHash<QString, int> seen;
    qsizetype i = 0;
    bool anyCard = false;
    while (i < lines.size()) {
        const Line &begin = lines[i];
        if (begin.bytes.trimmed().toUpper() != "BEGIN:VCARD") {
            sheet.problems.append({file, begin.number,
                                   QStringLiteral("text outside a BEGIN:VCARD "
                                                  "... END:VCARD card")});
            ++i;
            continue;
        }
        anyCard = true;
        ++sheet.dataRows;
        // The card's lines up to END:VCARD.
        qsizetype end = i + 1;
        while (end < lines.size() && lines[end].bytes.trimmed().toUpper() != "END:VCARD" &&
               lines[end].bytes.trimmed().toUpper() != "BEGIN:VCARD")
            ++end;
        if (end >= lines.size() || lines[end].bytes.trimmed().toUpper() != "END:VCARD") {
            sheet.problems.append(
                {file, begin.number, QStringLiteral("the card has no END:VCARD")});
            i = end;
            continue;
        }
        QList<Property> props;
        QString error;
        int errorLine = 0;
        for (qsizetype k = i + 1; k < end && error.isEmpty(); ++k) {
            auto p = parseProperty(lines[k], &error);
            if (p)
                props.append(std::move(*p));
            else
                errorLine = lines[k].number;
        }
        i = end + 1;
        if (!error.isEmpty()) {
            sheet.problems.append({file, errorLine, error});
            continue;
        }
        QString version;
        QHash<QByteArray, QString> groupLabel;
        for (const Property &p : props) {
            if (p.name == "VERSION")
                version = p.value.trimmed();
            if (p.name == "X-ABLABEL" && !p.group.isEmpty()) {
                QString l = unescape(p.value).trimmed();
                if (l.startsWith(QLatin1String("_$!<")) && l.endsWith(QLatin1String(">!$_")))
                    l = l.mid(4, l.size() - 8).toLower(); // Apple's built-in labels
                groupLabel.insert(p.group, l);
            }
        }
        if (version != QLatin1String("2.1") && version != QLatin1String("3.0") &&
            version != QLatin1String("4.0")) {
            sheet.problems.append({file, begin.number,
                                   version.isEmpty()
                                       ? QStringLiteral("the card has no VERSION")
                                       : QStringLiteral("unsupported VERSION %1").arg(version)});
            continue;
        }
        QString fn, org, title, role, address, country, notes, tz, uid, scope, verified;
        QStringList nameParts, emails, fax, tags, langs;
        QCborArray phones;
        std::optional<model::RecordId> recordId;
        bool haveAddress = false;
        for (const Property &p : props) {
            const QString v = p.value;
            if (p.name == "FN") {
                fn = unescape(v).trimmed();
            } else if (p.name == "N") {
                const QStringList n = splitUnescaped(v, QLatin1Char(';'));
                // family; given; additional; prefix; suffix
                for (int k : {1, 2, 0}) {
                    const QString part = unescape(n.value(k)).trimmed();
                    if (!part.isEmpty())
                        nameParts.append(part);
                }
            } else if (p.name == "ORG") {
                QStringList units;
                for (const QString &u : splitUnescaped(v, QLatin1Char(';')))
                    if (!unescape(u).trimmed().isEmpty())
                        units.append(unescape(u).trimmed());
                org = units.join(QStringLiteral(", "));
            } else if (p.name == "TITLE") {
                title = unescape(v).trimmed();
            } else if (p.name == "ROLE") {
                role = unescape(v).trimmed();
            } else if (p.name == "TEL") {
                QString number = unescape(v).trimmed();
                if (number.startsWith(QLatin1String("tel:")))
                    number = number.mid(4);
                // Decoding drops a BOM that opens a value; one behind "tel:" goes too, so that
                // the number reads the same when written back (fuzz_vcard, tel-uri-bom-*).
                while (number.startsWith(QChar(0xFEFF)))
                    number = number.mid(1).trimmed();
                if (number.isEmpty())
                    continue;
                const QStringList types = p.types();
                if (types.contains(QStringLiteral("fax"))) {
                    fax.append(number);
                    continue;
                }
                QString label = groupLabel.value(p.group);
                if (label.isEmpty())
                    label = phoneLabel(types);
                const bool h24 = p.params.value("X-LIAISON-24H").value(0).toUpper() == "TRUE";
                phones.append(model::phone(label, number, h24));
            } else if (p.name == "EMAIL") {
                const QString e = unescape(v).trimmed();
                if (!e.isEmpty())
                    emails.append(e);
            } else if (p.name == "ADR" && !haveAddress) {
                const QStringList a = splitUnescaped(v, QLatin1Char(';'));
                QStringList parts;
                for (int k = 0; k < 6; ++k) {
                    const QString part = unescape(a.value(k)).trimmed();
                    if (!part.isEmpty())
                        parts.append(part);
                }
                address = parts.join(QStringLiteral(", "));
                const QString c = unescape(a.value(6)).trimmed();
                if (!c.isEmpty())
                    country = c;
                haveAddress = true;
            } else if (p.name == "NOTE") {
                notes = unescape(v).trimmed();
            } else if (p.name == "CATEGORIES") {
                for (const QString &t : splitUnescaped(v, QLatin1Char(',')))
                    if (!unescape(t).trimmed().isEmpty())
                        tags.append(unescape(t).trimmed());
            } else if (p.name == "LANG") {
                if (!unescape(v).trimmed().isEmpty())
                    langs.append(unescape(v).trimmed());
            } else if (p.name == "TZ") {
                tz = unescape(v).trimmed();
            } else if (p.name == "UID") {
                uid = unescape(v).trimmed();
                QString hex = uid;
                if (hex.startsWith(QLatin1String("urn:uuid:")))
                    hex = hex.mid(9);
                hex.remove(QLatin1Char('-'));
                if (hex.size() == 32)
                    if (auto id = model::RecordId::fromHex(hex.toLatin1()))
                        recordId = *id;
            } else if (p.name == "X-LIAISON-SCOPE") {
                scope = unescape(v).trimmed();
            } else if (p.name == "X-LIAISON-COUNTRY") {
                country = unescape(v).trimmed();
            } else if (p.name == "X-LIAISON-VERIFIED") {
                verified = unescape(v).trimmed();
            }
        }
        auto problem = [&](const QString &reason) {
            sheet.problems.append({file, begin.number, reason});
        };
        QString name = fn.isEmpty() ? nameParts.join(QLatin1Char(' ')) : fn;
        if (name.isEmpty()) {
            problem(QStringLiteral("the card has no FN and no N"));
            continue;
        }
        if (scope.isEmpty())
            scope = options.defaultScope;
        if (scope.isEmpty()) {
            problem(QStringLiteral("no scope (name the scope for the file)"));
            continue;
        }
        if (!model::isValidScope(scope)) {
            problem(QStringLiteral("\"%1\" is not a scope name").arg(scope));
            continue;
        }
        model::FieldMap f;
        f.insert(QStringLiteral("name"), name);
        f.insert(QStringLiteral("organisation"), org);
        f.insert(QStringLiteral("role"), title.isEmpty() ? role : title);
        f.insert(QStringLiteral("country"), country);
        f.insert(QStringLiteral("phones"), phones);
        f.insert(QStringLiteral("emails"), textArray(emails));
        f.insert(QStringLiteral("fax"), textArray(fax));
        f.insert(QStringLiteral("address"), address);
        f.insert(QStringLiteral("languages"), textArray(langs));
        f.insert(QStringLiteral("timeZone"), tz);
        f.insert(QStringLiteral("notes"), notes);
        f.insert(QStringLiteral("tags"), textArray(tags));
        qint64 verifiedMs = 0;
        if (!verified.isEmpty()) {
            const QDateTime t = QDateTime::fromString(verified, Qt::ISODate);
            if (!t.isValid()) {
                problem(
                    QStringLiteral("X-LIAISON-VERIFIED \"%1\" is not an ISO time").arg(verified));
                continue;
            }
            verifiedMs = t.toMSecsSinceEpoch();
        }
        f.insert(QStringLiteral("lastVerified"), verifiedMs);
        bool bad = false;
        for (auto it = f.begin(); it != f.end() && !bad; ++it) {
            const model::FieldSpec *spec = model::fieldSpec(model::RecordType::Contact, it.key());
            auto norm = model::normalizeField(*spec, it.value());
            if (!norm) {
                problem(QStringLiteral("%1: %2").arg(it.key(), norm.error().message));
                bad = true;
            } else {
                it.value() = *norm;
            }
        }
        if (bad)
            continue;
        ContactRow row;
        row.line = begin.number;
        row.scope = scope;
        row.recordId = recordId;
        row.key = uid.isEmpty()
                      ? QStringLiteral("row:%1:%2|%3").arg(scope, identity(name), identity(org))
                      : QStringLiteral("uid:%1:%2").arg(scope, uid);
        if (auto prev = seen.constFind(row.key); prev != seen.cend()) {
            problem(QStringLiteral("the same contact as the card on line %1").arg(*prev));
            continue;
        }
        seen.insert(row.key, begin.number);
        row.fields = std::move(f);
        sheet.rows.append(std::move(row));
    }
    if (!anyCard)
        return fail(Errc::Malformed, QStringLiteral("%1: no BEGIN:VCARD in the file").arg(file));
    std::sort(sheet.problems.begin(), sheet.problems.end(),
              [](const ImportProblem &a, const ImportProblem &b) { return a.line < b.line; });
    return sheet;
}

QByteArray contactToVcard(const model::RecordId &id, const QString &scope, const model::FieldMap &f)
{
    auto text = [&](const char *k) {
        return f.value(QString::fromLatin1(k)).toString();
    };
    QByteArray out = "BEGIN:VCARD\r\nVERSION:4.0\r\n";
    out += fold(QStringLiteral("UID:urn:uuid:") + model::recordIdToString(id));
    out += fold(QStringLiteral("FN:") + esc(text("name")));
    if (!text("organisation").isEmpty())
        out += fold(QStringLiteral("ORG:") + esc(text("organisation")));
    if (!text("role").isEmpty())
        out += fold(QStringLiteral("TITLE:") + esc(text("role")));
    int item = 0;
    for (const QCborValue &p : f.value(QStringLiteral("phones")).toArray()) {
        const QCborMap m = p.toMap();
        const QString label = m.value(model::kPhoneLabel).toString();
        const QString number = m.value(model::kPhoneNumber).toString();
        const bool h24 = m.value(model::kPhone24h).toBool();
        const QString group = QStringLiteral("item%1.").arg(++item);
        out += fold(group + QStringLiteral("TEL;VALUE=text") +
                    (h24 ? QStringLiteral(";X-LIAISON-24H=TRUE") : QString()) + QLatin1Char(':') +
                    esc(number));
        out += fold(group + QStringLiteral("X-ABLabel:") + esc(label));
    }
    for (const QCborValue &v : f.value(QStringLiteral("fax")).toArray())
        out += fold(QStringLiteral("TEL;TYPE=fax;VALUE=text:") + esc(v.toString()));
    for (const QCborValue &v : f.value(QStringLiteral("emails")).toArray())
        out += fold(QStringLiteral("EMAIL:") + esc(v.toString()));
    if (!text("address").isEmpty())
        out += fold(QStringLiteral("ADR:;;") + esc(text("address")) + QStringLiteral(";;;;"));
    if (!text("country").isEmpty())
        out += fold(QStringLiteral("X-LIAISON-COUNTRY:") + esc(text("country")));
    for (const QCborValue &v : f.value(QStringLiteral("languages")).toArray())
        out += fold(QStringLiteral("LANG:") + esc(v.toString()));
    if (!text("timeZone").isEmpty())
        out += fold(QStringLiteral("TZ:") + esc(text("timeZone")));
    if (!text("notes").isEmpty())
        out += fold(QStringLiteral("NOTE:") + esc(text("notes")));
    QStringList tags;
    for (const QCborValue &v : f.value(QStringLiteral("tags")).toArray())
        tags.append(esc(v.toString()));
    if (!tags.isEmpty())
        out += fold(QStringLiteral("CATEGORIES:") + tags.join(QLatin1Char(',')));
    if (const qint64 ms = f.value(QStringLiteral("lastVerified")).toInteger())
        out += fold(QStringLiteral("X-LIAISON-VERIFIED:") +
                    QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODate));
    out += fold(QStringLiteral("X-LIAISON-SCOPE:") + esc(scope));
    out += "END:VCARD\r\n";
    return out;
}

} // namespace liaison::imports
