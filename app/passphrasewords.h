#pragma once

// DESIGN.md "Keys" (passphrase rules): a passphrase suggested at enrolment, words drawn from a
// fixed list of 546 common nouns with libsodium's uniform randomness (randombytes_uniform). Six
// words carry log2(546^6) = 54.6 bits, above the 50-bit minimum the strength check asks for.
// The suggestion is shown once and never stored; the officer may type their own instead.

#include <QString>

namespace liaison::app {

[[nodiscard]] int passphraseWordCount(); // the list's size
// `words` (at least 5) words, single spaces between them.
[[nodiscard]] QString suggestPassphrase(int words = 6);

} // namespace liaison::app
