#pragma once

// DESIGN.md "Enrolment" (the device's side, step 1): the enrolment code read from a picture of
// the QR code the desk prints (`liaison-hq device add --png`), with ZXing-C++ (Debian's
// libzxing-dev). Only QR codes are looked for; the text is returned as it was encoded and is
// secret (it holds S): the caller hands it straight to the enrolment.

#include "error.h"

#include <QImage>
#include <QString>

namespace liaison::app {

// NotFound when the picture holds no readable QR code; InvalidArgument for a null image.
[[nodiscard]] Result<QString> readQrCode(const QImage &image);
// The same from an image file (PNG, JPEG ...): Io when it cannot be read as an image.
[[nodiscard]] Result<QString> readQrCodeFile(const QString &path);

} // namespace liaison::app
