// Issue 12 tests 1 ("Files") and 2 ("Logs"): after a scripted use of the app (residueapp.h:
// unlock, browse, search, report, check-in with the NMEA replay, sync against a real
// liaison-relay, lock), nothing the app wrote and nothing it logged holds a secret or a record.
//
// The app runs in a child process (this binary with --residue-child) with HOME, the XDG folders
// and TMPDIR in a fresh tree of their own, so every file it writes lies under that tree; its
// vault sits where the app keeps it (XDG data). The device's key store is the desktop key ring:
// a real gnome-keyring on a private D-Bus bus (tests/platform/privatesecretservice.h), as on an
// officer's desktop. The child runs with every logging category on (QT_LOGGING_RULES="*=true",
// to stderr), and the test keeps all it printed.
//
// Before: HQ (test::TestHq, in this process) seeds the directorate's records, turns some of
// their texts into canaries, enrols the device vault (createEnrolledDevice, as liaison-device
// does) and puts RESYNC + DELTA + HEARTBEAT on the relay. The secrets searched for come from
// that vault: the passphrase, the pepper, the vault key, the database key, the device's signing
// seed and box key.
//
// Files: every regular file under the tree, each canary in each form (residuescan.h: raw, hex,
// HEX, base64, UTF-16...); the one string allowed is the lock screen's 24/7 duty number, in
// the vault folder's duty.number (device/dutynumber.h) and nowhere else. Every file 0600 or
// stricter, every folder 0700 or stricter.
// Logs: none of the forms (the duty number included), and nothing like the fixture's position.
//
// The same two checks over the app's QML layer (the script above drives AppController without
// it): liaison-screens --script (tests/screens/scriptedsession.h, the app's Main.qml and core as
// `liaison` builds them) on a device enrolled with the kit of tst_netns_device (hqclikit.h: a
// liaison-hq desk; relaytestkit.h: liaison-relay; devicetoolkit.h: liaison-device enrol). The
// passphrase is typed into the unlock page's field, the instruction HQ issued after the enrolment
// is shown and acknowledged on its card, a field report is typed into the reports page. Its own
// HOME, XDG folders and TMPDIR, every logging category on, all it printed kept; then the tree and
// the device folder (vault, key store folder) are searched as above.
// Test 3 ("Memory") over the QML layer, a sync included: the session stays alive after the lock
// (--hold-after-lock) and its memory is read (/proc/PID/mem) and searched for every canary; only
// the lock screen's duty number may be there. This tree has ASan, so the child runs with freed
// memory zeroed at once (no freed bytes readable in the quarantine, as the product's heap wipe
// gives); residue-memory runs the issue's scan without sanitizers in the product's build.

#include "appcontroller.h"
#include "device/dutynumber.h"
#include "devicetoolkit.h"
#include "directoraterecords.h"
#include "hqclikit.h"
#include "keystorefactory.h"
#include "privatesecretservice.h"
#include "relaytestkit.h"
#include "residueapp.h"
#include "residuescan.h"
#include "testhq.h"
#include "testmain.h"
#include "vault/keyfile.h"

#include "crypto/secretio.h"
#include "hardening/processhardening.h"

#include <QGuiApplication>

#include <QProcess>
#include <QTest>
#include <optional>
#include <sys/stat.h>

using namespace liaison;

namespace {
using namespace liaison::residue; // the canaries (residueapp.h)
// The one record string allowed in a file: the lock screen's emergency number, in duty.number.
const char kDutyNumber[] = "+420 974 834 210";
const char kDutyNumberFile[] = "duty.number";
// The screens session's instruction: its title (the session's --expect) and body, both canaries.
const char kScreensOrderTitle[] = "Screens-Order Halvorsen-Mbeki";
const char kScreensOrderBody[] = "canary screens order: hand the ledger to Okonkwo-Lindqvist";

// HOME, the XDG folders and TMPDIR of a child in a fresh tree, every logging category on.
const char *const kTreeDirs[] = {"home", "config", "cache", "data", "state", "run", "tmp"};
QProcessEnvironment childEnvironment(const QTemporaryDir &tree, const QString &dbus)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("HOME"), tree.filePath(QStringLiteral("home")));
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), tree.filePath(QStringLiteral("config")));
    env.insert(QStringLiteral("XDG_CACHE_HOME"), tree.filePath(QStringLiteral("cache")));
    env.insert(QStringLiteral("XDG_DATA_HOME"), tree.filePath(QStringLiteral("data")));
    env.insert(QStringLiteral("XDG_STATE_HOME"), tree.filePath(QStringLiteral("state")));
    env.insert(QStringLiteral("XDG_RUNTIME_DIR"), tree.filePath(QStringLiteral("run")));
    env.insert(QStringLiteral("TMPDIR"), tree.filePath(QStringLiteral("tmp")));
    env.insert(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"), dbus);
    env.insert(QStringLiteral("QT_LOGGING_RULES"), QStringLiteral("*=true"));
    env.insert(QStringLiteral("QT_FORCE_STDERR_LOGGING"), QStringLiteral("1"));
    env.remove(QStringLiteral("QT_MESSAGE_PATTERN"));
    return env;
}

bool makeTree(const QTemporaryDir &tree)
{
    if (!tree.isValid())
        return false;
    for (const char *dir : kTreeDirs) {
        const QString path = tree.filePath(QString::fromLatin1(dir));
        if (!QDir().mkpath(path) ||
            !QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner))
            return false;
    }
    return true;
}

// Runs `child` to its end (at most `timeoutMs`), keeping what it printed in `log`.
// Reads what the child prints into `log` until it ends or, given a `marker`, until `log` holds
// it; whether that happened within timeoutMs.
bool runToEnd(QProcess &child, QByteArray &log, int timeoutMs, const QByteArray &marker = {})
{
    const auto reached = [&] {
        return !marker.isEmpty() && log.contains(marker);
    };
    QElapsedTimer t;
    t.start();
    while (child.state() != QProcess::NotRunning && t.elapsed() < timeoutMs && !reached()) {
        child.waitForReadyRead(200);
        log += child.readAll();
        QCoreApplication::processEvents(); // the relay's output
    }
    log += child.readAll();
    return marker.isEmpty() ? child.state() == QProcess::NotRunning : reached();
}

vault::VaultOptions testVault()
{
    vault::VaultOptions o;
    o.kdf = crypto::kTestKdfParams;
    return o;
}

QByteArray bytesOf(const crypto::SecretBytes &s)
{
    return QByteArray(reinterpret_cast<const char *>(s.data()), qsizetype(s.size()));
}

// ---- the child: the app, driven by the script ----
int runChild(int argc, char **argv)
{
    // First thing, as liaison's main() does (core limit, not dumpable, umask 077).
    if (auto h = hardening::hardenProcess(); !h)
        return 5;
    QGuiApplication application(argc, argv);
    QGuiApplication::setOrganizationName(QStringLiteral("Liaison"));
    QGuiApplication::setApplicationName(QStringLiteral("liaison"));
    if (auto s = crypto::initialize(); !s || !crypto::allowTestKdfProfile())
        return 3;
    const QStringList args = QGuiApplication::arguments();
    auto arg = [&](const char *name) {
        return args.value(args.indexOf(QLatin1String(name)) + 1);
    };
    auto passphrase = crypto::readSecret(0, 1024, crypto::SecretReadMode::FirstLine);
    if (!passphrase)
        return 4;
    const auto keyStore =
        platform::createKeyStore({arg("--keystore"), QStringLiteral("liaison-residue"), false});
    platform::PositionOptions positionOptions;
    positionOptions.nmeaReplayFile = arg("--nmea");
    const auto position = platform::createPositionSource(positionOptions);
    liaison::SystemClock vaultClock;
    liaison::SystemClock clock;
    client::SyncClientOptions sync;
    sync.engine.longPollWaitMs = 1000;
    sync.backoff = {50, 2000};
    app::AppServices services{arg("--vault"), *keyStore, vaultClock, clock,
                              testVault(),    600'000,   nullptr,    sync};
    services.openUrl = [](const QUrl &) {
        return true;
    };
    app::AppController controller(services);

    residue::ScriptOptions options;
    options.searchText = arg("--search");
    options.reportText = arg("--report");
    options.sync = true;
    const QString failed = residue::runScript(controller, *position, *passphrase, options);
    if (!failed.isEmpty()) {
        std::fprintf(stdout, "residue-child: %s\n", qPrintable(failed));
        return 1;
    }
    std::fprintf(stdout, "residue-child: script done (key store: %s; weaker: %s)\n",
                 qPrintable(keyStore->description()),
                 controller.vault()->keyStoreWeak() ? "yes" : "no");
    return 0;
}
} // namespace

class TstAppResidue : public QObject
{
    Q_OBJECT

private:
    test::PrivateSecretService m_secrets;
    relaytest::RelayEnv m_env;
    liaison::SystemClock m_vaultClock;
    liaison::SystemClock m_clock;
    std::unique_ptr<vault::KeyStore> m_hqKeys;
    std::unique_ptr<test::TestHq> m_hq;
    QString m_relayUrl;
    QTemporaryDir m_tree; // the child's HOME, XDG folders and TMPDIR
    QString m_vaultDir;
    QString m_keyStoreDir;
    QList<residue::Canary> m_canaries;
    QByteArray m_log; // all the child printed
    bool m_ran = false;

    // The screens session (the app's QML layer): a desk, its relay, the enrolled device, the
    // session's own tree; run by the first of its two tests.
    std::unique_ptr<hqclitest::Desk> m_desk;
    relaytest::Backend m_screensBackend;
    relaytest::RelayProcess m_screensRelay;
    std::unique_ptr<devicetest::DeviceDir> m_device;
    QTemporaryDir m_screensTree; // the session's HOME, XDG folders and TMPDIR
    QList<residue::Canary> m_screensCanaries;
    QByteArray m_screensLog; // all the session printed
    bool m_screensTried = false;
    bool m_screensRan = false;
    // Test 3 over the app's QML layer: the session's process read while it is held after the
    // lock (liaison-screens --hold-after-lock).
    std::optional<residue::MemoryScan> m_screensMemory;

    QString treePath(const QString &name) const { return m_tree.filePath(name); }

    static crypto::SecretBytes passphrase()
    {
        return crypto::SecretBytes::copyOf(QByteArrayView(kPassphrase));
    }

    // Sets `field` of the first HQ record of `type` to `text`.
    bool makeCanary(model::RecordType type, const char *field, const QString &text)
    {
        auto all = m_hq->records().records(test::directorate::scopes());
        if (!all)
            return false;
        for (const model::RecordState &r : *all) {
            if (r.type != type || r.deleted)
                continue;
            model::FieldMap change;
            change.insert(QString::fromLatin1(field), text);
            return bool(m_hq->records().update(r.id, change));
        }
        return false;
    }

    // The vault's secrets, as the tests search for them: read back through the key file and the
    // key ring, the way an unlock derives them.
    QString addVaultSecrets(vault::KeyStore &keys)
    {
        return addVaultSecrets(keys, m_vaultDir, passphrase(), m_canaries);
    }
    static QString addVaultSecrets(vault::KeyStore &keys, const QString &vaultDir,
                                   const crypto::SecretBytes &passphrase,
                                   QList<residue::Canary> &canaries)
    {
        QFile f(vault::Vault::keyFilePath(vaultDir));
        if (!f.open(QIODevice::ReadOnly))
            return QStringLiteral("no key file");
        auto file = vault::parseKeyFile(f.readAll());
        if (!file)
            return QStringLiteral("key file: ") + file.error().message;
        auto pepper = keys.read(vault::pepperAliasName(file->header.pepperAlias));
        if (!pepper)
            return QStringLiteral("pepper: ") + pepper.error().message;
        auto kek = vault::deriveKek(passphrase, file->header, *pepper);
        if (!kek)
            return QStringLiteral("KEK: ") + kek.error().message;
        auto vk = vault::unwrapVaultKey(*file, *kek);
        if (!vk)
            return QStringLiteral("vault key: ") + vk.error().message;
        const crypto::SymmetricKey dbKey = crypto::crypto_kdf_derive_from_key(*vk, 1, "LIAISNdb");
        canaries.append({QStringLiteral("pepper"), bytesOf(*pepper)});
        canaries.append({QStringLiteral("vault key"), bytesOf(vk->bytes())});
        canaries.append({QStringLiteral("database key"), bytesOf(dbKey.bytes())});
        vault::VaultOptions options = testVault();
        options.database.migrations = device::deviceMigrations();
        liaison::SystemClock clock;
        auto loaded = vault::Vault::load(vaultDir, keys, clock, options);
        if (!loaded)
            return QStringLiteral("load: ") + loaded.error().message;
        if (auto u = (*loaded)->unlock(passphrase); !u)
            return QStringLiteral("unlock: ") + u.error().message;
        const vault::Identity &id = *(*loaded)->identity();
        canaries.append(
            {QStringLiteral("device signing seed"), bytesOf(id.sign.secretKey.bytes()).first(32)});
        canaries.append({QStringLiteral("device box key"), bytesOf(id.box.secretKey.bytes())});
        return {};
    }

    static QStringList describe(const QList<residue::Hit> &hits)
    {
        QStringList out;
        for (const residue::Hit &h : hits)
            out.append(h.form + QStringLiteral(" in ") + h.where);
        return out;
    }

    // The hits of a file scan that are not allowed: all but the duty number in duty.number, the
    // one allowed string (the lock screen's emergency number, kept outside the vault so the call
    // works while locked; issue 11). `dutyNumberSeen`: that one was found where it belongs.
    static QList<residue::Hit> refusedHits(const residue::FileScan &scan, bool &dutyNumberSeen)
    {
        QList<residue::Hit> refused;
        dutyNumberSeen = false;
        for (const residue::Hit &h : scan.hits) {
            const bool allowed =
                h.form == QLatin1String("duty number (raw)") &&
                h.where.endsWith(QLatin1Char('/') + QLatin1String(kDutyNumberFile));
            dutyNumberSeen |= allowed;
            if (!allowed)
                refused.append(h);
        }
        return refused;
    }

    // No form of any canary (the duty number included) in `log`; with `positions`, nothing like
    // the fixture's position either.
    static void checkLog(const QByteArray &log, const QList<residue::Canary> &canaries,
                         bool positions = true)
    {
        const QList<residue::Hit> hits =
            residue::search(log, QStringLiteral("the app's log"), residue::formsOf(canaries));
        QVERIFY2(hits.isEmpty(), qPrintable(describe(hits).join(u'\n')));
        const QStringList found =
            positions ? residue::coordinatesIn(QString::fromUtf8(log)) : QStringList();
        QVERIFY2(found.isEmpty(), qPrintable(found.join(u'\n')));
        qInfo("%lld bytes of log, %lld lines", qint64(log.size()), qint64(log.count('\n')));
    }

    // The desk (liaison-hq), its relay and a device enrolled by liaison-device, as
    // tst_netns_device's world makes them (without its network watch); HQ issues an instruction
    // after the enrolment; then liaison-screens --script on the device's vault.
    void runScreensSession()
    {
#if !defined(LIAISON_RESIDUE_WITH_SCREENS)
        QFAIL("built without the app (LIAISON_BUILD_APP=OFF): no liaison-screens to run");
#else
        using hqclitest::Run;
        m_screensTried = true;
        QVERIFY(makeTree(m_screensTree));
        m_desk = std::make_unique<hqclitest::Desk>();
        hqclitest::Desk &d = *m_desk;
        QVERIFY(d.rootInit());
        relaytest::Deployment dep;
        dep.root.publicKey = *crypto::SignPublicKey::fromHex(d.rootPublicKey.toLatin1());
        dep.id = *crypto::Id16::fromHex(d.deployment.toLatin1());
        dep.cert.clear();
        QString error;
        QVERIFY2(relaytest::makeBackend(QStringLiteral("sqlite"), d.dir, m_screensBackend, &error),
                 qPrintable(error));
        QVERIFY(m_screensRelay.start(d.dir, m_screensBackend, dep));
        QVERIFY(d.initStore(QStringLiteral("http://127.0.0.1:%1").arg(m_screensRelay.port)));
        const auto hq = [&d](const QStringList &args) {
            const Run r = d.hq(args);
            if (r.code != 0)
                qWarning("%s", hqclitest::describe(r).constData());
            return r;
        };
        QCOMPARE(hq({QStringLiteral("scope"), QStringLiteral("add"), QStringLiteral("post:vienna")})
                     .code,
                 0);
        // The contact: canary name and notes, and the duty number the lock screen keeps.
        QCOMPARE(hq({QStringLiteral("contact"), QStringLiteral("add"), QStringLiteral("--scope"),
                     QStringLiteral("post:vienna"), QStringLiteral("--name"),
                     QString::fromUtf8(kContactName), QStringLiteral("--notes"),
                     QString::fromUtf8(kContactNotes), QStringLiteral("--tag"),
                     QStringLiteral("hq"), QStringLiteral("--phone-24h"),
                     QStringLiteral("permanent service: ") + QLatin1String(kDutyNumber)})
                     .code,
                 0);
        QCOMPARE(hq({QStringLiteral("publish")}).code, 0);
        const Run added = hq({QStringLiteral("device"), QStringLiteral("add"),
                              QStringLiteral("--scope"), QStringLiteral("post:vienna"),
                              QStringLiteral("--label"), QStringLiteral("Residue screens")});
        QCOMPARE(added.code, 0);
        const QString deviceId = added.json.value(QStringLiteral("id")).toString();
        QVERIFY(d.writeFile(QStringLiteral("enrol.code"),
                            added.json.value(QStringLiteral("code")).toString().toLatin1() + '\n'));
        m_device = std::make_unique<devicetest::DeviceDir>();
        {
            devicetest::Enrolment enrol(*m_device, {},
                                        {QStringLiteral("--code-file"),
                                         d.path(QStringLiteral("enrol.code")),
                                         QStringLiteral("--timeout"), QStringLiteral("120")});
            const QString number = enrol.waitForSafetyNumber();
            if (number.isEmpty())
                QFAIL(devicetest::describe(enrol.finish(1000)).constData());
            QCOMPARE(hq({QStringLiteral("device"), QStringLiteral("confirm"), deviceId,
                         QStringLiteral("--number"), number})
                         .code,
                     0);
            const devicetest::ToolRun done = enrol.finish(120000);
            QVERIFY2(done.code == 0, devicetest::describe(done).constData());
        }
        QVERIFY(d.writeFile(QStringLiteral("order.md"), QByteArray("# ") + kScreensOrderTitle +
                                                            "\n\n" + kScreensOrderBody + '\n'));
        QCOMPARE(
            hq({QStringLiteral("instruction"), QStringLiteral("issue"), QStringLiteral("--scope"),
                QStringLiteral("post:vienna"), QStringLiteral("--body"),
                d.path(QStringLiteral("order.md")), QStringLiteral("--requires-ack")})
                .code,
            0);
        QCOMPARE(hq({QStringLiteral("publish")}).code, 0);

        // The canaries: the passphrase the session types, what it shows and writes, the duty
        // number, and the vault's secrets (its key store is the key ring, as the app's).
        m_screensCanaries = {
            {QStringLiteral("passphrase"), devicetest::kDevicePassphrase, true},
            {QStringLiteral("contact name"), QByteArray(kContactName), true},
            {QStringLiteral("contact notes"), QByteArray(kContactNotes), true},
            {QStringLiteral("instruction title"), QByteArray(kScreensOrderTitle), true},
            {QStringLiteral("instruction body"), QByteArray(kScreensOrderBody), true},
            {QStringLiteral("field report"), QByteArray(kReportText), true},
            {QStringLiteral("duty number"), QByteArray(kDutyNumber), true},
        };
        const auto keys =
            platform::createKeyStore({m_device->keyStoreDir(), QStringLiteral("liaison"), false});
        QVERIFY2(!keys->description().contains(QLatin1String("software")),
                 qPrintable(keys->description()));
        const QString secrets = addVaultSecrets(
            *keys, m_device->vaultDir(),
            crypto::SecretBytes::copyOf(QByteArrayView(devicetest::kDevicePassphrase)),
            m_screensCanaries);
        QVERIFY2(secrets.isEmpty(), qPrintable(secrets));
        QCOMPARE(m_screensCanaries.size(), 12);

        // ---- the app's UI: unlock, sync, browse, search, acknowledge, report, sync, lock ----
        QProcessEnvironment env = childEnvironment(m_screensTree, m_secrets.address());
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        env.insert(QStringLiteral("LIAISON_SCREENS_TEST_KDF"), QStringLiteral("1"));
        // Freed memory zeroed at once, whatever its size: ASan's quarantine then keeps no freed
        // bytes readable, as liaison_heapwipe makes glibc's free() do in the product; what the
        // memory scan below finds is what the app still holds.
        env.insert(QStringLiteral("ASAN_OPTIONS"),
                   QStringLiteral("detect_leaks=0:abort_on_error=1:max_free_fill_size=2147483647:"
                                  "free_fill_byte=0"));
        QProcess child;
        child.setProcessEnvironment(env);
        child.setProcessChannelMode(QProcess::MergedChannels);
        child.setWorkingDirectory(m_screensTree.filePath(QStringLiteral("home")));
        QElapsedTimer t;
        t.start();
        child.start(test::buildPath(QStringLiteral("tests/screens/liaison-screens")),
                    {QStringLiteral("--script"), QStringLiteral("--vault"), m_device->vaultDir(),
                     QStringLiteral("--keystore"), m_device->keyStoreDir(),
                     QStringLiteral("--passphrase-stdin"), QStringLiteral("--texts-stdin"),
                     QStringLiteral("--hold-after-lock")});
        QVERIFY(child.waitForStarted(10'000));
        // The passphrase, the expected title and the report text on stdin: nothing of them in
        // the child's argv, which stays on its stack.
        child.write(devicetest::kDevicePassphrase + '\n' + kScreensOrderTitle + '\n' + kReportText +
                    '\n');
        if (runToEnd(child, m_screensLog, 120'000, "session: held\n")) {
            // 64 GiB: larger mappings are AddressSanitizer's shadow (terabytes, no data).
            m_screensMemory = residue::scanProcessMemory(
                child.processId(), residue::formsOf(m_screensCanaries), 64ull << 30);
            child.write("\n"); // released: the app quits
        }
        child.closeWriteChannel();
        QVERIFY2(runToEnd(child, m_screensLog, 120'000), "the session did not finish in 120 s");
        qInfo("the session took %lld ms", qint64(t.elapsed()));
        if (child.exitCode() != 0) { // the whole log, for the one who reads the failure
            QFile keep(QDir::temp().filePath(QStringLiteral("tst_app_residue-screens.log")));
            if (keep.open(QIODevice::WriteOnly))
                keep.write(m_screensLog);
        }
        const QByteArray tail = m_screensLog.right(3000);
        QVERIFY2(child.exitStatus() == QProcess::NormalExit && child.exitCode() == 0,
                 qPrintable(QStringLiteral("the session failed (%1):\n").arg(child.exitCode()) +
                            QString::fromUtf8(tail)));
        // Every step ran: the passphrase typed, the instruction shown and acknowledged on its
        // card, every tab and a card of each list, the report typed, both sent, the lock.
        for (const char *step :
             {"session: unlocked", "session: expected record arrived", "awaits acknowledgement",
              "session: browsed", "session: acknowledged the instruction", "session: report queued",
              "session: sent 2 change(s)", "session: locked", "session: done", "session: held"})
            QVERIFY2(m_screensLog.contains(step), qPrintable(QStringLiteral("no \"%1\" in: %2")
                                                                 .arg(QLatin1String(step))
                                                                 .arg(QString::fromUtf8(tail))));
        m_screensRan = true;
#endif
    }

    void ensureScreensSession()
    {
        if (!m_screensTried)
            runScreensSession();
    }

private Q_SLOTS:
    void initTestCase()
    {
        // This process stands in for liaison-device, which writes the vault at enrolment after
        // hardenProcess() (umask 077).
        ::umask(077);
        // The key ring first: the device's key store is the Secret Service, here as in the child.
        QVERIFY2(m_secrets.startBus(), qPrintable(m_secrets.error()));
        QVERIFY2(m_secrets.startKeyring(), qPrintable(m_secrets.error()));
        qputenv("DBUS_SESSION_BUS_ADDRESS", m_secrets.address().toUtf8());

        QVERIFY(makeTree(m_tree));
        m_vaultDir = treePath(QStringLiteral("data/Liaison/liaison/vault"));
        m_keyStoreDir = treePath(QStringLiteral("data/Liaison/liaison/keystore"));

        QVERIFY2(m_env.setUp(QStringLiteral("sqlite")), qPrintable(m_env.error));
        m_hqKeys = platform::createKeyStore({m_env.dir->filePath(QStringLiteral("hq/keystore")),
                                             QStringLiteral("liaison-residue-hq"), true});
        auto hq = test::TestHq::create(m_env.dir->filePath(QStringLiteral("hq")), passphrase(),
                                       *m_hqKeys, m_vaultClock, m_clock, testVault());
        QVERIFY2(hq, hq ? "" : qPrintable(hq.error().message));
        m_hq = std::move(*hq);
        m_env.dep->root.publicKey = m_hq->rootPublicKey();
        m_env.dep->cert.clear();
        QVERIFY2(m_env.startRelay(), qPrintable(m_env.error));
        m_relayUrl = QStringLiteral("http://127.0.0.1:%1").arg(m_env.relay->port);

        // HQ: certificate, records with canaries, the enrolled device, what the relay holds.
        device::DeviceProfile hqView;
        hqView.relayUrl = m_relayUrl;
        hqView.deploymentId = m_hq->deploymentId();
        auto endpoint = device::relayEndpointFor(hqView);
        QVERIFY(endpoint && m_hq->connectRelay(*endpoint));
        auto cert = m_hq->issueCertificate();
        QVERIFY(cert && m_hq->installCertificate(*cert));
        QVERIFY(test::directorate::seedDirectorate(m_hq->records(), m_clock.wallMs()));
        QVERIFY(makeCanary(model::RecordType::Contact, "name", QString::fromUtf8(kContactName)));
        QVERIFY(makeCanary(model::RecordType::Contact, "notes", QString::fromUtf8(kContactNotes)));
        QVERIFY(
            makeCanary(model::RecordType::CaseSummary, "summary", QString::fromUtf8(kCaseSummary)));
        QVERIFY(makeCanary(model::RecordType::Instruction, "body",
                           QString::fromUtf8(kInstructionBody)));
        QVERIFY(makeCanary(model::RecordType::ScheduleItem, "escortNotes",
                           QString::fromUtf8(kEscortNotes)));
        QVERIFY(m_hq->publishEdits());

        const auto deviceKeys =
            platform::createKeyStore({m_keyStoreDir, QStringLiteral("liaison-residue"), false});
        QVERIFY2(!deviceKeys->description().contains(QLatin1String("software")),
                 qPrintable(deviceKeys->description()));
        auto profile =
            test::createEnrolledDevice(*m_hq, m_vaultDir, passphrase(), *deviceKeys, m_vaultClock,
                                       QStringLiteral("Residue device"),
                                       test::directorate::scopes(), m_relayUrl, {}, testVault());
        QVERIFY2(profile, profile ? "" : qPrintable(profile.error().message));
        auto record = m_hq->registry().device(profile->deviceId);
        QVERIFY(record && *record);
        QVERIFY(m_hq->putDevice(profile->deviceId, (*record)->signKey, 1));
        QVERIFY(m_hq->receiver().sendResync(profile->deviceId));
        QVERIFY(m_hq->receiver().sendHeartbeat(profile->deviceId));
        QVERIFY(m_hq->syncOnce());

        m_canaries = {
            {QStringLiteral("passphrase"), QByteArray(kPassphrase), true},
            {QStringLiteral("contact name"), QByteArray(kContactName), true},
            {QStringLiteral("contact notes"), QByteArray(kContactNotes), true},
            {QStringLiteral("case summary"), QByteArray(kCaseSummary), true},
            {QStringLiteral("instruction body"), QByteArray(kInstructionBody), true},
            {QStringLiteral("escort notes"), QByteArray(kEscortNotes), true},
            {QStringLiteral("field report"), QByteArray(kReportText), true},
            {QStringLiteral("duty number"), QByteArray(kDutyNumber), true},
        };
        const QString secrets = addVaultSecrets(*deviceKeys);
        QVERIFY2(secrets.isEmpty(), qPrintable(secrets));
        QCOMPARE(m_canaries.size(), 13);

        // ---- the app, in its own process and tree, every logging category on ----
        QProcess child;
        child.setProcessEnvironment(childEnvironment(m_tree, m_secrets.address()));
        child.setProcessChannelMode(QProcess::MergedChannels);
        child.setWorkingDirectory(treePath(QStringLiteral("home")));
        child.start(QCoreApplication::applicationFilePath(),
                    {QStringLiteral("--residue-child"), QStringLiteral("--vault"), m_vaultDir,
                     QStringLiteral("--keystore"), m_keyStoreDir, QStringLiteral("--nmea"),
                     QStringLiteral(LIAISON_NMEA_FIXTURE), QStringLiteral("--search"),
                     QString::fromLatin1(kSearch), QStringLiteral("--report"),
                     QString::fromLatin1(kReportText)});
        QVERIFY(child.waitForStarted(10'000));
        child.write(QByteArray(kPassphrase) + '\n');
        child.closeWriteChannel();
        QVERIFY2(runToEnd(child, m_log, 300'000), "the app did not finish in 300 s");
        if (child.exitCode() != 0) { // the whole log, for the one who reads the failure
            QFile keep(QDir::temp().filePath(QStringLiteral("tst_app_residue-child.log")));
            if (keep.open(QIODevice::WriteOnly))
                keep.write(m_log);
        }
        const QByteArray tail = m_log.right(2000);
        QVERIFY2(child.exitStatus() == QProcess::NormalExit && child.exitCode() == 0,
                 qPrintable(QStringLiteral("the app failed (%1):\n").arg(child.exitCode()) +
                            QString::fromUtf8(tail)));
        QVERIFY2(
            m_log.contains(
                "residue-child: script done (key store: the desktop key ring (Secret Service)"),
            tail.constData());
        // The key ring is not the weaker software store: the app must not say it is.
        QVERIFY2(m_log.contains("; weaker: no)"), tail.constData());
        m_ran = true;

        // The report went through the relay to HQ: the sync step really ran.
        QVERIFY(m_hq->syncOnce());
        auto atHq = m_hq->records().records(test::directorate::scopes());
        QVERIFY(atHq);
        bool reportAtHq = false;
        for (const model::RecordState &r : *atHq)
            reportAtHq |= r.type == model::RecordType::FieldReport &&
                          r.fields.value(QStringLiteral("text")).value.toString() ==
                              QLatin1String(kReportText);
        QVERIFY(reportAtHq);
    }

    void cleanupTestCase()
    {
        m_screensRelay.stop();
        m_hq.reset();
        m_env.tearDown();
        qputenv("DBUS_SESSION_BUS_ADDRESS", QByteArray());
    }

    // The scans find what is there (not vacuous): each form, planted in a file and in a log.
    void scannersFindEveryForm()
    {
        QTemporaryDir planted;
        const residue::Canary c{QStringLiteral("probe"), QByteArray("probe text 1234"), true};
        const QList<residue::Form> forms = residue::formsOf(c);
        QCOMPARE(forms.size(), 8);
        for (int i = 0; i < forms.size(); ++i) {
            QFile f(planted.filePath(QString::number(i)));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("before " + forms[i].bytes + " after");
            QVERIFY(f.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ReadOther));
        }
        const residue::FileScan scan = residue::scanFiles(planted.path(), forms);
        QCOMPARE(scan.files.size(), forms.size());
        QVERIFY(scan.hits.size() >= forms.size());
        QCOMPARE(scan.looseMode.size(), forms.size()); // 0604: readable by others
        for (const char *text : {"at 50.8431 N", "lat 50,843", "5050.5860,N", "00422.9620,E",
                                 "4.38270", "508431000", "43827000", "50°50'"})
            QVERIFY2(!residue::coordinatesIn(QString::fromUtf8(text)).isEmpty(), text);
        for (const char *text : {"rounds 4.3", "took 508 ms", "version 6.4.2", "4.30"})
            QVERIFY2(residue::coordinatesIn(QString::fromUtf8(text)).isEmpty(), text);
    }

    void filesHoldNoSecretAndNoRecord()
    {
        QVERIFY(m_ran);
        const residue::FileScan scan =
            residue::scanFiles(m_tree.path(), residue::formsOf(m_canaries));
        // What the app wrote: the vault, its key file and the duty number at least.
        QVERIFY2(scan.files.size() >= 3, qPrintable(scan.files.join(u'\n')));
        for (const QString &f :
             {vault::Vault::databasePath(m_vaultDir), vault::Vault::keyFilePath(m_vaultDir),
              m_vaultDir + QLatin1Char('/') + QLatin1String(kDutyNumberFile)})
            QVERIFY2(scan.files.contains(f), qPrintable(f));
        bool dutyNumberSeen = false;
        const QList<residue::Hit> refused = refusedHits(scan, dutyNumberSeen);
        QVERIFY2(refused.isEmpty(), qPrintable(describe(refused).join(u'\n')));
        QVERIFY(dutyNumberSeen); // the allowed string is where the lock screen reads it
        QVERIFY2(scan.looseMode.isEmpty(), qPrintable(scan.looseMode.join(u'\n')));
        qInfo("%lld files searched for %lld forms of %lld canaries", qint64(scan.files.size()),
              qint64(residue::formsOf(m_canaries).size()), qint64(m_canaries.size()));
    }

    void logsHoldNoSecretNoRecordNoPosition()
    {
        QVERIFY(m_ran);
        // The capture is complete: the project's categories and Qt's own debug output are in it.
        QVERIFY2(m_log.contains("liaison.app.vault: unlocked"), m_log.left(2000).constData());
        QVERIFY(m_log.contains("liaison.device.sync: round finished"));
        QVERIFY(m_log.contains("liaison.app.report: check-in queued"));
        QVERIFY(m_log.contains("qt.core.plugin"));
        checkLog(m_log, m_canaries);
    }

    // Test 1 over the app's QML layer: every file the screens session wrote (its tree: HOME,
    // config, cache, data, state, runtime, TMPDIR; the device folder: vault, key store folder).
    void screensSessionFilesHoldNoSecretAndNoRecord()
    {
        ensureScreensSession();
        if (QTest::currentTestFailed())
            return;
        QVERIFY2(m_screensRan, "the screens session did not run (see the first test)");
        const QList<residue::Form> forms = residue::formsOf(m_screensCanaries);
        residue::FileScan scan = residue::scanFiles(m_screensTree.path(), forms);
        const residue::FileScan device = residue::scanFiles(m_device->dir(), forms);
        scan.files += device.files;
        scan.hits += device.hits;
        scan.looseMode += device.looseMode;
        const QString vaultDir = m_device->vaultDir();
        for (const QString &f :
             {vault::Vault::databasePath(vaultDir), vault::Vault::keyFilePath(vaultDir),
              vaultDir + QLatin1Char('/') + QLatin1String(kDutyNumberFile)})
            QVERIFY2(scan.files.contains(f), qPrintable(scan.files.join(u'\n')));
        bool dutyNumberSeen = false;
        const QList<residue::Hit> refused = refusedHits(scan, dutyNumberSeen);
        QVERIFY2(refused.isEmpty(), qPrintable(describe(refused).join(u'\n')));
        QVERIFY(dutyNumberSeen);
        QVERIFY2(scan.looseMode.isEmpty(), qPrintable(scan.looseMode.join(u'\n')));
        qInfo("%lld files searched for %lld forms of %lld canaries:\n%s", qint64(scan.files.size()),
              qint64(forms.size()), qint64(m_screensCanaries.size()),
              qPrintable(scan.files.join(u'\n')));
    }

    // Test 3 over the app's QML layer (the issue's "Memory"), a sync with HQ included: the
    // session's process, held after the lock with its event loop running, read through
    // /proc/PID/mem (every private mapping but ASan's shadow) and searched for every form of
    // every canary. The one string allowed is the lock screen's duty number, which it shows; it
    // must be found, or the scan did not read where the app's texts live.
    // Built with ASan, as every test here, but with freed memory zeroed at once (see the
    // child's ASAN_OPTIONS): the quarantine keeps no freed bytes readable. residue-memory does
    // the same scan in the product's build, without sanitizers, over AppController and no relay.
    void screensSessionMemoryAfterLockHoldsNoSecretNoRecord()
    {
        ensureScreensSession();
        if (QTest::currentTestFailed())
            return;
        QVERIFY2(m_screensRan, "the screens session did not run (see the first test)");
        QVERIFY2(m_screensMemory.has_value(), "the session was not held after the lock");
        const residue::MemoryScan &scan = *m_screensMemory;
        QVERIFY2(scan.error.isEmpty(), qPrintable(scan.error));
        qInfo("after lock: %d mappings, %.1f MiB searched for %lld forms of %lld canaries; not "
              "read: %s",
              scan.mappings, double(scan.bytesRead) / 1048576.0,
              qint64(residue::formsOf(m_screensCanaries).size()), qint64(m_screensCanaries.size()),
              qPrintable(scan.skipped.join(QStringLiteral(", "))));
        QList<residue::Hit> refused;
        bool dutyNumberSeen = false;
        for (const residue::Hit &h : scan.hits) {
            const bool duty = h.form.startsWith(QLatin1String("duty number ("));
            dutyNumberSeen |= duty;
            if (!duty)
                refused.append(h);
        }
        QVERIFY2(refused.isEmpty(), qPrintable(describe(refused).join(u'\n')));
        QVERIFY2(dutyNumberSeen, "the scan did not find the duty number the lock screen shows");
    }

    // Test 2 over the app's QML layer: all the screens session printed, every category on.
    void screensSessionLogsHoldNoSecretNoRecordNoPosition()
    {
        ensureScreensSession();
        if (QTest::currentTestFailed())
            return;
        QVERIFY2(m_screensRan, "the screens session did not run (see the first test)");
        // The capture is complete: the project's categories and Qt's, the QML engine's too.
        QVERIFY2(m_screensLog.contains("liaison.app.vault: unlocked"),
                 m_screensLog.left(2000).constData());
        QVERIFY(m_screensLog.contains("liaison.device.sync: round finished"));
        QVERIFY(m_screensLog.contains("qt.core.plugin"));
        QVERIFY(m_screensLog.contains("qt.qml"));
        // No position check here: the session takes no fix (no NMEA replay, no report with a
        // position, no check-in), so a match could only be Qt's own output, which with every
        // category on matches the pattern by chance: QRegion "(50,836 108x56)" from
        // qt.scenegraph, byte counts "43874236" from qt.qml.gc.allocatorStats.
        checkLog(m_screensLog, m_screensCanaries, false);
        if (QTest::currentTestFailed()) { // the whole log, for the one who reads the failure
            QFile keep(QDir::temp().filePath(QStringLiteral("tst_app_residue-screens.log")));
            if (keep.open(QIODevice::WriteOnly))
                keep.write(m_screensLog);
        }
    }
};

int main(int argc, char **argv)
{
    if (argc > 1 && qstrcmp(argv[1], "--residue-child") == 0)
        return runChild(argc, argv);
    QCoreApplication app(argc, argv);
    liaison::test::prepareTestProcess();
    TstAppResidue tc;
    return QTest::qExec(&tc, argc, argv);
}

#include "tst_app_residue.moc"
