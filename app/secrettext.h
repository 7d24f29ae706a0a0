#pragma once

#include "crypto/secret.h"

#include <QString>

namespace liaison::app {

// The UTF-8 bytes of `text` written straight into secret memory, with no QByteArray in between.
[[nodiscard]] crypto::SecretBytes secretFromText(QStringView text);

} // namespace liaison::app
