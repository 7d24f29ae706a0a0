#pragma once

// Passphrase rules (DESIGN.md "Keys"): at least 12 characters or 5 words, a strength check, no
// numeric PIN. The check runs on the UTF-8 bytes in secret memory and keeps no copy.

#include "crypto/secret.h"

#include <QList>
#include <QString>

namespace liaison::vault {

enum class PassphraseProblem {
    Empty,
    TooShort,   // fewer than 12 characters and fewer than 5 words
    NumericPin, // digits only (spaces and separators ignored)
    InvalidUtf8,
    CommonPassword, // built on a well-known password or phrase
    Repetitive,     // mostly the same character or pattern again
    Sequence,       // mostly runs like "abcd", "4321" or keyboard rows
    TooWeak,        // estimated strength below the minimum
};

struct PassphraseVerdict
{
    bool acceptable = false;
    double estimatedBits = 0; // our conservative estimate
    int characters = 0;
    int words = 0;
    QList<PassphraseProblem> problems;         // empty when acceptable
    [[nodiscard]] QStringList reasons() const; // one plain sentence per problem, for the UI
};

inline constexpr int kMinPassphraseCharacters = 12;
inline constexpr int kMinPassphraseWords = 5;
inline constexpr double kMinPassphraseBits = 50.0;

[[nodiscard]] PassphraseVerdict checkPassphrase(const crypto::SecretBytes &utf8);
[[nodiscard]] QString passphraseProblemText(PassphraseProblem problem);

} // namespace liaison::vault
