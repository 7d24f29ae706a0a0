// liaison-device enrol: DESIGN.md "Enrolment" on the device's side (device/enrolclient.h).
//
// Prints "Safety number: NNNNN NNNNN ... (12 groups)" on stdout as soon as the submission is at
// the relay, then waits for HQ; exits 0 with "enrolled: N records in scopes A, B" once HQ's RESYNC
// is applied, or 1 with the reason (damaged code, expired, cancelled, relay unreachable, timeout).

#include "devicetool.h"

#include "device/enrolclient.h"
#include "keystorefactory.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QNetworkAccessManager>

#include <cstdio>

namespace liaison::devicetool {

namespace {

const QString kName = QStringLiteral("enrol");

void options(QCommandLineParser &p)
{
    p.addOption({QStringLiteral("code"),
                 QStringLiteral("The enrolment code as the desk printed it (groups and line "
                                "breaks are fine)."),
                 QStringLiteral("text")});
    p.addOption({QStringLiteral("code-file"),
                 QStringLiteral("Read the enrolment code from FILE (- for stdin)."),
                 QStringLiteral("file")});
    addDirOption(p);
    addPassphraseOption(p);
    p.addOption({QStringLiteral("label"),
                 QStringLiteral("A name for people, e.g. \"Liaison officer, Vienna\"."),
                 QStringLiteral("text")});
    p.addOption({QStringLiteral("timeout"),
                 QStringLiteral("Stop waiting for HQ's confirmation after SECONDS (default: "
                                "until the code expires)."),
                 QStringLiteral("seconds")});
    p.addOption(
        {QStringLiteral("software-key-store"),
         QStringLiteral("Keep the pepper and the other key-store items in files in "
                        "DIR/keystore (weaker: copied with the vault, they open it) instead "
                        "of the desktop key ring (Secret Service). Without a D-Bus session "
                        "bus the files are used anyway.")});
    addJsonOption(p);
}

int run(QCommandLineParser &p)
{
    const bool json = p.isSet(QStringLiteral("json"));
    if (p.isSet(QStringLiteral("code")) == p.isSet(QStringLiteral("code-file")))
        return usageError(kName, QStringLiteral("give the code: --code TEXT or --code-file FILE"));
    auto layout = layoutFrom(p);
    if (!layout)
        return usageError(kName, layout.error().message);
    if (p.value(QStringLiteral("code-file")) == QLatin1String("-") &&
        p.value(QStringLiteral("passphrase-file")) == QLatin1String("-"))
        return usageError(kName, QStringLiteral("only one of --code-file and --passphrase-file "
                                                "can read stdin"));
    std::int64_t timeoutMs = 0;
    if (p.isSet(QStringLiteral("timeout"))) {
        bool ok = false;
        const qint64 seconds = p.value(QStringLiteral("timeout")).toLongLong(&ok);
        if (!ok || seconds < 1 || seconds > 3 * 24 * 3600)
            return usageError(kName, QStringLiteral("--timeout wants whole seconds, 1 to 259200"));
        timeoutMs = seconds * 1000;
    }
    auto passphrase = readPassphrase(p);
    if (!passphrase)
        return usageError(kName, passphrase.error().message);
    crypto::SecretBytes code;
    if (p.isSet(QStringLiteral("code"))) {
        code = crypto::SecretBytes::copyOf(p.value(QStringLiteral("code")).toUtf8());
    } else {
        auto read = readSecretFile(p.value(QStringLiteral("code-file")));
        if (!read)
            return failure(kName, QStringLiteral("the code file: %1").arg(read.error().message));
        code = std::move(*read);
    }

    const auto ownedKeyStore =
        platform::createKeyStore({layout->keyStoreDir(), QString::fromLatin1(kKeyStoreService),
                                  p.isSet(QStringLiteral("software-key-store"))});
    vault::KeyStore &keyStore = *ownedKeyStore;
    liaison::SystemClock vaultClock;
    liaison::SystemClock clock;
    QNetworkAccessManager nam;
    device::EnrolClient client(&nam, keyStore, vaultClock, clock);
    device::EnrolOptions o;
    o.label = p.value(QStringLiteral("label"));
    o.vault = vaultOptions();
    o.timeoutMs = timeoutMs;

    int exitCode = kExitFailure;
    QObject::connect(&client, &device::EnrolClient::progress, [json](const QString &step) {
        if (!json)
            std::fprintf(stderr, "enrol: %s\n", qPrintable(step));
    });
    QObject::connect(
        &client, &device::EnrolClient::submitted, [&](const protocol::SafetyNumber &number) {
            const QString device = QString::fromLatin1(client.deviceId().toHex());
            if (json) {
                printJson({{QStringLiteral("event"), QStringLiteral("submitted")},
                           {QStringLiteral("device"), device},
                           {QStringLiteral("safety_number"), number.toString()}});
                return;
            }
            printLine(QStringLiteral("Safety number: %1").arg(number.toString()));
            std::fprintf(stderr, "enrol: read all 12 groups to the desk when it calls; "
                                 "waiting for HQ to confirm\n");
        });
    QObject::connect(
        &client, &device::EnrolClient::finished,
        [&](device::EnrolOutcome outcome, const QString &reason) {
            if (outcome != device::EnrolOutcome::Confirmed) {
                if (json)
                    printJson({{QStringLiteral("event"), QStringLiteral("failed")},
                               {QStringLiteral("outcome"),
                                QString::fromLatin1(device::enrolOutcomeName(outcome))},
                               {QStringLiteral("reason"), reason}});
                else
                    failure(kName, reason);
                // Nothing is left behind by a refused enrolment but directories that were
                // empty (rmdir removes only those).
                if (!vault::Vault::exists(layout->vaultDir())) {
                    QFile::remove(
                        QDir(layout->keyStoreDir()).filePath(QStringLiteral("platform-key-store")));
                    QDir(layout->root).rmdir(QStringLiteral("keystore"));
                    QDir().rmdir(layout->root);
                }
                exitCode = kExitFailure;
                QCoreApplication::exit(0);
                return;
            }
            model::RecordStore &records = client.session()->records();
            const QStringList scopes = records.scopes();
            const auto count = records.recordCount();
            const device::DeviceProfile &profile = *client.session()->profile();
            if (json) {
                printJson(
                    {{QStringLiteral("event"), QStringLiteral("enrolled")},
                     {QStringLiteral("device"), QString::fromLatin1(profile.deviceId.toHex())},
                     {QStringLiteral("records"), count ? qint64(*count) : -1},
                     {QStringLiteral("scopes"), QJsonArray::fromStringList(scopes)},
                     {QStringLiteral("wipe_id_known"), profile.wipeId.has_value()},
                     {QStringLiteral("vault"), layout->vaultDir()}});
            } else {
                printLine(QStringLiteral("enrolled: %1 records in scopes %2")
                              .arg(count ? *count : -1)
                              .arg(scopes.isEmpty() ? QStringLiteral("(none)")
                                                    : scopes.join(QStringLiteral(", "))));
                printLine(QStringLiteral("device: %1")
                              .arg(QString::fromLatin1(profile.deviceId.toHex())));
                printLine(QStringLiteral("vault: %1 (open with: liaison --vault %1)")
                              .arg(QDir::toNativeSeparators(layout->vaultDir())));
                if (!profile.wipeId)
                    std::fprintf(stderr, "enrol: warning: HQ sent no wipe id; the locked wipe "
                                         "path is not armed\n");
            }
            exitCode = kExitOk;
            QCoreApplication::exit(0);
        });
    client.start(std::move(code), layout->vaultDir(), std::move(*passphrase), std::move(o));
    QCoreApplication::exec();
    return exitCode;
}

} // namespace

Command enrolCommand()
{
    return {kName, QStringLiteral("Enrol this device with an enrolment code; wait for HQ."),
            options, run};
}

} // namespace liaison::devicetool
