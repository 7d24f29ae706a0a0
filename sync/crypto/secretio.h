#pragma once

// Reading secrets (passphrases, peppers, enrolment codes) from files and descriptors straight into
// secret memory (DESIGN.md "Keys": secrets only in sodium_malloc memory). No stdio FILE buffer,
// QIODevice buffer or QByteArray holds a copy on the way: the bytes go from read(2) into a
// SecretBytes, and a line is read one byte at a time so nothing past it is consumed.

#include "crypto/secret.h"
#include "error.h"

#include <QString>

#include <cstddef>

namespace liaison::crypto {

enum class SecretReadMode {
    FirstLine, // up to the first '\n' (without it and without a trailing '\r'); the rest is unread
    Whole,     // everything up to end of file
};

// From an open descriptor. Malformed ("too long") when it holds more than `limit` bytes before the
// line end (FirstLine) or end of file (Whole); Io when read(2) fails.
[[nodiscard]] Result<SecretBytes> readSecret(int fd, std::size_t limit, SecretReadMode mode);

// From a file. NotFound when it does not exist.
[[nodiscard]] Result<SecretBytes> readSecretFile(const QString &path, std::size_t limit,
                                                 SecretReadMode mode);

} // namespace liaison::crypto
