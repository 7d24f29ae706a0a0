#pragma once

// LIAISON_TEST_MAIN(Class): like QTEST_GUILESS_MAIN, plus what every Liaison test needs:
// the crypto self-test, the small Argon2id profile (test builds only), and test-mode paths.

#include "crypto/crypto.h"

#include <QCoreApplication>
#include <QStandardPaths>
#include <QTest>

#include <cstdio>
#include <cstdlib>

namespace liaison::test {
inline void prepareTestProcess()
{
    QStandardPaths::setTestModeEnabled(true);
    if (auto s = liaison::crypto::initialize(); !s) {
        std::fprintf(stderr, "%s\n", qPrintable(s.error().message));
        std::exit(2);
    }
    if (auto s = liaison::crypto::allowTestKdfProfile(); !s) {
        std::fprintf(stderr, "%s\n", qPrintable(s.error().message));
        std::exit(2);
    }
}
} // namespace liaison::test

#define LIAISON_TEST_MAIN(TestObject)                                                              \
    int main(int argc, char **argv)                                                                \
    {                                                                                              \
        QCoreApplication app(argc, argv);                                                          \
        liaison::test::prepareTestProcess();                                                       \
        TestObject tc;                                                                             \
        QTEST_SET_MAIN_SOURCE_PATH                                                                 \
        return QTest::qExec(&tc, argc, argv);                                                      \
    }
