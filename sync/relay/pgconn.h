#pragma once

// DESIGN.md "Relay" (storage on PostgreSQL): one libpq connection, used directly instead of Qt's
// QPSQL on the relay's hot paths. Statements are prepared once per connection and executed with
// binary parameters and binary results: an envelope goes to the server as its bytes (QPSQL sends
// every value as an escaped text literal inside an EXECUTE statement and parses text back).
// Parameters only: the SQL texts are constants of the relay, never built from input.
//
// One PgConn lives on one thread. Error texts carry the server's primary message and SQLSTATE,
// never the DETAIL (which can quote key values).

#include "error.h"
#include "relayconfig.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QHash>

#include <cstdint>
#include <initializer_list>
#include <memory>

struct pg_conn;
struct pg_result;

namespace liaison::relay {

// One bound value, sent in binary. The type is fixed when the statement is prepared (the first
// execution's types), so the SQL needs no casts.
struct PgParam
{
    enum class Type : unsigned { Bool = 16, Bytea = 17, Int8 = 20, Text = 25 };
    Type type = Type::Int8;
    QByteArray bytes; // the binary form: big-endian for Int8, one byte for Bool

    [[nodiscard]] static PgParam int8(std::int64_t v);
    [[nodiscard]] static PgParam boolean(bool v);
    [[nodiscard]] static PgParam bytea(QByteArray v) { return {Type::Bytea, std::move(v)}; }
    [[nodiscard]] static PgParam text(QByteArray v) { return {Type::Text, std::move(v)}; }
};

// A result in binary form. Integer columns of any width read as int64.
class PgResult
{
public:
    explicit PgResult(pg_result *r)
        : m_r(r)
    {}
    ~PgResult();
    PgResult(PgResult &&other) noexcept
        : m_r(other.m_r)
    {
        other.m_r = nullptr;
    }
    PgResult(const PgResult &) = delete;
    PgResult &operator=(const PgResult &) = delete;
    PgResult &operator=(PgResult &&other) noexcept;

    [[nodiscard]] int rows() const;
    [[nodiscard]] bool isNull(int row, int col) const;
    [[nodiscard]] std::int64_t int8(int row, int col) const;
    [[nodiscard]] QByteArray bytes(int row, int col) const;
    // Rows an INSERT, UPDATE or DELETE touched.
    [[nodiscard]] std::int64_t affected() const;

private:
    pg_result *m_r;
};

class PgConn
{
public:
    // Connects (libpq, connect_timeout) and sets synchronous_commit on.
    [[nodiscard]] static Result<std::unique_ptr<PgConn>> connect(const DbUrl &url,
                                                                 int timeoutSeconds);
    ~PgConn();
    PgConn(const PgConn &) = delete;
    PgConn &operator=(const PgConn &) = delete;

    [[nodiscard]] bool isOpen() const;
    // A statement without parameters (BEGIN, COMMIT, SELECT 1).
    [[nodiscard]] Status exec(const char *sql);
    // Prepares `sql` on first use (keyed by the pointer: pass string literals), then executes
    // it with `params` in binary. `what` names the statement in an error.
    [[nodiscard]] Result<PgResult> run(const char *what, const char *sql,
                                       std::initializer_list<PgParam> params);

private:
    PgConn() = default;
    [[nodiscard]] Error lastError(const char *what, const pg_result *r) const;

    pg_conn *m_conn = nullptr;
    QHash<const char *, QByteArray> m_prepared; // SQL text -> statement name
};

} // namespace liaison::relay
