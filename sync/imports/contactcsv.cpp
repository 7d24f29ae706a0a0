#include "imports/contactcsv.h"

#include "imports/csvsheet.h"
#include "model/records.h"

#include <QCborArray>
#include <QCborMap>
#include <QDateTime>
#include <QHash>
#include <QRegularExpression>

namespace liaison::imports {

namespace {

enum class Col {
    Ignored,
    RecordId, // "id": a Liaison record id, else a UID
    Uid,
    Scope,
    Name,
    Given,
    Middle,
    Family,
    Org,
    Department,
    Role,
    Country,
    PhonesText, // Liaison's "label: number (24/7); ..."
    Phone,      // one number per cell (label from the column name)
    GPhoneValue,
    GPhoneType,
    EmailsText, // Liaison's "a@x; b@y"
    Email,
    Fax,
    Address,
    AddressPart,
    Languages,
    TimeZone,
    Notes,
    Tags,
    LastVerified,
};

struct Column
{
    Col kind = Col::Ignored;
    QString label; // Phone: the label; GPhone*: the group number
};

QString normalizeHeader(const QString &h)
{
    QString s = h.simplified().toLower();
    s.remove(QLatin1Char('"'));
    return s;
}

Column classify(const QString &rawHeader)
{
    const QString h = normalizeHeader(rawHeader);
    static const QHash<QString, Col> exact = {
        {QStringLiteral("id"), Col::RecordId},
        {QStringLiteral("uid"), Col::Uid},
        {QStringLiteral("scope"), Col::Scope},
        {QStringLiteral("name"), Col::Name},
        {QStringLiteral("full name"), Col::Name},
        {QStringLiteral("display name"), Col::Name},
        {QStringLiteral("first name"), Col::Given},
        {QStringLiteral("given name"), Col::Given},
        {QStringLiteral("middle name"), Col::Middle},
        {QStringLiteral("additional name"), Col::Middle},
        {QStringLiteral("last name"), Col::Family},
        {QStringLiteral("family name"), Col::Family},
        {QStringLiteral("surname"), Col::Family},
        {QStringLiteral("organisation"), Col::Org},
        {QStringLiteral("organization"), Col::Org},
        {QStringLiteral("company"), Col::Org},
        {QStringLiteral("organization 1 - name"), Col::Org},
        {QStringLiteral("organization name"), Col::Org},
        {QStringLiteral("department"), Col::Department},
        {QStringLiteral("organization 1 - department"), Col::Department},
        {QStringLiteral("organization department"), Col::Department},
        {QStringLiteral("role"), Col::Role},
        {QStringLiteral("job title"), Col::Role},
        {QStringLiteral("organization 1 - title"), Col::Role},
        {QStringLiteral("organization title"), Col::Role},
        {QStringLiteral("country"), Col::Country},
        {QStringLiteral("country/region"), Col::Country},
        {QStringLiteral("business country/region"), Col::Country},
        {QStringLiteral("address 1 - country"), Col::Country},
        {QStringLiteral("phones"), Col::PhonesText},
        {QStringLiteral("emails"), Col::EmailsText},
        {QStringLiteral("e-mail address"), Col::Email},
        {QStringLiteral("e-mail 2 address"), Col::Email},
        {QStringLiteral("e-mail 3 address"), Col::Email},
        {QStringLiteral("email"), Col::Email},
        {QStringLiteral("e-mail"), Col::Email},
        {QStringLiteral("email address"), Col::Email},
        {QStringLiteral("fax"), Col::Fax},
        {QStringLiteral("business fax"), Col::Fax},
        {QStringLiteral("home fax"), Col::Fax},
        {QStringLiteral("other fax"), Col::Fax},
        {QStringLiteral("address"), Col::Address},
        {QStringLiteral("business address"), Col::Address},
        {QStringLiteral("address 1 - formatted"), Col::Address},
        {QStringLiteral("business street"), Col::AddressPart},
        {QStringLiteral("business street 2"), Col::AddressPart},
        {QStringLiteral("business postal code"), Col::AddressPart},
        {QStringLiteral("business city"), Col::AddressPart},
        {QStringLiteral("business state"), Col::AddressPart},
        {QStringLiteral("languages"), Col::Languages},
        {QStringLiteral("language"), Col::Languages},
        {QStringLiteral("time zone"), Col::TimeZone},
        {QStringLiteral("timezone"), Col::TimeZone},
        {QStringLiteral("notes"), Col::Notes},
        {QStringLiteral("tags"), Col::Tags},
        {QStringLiteral("categories"), Col::Tags},
        {QStringLiteral("labels"), Col::Tags},
        {QStringLiteral("group membership"), Col::Tags},
        {QStringLiteral("last verified"), Col::LastVerified},
        {QStringLiteral("lastverified"), Col::LastVerified},
    };
    if (auto it = exact.constFind(h); it != exact.cend())
        return {*it, {}};
    static const QHash<QString, QString> phones = {
        {QStringLiteral("business phone"), QStringLiteral("business")},
        {QStringLiteral("business phone 2"), QStringLiteral("business")},
        {QStringLiteral("mobile phone"), QStringLiteral("mobile")},
        {QStringLiteral("home phone"), QStringLiteral("home")},
        {QStringLiteral("home phone 2"), QStringLiteral("home")},
        {QStringLiteral("company main phone"), QStringLiteral("main")},
        {QStringLiteral("primary phone"), QStringLiteral("primary")},
        {QStringLiteral("other phone"), QStringLiteral("other")},
        {QStringLiteral("car phone"), QStringLiteral("car")},
        {QStringLiteral("assistant's phone"), QStringLiteral("assistant")},
        {QStringLiteral("pager"), QStringLiteral("pager")},
        {QStringLiteral("phone"), QString()},
    };
    if (auto it = phones.constFind(h); it != phones.cend())
        return {Col::Phone, *it};
    static const QRegularExpression google(
        QStringLiteral("^(phone|e-mail|email) (\\d+) - (value|type|label)$"));
    if (const auto m = google.match(h); m.hasMatch()) {
        const bool isPhone = m.captured(1) == QLatin1String("phone");
        const bool isValue = m.captured(3) == QLatin1String("value");
        if (!isPhone)
            return {isValue ? Col::Email : Col::Ignored, {}};
        return {isValue ? Col::GPhoneValue : Col::GPhoneType, m.captured(2)};
    }
    return {Col::Ignored, {}};
}

// Google writes several values in one cell as "a ::: b".
QStringList splitMulti(const QString &cell, bool semicolons)
{
    QStringList parts = cell.split(QStringLiteral(" ::: "));
    if (semicolons) {
        QStringList more;
        for (const QString &p : parts)
            more += p.split(QLatin1Char(';'));
        parts = more;
    }
    QStringList out;
    for (const QString &p : parts) {
        const QString t = p.trimmed();
        if (!t.isEmpty())
            out.append(t);
    }
    return out;
}

QString identity(const QString &s)
{
    return s.simplified().toCaseFolded();
}

QCborArray textArray(const QStringList &items)
{
    QCborArray a;
    for (const QString &s : items)
        a.append(s);
    return a;
}

} // namespace

QString phoneToText(const QCborValue &phone)
{
    const QCborMap m = phone.toMap();
    const QString label = m.value(model::kPhoneLabel).toString();
    const QString number = m.value(model::kPhoneNumber).toString();
    QString s = label.isEmpty() ? number : label + QStringLiteral(": ") + number;
    if (m.value(model::kPhone24h).toBool())
        s += QStringLiteral(" (24/7)");
    return s;
}

std::optional<QCborValue> phoneFromText(const QString &text)
{
    QString t = text.trimmed();
    bool h24 = false;
    if (t.endsWith(QLatin1String("(24/7)"))) {
        h24 = true;
        t = t.chopped(6).trimmed();
    }
    QString label;
    const qsizetype colon = t.indexOf(QLatin1Char(':'));
    if (colon >= 0) {
        label = t.left(colon).trimmed();
        t = t.mid(colon + 1).trimmed();
    }
    if (t.isEmpty())
        return std::nullopt;
    return QCborValue(model::phone(label, t, h24));
}

Result<ContactSheet> readContactCsv(QByteArrayView bytes, const ContactCsvOptions &options)
{
    const QString file = options.fileName;
    auto csv = readCsvSheet(bytes, file, options.encoding, options.delimiter);
    if (!csv)
        return std::unexpected(csv.error());
    const CsvTable &table = csv->table;
    ContactSheet sheet;
    sheet.encoding = csv->encoding;
    sheet.delimiter = table.delimiter;
    sheet.problems = csv->problems;
    const CsvRecord &header = table.records.first();
    QList<Column> cols;
    bool hasName = false, hasScope = false;
    for (const QString &h : header.fields) {
        Column c = classify(h);
        if (c.kind == Col::Ignored && !h.trimmed().isEmpty())
            sheet.ignoredColumns.append(h.trimmed());
        hasName |= c.kind == Col::Name || c.kind == Col::Given || c.kind == Col::Family;
        hasScope |= c.kind == Col::Scope;
        cols.append(c);
    }
    if (!hasName)
        return fail(Errc::Malformed,
                    QStringLiteral("%1:%2: no name column (Name, First Name / Last Name, Given "
                                   "Name / Family Name) in the header")
                        .arg(file)
                        .arg(header.line));
    if (!hasScope && options.defaultScope.isEmpty())
        return fail(Errc::InvalidArgument,
                    QStringLiteral("%1: no scope column: name the scope for the file").arg(file));
    auto has = [&](Col k) {
        return std::any_of(cols.begin(), cols.end(), [k](const Column &c) { return c.kind == k; });
    };
    const bool mapsPhones = has(Col::PhonesText) || has(Col::Phone) || has(Col::GPhoneValue);
    const bool mapsEmails = has(Col::EmailsText) || has(Col::Email);
    const bool mapsAddress = has(Col::Address) || has(Col::AddressPart);
    const bool mapsOrg = has(Col::Org) || has(Col::Department);

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
        QString name, given, middle, family, org, dept, role, country, address, tz, notes, scope,
            uid, verified;
        QStringList addressParts, emails, fax, langs, tags;
        QCborArray phones;
        QHash<QString, QString> gValue, gType;
        std::optional<model::RecordId> recordId;
        bool bad = false;
        for (qsizetype i = 0; i < cols.size() && !bad; ++i) {
            const QString cell = rec.fields[i].trimmed();
            switch (cols[i].kind) {
            case Col::Ignored:
                break;
            case Col::RecordId: {
                const QString hex = QString(cell).remove(QLatin1Char('-'));
                auto id = model::RecordId::fromHex(hex.toLatin1());
                if (hex.size() == 32 && id)
                    recordId = *id;
                if (!cell.isEmpty())
                    uid = cell;
                break;
            }
            case Col::Uid:
                if (!cell.isEmpty())
                    uid = cell;
                break;
            case Col::Scope:
                scope = cell;
                break;
            case Col::Name:
                name = cell;
                break;
            case Col::Given:
                given = cell;
                break;
            case Col::Middle:
                middle = cell;
                break;
            case Col::Family:
                family = cell;
                break;
            case Col::Org:
                org = cell;
                break;
            case Col::Department:
                dept = cell;
                break;
            case Col::Role:
                role = cell;
                break;
            case Col::Country:
                if (country.isEmpty())
                    country = cell;
                break;
            case Col::PhonesText:
                for (const QString &p : splitMulti(cell, true)) {
                    auto v = phoneFromText(p);
                    if (v)
                        phones.append(*v);
                }
                break;
            case Col::Phone:
                for (const QString &p : splitMulti(cell, false))
                    phones.append(model::phone(cols[i].label, p, false));
                break;
            case Col::GPhoneValue:
                gValue[cols[i].label] = cell;
                break;
            case Col::GPhoneType:
                gType[cols[i].label] = cell;
                break;
            case Col::EmailsText:
                emails += splitMulti(cell, true);
                break;
            case Col::Email:
                emails += splitMulti(cell, false);
                break;
            case Col::Fax:
                fax += splitMulti(cell, true);
                break;
            case Col::Address:
                if (address.isEmpty())
                    address = rec.fields[i].trimmed();
                break;
            case Col::AddressPart:
                if (!cell.isEmpty())
                    addressParts.append(cell);
                break;
            case Col::Languages:
                for (const QString &l : splitMulti(cell, true))
                    langs += l.split(QLatin1Char(','), Qt::SkipEmptyParts);
                break;
            case Col::TimeZone:
                tz = cell;
                break;
            case Col::Notes:
                notes = rec.fields[i].trimmed();
                break;
            case Col::Tags:
                for (QString t : splitMulti(cell, true)) {
                    if (t.startsWith(QLatin1String("* ")))
                        t = t.mid(2).trimmed();
                    if (!t.isEmpty() && t != QLatin1String("myContacts"))
                        tags.append(t);
                }
                break;
            case Col::LastVerified:
                verified = cell;
                break;
            }
        }
        // Google's numbered phones: "Phone 1 - Type" pairs with "Phone 1 - Value".
        QStringList groups = gValue.keys();
        std::sort(groups.begin(), groups.end(),
                  [](const QString &a, const QString &b) { return a.toInt() < b.toInt(); });
        for (const QString &g : groups) {
            const QStringList values = splitMulti(gValue.value(g), false);
            const QStringList types = gType.value(g).split(QStringLiteral(" ::: "));
            for (qsizetype k = 0; k < values.size(); ++k) {
                QString label = types.value(k, types.value(0)).trimmed();
                if (label.startsWith(QLatin1String("* ")))
                    label = label.mid(2);
                phones.append(model::phone(label.toLower(), values[k], false));
            }
        }
        if (name.isEmpty()) {
            QStringList parts;
            for (const QString &p : {given, middle, family})
                if (!p.isEmpty())
                    parts.append(p);
            name = parts.join(QLatin1Char(' '));
        }
        if (name.isEmpty()) {
            problem(QStringLiteral("no name"));
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
        if (!dept.isEmpty())
            org = org.isEmpty() ? dept : org + QStringLiteral(", ") + dept;
        if (address.isEmpty() && !addressParts.isEmpty())
            address = addressParts.join(QStringLiteral(", "));

        model::FieldMap f;
        f.insert(QStringLiteral("name"), name);
        if (mapsOrg)
            f.insert(QStringLiteral("organisation"), org);
        if (has(Col::Role))
            f.insert(QStringLiteral("role"), role);
        if (has(Col::Country))
            f.insert(QStringLiteral("country"), country);
        if (mapsPhones)
            f.insert(QStringLiteral("phones"), phones);
        if (mapsEmails)
            f.insert(QStringLiteral("emails"), textArray(emails));
        if (has(Col::Fax))
            f.insert(QStringLiteral("fax"), textArray(fax));
        if (mapsAddress)
            f.insert(QStringLiteral("address"), address);
        if (has(Col::Languages))
            f.insert(QStringLiteral("languages"), textArray(langs));
        if (has(Col::TimeZone))
            f.insert(QStringLiteral("timeZone"), tz);
        if (has(Col::Notes))
            f.insert(QStringLiteral("notes"), notes);
        if (has(Col::Tags))
            f.insert(QStringLiteral("tags"), textArray(tags));
        if (has(Col::LastVerified)) {
            qint64 ms = 0;
            if (!verified.isEmpty()) {
                QDateTime t = QDateTime::fromString(verified, Qt::ISODate);
                if (!t.isValid()) {
                    const QDate d = QDate::fromString(verified, Qt::ISODate);
                    if (d.isValid())
                        t = QDateTime(d, QTime(0, 0), Qt::UTC);
                }
                if (!t.isValid()) {
                    problem(
                        QStringLiteral("last verified \"%1\" is not an ISO date").arg(verified));
                    continue;
                }
                ms = t.toMSecsSinceEpoch();
            }
            f.insert(QStringLiteral("lastVerified"), ms);
        }
        // Every value against the schema (lengths, list sizes, control characters).
        for (auto it = f.begin(); it != f.end() && !bad; ++it) {
            const model::FieldSpec *spec = model::fieldSpec(model::RecordType::Contact, it.key());
            auto norm = spec ? model::normalizeField(*spec, it.value())
                             : Result<QCborValue>(fail(Errc::Internal, QStringLiteral("no field")));
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
        row.line = rec.line;
        row.scope = scope;
        row.recordId = recordId;
        row.key = uid.isEmpty()
                      ? QStringLiteral("row:%1:%2|%3").arg(scope, identity(name), identity(org))
                      : QStringLiteral("uid:%1:%2").arg(scope, uid);
        if (auto prev = seen.constFind(row.key); prev != seen.cend()) {
            problem(QStringLiteral("the same contact as line %1 (%2)")
                        .arg(*prev)
                        .arg(uid.isEmpty() ? QStringLiteral("same name and organisation")
                                           : QStringLiteral("same UID")));
            continue;
        }
        seen.insert(row.key, rec.line);
        row.fields = std::move(f);
        sheet.rows.append(std::move(row));
    }
    std::sort(sheet.problems.begin(), sheet.problems.end(),
              [](const ImportProblem &a, const ImportProblem &b) { return a.line < b.line; });
    return sheet;
}

QStringList contactCsvHeader()
{
    return {QStringLiteral("id"),          QStringLiteral("scope"),
            QStringLiteral("name"),        QStringLiteral("organisation"),
            QStringLiteral("role"),        QStringLiteral("country"),
            QStringLiteral("phones"),      QStringLiteral("emails"),
            QStringLiteral("fax"),         QStringLiteral("address"),
            QStringLiteral("languages"),   QStringLiteral("timeZone"),
            QStringLiteral("notes"),       QStringLiteral("tags"),
            QStringLiteral("lastVerified")};
}

QStringList contactCsvRow(const model::RecordId &id, const QString &scope, const model::FieldMap &f)
{
    auto text = [&](const char *k) {
        return f.value(QString::fromLatin1(k)).toString();
    };
    auto list = [&](const char *k) {
        QStringList out;
        for (const QCborValue &v : f.value(QString::fromLatin1(k)).toArray())
            out.append(v.toString());
        return out.join(QStringLiteral("; "));
    };
    QStringList phones;
    for (const QCborValue &p : f.value(QStringLiteral("phones")).toArray())
        phones.append(phoneToText(p));
    const qint64 verified = f.value(QStringLiteral("lastVerified")).toInteger();
    return {model::recordIdToString(id),
            scope,
            text("name"),
            text("organisation"),
            text("role"),
            text("country"),
            phones.join(QStringLiteral("; ")),
            list("emails"),
            list("fax"),
            text("address"),
            list("languages"),
            text("timeZone"),
            text("notes"),
            list("tags"),
            verified ? QDateTime::fromMSecsSinceEpoch(verified, Qt::UTC).toString(Qt::ISODate)
                     : QString()};
}

} // namespace liaison::imports
