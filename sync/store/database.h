#pragma once

// Thin RAII wrapper over the SQLCipher C API. The only place (with the rest of sync/store/) that
// includes <sqlcipher/sqlite3.h>. Every rule of DESIGN.md "SQLCipher 3.4.1 rules" is enforced in
// Database::open(); callers cannot open a database any other way.

#include "crypto/secret.h"
#include "error.h"

#include <QByteArray>
#include <QString>
#include <QVariant>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <type_traits>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace liaison::store {

class Database;

// A prepared statement. Bind by 1-based index; values never become SQL text.
class Statement
{
public:
    Statement() = default;
    ~Statement();
    Statement(Statement &&other) noexcept;
    Statement &operator=(Statement &&other) noexcept;
    Statement(const Statement &) = delete;
    Statement &operator=(const Statement &) = delete;

    Statement &bind(int index, std::int64_t value);
    Statement &bind(int index, int value) { return bind(index, std::int64_t(value)); }
    Statement &bind(int index, double value);
    Statement &bind(int index, const QString &text);
    Statement &bind(int index, QByteArrayView blob); // stored as BLOB
    Statement &bind(int index, const QByteArray &blob) { return bind(index, QByteArrayView(blob)); }
    Statement &bind(int index, const char *text) { return bind(index, QString::fromUtf8(text)); }
    Statement &bind(int index, const crypto::SecretBytes &secret); // BLOB, copied by SQLite
    // Any other integer type (qint64, quint32, bool, ...) as INTEGER.
    template <typename T>
    requires std::is_integral_v<T> Statement &bind(int index, T value)
    {
        return bind(index, std::int64_t(value));
    }
    Statement &bindNull(int index);

    // Step once. true = a row is available, false = done.
    [[nodiscard]] Result<bool> step();
    // Step to completion (for INSERT/UPDATE/DELETE). Resets afterwards so it can be re-bound.
    [[nodiscard]] Status exec();
    void reset(); // reset and clear bindings

    [[nodiscard]] std::int64_t columnInt64(int col) const;
    [[nodiscard]] double columnDouble(int col) const;
    [[nodiscard]] QString columnText(int col) const;
    [[nodiscard]] QByteArray columnBlob(int col) const;
    [[nodiscard]] crypto::SecretBytes columnSecret(int col) const; // BLOB into sodium_malloc memory
    [[nodiscard]] int columnInt(int col) const { return int(columnInt64(col)); }
    [[nodiscard]] bool columnIsNull(int col) const;
    [[nodiscard]] int columnCount() const;

private:
    friend class Database;
    Statement(Database *db, sqlite3_stmt *stmt)
        : m_db(db)
        , m_stmt(stmt)
    {}
    Database *m_db = nullptr;
    sqlite3_stmt *m_stmt = nullptr;
    int m_bindError = 0;
};

// A migration takes the database from version N-1 to N (N = index + 1 in the list). Each runs in
// its own transaction together with the PRAGMA user_version bump.
using Migration = std::function<Status(Database &)>;

struct OpenOptions
{
    bool create = false; // create the file if it does not exist
    // cipher_page_size. SQLCipher 3 cannot read it back from the encrypted file, so it is set at
    // every open and must equal the value the file was created with (a mismatch reads as a
    // wrong key).
    int pageSize = 4096;
    // PRAGMA cache_size = -N. 32 MiB keeps the hot pages of a 100k-contact store decrypted in
    // memory (bench_store: with 8 MiB warm point reads fall to about half the plaintext rate).
    int cacheSizeKiB = 32768;
    std::vector<Migration> migrations;
    // The caller authenticated the key elsewhere (the vault's key-file AEAD). Then a failed key
    // proof at open means the file changed: Tampered instead of WrongKey.
    bool keyIsVerified = false;
    bool synchronousFull = true; // PRAGMA synchronous = FULL (else NORMAL)
};

class Database
{
public:
    ~Database();
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    // Opens an encrypted database with a 32-byte key, through sqlite3_key_v2 with the 67-char raw
    // key string built in sodium_malloc memory. Errors: WrongKey, Tampered, PlaintextDatabase,
    // NotEncrypted, Io, SchemaTooNew, NotFound (no file and !create), InvalidArgument (empty key,
    // or not exactly 32 bytes: a passphrase or hex string is never a database key).
    [[nodiscard]] static Result<std::unique_ptr<Database>>
    open(const QString &path, const crypto::SecretBytes &key, const OpenOptions &options);

#if defined(LIAISON_TEST_HOOKS)
    // Only in test builds (LIAISON_TESTING=ON), for benchmarks and tests that compare against the
    // same library unkeyed; a product build has no way to open a plaintext database.
    [[nodiscard]] static Result<std::unique_ptr<Database>>
    openUnencryptedForComparison(const QString &path, const OpenOptions &options);

    // Tests only: key with an arbitrary key string (to prove that a passphrase-shaped or
    // wrongly formatted string does not open a raw-keyed database). Same open sequence.
    [[nodiscard]] static Result<std::unique_ptr<Database>>
    openWithKeyStringForTest(const QString &path, QByteArrayView keyString,
                             const OpenOptions &options);
#endif

    [[nodiscard]] Result<Statement> prepare(const char *sql);
    // First column of the first row of fixed SQL text (NotFound when there is no row).
    [[nodiscard]] Result<std::int64_t> queryInt64(const char *sql);
    // Run fixed SQL text with no parameters (schema, pragmas). Never pass text built from input.
    [[nodiscard]] Status execute(const char *sql);

    [[nodiscard]] Status begin(); // BEGIN IMMEDIATE
    [[nodiscard]] Status commit();
    void rollback();
    [[nodiscard]] bool inTransaction() const;

    [[nodiscard]] std::int64_t lastInsertRowId() const;
    [[nodiscard]] int changes() const;
    [[nodiscard]] int userVersion() const
    {
        return m_userVersion;
    }
    [[nodiscard]] QString path() const
    {
        return m_path;
    }
    [[nodiscard]] QString cipherVersion() const
    {
        return m_cipherVersion;
    }
    [[nodiscard]] Status integrityCheck();
    [[nodiscard]] Status checkpoint(); // wal_checkpoint(TRUNCATE)
    void close();

    // Maps the last SQLite result code to an Error (SQLITE_NOTADB/CORRUPT -> Tampered, FULL/IOERR
    // -> Io, ...). Messages carry no bound values.
    [[nodiscard]] Error lastError(const QString &context) const;
    sqlite3 *handle() const
    {
        return m_db;
    }

private:
    Database() = default;
    [[nodiscard]] static Result<std::unique_ptr<Database>>
    openImpl(const QString &path, const crypto::SecretBytes *keyString, const OpenOptions &options);
    [[nodiscard]] Status applyConnectionSettings(const OpenOptions &options, bool encrypted);
    [[nodiscard]] Status migrate(const OpenOptions &options);
    sqlite3 *m_db = nullptr;
    QString m_path;
    QString m_cipherVersion;
    int m_userVersion = 0;
};

// RAII transaction: rolls back unless commit() succeeded.
class Transaction
{
public:
    explicit Transaction(Database &db)
        : m_db(db)
    {}
    ~Transaction();
    [[nodiscard]] Status begin();
    [[nodiscard]] Status commit();

private:
    Database &m_db;
    bool m_open = false;
};

} // namespace liaison::store
