#include "cli.h"

#include "crypto/crypto.h"
#include "crypto/secretio.h"
#include "desk/recordimport.h"
#include "desktop/softwarekeystore.h"
#include "store/atomicfile.h"

#include <QCborArray>
#include <QCborMap>
#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QProcessEnvironment>

#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

namespace liaison::hqcli {

namespace {

const QString kProgram = QStringLiteral("liaison-hq");

void printOut(const QString &text)
{
    const QByteArray b = text.toUtf8();
    std::fwrite(b.constData(), 1, size_t(b.size()), stdout);
}

void printErr(const QString &text)
{
    const QByteArray b = text.toUtf8();
    std::fwrite(b.constData(), 1, size_t(b.size()), stderr);
}

// The longest passphrase line read (a longer one is refused, not cut).
constexpr std::size_t kMaxPassphraseBytes = 1024;

// A prompt on the controlling terminal with echo off; nullopt when there is no terminal. The
// line goes from read(2) straight into secret memory (no stdio buffer keeps a copy).
std::optional<Result<crypto::SecretBytes>> promptNoEcho(const QString &prompt)
{
    const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return std::nullopt;
    termios old{};
    if (!isatty(fd) || tcgetattr(fd, &old) != 0) {
        ::close(fd);
        return std::nullopt;
    }
    termios quiet = old;
    quiet.c_lflag &= ~tcflag_t(ECHO);
    quiet.c_lflag |= ECHONL;
    const QByteArray text = prompt.toUtf8();
    (void)!::write(fd, text.constData(), size_t(text.size()));
    tcsetattr(fd, TCSAFLUSH, &quiet);
    auto secret = crypto::readSecret(fd, kMaxPassphraseBytes, crypto::SecretReadMode::FirstLine);
    tcsetattr(fd, TCSAFLUSH, &old);
    ::close(fd);
    return secret;
}

QString usageLine(const Command &c)
{
    QString u =
        kProgram + QLatin1Char(' ') + c.words.join(QLatin1Char(' ')) + QStringLiteral(" [options]");
    if (!c.positional.isEmpty())
        u += QLatin1Char(' ') + c.positional;
    return u;
}

void addGlobalOptions(QCommandLineParser &p)
{
    p.addOption({kOptStore, QStringLiteral("The desk store (default: $LIAISON_HQ_STORE)."),
                 QStringLiteral("dir")});
    p.addOption({kOptJson, QStringLiteral("One JSON object on stdout instead of text.")});
    p.addOption({kOptPassphraseFile,
                 QStringLiteral("Read the store's passphrase from the first line of FILE (- for "
                                "stdin) instead of asking on the terminal."),
                 QStringLiteral("file")});
    p.addOption({kOptOfficer,
                 QStringLiteral("Who the audit names (default: $LIAISON_HQ_OFFICER, else the "
                                "login name)."),
                 QStringLiteral("name")});
    p.addOption({{QStringLiteral("h"), kOptHelp}, QStringLiteral("This help.")});
}

// Options that take a value, so their value is not taken for a command word.
bool takesValue(const QString &arg)
{
    static const QStringList withValue = {QStringLiteral("--store"),
                                          QStringLiteral("--passphrase-file"),
                                          QStringLiteral("--officer")};
    return withValue.contains(arg);
}

QString commandList()
{
    QString s = QStringLiteral("Usage: liaison-hq COMMAND [options]\n\nThe HQ desk's console. "
                               "Commands (each has --help):\n");
    int width = 0;
    for (const Command &c : commands())
        width = std::max(width, int(c.words.join(QLatin1Char(' ')).size()));
    for (const Command &c : commands())
        s +=
            QStringLiteral("  %1  %2\n").arg(c.words.join(QLatin1Char(' ')), -width).arg(c.summary);
    s += QStringLiteral("\nExit codes: 0 ok, 1 failure, 2 usage. Global options: --store DIR "
                        "(or LIAISON_HQ_STORE), --json,\n--passphrase-file FILE (- for stdin), "
                        "--officer NAME.\n");
    return s;
}

} // namespace

#if defined(LIAISON_TEST_HOOKS)
void testKillPoint(const char *point, int count)
{
    const QString spec = qEnvironmentVariable("LIAISON_HQ_TEST_KILL");
    if (spec.isEmpty())
        return;
    const QStringList parts = spec.split(QLatin1Char(':'));
    if (parts.value(0) != QLatin1String(point) || count < parts.value(1).toInt())
        return;
    std::fflush(stdout);
    ::kill(::getpid(), SIGKILL);
}
#endif

QString isoTime(qint64 ms)
{
    if (ms == 0)
        return {};
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODate);
}

std::optional<qint64> parseTime(const QString &text)
{
    QDateTime t = QDateTime::fromString(text, Qt::ISODate);
    if (!t.isValid()) {
        const QDate d = QDate::fromString(text, Qt::ISODate);
        if (!d.isValid())
            return std::nullopt;
        t = QDateTime(d, QTime(0, 0), Qt::UTC);
    }
    if (t.timeSpec() == Qt::LocalTime)
        t.setTimeSpec(Qt::UTC);
    return t.toMSecsSinceEpoch();
}

QString shortHex(const QByteArray &hex)
{
    return QString::fromLatin1(hex.left(8));
}

bool recordMatches(const model::RecordState &r, const QString &query)
{
    if (query.isEmpty())
        return true;
    const QString q = query.toCaseFolded();
    const auto hit = [&q](const QCborValue &v) {
        return v.isString() && v.toString().toCaseFolded().contains(q);
    };
    for (auto it = r.fields.cbegin(); it != r.fields.cend(); ++it) {
        const QCborValue &v = it.value().value;
        if (hit(v))
            return true;
        if (!v.isArray())
            continue;
        for (const QCborValue &item : v.toArray()) {
            if (hit(item))
                return true;
            if (item.isMap())
                for (const auto &entry : item.toMap())
                    if (hit(entry.second))
                        return true;
        }
    }
    return false;
}

const char *peerStateName(streams::PeerState s)
{
    switch (s) {
    case streams::PeerState::Pending:
        return "pending";
    case streams::PeerState::Active:
        return "active";
    case streams::PeerState::WipeOnly:
        return "wipe-only";
    case streams::PeerState::Revoked:
        return "revoked";
    }
    return "unknown";
}

int reportImport(Context &ctx, const QString &command, const QString &file,
                 const desk::ImportOutcome &outcome, bool dryRun, bool skipBad, const QString &tail)
{
    QJsonArray problems;
    for (const imports::ImportProblem &p : outcome.problems)
        problems.append(QJsonObject{{QStringLiteral("file"), p.file},
                                    {QStringLiteral("line"), p.line},
                                    {QStringLiteral("reason"), p.reason}});
    QJsonObject &r = ctx.result();
    r.insert(QStringLiteral("file"), file);
    r.insert(QStringLiteral("created"), outcome.created);
    r.insert(QStringLiteral("updated"), outcome.updated);
    r.insert(QStringLiteral("unchanged"), outcome.unchanged);
    r.insert(QStringLiteral("bad"), outcome.bad);
    r.insert(QStringLiteral("problems"), problems);
    r.insert(QStringLiteral("dryRun"), dryRun);
    r.insert(QStringLiteral("applied"), outcome.applied);
    for (const imports::ImportProblem &p : outcome.problems)
        ctx.line(p.describe());
    if (outcome.bad > 0 && !skipBad) {
        const int code = ctx.fail(
            command, Error(Errc::Malformed, QStringLiteral("%1 bad row(s) in %2: nothing imported "
                                                           "(--skip-bad imports the good rows)")
                                                .arg(outcome.bad)
                                                .arg(file)));
        if (!ctx.json())
            for (const imports::ImportProblem &p : outcome.problems)
                printErr(QStringLiteral("  %1\n").arg(p.describe()));
        return code;
    }
    ctx.line(QStringLiteral("%1%2: %3 new, %4 updated, %5 unchanged, %6 bad row(s) skipped%7")
                 .arg(dryRun ? QStringLiteral("dry run, nothing written: ") : QString(), file)
                 .arg(outcome.created)
                 .arg(outcome.updated)
                 .arg(outcome.unchanged)
                 .arg(outcome.bad)
                 .arg(tail.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(tail)));
    return ctx.finish();
}

Status writeOutputFile(const QString &path, QByteArrayView bytes)
{
    return store::writeFileAtomically(path, bytes, 0600);
}

Context::Context(const Command &command, QCommandLineParser &parser)
    : m_command(command)
    , m_parser(parser)
{}

void Context::parsed()
{
    m_json = m_parser.isSet(kOptJson);
}

Context::~Context()
{
    m_store.reset();
}

void Context::line(const QString &text)
{
    m_lines.append(text);
}

void Context::table(const QStringList &headers, const QList<QStringList> &rows)
{
    QList<int> width;
    for (const QString &h : headers)
        width.append(int(h.size()));
    for (const QStringList &r : rows)
        for (int i = 0; i < r.size() && i < width.size(); ++i)
            width[i] = std::max(width[i], int(r[i].size()));
    auto format = [&](const QStringList &cells) {
        QString s;
        for (int i = 0; i < cells.size(); ++i) {
            QString cell = cells[i];
            cell.replace(QLatin1Char('\n'), QLatin1Char(' '));
            s += i + 1 < cells.size() ? cell.leftJustified(width.value(i)) + QStringLiteral("  ")
                                      : cell;
        }
        return s;
    };
    line(format(headers));
    for (const QStringList &r : rows)
        line(format(r));
}

void Context::progress(const QString &text)
{
    if (!m_json && isatty(STDERR_FILENO))
        printErr(QStringLiteral("\r") + text);
}

int Context::finish()
{
    if (m_json) {
        QJsonObject o = m_result;
        o.insert(QStringLiteral("ok"), true);
        printOut(QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact)) +
                 QLatin1Char('\n'));
    } else {
        for (const QString &l : m_lines)
            printOut(l + QLatin1Char('\n'));
    }
    std::fflush(stdout);
    return kExitOk;
}

int Context::fail(const QString &what, const Error &error)
{
    printErr(QStringLiteral("%1: %2: %3\n").arg(kProgram, what, error.message));
    if (m_json) {
        QJsonObject o = m_result;
        o.insert(QStringLiteral("ok"), false);
        o.insert(
            QStringLiteral("error"),
            QJsonObject{{QStringLiteral("code"), QString::fromLatin1(errcName(error.code))
                                                     .replace(QLatin1Char(' '), QLatin1Char('_'))},
                        {QStringLiteral("what"), what},
                        {QStringLiteral("message"), error.message}});
        printOut(QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact)) +
                 QLatin1Char('\n'));
    }
    std::fflush(stdout);
    return kExitFailure;
}

int Context::usage(const QString &message)
{
    printErr(
        QStringLiteral("%1: %2\nusage: %3\n(%1 %4 --help for details)\n")
            .arg(kProgram, message, usageLine(m_command), m_command.words.join(QLatin1Char(' '))));
    return kExitUsage;
}

std::expected<crypto::SecretBytes, int> Context::passphrase(const QString &prompt,
                                                            const QString &fileOption, bool confirm)
{
    if (m_parser.isSet(fileOption)) {
        const QString path = m_parser.value(fileOption);
        // Every `-` reads the next line of stdin: read(2) one byte at a time leaves the rest.
        auto read = path == QLatin1String("-")
                        ? crypto::readSecret(STDIN_FILENO, kMaxPassphraseBytes,
                                             crypto::SecretReadMode::FirstLine)
                        : crypto::readSecretFile(path, kMaxPassphraseBytes,
                                                 crypto::SecretReadMode::FirstLine);
        if (!read)
            return std::unexpected(fail(
                QStringLiteral("passphrase"),
                Error(read.error().code == Errc::NotFound ? Errc::NotFound : Errc::InvalidArgument,
                      QStringLiteral("cannot read %1: %2").arg(path, read.error().message))));
        crypto::SecretBytes secret = std::move(*read);
        if (secret.empty())
            return std::unexpected(
                usage(QStringLiteral("the passphrase from --%1 is empty").arg(fileOption)));
        return secret;
    }
    auto first = promptNoEcho(prompt + QStringLiteral(": "));
    if (!first)
        return std::unexpected(
            usage(QStringLiteral("no terminal to ask for the passphrase: give --%1 FILE (- for "
                                 "stdin)")
                      .arg(fileOption)));
    if (!*first)
        return std::unexpected(
            usage(QStringLiteral("the passphrase: %1").arg(first->error().message)));
    if ((*first)->empty())
        return std::unexpected(usage(QStringLiteral("an empty passphrase")));
    if (confirm) {
        auto again = promptNoEcho(QStringLiteral("Again: "));
        if (!again || !*again || !(*first)->equals(**again))
            return std::unexpected(
                fail(QStringLiteral("passphrase"),
                     Error(Errc::InvalidArgument, QStringLiteral("the two entries differ"))));
    }
    return std::move(**first);
}

std::expected<QString, int> Context::storeDir()
{
    QString dir = m_parser.value(kOptStore);
    if (dir.isEmpty())
        dir = qEnvironmentVariable("LIAISON_HQ_STORE");
    if (dir.isEmpty())
        return std::unexpected(usage(QStringLiteral("no desk store: give --store DIR or set "
                                                    "LIAISON_HQ_STORE")));
    return QDir::cleanPath(dir);
}

std::optional<crypto::KdfParams> Context::kdfOverride() const
{
    // Tests only: the small Argon2id profile, which production builds refuse (main() turned it
    // on only when LIAISON_HQ_TEST_KDF is set and the build allows it).
    if (crypto::testKdfProfileAllowed())
        return crypto::kTestKdfParams;
    return std::nullopt;
}

vault::VaultOptions Context::vaultOptions() const
{
    vault::VaultOptions o;
    o.kdf = kdfOverride();
    // A desk store is never crypto-erased by wrong passphrases: the lockout delays still apply.
    o.eraseAfter = 0;
    o.createIdentity = true;
    return o;
}

QString Context::officer() const
{
    QString who = m_parser.value(kOptOfficer);
    if (who.isEmpty())
        who = qEnvironmentVariable("LIAISON_HQ_OFFICER");
    if (who.isEmpty())
        who = qEnvironmentVariable("USER");
    if (who.isEmpty())
        who = qEnvironmentVariable("LOGNAME");
    if (who.isEmpty())
        who = QStringLiteral("desk");
    return who;
}

std::expected<desk::DeskStore *, int> Context::openStore()
{
    auto dir = storeDir();
    if (!dir)
        return std::unexpected(dir.error());
    if (!desk::DeskStore::exists(*dir))
        return std::unexpected(fail(
            QStringLiteral("desk store"),
            Error(Errc::NotFound,
                  QStringLiteral("no desk store in %1 (liaison-hq init makes one)").arg(*dir))));
    auto pass = passphrase(QStringLiteral("Desk store passphrase"), kOptPassphraseFile, false);
    if (!pass)
        return std::unexpected(pass.error());
    m_keyStore = std::make_unique<platform::SoftwareKeyStore>(
        QDir(*dir).filePath(QStringLiteral("keystore")));
    auto store =
        desk::DeskStore::open(*dir, *pass, *m_keyStore, m_vaultClock, m_clock, vaultOptions());
    if (!store)
        return std::unexpected(fail(QStringLiteral("desk store"), store.error()));
    m_store = std::move(*store);
    m_store->setOfficer(officer());
    return m_store.get();
}

std::expected<desk::DeskStore *, int>
Context::createStore(const desk::RootPublic &root, const QString &relayUrl, const QStringList &pins)
{
    auto dir = storeDir();
    if (!dir)
        return std::unexpected(dir.error());
    if (desk::DeskStore::exists(*dir))
        return std::unexpected(fail(
            QStringLiteral("init"),
            Error(Errc::AlreadyExists, QStringLiteral("%1 already holds a desk store").arg(*dir))));
    auto pass = passphrase(QStringLiteral("New desk store passphrase"), kOptPassphraseFile, true);
    if (!pass)
        return std::unexpected(pass.error());
    if (!QDir().mkpath(*dir))
        return std::unexpected(fail(QStringLiteral("init"),
                                    Error(Errc::Io, QStringLiteral("cannot create %1").arg(*dir))));
    m_keyStore = std::make_unique<platform::SoftwareKeyStore>(
        QDir(*dir).filePath(QStringLiteral("keystore")));
    progress(QStringLiteral("creating the desk store (Argon2id, about a second) ...\n"));
    auto store = desk::DeskStore::create(*dir, *pass, *m_keyStore, m_vaultClock, m_clock, root,
                                         relayUrl, pins, vaultOptions());
    if (!store)
        return std::unexpected(fail(QStringLiteral("init"), store.error()));
    m_store = std::move(*store);
    m_store->setOfficer(officer());
    return m_store.get();
}

const QList<Command> &commands()
{
    static const QList<Command> all = [] {
        QList<Command> c;
        addRootCommands(c);
        addStoreCommands(c);
        addScopeCommands(c);
        addContactCommands(c);
        addInstructionCommands(c);
        addCaseCommands(c);
        addScheduleCommands(c);
        addRelayCommands(c);
        addPolicyCommands(c);
        addDeviceCommands(c);
        addSyncCommands(c);
        addOpsCommands(c);
        addInboxCommands(c);
        addReviewCommands(c);
        addEnrolCommands(c);
        addBackupCommands(c);
        return c;
    }();
    return all;
}

int runCli(const QStringList &args)
{
    // The command words: the leading non-option arguments (values of global options skipped).
    QStringList words;
    QList<int> wordIndexes;
    bool help = false;
    for (int i = 1; i < args.size(); ++i) {
        const QString &a = args[i];
        if (a == QLatin1String("--")) {
            break;
        }
        if (a.startsWith(QLatin1Char('-'))) {
            if (a == QLatin1String("--help") || a == QLatin1String("-h"))
                help = true;
            if (takesValue(a))
                ++i;
            if (!words.isEmpty())
                break; // options after the command words belong to the command
            continue;
        }
        words.append(a);
        wordIndexes.append(i);
        if (words.size() == 3) // the longest command has three ("relay pins set")
            break;
    }
    // The longest command that the words name.
    const Command *found = nullptr;
    for (const Command &c : commands()) {
        if (c.words.size() <= words.size() && words.mid(0, c.words.size()) == c.words &&
            (!found || c.words.size() > found->words.size()))
            found = &c;
    }
    if (!found) {
        if (words.isEmpty() && help) {
            printOut(commandList());
            return kExitOk;
        }
        // A group without its sub-command ("contact"): list the group.
        QString group;
        for (const Command &c : commands())
            if (!words.isEmpty() && c.words.first() == words.first())
                group += QStringLiteral("  liaison-hq %1  %2\n")
                             .arg(c.words.join(QLatin1Char(' ')), c.summary);
        if (!group.isEmpty()) {
            (help ? printOut
                  : printErr)(QStringLiteral("%1 commands:\n%2").arg(words.first(), group));
            return help ? kExitOk : kExitUsage;
        }
        printErr((words.isEmpty() ? QStringLiteral("liaison-hq: no command given\n\n")
                                  : QStringLiteral("liaison-hq: unknown command \"%1\"\n\n")
                                        .arg(words.join(QLatin1Char(' ')))) +
                 commandList());
        return kExitUsage;
    }
    // Parse the rest with the global options and the command's own.
    QStringList rest;
    rest.append(args.value(0));
    for (int i = 1; i < args.size(); ++i)
        if (!wordIndexes.mid(0, found->words.size()).contains(i))
            rest.append(args[i]);
    QCommandLineParser parser;
    parser.setApplicationDescription(found->summary);
    parser.setOptionsAfterPositionalArgumentsMode(QCommandLineParser::ParseAsOptions);
    addGlobalOptions(parser);
    if (found->options)
        found->options(parser);
    if (!found->positional.isEmpty())
        parser.addPositionalArgument(found->positional, QString());
    Context ctx(*found, parser);
    if (!parser.parse(rest))
        return ctx.usage(parser.errorText());
    ctx.parsed();
    if (parser.isSet(kOptHelp)) {
        // Qt's help names the binary by its path: our own usage line replaces its first line.
        QString text = parser.helpText();
        text = text.mid(text.indexOf(QLatin1Char('\n')) + 1);
        printOut(QStringLiteral("Usage: %1\n").arg(usageLine(*found)) + text);
        return kExitOk;
    }
    return found->run(ctx);
}

} // namespace liaison::hqcli
