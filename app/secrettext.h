#pragma once

#include "crypto/secret.h"

#include <QString>

namespace liaison::app {

// The UTF-8 bytes of `text` written straight into secret memory, with no QByteArray in between.
[[nodiscard]] crypto::SecretBytes secretFromText(QStringView text);

// The first line of stdin (without its line end) in secret memory; the read buffer is zeroed.
// Empty when there is none.
[[nodiscard]] crypto::SecretBytes readPassphraseLine();

} // namespace liaison::app
