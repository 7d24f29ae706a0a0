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

#include "appcontroller.h"
#include "device/dutynumber.h"
#include "directoraterecords.h"
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
#include <sys/stat.h>

using namespace liaison;

namespace {
using namespace liaison::residue; // the canaries (residueapp.h)
// The one record string allowed in a file: the lock screen's emergency number, in duty.number.
const char kDutyNumber[] = "+420 974 834 210";
const char kDutyNumberFile[] = "duty.number";

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
        QFile f(vault::Vault::keyFilePath(m_vaultDir));
        if (!f.open(QIODevice::ReadOnly))
            return QStringLiteral("no key file");
        auto file = vault::parseKeyFile(f.readAll());
        if (!file)
            return QStringLiteral("key file: ") + file.error().message;
        auto pepper = keys.read(vault::pepperAliasName(file->header.pepperAlias));
        if (!pepper)
            return QStringLiteral("pepper: ") + pepper.error().message;
        auto kek = vault::deriveKek(passphrase(), file->header, *pepper);
        if (!kek)
            return QStringLiteral("KEK: ") + kek.error().message;
        auto vk = vault::unwrapVaultKey(*file, *kek);
        if (!vk)
            return QStringLiteral("vault key: ") + vk.error().message;
        const crypto::SymmetricKey dbKey = crypto::crypto_kdf_derive_from_key(*vk, 1, "LIAISNdb");
        m_canaries.append({QStringLiteral("pepper"), bytesOf(*pepper)});
        m_canaries.append({QStringLiteral("vault key"), bytesOf(vk->bytes())});
        m_canaries.append({QStringLiteral("database key"), bytesOf(dbKey.bytes())});
        vault::VaultOptions options = testVault();
        options.database.migrations = device::deviceMigrations();
        auto loaded = vault::Vault::load(m_vaultDir, keys, m_vaultClock, options);
        if (!loaded)
            return QStringLiteral("load: ") + loaded.error().message;
        if (auto u = (*loaded)->unlock(passphrase()); !u)
            return QStringLiteral("unlock: ") + u.error().message;
        const vault::Identity &id = *(*loaded)->identity();
        m_canaries.append(
            {QStringLiteral("device signing seed"), bytesOf(id.sign.secretKey.bytes()).first(32)});
        m_canaries.append({QStringLiteral("device box key"), bytesOf(id.box.secretKey.bytes())});
        return {};
    }

    static QStringList describe(const QList<residue::Hit> &hits)
    {
        QStringList out;
        for (const residue::Hit &h : hits)
            out.append(h.form + QStringLiteral(" in ") + h.where);
        return out;
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

        QVERIFY(m_tree.isValid());
        for (const char *dir : {"home", "config", "cache", "data", "state", "run", "tmp"}) {
            QVERIFY(QDir().mkpath(treePath(QString::fromLatin1(dir))));
            QVERIFY(QFile::setPermissions(treePath(QString::fromLatin1(dir)),
                                          QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
        }
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
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("HOME"), treePath(QStringLiteral("home")));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), treePath(QStringLiteral("config")));
        env.insert(QStringLiteral("XDG_CACHE_HOME"), treePath(QStringLiteral("cache")));
        env.insert(QStringLiteral("XDG_DATA_HOME"), treePath(QStringLiteral("data")));
        env.insert(QStringLiteral("XDG_STATE_HOME"), treePath(QStringLiteral("state")));
        env.insert(QStringLiteral("XDG_RUNTIME_DIR"), treePath(QStringLiteral("run")));
        env.insert(QStringLiteral("TMPDIR"), treePath(QStringLiteral("tmp")));
        env.insert(QStringLiteral("DBUS_SESSION_BUS_ADDRESS"), m_secrets.address());
        env.insert(QStringLiteral("QT_LOGGING_RULES"), QStringLiteral("*=true"));
        env.insert(QStringLiteral("QT_FORCE_STDERR_LOGGING"), QStringLiteral("1"));
        env.remove(QStringLiteral("QT_MESSAGE_PATTERN"));
        QProcess child;
        child.setProcessEnvironment(env);
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
        QElapsedTimer t;
        t.start();
        while (child.state() != QProcess::NotRunning && t.elapsed() < 300'000) {
            child.waitForReadyRead(200);
            m_log += child.readAll();
            QCoreApplication::processEvents(); // the relay's output
        }
        m_log += child.readAll();
        QVERIFY2(child.state() == QProcess::NotRunning, "the app did not finish in 300 s");
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
        QList<residue::Hit> refused;
        bool dutyNumberSeen = false;
        for (const residue::Hit &h : scan.hits) {
            // The one allowed string: the lock screen's duty number in its own file, kept
            // outside the vault so the emergency call works while locked (issue 11).
            const bool allowed =
                h.form == QLatin1String("duty number (raw)") &&
                h.where.endsWith(QLatin1Char('/') + QLatin1String(kDutyNumberFile));
            dutyNumberSeen |= allowed;
            if (!allowed)
                refused.append(h);
        }
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
        const QList<residue::Hit> hits =
            residue::search(m_log, QStringLiteral("the app's log"), residue::formsOf(m_canaries));
        QVERIFY2(hits.isEmpty(), qPrintable(describe(hits).join(u'\n')));
        const QStringList positions = residue::coordinatesIn(QString::fromUtf8(m_log));
        QVERIFY2(positions.isEmpty(), qPrintable(positions.join(u'\n')));
        qInfo("%lld bytes of log, %lld lines", qint64(m_log.size()), qint64(m_log.count('\n')));
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
