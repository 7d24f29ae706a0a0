#include "passphrase.h"

#include "crypto/crypto.h"

#include <QChar>
#include <QCoreApplication>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <span>
#include <vector>

namespace liaison::vault {
namespace {

// Well-known passwords and phrases, written plainly; matched after lower-casing, removing
// separators and undoing common letter substitutions (p4ssw0rd -> password).
constexpr const char *kCommon[] = {
    "password",
    "passwort",
    "motdepasse",
    "contrasena",
    "wachtwoord",
    "haslo",
    "salasana",
    "qwerty",
    "qwertz",
    "azerty",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "1q2w3e4r",
    "zaq12wsx",
    "letmein",
    "welcome",
    "iloveyou",
    "admin",
    "administrator",
    "trustno1",
    "dragon",
    "monkey",
    "football",
    "baseball",
    "soccer",
    "hockey",
    "sunshine",
    "princess",
    "shadow",
    "master",
    "superman",
    "batman",
    "starwars",
    "whatever",
    "freedom",
    "secret",
    "changeme",
    "default",
    "liaison",
    "interpol",
    "europol",
    "frontex",
    "sirene",
    "police",
    "polizei",
    "officer",
    "summer",
    "winter",
    "spring",
    "autumn",
    "hello",
    "abc123",
    "passphrase",
    "mypassword",
    "correcthorsebatterystaple",
    "thequickbrownfox",
    "jumpsoverthelazydog",
    "michael",
    "jennifer",
    "charlie",
    "hunter",
    "ranger",
    "killer",
    "cheese",
    "computer",
    "internet",
    "samsung",
    "google",
    "facebook",
    "london",
    "paris",
    "berlin",
    "vienna",
    "brussels",
    "loveyou",
    "666666",
    "111111",
    "123123",
    "654321",
    "12345678",
    "987654321",
    "qazwsx",
};

constexpr const char *kKeyboardRows[] = {"1234567890", "qwertyuiop", "asdfghjkl",
                                         "zxcvbnm",    "azertyuiop", "qsdfghjklm",
                                         "wxcvbn",     "qwertzuiop", "yxcvbnm"};

// Secret scratch memory for code points: wiped when done.
class CodePoints
{
public:
    explicit CodePoints(std::size_t n)
        : m_bytes(n * sizeof(char32_t))
    {}
    char32_t *data() { return reinterpret_cast<char32_t *>(m_bytes.data()); }
    std::span<char32_t> span(std::size_t n) { return {data(), n}; }

private:
    crypto::SecretBytes m_bytes;
};

// Strict UTF-8 decode; returns the number of code points or -1.
long decodeUtf8(const std::uint8_t *s, std::size_t n, char32_t *out)
{
    long count = 0;
    std::size_t i = 0;
    while (i < n) {
        const std::uint8_t b = s[i];
        char32_t cp = 0;
        int extra = 0;
        if (b < 0x80) {
            cp = b;
        } else if ((b & 0xe0) == 0xc0) {
            cp = b & 0x1f;
            extra = 1;
        } else if ((b & 0xf0) == 0xe0) {
            cp = b & 0x0f;
            extra = 2;
        } else if ((b & 0xf8) == 0xf0) {
            cp = b & 0x07;
            extra = 3;
        } else {
            return -1;
        }
        if (extra > 0 && i + std::size_t(extra) >= n)
            return -1;
        for (int k = 1; k <= extra; ++k) {
            const std::uint8_t c = s[i + std::size_t(k)];
            if ((c & 0xc0) != 0x80)
                return -1;
            cp = (cp << 6) | (c & 0x3f);
        }
        static constexpr char32_t minFor[] = {0, 0x80, 0x800, 0x10000};
        if (cp < minFor[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return -1;
        out[count++] = cp;
        i += std::size_t(extra) + 1;
    }
    return count;
}

char32_t lower(char32_t c)
{
    return QChar::toLower(c);
}

char32_t unleet(char32_t c)
{
    switch (c) {
    case U'0':
        return U'o';
    case U'1':
        return U'i';
    case U'!':
        return U'i';
    case U'|':
        return U'l';
    case U'3':
        return U'e';
    case U'4':
        return U'a';
    case U'@':
        return U'a';
    case U'5':
        return U's';
    case U'$':
        return U's';
    case U'7':
        return U't';
    case U'+':
        return U't';
    case U'8':
        return U'b';
    default:
        return lower(c);
    }
}

bool isSeparator(char32_t c)
{
    return c == U' ' || c == U'-' || c == U'_' || c == U'.' || c == U'/' || c == U',' || c == U'\t';
}

bool keyboardAdjacent(char32_t a, char32_t b)
{
    if (a > 0x7f || b > 0x7f)
        return false;
    for (const char *row : kKeyboardRows) {
        const char *pa = std::strchr(row, int(a));
        const char *pb = std::strchr(row, int(b));
        if (pa && pb && (pa - pb == 1 || pb - pa == 1))
            return true;
    }
    return false;
}

} // namespace

// In the language of the translator the process installed (the app's Czech catalogue holds these
// texts: app/CMakeLists.txt has lupdate read this file); English where there is none (the CLIs).
QString passphraseProblemText(PassphraseProblem problem)
{
    switch (problem) {
    case PassphraseProblem::Empty:
        return QCoreApplication::translate("liaison::vault::Passphrase", "Enter a passphrase.");
    case PassphraseProblem::TooShort:
        return QCoreApplication::translate("liaison::vault::Passphrase",
                                           "Use at least 12 characters, or at least 5 words.");
    case PassphraseProblem::NumericPin:
        return QCoreApplication::translate(
            "liaison::vault::Passphrase",
            "A number alone is not allowed; use words or a mix of characters.");
    case PassphraseProblem::InvalidUtf8:
        return QCoreApplication::translate(
            "liaison::vault::Passphrase",
            "The passphrase contains characters that cannot be read.");
    case PassphraseProblem::CommonPassword:
        return QCoreApplication::translate(
            "liaison::vault::Passphrase",
            "It is built on a well-known password or phrase; choose your own words.");
    case PassphraseProblem::Repetitive:
        return QCoreApplication::translate("liaison::vault::Passphrase",
                                           "It repeats the same characters; avoid repetition.");
    case PassphraseProblem::Sequence:
        return QCoreApplication::translate(
            "liaison::vault::Passphrase",
            "It is mostly a sequence like \"abcd\", \"4321\" or a keyboard row.");
    case PassphraseProblem::TooWeak:
        return QCoreApplication::translate("liaison::vault::Passphrase",
                                           "It is too easy to guess; add more unrelated words.");
    }
    return QString();
}

QStringList PassphraseVerdict::reasons() const
{
    QStringList out;
    for (PassphraseProblem p : problems)
        out << passphraseProblemText(p);
    return out;
}

PassphraseVerdict checkPassphrase(const crypto::SecretBytes &utf8)
{
    PassphraseVerdict v;
    if (utf8.empty()) {
        v.problems << PassphraseProblem::Empty;
        return v;
    }
    const std::size_t cap = utf8.size();
    CodePoints cps(cap);
    const long n = decodeUtf8(utf8.data(), utf8.size(), cps.data());
    if (n < 0) {
        v.problems << PassphraseProblem::InvalidUtf8;
        return v;
    }
    if (n == 0) {
        v.problems << PassphraseProblem::Empty;
        return v;
    }
    const std::span<char32_t> s = cps.span(std::size_t(n));
    v.characters = int(n);

    // Words: runs of at least two letters.
    bool hasLower = false, hasUpper = false, hasDigit = false, hasSymbol = false, hasOther = false;
    bool onlyDigits = true, anyDigit = false;
    int run = 0;
    for (char32_t c : s) {
        const bool letter = QChar::isLetter(c);
        if (letter) {
            ++run;
        } else {
            if (run >= 2)
                ++v.words;
            run = 0;
        }
        if (c > 0x7f) {
            hasOther = true;
        } else if (c >= U'a' && c <= U'z') {
            hasLower = true;
        } else if (c >= U'A' && c <= U'Z') {
            hasUpper = true;
        } else if (c >= U'0' && c <= U'9') {
            hasDigit = true;
        } else {
            hasSymbol = true;
        }
        if (c >= U'0' && c <= U'9')
            anyDigit = true;
        else if (!isSeparator(c))
            onlyDigits = false;
    }
    if (run >= 2)
        ++v.words;

    if (onlyDigits && anyDigit)
        v.problems << PassphraseProblem::NumericPin;
    if (v.characters < kMinPassphraseCharacters && v.words < kMinPassphraseWords)
        v.problems << PassphraseProblem::TooShort;

    // Common passwords: mark every character covered by a match.
    CodePoints normBuf{std::size_t(n)};
    std::vector<int> normIndex; // position in s of each normalized character
    normIndex.reserve(std::size_t(n));
    long m = 0;
    for (long i = 0; i < n; ++i) {
        if (isSeparator(s[std::size_t(i)]))
            continue;
        normBuf.data()[m++] = unleet(s[std::size_t(i)]);
        normIndex.push_back(int(i));
    }
    const std::span<char32_t> norm = normBuf.span(std::size_t(m));
    std::vector<char> covered(std::size_t(n), 0);
    int commonMatches = 0;
    for (const char *word : kCommon) {
        // Normalize the list entry the same way.
        char32_t entry[64];
        const std::size_t len = std::strlen(word);
        if (len < 4 || len > 64)
            continue;
        for (std::size_t k = 0; k < len; ++k)
            entry[k] = unleet(char32_t(std::uint8_t(word[k])));
        for (std::size_t start = 0; start + len <= norm.size(); ++start) {
            if (std::equal(entry, entry + len, norm.begin() + long(start))) {
                ++commonMatches;
                for (std::size_t k = start; k < start + len; ++k)
                    covered[std::size_t(normIndex[k])] = 1;
            }
        }
    }

    // Entropy estimate, conservative: a character costs log2(pool) bits unless it repeats,
    // continues a sequence, sits in a common word, or is a letter inside a longer word (a
    // dictionary word carries far less than random letters).
    double pool = 0;
    if (hasLower)
        pool += 26;
    if (hasUpper)
        pool += 26;
    if (hasDigit)
        pool += 10;
    if (hasSymbol)
        pool += 33;
    if (hasOther)
        pool += 100;
    const double full = std::log2(std::max(pool, 2.0));
    double bits = 0;
    int repeats = 0, sequences = 0;
    long letterRunStart = -1;
    for (long i = 0; i < n; ++i) {
        const char32_t c = s[std::size_t(i)];
        if (QChar::isLetter(c)) {
            if (letterRunStart < 0)
                letterRunStart = i;
        } else {
            letterRunStart = -1;
        }
        if (covered[std::size_t(i)]) {
            // A whole common word costs about log2(list size) + a bit for its case.
            if (i == 0 || !covered[std::size_t(i - 1)])
                bits += 8;
            continue;
        }
        bool repeat = false;
        for (long p = 1; p <= 4 && !repeat; ++p) {
            if (i >= p && lower(s[std::size_t(i - p)]) == lower(c) &&
                (p == 1 ||
                 (i >= p + 1 && lower(s[std::size_t(i - 1 - p)]) == lower(s[std::size_t(i - 1)]))))
                repeat = true;
        }
        if (repeat) {
            ++repeats;
            bits += 1;
            continue;
        }
        if (i >= 1) {
            const char32_t a = lower(s[std::size_t(i - 1)]);
            const char32_t b = lower(c);
            const bool alnum =
                (a < 0x80 && b < 0x80) && QChar::isLetterOrNumber(a) && QChar::isLetterOrNumber(b);
            if (alnum && ((a + 1 == b) || (b + 1 == a) || keyboardAdjacent(a, b))) {
                ++sequences;
                bits += 1.5;
                continue;
            }
        }
        // A 4-digit year costs about 7 bits for the whole run.
        if (i + 3 < n && (c == U'1' || c == U'2')) {
            const char32_t *y = s.data() + i;
            if (((y[0] == U'1' && y[1] == U'9') || (y[0] == U'2' && y[1] == U'0')) &&
                y[2] >= U'0' && y[2] <= U'9' && y[3] >= U'0' && y[3] <= U'9' &&
                (i + 4 >= n || !(y[4] >= U'0' && y[4] <= U'9'))) {
                bits += 7;
                i += 3;
                continue;
            }
        }
        const bool inLongWord = letterRunStart >= 0 && i - letterRunStart >= 1;
        bits += inLongWord ? std::min(full, 2.5) : full;
    }
    v.estimatedBits = bits;

    int coveredCount = 0;
    for (char c : covered)
        coveredCount += c;
    const int significant = int(norm.size());
    if (commonMatches > 0 && coveredCount * 2 >= significant)
        v.problems << PassphraseProblem::CommonPassword;
    if (repeats * 2 >= v.characters)
        v.problems << PassphraseProblem::Repetitive;
    if (sequences * 2 >= v.characters)
        v.problems << PassphraseProblem::Sequence;
    const bool strengthProblem = v.problems.contains(PassphraseProblem::CommonPassword) ||
                                 v.problems.contains(PassphraseProblem::Repetitive) ||
                                 v.problems.contains(PassphraseProblem::Sequence) ||
                                 v.problems.contains(PassphraseProblem::NumericPin);
    if (bits < kMinPassphraseBits && !strengthProblem &&
        !v.problems.contains(PassphraseProblem::TooShort))
        v.problems << PassphraseProblem::TooWeak;
    v.acceptable = v.problems.isEmpty();
    return v;
}

} // namespace liaison::vault
