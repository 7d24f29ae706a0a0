// liaison-device: the device side, headless (see devicetool.h). main() prepares the process,
// picks the command and hands over.

#include "devicetool.h"

#include "client/networkthreads.h"
#include "crypto/crypto.h"
#include "hardening/processhardening.h"

#include <QCoreApplication>
#include <QLoggingCategory>

#include <cstdio>

using namespace liaison::devicetool;

namespace {

QString overview()
{
    QString text = QStringLiteral(
        "liaison-device: the device side of Liaison without the app (tests and the demo).\n\n"
        "Usage: liaison-device COMMAND [options]   (liaison-device COMMAND --help)\n\n"
        "Commands:\n");
    for (const Command &c : commands())
        text += QStringLiteral("  %1  %2\n").arg(c.name, -8).arg(c.summary);
    text += QStringLiteral(
        "\nExit codes: 0 ok, 1 failure, 2 usage. DIR/vault is what `liaison --vault DIR/vault` "
        "opens.\n");
    return text;
}

} // namespace

int main(int argc, char *argv[])
{
    if (auto h = liaison::hardening::hardenProcess(); !h) {
        std::fprintf(stderr, "liaison-device: refusing to run unhardened: %s\n",
                     qPrintable(h.error().message));
        return kExitFailure;
    }
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("liaison-device"));
    const QStringList args = QCoreApplication::arguments();
    // The library's logging is for developers: --verbose (or QT_LOGGING_RULES) shows it.
    const bool verbose = args.contains(QStringLiteral("--verbose"));
    if (!verbose)
        QLoggingCategory::setFilterRules(
            QStringLiteral("liaison.*.info=false\nliaison.*.debug=false\nliaison.*.warning=false"));
    if (auto s = liaison::crypto::initialize(); !s) {
        std::fprintf(stderr, "liaison-device: crypto self-test failed: %s\n",
                     qPrintable(s.error().message));
        return kExitFailure;
    }
#if defined(LIAISON_TEST_HOOKS)
    // Tests only: the small Argon2id profile; a product build has neither it nor this variable.
    if (qEnvironmentVariableIntValue("LIAISON_DEVICE_TEST_KDF") == 1) {
        if (auto s = liaison::crypto::allowTestKdfProfile(); !s) {
            std::fprintf(stderr, "liaison-device: LIAISON_DEVICE_TEST_KDF: %s\n",
                         qPrintable(s.error().message));
            return kExitUsage;
        }
    }
    // Tests only: the unlocked device's clock moved on (e.g. "no word from HQ" after 48 h).
    if (qEnvironmentVariableIsSet("LIAISON_DEVICE_TEST_CLOCK_OFFSET_MS")) {
        bool ok = false;
        const qint64 ms =
            qEnvironmentVariable("LIAISON_DEVICE_TEST_CLOCK_OFFSET_MS").toLongLong(&ok);
        if (!ok) {
            std::fprintf(stderr, "liaison-device: LIAISON_DEVICE_TEST_CLOCK_OFFSET_MS: not a "
                                 "number of milliseconds\n");
            return kExitUsage;
        }
        setTestClockOffsetMs(ms);
    }
#endif
    if (args.size() < 2 || args.at(1) == QLatin1String("--help") ||
        args.at(1) == QLatin1String("-h") || args.at(1) == QLatin1String("help")) {
        std::fputs(overview().toUtf8().constData(), args.size() < 2 ? stderr : stdout);
        return args.size() < 2 ? kExitUsage : kExitOk;
    }
    for (const Command &c : commands()) {
        if (c.name != args.at(1))
            continue;
        QCommandLineParser parser;
        parser.setApplicationDescription(
            QStringLiteral("liaison-device %1: %2").arg(c.name, c.summary));
        parser.addHelpOption();
        parser.addOption({QStringLiteral("verbose"), QStringLiteral("Show the library's log.")});
        c.options(parser);
        QStringList rest = args;
        rest.removeAt(1);
        if (!parser.parse(rest))
            return usageError(c.name, parser.errorText());
        if (parser.isSet(QStringLiteral("help"))) {
            std::fputs(parser.helpText().toUtf8().constData(), stdout);
            return kExitOk;
        }
        if (!parser.positionalArguments().isEmpty())
            return usageError(c.name, QStringLiteral("unexpected argument %1")
                                          .arg(parser.positionalArguments().constFirst()));
        const int code = c.run(parser);
        // The command's network managers are gone; their threads must be too before exit()
        // (client/networkthreads.h).
        if (!liaison::client::waitForNetworkThreadsToExit())
            std::fprintf(stderr, "liaison-device: a network thread did not end in time\n");
        return code;
    }
    std::fprintf(stderr, "liaison-device: unknown command %s\n\n%s", qPrintable(args.at(1)),
                 overview().toUtf8().constData());
    return kExitUsage;
}
