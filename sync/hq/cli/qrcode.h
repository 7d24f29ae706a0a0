#pragma once

// The enrolment code as a QR code (DESIGN.md "Enrolment" step 1: "prints a code (QR and text)"):
// encoded with libqrencode, drawn in a terminal with Unicode half blocks, and written as a PNG
// (a small writer over zlib: liaison-hq does not link Qt Gui).

#include "error.h"

#include <QByteArray>
#include <QString>
#include <QVector>

namespace liaison::hqcli {

struct QrMatrix
{
    int width = 0;      // modules per side
    QVector<bool> dark; // width * width, row-major
    [[nodiscard]] bool at(int x, int y) const
    {
        return x >= 0 && y >= 0 && x < width && y < width && dark[y * width + x];
    }
};

// Error correction M, the smallest version that fits (alphanumeric mode for the code's
// upper-case letters, digits and '-').
[[nodiscard]] Result<QrMatrix> encodeQr(const QByteArray &text);
// Two modules per character row (half blocks), light modules drawn as full blocks, as
// `qrencode -t UTF8` does, with a quiet zone of 2 modules: scans from a dark terminal.
[[nodiscard]] QString qrForTerminal(const QrMatrix &qr);
// 8-bit grey PNG, `scale` pixels per module, a quiet zone of 4 modules.
[[nodiscard]] QByteArray qrPng(const QrMatrix &qr, int scale = 8);

} // namespace liaison::hqcli
