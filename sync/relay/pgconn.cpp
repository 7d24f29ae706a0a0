#include "pgconn.h"

#include <QStringList>
#include <QtEndian>

#include <libpq-fe.h>

#include <vector>

namespace liaison::relay {

PgParam PgParam::int8(std::int64_t v)
{
    QByteArray b(8, Qt::Uninitialized);
    qToBigEndian<qint64>(v, b.data());
    return {Type::Int8, std::move(b)};
}

PgParam PgParam::boolean(bool v)
{
    return {Type::Bool, QByteArray(1, v ? '\1' : '\0')};
}

PgResult::~PgResult()
{
    if (m_r)
        PQclear(m_r);
}

PgResult &PgResult::operator=(PgResult &&other) noexcept
{
    if (this != &other) {
        if (m_r)
            PQclear(m_r);
        m_r = other.m_r;
        other.m_r = nullptr;
    }
    return *this;
}

int PgResult::rows() const
{
    return PQntuples(m_r);
}

bool PgResult::isNull(int row, int col) const
{
    return PQgetisnull(m_r, row, col) != 0;
}

std::int64_t PgResult::int8(int row, int col) const
{
    if (PQgetisnull(m_r, row, col))
        return 0;
    const char *v = PQgetvalue(m_r, row, col);
    switch (PQgetlength(m_r, row, col)) {
    case 8:
        return qFromBigEndian<qint64>(v);
    case 4:
        return qFromBigEndian<qint32>(v);
    case 2:
        return qFromBigEndian<qint16>(v);
    case 1:
        return std::int64_t(static_cast<unsigned char>(v[0]));
    default:
        return 0;
    }
}

QByteArray PgResult::bytes(int row, int col) const
{
    if (PQgetisnull(m_r, row, col))
        return {};
    return QByteArray(PQgetvalue(m_r, row, col), PQgetlength(m_r, row, col));
}

std::int64_t PgResult::affected() const
{
    return QByteArray(PQcmdTuples(m_r)).toLongLong();
}

Result<std::unique_ptr<PgConn>> PgConn::connect(const DbUrl &url, int timeoutSeconds)
{
    // Keywords and values as separate arrays: nothing of the URL is parsed again as a
    // connection string.
    QList<QByteArray> keys{"host", "port", "user", "password", "dbname", "connect_timeout"};
    QList<QByteArray> values{url.host.toUtf8(),     QByteArray::number(url.port),
                             url.user.toUtf8(),     url.password.toUtf8(),
                             url.database.toUtf8(), QByteArray::number(timeoutSeconds)};
    for (const QString &opt : url.connectOptions.split(QLatin1Char(';'), Qt::SkipEmptyParts)) {
        const qsizetype eq = opt.indexOf(QLatin1Char('='));
        if (eq <= 0)
            continue;
        keys.append(opt.left(eq).toUtf8());
        values.append(opt.mid(eq + 1).toUtf8());
    }
    std::vector<const char *> k, v;
    for (qsizetype i = 0; i < keys.size(); ++i) {
        if (values[i].isEmpty())
            continue; // libpq's default (no password, the user's name)
        k.push_back(keys[i].constData());
        v.push_back(values[i].constData());
    }
    k.push_back(nullptr);
    v.push_back(nullptr);
    std::unique_ptr<PgConn> c(new PgConn);
    c->m_conn = PQconnectdbParams(k.data(), v.data(), 0);
    if (!c->m_conn || PQstatus(c->m_conn) != CONNECTION_OK) {
        const QString why = c->m_conn ? QString::fromUtf8(PQerrorMessage(c->m_conn)).trimmed()
                                      : QStringLiteral("out of memory");
        return fail(Errc::Io,
                    QStringLiteral("cannot open the relay database %1: %2").arg(url.display, why));
    }
    if (auto s = c->exec("SET synchronous_commit = on"); !s)
        return std::unexpected(s.error());
    return c;
}

PgConn::~PgConn()
{
    if (m_conn)
        PQfinish(m_conn);
}

bool PgConn::isOpen() const
{
    return m_conn && PQstatus(m_conn) == CONNECTION_OK;
}

Error PgConn::lastError(const char *what, const pg_result *r) const
{
    QString text;
    if (r) {
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        const char *primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
        text = QString::fromUtf8(primary ? primary : PQresStatus(PQresultStatus(r)));
        if (state)
            text += QStringLiteral(" (SQLSTATE %1)").arg(QString::fromLatin1(state));
    } else {
        text = QString::fromUtf8(PQerrorMessage(m_conn)).trimmed();
    }
    return Error(Errc::Io, QString::fromLatin1(what) + QStringLiteral(": ") + text);
}

Status PgConn::exec(const char *sql)
{
    PGresult *r = PQexec(m_conn, sql);
    const ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        Error e = lastError(sql, r);
        PQclear(r);
        return std::unexpected(e);
    }
    PQclear(r);
    return {};
}

Result<PgResult> PgConn::run(const char *what, const char *sql,
                             std::initializer_list<PgParam> params)
{
    const int n = int(params.size());
    auto it = m_prepared.constFind(sql);
    if (it == m_prepared.cend()) {
        const QByteArray name = "r" + QByteArray::number(m_prepared.size() + 1);
        std::vector<Oid> types;
        for (const PgParam &p : params)
            types.push_back(Oid(p.type));
        PGresult *prep = PQprepare(m_conn, name.constData(), sql, n, types.data());
        if (!prep || PQresultStatus(prep) != PGRES_COMMAND_OK) {
            Error e = lastError(what, prep);
            PQclear(prep);
            return std::unexpected(e);
        }
        PQclear(prep);
        it = m_prepared.insert(sql, name);
    }
    std::vector<const char *> values;
    std::vector<int> lengths;
    std::vector<int> formats(std::size_t(n), 1);
    for (const PgParam &p : params) {
        values.push_back(p.bytes.constData());
        lengths.push_back(int(p.bytes.size()));
    }
    PGresult *r = PQexecPrepared(m_conn, it->constData(), n, values.data(), lengths.data(),
                                 formats.data(), /*resultFormat=*/1);
    const ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        Error e = lastError(what, r);
        PQclear(r);
        return std::unexpected(e);
    }
    return PgResult(r);
}

} // namespace liaison::relay
