#include "directoraterecords.h"

#include <QCborArray>
#include <QDateTime>
#include <QTimeZone>

namespace liaison::test::directorate {

namespace {

constexpr qint64 kMinute = 60'000;
constexpr qint64 kHour = 60 * kMinute;
constexpr qint64 kDay = 24 * kHour;

const QString kDirectorate = QStringLiteral(
    "International Police Cooperation Directorate, Police Presidium of the Czech Republic");
const QString kAddress =
    QStringLiteral("Münzbergerových 2811/8\n155 00 Praha 5 – Stodůlky\nCzech Republic");
const QString kPresidiumAddress =
    QStringLiteral("Strojnická 935/27\n170 89 Praha 7\nCzech Republic");
constexpr char kFictional[] = "Demo data: a fictional entry, not a real contact.";

QCborArray texts(std::initializer_list<const char *> items)
{
    QCborArray a;
    for (const char *s : items)
        a.append(QString::fromUtf8(s));
    return a;
}

QCborArray position(double lat, double lon)
{
    return QCborArray{qint64(lat * 1e7), qint64(lon * 1e7)};
}

// Midnight of the day after `nowMs` in Prague, plus hours and minutes, as Unix ms.
qint64 pragueTime(qint64 nowMs, int dayOffset, int hour, int minute)
{
    const QTimeZone prague("Europe/Prague");
    const QDate day = QDateTime::fromMSecsSinceEpoch(nowMs, prague).date().addDays(dayOffset);
    return QDateTime(day, QTime(hour, minute), prague).toMSecsSinceEpoch();
}

class Seeder
{
public:
    Seeder(model::RecordStore &hq, qint64 now)
        : m_hq(hq)
        , m_now(now)
    {}

    Result<model::RecordId> add(model::RecordType type, const char *scope, model::FieldMap fields)
    {
        auto op = m_hq.create(type, QString::fromLatin1(scope), std::move(fields));
        if (!op)
            return std::unexpected(op.error());
        return op->recordId;
    }

    Result<model::RecordId> contact(const char *scope, const QString &name, const QString &org,
                                    const QString &role, const QString &country, QCborArray phones,
                                    QCborArray emails, QCborArray fax, const QString &address,
                                    QCborArray languages, const char *zone, const QString &notes,
                                    QCborArray tags, qint64 verifiedAgoMs)
    {
        model::FieldMap f;
        f.insert(QStringLiteral("name"), name);
        f.insert(QStringLiteral("organisation"), org);
        f.insert(QStringLiteral("role"), role);
        f.insert(QStringLiteral("country"), country);
        f.insert(QStringLiteral("phones"), phones);
        f.insert(QStringLiteral("emails"), emails);
        f.insert(QStringLiteral("fax"), fax);
        f.insert(QStringLiteral("address"), address);
        f.insert(QStringLiteral("languages"), languages);
        f.insert(QStringLiteral("timeZone"), QString::fromLatin1(zone));
        f.insert(QStringLiteral("notes"), notes);
        f.insert(QStringLiteral("tags"), tags);
        f.insert(QStringLiteral("lastVerified"), m_now - verifiedAgoMs);
        ++counts.contacts;
        return add(model::RecordType::Contact, scope, f);
    }

    Result<model::RecordId> caseSummary(const char *reference, const char *channel,
                                        const QString &title, const char *status, int priority,
                                        const QString &summary, QCborArray countries,
                                        QCborArray linked, const char *handling,
                                        qint64 updatedAgoMs)
    {
        model::FieldMap f;
        f.insert(QStringLiteral("reference"), QString::fromLatin1(reference));
        f.insert(QStringLiteral("channel"), QString::fromLatin1(channel));
        f.insert(QStringLiteral("title"), title);
        f.insert(QStringLiteral("status"), QString::fromLatin1(status));
        f.insert(QStringLiteral("priority"), priority);
        f.insert(QStringLiteral("summary"), summary);
        f.insert(QStringLiteral("countries"), countries);
        f.insert(QStringLiteral("linkedContacts"), linked);
        f.insert(QStringLiteral("handlingCode"), QString::fromLatin1(handling));
        f.insert(QStringLiteral("updated"), m_now - updatedAgoMs);
        ++counts.cases;
        return add(model::RecordType::CaseSummary, kPostScope, f);
    }

    Result<model::RecordId> instruction(const char *scope, const QString &title,
                                        const QString &body, const QString &issuedBy,
                                        qint64 issuedAgoMs, qint64 validFromMs, qint64 validUntilMs,
                                        int priority, bool requiresAck, int version)
    {
        model::FieldMap f;
        f.insert(QStringLiteral("title"), title);
        f.insert(QStringLiteral("body"), body);
        f.insert(QStringLiteral("issuedBy"), issuedBy);
        f.insert(QStringLiteral("issuedAt"), m_now - issuedAgoMs);
        f.insert(QStringLiteral("validFrom"), validFromMs);
        f.insert(QStringLiteral("validUntil"), validUntilMs);
        f.insert(QStringLiteral("priority"), priority);
        f.insert(QStringLiteral("requiresAck"), requiresAck);
        f.insert(QStringLiteral("version"), version);
        ++counts.instructions;
        return add(model::RecordType::Instruction, scope, f);
    }

    Result<model::RecordId> visitItem(const QString &title, qint64 start, qint64 end,
                                      const char *zone, const QString &venue,
                                      const QString &address, QCborArray pos,
                                      QCborArray participants, const QString &notes,
                                      const char *status)
    {
        model::FieldMap f;
        f.insert(QStringLiteral("visit"),
                 QStringLiteral("Visit of a partner police delegation to Prague (demo)"));
        f.insert(QStringLiteral("title"), title);
        f.insert(QStringLiteral("start"), start);
        f.insert(QStringLiteral("end"), end);
        f.insert(QStringLiteral("timeZone"), QString::fromLatin1(zone));
        f.insert(QStringLiteral("venue"), venue);
        f.insert(QStringLiteral("address"), address);
        f.insert(QStringLiteral("position"), pos);
        f.insert(QStringLiteral("participants"), participants);
        f.insert(QStringLiteral("escortNotes"), notes);
        f.insert(QStringLiteral("status"), QString::fromLatin1(status));
        ++counts.scheduleItems;
        return add(model::RecordType::ScheduleItem, kVisitScope, f);
    }

    SeedCounts counts;

private:
    model::RecordStore &m_hq;
    qint64 m_now;
};

#define LIAISON_TRY(var, ...)                                                                      \
    auto var = (__VA_ARGS__);                                                                      \
    if (!var)                                                                                      \
        return std::unexpected(var.error());
#define LIAISON_CHECK(...)                                                                         \
    if (auto r_ = (__VA_ARGS__); !r_)                                                              \
        return std::unexpected(r_.error());

} // namespace

QStringList scopes()
{
    return {QString::fromLatin1(kPostScope), QString::fromLatin1(kVisitScope)};
}

Result<SeedCounts> seedDirectorate(model::RecordStore &hq, qint64 now)
{
    Seeder s(hq, now);
    const auto cz = [] {
        return texts({"Czech", "English"});
    };

    // ---- the directorate's public contact points ----
    LIAISON_TRY(permanent,
                s.contact(kPostScope, QStringLiteral("Permanent service (24/7)"), kDirectorate,
                          QStringLiteral("Operational contact point: Interpol NCB, Europol "
                                         "national unit, SIRENE bureau"),
                          QStringLiteral("Czech Republic"),
                          QCborArray{model::phone(QStringLiteral("Permanent service"),
                                                  QStringLiteral("+420 974 834 210"), true)},
                          texts({"rmps@pcr.cz", "rmps.pripady@pcr.cz"}),
                          texts({"+420 974 834 716 (24/7)", "+420 974 834 723"}), kAddress, cz(),
                          "Europe/Prague",
                          QStringLiteral("E-mail addresses are for the police. Service fax "
                                         "974 834 716 is staffed 24/7."),
                          texts({"hq", "24/7", "interpol", "europol", "sirene"}), 3 * kDay));
    LIAISON_CHECK(s.contact(
        kPostScope, QStringLiteral("Secretariat of the Directorate"), kDirectorate,
        QStringLiteral("Secretariat"), QStringLiteral("Czech Republic"),
        QCborArray{
            model::phone(QStringLiteral("Secretariat"), QStringLiteral("+420 974 804 400"), false),
            model::phone(QStringLiteral("Secretariat"), QStringLiteral("+420 974 804 401"), false)},
        texts({"pp.sekretpp@pcr.cz"}), QCborArray(), kAddress, cz(), "Europe/Prague",
        QStringLiteral("pp.sekretpp@pcr.cz is the address for the public."),
        texts({"hq", "secretariat"}), 3 * kDay));
    LIAISON_CHECK(s.contact(
        kPostScope, QStringLiteral("Šárka Havránková"), kDirectorate,
        QStringLiteral("Head of the Directorate, Colonel"), QStringLiteral("Czech Republic"),
        QCborArray{model::phone(QStringLiteral("Through the secretariat"),
                                QStringLiteral("+420 974 804 400"), false)},
        texts({"pp.sekretpp@pcr.cz"}), QCborArray(), kAddress, cz(), "Europe/Prague",
        QStringLiteral("Reach through the secretariat. Elected Vice President "
                       "of Interpol for Europe in 2019."),
        texts({"hq", "leadership"}), 10 * kDay));
    for (const char *division :
         {"Operational Cooperation Division", "Strategic Cooperation Division",
          "International Relations Support Division"}) {
        LIAISON_CHECK(s.contact(
            kPostScope, QString::fromLatin1(division), kDirectorate,
            QStringLiteral("Division of the Directorate"), QStringLiteral("Czech Republic"),
            QCborArray{model::phone(QStringLiteral("Secretariat"),
                                    QStringLiteral("+420 974 804 400"), false),
                       model::phone(QStringLiteral("Permanent service"),
                                    QStringLiteral("+420 974 834 210"), true)},
            texts({"rmps@pcr.cz"}), QCborArray(), kAddress, cz(), "Europe/Prague",
            QStringLiteral("Out of office hours through the permanent "
                           "service."),
            texts({"hq"}), 14 * kDay));
    }

    // ---- fictional counterparts (marked as such) ----
    LIAISON_TRY(vienna,
                s.contact(kPostScope, QStringLiteral("Petra Novotná"),
                          QStringLiteral("Embassy of the Czech Republic in Vienna (demo)"),
                          QStringLiteral("Police liaison officer"), QStringLiteral("Austria"),
                          QCborArray{model::phone(QStringLiteral("Mobile"),
                                                  QStringLiteral("+43 000 000 0001"), true)},
                          texts({"liaison.vienna@example.org"}), QCborArray(),
                          QStringLiteral("Vienna, Austria"), texts({"Czech", "German", "English"}),
                          "Europe/Vienna", QString::fromLatin1(kFictional),
                          texts({"liaison", "austria"}), 1 * kDay));
    LIAISON_CHECK(s.contact(
        kPostScope, QStringLiteral("Martin Dvořák"),
        QStringLiteral("Czech liaison bureau at Europol (demo)"), QStringLiteral("Liaison officer"),
        QStringLiteral("Netherlands"),
        QCborArray{model::phone(QStringLiteral("Desk"), QStringLiteral("+31 00 000 0002"), false)},
        texts({"liaison.hague@example.org"}), QCborArray(),
        QStringLiteral("The Hague, Netherlands"), texts({"Czech", "English"}), "Europe/Amsterdam",
        QString::fromLatin1(kFictional), texts({"europol", "liaison"}), 20 * kDay));
    LIAISON_CHECK(s.contact(kPostScope, QStringLiteral("Duty officer, partner NCB (demo)"),
                            QStringLiteral("Interpol National Central Bureau (fictional)"),
                            QStringLiteral("24/7 duty desk"), QStringLiteral("United States"),
                            QCborArray{model::phone(QStringLiteral("Duty desk"),
                                                    QStringLiteral("+1 000 000 0003"), true)},
                            texts({"ncb.duty@example.org"}), QCborArray(), QString(),
                            texts({"English"}), "America/New_York", QString::fromLatin1(kFictional),
                            texts({"interpol"}), 40 * kDay));

    const auto ids = [](std::initializer_list<model::RecordId> list) {
        QCborArray a;
        for (const model::RecordId &id : list)
            a.append(id.toByteArray());
        return a;
    };

    // ---- case summaries (fictional) ----
    LIAISON_CHECK(s.caseSummary(
        "SIR-2026-0931", "sirene",
        QStringLiteral("Schengen hit: missing person alert, follow-up measures"), "pending", 5,
        QStringLiteral("Demo case. A hit on an alert for a missing minor was reported by a "
                       "partner SIRENE bureau. Confirm identity with the reporting bureau "
                       "and coordinate the protective measures with the permanent service. "
                       "Report back within 12 hours."),
        texts({"Czech Republic", "Austria"}), ids({*permanent}), "S-2", 2 * kHour));
    LIAISON_CHECK(s.caseSummary(
        "IP-2026-0412", "interpol",
        QStringLiteral("Red Notice follow-up: subject reported in Lower Austria"), "active", 4,
        QStringLiteral("Demo case. Information received through Interpol channels that the "
                       "subject of a Red Notice may be staying in Lower Austria. Liaise with "
                       "the local counterpart; all requests go through the NCB."),
        texts({"Czech Republic", "Austria"}), ids({*permanent, *vienna}), "H-1", 9 * kHour));
    LIAISON_CHECK(s.caseSummary(
        "EU-2026-1187", "europol",
        QStringLiteral("Cross-border vehicle theft network: joint analysis"), "open", 3,
        QStringLiteral("Demo case. Europol analysis project on organised vehicle theft along "
                       "the D1/A5 corridor. Exchange through the national unit only."),
        texts({"Czech Republic", "Austria", "Slovakia"}), ids({}), "", 2 * kDay));
    LIAISON_CHECK(s.caseSummary(
        "BI-AT-2026-077", "bilateral",
        QStringLiteral("Joint patrols at the Czech–Austrian border: planning"), "open", 2,
        QStringLiteral("Demo case. Planning of joint patrols for the next quarter "
                       "under the bilateral police cooperation agreement."),
        texts({"Czech Republic", "Austria"}), ids({*vienna}), "", 5 * kDay));
    LIAISON_CHECK(s.caseSummary(
        "IP-2026-0118", "interpol", QStringLiteral("Stolen travel documents check"), "closed", 1,
        QStringLiteral("Demo case. Checked against the Interpol database; no "
                       "further action."),
        texts({"Czech Republic"}), ids({}), "", 12 * kDay));

    // ---- instructions ----
    LIAISON_CHECK(s.instruction(
        kVisitScope, QStringLiteral("Reporting during the delegation visit"),
        QStringLiteral("During the visit, escorts report every change of programme to the "
                       "permanent service (+420 974 834 210) at once, and send a short "
                       "summary by the end of each day.\n\nDo not discuss operational cases "
                       "with the delegation outside the scheduled meetings. Keep this device "
                       "with you and locked when not in use."),
        QStringLiteral("Operational Cooperation Division"), 5 * kHour, now - 5 * kHour,
        pragueTime(now, 3, 18, 0), 4, true, 2));
    LIAISON_CHECK(s.instruction(
        kPostScope, QStringLiteral("SIRENE hits outside office hours"),
        QStringLiteral("Hits on Schengen alerts received outside office hours are handled "
                       "by the permanent service. Liaison officers forward every request "
                       "from partner authorities there without delay and do not take "
                       "follow-up measures on their own."),
        QStringLiteral("Head of the Directorate"), 2 * kDay, now - 2 * kDay, 0, 5, true, 1));
    LIAISON_CHECK(
        s.instruction(kPostScope, QStringLiteral("Monthly situation report"),
                      QStringLiteral("Send the monthly situation report of the post by the "
                                     "fifth working day of the month."),
                      QStringLiteral("Strategic Cooperation Division"), 6 * kDay, now - 6 * kDay, 0,
                      2, false, 1));
    LIAISON_CHECK(s.instruction(
        kPostScope, QStringLiteral("Travel restrictions during the ministerial meeting"),
        QStringLiteral("No official travel to the venue city during the meeting."),
        QStringLiteral("International Relations Support Division"), 9 * kDay, now - 9 * kDay,
        now - 2 * kDay, 3, true, 1));

    // ---- the delegation visit (fictional programme, real public venues) ----
    const QCborArray escorts = texts({"Delegation of a partner police service (4 persons)",
                                      "Escort: 2 officers of the Directorate"});
    LIAISON_CHECK(s.visitItem(
        QStringLiteral("Arrival and pick-up"), pragueTime(now, 1, 8, 30), pragueTime(now, 1, 9, 15),
        "Europe/Prague", QStringLiteral("Václav Havel Airport Prague, Terminal 1"),
        QStringLiteral("Aviatická, 161 00 Praha 6"), position(50.1008, 14.2600), escorts,
        QStringLiteral("Meet at the arrivals hall, exit B. Two cars."), "confirmed"));
    LIAISON_CHECK(s.visitItem(
        QStringLiteral("Welcome meeting with the Head of the Directorate"),
        pragueTime(now, 1, 10, 0), pragueTime(now, 1, 11, 30), "Europe/Prague",
        QStringLiteral("International Police Cooperation Directorate"),
        QStringLiteral("Münzbergerových 2811/8, 155 00 Praha 5 – Stodůlky"),
        position(50.0469, 14.3289), texts({"Col. Šárka Havránková", "Delegation (4 persons)"}),
        QStringLiteral("Visitor passes are ready at the reception."), "confirmed"));
    LIAISON_CHECK(s.visitItem(
        QStringLiteral("Working lunch"), pragueTime(now, 1, 12, 0), pragueTime(now, 1, 13, 30),
        "Europe/Prague", QStringLiteral("Restaurant near the Directorate (demo)"),
        QStringLiteral("Praha 5 – Stodůlky"), QCborArray(), escorts, QString(), "confirmed"));
    LIAISON_CHECK(s.visitItem(QStringLiteral("SIRENE bureau and permanent service"),
                              pragueTime(now, 1, 14, 0), pragueTime(now, 1, 16, 0), "Europe/Prague",
                              QStringLiteral("International Police Cooperation Directorate"),
                              QStringLiteral("Münzbergerových 2811/8, 155 00 Praha 5 – Stodůlky"),
                              position(50.0469, 14.3289), escorts,
                              QStringLiteral("No photographs in the operations room."),
                              "confirmed"));
    LIAISON_CHECK(s.visitItem(QStringLiteral("Video call with a partner NCB"),
                              pragueTime(now, 1, 16, 30), pragueTime(now, 1, 17, 0),
                              "America/New_York", QStringLiteral("Directorate, meeting room 2"),
                              QString(), QCborArray(),
                              texts({"Delegation head", "NCB duty officer"}),
                              QStringLiteral("Shown in the partner's time zone."), "confirmed"));
    LIAISON_CHECK(s.visitItem(QStringLiteral("Meeting at the Police Presidium"),
                              pragueTime(now, 2, 9, 0), pragueTime(now, 2, 11, 0), "Europe/Prague",
                              QStringLiteral("Police Presidium of the Czech Republic"),
                              kPresidiumAddress, position(50.1003, 14.4303), escorts, QString(),
                              "confirmed"));
    LIAISON_CHECK(
        s.visitItem(QStringLiteral("Visit to a regional directorate"), pragueTime(now, 2, 13, 0),
                    pragueTime(now, 2, 15, 0), "Europe/Prague",
                    QStringLiteral("Regional directorate (demo)"), QString(), QCborArray(), escorts,
                    QStringLiteral("Cancelled by the host; the afternoon is free."), "cancelled"));
    LIAISON_CHECK(s.visitItem(QStringLiteral("Departure"), pragueTime(now, 2, 17, 0),
                              pragueTime(now, 2, 17, 45), "Europe/Prague",
                              QStringLiteral("Václav Havel Airport Prague, Terminal 1"),
                              QStringLiteral("Aviatická, 161 00 Praha 6"),
                              position(50.1008, 14.2600), escorts, QString(), "confirmed"));
    return s.counts;
}

Status editAfterDelivery(model::RecordStore &hq, qint64 now)
{
    auto all = hq.records({QString::fromLatin1(kVisitScope)});
    if (!all)
        return std::unexpected(all.error());
    for (const model::RecordState &r : *all) {
        if (r.type != model::RecordType::ScheduleItem ||
            r.fields.value(QStringLiteral("title")).value.toString() !=
                QLatin1String("Working lunch"))
            continue;
        model::FieldMap changes;
        changes.insert(QStringLiteral("start"), pragueTime(now, 1, 12, 30));
        changes.insert(QStringLiteral("end"), pragueTime(now, 1, 13, 45));
        changes.insert(QStringLiteral("status"), QStringLiteral("changed"));
        changes.insert(QStringLiteral("escortNotes"),
                       QStringLiteral("Moved by 30 minutes at the host's request."));
        auto op = hq.update(r.id, changes);
        if (!op)
            return std::unexpected(op.error());
        return {};
    }
    return fail(Errc::NotFound, QStringLiteral("the working lunch is not in the HQ store"));
}

} // namespace liaison::test::directorate
