#pragma once

// `liaison --self-test` (issue 11): what a packager or an officer's IT runs to see that this build
// works on this device, without touching the officer's vault:
//   1. crypto: libsodium's initialisation and the known-answer self-test (crypto::selfTest)
//   2. store: a vault created in a temporary directory (software key store, the smallest KDF
//      the key file accepts), the device schema migrated, the records opened, locked, unlocked
//      again and crypto-erased
//   3. QML: the app's Main.qml loads over an AppController on an empty temporary directory and
//      shows the first-run page
// One line per step on stdout ("self-test: crypto ok" ...); exit 0 when all pass, 1 otherwise.

namespace liaison::app {

[[nodiscard]] int runSelfTest();

} // namespace liaison::app
