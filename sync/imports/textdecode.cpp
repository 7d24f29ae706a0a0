#include "imports/textdecode.h"

#include <QStringDecoder>

#include <array>

namespace liaison::imports {

namespace {

// 0x80..0xFF; 0 = undefined in the code page. Generated from Python's cp1250 and iso8859_2
// codecs (the Unicode consortium's mapping tables).
constexpr std::array<char16_t, 128> kCp1250 = {
    0x20AC, 0x0000, 0x201A, 0x0000, 0x201E, 0x2026, 0x2020, 0x2021, 0x0000, 0x2030, 0x0160, 0x2039,
    0x015A, 0x0164, 0x017D, 0x0179, 0x0000, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x0000, 0x2122, 0x0161, 0x203A, 0x015B, 0x0165, 0x017E, 0x017A, 0x00A0, 0x02C7, 0x02D8, 0x0141,
    0x00A4, 0x0104, 0x00A6, 0x00A7, 0x00A8, 0x00A9, 0x015E, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x017B,
    0x00B0, 0x00B1, 0x02DB, 0x0142, 0x00B4, 0x00B5, 0x00B6, 0x00B7, 0x00B8, 0x0105, 0x015F, 0x00BB,
    0x013D, 0x02DD, 0x013E, 0x017C, 0x0154, 0x00C1, 0x00C2, 0x0102, 0x00C4, 0x0139, 0x0106, 0x00C7,
    0x010C, 0x00C9, 0x0118, 0x00CB, 0x011A, 0x00CD, 0x00CE, 0x010E, 0x0110, 0x0143, 0x0147, 0x00D3,
    0x00D4, 0x0150, 0x00D6, 0x00D7, 0x0158, 0x016E, 0x00DA, 0x0170, 0x00DC, 0x00DD, 0x0162, 0x00DF,
    0x0155, 0x00E1, 0x00E2, 0x0103, 0x00E4, 0x013A, 0x0107, 0x00E7, 0x010D, 0x00E9, 0x0119, 0x00EB,
    0x011B, 0x00ED, 0x00EE, 0x010F, 0x0111, 0x0144, 0x0148, 0x00F3, 0x00F4, 0x0151, 0x00F6, 0x00F7,
    0x0159, 0x016F, 0x00FA, 0x0171, 0x00FC, 0x00FD, 0x0163, 0x02D9,
};
// 0x80..0x9F are C1 control characters in ISO-8859-2: no contact holds them, so a file that
// has them is in another encoding (typically Windows-1250 named wrongly); they count as undefined.
constexpr std::array<char16_t, 128> kIso8859_2 = {
    0,      0,      0,      0,      0,      0,      0,      0,      0,      0,      0,      0,
    0,      0,      0,      0,      0,      0,      0,      0,      0,      0,      0,      0,
    0,      0,      0,      0,      0,      0,      0,      0,      0x00A0, 0x0104, 0x02D8, 0x0141,
    0x00A4, 0x013D, 0x015A, 0x00A7, 0x00A8, 0x0160, 0x015E, 0x0164, 0x0179, 0x00AD, 0x017D, 0x017B,
    0x00B0, 0x0105, 0x02DB, 0x0142, 0x00B4, 0x013E, 0x015B, 0x02C7, 0x00B8, 0x0161, 0x015F, 0x0165,
    0x017A, 0x02DD, 0x017E, 0x017C, 0x0154, 0x00C1, 0x00C2, 0x0102, 0x00C4, 0x0139, 0x0106, 0x00C7,
    0x010C, 0x00C9, 0x0118, 0x00CB, 0x011A, 0x00CD, 0x00CE, 0x010E, 0x0110, 0x0143, 0x0147, 0x00D3,
    0x00D4, 0x0150, 0x00D6, 0x00D7, 0x0158, 0x016E, 0x00DA, 0x0170, 0x00DC, 0x00DD, 0x0162, 0x00DF,
    0x0155, 0x00E1, 0x00E2, 0x0103, 0x00E4, 0x013A, 0x0107, 0x00E7, 0x010D, 0x00E9, 0x0119, 0x00EB,
    0x011B, 0x00ED, 0x00EE, 0x010F, 0x0111, 0x0144, 0x0148, 0x00F3, 0x00F4, 0x0151, 0x00F6, 0x00F7,
    0x0159, 0x016F, 0x00FA, 0x0171, 0x00FC, 0x00FD, 0x0163, 0x02D9,
};

const QString kUtf8 = QStringLiteral("utf-8");
const QString kUtf16le = QStringLiteral("utf-16le");
const QString kUtf16be = QStringLiteral("utf-16be");
const QString kCp1250Name = QStringLiteral("windows-1250");
const QString kIso8859_2Name = QStringLiteral("iso-8859-2");

int lineAt(QByteArrayView bytes, qsizetype offset)
{
    return int(bytes.first(std::min(offset, bytes.size())).count('\n')) + 1;
}

Result<QString> decodeTable(QByteArrayView bytes, const std::array<char16_t, 128> &table,
                            const QString &name)
{
    QString out;
    out.reserve(bytes.size());
    for (qsizetype i = 0; i < bytes.size(); ++i) {
        const auto b = std::uint8_t(bytes[i]);
        if (b < 0x80) {
            out.append(QChar(char16_t(b)));
            continue;
        }
        const char16_t c = table[b - 0x80];
        if (c == 0)
            return fail(Errc::Malformed,
                        QStringLiteral("byte 0x%1 at offset %2 (line %3) is no character of %4")
                            .arg(b, 2, 16, QLatin1Char('0'))
                            .arg(i)
                            .arg(lineAt(bytes, i))
                            .arg(name));
        out.append(QChar(c));
    }
    return out;
}

// The offset of the first byte that breaks UTF-8 (overlong forms and surrogates included).
qsizetype firstBadUtf8(QByteArrayView b)
{
    qsizetype i = 0;
    while (i < b.size()) {
        const auto c = std::uint8_t(b[i]);
        int n = 0;
        std::uint32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return i;
        }
        if (i + n >= b.size())
            return i;
        for (int k = 1; k <= n; ++k) {
            const auto d = std::uint8_t(b[i + k]);
            if ((d & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (d & 0x3F);
        }
        if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            return i;
        i += n + 1;
    }
    return b.size();
}

Result<QString> decodeUtf(QByteArrayView bytes, QStringConverter::Encoding enc, const QString &name)
{
    if ((enc == QStringConverter::Utf16LE || enc == QStringConverter::Utf16BE) &&
        bytes.size() % 2 != 0)
        return fail(Errc::Malformed,
                    QStringLiteral("the file is not %1: an odd number of bytes").arg(name));
    QStringDecoder decoder(enc, QStringConverter::Flag::Stateless);
    QString out = decoder.decode(bytes);
    if (decoder.hasError()) {
        const qsizetype at = enc == QStringConverter::Utf8 ? firstBadUtf8(bytes) : 0;
        return fail(Errc::Malformed,
                    QStringLiteral("the file is not valid %1 (offset %2, line %3); "
                                   "name the encoding with --encoding")
                        .arg(name)
                        .arg(at)
                        .arg(lineAt(bytes, at)));
    }
    return out;
}

// A NUL in most odd or most even positions of the first bytes: UTF-16 without a BOM.
bool looksLikeUtf16(QByteArrayView bytes)
{
    const qsizetype n = std::min<qsizetype>(bytes.size(), 512);
    if (n < 4)
        return false;
    int evenZero = 0, oddZero = 0;
    for (qsizetype i = 0; i < n; ++i)
        if (bytes[i] == 0)
            ++(i % 2 ? oddZero : evenZero);
    return evenZero > n / 4 || oddZero > n / 4;
}

} // namespace

QStringList knownEncodings()
{
    return {kUtf8, kUtf16le, kUtf16be, kCp1250Name, kIso8859_2Name};
}

Result<DecodedText> decodeText(QByteArrayView bytes, const QString &encoding)
{
    DecodedText out;
    QByteArrayView body = bytes;
    QString enc = encoding.toLower();
    if (enc == QLatin1String("utf8"))
        enc = kUtf8;
    else if (enc == QLatin1String("cp1250"))
        enc = kCp1250Name;
    else if (enc == QLatin1String("latin2"))
        enc = kIso8859_2Name;
    if (!enc.isEmpty() && !knownEncodings().contains(enc))
        return fail(Errc::InvalidArgument,
                    QStringLiteral("unknown encoding \"%1\" (known: %2)")
                        .arg(encoding, knownEncodings().join(QStringLiteral(", "))));
    // A BOM wins when it agrees with the named encoding (or none is named).
    if (body.startsWith("\xEF\xBB\xBF") && (enc.isEmpty() || enc == kUtf8)) {
        body = body.sliced(3);
        enc = kUtf8;
        out.hadBom = true;
    } else if (body.startsWith("\xFF\xFE") && (enc.isEmpty() || enc == kUtf16le)) {
        body = body.sliced(2);
        enc = kUtf16le;
        out.hadBom = true;
    } else if (body.startsWith("\xFE\xFF") && (enc.isEmpty() || enc == kUtf16be)) {
        body = body.sliced(2);
        enc = kUtf16be;
        out.hadBom = true;
    }
    if (enc.isEmpty()) {
        if (looksLikeUtf16(body))
            return fail(Errc::Malformed,
                        QStringLiteral("the file looks like UTF-16 without a byte order mark; "
                                       "name it with --encoding utf-16le or utf-16be"));
        enc = firstBadUtf8(body) < body.size() ? kCp1250Name : kUtf8;
    }
    Result<QString> text = fail(Errc::Internal, QString());
    if (enc == kUtf8)
        text = decodeUtf(body, QStringConverter::Utf8, QStringLiteral("UTF-8"));
    else if (enc == kUtf16le)
        text = decodeUtf(body, QStringConverter::Utf16LE, QStringLiteral("UTF-16LE"));
    else if (enc == kUtf16be)
        text = decodeUtf(body, QStringConverter::Utf16BE, QStringLiteral("UTF-16BE"));
    else if (enc == kCp1250Name)
        text = decodeTable(body, kCp1250,
                           encoding.isEmpty()
                               ? QStringLiteral("UTF-8 or Windows-1250; name the encoding with "
                                                "--encoding")
                               : QStringLiteral("Windows-1250"));
    else
        text = decodeTable(body, kIso8859_2, QStringLiteral("ISO-8859-2"));
    if (!text)
        return std::unexpected(text.error());
    if (text->contains(QChar(0)))
        return fail(
            Errc::Malformed,
            QStringLiteral("the text holds a NUL character: wrong encoding? (%1)").arg(enc));
    out.text = std::move(*text);
    out.encoding = enc;
    return out;
}

} // namespace liaison::imports
