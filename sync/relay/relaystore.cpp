#include "relaystore.h"

#include "pgconn.h"
#include "protocol/hqcert.h"
#include "protocol/requestsig.h"

#include <QLoggingCategory>
#include <QSqlDriver>
#include <QSqlError>
#include <QVariant>
#include <QtEndian>

#include <algorithm>
#include <limits>

Q_LOGGING_CATEGORY(lcRelayStore, "liaison.relay.store")

namespace liaison::relay {

namespace {

// Schema migrations. "{blob}" becomes BLOB (SQLite) or BYTEA (PostgreSQL); "{without_rowid}"
// becomes " WITHOUT ROWID" on SQLite (the primary key is the table's one B-tree) and nothing on
// PostgreSQL; nothing else differs. Migration N takes the schema from version N-1 to N, in one
// transaction.
const char *const kMigration1[] = {
    "CREATE TABLE hq_certs (serial BIGINT PRIMARY KEY, cert {blob} NOT NULL,"
    " not_before BIGINT NOT NULL, not_after BIGINT NOT NULL, deployment {blob} NOT NULL)",
    "CREATE TABLE devices (device_id {blob} PRIMARY KEY, sign_pk {blob}, state INTEGER NOT NULL,"
    " version BIGINT NOT NULL, updated_ms BIGINT NOT NULL)",
    "CREATE TABLE mailboxes (recipient {blob} PRIMARY KEY, next_cursor BIGINT NOT NULL,"
    " depth BIGINT NOT NULL, bytes BIGINT NOT NULL)",
    "CREATE TABLE envelopes (recipient {blob} NOT NULL, cursor BIGINT NOT NULL,"
    " sender {blob} NOT NULL, epoch BIGINT NOT NULL, seq BIGINT NOT NULL,"
    " env_hash {blob} NOT NULL, size BIGINT NOT NULL, data {blob} NOT NULL,"
    " stored_ms BIGINT NOT NULL, PRIMARY KEY (recipient, cursor))",
    "CREATE INDEX envelopes_stream ON envelopes (recipient, sender, epoch, seq)",
    "CREATE INDEX envelopes_age ON envelopes (stored_ms)",
    "CREATE TABLE stream_index (sender {blob} NOT NULL, recipient {blob} NOT NULL,"
    " epoch BIGINT NOT NULL, seq BIGINT NOT NULL, env_hash {blob} NOT NULL,"
    " stored_ms BIGINT NOT NULL, PRIMARY KEY (sender, recipient, epoch, seq))",
    "CREATE INDEX stream_index_age ON stream_index (stored_ms)",
    "CREATE TABLE nonces (key_id TEXT NOT NULL, nonce {blob} NOT NULL, seen_ms BIGINT NOT NULL,"
    " PRIMARY KEY (key_id, nonce))",
    "CREATE INDEX nonces_age ON nonces (seen_ms)",
    "CREATE TABLE enrol_slots (device_id {blob} PRIMARY KEY, token_hash {blob} NOT NULL,"
    " expires_ms BIGINT NOT NULL, submissions INTEGER NOT NULL)",
    "CREATE TABLE enrol_submissions (device_id {blob} NOT NULL, n INTEGER NOT NULL,"
    " data {blob} NOT NULL, received_ms BIGINT NOT NULL, PRIMARY KEY (device_id, n))",
    "CREATE TABLE wipes (wipe_id {blob} PRIMARY KEY, token {blob} NOT NULL,"
    " published_ms BIGINT NOT NULL, done {blob}, done_ms BIGINT)",
};

// Migration 2 (issue 9 point 5): what each sender has waiting in each mailbox, kept with every
// append, acknowledgement and purge, so that a sender's quota is one row read.
const char *const kMigration2[] = {
    "CREATE TABLE mailbox_senders (recipient {blob} NOT NULL, sender {blob} NOT NULL,"
    " depth BIGINT NOT NULL, bytes BIGINT NOT NULL, PRIMARY KEY (recipient, sender))",
    "INSERT INTO mailbox_senders (recipient, sender, depth, bytes)"
    " SELECT recipient, sender, COUNT(*), SUM(size) FROM envelopes GROUP BY recipient, sender",
};

// Migration 3 (issue 13, relay_append_over_nginx): fewer B-trees written per append. Every
// append touched about twelve; the WAL of a loaded relay showed four of them taking a page each
// per append (the nonce and stream-index key indexes, envelopes_stream, the envelope itself).
// - stream_index records the envelope's mailbox cursor, so that a gap fill finds the envelopes
//   of a stream through it: envelopes_stream goes;
// - stream_index and nonces become WITHOUT ROWID on SQLite: their primary key is the table
//   (no rowid table beside a key index). PostgreSQL keeps its heap and primary key index.
// Tables are rebuilt (create, copy, drop, rename): the same statements on both databases.
const char *const kMigration3[] = {
    "CREATE TABLE stream_index_v3 (sender {blob} NOT NULL, recipient {blob} NOT NULL,"
    " epoch BIGINT NOT NULL, seq BIGINT NOT NULL, env_hash {blob} NOT NULL,"
    " stored_ms BIGINT NOT NULL, cursor BIGINT,"
    " PRIMARY KEY (sender, recipient, epoch, seq)){without_rowid}",
    // The cursor of the envelope still waiting at each position (NULL: delivered).
    "INSERT INTO stream_index_v3 (sender, recipient, epoch, seq, env_hash, stored_ms, cursor)"
    " SELECT s.sender, s.recipient, s.epoch, s.seq, s.env_hash, s.stored_ms,"
    " (SELECT MAX(e.cursor) FROM envelopes e WHERE e.recipient = s.recipient"
    " AND e.sender = s.sender AND e.epoch = s.epoch AND e.seq = s.seq) FROM stream_index s",
    "DROP TABLE stream_index",
    "ALTER TABLE stream_index_v3 RENAME TO stream_index",
    "CREATE INDEX stream_index_age ON stream_index (stored_ms)",
    "DROP INDEX envelopes_stream",
    "CREATE TABLE nonces_v3 (key_id TEXT NOT NULL, nonce {blob} NOT NULL,"
    " seen_ms BIGINT NOT NULL, PRIMARY KEY (key_id, nonce)){without_rowid}",
    "INSERT INTO nonces_v3 (key_id, nonce, seen_ms) SELECT key_id, nonce, seen_ms FROM nonces",
    "DROP TABLE nonces",
    "ALTER TABLE nonces_v3 RENAME TO nonces",
    "CREATE INDEX nonces_age ON nonces (seen_ms)",
};

// Migration 4 (issue 13): spent nonces keyed by the request's signed time first. A replay is
// the same signed bytes, so the same (time, key id, nonce); keyed so, the nonces of one commit
// go to the end of one B-tree instead of a random page each, and expiry is a range of the key
// (no age index). The rows before the upgrade did not keep their request time: they stay in
// nonces_legacy, still checked, until retention empties it 10 minutes later.
const char *const kMigration4[] = {
    "ALTER TABLE nonces RENAME TO nonces_legacy",
    "CREATE TABLE nonces (req_ms BIGINT NOT NULL, key_id TEXT NOT NULL, nonce {blob} NOT NULL,"
    " PRIMARY KEY (req_ms, key_id, nonce)){without_rowid}",
};

struct Migration
{
    const char *const *statements;
    std::size_t count;
};
const Migration kMigrations[] = {
    {kMigration1, std::size(kMigration1)},
    {kMigration2, std::size(kMigration2)},
    {kMigration3, std::size(kMigration3)},
    {kMigration4, std::size(kMigration4)},
};

QByteArray idBytes(const crypto::Id16 &id)
{
    return id.toByteArray();
}

// Serialises migrations of relay processes sharing one PostgreSQL database.
constexpr qint64 kPgMigrationLock = 0x4c49414e; // "LIAN"

} // namespace

const char *deviceStateName(DeviceState s)
{
    switch (s) {
    case DeviceState::Active:
        return "active";
    case DeviceState::WipeOnly:
        return "wipe-only";
    case DeviceState::Revoked:
        return "revoked";
    case DeviceState::Deleted:
        return "deleted";
    }
    return "deleted";
}

std::optional<DeviceState> deviceStateFromName(QByteArrayView name)
{
    if (name == "active")
        return DeviceState::Active;
    if (name == "wipe-only")
        return DeviceState::WipeOnly;
    if (name == "revoked")
        return DeviceState::Revoked;
    return std::nullopt;
}

RelayStore::~RelayStore()
{
    qDeleteAll(m_queries);
    m_queries.clear();
    {
        QSqlDatabase db = QSqlDatabase::database(m_name, false);
        if (db.isOpen())
            db.close();
    }
    QSqlDatabase::removeDatabase(m_name);
}

Result<std::unique_ptr<RelayStore>> RelayStore::open(const DbUrl &url,
                                                     const QString &connectionName)
{
    std::unique_ptr<RelayStore> s(new RelayStore);
    s->m_name = connectionName;
    s->m_pg = url.kind == DbUrl::Kind::Postgres;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(
            s->m_pg ? QStringLiteral("QPSQL") : QStringLiteral("QSQLITE"), connectionName);
        if (!db.isValid())
            return fail(Errc::Internal, QStringLiteral("Qt SQL driver %1 is not available")
                                            .arg(s->m_pg ? "QPSQL" : "QSQLITE"));
        if (s->m_pg) {
            db.setHostName(url.host);
            db.setPort(url.port);
            db.setUserName(url.user);
            db.setPassword(url.password);
            db.setDatabaseName(url.database);
            QString opts = QStringLiteral("connect_timeout=10");
            if (!url.connectOptions.isEmpty())
                opts += QLatin1Char(';') + url.connectOptions;
            db.setConnectOptions(opts);
        } else {
            db.setDatabaseName(url.sqlitePath);
            db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=10000"));
        }
        if (!db.open())
            return fail(Errc::Io, QStringLiteral("cannot open the relay database %1: %2")
                                      .arg(url.display, db.lastError().text()));
    }
    if (!s->m_pg) {
        // WAL with synchronous FULL: an acknowledged envelope survives power loss.
        for (const char *sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                                "PRAGMA foreign_keys=ON", "PRAGMA temp_store=MEMORY"}) {
            if (auto st = s->exec(sql); !st)
                return std::unexpected(st.error());
        }
        QSqlQuery q(QSqlDatabase::database(connectionName, false));
        if (!q.exec(QStringLiteral("PRAGMA journal_mode")) || !q.next() ||
            q.value(0).toString() != QLatin1String("wal"))
            return fail(Errc::Io, QStringLiteral("SQLite refused WAL mode"));
    } else {
        if (auto st = s->exec("SET synchronous_commit = on"); !st)
            return std::unexpected(st.error());
        auto pq = PgConn::connect(url, 10);
        if (!pq)
            return std::unexpected(pq.error());
        s->m_pq = std::move(*pq);
    }
    return s;
}

bool RelayStore::isOpen() const
{
    return QSqlDatabase::database(m_name, false).isOpen() && (!m_pq || m_pq->isOpen());
}

Status RelayStore::ping()
{
    if (m_pq) {
        if (auto s = m_pq->exec("SELECT 1"); !s)
            return s;
    }
    return exec("SELECT 1");
}

Error RelayStore::sqlError(const QString &context, const QSqlQuery &q) const
{
    // The driver text names the failing statement's problem, never bound values.
    return Error(Errc::Io, context + QStringLiteral(": ") + q.lastError().text());
}

Status RelayStore::exec(const char *sql)
{
    QSqlQuery q(QSqlDatabase::database(m_name, false));
    if (!q.exec(QString::fromLatin1(sql)))
        return std::unexpected(sqlError(QString::fromLatin1(sql).left(40), q));
    return {};
}

Result<QSqlQuery *> RelayStore::prepared(const char *sql)
{
    if (QSqlQuery *q = m_queries.value(sql))
        return q;
    auto *q = new QSqlQuery(QSqlDatabase::database(m_name, false));
    q->setForwardOnly(true);
    if (!q->prepare(QString::fromLatin1(sql))) {
        Error e = sqlError(QStringLiteral("prepare"), *q);
        delete q;
        return std::unexpected(e);
    }
    m_queries.insert(sql, q);
    return q;
}

#define LIAISON_PREPARE(var, sql)                                                                  \
    auto var##_r = prepared(sql);                                                                  \
    if (!var##_r)                                                                                  \
        return std::unexpected(var##_r.error());                                                   \
    QSqlQuery &var = **var##_r;

#define LIAISON_EXEC(var, what)                                                                    \
    if (!var.exec()) {                                                                             \
        Error e_ = sqlError(QStringLiteral(what), var);                                            \
        var.finish();                                                                              \
        return std::unexpected(e_);                                                                \
    }

Status RelayStore::probe(std::int64_t token)
{
    {
        LIAISON_PREPARE(w, "INSERT INTO relay_meta (name, value) VALUES ('health_probe', ?)"
                           " ON CONFLICT (name) DO UPDATE SET value = excluded.value");
        w.bindValue(0, qint64(token));
        LIAISON_EXEC(w, "health write");
        w.finish();
    }
    LIAISON_PREPARE(r, "SELECT value FROM relay_meta WHERE name = 'health_probe'");
    LIAISON_EXEC(r, "health read");
    const bool same = r.next() && r.value(0).toLongLong() == token;
    r.finish();
    if (!same)
        return fail(Errc::Io, QStringLiteral("health read did not return what was written"));
    return {};
}

int RelayStore::schemaVersion()
{
    QSqlQuery q(QSqlDatabase::database(m_name, false));
    if (!q.exec(QStringLiteral("SELECT value FROM relay_meta WHERE name = 'schema_version'")) ||
        !q.next())
        return 0;
    return q.value(0).toInt();
}

Status RelayStore::migrate()
{
    if (auto s = begin(true); !s)
        return s;
    if (m_pg) {
        QSqlQuery q(QSqlDatabase::database(m_name, false));
        q.prepare(QStringLiteral("SELECT pg_advisory_xact_lock(?)"));
        q.addBindValue(kPgMigrationLock);
        if (!q.exec()) {
            Error e = sqlError(QStringLiteral("advisory lock"), q);
            rollback();
            return std::unexpected(e);
        }
    }
    // PostgreSQL: under the advisory lock, so two processes starting at once do not race.
    if (auto s = exec("CREATE TABLE IF NOT EXISTS relay_meta (name TEXT PRIMARY KEY,"
                      " value BIGINT NOT NULL)");
        !s) {
        rollback();
        return s;
    }
    const int current = schemaVersion();
    const int target = int(std::size(kMigrations));
    if (current > target) {
        rollback();
        return fail(Errc::SchemaTooNew,
                    QStringLiteral("relay database schema %1 is newer than this relay (%2)")
                        .arg(current)
                        .arg(target));
    }
    for (int v = current + 1; v <= target; ++v) {
        const Migration &m = kMigrations[v - 1];
        for (std::size_t i = 0; i < m.count; ++i) {
            QString sql = QString::fromLatin1(m.statements[i]);
            sql.replace(QLatin1String("{blob}"),
                        m_pg ? QLatin1String("BYTEA") : QLatin1String("BLOB"));
            sql.replace(QLatin1String("{without_rowid}"),
                        m_pg ? QLatin1String("") : QLatin1String(" WITHOUT ROWID"));
            QSqlQuery q(QSqlDatabase::database(m_name, false));
            if (!q.exec(sql)) {
                Error e = sqlError(QStringLiteral("migration %1").arg(v), q);
                rollback();
                return std::unexpected(e);
            }
        }
        if (v == 1) {
            // HQ's mailbox always exists.
            QSqlQuery q(QSqlDatabase::database(m_name, false));
            q.prepare(QStringLiteral("INSERT INTO mailboxes (recipient, next_cursor, depth, bytes)"
                                     " VALUES (?, 1, 0, 0)"));
            q.addBindValue(idBytes(protocol::hqParticipantId()));
            if (!q.exec()) {
                Error e = sqlError(QStringLiteral("migration 1"), q);
                rollback();
                return std::unexpected(e);
            }
        }
        QSqlQuery q(QSqlDatabase::database(m_name, false));
        q.prepare(v == 1 ? QStringLiteral("INSERT INTO relay_meta (name, value) VALUES"
                                          " ('schema_version', ?)")
                         : QStringLiteral("UPDATE relay_meta SET value = ? WHERE name ="
                                          " 'schema_version'"));
        q.addBindValue(v);
        if (!q.exec()) {
            Error e = sqlError(QStringLiteral("schema version"), q);
            rollback();
            return std::unexpected(e);
        }
        qCInfo(lcRelayStore) << "relay database migrated to schema" << v;
    }
    return commit();
}

Status RelayStore::setAutoCheckpoint(int pages)
{
    if (m_pg)
        return {};
    QSqlQuery q(QSqlDatabase::database(m_name, false));
    // A number, not input: the pragma takes no bound value.
    if (!q.exec(QStringLiteral("PRAGMA wal_autocheckpoint=%1").arg(std::max(pages, 0))))
        return std::unexpected(sqlError(QStringLiteral("wal_autocheckpoint"), q));
    return {};
}

Result<WalCheckpoint> RelayStore::checkpoint(CheckpointMode mode)
{
    if (m_pg)
        return WalCheckpoint{};
    QSqlQuery q(QSqlDatabase::database(m_name, false));
    if (!q.exec(mode == CheckpointMode::Restart ? QStringLiteral("PRAGMA wal_checkpoint(RESTART)")
                                                : QStringLiteral("PRAGMA wal_checkpoint(PASSIVE)")))
        return std::unexpected(sqlError(QStringLiteral("wal_checkpoint"), q));
    WalCheckpoint out;
    if (q.next()) {
        out.busy = q.value(0).toInt() != 0;
        out.logFrames = q.value(1).toLongLong();
        out.checkpointedFrames = q.value(2).toLongLong();
    }
    q.finish();
    return out;
}

Status RelayStore::beginGroup()
{
    m_pqAutocommit = false;
    return m_pq->exec("BEGIN");
}

Status RelayStore::commitGroup()
{
    m_pqAutocommit = true;
    return m_pq->exec("COMMIT");
}

void RelayStore::rollbackGroup()
{
    m_pqAutocommit = true;
    (void)m_pq->exec("ROLLBACK");
}

Status RelayStore::begin(bool write)
{
    m_autocommit = false;
    return exec(m_pg ? "BEGIN" : (write ? "BEGIN IMMEDIATE" : "BEGIN"));
}

Status RelayStore::commit()
{
    for (QSqlQuery *q : std::as_const(m_queries))
        q->finish();
    m_autocommit = true;
    return exec("COMMIT");
}

void RelayStore::rollback()
{
    for (QSqlQuery *q : std::as_const(m_queries))
        q->finish();
    m_autocommit = true;
    (void)exec("ROLLBACK");
}

Status RelayStore::savepoint()
{
    return exec("SAVEPOINT job");
}

Status RelayStore::releaseSavepoint()
{
    return exec("RELEASE SAVEPOINT job");
}

Status RelayStore::rollbackToSavepoint()
{
    for (QSqlQuery *q : std::as_const(m_queries))
        q->finish();
    if (auto s = exec("ROLLBACK TO SAVEPOINT job"); !s)
        return s;
    return exec("RELEASE SAVEPOINT job");
}

Result<bool> RelayStore::insertNonce(QByteArrayView keyId, QByteArrayView nonce,
                                     std::int64_t requestMs)
{
    LIAISON_PREPARE(q, "INSERT INTO nonces (req_ms, key_id, nonce) SELECT x.t, x.k, x.v"
                       " FROM (SELECT ? AS k, ? AS v, ? AS t) AS x WHERE NOT EXISTS"
                       " (SELECT 1 FROM nonces_legacy l WHERE l.key_id = x.k AND l.nonce = x.v)"
                       " ON CONFLICT DO NOTHING");
    q.bindValue(0, QString::fromLatin1(keyId));
    q.bindValue(1, nonce.toByteArray());
    q.bindValue(2, qint64(requestMs));
    LIAISON_EXEC(q, "nonce");
    const bool inserted = q.numRowsAffected() == 1;
    q.finish();
    return inserted;
}

Result<std::optional<DeviceRecord>> RelayStore::device(const crypto::Id16 &id)
{
    LIAISON_PREPARE(q, "SELECT sign_pk, state, version FROM devices WHERE device_id = ?");
    q.bindValue(0, idBytes(id));
    LIAISON_EXEC(q, "device");
    std::optional<DeviceRecord> out;
    if (q.next()) {
        DeviceRecord d;
        d.id = id;
        if (auto k = crypto::SignPublicKey::fromBytes(q.value(0).toByteArray()))
            d.signKey = *k;
        d.state = DeviceState(q.value(1).toInt());
        d.version = q.value(2).toLongLong();
        out = d;
    }
    q.finish();
    return out;
}

Result<AdmitFacts> RelayStore::admitFacts(QByteArrayView keyId, QByteArrayView nonce,
                                          std::int64_t requestMs, const crypto::Id16 *deviceId)
{
    AdmitFacts facts;
    if (!m_pg) {
        // In process: two statements cost nothing.
        if (deviceId) {
            auto d = device(*deviceId);
            if (!d)
                return std::unexpected(d.error());
            facts.device = *d;
        }
        auto fresh = insertNonce(keyId, nonce, requestMs);
        if (!fresh)
            return std::unexpected(fresh.error());
        facts.freshNonce = *fresh;
        return facts;
    }
    // PostgreSQL: one round trip spends the nonce and reads the caller's registration.
    LIAISON_PREPARE(q, "WITH n AS (INSERT INTO nonces (req_ms, key_id, nonce) SELECT x.t, x.k, x.v"
                       " FROM (VALUES (?::text, ?::bytea, ?::bigint)) AS x(k, v, t)"
                       " WHERE NOT EXISTS (SELECT 1 FROM nonces_legacy l WHERE l.key_id = x.k"
                       " AND l.nonce = x.v) ON CONFLICT DO NOTHING RETURNING 1)"
                       " SELECT (SELECT count(*) FROM n), d.sign_pk, d.state, d.version"
                       " FROM (SELECT 1) AS one LEFT JOIN devices d ON d.device_id = ?::bytea");
    q.bindValue(0, QString::fromLatin1(keyId));
    q.bindValue(1, nonce.toByteArray());
    q.bindValue(2, qint64(requestMs));
    q.bindValue(3, deviceId ? idBytes(*deviceId) : QByteArray(""));
    LIAISON_EXEC(q, "nonce and device");
    if (!q.next()) {
        q.finish();
        return fail(Errc::Io, QStringLiteral("nonce statement returned no row"));
    }
    facts.freshNonce = q.value(0).toLongLong() == 1;
    if (deviceId && !q.value(2).isNull()) {
        DeviceRecord d;
        d.id = *deviceId;
        if (auto k = crypto::SignPublicKey::fromBytes(q.value(1).toByteArray()))
            d.signKey = *k;
        d.state = DeviceState(q.value(2).toInt());
        d.version = q.value(3).toLongLong();
        facts.device = d;
    }
    q.finish();
    return facts;
}

Result<std::pair<bool, std::int64_t>> RelayStore::putDevice(const DeviceRecord &d,
                                                            std::int64_t nowMs)
{
    if (d.id.isZero())
        return fail(Errc::InvalidArgument, QStringLiteral("the zero id is HQ's"));
    bool applied = false;
    {
        LIAISON_PREPARE(ins, "INSERT INTO devices (device_id, sign_pk, state, version, updated_ms)"
                             " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
        ins.bindValue(0, idBytes(d.id));
        ins.bindValue(1, d.signKey.toByteArray());
        ins.bindValue(2, int(d.state));
        ins.bindValue(3, qint64(d.version));
        ins.bindValue(4, qint64(nowMs));
        LIAISON_EXEC(ins, "device insert");
        applied = ins.numRowsAffected() == 1;
        ins.finish();
    }
    if (!applied) {
        LIAISON_PREPARE(up, "UPDATE devices SET sign_pk = ?, state = ?, version = ?,"
                            " updated_ms = ? WHERE device_id = ? AND version < ?");
        up.bindValue(0, d.signKey.toByteArray());
        up.bindValue(1, int(d.state));
        up.bindValue(2, qint64(d.version));
        up.bindValue(3, qint64(nowMs));
        up.bindValue(4, idBytes(d.id));
        up.bindValue(5, qint64(d.version));
        LIAISON_EXEC(up, "device update");
        applied = up.numRowsAffected() == 1;
        up.finish();
    }
    if (!applied) {
        auto cur = device(d.id);
        if (!cur)
            return std::unexpected(cur.error());
        return std::pair<bool, std::int64_t>{false, *cur ? (*cur)->version : 0};
    }
    LIAISON_PREPARE(mb, "INSERT INTO mailboxes (recipient, next_cursor, depth, bytes)"
                        " VALUES (?, 1, 0, 0) ON CONFLICT DO NOTHING");
    mb.bindValue(0, idBytes(d.id));
    LIAISON_EXEC(mb, "mailbox insert");
    mb.finish();
    return std::pair<bool, std::int64_t>{true, d.version};
}

Result<std::pair<bool, std::int64_t>>
RelayStore::deleteDevice(const crypto::Id16 &id, std::int64_t version, std::int64_t nowMs)
{
    DeviceRecord tomb;
    tomb.id = id;
    tomb.state = DeviceState::Deleted;
    tomb.version = version;
    bool applied = false;
    {
        LIAISON_PREPARE(ins, "INSERT INTO devices (device_id, sign_pk, state, version, updated_ms)"
                             " VALUES (?, NULL, 0, ?, ?) ON CONFLICT DO NOTHING");
        ins.bindValue(0, idBytes(id));
        ins.bindValue(1, qint64(version));
        ins.bindValue(2, qint64(nowMs));
        LIAISON_EXEC(ins, "device tombstone");
        applied = ins.numRowsAffected() == 1;
        ins.finish();
    }
    if (!applied) {
        LIAISON_PREPARE(up, "UPDATE devices SET sign_pk = NULL, state = 0, version = ?,"
                            " updated_ms = ? WHERE device_id = ? AND version < ?");
        up.bindValue(0, qint64(version));
        up.bindValue(1, qint64(nowMs));
        up.bindValue(2, idBytes(id));
        up.bindValue(3, qint64(version));
        LIAISON_EXEC(up, "device delete");
        applied = up.numRowsAffected() == 1;
        up.finish();
    }
    if (!applied) {
        auto cur = device(id);
        if (!cur)
            return std::unexpected(cur.error());
        return std::pair<bool, std::int64_t>{false, *cur ? (*cur)->version : 0};
    }
    // Lock the mailbox first so a concurrent append waits and then finds no mailbox.
    std::int64_t next = 0, depth = 0;
    if (auto r = lockMailbox(id, &next, &depth); !r)
        return std::unexpected(r.error());
    for (const char *sql : {"DELETE FROM envelopes WHERE recipient = ?",
                            "DELETE FROM mailbox_senders WHERE recipient = ?",
                            "DELETE FROM mailboxes WHERE recipient = ?"}) {
        LIAISON_PREPARE(del, sql);
        del.bindValue(0, idBytes(id));
        LIAISON_EXEC(del, "device purge");
        del.finish();
    }
    return std::pair<bool, std::int64_t>{true, version};
}

Result<bool> RelayStore::lockMailbox(const crypto::Id16 &recipient, std::int64_t *nextCursor,
                                     std::int64_t *depth, bool forUpdate)
{
    // PostgreSQL: the row lock is held until commit, so cursors of one mailbox are assigned in
    // commit order. SQLite: the writer already holds the database write lock.
    const char *sql =
        m_pg && forUpdate
            ? "SELECT next_cursor, depth FROM mailboxes WHERE recipient = ? FOR UPDATE"
            : "SELECT next_cursor, depth FROM mailboxes WHERE recipient = ?";
    LIAISON_PREPARE(q, sql);
    q.bindValue(0, idBytes(recipient));
    LIAISON_EXEC(q, "mailbox lock");
    bool found = false;
    if (q.next()) {
        found = true;
        *nextCursor = q.value(0).toLongLong();
        *depth = q.value(1).toLongLong();
    }
    q.finish();
    return found;
}

bool deviceAdmissible(const std::optional<DeviceRecord> &d, const crypto::SignPublicKey &key)
{
    return d && d->signKey == key &&
           (d->state == DeviceState::Active || d->state == DeviceState::WipeOnly);
}

bool recipientAdmissible(std::optional<DeviceState> state)
{
    return state == DeviceState::Active || state == DeviceState::WipeOnly;
}

Result<std::pair<AdmitFacts, StoredBatch>> RelayStore::admitAndReadMailbox(
    const RequestAuth &auth, const crypto::Id16 &recipient, std::int64_t after, int limit,
    std::int64_t maxBytes, protocol::EpochRange epochs, std::optional<std::int64_t> priorityAfter)
{
    if (!m_pg) {
        auto facts = admitFacts(auth.keyId, auth.nonce, auth.requestMs,
                                auth.device ? &*auth.device : nullptr);
        if (!facts)
            return std::unexpected(facts.error());
        auto page = readMailbox(recipient, after, limit, maxBytes, epochs);
        if (!page)
            return std::unexpected(page.error());
        if (priorityAfter) {
            auto waiting = hasMail(recipient, *priorityAfter,
                                   protocol::epochsOfLane(protocol::Lane::Priority));
            if (!waiting)
                return std::unexpected(waiting.error());
            page->priorityWaiting = *waiting;
        }
        return std::pair{*facts, std::move(*page)};
    }
    return pgAdmitAndReadMailbox(auth, recipient, after, limit, maxBytes, epochs, priorityAfter);
}

Result<AdmittedAppend> RelayStore::admitAndAppend(const RequestAuth &auth, bool checkRecipient,
                                                  const EnvelopeKey &key, const QByteArray &data,
                                                  const AppendLimits &limits)
{
    AdmittedAppend out;
    if (!m_pg) { // in process: separate statements cost nothing
        auto facts = admitFacts(auth.keyId, auth.nonce, auth.requestMs,
                                auth.device ? &*auth.device : nullptr);
        if (!facts)
            return std::unexpected(facts.error());
        out.admit = *facts;
        if (checkRecipient) {
            auto r = device(key.recipient);
            if (!r)
                return std::unexpected(r.error());
            if (*r)
                out.recipientState = (*r)->state;
        }
        out.attempted = out.admit.freshNonce &&
                        (!auth.device || deviceAdmissible(out.admit.device, auth.deviceKey)) &&
                        (!checkRecipient || recipientAdmissible(out.recipientState));
        if (!out.attempted)
            return out;
        auto a = appendEnvelope(key, data, auth.nowMs, limits);
        if (!a)
            return std::unexpected(a.error());
        out.append = *a;
        return out;
    }
    return pgAdmitAndAppend(auth, checkRecipient, key, data, limits);
}

Status RelayStore::releaseSenderShares(
    const crypto::Id16 &recipient,
    const QHash<QByteArray, std::pair<std::int64_t, std::int64_t>> &bySender)
{
    for (auto it = bySender.cbegin(); it != bySender.cend(); ++it) {
        LIAISON_PREPARE(q, "UPDATE mailbox_senders SET depth = depth - ?, bytes = bytes - ?"
                           " WHERE recipient = ? AND sender = ?");
        q.bindValue(0, qint64(it->first));
        q.bindValue(1, qint64(it->second));
        q.bindValue(2, idBytes(recipient));
        q.bindValue(3, it.key());
        LIAISON_EXEC(q, "sender share release");
        q.finish();
    }
    if (!bySender.isEmpty()) {
        LIAISON_PREPARE(q, "DELETE FROM mailbox_senders WHERE recipient = ? AND depth <= 0");
        q.bindValue(0, idBytes(recipient));
        LIAISON_EXEC(q, "sender share cleanup");
        q.finish();
    }
    return {};
}

Result<AppendResult> RelayStore::senderShare(const EnvelopeKey &key, qsizetype size,
                                             const AppendLimits &limits)
{
    LIAISON_PREPARE(q, "SELECT depth, bytes FROM mailbox_senders WHERE recipient = ?"
                       " AND sender = ?");
    q.bindValue(0, idBytes(key.recipient));
    q.bindValue(1, idBytes(key.sender));
    LIAISON_EXEC(q, "sender share");
    std::int64_t depth = 0, bytes = 0;
    if (q.next()) {
        depth = q.value(0).toLongLong();
        bytes = q.value(1).toLongLong();
    }
    q.finish();
    if (limits.senderMaxCount > 0 && depth >= limits.senderMaxCount)
        return AppendResult::SenderCountFull;
    if (limits.senderMaxBytes > 0 && depth > 0 && bytes + size > limits.senderMaxBytes)
        return AppendResult::SenderBytesFull;
    return AppendResult::MailboxFull;
}

Result<AppendOutcome> RelayStore::storedStreamPosition(const EnvelopeKey &key)
{
    LIAISON_PREPARE(q, "SELECT env_hash FROM stream_index WHERE sender = ? AND recipient = ?"
                       " AND epoch = ? AND seq = ?");
    q.bindValue(0, idBytes(key.sender));
    q.bindValue(1, idBytes(key.recipient));
    q.bindValue(2, qint64(key.epoch));
    q.bindValue(3, qint64(key.seq));
    LIAISON_EXEC(q, "stream index");
    AppendOutcome out;
    out.result = AppendResult::Stored; // nothing holds this position
    if (q.next()) {
        const auto stored = crypto::Hash32::fromBytes(q.value(0).toByteArray());
        if (stored && *stored == key.envHash) {
            out.result = AppendResult::Duplicate;
        } else {
            out.result = AppendResult::Conflict;
            if (stored)
                out.storedHash = *stored;
        }
    }
    q.finish();
    return out;
}

Result<AppendOutcome> RelayStore::appendEnvelope(const EnvelopeKey &key, const QByteArray &data,
                                                 std::int64_t nowMs, const AppendLimits &limits)
{
    AppendOutcome out;
    std::int64_t next = 0, depth = 0;
    auto found = lockMailbox(key.recipient, &next, &depth);
    if (!found)
        return std::unexpected(found.error());
    if (!*found) {
        out.result = AppendResult::UnknownRecipient;
        return out;
    }
    {
        auto held = storedStreamPosition(key);
        if (!held)
            return std::unexpected(held.error());
        if (held->result != AppendResult::Stored)
            return *held;
    }
    if (limits.maxDepth > 0 && depth >= limits.maxDepth) {
        out.result = AppendResult::MailboxFull;
        return out;
    }
    if (limits.senderMaxCount > 0 || limits.senderMaxBytes > 0) {
        auto share = senderShare(key, data.size(), limits);
        if (!share)
            return std::unexpected(share.error());
        if (*share != AppendResult::MailboxFull) {
            out.result = *share;
            return out;
        }
    }
    {
        LIAISON_PREPARE(q, "INSERT INTO envelopes (recipient, cursor, sender, epoch, seq,"
                           " env_hash, size, data, stored_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
        q.bindValue(0, idBytes(key.recipient));
        q.bindValue(1, qint64(next));
        q.bindValue(2, idBytes(key.sender));
        q.bindValue(3, qint64(key.epoch));
        q.bindValue(4, qint64(key.seq));
        q.bindValue(5, key.envHash.toByteArray());
        q.bindValue(6, qint64(data.size()));
        q.bindValue(7, data);
        q.bindValue(8, qint64(nowMs));
        LIAISON_EXEC(q, "envelope insert");
        q.finish();
    }
    {
        LIAISON_PREPARE(q, "INSERT INTO stream_index (sender, recipient, epoch, seq, env_hash,"
                           " stored_ms, cursor) VALUES (?, ?, ?, ?, ?, ?, ?)");
        q.bindValue(0, idBytes(key.sender));
        q.bindValue(1, idBytes(key.recipient));
        q.bindValue(2, qint64(key.epoch));
        q.bindValue(3, qint64(key.seq));
        q.bindValue(4, key.envHash.toByteArray());
        q.bindValue(5, qint64(nowMs));
        q.bindValue(6, qint64(next));
        LIAISON_EXEC(q, "stream index insert");
        q.finish();
    }
    {
        LIAISON_PREPARE(q, "UPDATE mailboxes SET next_cursor = ?, depth = depth + 1,"
                           " bytes = bytes + ? WHERE recipient = ?");
        q.bindValue(0, qint64(next + 1));
        q.bindValue(1, qint64(data.size()));
        q.bindValue(2, idBytes(key.recipient));
        LIAISON_EXEC(q, "mailbox update");
        q.finish();
    }
    {
        LIAISON_PREPARE(q, "INSERT INTO mailbox_senders (recipient, sender, depth, bytes)"
                           " VALUES (?, ?, 1, ?) ON CONFLICT (recipient, sender) DO UPDATE SET"
                           " depth = mailbox_senders.depth + 1,"
                           " bytes = mailbox_senders.bytes + excluded.bytes");
        q.bindValue(0, idBytes(key.recipient));
        q.bindValue(1, idBytes(key.sender));
        q.bindValue(2, qint64(data.size()));
        LIAISON_EXEC(q, "sender share update");
        q.finish();
    }
    out.result = AppendResult::Stored;
    out.cursor = next;
    return out;
}

qsizetype RelayStore::rowsThatFit(const QList<PageRow> &rows, int limit, std::int64_t maxBytes,
                                  std::int64_t *total)
{
    constexpr std::int64_t kItemHead = 12; // cursor and length before each item's bytes
    qsizetype n = 0;
    *total = 0;
    for (const PageRow &r : rows) {
        if (n >= limit || (n > 0 && *total + kItemHead + r.size > maxBytes))
            break;
        *total += kItemHead + r.size;
        ++n;
    }
    return n;
}

Result<StoredBatch> RelayStore::loadPage(const QList<PageRow> &rows, int limit,
                                         std::int64_t maxBytes, const char *dataSql,
                                         const QList<QVariant> &bindFirst)
{
    constexpr std::int64_t kItemHead = 12;
    StoredBatch out;
    std::int64_t total = 0;
    const qsizetype n = rowsThatFit(rows, limit, maxBytes, &total);
    out.more = rows.size() > n;
    if (n == 0)
        return out;
    out.encoded.reserve(qsizetype(total));
    // The data in runs of about kLoadChunkBytes (or one row), so that what the driver holds of a
    // result besides the page is at most that or one envelope.
    constexpr std::int64_t kLoadChunkBytes = 1 << 20;
    LIAISON_PREPARE(q, dataSql);
    for (qsizetype i = 0; i < n;) {
        qsizetype j = i;
        std::int64_t chunk = 0;
        while (j < n && (j == i || chunk + rows[j].size <= kLoadChunkBytes))
            chunk += rows[j++].size;
        int b = 0;
        for (const QVariant &v : bindFirst)
            q.bindValue(b++, v);
        q.bindValue(b++, qint64(rows[i].key));
        q.bindValue(b++, qint64(rows[j - 1].key));
        LIAISON_EXEC(q, "page data");
        while (q.next()) {
            const std::int64_t key = q.value(0).toLongLong();
            const QByteArray data = q.value(1).toByteArray();
            char head[kItemHead];
            qToBigEndian<quint64>(quint64(key), head);
            qToBigEndian<quint32>(quint32(data.size()), head + 8);
            out.encoded.append(head, kItemHead);
            out.encoded.append(data);
            ++out.count;
            out.lastKey = key;
        }
        q.finish();
        i = j;
    }
    return out;
}

Result<StoredBatch> RelayStore::readMailbox(const crypto::Id16 &recipient, std::int64_t after,
                                            int limit, std::int64_t maxBytes,
                                            protocol::EpochRange epochs)
{
    LIAISON_PREPARE(q, "SELECT cursor, size FROM envelopes WHERE recipient = ? AND cursor > ?"
                       " AND epoch >= ? AND epoch < ? ORDER BY cursor LIMIT ?");
    q.bindValue(0, idBytes(recipient));
    q.bindValue(1, qint64(after));
    q.bindValue(2, qint64(epochs.first));
    q.bindValue(3, qint64(epochs.end));
    q.bindValue(4, limit + 1);
    LIAISON_EXEC(q, "mailbox read");
    QList<PageRow> rows;
    while (q.next())
        rows.append({q.value(0).toLongLong(), q.value(1).toLongLong()});
    q.finish();
    // The epoch bounds again: the other lane's envelopes between the page's cursors stay out.
    return loadPage(rows, limit, maxBytes,
                    "SELECT cursor, data FROM envelopes WHERE recipient = ? AND epoch >= ?"
                    " AND epoch < ? AND cursor >= ? AND cursor <= ? ORDER BY cursor",
                    {QVariant(idBytes(recipient)), QVariant(qint64(epochs.first)),
                     QVariant(qint64(epochs.end))});
}

Result<bool> RelayStore::hasMail(const crypto::Id16 &recipient, std::int64_t after,
                                 protocol::EpochRange epochs)
{
    LIAISON_PREPARE(q, "SELECT EXISTS (SELECT 1 FROM envelopes WHERE recipient = ? AND cursor > ?"
                       " AND epoch >= ? AND epoch < ?)");
    q.bindValue(0, idBytes(recipient));
    q.bindValue(1, qint64(after));
    q.bindValue(2, qint64(epochs.first));
    q.bindValue(3, qint64(epochs.end));
    LIAISON_EXEC(q, "mailbox probe");
    const bool any = q.next() && q.value(0).toLongLong() != 0;
    q.finish();
    return any;
}

Result<std::int64_t> RelayStore::ack(const crypto::Id16 &recipient, std::int64_t through,
                                     const QList<std::int64_t> &cursors)
{
    std::int64_t next = 0, depth = 0;
    auto found = lockMailbox(recipient, &next, &depth);
    if (!found)
        return std::unexpected(found.error());
    if (!*found)
        return 0;
    std::int64_t count = 0, bytes = 0;
    // Per sender: the mailbox's and each sender's share shrink by what goes.
    QHash<QByteArray, std::pair<std::int64_t, std::int64_t>> bySender;
    auto account = [&](QSqlQuery &sum) -> Status {
        while (sum.next()) {
            const std::int64_t n = sum.value(1).toLongLong(), b = sum.value(2).toLongLong();
            count += n;
            bytes += b;
            auto &s = bySender[sum.value(0).toByteArray()];
            s.first += n;
            s.second += b;
        }
        sum.finish();
        return {};
    };
    if (through >= 0) {
        LIAISON_PREPARE(sum, "SELECT sender, COUNT(*), COALESCE(SUM(size), 0) FROM envelopes"
                             " WHERE recipient = ? AND cursor <= ? GROUP BY sender");
        sum.bindValue(0, idBytes(recipient));
        sum.bindValue(1, qint64(through));
        LIAISON_EXEC(sum, "ack sum");
        (void)account(sum);
        LIAISON_PREPARE(del, "DELETE FROM envelopes WHERE recipient = ? AND cursor <= ?");
        del.bindValue(0, idBytes(recipient));
        del.bindValue(1, qint64(through));
        LIAISON_EXEC(del, "ack delete");
        del.finish();
    }
    for (std::int64_t c : cursors) {
        if (through >= 0 && c <= through)
            continue;
        LIAISON_PREPARE(sum, "SELECT sender, COUNT(*), COALESCE(SUM(size), 0) FROM envelopes"
                             " WHERE recipient = ? AND cursor = ? GROUP BY sender");
        sum.bindValue(0, idBytes(recipient));
        sum.bindValue(1, qint64(c));
        LIAISON_EXEC(sum, "ack sum one");
        (void)account(sum);
        LIAISON_PREPARE(del, "DELETE FROM envelopes WHERE recipient = ? AND cursor = ?");
        del.bindValue(0, idBytes(recipient));
        del.bindValue(1, qint64(c));
        LIAISON_EXEC(del, "ack delete one");
        del.finish();
    }
    if (count > 0) {
        LIAISON_PREPARE(up, "UPDATE mailboxes SET depth = depth - ?, bytes = bytes - ?"
                            " WHERE recipient = ?");
        up.bindValue(0, qint64(count));
        up.bindValue(1, qint64(bytes));
        up.bindValue(2, idBytes(recipient));
        LIAISON_EXEC(up, "ack mailbox");
        up.finish();
    }
    if (auto r = releaseSenderShares(recipient, bySender); !r)
        return std::unexpected(r.error());
    return count;
}

Result<StoredBatch> RelayStore::readStream(const crypto::Id16 &sender,
                                           const crypto::Id16 &recipient, std::uint32_t epoch,
                                           std::int64_t from, int limit, std::int64_t maxBytes)
{
    // Through the stream index's cursors (no index of envelopes by stream). The join checks the
    // stream position too: a deleted and re-registered device's mailbox counts from 1 again.
    LIAISON_PREPARE(q, "SELECT s.seq, e.size FROM stream_index s JOIN envelopes e"
                       " ON e.recipient = s.recipient AND e.cursor = s.cursor"
                       " AND e.sender = s.sender AND e.epoch = s.epoch AND e.seq = s.seq"
                       " WHERE s.sender = ? AND s.recipient = ? AND s.epoch = ? AND s.seq >= ?"
                       " ORDER BY s.seq LIMIT ?");
    q.bindValue(0, idBytes(sender));
    q.bindValue(1, idBytes(recipient));
    q.bindValue(2, qint64(epoch));
    q.bindValue(3, qint64(from));
    q.bindValue(4, limit + 1);
    LIAISON_EXEC(q, "stream read");
    QList<PageRow> rows;
    while (q.next())
        rows.append({q.value(0).toLongLong(), q.value(1).toLongLong()});
    q.finish();
    return loadPage(
        rows, limit, maxBytes,
        "SELECT s.seq, e.data FROM stream_index s JOIN envelopes e"
        " ON e.recipient = s.recipient AND e.cursor = s.cursor"
        " AND e.sender = s.sender AND e.epoch = s.epoch AND e.seq = s.seq"
        " WHERE s.sender = ? AND s.recipient = ? AND s.epoch = ? AND s.seq >= ? AND s.seq <= ?"
        " ORDER BY s.seq",
        {QVariant(idBytes(sender)), QVariant(idBytes(recipient)), QVariant(qint64(epoch))});
}

Result<QList<QByteArray>> RelayStore::certificates()
{
    LIAISON_PREPARE(q, "SELECT cert FROM hq_certs ORDER BY serial DESC LIMIT 16");
    LIAISON_EXEC(q, "certificates");
    QList<QByteArray> out;
    while (q.next())
        out.append(q.value(0).toByteArray());
    q.finish();
    return out;
}

Status RelayStore::insertCertificate(std::uint64_t serial, const QByteArray &bytes,
                                     std::int64_t notBefore, std::int64_t notAfter,
                                     const crypto::Id16 &deployment)
{
    {
        LIAISON_PREPARE(q, "SELECT cert FROM hq_certs WHERE serial = ?");
        q.bindValue(0, qint64(serial));
        LIAISON_EXEC(q, "certificate lookup");
        if (q.next()) {
            const bool same = q.value(0).toByteArray() == bytes;
            q.finish();
            if (same)
                return {};
            return fail(Errc::AlreadyExists, QStringLiteral("another certificate has this serial"));
        }
        q.finish();
    }
    LIAISON_PREPARE(q, "INSERT INTO hq_certs (serial, cert, not_before, not_after, deployment)"
                       " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
    q.bindValue(0, qint64(serial));
    q.bindValue(1, bytes);
    q.bindValue(2, qint64(notBefore));
    q.bindValue(3, qint64(notAfter));
    q.bindValue(4, idBytes(deployment));
    LIAISON_EXEC(q, "certificate insert");
    q.finish();
    return {};
}

Status RelayStore::putEnrolSlot(const crypto::Id16 &device, const crypto::Hash32 &tokenHash,
                                std::int64_t expiresMs)
{
    auto cur = enrolSlot(device);
    if (!cur)
        return std::unexpected(cur.error());
    if (!*cur) {
        LIAISON_PREPARE(q, "INSERT INTO enrol_slots (device_id, token_hash, expires_ms,"
                           " submissions) VALUES (?, ?, ?, 0)");
        q.bindValue(0, idBytes(device));
        q.bindValue(1, tokenHash.toByteArray());
        q.bindValue(2, qint64(expiresMs));
        LIAISON_EXEC(q, "enrol slot insert");
        q.finish();
        return {};
    }
    const bool sameToken = (*cur)->tokenHash == tokenHash;
    LIAISON_PREPARE(q, "UPDATE enrol_slots SET token_hash = ?, expires_ms = ?,"
                       " submissions = ? WHERE device_id = ?");
    q.bindValue(0, tokenHash.toByteArray());
    q.bindValue(1, qint64(expiresMs));
    q.bindValue(2, sameToken ? (*cur)->submissionCount : 0);
    q.bindValue(3, idBytes(device));
    LIAISON_EXEC(q, "enrol slot update");
    q.finish();
    if (!sameToken) {
        LIAISON_PREPARE(d, "DELETE FROM enrol_submissions WHERE device_id = ?");
        d.bindValue(0, idBytes(device));
        LIAISON_EXEC(d, "enrol submissions reset");
        d.finish();
    }
    return {};
}

Result<std::optional<EnrolSlot>> RelayStore::enrolSlot(const crypto::Id16 &device)
{
    std::optional<EnrolSlot> out;
    {
        const char *sql = m_pg ? "SELECT token_hash, expires_ms, submissions FROM enrol_slots"
                                 " WHERE device_id = ? FOR UPDATE"
                               : "SELECT token_hash, expires_ms, submissions FROM enrol_slots"
                                 " WHERE device_id = ?";
        LIAISON_PREPARE(q, sql);
        q.bindValue(0, idBytes(device));
        LIAISON_EXEC(q, "enrol slot");
        if (q.next()) {
            EnrolSlot s;
            if (auto h = crypto::Hash32::fromBytes(q.value(0).toByteArray()))
                s.tokenHash = *h;
            s.expiresMs = q.value(1).toLongLong();
            s.submissionCount = q.value(2).toInt();
            out = s;
        }
        q.finish();
    }
    if (out) {
        LIAISON_PREPARE(q, "SELECT data FROM enrol_submissions WHERE device_id = ? ORDER BY n");
        q.bindValue(0, idBytes(device));
        LIAISON_EXEC(q, "enrol submissions");
        while (q.next())
            out->submissions.append(q.value(0).toByteArray());
        q.finish();
    }
    return out;
}

Result<std::pair<SubmitResult, int>> RelayStore::submitEnrolment(const crypto::Id16 &device,
                                                                 const crypto::Hash32 &tokenHash,
                                                                 const QByteArray &data,
                                                                 std::int64_t nowMs)
{
    auto slot = enrolSlot(device);
    if (!slot)
        return std::unexpected(slot.error());
    if (!*slot)
        return std::pair{SubmitResult::NoSlot, 0};
    if (!crypto::equalConstantTime((*slot)->tokenHash.view(), tokenHash.view()))
        return std::pair{SubmitResult::BadToken, 0};
    if (nowMs > (*slot)->expiresMs)
        return std::pair{SubmitResult::Expired, 0};
    const int n = (*slot)->submissionCount;
    if (n >= kMaxEnrolSubmissions)
        return std::pair{SubmitResult::Limit, n};
    {
        LIAISON_PREPARE(q, "INSERT INTO enrol_submissions (device_id, n, data, received_ms)"
                           " VALUES (?, ?, ?, ?)");
        q.bindValue(0, idBytes(device));
        q.bindValue(1, n + 1);
        q.bindValue(2, data);
        q.bindValue(3, qint64(nowMs));
        LIAISON_EXEC(q, "enrol submission");
        q.finish();
    }
    LIAISON_PREPARE(q, "UPDATE enrol_slots SET submissions = ? WHERE device_id = ?");
    q.bindValue(0, n + 1);
    q.bindValue(1, idBytes(device));
    LIAISON_EXEC(q, "enrol count");
    q.finish();
    return std::pair{SubmitResult::Stored, n + 1};
}

Status RelayStore::putWipe(const crypto::Id16 &wipeId, const QByteArray &token, std::int64_t nowMs)
{
    LIAISON_PREPARE(q, "INSERT INTO wipes (wipe_id, token, published_ms) VALUES (?, ?, ?)"
                       " ON CONFLICT (wipe_id) DO UPDATE SET token = excluded.token");
    q.bindValue(0, idBytes(wipeId));
    q.bindValue(1, token);
    q.bindValue(2, qint64(nowMs));
    LIAISON_EXEC(q, "wipe publish");
    q.finish();
    return {};
}

Result<std::optional<QByteArray>> RelayStore::wipeToken(const crypto::Id16 &wipeId)
{
    LIAISON_PREPARE(q, "SELECT token FROM wipes WHERE wipe_id = ?");
    q.bindValue(0, idBytes(wipeId));
    LIAISON_EXEC(q, "wipe token");
    std::optional<QByteArray> out;
    if (q.next())
        out = q.value(0).toByteArray();
    q.finish();
    return out;
}

Status RelayStore::wipeDone(const crypto::Id16 &wipeId, const QByteArray &ack, std::int64_t nowMs)
{
    {
        LIAISON_PREPARE(q, "UPDATE wipes SET done = ?, done_ms = ? WHERE wipe_id = ?"
                           " AND done IS NULL");
        q.bindValue(0, ack);
        q.bindValue(1, qint64(nowMs));
        q.bindValue(2, idBytes(wipeId));
        LIAISON_EXEC(q, "wipe done");
        const bool updated = q.numRowsAffected() == 1;
        q.finish();
        if (updated)
            return {};
    }
    auto t = wipeToken(wipeId);
    if (!t)
        return std::unexpected(t.error());
    if (!*t)
        return fail(Errc::NotFound, QStringLiteral("no wipe token under this id"));
    return {}; // already acknowledged: the first acknowledgement is kept
}

Result<std::optional<QByteArray>> RelayStore::wipeAck(const crypto::Id16 &wipeId)
{
    LIAISON_PREPARE(q, "SELECT done FROM wipes WHERE wipe_id = ? AND done IS NOT NULL");
    q.bindValue(0, idBytes(wipeId));
    LIAISON_EXEC(q, "wipe ack");
    std::optional<QByteArray> out;
    if (q.next())
        out = q.value(0).toByteArray();
    q.finish();
    return out;
}

Result<StoreStats> RelayStore::stats()
{
    LIAISON_PREPARE(q, "SELECT COALESCE(SUM(depth), 0), COALESCE(SUM(bytes), 0) FROM mailboxes");
    LIAISON_EXEC(q, "stats");
    StoreStats s;
    if (q.next()) {
        s.envelopes = q.value(0).toLongLong();
        s.bytes = q.value(1).toLongLong();
    }
    q.finish();
    return s;
}

Result<PurgeCounts> RelayStore::purge(std::int64_t nowMs)
{
    PurgeCounts c;
    const std::int64_t cut = nowMs - kRetentionMs;
    {
        // By request time: a request is admitted only within 5 minutes of it, so a nonce older
        // than 10 minutes can no longer be replayed.
        LIAISON_PREPARE(q, "DELETE FROM nonces WHERE req_ms < ?");
        q.bindValue(0, qint64(nowMs - protocol::kNonceRetentionMs));
        LIAISON_EXEC(q, "nonce purge");
        c.nonces = q.numRowsAffected();
        q.finish();
        LIAISON_PREPARE(l, "DELETE FROM nonces_legacy WHERE seen_ms < ?");
        l.bindValue(0, qint64(nowMs - protocol::kNonceRetentionMs));
        LIAISON_EXEC(l, "legacy nonce purge");
        c.nonces += l.numRowsAffected();
        l.finish();
    }
    QList<QByteArray> recipients;
    {
        LIAISON_PREPARE(q, "SELECT DISTINCT recipient FROM envelopes WHERE stored_ms < ?");
        q.bindValue(0, qint64(cut));
        LIAISON_EXEC(q, "expired recipients");
        while (q.next())
            recipients.append(q.value(0).toByteArray());
        q.finish();
    }
    for (const QByteArray &r : recipients) {
        const auto id = crypto::Id16::fromBytes(r);
        if (!id)
            continue;
        std::int64_t next = 0, depth = 0;
        if (auto l = lockMailbox(*id, &next, &depth); !l)
            return std::unexpected(l.error());
        std::int64_t n = 0, bytes = 0;
        QHash<QByteArray, std::pair<std::int64_t, std::int64_t>> bySender;
        {
            LIAISON_PREPARE(q, "SELECT sender, COUNT(*), COALESCE(SUM(size), 0) FROM envelopes"
                               " WHERE recipient = ? AND stored_ms < ? GROUP BY sender");
            q.bindValue(0, r);
            q.bindValue(1, qint64(cut));
            LIAISON_EXEC(q, "expired sum");
            while (q.next()) {
                const std::int64_t k = q.value(1).toLongLong(), b = q.value(2).toLongLong();
                n += k;
                bytes += b;
                bySender.insert(q.value(0).toByteArray(), {k, b});
            }
            q.finish();
        }
        if (auto rel = releaseSenderShares(*id, bySender); !rel)
            return std::unexpected(rel.error());
        {
            LIAISON_PREPARE(q, "DELETE FROM envelopes WHERE recipient = ? AND stored_ms < ?");
            q.bindValue(0, r);
            q.bindValue(1, qint64(cut));
            LIAISON_EXEC(q, "expired delete");
            q.finish();
        }
        {
            LIAISON_PREPARE(q, "UPDATE mailboxes SET depth = depth - ?, bytes = bytes - ?"
                               " WHERE recipient = ?");
            q.bindValue(0, qint64(n));
            q.bindValue(1, qint64(bytes));
            q.bindValue(2, r);
            LIAISON_EXEC(q, "expired mailbox");
            q.finish();
        }
        c.envelopes += n;
    }
    {
        LIAISON_PREPARE(q, "DELETE FROM stream_index WHERE stored_ms < ?");
        q.bindValue(0, qint64(cut));
        LIAISON_EXEC(q, "stream index purge");
        c.streamIndex = q.numRowsAffected();
        q.finish();
    }
    {
        LIAISON_PREPARE(q, "DELETE FROM enrol_submissions WHERE device_id IN (SELECT device_id"
                           " FROM enrol_slots WHERE expires_ms < ?)");
        q.bindValue(0, qint64(nowMs - kEnrolKeepAfterExpiryMs));
        LIAISON_EXEC(q, "enrol purge");
        q.finish();
        LIAISON_PREPARE(s, "DELETE FROM enrol_slots WHERE expires_ms < ?");
        s.bindValue(0, qint64(nowMs - kEnrolKeepAfterExpiryMs));
        LIAISON_EXEC(s, "enrol slot purge");
        s.finish();
    }
    {
        LIAISON_PREPARE(q, "DELETE FROM wipes WHERE done_ms IS NOT NULL AND done_ms < ?");
        q.bindValue(0, qint64(cut));
        LIAISON_EXEC(q, "wipe purge");
        q.finish();
    }
    return c;
}

} // namespace liaison::relay
