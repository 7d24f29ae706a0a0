// liaison-hq: the HQ desk's console (see cli.h). main() only prepares the process and hands over.

#include "cli.h"

#include "client/networkthreads.h"
#include "crypto/crypto.h"
#include "hardening/processhardening.h"

#include <QCoreApplication>
#include <QLoggingCategory>

#include <cstdio>

int main(int argc, char *argv[])
{
    if (auto h = liaison::hardening::hardenProcess(); !h) {
        std::fprintf(stderr, "liaison-hq: refusing to run unhardened: %s\n",
                     qPrintable(h.error().message));
        return liaison::hqcli::kExitFailure;
    }
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("liaison-hq"));
    // The library's progress logging is for developers; QT_LOGGING_RULES still turns it on.
    QLoggingCategory::setFilterRules(QStringLiteral("liaison.*.info=false\nliaison.*.debug=false"));
    if (auto s = liaison::crypto::initialize(); !s) {
        std::fprintf(stderr, "liaison-hq: crypto self-test failed: %s\n",
                     qPrintable(s.error().message));
        return liaison::hqcli::kExitFailure;
    }
#if defined(LIAISON_TEST_HOOKS)
    // Tests only: the small Argon2id profile; a product build has neither it nor this variable.
    if (qEnvironmentVariableIntValue("LIAISON_HQ_TEST_KDF") == 1) {
        if (auto s = liaison::crypto::allowTestKdfProfile(); !s) {
            std::fprintf(stderr, "liaison-hq: LIAISON_HQ_TEST_KDF: %s\n",
                         qPrintable(s.error().message));
            return liaison::hqcli::kExitUsage;
        }
    }
#endif
    const int code = liaison::hqcli::runCli(QCoreApplication::arguments());
    // The relay link's network manager is gone; its thread must be too before exit()
    // (client/networkthreads.h).
    if (!liaison::client::waitForNetworkThreadsToExit())
        std::fprintf(stderr, "liaison-hq: a network thread did not end in time\n");
    return code;
}
