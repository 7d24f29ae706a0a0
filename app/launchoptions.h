#pragma once

// Command line of `liaison`:
//   liaison [--vault DIR] [--keystore DIR]
//   liaison --self-test      crypto, a store in a temporary directory, QML (selftest.h)
// Without --vault the vault lives in the app's data directory. (The screenshot tour is not part of
// the product: it is liaison-screens, tests/screens/, built only with LIAISON_TESTING=ON.)

#include <QString>
#include <QStringList>

namespace liaison::app {

struct LaunchOptions
{
    QString vaultDir;
    QString keyStoreDir;
    bool selfTest = false;
    QString error; // set when the arguments do not parse
};

[[nodiscard]] LaunchOptions parseLaunchOptions(const QStringList &arguments);

} // namespace liaison::app
