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
// The wipe-ack key (DESIGN.md "Keys"): an Ed25519 pair made at enrolment; the secret half lives
// only in the platform key store (alias "liaison-wipe-ack-<device id>", beside the pepper, never
// in the vault or a file), so the locked app can sign the acknowledgement; the wipe file names
// its public key by hash ("wipe-ack-key-hash"). It is deleted last, once the relay took the
// acknowledgement.
//
// The acknowledgement the device posts after the wipe (POST /v1/wipe/{id}/done) is the signed
// "LWA2" of sync/protocol/wipe.h: signed by the device key while the vault is unlocked, else by
// the wipe-ack key. With neither (a device enrolled before wipe-ack keys) nothing is posted: an
// unsigned acknowledgement is refused by the relay and never believed by HQ.

#include "client/wipetoken.h"
#include "clock/clock.h"
#include "device/devicestore.h"
#include "error.h"
#include "protocol/wipe.h"
#include "vault/keystore.h"

#include <QString>
#include <QStringList>

#include <optional>

namespace liaison::device {

struct WipeFile
{
    client::WipeTarget target;
    QString relayUrl;
    QStringList relayPins;
    // What the locked check judges a token by (security review L-5), written while unlocked:
    // HQ's verified time as a lower bound (hq-time), with the boot clock reading and boot id
    // when it was written (hq-time-boot), so the bound grows while the device runs; and the
    // highest HQ certificate serial the device adopted (cert-serial). None: not known yet.
    std::optional<std::int64_t> hqTimeMs;
    QByteArray hqTimeBootId;
    std::int64_t hqTimeBootMs = 0;
    std::uint64_t certSerial = 0;
    // Only in the pending file: the signed acknowledgement to post (LWA2); empty when no key
    // could sign it (then the wipe finishes and nothing is posted).
    QByteArray acknowledgement;
};

[[nodiscard]] QString wipeFilePath(const QString &vaultDir);
// DESIGN.md wipe order: before erasing, the wipe file and the acknowledgement go to
// "wipe.pending" (fsync); it is deleted once the relay took the acknowledgement. A pending wipe
// (the app died part way) finishes at the next start before any UI.
[[nodiscard]] QString wipePendingPath(const QString &vaultDir);
// Security review L-6: the pending file is signed with the device's wipe-ack key, which lives in
// the platform key store (not in the vault directory): its last line "pending-sig=" is the
// Ed25519 signature, under the domain "liaison-wipe-pending-v1", of every byte before it. A
// device without a wipe-ack key writes it unsigned (this process still finishes the wipe; a
// later start will not).
[[nodiscard]] Status writeWipePending(const QString &vaultDir, const WipeFile &file,
                                      vault::KeyStore &keyStore);
// Layout only: what the file says, signed or not (use readVerifiedWipePending before obeying it).
[[nodiscard]] Result<std::optional<WipeFile>> readWipePending(const QString &vaultDir);
// The pending file only if its signature verifies under the wipe-ack key the key store holds for
// the device it names: Errc::AuthFailed for a file without a signature, with a bad one, or when
// the key store holds no such key (a file planted or altered by someone who can write in the
// vault directory is never obeyed). No file: an empty optional.
[[nodiscard]] Result<std::optional<WipeFile>> readVerifiedWipePending(const QString &vaultDir,
                                                                      vault::KeyStore &keyStore);
[[nodiscard]] Status removeWipePending(const QString &vaultDir);
[[nodiscard]] QByteArray encodeWipeFile(const WipeFile &file);
// Errc::Malformed when the text is not a complete wipe file.
[[nodiscard]] Result<WipeFile> decodeWipeFile(QByteArrayView text);
[[nodiscard]] Status writeWipeFile(const QString &vaultDir, const WipeFile &file);
// No file: an empty optional.
[[nodiscard]] Result<std::optional<WipeFile>> readWipeFile(const QString &vaultDir);
[[nodiscard]] Status removeWipeFile(const QString &vaultDir);

// The context a token is judged in (DESIGN.md: notAfter against the lower bound of HQ time,
// last verified HQ time plus boot-clock time elapsed since; the certificate serial not retired).
[[nodiscard]] client::WipeTokenContext wipeTokenContext(const WipeFile &file,
                                                        const liaison::Clock &clock);

// What the profile of an enrolled device gives (nothing without a wipe id or root key).
[[nodiscard]] std::optional<WipeFile> wipeFileFor(const DeviceProfile &profile,
                                                  const crypto::SignPublicKey &deviceSignKey);

// Writes the wipe file the profile gives, with what the locked check judges tokens by (security
// review L-5): HQ's verified time (`hqTimeMs`, with the boot clock's reading now) and the
// adopted certificate serial (never lowered). Leaves a current file alone (the same fields, its
// time bound at most a minute behind). False: nothing to write (no wipe id or root key yet) or
// the file was current; true: written.
[[nodiscard]] Result<bool> refreshWipeFile(const QString &vaultDir, const DeviceProfile &profile,
                                           const crypto::SignPublicKey &deviceSignKey,
                                           std::optional<std::int64_t> hqTimeMs,
                                           std::uint64_t certSerial, const liaison::Clock &clock);

// The key store alias of the device's wipe-ack secret key.
[[nodiscard]] QString wipeAckKeyAlias(const crypto::Id16 &device);
// Enrolment: a fresh wipe-ack pair, the secret half written to the key store; the public half.
[[nodiscard]] Result<crypto::SignPublicKey> createWipeAckKey(vault::KeyStore &keyStore,
                                                             const crypto::Id16 &device);
// Errc::NotFound when the device has none.
[[nodiscard]] Result<crypto::SignKeyPair> loadWipeAckKey(vault::KeyStore &keyStore,
                                                         const crypto::Id16 &device);
[[nodiscard]] Status removeWipeAckKey(vault::KeyStore &keyStore, const crypto::Id16 &device);

} // namespace liaison::device
