#pragma once

// liaison-device: the device side, headless (issue 10 "Enrolment, device side"; DESIGN.md
// "Enrolment", "Device sync engine"). Tests and scripts/demo use it in place of the app; the
// shipped `liaison` never reads a passphrase from a file, this tool does (and only so).
//
//   liaison-device enrol   --code TEXT | --code-file FILE  --dir DIR  --passphrase-file FILE|-
//                          [--label L] [--timeout SECONDS] [--json]
//   liaison-device sync    --dir DIR --passphrase-file FILE|- [--json]
//   liaison-device records --dir DIR --passphrase-file FILE|- [--scope S] [--json]
//   liaison-device status  --dir DIR [--passphrase-file FILE|-] [--json]
//
// With the passphrase, `status` also shows HQ's policy as the device keeps it (auto-lock ceiling,
// erase-after count, version) and the erase-after count the vault's key file holds: like the app,
// the tool writes the policy's count into the key file whenever it unlocks the vault. It also says
// whether there has been "no word from HQ" (newest verified HEARTBEAT older than 48 h, the app's
// rule: client::SyncStatus::noWordFromHqAt), with that HEARTBEAT's HQ time.
//
// DIR is the device directory of device/devicelayout.h: `liaison --vault DIR/vault` opens it.
// Every command: --help; exit 0 ok, 1 failure, 2 usage; human output by default, JSON with --json
// (one object per line; enrol prints one when the submission is posted and one at the end).
// LIAISON_DEVICE_TEST_KDF=1 (test builds only) creates vaults with the small Argon2id profile;
// the app of a production build refuses to open those. LIAISON_DEVICE_TEST_CLOCK_OFFSET_MS=MS
// (test builds only) moves the clock of an unlocked device on by MS (e.g. two days without word).

#include "clock/clock.h"
#include "crypto/secret.h"
#include "device/devicelayout.h"
#include "device/devicestore.h"
#include "error.h"
#include "vault/vault.h"

#include <QCommandLineParser>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>

namespace liaison::devicetool {

// The platform key store's service name: the app's own, since `liaison --vault DIR/vault` opens
// the vault this tool enrols (platform/keystorefactory.h).
inline constexpr char kKeyStoreService[] = "liaison";

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

struct Command
{
    QString name;
    QString summary;
    std::function<void(QCommandLineParser &)> options;
    std::function<int(QCommandLineParser &)> run;
};

[[nodiscard]] QList<Command> commands();
[[nodiscard]] Command enrolCommand();
[[nodiscard]] Command syncCommand();
[[nodiscard]] Command recordsCommand();
[[nodiscard]] Command statusCommand();

// ---- shared by the commands ----
void addDirOption(QCommandLineParser &parser);
void addPassphraseOption(QCommandLineParser &parser);
void addJsonOption(QCommandLineParser &parser);

// Error lines go to stderr as "liaison-device: <command>: <text>"; the return is the exit code.
int usageError(const QString &command, const QString &text);
int failure(const QString &command, const QString &text);
// stdout, flushed at once (tests read it while the process still runs).
void printLine(const QString &text);
void printJson(const QJsonObject &object);

// --dir, required. Usage error text when missing.
[[nodiscard]] Result<device::DeviceLayout> layoutFrom(const QCommandLineParser &parser);
// --passphrase-file FILE|-: the first line (without its line break). InvalidArgument when the
// option is missing, the file unreadable or empty.
[[nodiscard]] Result<crypto::SecretBytes> readPassphrase(const QCommandLineParser &parser);
// A small secret file (or stdin for "-"), trimmed of surrounding white space.
[[nodiscard]] Result<crypto::SecretBytes> readSecretFile(const QString &path);

// Tests only (main() reads LIAISON_DEVICE_TEST_CLOCK_OFFSET_MS in a test build): openDevice's
// clock runs this far ahead of the system's wall clock.
void setTestClockOffsetMs(qint64 ms);

// Vault options of this process (the test KDF when LIAISON_DEVICE_TEST_KDF allowed it).
[[nodiscard]] vault::VaultOptions vaultOptions();

// An unlocked device vault and its session, for sync, records and status.
struct OpenDevice
{
    std::unique_ptr<vault::KeyStore> keyStore; // platform/keystorefactory.h
    std::unique_ptr<liaison::Clock> clock;     // the system's, or shifted (setTestClockOffsetMs)
    std::unique_ptr<vault::Vault> vault;
    std::unique_ptr<device::DeviceSession> session;
    ~OpenDevice();
};

// NotFound "no vault in DIR (enrol first)", WrongKey "wrong passphrase", LockedOut, Erased ...
[[nodiscard]] Result<std::unique_ptr<OpenDevice>> openDevice(const device::DeviceLayout &layout,
                                                             const crypto::SecretBytes &passphrase);

[[nodiscard]] QString isoTime(qint64 ms);

} // namespace liaison::devicetool
