#include "vault.h"

#include "store/atomicfile.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcVault, "liaison.vault")

namespace liaison::vault {
namespace {

constexpr int kVaultSchema = 1;

QString lockoutAlias(const crypto::Id16 &vaultId)
{
    return QStringLiteral("liaison-lockout-") + QString::fromLatin1(vaultId.toHex());
}

QString quickLockoutAlias(const crypto::Id16 &vaultId)
{
    return QStringLiteral("liaison-quicklockout-") + QString::fromLatin1(vaultId.toHex());
}

QString quickLockoutPath(const QString &dir)
{
    return QDir(dir).filePath(QStringLiteral("vault.quicklockout"));
}

// The pepper alias and vault id sit at fixed offsets; the erase path reads them even from a key
// file whose parameters are out of range.
std::optional<crypto::Id16> peekId(QByteArrayView keyFile, qsizetype offset)
{
    if (keyFile.size() != kKeyFileBytes || !keyFile.startsWith(QByteArrayView(kKeyFileMagic, 4)))
        return std::nullopt;
    return crypto::Id16::fromBytes(keyFile.sliced(offset, crypto::Id16::size));
}
constexpr qsizetype kKeyFileIdOffset = 59;
constexpr qsizetype kPepperAliasOffset = 79;

Status createVaultSchema(store::Database &db, qint64 createdMs)
{
    if (auto s = db.execute("CREATE TABLE vault_meta (name TEXT PRIMARY KEY NOT NULL, value)"); !s)
        return s;
    if (auto s = db.execute("CREATE TABLE vault_identity (id INTEGER PRIMARY KEY CHECK (id = 1), "
                            "sign_secret BLOB NOT NULL, box_secret BLOB NOT NULL, "
                            "created_ms INTEGER NOT NULL)");
        !s)
        return s;
    auto st = db.prepare("INSERT INTO vault_meta (name, value) VALUES (?1, ?2)");
    if (!st)
        return std::unexpected(st.error());
    if (auto s = st->bind(1, "schema").bind(2, kVaultSchema).exec(); !s)
        return s;
    if (auto s = st->bind(1, "created_ms").bind(2, createdMs).exec(); !s)
        return s;
    return st->bind(1, "keyfile_generation").bind(2, 0).exec();
}

Status setMeta(store::Database &db, const char *name, std::int64_t value)
{
    auto st = db.prepare("INSERT OR REPLACE INTO vault_meta (name, value) VALUES (?1, ?2)");
    if (!st)
        return std::unexpected(st.error());
    return st->bind(1, name).bind(2, value).exec();
}

Status setMetaBlob(store::Database &db, const char *name, QByteArrayView value)
{
    auto st = db.prepare("INSERT OR REPLACE INTO vault_meta (name, value) VALUES (?1, ?2)");
    if (!st)
        return std::unexpected(st.error());
    return st->bind(1, name).bind(2, value).exec();
}

Result<std::int64_t> metaInt(store::Database &db, const char *name)
{
    auto st = db.prepare("SELECT value FROM vault_meta WHERE name = ?1");
    if (!st)
        return std::unexpected(st.error());
    st->bind(1, name);
    auto row = st->step();
    if (!row)
        return std::unexpected(row.error());
    if (!*row)
        return fail(Errc::NotFound,
                    QStringLiteral("vault_meta has no %1").arg(QLatin1String(name)));
    return st->columnInt64(0);
}

std::optional<crypto::Id16> metaId(store::Database &db, const char *name)
{
    auto st = db.prepare("SELECT value FROM vault_meta WHERE name = ?1");
    if (!st)
        return std::nullopt;
    st->bind(1, name);
    auto row = st->step();
    if (!row || !*row)
        return std::nullopt;
    return crypto::Id16::fromBytes(st->columnBlob(0));
}

Status deleteMeta(store::Database &db, const char *name)
{
    auto st = db.prepare("DELETE FROM vault_meta WHERE name = ?1");
    if (!st)
        return std::unexpected(st.error());
    return st->bind(1, name).exec();
}

QString minutesText(qint64 ms)
{
    const qint64 minutes = (ms + 59'999) / 60'000;
    return minutes <= 1 ? QStringLiteral("1 minute") : QStringLiteral("%1 minutes").arg(minutes);
}

// The gate every unlock passes first (passphrase and quick unlock alike): at the erase-after
// count the vault is erased (a crash between the last counted failure and its erase finishes
// here), and during a lockout delay nothing is tried.
template <class Erase>
Status passLockout(Lockout &lockout, std::uint16_t eraseAfter, Erase eraseNow)
{
    if (eraseAfter != 0 && lockout.current().failures >= eraseAfter) {
        eraseNow();
        return fail(
            Errc::Erased,
            QStringLiteral("the vault was erased after %1 failed attempts").arg(eraseAfter));
    }
    if (const qint64 wait = lockout.msUntilAllowed(); wait > 0)
        return fail(
            Errc::LockedOut,
            QStringLiteral("Too many failed attempts. Try again in %1.").arg(minutesText(wait)));
    return {};
}

Error weak(const PassphraseVerdict &verdict)
{
    return Error(Errc::WeakPassphrase, verdict.reasons().join(QLatin1Char(' ')));
}

// One process at a time runs an unlock or a passphrase change on a vault (security review L-12:
// parallel processes would race the failure counter): an advisory flock on "vault.lock" beside
// the key file, held for the whole sequence and released when the fd closes.
class VaultLock
{
public:
    explicit VaultLock(const QString &dir)
    {
        const QByteArray path = QFile::encodeName(QDir(dir).filePath(QStringLiteral("vault.lock")));
        m_fd = ::open(path.constData(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (m_fd >= 0 && ::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
            m_busy = errno == EWOULDBLOCK;
            ::close(m_fd);
            m_fd = -1;
        }
    }
    ~VaultLock()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    VaultLock(const VaultLock &) = delete;
    VaultLock &operator=(const VaultLock &) = delete;
    [[nodiscard]] bool busy() const { return m_busy; }

private:
    int m_fd = -1;
    bool m_busy = false;
};

Error vaultBusy()
{
    return Error(Errc::Busy, QStringLiteral("another Liaison process is unlocking this vault"));
}

void removeDatabaseFiles(const QString &dbPath)
{
    for (const QString &suffix :
         {QString(), QStringLiteral("-wal"), QStringLiteral("-shm"), QStringLiteral("-journal")})
        QFile::remove(dbPath + suffix);
    (void)store::syncDirectory(QFileInfo(dbPath).absolutePath());
}

} // namespace

Vault::Vault(QString dir, KeyStore &keyStore, Clock &clock, VaultOptions options)
    : m_dir(std::move(dir))
    , m_keyStore(keyStore)
    , m_clock(clock)
    , m_options(std::move(options))
{}

Vault::~Vault()
{
    lock();
}

QString Vault::keyFilePath(const QString &dir)
{
    return QDir(dir).filePath(QStringLiteral("vault.key"));
}

QString Vault::databasePath(const QString &dir)
{
    return QDir(dir).filePath(QStringLiteral("vault.db"));
}

QString Vault::lockoutPath(const QString &dir)
{
    return QDir(dir).filePath(QStringLiteral("vault.lockout"));
}

QString Vault::quickPath(const QString &dir)
{
    return QDir(dir).filePath(QStringLiteral("vault.quick"));
}

bool Vault::exists(const QString &dir)
{
    return QFileInfo::exists(keyFilePath(dir));
}

void Vault::step(ChangeStep s) const
{
    if (m_options.changeHook)
        m_options.changeHook(s);
}

void Vault::step(UnlockStep s) const
{
    if (m_options.unlockHook)
        m_options.unlockHook(s);
}

Lockout Vault::lockoutFor(const crypto::Id16 &vaultId) const
{
    return Lockout(lockoutPath(m_dir), m_keyStore, lockoutAlias(vaultId), m_clock);
}

Lockout Vault::quickLockoutFor(const crypto::Id16 &vaultId) const
{
    return Lockout(quickLockoutPath(m_dir), m_keyStore, quickLockoutAlias(vaultId), m_clock);
}

Result<KeyFile> Vault::readKeyFile() const
{
    auto bytes = store::readSmallFile(keyFilePath(m_dir), 4096);
    if (!bytes) {
        if (bytes.error().code == Errc::NotFound)
            return fail(m_erased ? Errc::Erased : Errc::NotFound,
                        m_erased ? QStringLiteral("the vault was erased")
                                 : QStringLiteral("there is no vault key file"));
        return std::unexpected(bytes.error());
    }
    return parseKeyFile(*bytes);
}

Result<std::unique_ptr<Vault>> Vault::create(const QString &dir,
                                             const crypto::SecretBytes &passphrase,
                                             KeyStore &keyStore, Clock &clock, VaultOptions options)
{
    if (exists(dir))
        return fail(Errc::AlreadyExists, QStringLiteral("a vault already exists here"));
    const PassphraseVerdict verdict = checkPassphrase(passphrase);
    if (!verdict.acceptable)
        return std::unexpected(weak(verdict));
    if (options.eraseAfter != 0 &&
        (options.eraseAfter < kEraseAfterMin || options.eraseAfter > kEraseAfterMax))
        return fail(Errc::InvalidArgument, QStringLiteral("erase-after count out of range"));
    const crypto::KdfParams kdf =
        options.kdf ? *options.kdf
                    : crypto::calibrateKdf(options.memlimit, options.calibrationTargetMs);
    if (!crypto::kdfParamsInRange(kdf))
        return fail(Errc::InvalidArgument, QStringLiteral("Argon2id parameters out of range"));
    if (!QDir().mkpath(dir))
        return fail(Errc::Io, QStringLiteral("cannot create the vault directory"));
    QFile::setPermissions(dir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);

    // Leftovers of a create that never reached its key file cannot be opened by anyone.
    removeDatabaseFiles(databasePath(dir));
    QFile::remove(keyFilePath(dir) + QStringLiteral(".tmp"));

    std::unique_ptr<Vault> vault(new Vault(dir, keyStore, clock, std::move(options)));
    KeyFileHeader h;
    h.kdf = kdf;
    h.salt = crypto::randomFixed<crypto::Salt16>();
    h.nonce = crypto::randomFixed<crypto::XNonce>();
    h.keyFileId = crypto::randomFixed<crypto::Id16>();
    h.generation = 1;
    h.pepperAlias = crypto::randomFixed<crypto::Id16>();
    h.eraseAfter = vault->m_options.eraseAfter;

    const crypto::SecretBytes pepper = crypto::SecretBytes::random(32);
    if (auto s = keyStore.write(pepperAliasName(h.pepperAlias), pepper.view()); !s)
        return std::unexpected(s.error());
    auto undo = [&] {
        vault->lock();
        removeDatabaseFiles(databasePath(dir));
        (void)keyStore.remove(pepperAliasName(h.pepperAlias));
    };

    crypto::SymmetricKey vaultKey = crypto::SymmetricKey::random();
    if (auto s = vault->openDatabase(vaultKey, true); !s) {
        undo();
        return std::unexpected(s.error());
    }
    store::Database &db = *vault->m_database;
    {
        store::Transaction tx(db);
        Status s = tx.begin();
        if (s)
            s = createVaultSchema(db, clock.wallMs());
        if (s)
            s = setMeta(db, "keyfile_generation", h.generation);
        if (s && vault->m_options.createIdentity) {
            const crypto::SignKeyPair sign = crypto::crypto_sign_keypair();
            const crypto::BoxKeyPair box = crypto::crypto_box_keypair();
            auto st = db.prepare("INSERT INTO vault_identity (id, sign_secret, box_secret, "
                                 "created_ms) VALUES (1, ?1, ?2, ?3)");
            s = st ? st->bind(1, sign.secretKey.bytes())
                         .bind(2, box.secretKey.bytes())
                         .bind(3, clock.wallMs())
                         .exec()
                   : Status(std::unexpected(st.error()));
        }
        if (s)
            s = tx.commit();
        if (!s) {
            undo();
            return std::unexpected(s.error());
        }
    }

    auto kek = deriveKek(passphrase, h, pepper);
    if (!kek) {
        undo();
        return std::unexpected(kek.error());
    }
    const KeyFile file = wrapVaultKey(h, vaultKey, *kek);
    // The commit point: from here on the vault exists.
    if (auto s = store::writeFileAtomically(keyFilePath(dir), encodeKeyFile(file), 0600); !s) {
        undo();
        return std::unexpected(s.error());
    }
    vault->m_header = h;
    vault->m_vaultKey = std::move(vaultKey);
    vault->m_openedBy = OpenedBy::Passphrase;
    if (auto s = vault->loadIdentity(); !s) {
        vault->lock();
        return std::unexpected(s.error());
    }
    qCInfo(lcVault) << "vault created, generation" << h.generation << "opslimit" << kdf.opslimit
                    << "memlimit MiB" << (kdf.memlimit >> 20);
    return vault;
}

Result<std::unique_ptr<Vault>> Vault::load(const QString &dir, KeyStore &keyStore, Clock &clock,
                                           VaultOptions options)
{
    std::unique_ptr<Vault> vault(new Vault(dir, keyStore, clock, std::move(options)));
    auto file = vault->readKeyFile();
    if (!file)
        return std::unexpected(file.error());
    vault->m_header = file->header;
    return vault;
}

Status Vault::openDatabase(const crypto::SymmetricKey &vaultKey, bool creating)
{
    const crypto::SymmetricKey dbKey = crypto::crypto_kdf_derive_from_key(vaultKey, 1, "LIAISNdb");
    store::OpenOptions opts = m_options.database;
    opts.create = creating;
    // The key came out of the key file's AEAD: a failed proof means a changed file.
    opts.keyIsVerified = true;
    auto db = store::Database::open(databasePath(m_dir), dbKey.bytes(), opts);
    if (!db) {
        if (db.error().code == Errc::NotFound)
            return fail(Errc::NotFound, QStringLiteral("the vault's database is missing"));
        return std::unexpected(db.error());
    }
    if (!creating) {
        auto schema = metaInt(**db, "schema");
        if (!schema)
            return fail(Errc::Tampered, QStringLiteral("the vault's tables are missing"));
        if (*schema > kVaultSchema)
            return fail(Errc::SchemaTooNew,
                        QStringLiteral("the vault was written by a newer version of Liaison"));
    }
    m_database = std::move(*db);
    return {};
}

Result<crypto::SymmetricKey> Vault::attempt(const KeyFile &file,
                                            const crypto::SecretBytes &passphrase)
{
    Lockout lockout = lockoutFor(file.header.keyFileId);
    const std::uint16_t eraseAfter = file.header.eraseAfter;
    if (auto gate = passLockout(lockout, eraseAfter, [this] { (void)erase(); }); !gate)
        return std::unexpected(gate.error());
    auto pepper = m_keyStore.read(pepperAliasName(file.header.pepperAlias));
    if (!pepper) {
        if (pepper.error().code == Errc::NotFound)
            return fail(Errc::Erased,
                        QStringLiteral("the key store no longer holds this key file's pepper: "
                                       "the vault was erased, or this key file is an old copy"));
        return std::unexpected(pepper.error());
    }
    // Counted and durable before Argon2id starts, so killing the process gains nothing.
    if (auto s = lockout.recordAttempt(); !s)
        return std::unexpected(s.error());
    step(UnlockStep::AttemptRecorded);
    auto kek = deriveKek(passphrase, file.header, *pepper);
    pepper->wipe();
    if (!kek)
        return std::unexpected(kek.error());
    step(UnlockStep::KdfFinished);
    auto vaultKey = unwrapVaultKey(file, *kek);
    if (!vaultKey) {
        const std::uint32_t failures = lockout.current().failures;
        qCInfo(lcVault) << "unlock failed, failures" << failures;
        step(UnlockStep::AttemptFailed);
        if (eraseAfter != 0 && failures >= eraseAfter) {
            (void)erase();
            return fail(
                Errc::Erased,
                QStringLiteral("the vault was erased after %1 failed attempts").arg(failures));
        }
        return fail(Errc::WrongKey, QStringLiteral("wrong passphrase"));
    }
    // The key file's AEAD verified: the passphrase is proven. Whatever happens to the database
    // next (damaged, unreadable, the generation alarm) is not a failed attempt (security review
    // L-4; DESIGN.md resets only after the database key is proven, see sync/protocol/README.md).
    if (auto s = lockout.reset(); !s)
        qCWarning(lcVault) << "cannot reset the failure counter:" << s.error().message;
    return vaultKey;
}

Status Vault::unlock(const crypto::SecretBytes &passphrase)
{
    if (m_erased)
        return fail(Errc::Erased, QStringLiteral("the vault was erased"));
    if (isUnlocked())
        return fail(Errc::InvalidArgument, QStringLiteral("the vault is already unlocked"));
    if (passphrase.empty())
        return fail(Errc::InvalidArgument, QStringLiteral("enter the passphrase"));
    const VaultLock exclusive(m_dir);
    if (exclusive.busy())
        return std::unexpected(vaultBusy());
    auto file = readKeyFile(); // a damaged key file is reported here, never counted
    if (!file)
        return std::unexpected(file.error());
    m_header = file->header;
    auto vaultKey = attempt(*file, passphrase);
    if (!vaultKey)
        return std::unexpected(vaultKey.error());
    if (auto s = openDatabase(*vaultKey, false); !s) {
        lock();
        return s;
    }
    m_vaultKey = std::move(*vaultKey);
    if (auto s = finishUnlock(*file); !s) {
        lock();
        return s;
    }
    m_openedBy = OpenedBy::Passphrase;
    return {};
}

Status Vault::finishUnlock(const KeyFile &file, bool passphraseProven)
{
    store::Database &db = *m_database;
    auto dbGeneration = metaInt(db, "keyfile_generation");
    if (!dbGeneration)
        return fail(Errc::Tampered, QStringLiteral("the vault's generation record is missing"));
    if (std::int64_t(file.header.generation) < *dbGeneration) {
        qCWarning(lcVault) << "ALARM: key file generation" << file.header.generation
                           << "is older than the database's" << *dbGeneration;
        return fail(Errc::Tampered,
                    QStringLiteral("The key file is older than the database (generation %1 < %2): "
                                   "it was replaced by an old copy.")
                        .arg(file.header.generation)
                        .arg(*dbGeneration));
    }
    if (std::int64_t(file.header.generation) > *dbGeneration) {
        // A passphrase change stopped after replacing the key file: finish its bookkeeping.
        if (auto s = setMeta(db, "keyfile_generation", file.header.generation); !s)
            return s;
    }
    // Peppers left behind by an interrupted passphrase change.
    for (const char *name : {"pending_old_pepper", "pending_new_pepper"}) {
        if (auto alias = metaId(db, name)) {
            if (*alias != file.header.pepperAlias) {
                if (auto s = m_keyStore.remove(pepperAliasName(*alias)); !s) {
                    qCWarning(lcVault) << "cannot remove a stale pepper yet";
                    continue;
                }
            }
            (void)deleteMeta(db, name);
        }
    }
    QFile::remove(keyFilePath(m_dir) + QStringLiteral(".tmp"));

    // Only now is the database key proven.
    if (passphraseProven) {
        if (auto s = lockoutFor(file.header.keyFileId).reset(); !s)
            qCWarning(lcVault) << "cannot reset the failure counter:" << s.error().message;
    }
    return loadIdentity();
}

Status Vault::loadIdentity()
{
    m_identity.reset();
    auto st =
        m_database->prepare("SELECT sign_secret, box_secret FROM vault_identity WHERE id = 1");
    if (!st)
        return std::unexpected(st.error());
    auto row = st->step();
    if (!row)
        return std::unexpected(row.error());
    if (!*row)
        return {}; // a vault without identity (HQ stores that keep their keys elsewhere)
    crypto::SecretBytes signSecret = st->columnSecret(0);
    crypto::SecretBytes boxSecret = st->columnSecret(1);
    if (signSecret.size() != crypto::SignSecretKey::size ||
        boxSecret.size() != crypto::BoxSecretKey::size)
        return fail(Errc::Tampered, QStringLiteral("the device identity is damaged"));
    auto sign =
        crypto::crypto_sign_keypair_from_secret(crypto::SignSecretKey(std::move(signSecret)));
    if (!sign)
        return fail(Errc::Tampered, QStringLiteral("the device identity is damaged"));
    auto identity = std::make_unique<Identity>(Identity{
        std::move(*sign),
        crypto::crypto_box_keypair_from_secret(crypto::BoxSecretKey(std::move(boxSecret)))});
    m_identity = std::move(identity);
    return {};
}

Status Vault::changePassphrase(const crypto::SecretBytes &current, const crypto::SecretBytes &next,
                               std::optional<std::uint16_t> eraseAfter)
{
    if (eraseAfter && *eraseAfter != 0 &&
        (*eraseAfter < kEraseAfterMin || *eraseAfter > kEraseAfterMax))
        return fail(Errc::InvalidArgument, QStringLiteral("erase-after must be 0 or %1 to %2")
                                               .arg(kEraseAfterMin)
                                               .arg(kEraseAfterMax));
    const VaultLock exclusive(m_dir);
    if (exclusive.busy())
        return std::unexpected(vaultBusy());
    if (!isUnlocked())
        return fail(Errc::InvalidArgument, QStringLiteral("unlock the vault first"));
    const PassphraseVerdict verdict = checkPassphrase(next);
    if (!verdict.acceptable)
        return std::unexpected(weak(verdict));
    auto file = readKeyFile();
    if (!file)
        return std::unexpected(file.error());
    auto vaultKey = attempt(*file, current);
    if (!vaultKey) {
        if (vaultKey.error().code == Errc::Erased)
            lock();
        return std::unexpected(vaultKey.error());
    }
    if (!vaultKey->bytes().equals(m_vaultKey.bytes()))
        return fail(Errc::Tampered,
                    QStringLiteral("the key file does not belong to this database"));
    if (auto s = lockoutFor(file->header.keyFileId).reset(); !s)
        qCWarning(lcVault) << "cannot reset the failure counter:" << s.error().message;
    // Quick unlock is bound to the old pepper, which goes: its file goes now (also when the
    // change stops part way), so no old quick secret opens anything. Enabled again in Settings.
    if (quickUnlockEnabled()) {
        if (auto s = disableQuickUnlock(); !s)
            return s;
        qCInfo(lcVault) << "quick unlock dropped by the passphrase change";
    }

    store::Database &db = *m_database;
    KeyFileHeader h = file->header;
    const crypto::Id16 oldAlias = h.pepperAlias;
    h.salt = crypto::randomFixed<crypto::Salt16>();
    h.nonce = crypto::randomFixed<crypto::XNonce>();
    h.generation += 1;
    h.pepperAlias = crypto::randomFixed<crypto::Id16>();
    if (eraseAfter)
        h.eraseAfter = *eraseAfter;
    const crypto::SecretBytes pepper = crypto::SecretBytes::random(32);
    const QString keyPath = keyFilePath(m_dir);
    const QString tmpPath = keyPath + QStringLiteral(".tmp");

    // 1. Note both aliases so that an interrupted change is cleaned up at the next unlock.
    {
        store::Transaction tx(db);
        Status s = tx.begin();
        if (s)
            s = setMetaBlob(db, "pending_old_pepper", oldAlias.view());
        if (s)
            s = setMetaBlob(db, "pending_new_pepper", h.pepperAlias.view());
        if (s)
            s = tx.commit();
        if (!s)
            return s;
    }
    step(ChangeStep::PendingRecorded);
    auto abandon = [&](const Error &e) -> Status {
        QFile::remove(tmpPath);
        (void)m_keyStore.remove(pepperAliasName(h.pepperAlias));
        (void)deleteMeta(db, "pending_old_pepper");
        (void)deleteMeta(db, "pending_new_pepper");
        return std::unexpected(e);
    };
    // 2. The new pepper, durable in the key store.
    if (auto s = m_keyStore.write(pepperAliasName(h.pepperAlias), pepper.view()); !s)
        return abandon(s.error());
    step(ChangeStep::NewPepperStored);
    // 3. The new key file beside the old one.
    auto kek = deriveKek(next, h, pepper);
    if (!kek)
        return abandon(kek.error());
    const KeyFile newFile = wrapVaultKey(h, m_vaultKey, *kek);
    if (auto s = store::writeFileDurably(tmpPath, encodeKeyFile(newFile), 0600); !s)
        return abandon(s.error());
    step(ChangeStep::TempKeyFileWritten);
    // 4. The switch: one rename, then the directory is synced.
    if (auto s = store::renameDurably(tmpPath, keyPath); !s)
        return abandon(s.error());
    m_header = h;
    step(ChangeStep::KeyFileReplaced);
    // From here the new passphrase is the only one that works; what follows is bookkeeping that
    // the next unlock finishes if it is interrupted.
    if (auto s = setMeta(db, "keyfile_generation", h.generation); !s)
        qCWarning(lcVault) << "generation not mirrored yet:" << s.error().message;
    step(ChangeStep::DatabaseGenerationUpdated);
    // 5. The old pepper goes, and with it every copy of the old key file.
    if (auto s = m_keyStore.remove(pepperAliasName(oldAlias)); !s) {
        qCWarning(lcVault) << "old pepper not removed yet:" << s.error().message;
        return {};
    }
    step(ChangeStep::OldPepperRemoved);
    (void)deleteMeta(db, "pending_old_pepper");
    (void)deleteMeta(db, "pending_new_pepper");
    qCInfo(lcVault) << "passphrase changed, generation" << h.generation;
    return {};
}

void Vault::lock()
{
    m_identity.reset(); // SecretKey members wipe themselves
    m_database.reset(); // SQLCipher wipes its copy of the key at close
    m_vaultKey.wipe();
}

Status Vault::erase()
{
    Status result;
    auto note = [&result](Status s) {
        if (!s && result)
            result = s;
    };
    const QString keyPath = keyFilePath(m_dir);
    QList<crypto::Id16> aliases;
    std::optional<crypto::Id16> vaultId;
    if (auto bytes = store::readSmallFile(keyPath, 4096)) {
        if (auto a = peekId(*bytes, kPepperAliasOffset))
            aliases << *a;
        vaultId = peekId(*bytes, kKeyFileIdOffset);
    }
    if (auto bytes = store::readSmallFile(keyPath + QStringLiteral(".tmp"), 4096)) {
        if (auto a = peekId(*bytes, kPepperAliasOffset))
            aliases << *a;
    }
    if (m_database) {
        for (const char *name : {"pending_old_pepper", "pending_new_pepper"}) {
            if (auto a = metaId(*m_database, name))
                aliases << *a;
        }
    }
    const bool keyFileSeen = QFileInfo::exists(keyPath);
    const bool databaseSeen = QFileInfo::exists(databasePath(m_dir));
    if (aliases.isEmpty() && !m_header.pepperAlias.isZero())
        aliases << m_header.pepperAlias;
    if (aliases.isEmpty() && (keyFileSeen || databaseSeen)) {
        // Neither the key file nor what was loaded names the pepper: it may be left behind.
        note(fail(keyFileSeen ? Errc::DamagedKeyFile : Errc::NotFound,
                  QStringLiteral("the vault's pepper could not be located: key material may "
                                 "remain")));
    }
    // 1. The pepper first: without it no copy of the key file opens, ever.
    for (const crypto::Id16 &a : aliases)
        note(m_keyStore.remove(pepperAliasName(a)));
    // 2. The key file (and any temp copy), and quick unlock's wrapped copy of VK.
    note(store::overwriteAndRemove(keyPath));
    note(store::overwriteAndRemove(keyPath + QStringLiteral(".tmp")));
    note(store::overwriteAndRemove(quickPath(m_dir)));
    // 3. The database files, then the keys in memory.
    lock();
    removeDatabaseFiles(databasePath(m_dir));
    for (const QString &suffix : {QString(), QStringLiteral("-wal"), QStringLiteral("-shm")}) {
        if (QFileInfo::exists(databasePath(m_dir) + suffix))
            note(fail(Errc::Io, QStringLiteral("cannot delete the vault database")));
    }
    QFile::remove(QDir(m_dir).filePath(QStringLiteral("vault.lock")));
    // 4. The counter has nothing left to protect.
    note(lockoutFor(vaultId.value_or(m_header.keyFileId)).remove());
    note(quickLockoutFor(vaultId.value_or(m_header.keyFileId)).remove());
    // 5. Verify: no known pepper readable, no key file left.
    for (const crypto::Id16 &a : aliases) {
        auto left = m_keyStore.read(pepperAliasName(a));
        if (left || left.error().code != Errc::NotFound)
            note(fail(Errc::Io, QStringLiteral("the pepper is still in the key store")));
    }
    for (const QString &path : {keyPath, keyPath + QStringLiteral(".tmp"), quickPath(m_dir)}) {
        if (QFileInfo::exists(path))
            note(fail(Errc::Io, QStringLiteral("cannot delete the key file")));
    }
    m_erased = true;
    qCWarning(lcVault) << "vault crypto-erased";
    return result;
}

Status Vault::eraseDirectory(const QString &dir, KeyStore &keyStore, Clock &clock,
                             VaultOptions options)
{
    // Nothing is parsed: the header stays unknown and erase() reads what it needs at fixed
    // offsets.
    Vault v(dir, keyStore, clock, std::move(options));
    return v.erase();
}

// ---- quick unlock -----------------------------------------------------------------------------

Result<QuickTicket> Vault::readQuickTicket() const
{
    auto bytes = store::readSmallFile(quickPath(m_dir), 4096);
    if (!bytes)
        return std::unexpected(bytes.error());
    return parseQuickTicket(*bytes);
}

bool Vault::quickUnlockEnabled() const
{
    return !m_erased && QFileInfo::exists(quickPath(m_dir));
}

std::uint32_t Vault::quickUnlockFailures() const
{
    if (m_erased)
        return 0;
    return quickLockoutFor(m_header.keyFileId).current().failures;
}

bool Vault::quickUnlockAllowed() const
{
    if (m_erased || isUnlocked())
        return false;
    auto ticket = readQuickTicket();
    if (!ticket || ticket->keyFileId != m_header.keyFileId ||
        ticket->generation != m_header.generation || ticket->pepperAlias != m_header.pepperAlias)
        return false;
    const qint64 now = m_clock.wallMs();
    if (now < ticket->sinceMs || now - ticket->sinceMs >= ticket->windowMs)
        return false;
    return quickUnlockFailures() < kQuickUnlockMaxFailures && msUntilNextAttempt() <= 0;
}

Status Vault::disableQuickUnlock()
{
    Status result = store::overwriteAndRemove(quickPath(m_dir));
    if (auto s = quickLockoutFor(m_header.keyFileId).remove(); !s && result)
        result = s;
    return result;
}

Result<crypto::SecretBytes> Vault::enableQuickUnlock(const crypto::SecretBytes &passphrase,
                                                     std::int64_t windowMs)
{
    if (windowMs <= 0)
        return fail(Errc::InvalidArgument, QStringLiteral("quick unlock needs a window"));
    const VaultLock exclusive(m_dir);
    if (exclusive.busy())
        return std::unexpected(vaultBusy());
    if (!isUnlocked())
        return fail(Errc::InvalidArgument, QStringLiteral("unlock the vault first"));
    auto file = readKeyFile();
    if (!file)
        return std::unexpected(file.error());
    auto vaultKey = attempt(*file, passphrase); // counted like an unlock attempt
    if (!vaultKey) {
        if (vaultKey.error().code == Errc::Erased)
            lock();
        return std::unexpected(vaultKey.error());
    }
    if (!vaultKey->bytes().equals(m_vaultKey.bytes()))
        return fail(Errc::Tampered,
                    QStringLiteral("the key file does not belong to this database"));
    auto pepper = m_keyStore.read(pepperAliasName(file->header.pepperAlias));
    if (!pepper)
        return std::unexpected(pepper.error());
    crypto::SecretBytes quickSecret = crypto::SecretBytes::random(kQuickSecretBytes);
    auto kek = deriveQuickKek(*pepper, quickSecret);
    pepper->wipe();
    if (!kek)
        return std::unexpected(kek.error());
    QuickTicket t;
    t.keyFileId = file->header.keyFileId;
    t.generation = file->header.generation;
    t.pepperAlias = file->header.pepperAlias;
    t.sinceMs = m_clock.wallMs();
    t.windowMs = windowMs;
    sealQuickTicket(t, m_vaultKey, *kek);
    if (auto s = quickLockoutFor(t.keyFileId).remove(); !s)
        return std::unexpected(s.error());
    if (auto s = store::writeFileAtomically(quickPath(m_dir), encodeQuickTicket(t), 0600); !s)
        return std::unexpected(s.error());
    qCInfo(lcVault) << "quick unlock enabled, window min" << windowMs / 60'000;
    return quickSecret;
}

Status Vault::renewQuickUnlock(std::int64_t windowMs)
{
    if (!isUnlocked() || m_openedBy != OpenedBy::Passphrase)
        return fail(Errc::Refused, QStringLiteral("only a passphrase unlock renews quick unlock"));
    if (windowMs <= 0)
        return fail(Errc::InvalidArgument, QStringLiteral("quick unlock needs a window"));
    if (!QFileInfo::exists(quickPath(m_dir)))
        return {};
    auto t = readQuickTicket();
    if (!t || t->keyFileId != m_header.keyFileId || t->generation != m_header.generation ||
        t->pepperAlias != m_header.pepperAlias) {
        qCInfo(lcVault) << "quick-unlock file of another key file removed";
        return disableQuickUnlock();
    }
    t->sinceMs = m_clock.wallMs();
    t->windowMs = windowMs;
    signQuickWindow(*t, m_vaultKey);
    if (auto s = store::writeFileAtomically(quickPath(m_dir), encodeQuickTicket(*t), 0600); !s)
        return s;
    return quickLockoutFor(m_header.keyFileId).reset();
}

Status Vault::recordQuickUnlockFailure()
{
    if (m_erased)
        return fail(Errc::Erased, QStringLiteral("the vault was erased"));
    const Status s = quickLockoutFor(m_header.keyFileId).recordAttempt();
    qCInfo(lcVault) << "quick unlock failed, quick failures" << quickUnlockFailures();
    return s;
}

Status Vault::unlockQuick(const crypto::SecretBytes &quickSecret)
{
    if (m_erased)
        return fail(Errc::Erased, QStringLiteral("the vault was erased"));
    if (isUnlocked())
        return fail(Errc::InvalidArgument, QStringLiteral("the vault is already unlocked"));
    const VaultLock exclusive(m_dir);
    if (exclusive.busy())
        return std::unexpected(vaultBusy());
    auto file = readKeyFile();
    if (!file)
        return std::unexpected(file.error());
    m_header = file->header;
    auto ticket = readQuickTicket();
    if (!ticket) {
        if (ticket.error().code == Errc::NotFound)
            return fail(Errc::NotFound, QStringLiteral("quick unlock is not enabled"));
        (void)disableQuickUnlock(); // unreadable: gone, the passphrase remains
        return fail(Errc::NotFound, QStringLiteral("the quick-unlock file was damaged"));
    }
    if (ticket->keyFileId != m_header.keyFileId || ticket->generation != m_header.generation ||
        ticket->pepperAlias != m_header.pepperAlias) {
        (void)disableQuickUnlock();
        return fail(Errc::NotFound, QStringLiteral("quick unlock belonged to an older passphrase"));
    }
    Lockout lockout = lockoutFor(m_header.keyFileId);
    if (auto gate = passLockout(lockout, m_header.eraseAfter, [this] { (void)erase(); }); !gate)
        return gate;
    Lockout quick = quickLockoutFor(m_header.keyFileId);
    if (quick.current().failures >= kQuickUnlockMaxFailures)
        return fail(Errc::Refused, QStringLiteral("too many failed quick unlocks: enter the "
                                                  "passphrase"));
    const qint64 now = m_clock.wallMs();
    if (now < ticket->sinceMs || now - ticket->sinceMs >= ticket->windowMs)
        return fail(Errc::Refused,
                    QStringLiteral("quick unlock has expired: enter the passphrase"));
    auto pepper = m_keyStore.read(pepperAliasName(m_header.pepperAlias));
    if (!pepper) {
        if (pepper.error().code == Errc::NotFound)
            return fail(Errc::Erased, QStringLiteral("the key store no longer holds the pepper"));
        return std::unexpected(pepper.error());
    }
    // Counted before anything is tried, like a passphrase attempt.
    if (auto s = quick.recordAttempt(); !s)
        return s;
    auto kek = deriveQuickKek(*pepper, quickSecret);
    pepper->wipe();
    if (!kek)
        return fail(Errc::WrongKey, QStringLiteral("the quick-unlock secret does not open it"));
    auto vaultKey = openQuickTicket(*ticket, *kek);
    if (!vaultKey) {
        qCInfo(lcVault) << "quick unlock refused, quick failures" << quick.current().failures;
        return fail(Errc::WrongKey, QStringLiteral("the quick-unlock secret does not open it"));
    }
    // The window is HQ's and the officer's, authenticated under VK: a changed file is refused.
    if (!quickWindowAuthentic(*ticket, *vaultKey)) {
        vaultKey->wipe();
        (void)disableQuickUnlock();
        return fail(Errc::Tampered, QStringLiteral("the quick-unlock file was changed"));
    }
    if (auto s = openDatabase(*vaultKey, false); !s) {
        lock();
        return s;
    }
    m_vaultKey = std::move(*vaultKey);
    if (auto s = finishUnlock(*file, false); !s) {
        lock();
        return s;
    }
    if (auto s = quick.reset(); !s)
        qCWarning(lcVault) << "cannot reset the quick failure counter:" << s.error().message;
    m_openedBy = OpenedBy::QuickUnlock;
    qCInfo(lcVault) << "unlocked by quick unlock";
    return {};
}

std::uint32_t Vault::failureCount() const
{
    if (m_erased)
        return 0;
    return lockoutFor(m_header.keyFileId).current().failures;
}

qint64 Vault::msUntilNextAttempt() const
{
    if (m_erased)
        return 0;
    return lockoutFor(m_header.keyFileId).msUntilAllowed();
}

qint64 Vault::nextAllowedAt() const
{
    if (m_erased)
        return 0;
    return lockoutFor(m_header.keyFileId).nextAllowedWallMs();
}

} // namespace liaison::vault
