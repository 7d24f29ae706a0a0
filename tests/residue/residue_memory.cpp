// residue-memory: issue 12 test 3 ("Memory"). Built only with LIAISON_RESIDUE_TEST, in the tree
// scripts/check-product builds the product in (Release, LIAISON_TESTING=OFF, no sanitizers: ASan
// keeps freed buffers in its quarantine and makes mlock a no-op), and run by check-product. It
// uses the product's libraries only, with the real Argon2id code at the smallest product
// profile, and wipes freed heap memory as `liaison` does (liaison_heapwipe,
// platform/heapwipe/glibcheapwipe.cpp). About 4 s.
//
// This process (the scanner) makes a device vault with the directorate's records, some of their
// texts made canaries (as tst_app_residue does), and derives the vault's secrets. The app runs in
// a child process, this binary with --child, which is hardened as `liaison` is
// (hardening::hardenProcess) and then made dumpable again, only so that its parent may read its
// memory. The child drives app::AppController through the scripted use (residueapp.h: unlock,
// browse, search, report, check-in with the NMEA replay, lock; no relay: a product build speaks
// https only), with the app's window (Main.qml, loaded as main.cpp loads it) over the
// controller, every tab shown and a card of each opened; it stops twice:
//  - unlocked: the key buffers must be locked in RAM (VmLck > 0 in /proc/PID/status and an "lo"
//    mapping in /proc/PID/smaps), and the scan below must find the vault key, the database key
//    and the records on screen (it reads where they live);
//  - after lock, the app still running: every readable private mapping of the child
//    (/proc/PID/maps + /proc/PID/mem: heap, stacks, anonymous and the libraries' writable data)
//    is searched for every canary in every form (residuescan.h). A hit is a failure unless the
//    residue list below names it with its reason.
// It runs twice: over the software key store (no session bus) and over the desktop key ring (a
// real gnome-keyring on a private D-Bus bus, tests/platform/privatesecretservice.h), where the
// pepper passes through QtKeychain, libsecret and D-Bus.
// The parent scans the child rather than itself: its own memory holds every form it searches for.
// Exit codes: 0 nothing unlisted found, 1 a finding or a failed step, 2 usage.

#include "mainwindow.h"
#include "residueapp.h"
#include "residuescan.h"

#include "privatesecretservice.h"

#include "directoraterecords.h"
#include "modelreplica.h"

#include "crypto/secretio.h"
#include "device/devicestore.h"
#include "hardening/processhardening.h"
#include "keystorefactory.h"
#include "vault/keyfile.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QGuiApplication>
#include <QProcess>
#include <QProcessEnvironment>
#include <QQmlApplicationEngine>
#include <QQmlExtensionPlugin>
#include <QQuickWindow>
#include <QTemporaryDir>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <optional>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

Q_IMPORT_QML_PLUGIN(LiaisonPlugin)

using namespace liaison;

namespace {

using namespace liaison::residue; // the canaries (residueapp.h)

// The residue this test allows, each with its reason: a hit whose form starts with `canary` in
// a mapping whose description contains `where` ("" = any). Every entry must be listed in the
// closing note of the issue. Nothing else may be found.
// None: with freed heap memory wiped, nothing of Qt (or SQLCipher) keeps a canary after the lock.
// Before the wipe, 14 to 18 record texts were found in freed chunks of [heap] in every run.
struct Residue
{
    const char *canary;
    const char *where;
    const char *reason;
};
const Residue kAllowedResidue[] = {
    {nullptr, nullptr, nullptr}, // (none)
};

bool allowed(const residue::Hit &hit)
{
    for (const Residue &r : kAllowedResidue) {
        if (!r.canary)
            continue;
        if (hit.form.startsWith(QLatin1String(r.canary)) &&
            (!*r.where || hit.where.contains(QLatin1String(r.where))))
            return true;
    }
    return false;
}

void say(const QString &line)
{
    std::fprintf(stdout, "residue-memory: %s\n", qPrintable(line));
    std::fflush(stdout);
}

QByteArray bytesOf(const crypto::SecretBytes &s)
{
    return QByteArray(reinterpret_cast<const char *>(s.data()), qsizetype(s.size()));
}

// A line from stdin, read byte by byte (the event loop is not running meanwhile).
QByteArray readLine()
{
    QByteArray line;
    char c = 0;
    while (::read(0, &c, 1) == 1 && c != '\n')
        line.append(c);
    return line;
}

// ---- the child: the app ----
int runChild(int argc, char **argv)
{
    if (auto h = hardening::hardenProcess(); !h) {
        say(QStringLiteral("child: not hardened: ") + h.error().message);
        return 1;
    }
    // Only so that the parent may read /proc/PID/mem; the core limit stays 0.
    ::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QGuiApplication application(argc, argv);
    QGuiApplication::setOrganizationName(QStringLiteral("Liaison"));
    QGuiApplication::setApplicationName(QStringLiteral("liaison"));
    if (auto s = crypto::initialize(); !s)
        return 1;
    const QStringList args = QGuiApplication::arguments();
    auto arg = [&](const char *name) {
        return args.value(args.indexOf(QLatin1String(name)) + 1);
    };
    auto passphrase = crypto::readSecret(0, 1024, crypto::SecretReadMode::FirstLine);
    if (!passphrase)
        return 1;
    const auto keyStore =
        platform::createKeyStore({arg("--keystore"), QStringLiteral("liaison-residue"),
                                  !args.contains(QLatin1String("--key-ring"))});
    say(QStringLiteral("key store: %1")
            .arg(keyStore->kind() == vault::KeyStoreKind::OsKeyRing ? QStringLiteral("key ring")
                                                                    : QStringLiteral("file")));
    platform::PositionOptions positionOptions;
    positionOptions.nmeaReplayFile = arg("--nmea");
    const auto position = platform::createPositionSource(positionOptions);
    liaison::SystemClock vaultClock;
    liaison::SystemClock clock;
    app::AppServices services{arg("--vault"), *keyStore, vaultClock, clock, vault::VaultOptions{}};
    services.openUrl = [](const QUrl &) {
        return true;
    };
    services.settingsFile = arg("--settings");
    app::AppController controller(services);
    // The app's window over it, built as main.cpp builds it: while unlocked its pages show the
    // records (delegates, bindings, the JavaScript strings they hold); the lock swaps the main
    // page for the unlock page.
    QQmlApplicationEngine engine;
    QQuickWindow *window = app::loadMainWindow(engine, controller);
    if (!window) {
        say(QStringLiteral("child: the app's window did not load"));
        return 1;
    }
    const auto spin = [](int ms) {
        (void)residue::waitFor([] { return false; }, ms);
    };
    residue::ScriptOptions options;
    // The search and the report are typed, not given on the command line: argv and Qt's copy
    // of it would keep them in memory for the process's life.
    options.searchText = QString::fromLatin1(kSearch);
    options.reportText = QString::fromUtf8(kReportText);
    const QString failed = residue::runScript(controller, *position, *passphrase, options, [&] {
        // Every tab of the main page shown, and the first card of each opened, as an officer
        // goes through them.
        for (const char *page : {"contacts", "cases", "instructions", "schedule"}) {
            const QString name = QString::fromLatin1(page);
            QMetaObject::invokeMethod(window, "showPage", Q_ARG(QString, name));
            spin(150);
            QMetaObject::invokeMethod(window, "openDetail", Q_ARG(QString, name), Q_ARG(int, 0));
            spin(150);
            QMetaObject::invokeMethod(window, "back");
            spin(100);
        }
        QMetaObject::invokeMethod(window, "showPage", Q_ARG(QString, QStringLiteral("contacts")));
        spin(150);
        say(QStringLiteral("unlocked"));
        (void)readLine();
    });
    passphrase->wipe();
    // The test's own copies of what it typed are let go (not wiped: a copy the app still shares
    // must stay where the scan finds it), as the pages' text fields are cleared.
    options.searchText = QString();
    options.reportText = QString();
    if (!failed.isEmpty()) {
        say(QStringLiteral("child: ") + failed);
        return 1;
    }
    // Locked, the app still running (its controller, models and window alive), its event loop
    // turning for a second as on a phone put away: the parent searches this process's memory.
    spin(1000);
    say(QStringLiteral("locked"));
    (void)readLine();
    return 0;
}

// ---- the parent: the vault, the secrets, the scans ----
struct Setup
{
    bool keyRing = false; // the desktop key ring (a private gnome-keyring), else the file store
    QTemporaryDir tmp;
    QString vaultDir;
    QString keyStoreDir;
    QList<residue::Canary> canaries;
};

bool makeCanary(model::RecordStore &hq, model::RecordType type, const char *field, const char *text)
{
    auto all = hq.records(test::directorate::scopes());
    if (!all)
        return false;
    for (const model::RecordState &r : *all) {
        if (r.type != type || r.deleted)
            continue;
        model::FieldMap change;
        change.insert(QString::fromLatin1(field), QString::fromUtf8(text));
        return bool(hq.update(r.id, change));
    }
    return false;
}

// The vault as liaison-device leaves it (real KDF, software key store), with the directorate's
// records as HQ's RESYNC delivers them; then its secrets, derived as an unlock does.
QString prepare(Setup &s)
{
    s.vaultDir = s.tmp.filePath(QStringLiteral("vault"));
    s.keyStoreDir = s.tmp.filePath(QStringLiteral("keystore"));
    const auto keys =
        platform::createKeyStore({s.keyStoreDir, QStringLiteral("liaison-residue"), !s.keyRing});
    const crypto::SecretBytes passphrase = crypto::SecretBytes::copyOf(QByteArrayView(kPassphrase));
    liaison::SystemClock clock;
    {
        // Argon2id at the smallest product profile (3 passes, 64 MiB): the same code as a
        // product unlock at its fastest (the weak test profile is not in this build).
        vault::VaultOptions options;
        options.kdf = crypto::KdfParams{crypto::kOpsMin, crypto::kMemMin};
        options.database.migrations = device::deviceMigrations();
        auto v = vault::Vault::create(s.vaultDir, passphrase, *keys, clock, options);
        if (!v)
            return QStringLiteral("create: ") + v.error().message;
        auto session = device::DeviceSession::open(*(*v)->database(), clock);
        if (!session)
            return QStringLiteral("session: ") + session.error().message;
        device::DeviceProfile profile;
        profile.deviceId = test::idOf(0x42);
        profile.deploymentId = test::idOf(0x17);
        profile.hqId = test::idOf(0xf0);
        profile.hqSignKey = crypto::crypto_sign_keypair().publicKey;
        profile.hqBoxKey = crypto::crypto_box_keypair().publicKey;
        profile.hqBoxKeyId = 1;
        profile.label = QStringLiteral("Residue device");
        profile.enrolledMs = clock.wallMs();
        if (auto p = device::saveDeviceProfile((*session)->database(), profile); !p)
            return QStringLiteral("profile: ") + p.error().message;
        test::ModelReplica hq;
        if (auto o = hq.open(s.tmp.path(), QStringLiteral("hq"), test::idOf(0xf0),
                             model::ReplicaRole::Hq);
            !o)
            return QStringLiteral("hq: ") + o.error().message;
        hq.clock.setWall(clock.wallMs());
        if (!test::directorate::seedDirectorate(*hq.records, clock.wallMs()) ||
            !makeCanary(*hq.records, model::RecordType::Contact, "name", kContactName) ||
            !makeCanary(*hq.records, model::RecordType::Contact, "notes", kContactNotes) ||
            !makeCanary(*hq.records, model::RecordType::CaseSummary, "summary", kCaseSummary) ||
            !makeCanary(*hq.records, model::RecordType::Instruction, "body", kInstructionBody) ||
            !makeCanary(*hq.records, model::RecordType::ScheduleItem, "escortNotes", kEscortNotes))
            return QStringLiteral("seeding failed");
        auto snapshot = hq.records->snapshot(test::directorate::scopes());
        if (!snapshot)
            return QStringLiteral("snapshot: ") + snapshot.error().message;
        if (auto r = (*session)->records().resetToSnapshot(test::directorate::scopes(), *snapshot);
            !r)
            return QStringLiteral("records: ") + r.error().message;
        const vault::Identity &id = *(*v)->identity();
        s.canaries.append(
            {QStringLiteral("device signing seed"), bytesOf(id.sign.secretKey.bytes()).first(32)});
        s.canaries.append({QStringLiteral("device box key"), bytesOf(id.box.secretKey.bytes())});
    }
    QFile f(vault::Vault::keyFilePath(s.vaultDir));
    if (!f.open(QIODevice::ReadOnly))
        return QStringLiteral("no key file");
    auto file = vault::parseKeyFile(f.readAll());
    auto pepper = file ? keys->read(vault::pepperAliasName(file->header.pepperAlias))
                       : Result<crypto::SecretBytes>(std::unexpected(file.error()));
    if (!pepper)
        return QStringLiteral("pepper: ") + pepper.error().message;
    auto kek = vault::deriveKek(passphrase, file->header, *pepper);
    auto vk = kek ? vault::unwrapVaultKey(*file, *kek)
                  : Result<crypto::SymmetricKey>(std::unexpected(kek.error()));
    if (!vk)
        return QStringLiteral("vault key: ") + vk.error().message;
    const crypto::SymmetricKey dbKey = crypto::crypto_kdf_derive_from_key(*vk, 1, "LIAISNdb");
    s.canaries.append({QStringLiteral("pepper"), bytesOf(*pepper)});
    s.canaries.append({QStringLiteral("vault key"), bytesOf(vk->bytes())});
    s.canaries.append({QStringLiteral("database key"), bytesOf(dbKey.bytes())});
    s.canaries.append({QStringLiteral("passphrase"), QByteArray(kPassphrase), true});
    for (const auto &[name, text] : {std::pair{"contact name", kContactName},
                                     {"contact notes", kContactNotes},
                                     {"case summary", kCaseSummary},
                                     {"instruction body", kInstructionBody},
                                     {"escort notes", kEscortNotes},
                                     {"field report", kReportText}})
        s.canaries.append({QString::fromLatin1(name), QByteArray(text), true});
    return {};
}

// "VmLck: 123 kB" of /proc/PID/status; -1 when absent.
qint64 lockedKb(qint64 pid)
{
    QFile f(QStringLiteral("/proc/%1/status").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.startsWith("VmLck:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

int lockedMappings(qint64 pid)
{
    QFile f(QStringLiteral("/proc/%1/smaps").arg(pid));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    int n = 0;
    for (const QByteArray &line : f.readAll().split('\n')) {
        if (line.startsWith("VmFlags:") && line.split(' ').contains("lo"))
            ++n;
    }
    return n;
}

QByteArray waitForLine(QProcess &child, QByteArray &buffer, int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < timeoutMs) {
        const qsizetype nl = buffer.indexOf('\n');
        if (nl >= 0) {
            const QByteArray line = buffer.left(nl);
            buffer.remove(0, nl + 1);
            if (line.startsWith("residue-memory: "))
                return line.mid(16);
            continue; // the app's own log lines
        }
        if (child.state() == QProcess::NotRunning)
            return {};
        child.waitForReadyRead(200);
        buffer += child.readAllStandardOutput();
    }
    return {};
}

// One run of the app over one key store: the number of findings and failed steps.
int runWithStore(const QString &nmea, bool keyRing)
{
    QElapsedTimer total;
    total.start();
    say(keyRing
            ? QStringLiteral("-- the desktop key ring (Secret Service, a private gnome-keyring)")
            : QStringLiteral("-- the software key store (no session bus)"));
    // The key ring: a real gnome-keyring on a private D-Bus bus (tests/platform), for this
    // process (prepare() puts the pepper there) and the app.
    std::optional<test::PrivateSecretService> secrets;
    if (keyRing) {
        secrets.emplace();
        if (!secrets->startBus() || !secrets->startKeyring()) {
            say(QStringLiteral("FAIL: no key ring: ") + secrets->error());
            return 1;
        }
        qputenv("DBUS_SESSION_BUS_ADDRESS", secrets->address().toUtf8());
        // libsecret's GDBus session connection in this process (prepare() writes the pepper
        // through it) raises SIGTERM when its bus goes away (GDBus "exit-on-close"); the test
        // ends that bus itself when the run is over.
        std::signal(SIGTERM, SIG_IGN);
    } else {
        qputenv("DBUS_SESSION_BUS_ADDRESS", QByteArray());
    }
    Setup setup;
    setup.keyRing = keyRing;
    if (const QString e = prepare(setup); !e.isEmpty()) {
        say(QStringLiteral("setup failed: ") + e);
        return 1;
    }
    const QList<residue::Form> forms = residue::formsOf(setup.canaries);

    QProcess child;
    child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    // Everything the app could write (settings, cache, temporary files) under the test's tree;
    // the key ring's bus, or none.
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    for (const char *name : {"HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME",
                             "XDG_STATE_HOME", "XDG_RUNTIME_DIR", "TMPDIR"}) {
        const QString dir = setup.tmp.filePath(QStringLiteral("home/") + QLatin1String(name));
        QDir().mkpath(dir);
        env.insert(QLatin1String(name), dir);
    }
    env.insert(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"),
               secrets ? secrets->address() : QString());
    env.insert(QStringLiteral("QT_LOGGING_RULES"), QStringLiteral("*.debug=false;*.info=false"));
    child.setProcessEnvironment(env);
    child.start(QCoreApplication::applicationFilePath(),
                {QStringLiteral("--child"), QStringLiteral("--vault"), setup.vaultDir,
                 QStringLiteral("--keystore"), setup.keyStoreDir, QStringLiteral("--nmea"), nmea,
                 QStringLiteral("--settings"), setup.tmp.filePath(QStringLiteral("settings.ini")),
                 keyRing ? QStringLiteral("--key-ring") : QStringLiteral("--file-store")});
    if (!child.waitForStarted(10'000)) {
        say(QStringLiteral("the app did not start"));
        return 1;
    }
    const qint64 pid = child.processId();
    child.write(QByteArray(kPassphrase) + '\n');
    child.waitForBytesWritten(5'000);
    QByteArray buffer;
    int failures = 0;

    QByteArray line = waitForLine(child, buffer, 120'000);
    const QByteArray store = keyRing ? "key store: key ring" : "key store: file";
    if (line != store) {
        say(QStringLiteral("FAIL: the app did not use the store wanted: ") +
            QString::fromUtf8(line));
        return 1;
    }
    line = waitForLine(child, buffer, 120'000);
    if (line != "unlocked") {
        say(QStringLiteral("the app did not reach the unlocked state: ") + QString::fromUtf8(line));
        return 1;
    }
    const qint64 vmLck = lockedKb(pid);
    const int lo = lockedMappings(pid);
    say(QStringLiteral("unlocked: VmLck %1 kB, %2 mappings flagged lo").arg(vmLck).arg(lo));
    if (vmLck <= 0 || lo <= 0) {
        say(QStringLiteral("FAIL: the key buffers are not locked in RAM"));
        ++failures;
    }
    // Not vacuous: unlocked, the same scan finds the vault key (sodium_malloc memory) and the
    // records the pages show.
    {
        const residue::MemoryScan open = residue::scanProcessMemory(pid, forms);
        for (const char *needed : {"vault key (raw)", "database key (raw)", "contact name (raw)",
                                   "field report (UTF-16)"}) {
            const bool seen = std::any_of(open.hits.cbegin(), open.hits.cend(), [&](const auto &h) {
                return h.form == QLatin1String(needed);
            });
            if (!seen) {
                say(QStringLiteral("FAIL: unlocked, the scan does not find the %1 (%2)")
                        .arg(QLatin1String(needed), open.error));
                ++failures;
            }
        }
        say(QStringLiteral("unlocked: %1 hits in %2 mappings (the scan sees the secrets)")
                .arg(open.hits.size())
                .arg(open.mappings));
    }
    child.write("go\n");
    child.waitForBytesWritten(5'000);

    line = waitForLine(child, buffer, 120'000);
    if (line != "locked") {
        say(QStringLiteral("the app did not lock: ") + QString::fromUtf8(line));
        return 1;
    }
    const residue::MemoryScan scan = residue::scanProcessMemory(pid, forms);
    child.write("exit\n");
    child.waitForBytesWritten(5'000);
    child.waitForFinished(30'000);
    if (!scan.error.isEmpty()) {
        say(QStringLiteral("FAIL: ") + scan.error);
        return 1;
    }
    say(QStringLiteral("after lock: %1 mappings, %2 MiB searched for %3 forms of %4 canaries")
            .arg(scan.mappings)
            .arg(double(scan.bytesRead) / 1048576.0, 0, 'f', 1)
            .arg(forms.size())
            .arg(setup.canaries.size()));
    for (const residue::Hit &hit : scan.hits) {
        const bool ok = allowed(hit);
        say(QStringLiteral("%1 %2 in %3 +0x%4")
                .arg(ok ? QStringLiteral("allowed residue:") : QStringLiteral("FAIL: found"),
                     hit.form, hit.where)
                .arg(hit.offset, 0, 16));
        failures += ok ? 0 : 1;
    }
    if (child.exitStatus() != QProcess::NormalExit || child.exitCode() != 0) {
        say(QStringLiteral("FAIL: the app exited with %1").arg(child.exitCode()));
        ++failures;
    }
    say(QStringLiteral("%1 (%2 s)")
            .arg(failures ? QStringLiteral("%1 findings").arg(failures) : QStringLiteral("clean"))
            .arg(double(total.elapsed()) / 1000.0, 0, 'f', 1));
    return failures;
}

int runParent(int argc, char **argv)
{
    QCoreApplication application(argc, argv);
    if (argc != 2) {
        std::fprintf(stderr, "usage: residue-memory NMEA_FILE\n");
        return 2;
    }
    if (auto s = crypto::initialize(); !s)
        return 1;
    ::umask(077); // this process writes the vault as liaison-device would (hardenProcess)
    const QString nmea = QString::fromLocal8Bit(argv[1]);
    const int failures = runWithStore(nmea, false) + runWithStore(nmea, true);
    return failures ? 1 : 0;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc > 1 && qstrcmp(argv[1], "--child") == 0)
        return runChild(argc, argv);
    return runParent(argc, argv);
}
