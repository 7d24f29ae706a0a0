#pragma once

// The 24/7 duty number the lock screen dials without unlocking (issue 11 "Lock screen"; DESIGN.md
// "Device", files beside the vault). It is the one piece of record data kept outside the vault,
// on purpose: a public number of the directorate's permanent service, taken from the contact that
// holds it and rewritten after every change of the records (each sync round), so an officer
// locked out, or with a wiped vault, can still call HQ.
//
// The file "duty.number" in the vault directory holds the number and a newline, nothing else;
// written atomically (temp, fsync, rename), mode 0600. No holder: the file is removed.
//
// Which record holds it: a live contact tagged "hq" with a phone marked 24/7; contacts also
// tagged "24/7" first, then the lowest record id (every device picks the same one).

#include "error.h"
#include "model/operation.h"

#include <QByteArrayView>
#include <QList>
#include <QString>

#include <optional>

namespace liaison::device {

inline constexpr qsizetype kMaxDutyNumberLength = 32;

[[nodiscard]] QString dutyNumberPath(const QString &vaultDir);

// A number a phone can dial: "+", digits, spaces and "-()./", 3 to 15 digits, at most
// kMaxDutyNumberLength characters.
[[nodiscard]] bool isDialableNumber(QStringView number);

// The duty number of the records (see above); none when no contact holds one.
[[nodiscard]] std::optional<QString> dutyNumberFrom(const QList<model::RecordState> &records);

// The file's bytes; Errc::Malformed unless they are one dialable number and a newline.
[[nodiscard]] Result<QString> decodeDutyNumber(QByteArrayView bytes);
// No file: an empty optional. A damaged file: Errc::Malformed.
[[nodiscard]] Result<std::optional<QString>> readDutyNumber(const QString &vaultDir);
// Writes `number` (removes the file for none) unless the file already says so. True when the
// file changed. Errc::Malformed for a number that is not dialable (nothing written).
[[nodiscard]] Result<bool> storeDutyNumber(const QString &vaultDir,
                                           const std::optional<QString> &number);

} // namespace liaison::device
