// bench_ui: the officer's app under load (issue 11, "Benchmark bench_ui"). Release, under Xvfb
// (scripts/bench starts one when there is no display). Measured in one run:
//   cold_start_over_minimal             process start to the first frame of the app (first run: no
//                                       vault yet) ÷ the same for a minimal Qt Quick window; both
//                                       are this binary (--child), so they are built the same way
//   search_keystroke_p95_ms             a keystroke's query set on the app's ContactModel over
//                                       100,000 contacts in the encrypted store, to the next frame
//                                       of the app's own list (ContactList.qml: sections, reused
//                                       ContactDelegates) (absolute)
//   scroll_frame_p95_over_memory_model  p95 frame time scrolling that list ÷ the same delegates
//                                       over an in-memory copy of the same rows
//   rss_100k_over_minimal_mb            this process with the 100,000-contact list shown, less
//                                       the minimal window's process (reported)
// and, reported: clearing the search (the whole list again) and the list's first load.
//   --smoke        500 contacts, few rounds (ctest: the lines must print, figures aside)
//   --contacts N   how many contacts (default 100000)
//   --child minimal|app   one cold start (used by the parent; prints "first-frame RSS_KIB")

#include "appcontroller.h"
#include "benchcheck.h"
#include "contactgen.h"
#include "contactmodel.h"
#include "crypto/crypto.h"
#include "desktop/softwarekeystore.h"
#include "device/devicestore.h"
#include "heldcontacts.h"
#include "mainwindow.h"
#include "model/recordstore.h"
#include "store/database.h"
#include "testmain.h"

#include <QAbstractListModel>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QGuiApplication>
#include <QProcess>
#include <QQmlApplicationEngine>
#include <QQmlExtensionPlugin>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <vector>

Q_IMPORT_QML_PLUGIN(LiaisonPlugin)

using namespace liaison;

namespace {

using bench::die;
using bench::must;
using bench::openStore;

qint64 rssKiB()
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return 0;
}

double percentile(std::vector<double> v, double p)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, size_t(p * double(v.size() - 1) + 0.5))];
}

// Waits for the window's next frame (frameSwapped comes from the render thread).
void nextFrame(QQuickWindow *window)
{
    QEventLoop loop;
    const auto c = QObject::connect(window, &QQuickWindow::frameSwapped, &loop, &QEventLoop::quit,
                                    Qt::QueuedConnection);
    QTimer::singleShot(10'000, &loop, [&] { die("no frame in 10 s"); });
    window->update();
    loop.exec();
    QObject::disconnect(c);
}

// ---- cold start (child processes) ----

int runChild(const QString &mode)
{
    QQuickStyle::setStyle(QStringLiteral("Material"));
    QTemporaryDir tmp;
    std::unique_ptr<platform::SoftwareKeyStore> keyStore;
    SystemClock vaultClock;
    SystemClock clock;
    std::unique_ptr<app::AppController> controller;
    QQmlApplicationEngine engine; // destroyed first: the pages never outlive the controller
    if (mode == QLatin1String("app")) {
        // What main.cpp builds, with a software key store and the settings in a scratch folder.
        if (auto s = crypto::initialize(); !s)
            die("crypto", s.error().message);
        keyStore = std::make_unique<platform::SoftwareKeyStore>(tmp.filePath(QStringLiteral("k")));
        app::AppServices services{tmp.filePath(QStringLiteral("vault")), *keyStore, vaultClock,
                                  clock, vault::VaultOptions{}};
        services.settingsFile = tmp.filePath(QStringLiteral("settings.ini"));
        controller = std::make_unique<app::AppController>(services);
        (void)app::loadMainWindow(engine, *controller); // checked below
    } else {
        engine.loadData("import QtQuick\nimport QtQuick.Controls\n"
                        "ApplicationWindow { visible: true; width: 412; height: 915\n"
                        "  Label { anchors.centerIn: parent; text: \"Liaison\" } }\n");
    }
    if (engine.rootObjects().isEmpty())
        die("the window did not load");
    auto *window = qobject_cast<QQuickWindow *>(engine.rootObjects().constFirst());
    if (!window)
        die("the root is no window");
    QObject::connect(
        window, &QQuickWindow::frameSwapped, qApp,
        [] {
            std::printf("first-frame %lld\n", rssKiB());
            std::fflush(stdout);
            QCoreApplication::exit(0);
        },
        Qt::QueuedConnection);
    return QGuiApplication::exec();
}

struct ColdStart
{
    double ms = 0;
    qint64 rssKiB = 0;
};

ColdStart coldStart(const QString &mode)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    QElapsedTimer t;
    t.start();
    p.start(QCoreApplication::applicationFilePath(), {QStringLiteral("--child"), mode});
    ColdStart out;
    QByteArray got;
    while (!got.contains('\n')) {
        if (!p.waitForReadyRead(60'000))
            die("child gave no first frame", mode);
        got += p.readAllStandardOutput();
    }
    out.ms = double(t.nsecsElapsed()) / 1e6;
    if (!got.startsWith("first-frame "))
        die("child said", QString::fromUtf8(got));
    out.rssKiB = got.mid(12).trimmed().toLongLong();
    if (!p.waitForFinished(30'000) || p.exitCode() != 0)
        die("child did not exit cleanly", mode);
    return out;
}

// ---- the contacts ----

// `count` contacts of contactgen.h as the app holds them.
std::unique_ptr<model::RecordStore> populate(store::Database &hqDb, store::Database &devDb,
                                             liaison::Clock &clock, int count)
{
    bench::SplitMix r{2026};
    return bench::holdContacts(hqDb, devDb, clock, count, [&r](int i) {
        const QJsonObject c = bench::makeContact(r, i);
        const auto s = [&](const char *k) {
            return c.value(QLatin1String(k)).toString();
        };
        model::FieldMap f;
        for (const char *k :
             {"name", "organisation", "role", "country", "address", "timeZone", "notes"})
            f.insert(QString::fromLatin1(k), s(k));
        f.insert(QStringLiteral("phones"),
                 QCborArray{model::phone(QStringLiteral("office"), s("phone"),
                                         c.value(QLatin1String("h24")).toBool())});
        f.insert(QStringLiteral("emails"), QCborArray{s("email")});
        return f;
    });
}

// The rows ContactList shows, copied out of the ContactModel: the same delegates over a
// model that reads nothing from the store.
class MemoryContacts : public QAbstractListModel
{
public:
    static constexpr std::array kRoles = {
        app::ContactModel::NameRole,         app::ContactModel::RoleRole,
        app::ContactModel::OrganisationRole, app::ContactModel::CountryRole,
        app::ContactModel::InitialsRole,     app::ContactModel::Has24hRole,
        app::ContactModel::CallNumberRole,   app::ContactModel::SectionRole,
    };

    explicit MemoryContacts(const app::ContactModel &from)
        : m_names(from.roleNames())
    {
        m_rows.reserve(size_t(from.rowCount()));
        for (int i = 0; i < from.rowCount(); ++i) {
            std::array<QVariant, kRoles.size()> row;
            for (size_t k = 0; k < kRoles.size(); ++k)
                row[k] = from.data(from.index(i), kRoles[k]);
            m_rows.push_back(std::move(row));
        }
    }
    int rowCount(const QModelIndex &parent = {}) const override
    {
        return parent.isValid() ? 0 : int(m_rows.size());
    }
    QVariant data(const QModelIndex &index, int role) const override
    {
        const auto it = std::find(kRoles.begin(), kRoles.end(), role);
        if (!index.isValid() || it == kRoles.end())
            return {};
        return m_rows[size_t(index.row())][size_t(it - kRoles.begin())];
    }
    QHash<int, QByteArray> roleNames() const override { return m_names; }

private:
    QHash<int, QByteArray> m_names;
    std::vector<std::array<QVariant, kRoles.size()>> m_rows;
};

// Frame times (ms) while the list scrolls by `step` pixels a frame for `frames` frames.
std::vector<double> scroll(QQuickWindow *window, QObject *list, int frames, double step)
{
    list->setProperty("contentY", 0.0);
    nextFrame(window);
    std::vector<double> out;
    QElapsedTimer t;
    for (int i = 0; i < frames; ++i) {
        t.start();
        list->setProperty("contentY", list->property("contentY").toDouble() + step);
        nextFrame(window);
        out.push_back(double(t.nsecsElapsed()) / 1e6);
    }
    return out;
}

int runBench(bool smoke, int contacts)
{
    QQuickStyle::setStyle(QStringLiteral("Material"));

    // Cold start, alternating, medians.
    const int starts = smoke ? 1 : 5;
    std::vector<double> appMs;
    std::vector<double> minimalMs;
    qint64 minimalRss = 0;
    for (int i = 0; i < starts; ++i) {
        const ColdStart m = coldStart(QStringLiteral("minimal"));
        minimalMs.push_back(m.ms);
        minimalRss = m.rssKiB;
        appMs.push_back(coldStart(QStringLiteral("app")).ms);
    }
    std::fprintf(stderr, "  cold start: app %.0f ms, minimal %.0f ms (medians of %d)\n",
                 percentile(appMs, 0.5), percentile(minimalMs, 0.5), starts);

    QTemporaryDir tmp;
    SystemClock clock;
    QElapsedTimer t;
    t.start();
    auto hqDb = openStore(tmp.filePath(QStringLiteral("hq.db")), model::RecordStore::migrations());
    // The app's own schema (the search as the device builds it).
    auto devDb = openStore(tmp.filePath(QStringLiteral("device.db")), device::deviceMigrations());
    auto records = populate(*hqDb, *devDb, clock, contacts);
    hqDb.reset();
    std::fprintf(stderr, "  %d contacts written and held in %.1f s\n", contacts,
                 double(t.elapsed()) / 1e3);

    app::ContactModel model(clock);
    t.start();
    model.setStore(records.get());
    const double loadMs = double(t.nsecsElapsed()) / 1e6;
    if (model.rowCount() != contacts)
        die("the model does not show every contact");

    QQmlApplicationEngine engine;
    engine.addImportPath(QStringLiteral("qrc:/"));
    engine.setInitialProperties({{QStringLiteral("contacts"), QVariant::fromValue(&model)}});
    engine.loadData("import QtQuick\nimport QtQuick.Controls\nimport Liaison\n"
                    "ApplicationWindow { visible: true; width: 412; height: 915\n"
                    "  required property var contacts\n"
                    "  ContactList { objectName: \"list\"; anchors.fill: parent\n"
                    "    model: contacts } }\n");
    if (engine.rootObjects().isEmpty())
        die("the list did not load");
    QObject *root = engine.rootObjects().constFirst();
    auto *window = qobject_cast<QQuickWindow *>(root);
    QObject *list = root->findChild<QObject *>(QStringLiteral("list"));
    if (!window || !list)
        die("no window or list");
    nextFrame(window);
    nextFrame(window);
    const qint64 rss = rssKiB();

    // The floor of a keystroke: a frame of the same window with nothing changed (under Xvfb the
    // scene is drawn by a software rasterizer).
    std::vector<double> idleFrames;
    for (int i = 0; i < (smoke ? 5 : 60); ++i) {
        t.start();
        nextFrame(window);
        idleFrames.push_back(double(t.nsecsElapsed()) / 1e6);
    }

    // Keystrokes: the first letters of surnames and organisations, as typed, each followed by
    // clearing the field (the whole list again).
    const QStringList words = smoke ? QStringList{QStringLiteral("Novák"), QStringLiteral("Kiss")}
                                    : QStringList{
                                          QStringLiteral("Novák"),     QStringLiteral("Kowalski"),
                                          QStringLiteral("Horváth"),   QStringLiteral("Dvořák"),
                                          QStringLiteral("Zieliński"), QStringLiteral("Molnár"),
                                          QStringLiteral("Europol"),   QStringLiteral("Interpol"),
                                          QStringLiteral("Attaché"),   QStringLiteral("Budapest"),
                                          QStringLiteral("Petr Nagy"), QStringLiteral("Lucie Tóth"),
                                      };
    std::vector<double> keys;
    std::vector<double> laterKeys; // the second letter on: the list no longer holds every contact
    std::vector<double> clears;
    std::vector<double> modelMs; // the model's part of a keystroke: the search and the new rows
    int shown = 0;
    for (const QString &w : words) {
        for (int k = 1; k <= w.size(); ++k) {
            t.start();
            model.setQuery(w.left(k));
            modelMs.push_back(double(t.nsecsElapsed()) / 1e6);
            nextFrame(window);
            keys.push_back(double(t.nsecsElapsed()) / 1e6);
            if (k > 1)
                laterKeys.push_back(keys.back());
            shown += model.rowCount();
        }
        t.start();
        model.setQuery(QString());
        nextFrame(window);
        clears.push_back(double(t.nsecsElapsed()) / 1e6);
    }
    if (shown == 0 || model.rowCount() != contacts)
        die("the searches found nothing, or the list did not come back");

    // Scrolling: the store's model, then the in-memory copy, twice each.
    MemoryContacts memory(model);
    const int frames = smoke ? 20 : 300;
    const double step = 240; // about three rows a frame: a brisk flick
    std::vector<double> storeFrames;
    std::vector<double> memoryFrames;
    for (int round = 0; round < 2; ++round) {
        root->setProperty("contacts", QVariant::fromValue(&model));
        auto a = scroll(window, list, frames, step);
        storeFrames.insert(storeFrames.end(), a.begin(), a.end());
        root->setProperty("contacts", QVariant::fromValue(static_cast<QObject *>(&memory)));
        auto b = scroll(window, list, frames, step);
        memoryFrames.insert(memoryFrames.end(), b.begin(), b.end());
    }

    std::fprintf(stderr, "  keystrokes: %zu, p50 %.2f ms, p95 %.2f ms, max %.2f ms\n", keys.size(),
                 percentile(keys, 0.5), percentile(keys, 0.95), percentile(keys, 1.0));
    std::fprintf(stderr, "  the model's part: p50 %.2f ms, p95 %.2f ms (the rest is the frame)\n",
                 percentile(modelMs, 0.5), percentile(modelMs, 0.95));
    std::fprintf(stderr, "  a frame with nothing changed: p50 %.2f ms, p95 %.2f ms\n",
                 percentile(idleFrames, 0.5), percentile(idleFrames, 0.95));
    std::fprintf(stderr, "  from the second letter on: %zu, p50 %.2f ms, p95 %.2f ms\n",
                 laterKeys.size(), percentile(laterKeys, 0.5), percentile(laterKeys, 0.95));
    std::fprintf(stderr, "  scroll p95: store model %.2f ms, in-memory %.2f ms (%d frames x 2)\n",
                 percentile(storeFrames, 0.95), percentile(memoryFrames, 0.95), frames);
    std::printf("cold_start_over_minimal: %.2f (goal <= 1.5)\n",
                percentile(appMs, 0.5) / percentile(minimalMs, 0.5));
    std::printf("search_keystroke_p95_ms: %.2f (goal <= 16, absolute, this machine, %d contacts)\n",
                percentile(keys, 0.95), contacts);
    std::printf("scroll_frame_p95_over_memory_model: %.2f (goal <= 1.2)\n",
                percentile(storeFrames, 0.95) / percentile(memoryFrames, 0.95));
    std::printf("rss_100k_over_minimal_mb: %.1f (reported, %d contacts)\n",
                double(rss - minimalRss) / 1024.0, contacts);
    std::printf("search_clear_p95_ms: %.1f (reported: the whole list again)\n",
                percentile(clears, 0.95));
    std::printf("contacts_first_load_ms: %.1f (reported)\n", loadMs);
    std::fflush(stdout);
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    QGuiApplication application(argc, argv);
    const QStringList args = QCoreApplication::arguments();
    if (args.size() == 3 && args[1] == QLatin1String("--child"))
        return runChild(args[2]);
    liaison::test::prepareTestProcess();
    bool smoke = false;
    int contacts = 100'000;
    for (int i = 1; i < args.size(); ++i) {
        if (args[i] == QLatin1String("--smoke")) {
            smoke = true;
            contacts = 500;
        } else if (args[i] == QLatin1String("--contacts") && i + 1 < args.size()) {
            contacts = args[++i].toInt();
        } else {
            std::fprintf(stderr, "usage: bench_ui [--smoke] [--contacts N]\n");
            return 2;
        }
    }
    if (contacts < 1)
        die("--contacts must be at least 1");
    return runBench(smoke, contacts);
}
