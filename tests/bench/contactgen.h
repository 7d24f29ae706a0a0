// Deterministic contacts for the benchmarks (bench_peers, bench_ui): Czech, Polish and Hungarian
// names, about 400 bytes as JSON each. Every run builds the same records.
#pragma once

#include "splitmix.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QString>

#include <iterator>

namespace liaison::bench {

inline const char *const kFirst[] = {
    "Jan",    "Petr",      "Tomáš",      "Jiří",      "Lucie",    "Kateřina", "Zuzana", "Markéta",
    "Piotr",  "Krzysztof", "Małgorzata", "Agnieszka", "Wojciech", "Łukasz",   "Zofia",  "Grzegorz",
    "László", "Zoltán",    "Gábor",      "Erzsébet",  "Zsófia",   "Katalin",  "Bence",  "Réka",
};
inline const char *const kLast[] = {
    "Novák", "Svoboda",  "Dvořák",     "Černý",  "Procházka", "Kučera",    "Veselý",    "Horák",
    "Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Zieliński", "Szymański", "Woźniak",
    "Nagy",  "Kovács",   "Tóth",       "Szabó",  "Horváth",   "Varga",     "Kiss",      "Molnár",
};
inline const char *const kOrgs[] = {
    "Policie České republiky, Úřad služby kriminální policie a vyšetřování",
    "Komenda Główna Policji, Biuro Międzynarodowej Współpracy Policji",
    "Országos Rendőr-főkapitányság, Nemzetközi Bűnügyi Együttműködési Központ",
    "Europol Liaison Bureau",
    "Interpol NCB",
    "SIRENE Bureau",
    "Frontex Liaison Office",
};
inline const char *const kRoles[] = {"Liaison officer", "Desk officer", "Duty officer",
                                     "Head of unit",    "Analyst",      "Investigator",
                                     "Attaché"};
inline const char *const kCountries[] = {"Czechia",  "Poland",  "Hungary",
                                         "Slovakia", "Austria", "Germany"};
inline const char *const kZones[] = {"Europe/Prague",     "Europe/Warsaw", "Europe/Budapest",
                                     "Europe/Bratislava", "Europe/Vienna", "Europe/Berlin"};
inline const char *const kLanguages[] = {"cs", "pl", "hu", "sk", "de", "de"};
inline const char *const kCities[] = {"Praha",      "Warszawa", "Budapest",
                                      "Bratislava", "Wien",     "Berlin"};
inline const char *const kStreets[] = {"Nádražní", "Marszałkowska", "Teréz körút",
                                       "Hlavná",   "Hauptstraße",   "Lindenstraße"};
inline const char *const kNotes[] = {
    "Reachable 24/7 through the duty desk; prefers calls before 18:00 local time.",
    "Handles extradition requests and EAW follow-up; answers on secure e-mail.",
    "Escort planning for official visits; coordinate with protocol first.",
    "Covers cybercrime and financial investigations, weekdays only.",
};

inline QString asciiFold(const QString &s)
{
    QString out = s.normalized(QString::NormalizationForm_KD);
    out.removeIf([](QChar c) { return c.category() == QChar::Mark_NonSpacing; });
    return out.replace(QChar(0x0142), QLatin1Char('l')).toLower(); // ł has no decomposition
}

inline QJsonObject makeContact(SplitMix &r, int i)
{
    const QString first = QString::fromUtf8(r.pick(kFirst));
    const QString last = QString::fromUtf8(r.pick(kLast));
    const int country = r.below(int(std::size(kCountries)));
    const QString number = QStringLiteral("+%1 %2 %3 %4")
                               .arg(420 + r.below(30))
                               .arg(100 + r.below(900))
                               .arg(100 + r.below(900))
                               .arg(100 + r.below(900));
    return QJsonObject{
        {QStringLiteral("id"), QStringLiteral("c%1").arg(i, 5, 10, QLatin1Char('0'))},
        {QStringLiteral("name"), first + QLatin1Char(' ') + last},
        {QStringLiteral("organisation"), QString::fromUtf8(r.pick(kOrgs))},
        {QStringLiteral("role"), QString::fromUtf8(r.pick(kRoles))},
        {QStringLiteral("country"), QString::fromUtf8(kCountries[country])},
        {QStringLiteral("phone"), number},
        {QStringLiteral("h24"), r.below(4) == 0},
        {QStringLiteral("email"),
         asciiFold(first) + QLatin1Char('.') + asciiFold(last) + QStringLiteral("@police.example")},
        {QStringLiteral("languages"),
         QJsonArray{QString::fromUtf8(kLanguages[country]), QStringLiteral("en")}},
        {QStringLiteral("address"), QStringLiteral("%1 %2, %3")
                                        .arg(QString::fromUtf8(kStreets[country]))
                                        .arg(1 + r.below(200))
                                        .arg(QString::fromUtf8(kCities[country]))},
        {QStringLiteral("timeZone"), QString::fromUtf8(kZones[country])},
        {QStringLiteral("notes"), QString::fromUtf8(r.pick(kNotes))},
    };
}

} // namespace liaison::bench
