#pragma once

// The text of a file the desk imports (issue 10 "Imports that survive real files"): the bytes of
// a CSV or vCard export as Outlook, Google or a spreadsheet wrote them, turned into text.
//  - a BOM decides: UTF-8 (EF BB BF), UTF-16 LE (FF FE), UTF-16 BE (FE FF); the BOM is dropped;
//  - no BOM: valid UTF-8 is UTF-8; text with a NUL in every other byte is UTF-16 without a BOM
//    (refused: the encoding must then be named); anything else is Windows-1250 (Central
//    European: Czech, Polish, Hungarian, Slovak), the code page Outlook writes there, unless a
//    byte Windows-1250 does not define shows it is not;
//  - or the caller names the encoding: utf-8, utf-16le, utf-16be, windows-1250, iso-8859-2.
// Errors name the byte offset and, where known, the line.

#include "error.h"

#include <QByteArrayView>
#include <QString>
#include <QStringList>

namespace liaison::imports {

struct DecodedText
{
    QString text;
    QString encoding; // the name of what was used, as --encoding takes it
    bool hadBom = false;
};

// Names accepted by decodeText (lower case).
[[nodiscard]] QStringList knownEncodings();
// `encoding` empty: detect. Malformed when the bytes are not valid in the encoding; InvalidArgument
// for an unknown encoding name.
[[nodiscard]] Result<DecodedText> decodeText(QByteArrayView bytes, const QString &encoding = {});

} // namespace liaison::imports
