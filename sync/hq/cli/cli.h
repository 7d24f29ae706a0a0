#pragma once

// liaison-hq, the HQ desk's console (DESIGN.md "Keys", "Enrolment", "Commands, remote wipe,
// revocation"; issue 10). A thin layer over the headless library (sync/desk, sync/hq): it parses
// the command line, asks for passphrases, opens the desk store, calls the library and prints.
//
// Conventions of every command: `--help`; exit 0 ok, 1 failure, 2 usage; human output by default
// and one JSON object on stdout with `--json`; the store from `--store DIR` or LIAISON_HQ_STORE;
// a passphrase from a terminal prompt (no echo) or `--passphrase-file FILE` (`-` = stdin), never
// from a flag value.

#include "clock/clock.h"
#include "crypto/secret.h"
#include "desk/deskstore.h"
#include "error.h"
#include "streams/streamtypes.h"

#include <QCommandLineParser>
#include <QJsonArray>
#include <QJsonObject>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

namespace liaison::platform {
class SoftwareKeyStore;
}
namespace liaison::desk {
struct ImportOutcome;
struct NewEnrolment;
} // namespace liaison::desk

namespace liaison::hqcli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

class Context;

struct Command
{
    QStringList words;  // {"contact", "import"}
    QString summary;    // one line for the command list
    QString positional; // "FILE", "NAME", ... for the usage line (empty: none)
    std::function<void(QCommandLineParser &)> options;
    std::function<int(Context &)> run;
};

// The commands, in the order `--help` lists them.
[[nodiscard]] const QList<Command> &commands();
void addRootCommands(QList<Command> &out);
void addStoreCommands(QList<Command> &out);
void addScopeCommands(QList<Command> &out);
void addContactCommands(QList<Command> &out);
void addRelayCommands(QList<Command> &out);
void addPolicyCommands(QList<Command> &out);
void addInstructionCommands(QList<Command> &out);
void addDeviceCommands(QList<Command> &out);
void addSyncCommands(QList<Command> &out);
void addOpsCommands(QList<Command> &out);
void addInboxCommands(QList<Command> &out);
void addReviewCommands(QList<Command> &out);
void addCaseCommands(QList<Command> &out);
void addScheduleCommands(QList<Command> &out);
void addEnrolCommands(QList<Command> &out);
void addBackupCommands(QList<Command> &out);

// One run of one command: its parsed options, output, passphrases and the opened store.
class Context
{
public:
    Context(const Command &command, QCommandLineParser &parser);
    ~Context();
    Context(const Context &) = delete;
    Context &operator=(const Context &) = delete;

    void parsed(); // after the parser ran
    [[nodiscard]] const Command &command() const { return m_command; }
    [[nodiscard]] QCommandLineParser &args() { return m_parser; }
    [[nodiscard]] QString value(const QString &option) const { return m_parser.value(option); }
    [[nodiscard]] QStringList values(const QString &option) const
    {
        return m_parser.values(option);
    }
    [[nodiscard]] bool isSet(const QString &option) const { return m_parser.isSet(option); }
    [[nodiscard]] QStringList positional() const { return m_parser.positionalArguments(); }
    [[nodiscard]] bool json() const { return m_json; }

    // ---- output ----
    void line(const QString &text); // human output (ignored with --json)
    // Aligned columns for people.
    void table(const QStringList &headers, const QList<QStringList> &rows);
    QJsonObject &result() { return m_result; } // the --json object ("ok" is added)
    void progress(const QString &text);        // on stderr, only when stderr is a terminal
    [[nodiscard]] int finish();                // prints and returns kExitOk

    // Prints "liaison-hq: <what>: <message>" (and the JSON error object) and returns kExitFailure.
    [[nodiscard]] int fail(const QString &what, const Error &error);
    // Prints the message and the command's usage line on stderr and returns kExitUsage.
    [[nodiscard]] int usage(const QString &message);

    // ---- passphrases ----
    // From the file named by `fileOption` (`-` = stdin, first line), else a terminal prompt with
    // echo off (asked twice when `confirm`). Usage error when neither is possible.
    [[nodiscard]] std::expected<crypto::SecretBytes, int>
    passphrase(const QString &prompt, const QString &fileOption, bool confirm);

    // ---- the desk store ----
    [[nodiscard]] std::expected<QString, int> storeDir();
    [[nodiscard]] vault::VaultOptions vaultOptions() const;
    [[nodiscard]] std::optional<crypto::KdfParams> kdfOverride() const;
    // Opens the store (asking for its passphrase); an exit code when it cannot.
    [[nodiscard]] std::expected<desk::DeskStore *, int> openStore();
    // Creates one (init).
    [[nodiscard]] std::expected<desk::DeskStore *, int>
    createStore(const desk::RootPublic &root, const QString &relayUrl, const QStringList &pins);
    [[nodiscard]] SystemClock &clock() { return m_clock; }
    [[nodiscard]] QString officer() const;

private:
    const Command &m_command;
    QCommandLineParser &m_parser;
    bool m_json = false;
    QStringList m_lines;
    QJsonObject m_result;
    SystemClock m_clock;
    SystemClock m_vaultClock;
    std::unique_ptr<platform::SoftwareKeyStore> m_keyStore;
    std::unique_ptr<desk::DeskStore> m_store;
};

// Shared helpers for the commands.
[[nodiscard]] QString isoTime(qint64 ms); // "2026-12-04T17:00:00Z"; "" for 0
[[nodiscard]] std::optional<qint64> parseTime(const QString &text);
[[nodiscard]] QString shortHex(const QByteArray &hex);
[[nodiscard]] Status writeOutputFile(const QString &path, QByteArrayView bytes);
[[nodiscard]] const char *peerStateName(streams::PeerState s); // "active", "wipe-only", ...
// `list --query`: true when the query is empty or, case-folded, is contained in a text field, a
// text in a list field, or a text inside a list's map (a contact's phone label or number).
[[nodiscard]] bool recordMatches(const model::RecordState &r, const QString &query);

// What every import prints: the problems (file:line: reason), then a refusal (exit 1, nothing
// imported) when there are bad rows without --skip-bad, else the counts. `details` go into the
// JSON result; `tail` ends the human summary line ("utf-8, delimiter ;").
[[nodiscard]] int reportImport(Context &ctx, const QString &command, const QString &file,
                               const desk::ImportOutcome &outcome, bool dryRun, bool skipBad,
                               const QString &tail);

// A new enrolment's code as `device add` gives it (enrolcommands.cpp; `device replace` too): the
// options --label, --expires, --png, --no-qr; the validity --expires asks for (a usage exit code
// when bad); the code as text, terminal QR and PNG, and the JSON fields id, code, expires,
// scopes, png. showEnrolmentCode returns kExitOk or the failure's exit code.
void addEnrolmentCodeOptions(QCommandLineParser &p);
[[nodiscard]] std::expected<qint64, int> enrolmentValidityMs(Context &ctx);
[[nodiscard]] int showEnrolmentCode(Context &ctx, const desk::NewEnrolment &added,
                                    const QStringList &scopes);

// Tests only (builds with LIAISON_TEST_HOOKS): LIAISON_HQ_TEST_KILL=<point>[:<n>] makes the
// process SIGKILL itself at that point (n: once the count reaches n), to prove that an import or a
// publish killed half-way leaves nothing half-applied. Points: "import" (rows applied inside the
// import's transaction), "publish" (after the edits were queued, before the relay round).
// A product build has an empty inline function instead: no variable, no code.
#if defined(LIAISON_TEST_HOOKS)
void testKillPoint(const char *point, int count = 0);
#else
inline void testKillPoint(const char *, int = 0) {}
#endif

// Global options, added to every command's parser.
inline const QString kOptStore = QStringLiteral("store");
inline const QString kOptJson = QStringLiteral("json");
inline const QString kOptPassphraseFile = QStringLiteral("passphrase-file");
inline const QString kOptOfficer = QStringLiteral("officer");
inline const QString kOptHelp = QStringLiteral("help");

// main()'s work: dispatch, parse, run. `args` includes the program name.
[[nodiscard]] int runCli(const QStringList &args);

} // namespace liaison::hqcli
