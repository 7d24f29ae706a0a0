#include "desk/deskbackup.h"

#include "desk/deskrelay.h"
#include "store/atomicfile.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QtEndian>

namespace liaison::desk {

namespace {

constexpr std::uint16_t kFormat = 1;
constexpr std::uint64_t kBackupMemlimit = 256ull << 20;
constexpr qint64 kMaxFileBytes = 4ll << 30; // one file of the store
constexpr qint64 kMaxBackupBytes = 8ll << 30;

template <typename T> void put(QByteArray &out, T value)
{
    char b[sizeof(T)];
    qToBigEndian(value, b);
    out.append(b, qsizetype(sizeof(T)));
}

template <typename T> std::optional<T> get(QByteArrayView in, qsizetype &at)
{
    if (at + qsizetype(sizeof(T)) > in.size())
        return std::nullopt;
    const T v = qFromBigEndian<T>(in.data() + at);
    at += qsizetype(sizeof(T));
    return v;
}

Result<crypto::SymmetricKey> deriveKey(const crypto::SecretBytes &passphrase, const BackupHeader &h)
{
    auto k = crypto::crypto_pwhash_argon2id(passphrase.view(), h.salt, h.kdf);
    if (!k)
        return std::unexpected(k.error());
    return crypto::SymmetricKey(std::move(*k));
}

Result<QByteArray> readWhole(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return fail(Errc::Io, QStringLiteral("cannot read %1").arg(path));
    if (f.size() > kMaxFileBytes)
        return fail(Errc::Io, QStringLiteral("%1 is too large to back up").arg(path));
    QByteArray b = f.readAll();
    if (f.error() != QFileDevice::NoError)
        return fail(Errc::Io, QStringLiteral("cannot read %1").arg(path));
    return b;
}

// Every regular file of the store directory (relative names), the SQLite shared-memory index
// left out (it is rebuilt from the log).
QStringList storeFiles(const QString &storeDir)
{
    QStringList out;
    QDirIterator it(storeDir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    const QDir base(storeDir);
    while (it.hasNext()) {
        const QString path = it.next();
        if (path.endsWith(QLatin1String("-shm")) || path.endsWith(QLatin1String(".tmp")))
            continue;
        out.append(base.relativeFilePath(path));
    }
    out.sort();
    return out;
}

bool safeName(const QString &name)
{
    if (name.isEmpty() || name.startsWith(QLatin1Char('/')) || name.contains(QLatin1Char('\\')))
        return false;
    for (const QString &part : name.split(QLatin1Char('/')))
        if (part.isEmpty() || part == QLatin1String(".") || part == QLatin1String(".."))
            return false;
    return true;
}

} // namespace

QByteArray encodeBackupHeader(const BackupHeader &h)
{
    QByteArray out;
    out.append(kBackupMagic.data(), kBackupMagic.size());
    put<std::uint16_t>(out, kFormat);
    put<std::uint32_t>(out, h.kdf.opslimit);
    put<std::uint64_t>(out, h.kdf.memlimit);
    out.append(h.salt.view());
    out.append(h.nonce.view());
    out.append(h.deployment.view());
    put<std::uint64_t>(out, std::uint64_t(h.createdMs));
    return out;
}

Result<BackupHeader> decodeBackupHeader(QByteArrayView bytes)
{
    if (bytes.size() < kBackupHeaderBytes + qsizetype(crypto::kAeadTagBytes) ||
        !bytes.startsWith(kBackupMagic))
        return fail(Errc::Malformed, QStringLiteral("this is not a liaison-hq backup"));
    qsizetype at = kBackupMagic.size();
    if (get<std::uint16_t>(bytes, at) != kFormat)
        return fail(Errc::Malformed, QStringLiteral("the backup has an unknown format"));
    BackupHeader h;
    h.kdf.opslimit = *get<std::uint32_t>(bytes, at);
    h.kdf.memlimit = *get<std::uint64_t>(bytes, at);
    h.salt = *crypto::Salt16::fromBytes(bytes.sliced(at, crypto::Salt16::size));
    at += crypto::Salt16::size;
    h.nonce = *crypto::XNonce::fromBytes(bytes.sliced(at, crypto::XNonce::size));
    at += crypto::XNonce::size;
    h.deployment = *crypto::Id16::fromBytes(bytes.sliced(at, crypto::Id16::size));
    at += crypto::Id16::size;
    h.createdMs = qint64(*get<std::uint64_t>(bytes, at));
    if (at != kBackupHeaderBytes)
        return fail(Errc::Internal, QStringLiteral("backup header of the wrong size"));
    if (!crypto::kdfParamsInRange(h.kdf) &&
        !(crypto::testKdfProfileAllowed() && h.kdf == crypto::kTestKdfParams))
        return fail(Errc::Malformed,
                    QStringLiteral("the backup's Argon2id parameters are out of range"));
    return h;
}

void beginBackupArchive(QByteArray &archive, std::uint32_t count)
{
    archive.clear();
    put<std::uint32_t>(archive, count);
}

void appendBackupEntry(QByteArray &archive, const QString &name, QByteArrayView bytes)
{
    const QByteArray utf8 = name.toUtf8();
    put<std::uint16_t>(archive, std::uint16_t(utf8.size()));
    archive.append(utf8);
    put<std::uint64_t>(archive, std::uint64_t(bytes.size()));
    archive.append(bytes);
}

Result<QList<BackupEntry>> decodeBackupArchive(QByteArrayView archive)
{
    qsizetype at = 0;
    const auto malformed = [] {
        return fail(Errc::Malformed, QStringLiteral("the backup's contents are damaged"));
    };
    const auto count = get<std::uint32_t>(archive, at);
    if (!count || *count > 100000)
        return malformed();
    QList<BackupEntry> entries;
    for (std::uint32_t i = 0; i < *count; ++i) {
        const auto nameLen = get<std::uint16_t>(archive, at);
        if (!nameLen || at + *nameLen > archive.size())
            return malformed();
        const QByteArrayView utf8 = archive.sliced(at, *nameLen);
        const QString name = QString::fromUtf8(utf8);
        at += *nameLen;
        const auto len = get<std::uint64_t>(archive, at);
        // A name must survive the round trip through UTF-8 (no lossy decoding that could turn
        // two names into one) and stay inside the store directory.
        if (!len || *len > std::uint64_t(archive.size() - at) || !safeName(name) ||
            name.toUtf8() != utf8)
            return malformed();
        entries.append({name, archive.sliced(at, qsizetype(*len))});
        at += qsizetype(*len);
    }
    if (at != archive.size())
        return malformed();
    return entries;
}

Result<BackupInfo> writeBackup(DeskStore &desk, const QString &storeDir, const QString &outPath,
                               const crypto::SecretBytes &backupPassphrase,
                               std::optional<crypto::KdfParams> kdf)
{
    if (backupPassphrase.empty())
        return fail(Errc::WeakPassphrase, QStringLiteral("a backup needs a passphrase"));
    if (QFileInfo::exists(outPath))
        return fail(Errc::AlreadyExists,
                    QStringLiteral("%1 exists; a backup never overwrites a file").arg(outPath));
    const QString outAbs = QFileInfo(outPath).absoluteFilePath();
    if (outAbs.startsWith(QDir(storeDir).absolutePath() + QLatin1Char('/')))
        return fail(Errc::InvalidArgument,
                    QStringLiteral("the backup cannot be written inside the store directory"));
    QByteArray archive;
    int count = 0;
    {
        // The write lock: no commit can land while the files are read.
        store::Transaction tx(desk.database());
        if (auto s = tx.begin(); !s)
            return std::unexpected(s.error());
        const QStringList files = storeFiles(storeDir);
        beginBackupArchive(archive, std::uint32_t(files.size()));
        for (const QString &name : files) {
            auto bytes = readWhole(QDir(storeDir).filePath(name));
            if (!bytes)
                return std::unexpected(bytes.error());
            appendBackupEntry(archive, name, *bytes);
            crypto::memzero(bytes->data(), std::size_t(bytes->size()));
            ++count;
        }
        if (auto s = desk.audit(QStringLiteral("backup"), QFileInfo(outPath).fileName(),
                                QStringLiteral("%1 file(s)").arg(count));
            !s)
            return std::unexpected(s.error());
        if (auto s = tx.commit(); !s)
            return std::unexpected(s.error());
    }
    BackupHeader h;
    h.kdf = kdf ? *kdf : crypto::calibrateKdf(kBackupMemlimit, 1000);
    h.salt = crypto::randomFixed<crypto::Salt16>();
    h.nonce = crypto::randomFixed<crypto::XNonce>();
    h.deployment = desk.config().deployment;
    h.createdMs = desk.clock().wallMs();
    auto key = deriveKey(backupPassphrase, h);
    if (!key)
        return std::unexpected(key.error());
    const QByteArray header = encodeBackupHeader(h);
    const QByteArray file = header + crypto::crypto_aead_encrypt(archive, header, h.nonce, *key);
    crypto::memzero(archive.data(), std::size_t(archive.size()));
    if (auto s = store::writeFileAtomically(outPath, file, 0600); !s)
        return std::unexpected(s.error());
    return BackupInfo{h.deployment, h.createdMs, count, file.size()};
}

Result<BackupInfo> readBackupInfo(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return fail(Errc::NotFound, QStringLiteral("cannot read %1").arg(path));
    const QByteArray head = f.read(kBackupHeaderBytes + qsizetype(crypto::kAeadTagBytes));
    auto h = decodeBackupHeader(head);
    if (!h)
        return std::unexpected(h.error());
    return BackupInfo{h->deployment, h->createdMs, 0, f.size()};
}

Result<BackupInfo> unpackBackup(const QString &path, const QString &storeDir,
                                const crypto::SecretBytes &backupPassphrase)
{
    if (DeskStore::exists(storeDir))
        return fail(
            Errc::AlreadyExists,
            QStringLiteral("%1 holds a desk store: restore into a new directory").arg(storeDir));
    if (QFileInfo(path).size() > kMaxBackupBytes)
        return fail(Errc::Malformed, QStringLiteral("%1 is too large for a backup").arg(path));
    auto bytes = readWhole(path);
    if (!bytes)
        return std::unexpected(bytes.error());
    auto h = decodeBackupHeader(*bytes);
    if (!h)
        return std::unexpected(h.error());
    auto key = deriveKey(backupPassphrase, *h);
    if (!key)
        return std::unexpected(key.error());
    const QByteArrayView all(*bytes);
    auto plain = crypto::crypto_aead_decrypt_secret(all.sliced(kBackupHeaderBytes),
                                                    all.first(kBackupHeaderBytes), h->nonce, *key);
    if (!plain)
        return fail(Errc::WrongKey,
                    QStringLiteral("the passphrase does not open this backup (or it was changed)"));
    auto entries = decodeBackupArchive(plain->view());
    if (!entries)
        return std::unexpected(entries.error());
    for (const BackupEntry &e : *entries) {
        const QString target = QDir(storeDir).filePath(e.name);
        if (!QDir().mkpath(QFileInfo(target).absolutePath()))
            return fail(Errc::Io, QStringLiteral("cannot create %1").arg(QFileInfo(target).path()));
        if (QFileInfo::exists(target))
            return fail(Errc::AlreadyExists, QStringLiteral("%1 exists").arg(target));
        if (auto s = store::writeFileAtomically(target, e.bytes, 0600); !s)
            return std::unexpected(s.error());
    }
    return BackupInfo{h->deployment, h->createdMs, int(entries->size()), bytes->size()};
}

Result<RestoreEpochs> moveEpochsForward(DeskStore &desk, DeskRelay &relay)
{
    // The stream layer's restore marker (Receiver::afterRestore, issue 8 point 6): every `down`
    // stream moves kRestoreEpochJump epochs on and each active device gets its RESYNC, in one
    // transaction.
    auto devices = desk.registry().devices();
    if (!devices)
        return std::unexpected(devices.error());
    auto sent = relay.receiver().afterRestore();
    if (!sent)
        return std::unexpected(sent.error());
    RestoreEpochs out;
    out.devices = *sent;
    out.skipped = int(devices->size()) - *sent;
    if (auto s = desk.audit(QStringLiteral("restore.epochs"), QString(),
                            QStringLiteral("%1 stream(s) moved %2 epochs forward with a RESYNC, "
                                           "%3 device(s) without one")
                                .arg(out.devices)
                                .arg(streams::kRestoreEpochJump)
                                .arg(out.skipped));
        !s)
        return std::unexpected(s.error());
    return out;
}

} // namespace liaison::desk
