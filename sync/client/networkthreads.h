#pragma once

// The end of a program that spoke HTTPS through QNetworkAccessManager (DESIGN.md "Relay").
//
// A QNetworkAccessManager runs its HTTP(S) connections in a thread of its own
// ("QNetworkAccessManager thread"), which Qt starts detached. Its destructor waits until Qt is done
// with that thread, not until the thread has exited: the thread still has to run its exit handlers,
// among them OpenSSL's, which frees the thread's DRBGs and error queue. A program that returns from
// main() right after destroying its last manager races that thread: exit() runs OpenSSL's own
// cleanup, which deletes the key those handlers hang on, and the thread's OpenSSL state is never
// freed (LeakSanitizer: EVP_RAND_CTX_new from RAND_get0_public in SSL_CTX_new_ex, on the
// "QNetworkAccessManager thread"; 1 run in 6 of tst_device_tool_pins on a loaded machine).
//
// waitForNetworkThreadsToExit() is called by main() after the last manager is gone and before it
// returns: it waits until no such thread is left in the process (Linux names it in
// /proc/self/task/*/comm; where that does not exist there is nothing to look at and it returns at
// once). False when one was still running after `timeoutMs`.

namespace liaison::client {

[[nodiscard]] bool waitForNetworkThreadsToExit(int timeoutMs = 5000);

} // namespace liaison::client
