// The app layer's models and controllers over a real vault and the directorate demo records,
// with injected clocks: QAbstractItemModelTester on every model, sort orders, search, roles that
// depend on time, acknowledgement of instructions, lockout countdown and auto-lock.

#include "appfixture.h"
#include "client/syncstatus.h"
#include "directoraterecords.h"
#include "geo.h"
#include "instructioncontroller.h"
#include "model/instructionhash.h"
#include "modelreplica.h"
#include "notifier.h"
#include "protocol/enrolment.h"
#include "qrframereader.h"

#include "testmain.h"

#include <QAbstractItemModelTester>
#include <QCollator>
#include <QFile>
#include <QLibraryInfo>
#include <QPainter>
#include <QProcess>
#include <QScopeGuard>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>

#include <ZXing/BitMatrix.h>
#include <ZXing/MultiFormatWriter.h>

#include <cstring>

using namespace liaison;
using namespace liaison::test;

namespace {
// A platform whose foreground and background the test sets (platform/lifecycle.h).
class ManualLifecycle final : public platform::Lifecycle
{
public:
    [[nodiscard]] bool isForeground() const override { return m_foreground; }
    void setForeground(bool foreground)
    {
        if (foreground == m_foreground)
            return;
        m_foreground = foreground;
        if (foreground)
            Q_EMIT cameToForeground();
        else
            Q_EMIT wentToBackground();
    }

private:
    bool m_foreground = true;
};
} // namespace

class TstModels : public QObject
{
    Q_OBJECT

private:
    static QStringList column(const QAbstractItemModel &m, int role)
    {
        QStringList out;
        for (int i = 0; i < m.rowCount(); ++i)
            out.append(m.index(i, 0).data(role).toString());
        return out;
    }
    static int rowWhere(const QAbstractItemModel &m, int role, const QString &value)
    {
        for (int i = 0; i < m.rowCount(); ++i) {
            if (m.index(i, 0).data(role).toString() == value)
                return i;
        }
        return -1;
    }
    std::unique_ptr<AppFixture> seeded()
    {
        auto f = std::make_unique<AppFixture>();
        if (!f->createVault() || !f->enrolAndSeed())
            return nullptr;
        return f;
    }

    // A role by the name QML uses (-1 when the model has none).
    static int roleNamed(const QAbstractItemModel &m, const char *name)
    {
        return m.roleNames().key(QByteArray(name), -1);
    }

    struct Visit
    {
        const char *title;
        const char *zone;  // the venue's
        const char *start; // ISO 8601 with offset
        const char *end;
    };
    // An enrolled app whose schedule holds exactly `visits` (delivered as HQ's RESYNC would).
    std::unique_ptr<AppFixture> withSchedule(std::initializer_list<Visit> visits)
    {
        auto f = seeded();
        if (!f)
            return nullptr;
        ModelReplica hq;
        if (!hq.open(f->tmp.path(), QStringLiteral("hq2"), idOf(0xf0), model::ReplicaRole::Hq))
            return nullptr;
        for (const Visit &v : visits) {
            model::FieldMap fields;
            fields.insert(QStringLiteral("title"), QString::fromLatin1(v.title));
            fields.insert(QStringLiteral("timeZone"), QString::fromLatin1(v.zone));
            fields.insert(QStringLiteral("status"), QStringLiteral("confirmed"));
            for (const auto &[key, iso] : {std::pair{"start", v.start}, std::pair{"end", v.end}}) {
                const QDateTime t = QDateTime::fromString(QString::fromLatin1(iso), Qt::ISODate);
                if (!t.isValid())
                    return nullptr;
                fields.insert(QString::fromLatin1(key), t.toMSecsSinceEpoch());
            }
            if (!hq.records->create(model::RecordType::ScheduleItem,
                                    QString::fromLatin1(directorate::kVisitScope), fields))
                return nullptr;
        }
        auto snapshot = hq.records->snapshot(directorate::scopes());
        if (!snapshot ||
            !f->app->session()->records().resetToSnapshot(directorate::scopes(), *snapshot))
            return nullptr;
        f->app->refreshAll();
        return f;
    }

    // (context, source) -> translation of a Qt Linguist file; "<unfinished>" for an
    // unfinished or empty one.
    static QMap<QPair<QString, QString>, QString> catalogue(const QString &path)
    {
        QMap<QPair<QString, QString>, QString> out;
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            return out;
        QXmlStreamReader xml(&file);
        QString context, source;
        while (!xml.atEnd()) {
            if (xml.readNext() != QXmlStreamReader::StartElement)
                continue;
            if (xml.name() == QLatin1String("name")) {
                context = xml.readElementText();
            } else if (xml.name() == QLatin1String("source")) {
                source = xml.readElementText();
            } else if (xml.name() == QLatin1String("translation")) {
                const bool unfinished =
                    xml.attributes().value(QLatin1String("type")) == QLatin1String("unfinished");
                const QString text = xml.readElementText();
                out.insert({context, source},
                           unfinished || text.isEmpty() ? QStringLiteral("<unfinished>") : text);
            }
        }
        return out;
    }

private Q_SLOTS:
    // The Czech catalogue in the tree holds every text of the sources (lupdate run afresh over
    // qml/, app/ and the two files of other layers whose texts the app shows finds nothing it
    // lacks) and has no unfinished entry.
    void czechCatalogueIsCompleteAndFinished()
    {
        const QString tree = QStringLiteral(LIAISON_SOURCE_DIR "/app/i18n/liaison_cs.ts");
        const auto inTree = catalogue(tree);
        QVERIFY2(inTree.size() > 250, qPrintable(QString::number(inTree.size())));
        QStringList unfinished;
        for (auto it = inTree.cbegin(); it != inTree.cend(); ++it) {
            if (it.value() == QLatin1String("<unfinished>"))
                unfinished << it.key().first + QStringLiteral(": ") + it.key().second;
        }
        QVERIFY2(unfinished.isEmpty(), qPrintable(unfinished.join(QLatin1Char('\n'))));

        QTemporaryDir tmp;
        const QString fresh = tmp.filePath(QStringLiteral("fresh_cs.ts"));
        QProcess lupdate;
        lupdate.setWorkingDirectory(QStringLiteral(LIAISON_SOURCE_DIR));
        lupdate.start(QLibraryInfo::path(QLibraryInfo::BinariesPath) + QStringLiteral("/lupdate"),
                      {QStringLiteral("-silent"), QStringLiteral("-locations"),
                       QStringLiteral("none"), QStringLiteral("qml"), QStringLiteral("app"),
                       QStringLiteral("platform/qtpositionsource.cpp"),
                       QStringLiteral("sync/vault/passphrase.cpp"), QStringLiteral("-ts"), fresh});
        QVERIFY2(lupdate.waitForFinished(120000), "lupdate (qt6-l10n-tools) did not run");
        QCOMPARE(lupdate.exitCode(), 0);
        QStringList missing;
        const auto sources = catalogue(fresh);
        for (auto it = sources.cbegin(); it != sources.cend(); ++it) {
            if (!inTree.contains(it.key()))
                missing << it.key().first + QStringLiteral(": ") + it.key().second;
        }
        QVERIFY2(sources.size() > 250, qPrintable(QString::number(sources.size())));
        QVERIFY2(missing.isEmpty(), qPrintable(missing.join(QLatin1Char('\n'))));
    }

    void modelsPassTheTesterAndEmptyWhenLocked()
    {
        auto f = seeded();
        QVERIFY(f);
        app::AppController &a = *f->app;
        QAbstractItemModelTester t1(a.contacts(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t2(a.cases(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t3(a.instructions(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
        QAbstractItemModelTester t4(a.schedule(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(a.contacts()->rowCount(), 9);
        QCOMPARE(a.cases()->rowCount(), 5);
        QCOMPARE(a.instructions()->rowCount(), 4);
        QCOMPARE(a.schedule()->rowCount(), 8);
        a.contacts()->setQuery(QStringLiteral("europol"));
        a.refreshAll();
        a.vault()->lock();
        QCOMPARE(a.contacts()->rowCount(), 0);
        QCOMPARE(a.cases()->rowCount(), 0);
        QCOMPARE(a.instructions()->rowCount(), 0);
        QCOMPARE(a.schedule()->rowCount(), 0);
        QVERIFY(!a.session());
        QVERIFY(f->unlock());
        QVERIFY(a.contacts()->rowCount() > 0);
    }

    void contactsSortedSearchedAndDescribed()
    {
        auto f = seeded();
        QVERIFY(f);
        app::ContactModel &m = *f->app->contacts();
        const QStringList names = column(m, app::ContactModel::NameRole);
        QStringList sorted = names;
        const QCollator byLanguageShown(app::displayLocale());
        std::sort(sorted.begin(), sorted.end(), byLanguageShown);
        QCOMPARE(names, sorted);

        const int row =
            rowWhere(m, app::ContactModel::NameRole, QStringLiteral("Permanent service (24/7)"));
        QVERIFY(row >= 0);
        const QModelIndex idx = m.index(row);
        QVERIFY(idx.data(app::ContactModel::Has24hRole).toBool());
        const QVariantList phones = idx.data(app::ContactModel::PhonesRole).toList();
        QCOMPARE(phones.size(), 1);
        QCOMPARE(phones[0].toMap().value(QStringLiteral("number")).toString(),
                 QStringLiteral("+420 974 834 210"));
        QVERIFY(phones[0].toMap().value(QStringLiteral("available24h")).toBool());
        QCOMPARE(
            idx.data(app::ContactModel::EmailsRole).toStringList(),
            (QStringList{QStringLiteral("rmps@pcr.cz"), QStringLiteral("rmps.pripady@pcr.cz")}));
        QCOMPARE(idx.data(app::ContactModel::FaxRole).toStringList().size(), 2);
        QVERIFY(idx.data(app::ContactModel::AddressRole)
                    .toString()
                    .contains(QStringLiteral("Münzbergerových 2811/8")));
        QCOMPARE(idx.data(app::ContactModel::TimeZoneRole).toString(),
                 QStringLiteral("Europe/Prague"));
        // 2026-09-21 14:13:20 UTC is 16:13 in Prague (CEST).
        QCOMPARE(idx.data(app::ContactModel::LocalTimeRole).toString(),
                 QStringLiteral("16:13 (Mon)"));
        QCOMPARE(idx.data(app::ContactModel::LastVerifiedTextRole).toString(),
                 QStringLiteral("verified 3 days ago"));
        f->advance(24 * 3600 * 1000);
        QCOMPARE(idx.data(app::ContactModel::LastVerifiedTextRole).toString(),
                 QStringLiteral("verified 4 days ago"));

        const int head =
            rowWhere(m, app::ContactModel::NameRole, QStringLiteral("Šárka Havránková"));
        QVERIFY(head >= 0);
        QCOMPARE(m.index(head).data(app::ContactModel::InitialsRole).toString(),
                 QStringLiteral("ŠH"));

        QSignalSpy count(&m, &app::ContactModel::countChanged);
        m.setQuery(QStringLiteral("havrankova")); // diacritics ignored
        QCOMPARE(column(m, app::ContactModel::NameRole),
                 QStringList{QStringLiteral("Šárka Havránková")});
        QVERIFY(count.count() >= 1);
        m.setQuery(QStringLiteral("sire")); // prefix of a tag
        QCOMPARE(column(m, app::ContactModel::NameRole),
                 QStringList{QStringLiteral("Permanent service (24/7)")});
        m.setQuery(QStringLiteral("no such contact"));
        QCOMPARE(m.rowCount(), 0);
        m.setQuery(QString());
        QCOMPARE(m.rowCount(), 9);
    }

    // Every contact a query matches is shown, in the list's order. The search used to stop at
    // the store's first 100 matches by id, so with more matches than that it showed an arbitrary
    // hundred, sorted by name, and the contact looked for could be missing.
    void contactSearchShowsEveryMatchInTheListsOrder()
    {
        auto f = seeded();
        QVERIFY(f);
        ModelReplica hq;
        QVERIFY(hq.open(f->tmp.path(), QStringLiteral("hq2"), idOf(0xf1), model::ReplicaRole::Hq));
        QStringList expected;
        for (int i = 149; i >= 0; --i) {
            const QString name = QStringLiteral("Nováková %1").arg(i, 3, 10, QLatin1Char('0'));
            expected.prepend(name);
            model::FieldMap fields;
            fields.insert(QStringLiteral("name"), name);
            fields.insert(QStringLiteral("organisation"), QStringLiteral("Policie ČR"));
            fields.insert(QStringLiteral("country"),
                          i % 2 ? QStringLiteral("Slovakia") : QStringLiteral("Czechia"));
            QVERIFY(hq.records->create(model::RecordType::Contact,
                                       QString::fromLatin1(directorate::kPostScope), fields));
        }
        auto snapshot = hq.records->snapshot(directorate::scopes());
        QVERIFY(snapshot);
        QVERIFY(f->app->session()->records().resetToSnapshot(directorate::scopes(), *snapshot));
        f->app->refreshAll();

        app::ContactModel &m = *f->app->contacts();
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(column(m, app::ContactModel::NameRole), expected);
        m.setQuery(QStringLiteral("novakova"));
        QCOMPARE(m.rowCount(), 150);
        QCOMPARE(column(m, app::ContactModel::NameRole), expected);
        m.setQuery(QStringLiteral("novakova 14"));
        QCOMPARE(column(m, app::ContactModel::NameRole), expected.mid(140, 10));
        const QString id = m.index(3).data(app::ContactModel::RecordIdRole).toString();
        QCOMPARE(m.indexOf(id), 3);

        // Grouped by country while searching: Czechia's even numbers, then Slovakia's odd ones.
        m.setGrouping(app::ContactModel::Grouping::ByCountry);
        QStringList byCountry;
        for (int i = 140; i < 150; i += 2)
            byCountry.append(expected[i]);
        for (int i = 141; i < 150; i += 2)
            byCountry.append(expected[i]);
        QCOMPARE(column(m, app::ContactModel::NameRole), byCountry);
        QCOMPARE(m.index(0).data(app::ContactModel::SectionRole).toString(),
                 QStringLiteral("Czechia"));
        QCOMPARE(m.index(9).data(app::ContactModel::SectionRole).toString(),
                 QStringLiteral("Slovakia"));
        QCOMPARE(m.indexOf(id), byCountry.indexOf(expected[143]));
        m.setGrouping(app::ContactModel::Grouping::ByName);
        m.setQuery(QString());
        QCOMPARE(m.rowCount(), 150);
    }

    // A keystroke keeps the rows the new answer starts with (and the list's delegates for them)
    // instead of resetting the model; a one-letter search, answered from the list's initials,
    // finds what the search index finds, role and tags included, also when a contact's name is
    // in a script only the index can fold.
    void contactSearchKeepsSharedRowsAndOneLetterAgreesWithTheIndex()
    {
        auto f = seeded();
        QVERIFY(f);
        ModelReplica hq;
        QVERIFY(hq.open(f->tmp.path(), QStringLiteral("hq3"), idOf(0xf2), model::ReplicaRole::Hq));
        const auto add = [&](const QString &name, const QString &org, const QString &role,
                             const QCborArray &tags) {
            model::FieldMap fields;
            fields.insert(QStringLiteral("name"), name);
            fields.insert(QStringLiteral("organisation"), org);
            fields.insert(QStringLiteral("role"), role);
            fields.insert(QStringLiteral("tags"), tags);
            return hq.records
                ->create(model::RecordType::Contact, QString::fromLatin1(directorate::kPostScope),
                         fields)
                .has_value();
        };
        for (int i = 0; i < 20; ++i)
            QVERIFY(add(QStringLiteral("Nováková %1").arg(i, 2, 10, QLatin1Char('0')),
                        QStringLiteral("Policie ČR"), QString(), {}));
        QVERIFY(add(QStringLiteral("Zeman"), QStringLiteral("NATO"),
                    QStringLiteral("Quartermaster"), {QStringLiteral("x-ray")}));
        QVERIFY(add(QStringLiteral("Łukasz Ćwik"), QStringLiteral("Straż Graniczna"),
                    QStringLiteral("Oficer"), {QStringLiteral("Schengen")}));
        auto snapshot = hq.records->snapshot(directorate::scopes());
        QVERIFY(snapshot);
        model::RecordStore &store = f->app->session()->records();
        QVERIFY(store.resetToSnapshot(directorate::scopes(), *snapshot));
        f->app->refreshAll();

        app::ContactModel &m = *f->app->contacts();
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const auto agree = [&](const QString &q) {
            m.setQuery(q);
            QStringList shown;
            for (const QString &text : column(m, app::ContactModel::RecordIdRole)) {
                const auto id = app::ContactModel::idFromText(text);
                shown.append(id ? QString::fromLatin1(id->toHex()) : text);
            }
            auto found = store.searchContacts(q, 100000);
            if (!found)
                return QStringLiteral("%1: %2").arg(q, found.error().message);
            QStringList expected;
            for (const model::RecordId &id : std::as_const(*found))
                expected.append(QString::fromLatin1(id.toHex()));
            if (QSet<QString>(shown.cbegin(), shown.cend()) !=
                QSet<QString>(expected.cbegin(), expected.cend()))
                return QStringLiteral("%1: %2 shown, %3 by the index")
                    .arg(q)
                    .arg(shown.size())
                    .arg(expected.size());
            return QString();
        };
        for (const QString &q :
             {QStringLiteral("q"), QStringLiteral("X"), QStringLiteral("z"), QStringLiteral("s"),
              QStringLiteral("c"), QStringLiteral("1"), QStringLiteral("ł"), QStringLiteral("n")})
            QVERIFY2(agree(q).isEmpty(), qPrintable(agree(q)));
        QCOMPARE(m.rowCount(), 21); // "n": the Novákovás and NATO

        // "n" to "nov": the twenty Novákovás stay where they are; only Zeman (NATO) goes.
        const QPersistentModelIndex first(m.index(0));
        const QString firstId = first.data(app::ContactModel::RecordIdRole).toString();
        QSignalSpy reset(&m, &QAbstractItemModel::modelAboutToBeReset);
        QSignalSpy removed(&m, &QAbstractItemModel::rowsRemoved);
        QSignalSpy inserted(&m, &QAbstractItemModel::rowsInserted);
        m.setQuery(QStringLiteral("nov"));
        QCOMPARE(m.rowCount(), 20);
        QCOMPARE(reset.count(), 0);
        QCOMPARE(inserted.count(), 0);
        QCOMPARE(removed.count(), 1);
        QCOMPARE(removed.first().at(1).toInt(), 20);
        QCOMPARE(removed.first().at(2).toInt(), 20);
        QVERIFY(first.isValid());
        QCOMPARE(first.row(), 0);
        QCOMPARE(first.data(app::ContactModel::RecordIdRole).toString(), firstId);
        m.setQuery(QStringLiteral("nová")); // the same answer: no signal at all
        QCOMPARE(reset.count() + removed.count() + inserted.count(), 1);
        m.setQuery(QStringLiteral("nováková 1")); // 10 to 19: the top changes
        QCOMPARE(m.rowCount(), 10);
        QCOMPARE(reset.count(), 0);
        QVERIFY(!first.isValid());
        m.setQuery(QString());
        QCOMPARE(m.rowCount(), 22);

        // A name in Cyrillic: its initials are the index's to fold, so every query asks it.
        QVERIFY(add(QStringLiteral("Жук"), QStringLiteral("Europol"), QString(), {}));
        snapshot = hq.records->snapshot(directorate::scopes());
        QVERIFY(snapshot);
        QVERIFY(store.resetToSnapshot(directorate::scopes(), *snapshot));
        f->app->refreshAll();
        for (const QString &q : {QStringLiteral("e"), QStringLiteral("z"), QStringLiteral("n")})
            QVERIFY2(agree(q).isEmpty(), qPrintable(agree(q)));
        m.setQuery(QString());
    }

    // The list sorts as the language shown does, not as the system's: in Czech "Ch" is a letter
    // of its own after "H".
    void contactsSortInTheLanguageShown()
    {
        auto f = seeded();
        QVERIFY(f);
        ModelReplica hq;
        QVERIFY(hq.open(f->tmp.path(), QStringLiteral("hq4"), idOf(0xf3), model::ReplicaRole::Hq));
        for (const QString &name : {QStringLiteral("Horák Petr"), QStringLiteral("Chalupa Jan"),
                                    QStringLiteral("Cibulka Eva"), QStringLiteral("Čapek Karel")}) {
            model::FieldMap fields;
            fields.insert(QStringLiteral("name"), name);
            QVERIFY(hq.records->create(model::RecordType::Contact,
                                       QString::fromLatin1(directorate::kPostScope), fields));
        }
        auto snapshot = hq.records->snapshot(directorate::scopes());
        QVERIFY(snapshot);
        QVERIFY(f->app->session()->records().resetToSnapshot(directorate::scopes(), *snapshot));
        f->app->setLanguage(QStringLiteral("en"));
        f->app->refreshAll();
        app::ContactModel &m = *f->app->contacts();
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(column(m, app::ContactModel::NameRole),
                 (QStringList{QStringLiteral("Čapek Karel"), QStringLiteral("Chalupa Jan"),
                              QStringLiteral("Cibulka Eva"), QStringLiteral("Horák Petr")}));
        f->app->setLanguage(QStringLiteral("cs"));
        QCOMPARE(column(m, app::ContactModel::NameRole),
                 (QStringList{QStringLiteral("Cibulka Eva"), QStringLiteral("Čapek Karel"),
                              QStringLiteral("Horák Petr"), QStringLiteral("Chalupa Jan")}));
        f->app->setLanguage(QStringLiteral("en"));
    }

    void contactsGroupedWithCallNumberAndTimeDifference()
    {
        auto f = seeded();
        QVERIFY(f);
        app::ContactModel &m = *f->app->contacts();
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const auto sectionsSortedAndContiguous = [&] {
            const QStringList sections = column(m, app::ContactModel::SectionRole);
            for (qsizetype i = 1; i < sections.size(); ++i) {
                if (QString::localeAwareCompare(sections[i - 1], sections[i]) > 0)
                    return false;
            }
            return true;
        };
        m.setGrouping(app::ContactModel::Grouping::ByCountry);
        QCOMPARE(m.rowCount(), 9);
        QVERIFY(sectionsSortedAndContiguous());
        QStringList countries = column(m, app::ContactModel::SectionRole);
        countries.removeDuplicates();
        QCOMPARE(countries,
                 (QStringList{QStringLiteral("Austria"), QStringLiteral("Czech Republic"),
                              QStringLiteral("Netherlands"), QStringLiteral("United States")}));
        // Within a group, by name.
        const int vienna =
            rowWhere(m, app::ContactModel::NameRole, QStringLiteral("Petra Novotná"));
        QCOMPARE(vienna, 0);
        m.setGrouping(app::ContactModel::Grouping::ByOrganisation);
        QVERIFY(sectionsSortedAndContiguous());
        QCOMPARE(m.index(rowWhere(m, app::ContactModel::NameRole,
                                  QStringLiteral("Permanent service (24/7)")))
                     .data(app::ContactModel::SectionRole)
                     .toString(),
                 QStringLiteral("International Police Cooperation Directorate, Police Presidium "
                                "of the Czech Republic"));
        m.setGrouping(app::ContactModel::Grouping::ByName);
        QCOMPARE(m.index(0).data(app::ContactModel::SectionRole).toString().size(), 1);

        // The row's call button: the 24/7 line, else the first number.
        const auto callNumber = [&](const char *name) {
            return m.index(rowWhere(m, app::ContactModel::NameRole, QString::fromUtf8(name)))
                .data(app::ContactModel::CallNumberRole)
                .toString();
        };
        QCOMPARE(callNumber("Permanent service (24/7)"), QStringLiteral("+420 974 834 210"));
        QCOMPARE(callNumber("Operational Cooperation Division"),
                 QStringLiteral("+420 974 834 210"));
        QCOMPARE(callNumber("Šárka Havránková"), QStringLiteral("+420 974 804 400"));

        // Local time and the difference to the officer's zone (injected), across DST changes.
        const auto difference = [&](const char *name) {
            return m.index(rowWhere(m, app::ContactModel::NameRole, QString::fromUtf8(name)))
                .data(app::ContactModel::TimeDifferenceRole)
                .toString();
        };
        m.setLocalZone(QTimeZone("Europe/Prague"));
        QCOMPARE(difference("Permanent service (24/7)"), QStringLiteral("same time as you"));
        // 2026-09-21: New York on EDT (UTC-4), Prague on CEST (UTC+2).
        QCOMPARE(difference("Duty officer, partner NCB (demo)"), QStringLiteral("6 h behind you"));
        m.setLocalZone(QTimeZone("Asia/Kolkata"));
        QCOMPARE(difference("Permanent service (24/7)"), QStringLiteral("3 h 30 min behind you"));
        m.setLocalZone(QTimeZone("America/New_York"));
        QCOMPARE(difference("Petra Novotná"), QStringLiteral("6 h ahead of you"));
        // 2026-10-26: Europe is back on winter time (25 Oct), New York not yet (1 Nov).
        f->advance(35LL * 24 * 3600 * 1000);
        QCOMPARE(difference("Petra Novotná"), QStringLiteral("5 h ahead of you"));
        const QString localTime =
            m.index(rowWhere(m, app::ContactModel::NameRole, QStringLiteral("Petra Novotná")))
                .data(app::ContactModel::LocalTimeRole)
                .toString();
        // 2026-10-26 14:13 UTC is 15:13 in Vienna (CET).
        QCOMPARE(localTime, QStringLiteral("15:13 (Mon)"));
        m.setLocalZone(QTimeZone("Europe/Prague"));
        QCOMPARE(difference("Duty officer, partner NCB (demo)"), QStringLiteral("5 h behind you"));
    }

    void externalActionsBuildTheUrlsAndHandThemOver()
    {
        using app::ExternalActions;
        QCOMPARE(ExternalActions::telUrl(QStringLiteral("+420 974 834 210")),
                 QUrl(QStringLiteral("tel:+420974834210")));
        QCOMPARE(ExternalActions::telUrl(QStringLiteral("(0)31 00-000.0002")),
                 QUrl(QStringLiteral("tel:031000000002")));
        QVERIFY(ExternalActions::telUrl(QStringLiteral("no number")).isEmpty());
        QVERIFY(ExternalActions::telUrl(QStringLiteral("+")).isEmpty());
        QCOMPARE(ExternalActions::smsUrl(QStringLiteral("+43 000 000 0001")),
                 QUrl(QStringLiteral("sms:+430000000001")));
        QCOMPARE(ExternalActions::mailUrl(QStringLiteral(" rmps@pcr.cz ")).toString(),
                 QStringLiteral("mailto:rmps@pcr.cz"));
        QVERIFY(ExternalActions::mailUrl(QStringLiteral("rmps@pcr.cz?subject=x")).isEmpty());
        QVERIFY(ExternalActions::mailUrl(QStringLiteral("@pcr.cz")).isEmpty());
        QCOMPARE(ExternalActions::mapUrl(50.8467, 4.3525, QStringLiteral("Rue de la Loi 200"))
                     .toString(QUrl::FullyEncoded),
                 QStringLiteral(
                     "geo:50.846700,4.352500?q=50.846700,4.352500(Rue%20de%20la%20Loi%20200)"));
        QVERIFY(ExternalActions::mapUrl(91, 0, QString()).isEmpty());

        AppFixture f;
        app::ExternalActions &actions = *f.app->actions();
        QSignalSpy handed(&actions, &app::ExternalActions::handedOver);
        QVERIFY(actions.call(QStringLiteral("+420 974 834 210")));
        QVERIFY(actions.sendSms(QStringLiteral("+420 974 834 210")));
        QVERIFY(actions.sendEmail(QStringLiteral("rmps@pcr.cz")));
        QVERIFY(!actions.call(QStringLiteral("ask the desk"))); // nothing opened
        QCOMPARE(f.openedUrls, (QList<QUrl>{QUrl(QStringLiteral("tel:+420974834210")),
                                            QUrl(QStringLiteral("sms:+420974834210")),
                                            QUrl(QStringLiteral("mailto:rmps@pcr.cz"))}));
        QCOMPARE(handed.count(), 3);
        QCOMPARE(handed.at(0).at(0).toString(), QStringLiteral("tel"));
    }

    void distanceAndBearingToAVenue()
    {
        // One degree of longitude on the equator: 2 pi R / 360.
        QVERIFY(qAbs(app::distanceMetres(0, 0, 0, 1) - 111'195.08) < 1);
        QCOMPARE(app::bearingDegrees(0, 0, 0, 1), 90.0);
        QCOMPARE(app::bearingDegrees(0, 0, 1, 0), 0.0);
        QCOMPARE(app::bearingDegrees(0, 0, -1, 0), 180.0);
        QVERIFY(qAbs(app::bearingDegrees(0, 0, 0, -1) - 270.0) < 1e-9);
        // Berlaymont to the Prague directorate: 708.9 km, initial bearing 93.3° (the same
        // haversine and atan2 formulas evaluated in Python for these inputs).
        const double d = app::distanceMetres(50.8431, 4.3827, 50.0454, 14.3233);
        QVERIFY2(qAbs(d - 708'930.85) < 1, qPrintable(QString::number(d)));
        const double b = app::bearingDegrees(50.8431, 4.3827, 50.0454, 14.3233);
        QVERIFY2(qAbs(b - 93.328) < 0.01, qPrintable(QString::number(b)));
        QCOMPARE(app::compassPoint(b), QStringLiteral("E"));
        QCOMPARE(app::compassPoint(359), QStringLiteral("N"));
        QCOMPARE(app::compassPoint(225), QStringLiteral("SW"));
        QCOMPARE(app::formatDistance(849.6), QStringLiteral("850 m"));
        QCOMPARE(app::formatDistance(1234), QStringLiteral("1.2 km"));
        QCOMPARE(app::formatDistance(d), QStringLiteral("709 km"));
    }

    void reportsAndCheckInsQueuedThroughTheCore()
    {
        auto f = seeded();
        QVERIFY(f);
        app::AppController &a = *f->app;
        QAbstractItemModelTester tester(a.reports(),
                                        QAbstractItemModelTester::FailureReportingMode::QtTest);
        app::ReportController &r = *a.reportActions();
        // No position source: a report without position is fine, with one is refused.
        QVERIFY(!r.hasFix());
        QVERIFY(!r.sendReport(QStringLiteral("with position"), true, QString()));
        QVERIFY(!r.error().isEmpty());
        QVERIFY(!r.sendReport(QStringLiteral("   "), false, QString()));
        const QString caseId = a.cases()->index(0).data(app::CaseModel::RecordIdRole).toString();
        QVERIFY(r.sendReport(QStringLiteral("Met the liaison officer\nAll fine"), false, caseId));
        const QString itemId =
            a.schedule()->index(0).data(app::ScheduleModel::RecordIdRole).toString();
        f->advance(60'000);
        QVERIFY(r.checkIn(itemId));
        QVERIFY(r.lastCheckInText().contains(QStringLiteral("without a position")));
        QVERIFY(!r.checkIn(caseId)); // not a visit item
        a.refreshAll();
        QCOMPARE(a.reports()->rowCount(), 2);
        // Newest first: the check-in, in the item's scope, then the report.
        const QModelIndex first = a.reports()->index(0);
        QCOMPARE(first.data(app::ReportModel::KindRole).toString(), QStringLiteral("checkin"));
        QVERIFY(first.data(app::ReportModel::TitleRole)
                    .toString()
                    .startsWith(QStringLiteral("Check-in: ")));
        const QModelIndex second = a.reports()->index(1);
        QCOMPARE(second.data(app::ReportModel::TitleRole).toString(),
                 QStringLiteral("Met the liaison officer"));
        QCOMPARE(second.data(app::ReportModel::RelatedTitleRole).toString(),
                 a.cases()->index(0).data(app::CaseModel::TitleRole).toString());
        QCOMPARE(second.data(app::ReportModel::SentRole).toBool(), false);
        QCOMPARE(a.reports()->waitingCount(), 2);
        auto outbox = a.session()->records().pendingOutbox();
        QVERIFY(outbox);
        int reports = 0, checkIns = 0;
        for (const model::OutboxEntry &e : *outbox) {
            reports += e.op.type == model::RecordType::FieldReport;
            checkIns += e.op.type == model::RecordType::CheckIn;
            if (e.op.type == model::RecordType::CheckIn)
                QVERIFY(!e.op.fields.contains(QStringLiteral("position")));
        }
        QCOMPARE(reports, 1);
        QCOMPARE(checkIns, 1);
        // Locked: nothing shown.
        a.vault()->lock();
        QCOMPARE(a.reports()->rowCount(), 0);
    }

    void casesOpenFirstByPriority()
    {
        auto f = seeded();
        QVERIFY(f);
        app::CaseModel &m = *f->app->cases();
        QCOMPARE(column(m, app::CaseModel::ReferenceRole),
                 (QStringList{QStringLiteral("SIR-2026-0931"), QStringLiteral("IP-2026-0412"),
                              QStringLiteral("EU-2026-1187"), QStringLiteral("BI-AT-2026-077"),
                              QStringLiteral("IP-2026-0118")}));
        QCOMPARE(m.index(0).data(app::CaseModel::ChannelLabelRole).toString(),
                 QStringLiteral("SIRENE"));
        QCOMPARE(m.index(0).data(app::CaseModel::PriorityLabelRole).toString(),
                 QStringLiteral("Urgent"));
        QCOMPARE(m.index(1).data(app::CaseModel::LinkedContactsRole).toStringList(),
                 (QStringList{QStringLiteral("Permanent service (24/7)"),
                              QStringLiteral("Petra Novotná")}));
        QCOMPARE(m.index(4).data(app::CaseModel::StatusLabelRole).toString(),
                 QStringLiteral("Closed"));
    }

    void instructionsAwaitingFirstAndAcknowledged()
    {
        auto f = seeded();
        QVERIFY(f);
        app::InstructionModel &m = *f->app->instructions();
        QCOMPARE(m.awaitingCount(), 2);
        QVERIFY(m.index(0).data(app::InstructionModel::AwaitingRole).toBool());
        QVERIFY(m.index(1).data(app::InstructionModel::AwaitingRole).toBool());
        QCOMPARE(m.index(0).data(app::InstructionModel::TitleRole).toString(),
                 QStringLiteral("SIRENE hits outside office hours")); // priority 5 first
        QVERIFY(m.index(3).data(app::InstructionModel::ExpiredRole).toBool());
        QVERIFY(!m.index(3).data(app::InstructionModel::AwaitingRole).toBool());

        const QString id = m.index(0).data(app::InstructionModel::RecordIdRole).toString();
        QSignalSpy awaiting(&m, &app::InstructionModel::awaitingCountChanged);
        QVERIFY(f->app->instructionActions()->acknowledge(id));
        QTRY_COMPARE(m.awaitingCount(), 1);
        const int row = m.indexOf(id);
        QVERIFY(row >= 0);
        QVERIFY(m.index(row).data(app::InstructionModel::AcknowledgedRole).toBool());
        QCOMPARE(m.index(row).data(app::InstructionModel::AcknowledgedTextRole).toString(),
                 QStringLiteral("acknowledged just now"));
        // The acknowledgement waits in the change log for HQ.
        auto pending = f->app->session()->records().pendingOutbox();
        QVERIFY(pending);
        QCOMPARE(pending->size(), 1);
        QCOMPARE(pending->first().op.type, model::RecordType::Acknowledgement);
        QCOMPARE(pending->first().op.author(), f->app->session()->self());
        // Twice: nothing new.
        QVERIFY(f->app->instructionActions()->acknowledge(id));
        QCOMPARE(f->app->session()->records().pendingOutbox()->size(), 1);
        f->app->sync()->refresh();
        QVERIFY(f->app->sync()->pending() >= 1);

        // HQ changes the text: the old acknowledgement no longer counts.
        auto state = f->app->session()->records().record(
            *model::RecordId::fromHex(QString(id).remove(QLatin1Char('-')).toLatin1()));
        QVERIFY(state && *state);
        model::Operation op;
        op.recordId = (*state)->id;
        op.type = model::RecordType::Instruction;
        op.scope = (*state)->scope;
        op.fields.insert(QStringLiteral("body"), QStringLiteral("Changed text."));
        op.stamp.ms48 = quint64(f->clock.wallMs() + 1000);
        op.stamp.origin = idOf(0xf0); // HQ
        QVERIFY(op.validate());
        QVERIFY(f->app->session()->records().applyRemote(op));
        f->app->refreshAll();
        QCOMPARE(m.awaitingCount(), 2);
        QVERIFY(!f->app->instructionActions()->acknowledge(QStringLiteral("not-an-id")));
        QVERIFY(!f->app->instructionActions()->error().isEmpty());
    }

    void contentHashCoversEveryField()
    {
        model::RecordState r;
        r.id = idOf(7);
        r.type = model::RecordType::Instruction;
        const crypto::Hash32 empty = model::instructionContentHash(r);
        r.fields.insert(QStringLiteral("body"),
                        model::FieldState{QCborValue(QStringLiteral("a")), {}});
        const crypto::Hash32 withBody = model::instructionContentHash(r);
        QVERIFY(empty != withBody);
        r.fields.insert(QStringLiteral("version"), model::FieldState{QCborValue(2), {}});
        QVERIFY(model::instructionContentHash(r) != withBody);
        model::RecordState other = r;
        other.id = idOf(8);
        QVERIFY(model::instructionContentHash(other) != model::instructionContentHash(r));
    }

    void scheduleInVenueTimeWithNextItem()
    {
        auto f = seeded();
        QVERIFY(f);
        app::ScheduleModel &m = *f->app->schedule();
        QCOMPARE(m.index(0).data(app::ScheduleModel::TitleRole).toString(),
                 QStringLiteral("Arrival and pick-up"));
        QCOMPARE(m.index(0).data(app::ScheduleModel::TimeTextRole).toString(),
                 QStringLiteral("08:30 – 09:15 CEST"));
        QVERIFY(m.index(0).data(app::ScheduleModel::NextRole).toBool());
        QVERIFY(!m.index(0).data(app::ScheduleModel::PastRole).toBool());
        QCOMPARE(m.index(0).data(app::ScheduleModel::DayTextRole).toString(),
                 QStringLiteral("Tuesday, 22 September 2026"));
        const int call = rowWhere(m, app::ScheduleModel::TitleRole,
                                  QStringLiteral("Video call with a partner NCB"));
        QVERIFY(call >= 0);
        // 16:30 in Prague is 10:30 in New York.
        QCOMPARE(m.index(call).data(app::ScheduleModel::TimeTextRole).toString(),
                 QStringLiteral("10:30 – 11:00 EDT"));
        const int cancelled =
            rowWhere(m, app::ScheduleModel::StatusRole, QStringLiteral("cancelled"));
        QVERIFY(cancelled >= 0);
        QCOMPARE(m.index(cancelled).data(app::ScheduleModel::StatusLabelRole).toString(),
                 QStringLiteral("Cancelled"));
        QVERIFY(m.index(0).data(app::ScheduleModel::HasPositionRole).toBool());
        QVERIFY(qAbs(m.index(0).data(app::ScheduleModel::LatitudeRole).toDouble() - 50.1008) <
                1e-6);

        // A day and a half later the first day is over: the next item is on day 2.
        f->advance(qint64(36) * 3600 * 1000);
        f->app->refreshAll();
        QVERIFY(m.index(0).data(app::ScheduleModel::PastRole).toBool());
        int next = -1;
        for (int i = 0; i < m.rowCount(); ++i) {
            if (m.index(i).data(app::ScheduleModel::NextRole).toBool())
                next = i;
        }
        QCOMPARE(m.index(next).data(app::ScheduleModel::TitleRole).toString(),
                 QStringLiteral("Meeting at the Police Presidium"));
    }

    // Dates in Czech as a Czech reader writes them: "sobota 5. prosince 2026" (the day's number
    // is an ordinal, with a full stop) and "so 5. 12. 14:30", not "sobota 5 prosince 2026" and
    // "so 5 pro, 14:30" (the English patterns with Czech names).
    void czechDatesFollowCzechConventions()
    {
        auto f = seeded();
        QVERIFY(f);
        const auto restore = qScopeGuard(
            [] { app::setDisplayLocale(QLocale(QLocale::English, QLocale::UnitedKingdom)); });
        app::setDisplayLocale(QLocale(QLocale::Czech));
        QCOMPARE(f->app->schedule()->index(0).data(app::ScheduleModel::DayTextRole).toString(),
                 QStringLiteral("úterý 22. září 2026"));
        const QDateTime at(QDate(2026, 12, 5), QTime(14, 30), QTimeZone::utc());
        const qint64 sameYear =
            QDateTime(QDate(2026, 12, 6), QTime(9, 0), QTimeZone::utc()).toMSecsSinceEpoch();
        const qint64 nextYear =
            QDateTime(QDate(2027, 1, 6), QTime(9, 0), QTimeZone::utc()).toMSecsSinceEpoch();
        QCOMPARE(app::formatDateTime(at, sameYear), QStringLiteral("so 5. 12. 14:30"));
        QCOMPARE(app::formatDateTime(at, nextYear), QStringLiteral("so 5. 12. 2026 14:30"));
        // English keeps its own patterns.
        app::setDisplayLocale(QLocale(QLocale::English, QLocale::UnitedKingdom));
        QCOMPARE(app::formatDateTime(at, sameYear), QStringLiteral("Sat 5 Dec, 14:30"));
        QCOMPARE(app::formatDateTime(at, nextYear), QStringLiteral("Sat 5 Dec 2026, 14:30"));
    }

    // Issue 11 "Schedule": each time in the venue's zone and, where the clocks differ, in the
    // officer's home zone (Europe/Prague unless chosen; injected here through the setting), right
    // on both sides of the 2026 changes: Europe leaves summer time on 25 October, New York on
    // 1 November.
    void scheduleInVenueAndHomeTimeAcrossDaylightSavingChanges()
    {
        auto f = withSchedule({
            {"Prague, before", "Europe/Prague", "2026-10-24T10:00:00+02:00",
             "2026-10-24T11:00:00+02:00"},
            {"Prague, across the night of the change", "Europe/Prague", "2026-10-25T01:30:00+02:00",
             "2026-10-25T02:30:00+01:00"},
            {"New York, both on summer time", "America/New_York", "2026-10-24T10:00:00-04:00",
             "2026-10-24T11:00:00-04:00"},
            {"New York, only Europe changed", "America/New_York", "2026-10-26T10:00:00-04:00",
             "2026-10-26T11:00:00-04:00"},
            {"New York, both on winter time", "America/New_York", "2026-11-02T10:00:00-05:00",
             "2026-11-02T11:00:00-05:00"},
            {"Tokyo, across Prague's change", "Asia/Tokyo", "2026-10-25T09:00:00+09:00",
             "2026-10-25T12:00:00+09:00"},
        });
        QVERIFY(f);
        app::ScheduleModel &m = *f->app->schedule();
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(m.rowCount(), 6);
        const int home = roleNamed(m, "homeTimeText");
        const auto at = [&](const char *title, int role) {
            return m.index(rowWhere(m, app::ScheduleModel::TitleRole, QString::fromLatin1(title)))
                .data(role)
                .toString();
        };
        const auto venue = [&](const char *title) {
            return at(title, app::ScheduleModel::TimeTextRole);
        };
        // In the venue's zone, each end with its own abbreviation.
        QCOMPARE(venue("Prague, before"), QStringLiteral("10:00 – 11:00 CEST"));
        QCOMPARE(venue("Prague, across the night of the change"),
                 QStringLiteral("01:30 CEST – 02:30 CET"));
        QCOMPARE(venue("New York, both on summer time"), QStringLiteral("10:00 – 11:00 EDT"));
        QCOMPARE(venue("New York, only Europe changed"), QStringLiteral("10:00 – 11:00 EDT"));
        QCOMPARE(venue("New York, both on winter time"), QStringLiteral("10:00 – 11:00 EST"));
        QCOMPARE(venue("Tokyo, across Prague's change"), QStringLiteral("09:00 – 12:00 JST"));

        // Home time: Prague by default; nothing where the clocks agree.
        QCOMPARE(f->app->property("homeTimeZone").toString(), QStringLiteral("Europe/Prague"));
        QCOMPARE(at("Prague, before", home), QString());
        QCOMPARE(at("Prague, across the night of the change", home), QString());
        QCOMPARE(at("New York, both on summer time", home),
                 QStringLiteral("Home time: 16:00 – 17:00 CEST"));
        QCOMPARE(at("New York, only Europe changed", home),
                 QStringLiteral("Home time: 15:00 – 16:00 CET"));
        QCOMPARE(at("New York, both on winter time", home),
                 QStringLiteral("Home time: 16:00 – 17:00 CET"));
        QCOMPARE(at("Tokyo, across Prague's change", home),
                 QStringLiteral("Home time: 02:00 CEST – 04:00 CET"));

        // The officer's setting: kept across a restart, and an unknown zone changes nothing.
        QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
        QVERIFY(f->app->setProperty("homeTimeZone", QStringLiteral("America/New_York")));
        QCOMPARE(changed.size(), 1);
        QCOMPARE(at("New York, only Europe changed", home), QString());
        QCOMPARE(at("Prague, before", home), QStringLiteral("Home time: 04:00 – 05:00 EDT"));
        QCOMPARE(at("Prague, across the night of the change", home),
                 QStringLiteral("Home time: 19:30 – 21:30 EDT"));
        f->app->setProperty("homeTimeZone", QStringLiteral("Mars/Olympus_Mons"));
        QCOMPARE(f->app->property("homeTimeZone").toString(), QStringLiteral("America/New_York"));
        app::AppServices services{
            f->tmp.filePath(QStringLiteral("vault")), f->keyStore, f->vaultClock, f->clock, {}};
        services.settingsFile = f->tmp.filePath(QStringLiteral("settings.ini"));
        app::AppController restarted(std::move(services));
        QCOMPARE(restarted.property("homeTimeZone").toString(), QStringLiteral("America/New_York"));
        QVERIFY(restarted.property("homeTimeZoneChoices")
                    .toStringList()
                    .contains(QStringLiteral("Europe/Prague")));
    }

    // Issue 11 "Cases": channel, status and priority filters narrow the list and combine.
    void casesFilterByChannelStatusAndPriority()
    {
        auto f = seeded();
        QVERIFY(f);
        app::CaseModel &m = *f->app->cases();
        QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(m.rowCount(), 5);
        QVERIFY(!m.filtered());
        m.setChannelFilter(QStringLiteral("interpol"));
        QCOMPARE(column(m, app::CaseModel::ReferenceRole),
                 (QStringList{QStringLiteral("IP-2026-0412"), QStringLiteral("IP-2026-0118")}));
        QVERIFY(m.filtered());
        m.setStatusFilter(QStringLiteral("closed"));
        QCOMPARE(column(m, app::CaseModel::ReferenceRole),
                 QStringList{QStringLiteral("IP-2026-0118")});
        m.setPriorityFilter(QStringLiteral("urgent"));
        QCOMPARE(m.rowCount(), 0);
        m.setChannelFilter(QString());
        m.setStatusFilter(QString());
        QCOMPARE(column(m, app::CaseModel::ReferenceRole),
                 QStringList{QStringLiteral("SIR-2026-0931")});
        m.setPriorityFilter(QStringLiteral("normal")); // 2 and 3
        QCOMPARE(column(m, app::CaseModel::ReferenceRole),
                 (QStringList{QStringLiteral("EU-2026-1187"), QStringLiteral("BI-AT-2026-077")}));
        m.setStatusFilter(QStringLiteral("open"));
        QCOMPARE(m.rowCount(), 2);
        // The filters hold across a reload (a sync round) and a lock.
        f->app->refreshAll();
        QCOMPARE(m.rowCount(), 2);
        m.setPriorityFilter(QString());
        m.setStatusFilter(QString());
        QCOMPARE(m.rowCount(), 5);
    }

    // Issue 11 "Sync page": an operation HQ refused is shown with what it was, why in words,
    // HQ's value and what happens next; "Last synced" is kept in the vault across a restart.
    void syncPageShowsRefusalsAndKeepsLastSynced()
    {
        auto f = seeded();
        QVERIFY(f);
        app::AppController &a = *f->app;
        QVERIFY(a.reportActions()->sendReport(QStringLiteral("Delegation left the hotel"), false,
                                              QString()));
        auto outbox = a.session()->records().pendingOutbox();
        QVERIFY(outbox && outbox->size() == 1);
        model::RejectPayload reject;
        reject.op = outbox->front().op;
        reject.reason = model::RejectReason::Quota;
        model::RecordState hq;
        hq.id = reject.op.recordId;
        hq.type = reject.op.type;
        hq.scope = reject.op.scope;
        hq.owner = reject.op.author();
        hq.fields.insert(
            QStringLiteral("text"),
            model::FieldState{QCborValue(QStringLiteral("Left at 10:00")), reject.op.stamp});
        reject.authoritative = hq;
        auto applied = a.session()->records().applyReject(reject);
        QVERIFY2(applied, applied ? "" : qPrintable(applied.error().message));
        a.refreshAll();
        app::SyncStatusFacade &s = *a.sync();
        QCOMPARE(s.heldCount(), 1);
        const QVariantMap held = s.held().front().toMap();
        QVERIFY2(held.value(QStringLiteral("what"))
                     .toString()
                     .startsWith(QStringLiteral("Field report, held ")),
                 qPrintable(held.value(QStringLiteral("what")).toString()));
        QCOMPARE(held.value(QStringLiteral("why")).toString(),
                 QStringLiteral("HQ refused it: too many changes from this device at once"));
        QCOMPARE(held.value(QStringLiteral("hqValue")).toString(),
                 QStringLiteral("text: Left at 10:00"));
        QCOMPARE(held.value(QStringLiteral("next")).toString(),
                 QStringLiteral("Not delivered: tell HQ by other means"));

        QCOMPARE(s.lastSyncedText(), QStringLiteral("never"));
        s.setLastSynced(f->clock.wallMs());
        f->advance(3 * 3600 * 1000);
        a.vault()->lock();
        QVERIFY(f->unlock());
        QCOMPARE(a.sync()->lastSyncedText(), QStringLiteral("3 h ago"));
    }

    // Issue 11 "Notifications": a new instruction, a changed and a cancelled visit item, and a
    // REJECT each give one notice that says only what kind of thing happened.
    void noticesNameTheKindNeverTheContent()
    {
        auto f = seeded();
        QVERIFY(f);
        app::AppController &a = *f->app;
        QStringList shown;
        connect(a.notice(), &app::InAppNotice::changed, this, [&] { shown << a.notice()->text(); });
        // HQ's own replica whose snapshots the device takes (as RESYNCs would bring them).
        ModelReplica hq;
        QVERIFY(hq.open(f->tmp.path(), QStringLiteral("hq-notice"), idOf(0xf0),
                        model::ReplicaRole::Hq));
        hq.clock.setWall(f->clock.wallMs());
        QVERIFY(directorate::seedDirectorate(*hq.records, f->clock.wallMs()));
        const auto deliver = [&] {
            auto snapshot = hq.records->snapshot(directorate::scopes());
            return snapshot &&
                   a.session()->records().resetToSnapshot(directorate::scopes(), *snapshot);
        };
        QVERIFY(deliver());
        a.refreshAll();
        shown.clear(); // every record is new to this device: a notice, not examined here

        QVERIFY(directorate::editAfterDelivery(*hq.records, f->clock.wallMs()));
        auto items = hq.records->records({QString::fromLatin1(directorate::kVisitScope)});
        QVERIFY(items);
        for (const model::RecordState &r : *items) {
            if (r.fields.value(QStringLiteral("title")).value.toString() ==
                QLatin1String("Departure")) {
                model::FieldMap cancel;
                cancel.insert(QStringLiteral("status"), QStringLiteral("cancelled"));
                QVERIFY(hq.records->update(r.id, cancel));
            }
        }
        model::FieldMap instruction;
        instruction.insert(QStringLiteral("title"), QStringLiteral("Canary title 7Q"));
        instruction.insert(QStringLiteral("body"), QStringLiteral("Canary body 7Q"));
        instruction.insert(QStringLiteral("issuedBy"), QStringLiteral("Canary issuer 7Q"));
        instruction.insert(QStringLiteral("issuedAt"), f->clock.wallMs());
        instruction.insert(QStringLiteral("priority"), 5);
        instruction.insert(QStringLiteral("requiresAck"), true);
        instruction.insert(QStringLiteral("version"), 1);
        QVERIFY(hq.records->create(model::RecordType::Instruction,
                                   QString::fromLatin1(directorate::kVisitScope), instruction));
        QVERIFY(deliver());
        a.refreshAll();
        QCOMPARE(shown, (QStringList{QStringLiteral("New instruction from HQ"),
                                     QStringLiteral("A visit item changed"),
                                     QStringLiteral("A visit item was cancelled")}));
        a.refreshAll(); // nothing new
        QCOMPARE(shown.size(), 3);

        QVERIFY(
            a.reportActions()->sendReport(QStringLiteral("Canary report 7Q"), false, QString()));
        a.refreshAll();
        auto outbox = a.session()->records().pendingOutbox();
        QVERIFY(outbox && outbox->size() == 1);
        model::RejectPayload reject;
        reject.op = outbox->front().op;
        reject.reason = model::RejectReason::Invalid;
        QVERIFY(a.session()->records().applyReject(reject));
        a.refreshAll();
        QCOMPARE(shown.size(), 4);
        QCOMPARE(shown.back(), QStringLiteral("HQ refused a change from this device"));

        // No notice carries anything of a record: no canary, title, venue or time.
        for (const QString &text : std::as_const(shown)) {
            QVERIFY(!text.contains(QStringLiteral("7Q")));
            QVERIFY(!text.contains(QStringLiteral("lunch"), Qt::CaseInsensitive));
            QVERIFY(!text.contains(QStringLiteral("Departure")));
            QVERIFY(!text.contains(QLatin1Char(':')));
        }
        // Locking forgets the baseline and clears the banner; unlocking announces nothing.
        a.vault()->lock();
        QVERIFY(a.notice()->text().isEmpty());
        QVERIFY(f->unlock());
        a.refreshAll();
        QVERIFY(a.notice()->text().isEmpty());
    }

    void createRefusesWeakAndMismatchedPassphrases()
    {
        AppFixture f;
        app::VaultController &v = *f.app->vault();
        QCOMPARE(v.state(), app::VaultController::State::NoVault);
        v.assessPassphrase(QStringLiteral("123456789012"));
        QVERIFY(!v.passphraseAcceptable());
        QVERIFY(!v.passphraseReasons().isEmpty());
        v.assessPassphrase(QString::fromLatin1(kFixturePassphrase));
        QVERIFY(v.passphraseAcceptable());
        QVERIFY(v.passphraseStrength() > 0.5);
        v.createVault(QStringLiteral("password1234"), QStringLiteral("password1234"));
        QCOMPARE(v.state(), app::VaultController::State::NoVault);
        QVERIFY(!v.message().isEmpty());
        v.createVault(QString::fromLatin1(kFixturePassphrase),
                      QStringLiteral("something else entirely"));
        QCOMPARE(v.state(), app::VaultController::State::NoVault);
        QVERIFY(v.message().contains(QStringLiteral("differ")));
        QVERIFY(!vault::Vault::exists(f.tmp.filePath(QStringLiteral("vault"))));
        QVERIFY(f.createVault());
        QVERIFY(f.app->session());
        QVERIFY(!f.app->sync()->enrolled());
    }

    void lockoutCountsDownOnTheInjectedClock()
    {
        AppFixture f;
        QVERIFY(f.createVault());
        app::VaultController &v = *f.app->vault();
        v.lock();
        QCOMPARE(v.state(), app::VaultController::State::Locked);
        for (int i = 1; i <= 4; ++i) {
            QVERIFY(!f.unlock(kFixtureWrongPassphrase));
            QCOMPARE(v.state(), app::VaultController::State::Locked);
            QCOMPARE(v.failureCount(), i);
            QCOMPARE(v.message(), QStringLiteral("Wrong passphrase."));
        }
        QVERIFY(!f.unlock(kFixtureWrongPassphrase));
        QCOMPARE(v.state(), app::VaultController::State::LockedOut);
        QCOMPARE(v.lockoutSeconds(), 60);
        QCOMPARE(v.lockoutText(), QStringLiteral("1:00"));
        QCOMPARE(v.attemptsBeforeErase(), 5);
        // The right passphrase is refused during the wait, without counting.
        QVERIFY(!f.unlock(kFixturePassphrase));
        QCOMPARE(v.failureCount(), 5);
        f.advance(45'000);
        QTRY_COMPARE_WITH_TIMEOUT(v.lockoutSeconds(), 15, 3000);
        QCOMPARE(v.lockoutText(), QStringLiteral("0:15"));
        f.advance(15'000);
        QTRY_COMPARE_WITH_TIMEOUT(v.state(), app::VaultController::State::Locked, 3000);
        QVERIFY(f.unlock());
        QCOMPARE(v.failureCount(), 0);
    }

    void autoLockAfterTheTimeoutInTheBackground()
    {
        AppFixture f(60'000);
        QVERIFY(f.createVault());
        app::AppController &a = *f.app;
        f.setApplicationState(Qt::ApplicationHidden);
        f.advance(59'000);
        f.setApplicationState(Qt::ApplicationActive);
        QVERIFY(a.vault()->isUnlocked()); // back in time
        f.setApplicationState(Qt::ApplicationSuspended);
        f.advance(61'000); // suspended: the timer never fired
        f.setApplicationState(Qt::ApplicationActive);
        QCOMPARE(a.vault()->state(), app::VaultController::State::Locked);
        QVERIFY(!a.session());
    }

    // The app hears of the background from the platform (platform::Lifecycle), not from Qt's
    // application state: a platform's report locks it, Qt's state alone does nothing.
    void theAppFollowsThePlatformLifecycle()
    {
        AppFixture f(60'000);
        auto owned = std::make_unique<ManualLifecycle>();
        ManualLifecycle &platform = *owned;
        f.useLifecycle(std::move(owned));
        QVERIFY(f.createVault());
        app::AppController &a = *f.app;
        f.setApplicationState(Qt::ApplicationHidden);
        f.advance(61'000);
        f.setApplicationState(Qt::ApplicationActive);
        QVERIFY2(a.vault()->isUnlocked(), "the app followed Qt's state, not the platform's");
        platform.setForeground(false);
        f.advance(59'000);
        platform.setForeground(true);
        QVERIFY(a.vault()->isUnlocked()); // back in time
        platform.setForeground(false);
        f.advance(61'000);
        platform.setForeground(true);
        QCOMPARE(a.vault()->state(), app::VaultController::State::Locked);
        QVERIFY(!a.session());
    }

    // A window merely inactive (a system dialog, the notification shade, another desktop window
    // with the focus) is still in front of the officer: no timer runs and nothing locks.
    void anInactiveWindowIsNotTheBackground()
    {
        AppFixture f(200);
        QVERIFY(f.createVault());
        app::AppController &a = *f.app;
        f.setApplicationState(Qt::ApplicationInactive);
        f.advance(61'000);
        QTest::qWait(400); // a 200 ms auto-lock timer would have fired
        QVERIFY2(a.vault()->isUnlocked(), "locked while merely inactive");
        f.setApplicationState(Qt::ApplicationActive);
        QVERIFY2(a.vault()->isUnlocked(), "locked on return from an inactive window");
        QVERIFY(a.session());
    }

    void autoLockTimerFiresWhileInBackground()
    {
        AppFixture f(200);
        QVERIFY(f.createVault());
        app::AppController &a = *f.app;
        f.setApplicationState(Qt::ApplicationHidden);
        f.advance(250);
        QTRY_COMPARE_WITH_TIMEOUT(a.vault()->state(), app::VaultController::State::Locked, 3000);
    }

    // The camera's path of the enrolment code (app/qrframereader.h): grabs read on a worker, one
    // at a time; a QR code that is not an enrolment code only sets a hint; the enrolment code is
    // handed over once, and reading stops until reset().
    void qrFrameReaderFindsTheEnrolmentCodeOnce()
    {
        const auto root = crypto::crypto_sign_keypair();
        const auto hqBox = crypto::crypto_box_keypair();
        const protocol::EnrolmentCode enrolment = protocol::newEnrolmentCode(
            crypto::randomFixed<crypto::Id16>(), QStringLiteral("https://relay.example.org:8443"),
            {}, root.publicKey, crypto::randomFixed<crypto::Id16>(),
            QDateTime::currentMSecsSinceEpoch() + 24 * 3600'000, hqBox.publicKey, 1);
        const auto text = protocol::encodeEnrolmentCode(enrolment);
        QVERIFY(text);
        // A camera's view: the printed code, a third of the picture's width, off centre.
        const auto view = [](const std::string &content) {
            const ZXing::BitMatrix bits = ZXing::MultiFormatWriter(ZXing::BarcodeFormat::QRCode)
                                              .setMargin(4)
                                              .encode(content, 600, 600);
            const auto matrix = ZXing::ToMatrix<std::uint8_t>(bits);
            QImage code(matrix.width(), matrix.height(), QImage::Format_Grayscale8);
            for (int y = 0; y < matrix.height(); ++y)
                std::memcpy(code.scanLine(y), matrix.data() + y * matrix.width(),
                            size_t(matrix.width()));
            QImage picture(1920, 1080, QImage::Format_RGB32);
            picture.fill(QColor(0x80, 0x70, 0x60));
            QPainter p(&picture);
            p.drawImage(QPoint(700, 300), code);
            return picture;
        };
        app::QrFrameReader reader;
        QSignalSpy found(&reader, &app::QrFrameReader::found);

        // Nothing to read: no hint, still reading.
        QImage empty(1280, 720, QImage::Format_RGB32);
        empty.fill(Qt::darkGray);
        QVERIFY(reader.readImage(empty));
        QVERIFY(reader.busy());
        QVERIFY(!reader.readImage(empty)); // one at a time: dropped
        QTRY_COMPARE(reader.framesRead(), 1);
        QVERIFY(!reader.busy());
        QVERIFY(reader.hint().isEmpty());

        // A hotel's Wi-Fi code: a hint, no code.
        QVERIFY(reader.readImage(view("WIFI:S:Hotel Metropol;T:WPA;P:guest2026;;")));
        QTRY_COMPARE(reader.framesRead(), 2);
        QVERIFY(!reader.hint().isEmpty());
        QVERIFY(found.isEmpty());
        QVERIFY(!reader.done());

        // The enrolment code: found once, the hint gone, reading stopped.
        QVERIFY(reader.readImage(view(text->toStdString())));
        QTRY_COMPARE(found.size(), 1);
        QCOMPARE(found.first().first().toString(), QString::fromLatin1(*text));
        QVERIFY(reader.done());
        QVERIFY(reader.hint().isEmpty());
        QVERIFY(!reader.readImage(view(text->toStdString())));
        reader.reset();
        QVERIFY(!reader.done());
        QVERIFY(reader.readImage(view(text->toStdString())));
        QTRY_COMPARE(found.size(), 2);
    }

    // The Sync page's "no word from HQ" is liaison-device's rule (client::SyncStatus): over 48 h
    // since HQ's own time in its newest verified HEARTBEAT, here counted from the best lower
    // bound of now, so a wall clock set back does not hide the silence.
    void noWordFromHqIsTheDeviceRule()
    {
        auto f = seeded();
        QVERIFY(f);
        app::SyncStatusFacade &s = *f->app->sync();
        const qint64 now = f->clock.wallMs();
        const qint64 hour = 3600 * 1000;
        for (const qint64 hours : {qint64(1), qint64(47), qint64(49), qint64(30 * 24)}) {
            s.setHeartbeat(now - hours * hour, now);
            QCOMPARE(s.noWordFromHq(), client::SyncStatus::noWordFromHqAt(now - hours * hour, now));
            QCOMPARE(s.noWordFromHq(), hours > 48);
        }
        // The wall clock is 2 h behind HQ's verified time: 47 h by the wall clock, 49 h in truth.
        s.setHeartbeat(now - 47 * hour, now);
        f->app->session()->records().clock().setReference(now + 2 * hour);
        QVERIFY(s.noWordFromHq());
        QVERIFY(client::SyncStatus::noWordFromHqAt(now - 47 * hour, now + 2 * hour));
    }

    void syncStatusReportsWhatTheDeviceKnows()
    {
        auto f = seeded();
        QVERIFY(f);
        app::SyncStatusFacade &s = *f->app->sync();
        QVERIFY(s.enrolled());
        QVERIFY(s.offline());
        QCOMPARE(s.deviceLabel(), QStringLiteral("Test device"));
        QCOMPARE(s.pending(), 0);
        QCOMPARE(s.lastHeartbeatText(), QStringLiteral("never"));
        QVERIFY(s.noWordFromHq()); // no verified HEARTBEAT at all
        QVERIFY(f->app->streams());
        QVERIFY(!f->app->clockWrong());
        // A verified HQ time 3 days ahead of this device's clock: the banner shows.
        f->app->session()->records().clock().setReference(f->clock.wallMs() +
                                                          qint64(3) * 24 * 3600 * 1000);
        f->app->refreshAll();
        QVERIFY(f->app->clockWrong());
    }
};

LIAISON_APP_TEST_MAIN(TstModels)
#include "tst_models.moc"
