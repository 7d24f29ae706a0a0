// DESIGN.md "Relay": the relay store's hot paths on PostgreSQL (an append, a mailbox read), each
// one statement with binary parameters on the store's libpq connection (pgconn.h). DbPool runs
// them in autocommit, or back to back in one transaction of its group commit (beginGroup): one
// WAL flush then acknowledges every request of the group. The SQLite paths and the rest of the
// PostgreSQL statements are in relaystore.cpp.

#include "pgconn.h"
#include "relaystore.h"

#include <QtEndian>

#include <limits>

namespace liaison::relay {

namespace {

std::optional<DeviceRecord> deviceFrom(const PgResult &r, int first, const crypto::Id16 &id)
{
    if (r.isNull(0, first + 1))
        return std::nullopt;
    DeviceRecord d;
    d.id = id;
    if (auto k = crypto::SignPublicKey::fromBytes(r.bytes(0, first)))
        d.signKey = *k;
    d.state = DeviceState(r.int8(0, first + 1));
    d.version = r.int8(0, first + 2);
    return d;
}

// Spends the nonce ($1 key id, $2 nonce, $3 request time) unless the legacy table has it.
#define LIAISON_PG_NONCE                                                                           \
    "n AS (INSERT INTO nonces (req_ms, key_id, nonce) SELECT $3, $1, $2 WHERE NOT EXISTS"          \
    " (SELECT 1 FROM nonces_legacy l WHERE l.key_id = $1 AND l.nonce = $2)"                        \
    " ON CONFLICT DO NOTHING RETURNING 1)"

// One statement, all or nothing: spend the nonce and read the caller's and recipient's
// registrations; if the request is admissible, the stream position free and the mailbox not
// full, advance the mailbox's cursor (this takes its row lock, held to the commit, so cursors of
// one mailbox follow commit order), index the position, store the envelope and notify every
// relay listening (at commit).
// $4 caller device id, $5 recipient, $6 caller is a device, $7 its key, $8 check the
// recipient, $9 size, $10 mailbox depth limit, $11 sender, $12 epoch, $13 seq, $14 sender's
// count limit, $15 sender's bytes limit less this size, $16 env hash, $17 now, $18 data,
// $19 channel, $20 recipient (hex).
constexpr char kAppendSql[] =
    "WITH " LIAISON_PG_NONCE ","
    " c AS (SELECT sign_pk, state, version FROM devices WHERE device_id = $4),"
    " r AS (SELECT state FROM devices WHERE device_id = $5),"
    " ok AS (SELECT 1 AS yes WHERE EXISTS (SELECT 1 FROM n)"
    " AND (NOT $6 OR EXISTS (SELECT 1 FROM c WHERE sign_pk = $7 AND state IN (1, 2)))"
    " AND (NOT $8 OR EXISTS (SELECT 1 FROM r WHERE state IN (1, 2)))),"
    " m AS (UPDATE mailboxes SET next_cursor = next_cursor + 1, depth = depth + 1,"
    " bytes = bytes + $9 WHERE recipient = $5 AND depth < $10 AND EXISTS (SELECT 1 FROM ok)"
    " AND NOT EXISTS (SELECT 1 FROM stream_index WHERE sender = $11 AND recipient = $5"
    " AND epoch = $12 AND seq = $13)"
    " AND NOT EXISTS (SELECT 1 FROM mailbox_senders WHERE recipient = $5 AND sender = $11"
    " AND (depth >= $14 OR (depth > 0 AND bytes > $15)))"
    " RETURNING next_cursor - 1 AS cursor),"
    " s AS (INSERT INTO stream_index (sender, recipient, epoch, seq, env_hash, stored_ms, cursor)"
    " SELECT $11, $5, $12, $13, $16, $17, cursor FROM m),"
    " e AS (INSERT INTO envelopes (recipient, cursor, sender, epoch, seq, env_hash, size, data,"
    " stored_ms) SELECT $5, cursor, $11, $12, $13, $16, $9, $18, $17 FROM m RETURNING cursor),"
    " q AS (INSERT INTO mailbox_senders (recipient, sender, depth, bytes)"
    " SELECT $5, $11, 1, $9 FROM m ON CONFLICT (recipient, sender)"
    " DO UPDATE SET depth = mailbox_senders.depth + 1,"
    " bytes = mailbox_senders.bytes + EXCLUDED.bytes)"
    " SELECT (SELECT cursor FROM e), (SELECT pg_notify($19, $20) FROM e),"
    " (SELECT count(*) FROM n), (SELECT sign_pk FROM c), (SELECT state FROM c),"
    " (SELECT version FROM c), (SELECT state FROM r), (SELECT count(*) FROM ok)";

// Why an admissible append wrote nothing: who holds the stream position, whether the mailbox
// exists, and the sender's share of it. $1 sender, $2 recipient, $3 epoch, $4 seq.
constexpr char kAppendRefusalSql[] =
    "SELECT (SELECT env_hash FROM stream_index WHERE sender = $1 AND recipient = $2"
    " AND epoch = $3 AND seq = $4), (SELECT count(*) FROM mailboxes WHERE recipient = $2),"
    " (SELECT depth FROM mailbox_senders WHERE recipient = $2 AND sender = $1),"
    " (SELECT bytes FROM mailbox_senders WHERE recipient = $2 AND sender = $1)";

// Spends the nonce, reads the caller's registration ($4) and the cursors and sizes of a page
// of the mailbox ($5 recipient, $6 after, $7 limit, $8-$9 the lane's epochs), and whether the
// mailbox holds mail of epochs $11-$12 past cursor $10 (the priority lane, for a bulk read).
constexpr char kMailboxSql[] =
    "WITH " LIAISON_PG_NONCE
    " SELECT (SELECT count(*) FROM n), d.sign_pk, d.state, d.version, e.cursor, e.size,"
    " EXISTS (SELECT 1 FROM envelopes WHERE recipient = $5 AND cursor > $10 AND epoch >= $11"
    " AND epoch < $12)"
    " FROM (SELECT 1) AS one LEFT JOIN devices d ON d.device_id = $4"
    " LEFT JOIN LATERAL (SELECT cursor, size FROM envelopes WHERE recipient = $5 AND cursor > $6"
    " AND epoch >= $8 AND epoch < $9 ORDER BY cursor LIMIT $7) e ON true ORDER BY e.cursor";

constexpr char kPageDataSql[] = "SELECT cursor, data FROM envelopes WHERE recipient = $1"
                                " AND cursor >= $2 AND cursor <= $3 AND epoch >= $4"
                                " AND epoch < $5 ORDER BY cursor";

#undef LIAISON_PG_NONCE

} // namespace

Result<AdmittedAppend> RelayStore::pgAdmitAndAppend(const RequestAuth &auth, bool checkRecipient,
                                                    const EnvelopeKey &key, const QByteArray &data,
                                                    const AppendLimits &limits)
{
    AdmittedAppend out;
    constexpr std::int64_t kNone = std::numeric_limits<std::int64_t>::max();
    const std::int64_t maxDepth = limits.maxDepth > 0 ? limits.maxDepth : kNone;
    const std::int64_t senderCount = limits.senderMaxCount > 0 ? limits.senderMaxCount : kNone;
    // bytes + size > max, as bytes > max - size (no overflow with "none").
    const std::int64_t senderBytes =
        limits.senderMaxBytes > 0 ? limits.senderMaxBytes - data.size() : kNone;
    const QByteArray recipient = key.recipient.toByteArray();
    const QByteArray sender = key.sender.toByteArray();
    // Two identical envelopes racing on two connections: the second waits for the mailbox's row
    // lock, then fails on the stream index's primary key and writes nothing. On its own
    // (autocommit) it runs once more (its fresh nonce row was rolled back with it) and then
    // finds the first: Duplicate. In a group, DbPool runs the group's work again one by one.
    Result<PgResult> r = std::unexpected(Error(Errc::Io, QString()));
    for (int attempt = 0;; ++attempt) {
        r = m_pq->run("envelope append", kAppendSql,
                      {PgParam::text(auth.keyId),
                       PgParam::bytea(auth.nonce),
                       PgParam::int8(auth.requestMs),
                       PgParam::bytea(auth.device ? auth.device->toByteArray() : QByteArray("")),
                       PgParam::bytea(recipient),
                       PgParam::boolean(auth.device.has_value()),
                       PgParam::bytea(auth.deviceKey.toByteArray()),
                       PgParam::boolean(checkRecipient),
                       PgParam::int8(data.size()),
                       PgParam::int8(maxDepth),
                       PgParam::bytea(sender),
                       PgParam::int8(key.epoch),
                       PgParam::int8(std::int64_t(key.seq)),
                       PgParam::int8(senderCount),
                       PgParam::int8(senderBytes),
                       PgParam::bytea(key.envHash.toByteArray()),
                       PgParam::int8(auth.nowMs),
                       PgParam::bytea(data),
                       PgParam::text(kNotifyChannel),
                       PgParam::text(key.recipient.toHex())});
        if (r && r->rows() == 1)
            break;
        if (attempt > 0 || !m_pqAutocommit || !m_pq->isOpen())
            return r ? fail(Errc::Io, QStringLiteral("envelope append returned no row"))
                     : std::unexpected(r.error());
    }
    const PgResult &row = *r;
    out.admit.freshNonce = row.int8(0, 2) == 1;
    if (auth.device)
        out.admit.device = deviceFrom(row, 3, *auth.device);
    if (!row.isNull(0, 6))
        out.recipientState = DeviceState(row.int8(0, 6));
    out.attempted = row.int8(0, 7) == 1;
    if (!out.attempted)
        return out;
    if (!row.isNull(0, 0)) {
        out.append.result = AppendResult::Stored;
        out.append.cursor = row.int8(0, 0);
        return out;
    }
    // Admissible but nothing written: say why (on this connection: a group's earlier appends
    // are not committed yet).
    auto why = m_pq->run("append refusal", kAppendRefusalSql,
                         {PgParam::bytea(sender), PgParam::bytea(recipient),
                          PgParam::int8(key.epoch), PgParam::int8(std::int64_t(key.seq))});
    if (!why)
        return std::unexpected(why.error());
    if (!why->isNull(0, 0)) {
        const auto stored = crypto::Hash32::fromBytes(why->bytes(0, 0));
        if (stored && *stored == key.envHash) {
            out.append.result = AppendResult::Duplicate;
        } else {
            out.append.result = AppendResult::Conflict;
            if (stored)
                out.append.storedHash = *stored;
        }
        return out;
    }
    if (why->int8(0, 1) == 0) {
        out.append.result = AppendResult::UnknownRecipient;
        return out;
    }
    const std::int64_t depth = why->int8(0, 2), bytes = why->int8(0, 3);
    if (limits.senderMaxCount > 0 && depth >= limits.senderMaxCount)
        out.append.result = AppendResult::SenderCountFull;
    else if (limits.senderMaxBytes > 0 && depth > 0 && bytes + data.size() > limits.senderMaxBytes)
        out.append.result = AppendResult::SenderBytesFull;
    else
        out.append.result = AppendResult::MailboxFull;
    return out;
}

Result<std::pair<AdmitFacts, StoredBatch>> RelayStore::pgAdmitAndReadMailbox(
    const RequestAuth &auth, const crypto::Id16 &recipient, std::int64_t after, int limit,
    std::int64_t maxBytes, protocol::EpochRange epochs, std::optional<std::int64_t> priorityAfter)
{
    // One round trip spends the nonce, reads the caller's registration and the page's cursors
    // and sizes (the relay drops the page if the request is refused); then the data of the rows
    // that fit the byte budget.
    const QByteArray mailbox = recipient.toByteArray();
    const protocol::EpochRange priority = protocol::epochsOfLane(protocol::Lane::Priority);
    auto r = m_pq->run(
        "nonce and mailbox read", kMailboxSql,
        {PgParam::text(auth.keyId), PgParam::bytea(auth.nonce), PgParam::int8(auth.requestMs),
         PgParam::bytea(auth.device ? auth.device->toByteArray() : QByteArray("")),
         PgParam::bytea(mailbox), PgParam::int8(after), PgParam::int8(std::int64_t(limit) + 1),
         PgParam::int8(epochs.first), PgParam::int8(epochs.end),
         // (Not asked: an empty range, which the index answers at once.)
         PgParam::int8(priorityAfter.value_or(0)), PgParam::int8(priority.first),
         PgParam::int8(priorityAfter ? priority.end : priority.first)});
    if (!r)
        return std::unexpected(r.error());
    if (r->rows() == 0)
        return fail(Errc::Io, QStringLiteral("mailbox statement returned no row"));
    std::optional<bool> priorityWaiting;
    if (priorityAfter)
        priorityWaiting = r->int8(0, 6) != 0; // (a binary bool: one byte)
    AdmitFacts facts;
    facts.freshNonce = r->int8(0, 0) == 1;
    if (auth.device)
        facts.device = deviceFrom(*r, 1, *auth.device);
    QList<PageRow> rows;
    for (int i = 0; i < r->rows(); ++i)
        if (!r->isNull(i, 4))
            rows.append({r->int8(i, 4), r->int8(i, 5)});
    if (!facts.freshNonce || rows.isEmpty()) {
        StoredBatch none;
        none.priorityWaiting = priorityWaiting;
        return std::pair{facts, std::move(none)};
    }

    constexpr std::int64_t kItemHead = 12;
    StoredBatch page;
    page.priorityWaiting = priorityWaiting;
    std::int64_t total = 0;
    const qsizetype n = rowsThatFit(rows, limit, maxBytes, &total);
    page.more = rows.size() > n;
    page.encoded.reserve(qsizetype(total));
    // The data in runs of about kLoadChunkBytes (or one row), so that what libpq holds of a
    // result besides the page is at most that or one envelope.
    constexpr std::int64_t kLoadChunkBytes = 1 << 20;
    for (qsizetype i = 0; i < n;) {
        qsizetype j = i;
        std::int64_t chunk = 0;
        while (j < n && (j == i || chunk + rows[j].size <= kLoadChunkBytes))
            chunk += rows[j++].size;
        auto d = m_pq->run("page data", kPageDataSql,
                           {PgParam::bytea(mailbox), PgParam::int8(rows[i].key),
                            PgParam::int8(rows[j - 1].key), PgParam::int8(epochs.first),
                            PgParam::int8(epochs.end)});
        if (!d)
            return std::unexpected(d.error());
        for (int k = 0; k < d->rows(); ++k) {
            const std::int64_t cursor = d->int8(k, 0);
            const QByteArray bytes = d->bytes(k, 1);
            char head[kItemHead];
            qToBigEndian<quint64>(quint64(cursor), head);
            qToBigEndian<quint32>(quint32(bytes.size()), head + 8);
            page.encoded.append(head, kItemHead);
            page.encoded.append(bytes);
            ++page.count;
            page.lastKey = cursor;
        }
        i = j;
    }
    return std::pair{facts, std::move(page)};
}

} // namespace liaison::relay
