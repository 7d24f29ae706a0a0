#pragma once

// Command line of `liaison`:
//   liaison [--vault DIR] [--keystore DIR]
//   liaison --screenshots OUTDIR [--vault DIR] [--keystore DIR] [--passphrase-stdin]
//           [--size WxH] [--tablet-size WxH]
// Without --vault the vault lives in the app's data directory. The screenshot mode renders
// every screen with the vault's real data into OUTDIR/*.png and exits; the passphrase (to get
// past the unlock page) is read from the first line of standard input.

#include <QSize>
#include <QString>
#include <QStringList>

#include <optional>

namespace liaison::app {

struct LaunchOptions
{
    QString vaultDir;
    QString keyStoreDir;
    QString screenshotDir; // empty: interactive
    bool passphraseFromStdin = false;
    QSize phoneSize{412, 892};
    QSize tabletSize{1280, 800};
    QString error; // set when the arguments do not parse
};

[[nodiscard]] LaunchOptions parseLaunchOptions(const QStringList &arguments);

} // namespace liaison::app
