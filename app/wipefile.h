#pragma once

// The plain wipe file of DESIGN.md "Commands, remote wipe" (locked path): written at enrolment
// beside the vault (in the vault directory, file "wipe.target"), so the app can ask the relay for
// a wipe token at every start and resume BEFORE the passphrase is entered. It holds nothing secret
// and nothing personal: deployment id, device id, BLAKE2b-256 of the device's sign key, the random
// wipe id, HQ's root public key, and where to ask (the relay address and its TLS pins).
//
// Text, one "key=value" a line after the first line "liaison-wipe-v1"; ids and keys in hex.
// Written atomically (temp, fsync, rename). Deleted after the vault is crypto-erased.
//
// The acknowledgement the device posts after the wipe (POST /v1/wipe/{id}/done) is
// "LWA1" ‖ deployment ‖ device ‖ command id ‖ u64 erased at (ms, big-endian): ids only. It is not
// signed: on the locked path the device's keys are locked in the vault that was just erased.

#include "client/wipetoken.h"
#include "devicestore.h"
#include "error.h"

#include <QString>
#include <QStringList>

#include <optional>

namespace liaison::app {

struct WipeFile
{
    client::WipeTarget target;
    QString relayUrl;
    QStringList relayPins;
    // Only in the pending file: the acknowledgement to post (ids only).
    QByteArray acknowledgement;
};

[[nodiscard]] QString wipeFilePath(const QString &vaultDir);
// DESIGN.md wipe order: before erasing, the wipe file and the acknowledgement go to
// "wipe.pending" (fsync); it is deleted once the relay took the acknowledgement. A pending wipe
// (the app died part way) finishes at the next start before any UI.
[[nodiscard]] QString wipePendingPath(const QString &vaultDir);
[[nodiscard]] Status writeWipePending(const QString &vaultDir, const WipeFile &file);
[[nodiscard]] Result<std::optional<WipeFile>> readWipePending(const QString &vaultDir);
[[nodiscard]] Status removeWipePending(const QString &vaultDir);
[[nodiscard]] QByteArray encodeWipeFile(const WipeFile &file);
// Errc::Malformed when the text is not a complete wipe file.
[[nodiscard]] Result<WipeFile> decodeWipeFile(QByteArrayView text);
[[nodiscard]] Status writeWipeFile(const QString &vaultDir, const WipeFile &file);
// No file: an empty optional.
[[nodiscard]] Result<std::optional<WipeFile>> readWipeFile(const QString &vaultDir);
[[nodiscard]] Status removeWipeFile(const QString &vaultDir);

// What the profile of an enrolled device gives (nothing without a wipe id or root key).
[[nodiscard]] std::optional<WipeFile> wipeFileFor(const DeviceProfile &profile,
                                                  const crypto::SignPublicKey &deviceSignKey);

struct WipeAcknowledgement
{
    crypto::Id16 deployment;
    crypto::Id16 device;
    crypto::Id16 commandId;
    std::int64_t erasedAtMs = 0;

    [[nodiscard]] QByteArray encode() const;
    [[nodiscard]] static Result<WipeAcknowledgement> decode(QByteArrayView bytes);
};

} // namespace liaison::app
