#include "database.h"

#include "crypto/crypto.h"

#include <sqlcipher/sqlite3.h>

#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>

#include <cstring>

Q_LOGGING_CATEGORY(lcStore, "liaison.store")

namespace liaison::store {
namespace {

constexpr char kPlainHeader[] = "SQLite format 3"; // followed by a NUL: 16 bytes on disk

QString fileName(const QString &path)
{
    return QFileInfo(path).fileName();
}

// Maps an SQLite result code to our error model. `message` is SQLite's own text (column and
// constraint names only; bound values never appear in it) and may be empty.
Error errorFor(int rc, const QString &context, const char *message)
{
    const int primary = rc & 0xff;
    Errc code = Errc::Internal;
    switch (primary) {
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
        code = Errc::Tampered;
        break;
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_NOLFS:
        code = Errc::Io;
        break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        code = Errc::Busy;
        break;
    case SQLITE_AUTH:
        code = Errc::Refused;
        break;
    case SQLITE_CONSTRAINT:
        code = (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
                   ? Errc::AlreadyExists
                   : Errc::InvalidArgument;
        break;
    case SQLITE_NOTFOUND:
        code = Errc::NotFound;
        break;
    case SQLITE_MISUSE:
    case SQLITE_RANGE:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
        code = Errc::InvalidArgument;
        break;
    default:
        code = Errc::Internal;
        break;
    }
    QString text = QStringLiteral("%1: %2").arg(context, QString::fromUtf8(sqlite3_errstr(rc)));
    if (message && *message && std::strcmp(message, sqlite3_errstr(rc)) != 0)
        text += QStringLiteral(" (%1)").arg(QString::fromUtf8(message));
    return Error(code, text);
}

// SQLite's authorizer: no ATTACH/DETACH (a second database could be plaintext or keyed by
// someone else), and no key or cipher pragma once the handle is open (never a second key).
int authorize(void *, int action, const char *arg1, const char *, const char *, const char *)
{
    switch (action) {
    case SQLITE_ATTACH:
    case SQLITE_DETACH:
        return SQLITE_DENY;
    case SQLITE_PRAGMA: {
        if (!arg1)
            return SQLITE_OK;
        // Every SQLCipher 3.4.1 pragma that keys, rekeys or changes how pages are ciphered.
        static const char *const forbidden[] = {
            "key",       "rekey",    "hexkey",        "hexrekey",     "textkey",
            "textrekey", "kdf_iter", "fast_kdf_iter", "rekey_cipher", "rekey_kdf_iter"};
        for (const char *f : forbidden) {
            if (sqlite3_stricmp(arg1, f) == 0)
                return SQLITE_DENY;
        }
        if (sqlite3_strnicmp(arg1, "cipher", 6) == 0 &&
            sqlite3_stricmp(arg1, "cipher_version") != 0)
            return SQLITE_DENY;
        return SQLITE_OK;
    }
    default:
        return SQLITE_OK;
    }
}

bool validPageSize(int size)
{
    return size >= 512 && size <= 65536 && (size & (size - 1)) == 0;
}

enum class FileState { Missing, Empty, Plaintext, Other, Unreadable };

FileState inspect(const QString &path)
{
    QFile f(path);
    if (!f.exists())
        return FileState::Missing;
    if (!f.open(QIODevice::ReadOnly))
        return FileState::Unreadable;
    if (f.size() == 0)
        return FileState::Empty;
    const QByteArray head = f.read(16);
    if (head.size() == 16 && std::memcmp(head.constData(), kPlainHeader, 16) == 0)
        return FileState::Plaintext;
    return FileState::Other;
}

} // namespace

// ---------------------------------------------------------------- Statement

Statement::~Statement()
{
    if (m_stmt)
        sqlite3_finalize(m_stmt);
}

Statement::Statement(Statement &&other) noexcept
    : m_db(other.m_db)
    , m_stmt(other.m_stmt)
    , m_bindError(other.m_bindError)
{
    other.m_db = nullptr;
    other.m_stmt = nullptr;
    other.m_bindError = 0;
}

Statement &Statement::operator=(Statement &&other) noexcept
{
    if (this != &other) {
        if (m_stmt)
            sqlite3_finalize(m_stmt);
        m_db = other.m_db;
        m_stmt = other.m_stmt;
        m_bindError = other.m_bindError;
        other.m_db = nullptr;
        other.m_stmt = nullptr;
        other.m_bindError = 0;
    }
    return *this;
}

static void noteBind(int &slot, int rc)
{
    if (rc != SQLITE_OK && slot == 0)
        slot = rc;
}

Statement &Statement::bind(int index, std::int64_t value)
{
    noteBind(m_bindError, m_stmt ? sqlite3_bind_int64(m_stmt, index, value) : SQLITE_MISUSE);
    return *this;
}

Statement &Statement::bind(int index, double value)
{
    noteBind(m_bindError, m_stmt ? sqlite3_bind_double(m_stmt, index, value) : SQLITE_MISUSE);
    return *this;
}

Statement &Statement::bind(int index, const QString &text)
{
    if (!m_stmt) {
        noteBind(m_bindError, SQLITE_MISUSE);
        return *this;
    }
    if (text.isNull()) // a null QString is SQL NULL; an empty one is ''
        return bindNull(index);
    const QByteArray utf8 = text.toUtf8();
    noteBind(m_bindError, sqlite3_bind_text(m_stmt, index, utf8.constData(), int(utf8.size()),
                                            SQLITE_TRANSIENT));
    return *this;
}

Statement &Statement::bind(int index, QByteArrayView blob)
{
    if (!m_stmt) {
        noteBind(m_bindError, SQLITE_MISUSE);
        return *this;
    }
    // A zero-length blob, not NULL, even for an empty view.
    static const char empty = 0;
    noteBind(m_bindError, sqlite3_bind_blob(m_stmt, index, blob.isEmpty() ? &empty : blob.data(),
                                            int(blob.size()), SQLITE_TRANSIENT));
    return *this;
}

Statement &Statement::bind(int index, const crypto::SecretBytes &secret)
{
    return bind(index, secret.view());
}

Statement &Statement::bindNull(int index)
{
    noteBind(m_bindError, m_stmt ? sqlite3_bind_null(m_stmt, index) : SQLITE_MISUSE);
    return *this;
}

Result<bool> Statement::step()
{
    if (!m_stmt || !m_db)
        return fail(Errc::InvalidArgument, QStringLiteral("statement is not prepared"));
    if (m_bindError != 0) {
        const int rc = m_bindError;
        return std::unexpected(errorFor(rc, QStringLiteral("cannot bind a parameter"), nullptr));
    }
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    Error e = m_db->lastError(QStringLiteral("statement failed"));
    sqlite3_reset(m_stmt);
    return std::unexpected(std::move(e));
}

Status Statement::exec()
{
    for (;;) {
        auto r = step();
        if (!r) {
            reset();
            return std::unexpected(r.error());
        }
        if (!*r)
            break;
    }
    if (m_stmt)
        sqlite3_reset(m_stmt);
    return {};
}

void Statement::reset()
{
    if (m_stmt) {
        sqlite3_reset(m_stmt);
        sqlite3_clear_bindings(m_stmt);
    }
    m_bindError = 0;
}

std::int64_t Statement::columnInt64(int col) const
{
    return m_stmt ? sqlite3_column_int64(m_stmt, col) : 0;
}

double Statement::columnDouble(int col) const
{
    return m_stmt ? sqlite3_column_double(m_stmt, col) : 0.0;
}

QString Statement::columnText(int col) const
{
    if (!m_stmt || sqlite3_column_type(m_stmt, col) == SQLITE_NULL)
        return QString();
    const auto *text = reinterpret_cast<const char *>(sqlite3_column_text(m_stmt, col));
    const int size = sqlite3_column_bytes(m_stmt, col);
    return QString::fromUtf8(text ? text : "", size);
}

QByteArray Statement::columnBlob(int col) const
{
    if (!m_stmt)
        return QByteArray();
    const void *data = sqlite3_column_blob(m_stmt, col);
    const int size = sqlite3_column_bytes(m_stmt, col);
    if (!data || size <= 0)
        return QByteArray();
    return QByteArray(static_cast<const char *>(data), size);
}

crypto::SecretBytes Statement::columnSecret(int col) const
{
    if (!m_stmt)
        return crypto::SecretBytes();
    const void *data = sqlite3_column_blob(m_stmt, col);
    const int size = sqlite3_column_bytes(m_stmt, col);
    if (!data || size <= 0)
        return crypto::SecretBytes();
    return crypto::SecretBytes::copyOf(
        QByteArrayView(static_cast<const char *>(data), qsizetype(size)));
}

bool Statement::columnIsNull(int col) const
{
    return !m_stmt || sqlite3_column_type(m_stmt, col) == SQLITE_NULL;
}

int Statement::columnCount() const
{
    return m_stmt ? sqlite3_column_count(m_stmt) : 0;
}

// ---------------------------------------------------------------- Database

Database::~Database()
{
    close();
}

void Database::close()
{
    if (m_db) {
        // close_v2: if a Statement still lives, the handle becomes a zombie that SQLite frees
        // (and SQLCipher wipes its key) when the last statement is finalized.
        sqlite3_close_v2(m_db);
        m_db = nullptr;
    }
}

Error Database::lastError(const QString &context) const
{
    if (!m_db)
        return Error(Errc::InvalidArgument, QStringLiteral("%1: database is closed").arg(context));
    return errorFor(sqlite3_extended_errcode(m_db), context, sqlite3_errmsg(m_db));
}

Result<Statement> Database::prepare(const char *sql)
{
    if (!m_db)
        return fail(Errc::InvalidArgument, QStringLiteral("database is closed"));
    sqlite3_stmt *stmt = nullptr;
    const int rc = sqlite3_prepare_v2(m_db, sql, -1, &stmt, nullptr);
    if (rc != SQLITE_OK) {
        if (stmt)
            sqlite3_finalize(stmt);
        return std::unexpected(lastError(QStringLiteral("cannot prepare a statement")));
    }
    if (!stmt)
        return fail(Errc::InvalidArgument, QStringLiteral("empty statement"));
    return Statement(this, stmt);
}

Status Database::execute(const char *sql)
{
    if (!m_db)
        return fail(Errc::InvalidArgument, QStringLiteral("database is closed"));
    // sqlite3_exec runs every statement in the text; errors keep SQLite's message only.
    char *message = nullptr;
    const int rc = sqlite3_exec(m_db, sql, nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
        Error e =
            errorFor(sqlite3_extended_errcode(m_db), QStringLiteral("statement failed"), message);
        sqlite3_free(message);
        return std::unexpected(std::move(e));
    }
    return {};
}

Status Database::begin()
{
    return execute("BEGIN IMMEDIATE");
}

Status Database::commit()
{
    return execute("COMMIT");
}

void Database::rollback()
{
    if (m_db && !sqlite3_get_autocommit(m_db))
        sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
}

bool Database::inTransaction() const
{
    return m_db && !sqlite3_get_autocommit(m_db);
}

std::int64_t Database::lastInsertRowId() const
{
    return m_db ? sqlite3_last_insert_rowid(m_db) : 0;
}

int Database::changes() const
{
    return m_db ? sqlite3_changes(m_db) : 0;
}

Status Database::integrityCheck()
{
    auto st = prepare("PRAGMA integrity_check");
    if (!st)
        return std::unexpected(st.error());
    auto row = st->step();
    if (!row)
        return std::unexpected(row.error());
    if (!*row || st->columnText(0) != QStringLiteral("ok"))
        return fail(Errc::Tampered,
                    QStringLiteral("integrity check of %1 failed").arg(fileName(m_path)));
    return {};
}

Status Database::checkpoint()
{
    if (!m_db)
        return fail(Errc::InvalidArgument, QStringLiteral("database is closed"));
    int logFrames = 0, done = 0;
    const int rc =
        sqlite3_wal_checkpoint_v2(m_db, nullptr, SQLITE_CHECKPOINT_TRUNCATE, &logFrames, &done);
    if (rc != SQLITE_OK)
        return std::unexpected(lastError(QStringLiteral("checkpoint failed")));
    return {};
}

Result<std::int64_t> Database::queryInt64(const char *sql)
{
    auto st = prepare(sql);
    if (!st)
        return std::unexpected(st.error());
    auto row = st->step();
    if (!row)
        return std::unexpected(row.error());
    if (!*row)
        return fail(Errc::NotFound, QStringLiteral("query returned no row"));
    return st->columnInt64(0);
}

Status Database::applyConnectionSettings(const OpenOptions &options, bool encrypted)
{
    // These pragmas affect this connection only; none writes to an unchanged file except
    // journal_mode on a database that is not yet in WAL mode.
    if (auto s = execute("PRAGMA temp_store = MEMORY"); !s)
        return s;
    if (auto s = execute("PRAGMA secure_delete = ON"); !s)
        return s;
    {
        auto st = prepare("PRAGMA journal_mode = WAL");
        if (!st)
            return std::unexpected(st.error());
        auto row = st->step();
        if (!row)
            return std::unexpected(row.error());
        if (!*row || st->columnText(0).compare(QStringLiteral("wal"), Qt::CaseInsensitive) != 0)
            return fail(Errc::Io, QStringLiteral("cannot switch %1 to WAL").arg(fileName(m_path)));
    }
    if (auto s = execute("PRAGMA foreign_keys = ON"); !s)
        return s;
    if (auto s = execute(options.synchronousFull ? "PRAGMA synchronous = FULL"
                                                 : "PRAGMA synchronous = NORMAL");
        !s)
        return s;
    if (options.cacheSizeKiB > 0) {
        // An integer we format ourselves, never text from input.
        const QByteArray sql = "PRAGMA cache_size = -" + QByteArray::number(options.cacheSizeKiB);
        if (auto s = execute(sql.constData()); !s)
            return s;
    }
    (void)encrypted;
    sqlite3_set_authorizer(m_db, authorize, nullptr);
    return {};
}

Status Database::migrate(const OpenOptions &options)
{
    auto version = queryInt64("PRAGMA user_version");
    if (!version)
        return std::unexpected(version.error());
    m_userVersion = int(*version);
    const int target = int(options.migrations.size());
    if (m_userVersion > target)
        return fail(Errc::SchemaTooNew,
                    QStringLiteral("%1 was written by a newer version of Liaison (schema %2, this "
                                   "version knows %3)")
                        .arg(fileName(m_path))
                        .arg(m_userVersion)
                        .arg(target));
    for (int next = m_userVersion + 1; next <= target; ++next) {
        Transaction tx(*this);
        if (auto s = tx.begin(); !s)
            return s;
        if (auto s = options.migrations[std::size_t(next - 1)](*this); !s)
            return std::unexpected(
                Error(s.error().code,
                      QStringLiteral("migration %1 failed: %2").arg(next).arg(s.error().message)));
        const QByteArray sql = "PRAGMA user_version = " + QByteArray::number(next);
        if (auto s = execute(sql.constData()); !s)
            return s;
        if (auto s = tx.commit(); !s)
            return s;
        m_userVersion = next;
        qCDebug(lcStore) << "migrated to schema" << next;
    }
    return {};
}

Result<std::unique_ptr<Database>> Database::openImpl(const QString &path,
                                                     const crypto::SecretBytes *keyString,
                                                     const OpenOptions &options)
{
    if (path.isEmpty())
        return fail(Errc::InvalidArgument, QStringLiteral("no database path"));
    if (!validPageSize(options.pageSize))
        return fail(Errc::InvalidArgument, QStringLiteral("invalid page size"));

    // Look at the file before SQLite does: a plain SQLite file is refused untouched, and a
    // missing file is created only on request.
    const FileState state = inspect(path);
    switch (state) {
    case FileState::Plaintext:
        return fail(Errc::PlaintextDatabase,
                    QStringLiteral("%1 is an unencrypted SQLite database; refusing to open it")
                        .arg(fileName(path)));
    case FileState::Missing:
        if (!options.create)
            return fail(Errc::NotFound, QStringLiteral("%1 does not exist").arg(fileName(path)));
        break;
    case FileState::Unreadable:
        return fail(Errc::Io, QStringLiteral("cannot read %1").arg(fileName(path)));
    case FileState::Empty:
    case FileState::Other:
        break;
    }
    const bool creating = state == FileState::Missing || state == FileState::Empty;

    std::unique_ptr<Database> db(new Database());
    db->m_path = path;
    const QByteArray nativePath = QFile::encodeName(path);
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_PRIVATECACHE;
    if (state == FileState::Missing)
        flags |= SQLITE_OPEN_CREATE;
    int rc = sqlite3_open_v2(nativePath.constData(), &db->m_db, flags, nullptr);
    auto removeIfCreated = [&] {
        db->close();
        if (state == FileState::Missing) {
            QFile::remove(path);
            QFile::remove(path + QStringLiteral("-wal"));
            QFile::remove(path + QStringLiteral("-shm"));
            QFile::remove(path + QStringLiteral("-journal"));
        }
    };
    if (rc != SQLITE_OK) {
        Error e = db->m_db
                      ? db->lastError(QStringLiteral("cannot open %1").arg(fileName(path)))
                      : errorFor(rc, QStringLiteral("cannot open %1").arg(fileName(path)), nullptr);
        removeIfCreated();
        return std::unexpected(std::move(e));
    }
    sqlite3_extended_result_codes(db->m_db, 1);

    if (keyString) {
        // The one and only key on this handle, from sodium_malloc memory, never as SQL text.
        rc = sqlite3_key_v2(db->m_db, "main", keyString->data(), int(keyString->size()));
        if (rc != SQLITE_OK) {
            Error e = db->lastError(QStringLiteral("cannot key %1").arg(fileName(path)));
            removeIfCreated();
            return std::unexpected(std::move(e));
        }
        // SQLCipher 3 keeps the page size inside the encrypted page 1, so it cannot read it
        // back: the same value must be set at every open, before the first page is read.
        const QByteArray sql = "PRAGMA cipher_page_size = " + QByteArray::number(options.pageSize);
        if (auto s = db->execute(sql.constData()); !s) {
            removeIfCreated();
            return std::unexpected(s.error());
        }
    } else if (creating) {
        const QByteArray sql = "PRAGMA page_size = " + QByteArray::number(options.pageSize);
        if (auto s = db->execute(sql.constData()); !s) {
            removeIfCreated();
            return std::unexpected(s.error());
        }
    }

    // Prove the key: page 1 must decrypt and authenticate.
    {
        sqlite3_stmt *stmt = nullptr;
        rc = sqlite3_prepare_v2(db->m_db, "SELECT count(*) FROM sqlite_master", -1, &stmt, nullptr);
        if (rc == SQLITE_OK) {
            rc = sqlite3_step(stmt);
            if (rc == SQLITE_ROW)
                rc = SQLITE_OK;
        }
        if (stmt)
            sqlite3_finalize(stmt);
        if (rc != SQLITE_OK) {
            const int code = sqlite3_extended_errcode(db->m_db);
            const int primary = code & 0xff;
            Error e;
            if (keyString && (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT)) {
                // A wrong key and a changed page 1 look alike here. Only a caller that has
                // authenticated the key elsewhere (the vault's AEAD) can tell them apart.
                e = options.keyIsVerified
                        ? Error(Errc::Tampered, QStringLiteral("%1 is corrupt or was tampered with")
                                                    .arg(fileName(path)))
                        : Error(Errc::WrongKey,
                                QStringLiteral("the key does not open %1").arg(fileName(path)));
            } else {
                e = db->lastError(QStringLiteral("cannot read %1").arg(fileName(path)));
            }
            removeIfCreated();
            return std::unexpected(std::move(e));
        }
    }

    if (keyString) {
        // If plain libsqlite3 had been loaded first, sqlite3_key_v2 would be a no-op and all
        // would be written in plaintext with no error. cipher_version answers only in SQLCipher.
        auto st = db->prepare("PRAGMA cipher_version");
        QString version;
        if (st) {
            auto row = st->step();
            if (row && *row)
                version = st->columnText(0);
        }
        if (version.isEmpty()) {
            removeIfCreated();
            return fail(Errc::NotEncrypted,
                        QStringLiteral("SQLCipher is not active in this process (cipher_version "
                                       "gave no answer); refusing to write unencrypted"));
        }
        db->m_cipherVersion = version;
    }

    if (auto s = db->applyConnectionSettings(options, keyString != nullptr); !s) {
        removeIfCreated();
        return std::unexpected(s.error());
    }
    if (auto s = db->migrate(options); !s) {
        // A failed migration rolled back; the file keeps its previous schema.
        if (creating)
            removeIfCreated();
        return std::unexpected(s.error());
    }
    qCDebug(lcStore) << "opened" << fileName(path) << "schema" << db->m_userVersion;
    return db;
}

Result<std::unique_ptr<Database>>
Database::open(const QString &path, const crypto::SecretBytes &key, const OpenOptions &options)
{
    if (key.empty())
        return fail(Errc::InvalidArgument, QStringLiteral("refusing an empty database key"));
    if (key.size() != crypto::SymmetricKey::size)
        return fail(
            Errc::InvalidArgument,
            QStringLiteral("a database key is exactly 32 bytes (it is never a passphrase)"));
    crypto::SymmetricKey typed(crypto::SecretBytes::copyOf(key.view()));
    const crypto::SecretBytes raw = crypto::sqlcipherRawKey(typed);
    if (raw.size() != 67)
        return fail(Errc::Internal, QStringLiteral("raw key string has the wrong length"));
    return openImpl(path, &raw, options);
}

#if defined(LIAISON_TEST_HOOKS)
Result<std::unique_ptr<Database>> Database::openUnencryptedForComparison(const QString &path,
                                                                         const OpenOptions &options)
{
    // A plaintext file is exactly what this is for; open it without the refusal.
    const bool exists = QFileInfo::exists(path);
    if (!exists && !options.create)
        return fail(Errc::NotFound, QStringLiteral("%1 does not exist").arg(fileName(path)));
    std::unique_ptr<Database> db(new Database());
    db->m_path = path;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_PRIVATECACHE;
    if (!exists)
        flags |= SQLITE_OPEN_CREATE;
    if (sqlite3_open_v2(QFile::encodeName(path).constData(), &db->m_db, flags, nullptr) !=
        SQLITE_OK)
        return std::unexpected(db->lastError(QStringLiteral("cannot open")));
    sqlite3_extended_result_codes(db->m_db, 1);
    if (!exists) {
        const QByteArray sql = "PRAGMA page_size = " + QByteArray::number(options.pageSize);
        if (auto s = db->execute(sql.constData()); !s)
            return std::unexpected(s.error());
    }
    if (auto s = db->applyConnectionSettings(options, false); !s)
        return std::unexpected(s.error());
    if (auto s = db->migrate(options); !s)
        return std::unexpected(s.error());
    return db;
}

Result<std::unique_ptr<Database>> Database::openWithKeyStringForTest(const QString &path,
                                                                     QByteArrayView keyString,
                                                                     const OpenOptions &options)
{
    if (keyString.isEmpty())
        return fail(Errc::InvalidArgument, QStringLiteral("refusing an empty database key"));
    const crypto::SecretBytes key = crypto::SecretBytes::copyOf(keyString);
    return openImpl(path, &key, options);
}
#endif

// ---------------------------------------------------------------- Transaction

Transaction::~Transaction()
{
    if (m_open)
        m_db.rollback();
}

Status Transaction::begin()
{
    if (m_open)
        return fail(Errc::InvalidArgument, QStringLiteral("transaction already open"));
    if (auto s = m_db.begin(); !s)
        return s;
    m_open = true;
    return {};
}

Status Transaction::commit()
{
    if (!m_open)
        return fail(Errc::InvalidArgument, QStringLiteral("no open transaction"));
    auto s = m_db.commit();
    if (!s) {
        m_db.rollback();
        m_open = false;
        return s;
    }
    m_open = false;
    return {};
}

} // namespace liaison::store
