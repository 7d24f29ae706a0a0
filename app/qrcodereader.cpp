#include "qrcodereader.h"

// text() as UTF-8 (ZXing 1.4 otherwise returns std::wstring and says so at every build).
#define ZX_USE_UTF8 1
#include <ZXing/ReadBarcode.h>

namespace liaison::app {

Result<QString> readQrCode(const QImage &image)
{
    if (image.isNull())
        return fail(Errc::InvalidArgument, QStringLiteral("no image"));
    // Grey levels, one byte a pixel: what ZXing binarises anyway.
    const QImage grey = image.convertToFormat(QImage::Format_Grayscale8);
    const ZXing::ImageView view(grey.constBits(), grey.width(), grey.height(),
                                ZXing::ImageFormat::Lum, int(grey.bytesPerLine()));
    ZXing::DecodeHints hints;
    hints.setFormats(ZXing::BarcodeFormat::QRCode);
    hints.setTryHarder(true);
    hints.setTryRotate(true);
    const ZXing::Result result = ZXing::ReadBarcode(view, hints);
    if (!result.isValid())
        return fail(Errc::NotFound, QStringLiteral("no QR code found in the picture"));
    return QString::fromStdString(result.text());
}

Result<QString> readQrCodeFile(const QString &path)
{
    QImage image;
    if (!image.load(path))
        return fail(Errc::Io, QStringLiteral("not a readable picture"));
    return readQrCode(image);
}

} // namespace liaison::app
