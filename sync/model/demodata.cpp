#include "model/demodata.h"

#include <QCborArray>

namespace liaison::model::demo {

namespace {

constexpr qint64 kHour = 3600 * 1000;
constexpr qint64 kDay = 24 * kHour;

const QString kAddress = QStringLiteral("Münzbergerových 2811/8, 155 00 Praha 5 - Stodůlky");
const QString kOrg = QStringLiteral("Police of the Czech Republic, Police Presidium");
const QString k247 = QStringLiteral("+420 974 834 210");

QCborArray texts(std::initializer_list<const char *> items)
{
    QCborArray a;
    for (const char *s : items)
        a.append(QString::fromUtf8(s));
    return a;
}

FieldMap desk(const QString &name, const QString &role, const QString &tag, const QString &notes,
              qint64 verified)
{
    return {
        {QStringLiteral("name"), name},
        {QStringLiteral("organisation"), kOrg},
        {QStringLiteral("role"), role},
        {QStringLiteral("country"), QStringLiteral("CZ")},
        {QStringLiteral("phones"),
         QCborArray{phone(QStringLiteral("24/7 permanent service"), k247, true)}},
        {QStringLiteral("emails"), texts({"rmps.pripady@pcr.cz"})},
        {QStringLiteral("fax"), texts({"+420 974 834 723", "+420 974 834 716"})},
        {QStringLiteral("address"), kAddress},
        {QStringLiteral("languages"), texts({"cs", "en"})},
        {QStringLiteral("timeZone"), QStringLiteral("Europe/Prague")},
        {QStringLiteral("notes"), notes},
        {QStringLiteral("tags"), QCborArray{tag, QStringLiteral("directorate")}},
        {QStringLiteral("lastVerified"), verified},
    };
}

// Fictional people for the posts and the generator.
const char *const kGiven[] = {"Jana",    "Petr",     "Lucie",    "Tomáš",   "Eva",
                              "Martin",  "Kateřina", "Jan",      "Tereza",  "Jakub",
                              "Markéta", "Ondřej",   "Veronika", "Pavel",   "Zuzana",
                              "Lukáš",   "Anna",     "Michal",   "Barbora", "David"};
const char *const kSurname[] = {"Nováková", "Svoboda",  "Dvořáková", "Černý",      "Procházková",
                                "Kučera",   "Veselá",   "Horák",     "Němcová",    "Marek",
                                "Pokorná",  "Pospíšil", "Hájková",   "Král",       "Jelínková",
                                "Růžička",  "Benešová", "Fiala",     "Sedláčková", "Doležal"};
const char *const kAscii[] = {"novakova", "svoboda",  "dvorakova", "cerny",      "prochazkova",
                              "kucera",   "vesela",   "horak",     "nemcova",    "marek",
                              "pokorna",  "pospisil", "hajkova",   "kral",       "jelinkova",
                              "ruzicka",  "benesova", "fiala",     "sedlackova", "dolezal"};
const char *const kGivenAscii[] = {"jana",    "petr",     "lucie",    "tomas",   "eva",
                                   "martin",  "katerina", "jan",      "tereza",  "jakub",
                                   "marketa", "ondrej",   "veronika", "pavel",   "zuzana",
                                   "lukas",   "anna",     "michal",   "barbora", "david"};
struct Partner
{
    const char *org;
    const char *country;
    const char *tz;
    const char *lang;
};
const Partner kPartners[] = {
    {"Bundeskriminalamt", "AT", "Europe/Vienna", "de"},
    {"Police fédérale / Federale politie", "BE", "Europe/Brussels", "fr"},
    {"Bundeskriminalamt", "DE", "Europe/Berlin", "de"},
    {"Policja, Komenda Główna", "PL", "Europe/Warsaw", "pl"},
    {"Policajný zbor, Prezídium", "SK", "Europe/Bratislava", "sk"},
    {"Europol liaison bureau", "NL", "Europe/Amsterdam", "en"},
    {"Interpol General Secretariat", "FR", "Europe/Paris", "en"},
    {"Frontex", "PL", "Europe/Warsaw", "en"},
    {"Embassy of the Czech Republic", "AT", "Europe/Vienna", "cs"},
    {"Permanent Representation of the Czech Republic to the EU", "BE", "Europe/Brussels", "cs"},
};
const char *const kRoles[] = {
    "Liaison officer",  "Duty officer", "Desk officer",          "Analyst",
    "Escort commander", "Head of unit", "Deputy liaison officer"};
const char *const kTags[] = {"interpol",   "europol",    "sirene",   "frontex", "liaison",
                             "delegation", "cybercrime", "vehicles", "drugs",   "trafficking"};

FieldMap person(int i, qint64 verified)
{
    const int g = i % 20;
    const int s = (i * 7 + i / 20) % 20;
    const Partner &p = kPartners[(i * 3) % 10];
    const QString name =
        QString::fromUtf8(kGiven[g]) + QLatin1Char(' ') + QString::fromUtf8(kSurname[s]);
    const QString email = QString::fromLatin1(kGivenAscii[g]) + QLatin1Char('.') +
                          QString::fromLatin1(kAscii[s]) +
                          QStringLiteral("%1@liaison.example").arg(i);
    return {
        {QStringLiteral("name"), name},
        {QStringLiteral("organisation"), QString::fromUtf8(p.org)},
        {QStringLiteral("role"), QString::fromUtf8(kRoles[i % 7])},
        {QStringLiteral("country"), QString::fromLatin1(p.country)},
        {QStringLiteral("phones"),
         QCborArray{phone(QStringLiteral("CZ 24/7 permanent service"), k247, true)}},
        {QStringLiteral("emails"), QCborArray{email}},
        {QStringLiteral("languages"),
         QCborArray{QString::fromLatin1(p.lang), QStringLiteral("en")}},
        {QStringLiteral("timeZone"), QString::fromLatin1(p.tz)},
        {QStringLiteral("notes"), QStringLiteral("Fictional demo contact %1. Reach the Czech side "
                                                 "through the 24/7 permanent service.")
                                      .arg(i)},
        {QStringLiteral("tags"),
         QCborArray{QString::fromLatin1(kTags[i % 10]), QString::fromLatin1(kTags[(i / 10) % 10])}},
        {QStringLiteral("lastVerified"), verified - qint64(i % 90) * kDay},
    };
}

} // namespace

QStringList scopes()
{
    return {QString::fromLatin1(kScopeHq), QString::fromLatin1(kScopeVienna),
            QString::fromLatin1(kScopeBrussels), QString::fromLatin1(kScopeVisit)};
}

QList<FieldMap> directorateContacts(qint64 verified)
{
    QList<FieldMap> out;
    FieldMap secretariat = {
        {QStringLiteral("name"), QStringLiteral("International Police Cooperation Directorate")},
        {QStringLiteral("organisation"), kOrg},
        {QStringLiteral("role"), QStringLiteral("Secretariat")},
        {QStringLiteral("country"), QStringLiteral("CZ")},
        {QStringLiteral("phones"),
         QCborArray{phone(QStringLiteral("Secretariat"), QStringLiteral("+420 974 804 400"), false),
                    phone(QStringLiteral("Secretariat"), QStringLiteral("+420 974 804 401"), false),
                    phone(QStringLiteral("24/7 permanent service"), k247, true)}},
        {QStringLiteral("emails"), texts({"rmps@pcr.cz"})},
        {QStringLiteral("fax"), texts({"+420 974 834 723", "+420 974 834 716"})},
        {QStringLiteral("address"), kAddress},
        {QStringLiteral("languages"), texts({"cs", "en"})},
        {QStringLiteral("timeZone"), QStringLiteral("Europe/Prague")},
        {QStringLiteral("notes"), QStringLiteral("Office hours for the secretariat; outside them "
                                                 "call the 24/7 permanent service.")},
        {QStringLiteral("tags"), texts({"directorate", "secretariat"})},
        {QStringLiteral("lastVerified"), verified},
    };
    out.append(secretariat);
    FieldMap permanent =
        desk(QStringLiteral("24/7 Permanent Service"),
             QStringLiteral("Operations centre, around the clock"), QStringLiteral("24/7"),
             QStringLiteral("Cases and urgent requests: rmps.pripady@pcr.cz. "
                            "Fax around the clock."),
             verified);
    out.append(permanent);
    FieldMap publicDesk = {
        {QStringLiteral("name"), QStringLiteral("Police Presidium, public enquiries")},
        {QStringLiteral("organisation"), kOrg},
        {QStringLiteral("role"), QStringLiteral("Public contact")},
        {QStringLiteral("country"), QStringLiteral("CZ")},
        {QStringLiteral("emails"), texts({"pp.sekretpp@pcr.cz"})},
        {QStringLiteral("languages"), texts({"cs"})},
        {QStringLiteral("timeZone"), QStringLiteral("Europe/Prague")},
        {QStringLiteral("notes"), QStringLiteral("Public address: never for operational matters.")},
        {QStringLiteral("tags"), texts({"public"})},
        {QStringLiteral("lastVerified"), verified},
    };
    out.append(publicDesk);
    const struct
    {
        const char *name;
        const char *role;
        const char *tag;
    } channels[] = {
        {"Interpol NCB Prague", "National Central Bureau of Interpol", "interpol"},
        {"Europol National Unit", "Europol national unit and liaison bureau link", "europol"},
        {"SIRENE Bureau", "Schengen Information System supplementary information", "sirene"},
        {"Frontex National Contact Point", "Border and coast guard cooperation", "frontex"},
        {"Police Liaison Officers Desk", "Coordination of Czech police liaison officers abroad",
         "liaison"},
        {"Foreign Delegations Desk", "Visits, escorts and protection of foreign delegations",
         "delegation"},
    };
    for (const auto &c : channels) {
        out.append(desk(
            QString::fromUtf8(c.name), QString::fromUtf8(c.role), QString::fromUtf8(c.tag),
            QStringLiteral("Reached through the directorate's 24/7 permanent service."), verified));
    }
    return out;
}

QList<Operation> generateContacts(int count, const QString &scope, const crypto::Id16 &origin,
                                  qint64 startMs)
{
    QList<Operation> ops;
    ops.reserve(count);
    for (int i = 0; i < count; ++i) {
        Operation op;
        op.recordId = newRecordId();
        op.type = RecordType::Contact;
        op.scope = scope;
        op.fields = person(i, startMs);
        op.stamp = Hlc{quint64(startMs + i / 0x10000), quint16(i % 0x10000), origin};
        ops.append(std::move(op));
    }
    return ops;
}

Result<Counts> populate(RecordStore &hq, qint64 nowMs, int extraContacts)
{
    Counts counts;
    const QString hqScope = QString::fromLatin1(kScopeHq);
    const QString vienna = QString::fromLatin1(kScopeVienna);
    const QString brussels = QString::fromLatin1(kScopeBrussels);
    const QString visit = QString::fromLatin1(kScopeVisit);
    const auto add = [&](RecordType type, const QString &scope,
                         const FieldMap &fields) -> Result<RecordId> {
        auto op = hq.create(type, scope, fields);
        if (!op)
            return std::unexpected(op.error());
        return op->recordId;
    };

    QList<RecordId> directorate;
    for (const FieldMap &f : directorateContacts(nowMs)) {
        // The directorate's contact points are everyone's: one copy per post.
        for (const QString &scope : {hqScope, vienna, brussels, visit}) {
            auto id = add(RecordType::Contact, scope, f);
            if (!id)
                return std::unexpected(id.error());
            if (scope == vienna)
                directorate.append(*id);
            ++counts.contacts;
        }
    }
    const QString posts[] = {vienna, brussels, visit};
    QList<RecordId> people;
    for (int i = 0; i < 24 + extraContacts; ++i) {
        auto id = add(RecordType::Contact, posts[i % 3], person(i, nowMs));
        if (!id)
            return std::unexpected(id.error());
        if (i % 3 == 0)
            people.append(*id);
        ++counts.contacts;
    }

    struct Case
    {
        const char *ref;
        const char *channel;
        const char *title;
        const char *status;
        int priority;
        const char *countries;
        const char *summary;
    };
    const Case cases[] = {
        {"DEMO-2026-0142", "interpol", "Stolen vehicles moved through Vienna", "active", 2,
         "AT,CZ,SK",
         "Fictional demo case. Vehicles reported stolen in Brno are re-registered in Austria; "
         "Interpol notices requested through the NCB."},
        {"DEMO-2026-0177", "europol", "Online fraud ring, joint action day", "open", 3, "AT,CZ,DE",
         "Fictional demo case. Coordination of a joint action day through the Europol national "
         "unit; liaison officer in Vienna supports."},
        {"DEMO-2026-0203", "sirene", "Missing person alert follow-up", "pending", 1, "CZ,AT",
         "Fictional demo case. Supplementary information exchanged through the SIRENE bureau."},
        {"DEMO-2026-0219", "bilateral", "Escort handover at the border", "closed", 4, "CZ,AT",
         "Fictional demo case. Bilateral arrangement for an escort handover."},
    };
    for (const Case &c : cases) {
        QCborArray countries;
        for (const QString &cc : QString::fromLatin1(c.countries).split(QLatin1Char(',')))
            countries.append(cc);
        FieldMap f = {
            {QStringLiteral("reference"), QString::fromLatin1(c.ref)},
            {QStringLiteral("channel"), QString::fromLatin1(c.channel)},
            {QStringLiteral("title"), QString::fromUtf8(c.title)},
            {QStringLiteral("status"), QString::fromLatin1(c.status)},
            {QStringLiteral("priority"), c.priority},
            {QStringLiteral("summary"), QString::fromUtf8(c.summary)},
            {QStringLiteral("countries"), countries},
            {QStringLiteral("linkedContacts"),
             QCborArray{directorate.value(0).toByteArray(), people.value(0).toByteArray()}},
            {QStringLiteral("handlingCode"), QStringLiteral("H2")},
            {QStringLiteral("updated"), nowMs - 2 * kDay},
        };
        auto id = add(RecordType::CaseSummary, vienna, f);
        if (!id)
            return std::unexpected(id.error());
        ++counts.cases;
    }

    const struct
    {
        const char *scope;
        const char *title;
        const char *body;
        bool ack;
    } instructions[] = {
        {kScopeVisit, "Check in at every schedule item",
         "Tap check in on arrival at each venue of the visit. Positions are sent only when you "
         "tap.",
         true},
        {kScopeVisit, "Escort radio channel and fallback",
         "Use the agreed radio channel; if it fails, call the 24/7 permanent service.", true},
        {kScopeVienna, "Verify partner contacts monthly",
         "Confirm phone numbers and e-mail addresses of partner contacts and update 'last "
         "verified'.",
         false},
    };
    for (const auto &ins : instructions) {
        FieldMap f = {
            {QStringLiteral("title"), QString::fromUtf8(ins.title)},
            {QStringLiteral("body"), QString::fromUtf8(ins.body)},
            {QStringLiteral("issuedBy"), QStringLiteral("Foreign Delegations Desk")},
            {QStringLiteral("issuedAt"), nowMs - kDay},
            {QStringLiteral("validFrom"), nowMs - kDay},
            {QStringLiteral("validUntil"), nowMs + 30 * kDay},
            {QStringLiteral("priority"), 2},
            {QStringLiteral("requiresAck"), ins.ack},
            {QStringLiteral("version"), 1},
        };
        auto id = add(RecordType::Instruction, QString::fromLatin1(ins.scope), f);
        if (!id)
            return std::unexpected(id.error());
        ++counts.instructions;
    }

    // The Brussels visit, December 2026 (UTC times, shown in Europe/Brussels).
    const qint64 day1 = 1'796'198'400'000; // 2026-12-01 00:00 UTC
    const struct
    {
        qint64 start;
        qint64 minutes;
        const char *title;
        const char *venue;
        const char *address;
        qint64 lat;
        qint64 lon;
        const char *status;
    } items[] = {
        {day1 + 8 * kHour, 60, "Arrival and handover of the delegation", "Brussels Airport",
         "Leopoldlaan, 1930 Zaventem", 509'010'000, 44'856'000, "confirmed"},
        {day1 + 10 * kHour, 120, "Working meeting",
         "Permanent Representation of the Czech "
         "Republic to the EU",
         "Brussels", 508'400'000, 43'800'000, "confirmed"},
        {day1 + 14 * kHour, 90, "Site visit", "Berlaymont building",
         "Rue de la Loi 200, 1049 "
         "Brussels",
         508'433'000, 43'823'000, "changed"},
        {day1 + kDay + 9 * kHour, 60, "Departure", "Brussels Airport", "Leopoldlaan, 1930 Zaventem",
         509'010'000, 44'856'000, "confirmed"},
    };
    for (const auto &it : items) {
        FieldMap f = {
            {QStringLiteral("visit"), QStringLiteral("Delegation visit, Brussels, December 2026")},
            {QStringLiteral("title"), QString::fromUtf8(it.title)},
            {QStringLiteral("start"), it.start},
            {QStringLiteral("end"), it.start + it.minutes * 60'000},
            {QStringLiteral("timeZone"), QStringLiteral("Europe/Brussels")},
            {QStringLiteral("venue"), QString::fromUtf8(it.venue)},
            {QStringLiteral("address"), QString::fromUtf8(it.address)},
            {QStringLiteral("position"), QCborArray{it.lat, it.lon}},
            {QStringLiteral("participants"), texts({"Head of delegation", "Escort team (3)"})},
            {QStringLiteral("escortNotes"),
             QStringLiteral("Fictional demo item. Two vehicles; meet at the agreed door.")},
            {QStringLiteral("status"), QString::fromLatin1(it.status)},
        };
        auto id = add(RecordType::ScheduleItem, visit, f);
        if (!id)
            return std::unexpected(id.error());
        ++counts.schedule;
    }
    return counts;
}

} // namespace liaison::model::demo
