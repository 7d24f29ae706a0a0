#include "qrcode.h"

#include <qrencode.h>
#include <zlib.h>

#include <QtEndian>

namespace liaison::hqcli {

Result<QrMatrix> encodeQr(const QByteArray &text)
{
    QRcode *code = QRcode_encodeString(text.constData(), 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!code)
        return fail(Errc::InvalidArgument, QStringLiteral("the code does not fit a QR code"));
    QrMatrix m;
    m.width = code->width;
    m.dark.resize(qsizetype(code->width) * code->width);
    for (int i = 0; i < code->width * code->width; ++i)
        m.dark[i] = (code->data[i] & 1) != 0;
    QRcode_free(code);
    return m;
}

QString qrForTerminal(const QrMatrix &qr)
{
    constexpr int quiet = 2;
    QString out;
    // Each character is two module rows: upper and lower half; "light" is drawn.
    for (int y = -quiet; y < qr.width + quiet; y += 2) {
        for (int x = -quiet; x < qr.width + quiet; ++x) {
            const bool top = !qr.at(x, y);
            const bool bottom = y + 1 < qr.width + quiet && !qr.at(x, y + 1);
            if (top && bottom)
                out += QChar(0x2588); // full block
            else if (top)
                out += QChar(0x2580); // upper half
            else if (bottom)
                out += QChar(0x2584); // lower half
            else
                out += QLatin1Char(' ');
        }
        out += QLatin1Char('\n');
    }
    return out;
}

namespace {

void chunk(QByteArray &png, const char type[4], const QByteArray &data)
{
    char len[4];
    qToBigEndian<quint32>(quint32(data.size()), len);
    png.append(len, 4);
    QByteArray body(type, 4);
    body.append(data);
    png.append(body);
    char crc[4];
    qToBigEndian<quint32>(
        quint32(::crc32(0, reinterpret_cast<const Bytef *>(body.constData()), uInt(body.size()))),
        crc);
    png.append(crc, 4);
}

} // namespace

QByteArray qrPng(const QrMatrix &qr, int scale)
{
    constexpr int quiet = 4;
    const int modules = qr.width + 2 * quiet;
    const int side = modules * scale;
    // Scanlines: filter byte 0, then one grey byte per pixel.
    QByteArray raw;
    raw.reserve(qsizetype(side) * (side + 1));
    for (int py = 0; py < side; ++py) {
        raw.append('\0');
        const int y = py / scale - quiet;
        for (int px = 0; px < side; ++px)
            raw.append(qr.at(px / scale - quiet, y) ? '\0' : '\xff');
    }
    uLongf packedSize = compressBound(uLong(raw.size()));
    QByteArray packed(qsizetype(packedSize), '\0');
    if (::compress2(reinterpret_cast<Bytef *>(packed.data()), &packedSize,
                    reinterpret_cast<const Bytef *>(raw.constData()), uLong(raw.size()), 9) != Z_OK)
        return {};
    packed.resize(qsizetype(packedSize));

    QByteArray png("\x89PNG\r\n\x1a\n", 8);
    QByteArray ihdr(13, '\0');
    qToBigEndian<quint32>(quint32(side), ihdr.data());
    qToBigEndian<quint32>(quint32(side), ihdr.data() + 4);
    ihdr[8] = 8;  // bit depth
    ihdr[9] = 0;  // greyscale
    ihdr[10] = 0; // deflate
    ihdr[11] = 0; // adaptive filtering
    ihdr[12] = 0; // no interlace
    chunk(png, "IHDR", ihdr);
    chunk(png, "IDAT", packed);
    chunk(png, "IEND", {});
    return png;
}

} // namespace liaison::hqcli
