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

// main() of a Qt Test with the application object `App` (QCoreApplication here; the app's tests
// use QGuiApplication: tests/qml/appfixture.h).
#define LIAISON_TEST_MAIN_WITH(App, TestObject)                                                    \
    int main(int argc, char **argv)                                                                \
    {                                                                                              \
        App app(argc, argv);                                                                       \
        liaison::test::prepareTestProcess();                                                       \
        TestObject tc;                                                                             \
        QTEST_SET_MAIN_SOURCE_PATH                                                                 \
        return QTest::qExec(&tc, argc, argv);                                                      \
    }

#define LIAISON_TEST_MAIN(TestObject) LIAISON_TEST_MAIN_WITH(QCoreApplication, TestObject)
