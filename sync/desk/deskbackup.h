#pragma once

// Backup and restore of the desk store (issue 10: "an encrypted copy of the desk store; after a
// restore the epochs move forward, never back"; DESIGN.md "Keys" (HQ), "Streams": RESYNC "after
// ... an HQ restore").
//
// A backup is one file, encrypted under its own passphrase (the backup passphrase; the desk
// passphrase is still needed to open the restored store). Fixed header, big-endian:
//
//   magic "LHB1"                4
//   format u16 (1)              2
//   opslimit u32, memlimit u64 12
//   salt                       16
//   nonce                      24
//   deployment id              16   (public: `restore` says which deployment a file is)
//   created (ms, Unix) u64      8
//   -- 82 bytes: the header, also the associated data --
//   XChaCha20-Poly1305(archive, key = Argon2id(backup passphrase, salt))
//
// archive: u32 count, then per file: u16 name length, name (UTF-8, relative to the store
// directory), u64 length, bytes. The files are the store directory's: the vault's key file,
// database and write-ahead log (already SQLCipher-encrypted), lockout counter, and the key
// store (the pepper). The copy is consistent: it is read while the backup holds the store's
// write lock (BEGIN IMMEDIATE), so no commit lands between the database and its log.
//
// Restore writes the files into a directory of its own (`<store>.restoring`), opens the store
// there with the desk passphrase and moves every device's `down` stream past any epoch HQ may
// have used after the backup was taken (kRestoreEpochGap further, then a RESYNC opens the next
// epoch), so no device ever sees HQ's epochs go back; only then is the directory renamed into
// place. A restore that stops half-way leaves no store behind, only the `.restoring` directory,
// which the next restore removes.

#include "crypto/crypto.h"
#include "desk/deskstore.h"
#include "error.h"
#include "streams/streamtypes.h"

#include <QString>

#include <optional>

namespace liaison::desk {

class DeskRelay;

inline constexpr QByteArrayView kBackupMagic = "LHB1";
inline constexpr qsizetype kBackupHeaderBytes = 82;
// How far a restore moves each `down` stream (the stream layer's restore marker).
inline constexpr std::uint32_t kRestoreEpochGap = streams::kRestoreEpochJump;

struct BackupInfo
{
    crypto::Id16 deployment;
    qint64 createdMs = 0;
    int files = 0;
    qint64 bytes = 0; // the file's size
};

// The decoders of a backup's outside bytes (fuzz_backup): the public header (the first
// kBackupHeaderBytes of the file) and the archive once decrypted. Each refuses (Malformed) what
// it cannot read whole; an archive's names are relative paths that stay in the store directory.
struct BackupHeader
{
    crypto::KdfParams kdf;
    crypto::Salt16 salt;
    crypto::XNonce nonce;
    crypto::Id16 deployment;
    qint64 createdMs = 0;
};
[[nodiscard]] QByteArray encodeBackupHeader(const BackupHeader &h);
[[nodiscard]] Result<BackupHeader> decodeBackupHeader(QByteArrayView bytes);

struct BackupEntry
{
    QString name;         // relative to the store directory
    QByteArrayView bytes; // into the decoded archive
};
// `archive` ends up as the encoding of the entries appended so far (the count comes first).
void beginBackupArchive(QByteArray &archive, std::uint32_t count);
void appendBackupEntry(QByteArray &archive, const QString &name, QByteArrayView bytes);
[[nodiscard]] Result<QList<BackupEntry>> decodeBackupArchive(QByteArrayView archive);

// Writes the backup of the open store in `storeDir` to `outPath` (which must not exist).
[[nodiscard]] Result<BackupInfo> writeBackup(DeskStore &desk, const QString &storeDir,
                                             const QString &outPath,
                                             const crypto::SecretBytes &backupPassphrase,
                                             std::optional<crypto::KdfParams> kdf = {});

// The public header alone.
[[nodiscard]] Result<BackupInfo> readBackupInfo(const QString &path);

// Decrypts `path` into `storeDir` (which must not hold a store). WrongKey for a wrong
// passphrase or a changed file.
[[nodiscard]] Result<BackupInfo> unpackBackup(const QString &path, const QString &storeDir,
                                              const crypto::SecretBytes &backupPassphrase);

struct RestoreEpochs
{
    int devices = 0; // streams moved on, each with a RESYNC
    int skipped = 0; // devices with no stream or not active (nothing is sealed for them)
};
// After unpackBackup and opening the store: every active device's `down` stream jumps
// kRestoreEpochGap epochs and a RESYNC opens the next one.
[[nodiscard]] Result<RestoreEpochs> moveEpochsForward(DeskStore &desk, DeskRelay &relay);

} // namespace liaison::desk
