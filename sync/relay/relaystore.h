#pragma once

// The relay's storage over Qt SQL: one schema and one set of migrations for QSQLITE and QPSQL.
// One RelayStore is one connection and lives on one thread (Qt SQL connections are per-thread);
// DbPool owns them. Every statement is a prepared statement with bound values. On PostgreSQL a
// store also holds a libpq connection (pgconn.h) for the hot paths, an append and a mailbox
// read (pgstore.cpp): binary parameters, and DbPool's group commit (beginGroup).
//
// Consistency rules (DESIGN.md "Relay"):
// - cursors of a mailbox are assigned under the mailbox row lock (PostgreSQL: SELECT ... FOR
//   UPDATE; SQLite: the single writer), so cursor order is commit order and no reader skips an
//   envelope committed late;
// - (sender, recipient, epoch, seq) is unique by env_hash in stream_index, kept after delivery,
//   so a retry gets the same answer and another envelope for the same place gets 409;
// - nonces are rows of the shared database, inserted in the caller's transaction, keyed by
//   (request time, key id, nonce): a replay is the same signed bytes.

#include "crypto/bytes.h"
#include "error.h"
#include "protocol/lanes.h"
#include "protocol/relaybatch.h"
#include "relayconfig.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>

#include <cstdint>
#include <memory>
#include <optional>

namespace liaison::relay {

class PgConn;

enum class DeviceState : int { Deleted = 0, Active = 1, WipeOnly = 2, Revoked = 3 };

[[nodiscard]] const char *deviceStateName(DeviceState s);
[[nodiscard]] std::optional<DeviceState> deviceStateFromName(QByteArrayView name);

struct DeviceRecord
{
    crypto::Id16 id;
    crypto::SignPublicKey signKey;
    DeviceState state = DeviceState::Deleted;
    std::int64_t version = 0;
};

// A page of a mailbox or stream, already in the wire form of protocol/relaybatch.h: the data of
// only the rows it returns was loaded, each row once, straight into `encoded`.
struct StoredBatch
{
    QByteArray encoded;
    int count = 0;
    std::int64_t lastKey = 0; // mailbox cursor or stream seq of the last item (count > 0)
    bool more = false;        // rows were left out (by the item limit or the byte budget)
    // A bulk-lane read that asked (priority_after): whether `down!` holds mail past that cursor,
    // read in the same statement or transaction as the page.
    std::optional<bool> priorityWaiting;
};

// The byte budget of one read: at most this many bytes of items, but always at least one item.
inline constexpr std::int64_t kDefaultReadBudgetBytes = 8LL << 20;

struct EnvelopeKey
{
    crypto::Id16 sender;
    crypto::Id16 recipient;
    std::uint32_t epoch = 0;
    std::uint64_t seq = 0;
    crypto::Hash32 envHash;
};

enum class AppendResult {
    Stored,
    Duplicate,
    Conflict,
    UnknownRecipient,
    MailboxFull,
    SenderCountFull, // this sender's envelopes waiting in the mailbox reached its quota
    SenderBytesFull, // ... or their bytes would pass it
};

// Limits of one append; 0 = none. maxDepth counts the whole mailbox; the sender quotas count
// only the sender's own envelopes in it (issue 9 point 5: one device cannot fill HQ's mailbox
// for the others).
struct AppendLimits
{
    std::int64_t maxDepth = 0;
    std::int64_t senderMaxCount = 0;
    std::int64_t senderMaxBytes = 0;
};

struct AppendOutcome
{
    AppendResult result = AppendResult::Stored;
    std::int64_t cursor = 0;
    crypto::Hash32 storedHash; // for Conflict: the env_hash already in place
};

// What admitting a signed request needs: was its nonce fresh (now spent), and the caller's
// registration when the caller is a device.
struct AdmitFacts
{
    bool freshNonce = false;
    std::optional<DeviceRecord> device;
};

// The signed request a piece of work is done for: its nonce (spent by the work) and, for a
// device, its id and key.
struct RequestAuth
{
    QByteArray keyId;
    QByteArray nonce;
    std::int64_t requestMs = 0; // the request's signed time (Liaison-Time): keys its nonce
    std::int64_t nowMs = 0;
    std::optional<crypto::Id16> device;
    crypto::SignPublicKey deviceKey;
};

// A device may make signed requests: registered with this key, active or wipe-only.
[[nodiscard]] bool deviceAdmissible(const std::optional<DeviceRecord> &d,
                                    const crypto::SignPublicKey &key);
// A device may receive envelopes from HQ: registered, active or wipe-only.
[[nodiscard]] bool recipientAdmissible(std::optional<DeviceState> state);

struct AdmittedAppend
{
    AdmitFacts admit;
    std::optional<DeviceState> recipientState; // HQ's envelopes: the recipient's registration
    bool attempted = false;                    // the request was admissible
    AppendOutcome append;                      // when attempted
};

struct EnrolSlot
{
    crypto::Hash32 tokenHash;
    std::int64_t expiresMs = 0;
    int submissionCount = 0;
    QList<QByteArray> submissions;
};

enum class SubmitResult { Stored, NoSlot, Expired, BadToken, Limit };

struct StoreStats
{
    std::int64_t envelopes = 0;
    std::int64_t bytes = 0;
};

struct PurgeCounts
{
    std::int64_t envelopes = 0;
    std::int64_t nonces = 0;
    std::int64_t streamIndex = 0;
};

// One `PRAGMA wal_checkpoint` (SQLite): frames in the WAL and how many of them are in the
// database file now.
struct WalCheckpoint
{
    bool busy = false;
    std::int64_t logFrames = 0;
    std::int64_t checkpointedFrames = 0;
};

inline constexpr std::int64_t kRetentionMs = protocol::kRelayRetentionMs;
inline constexpr std::int64_t kEnrolKeepAfterExpiryMs = 7LL * 24 * 3600 * 1000;
inline constexpr int kMaxEnrolSubmissions = 3;
inline constexpr char kNotifyChannel[] = "liaison_mail";

class RelayStore
{
public:
    ~RelayStore();
    RelayStore(const RelayStore &) = delete;
    RelayStore &operator=(const RelayStore &) = delete;

    // Opens a connection named `connectionName` on the calling thread.
    [[nodiscard]] static Result<std::unique_ptr<RelayStore>> open(const DbUrl &url,
                                                                  const QString &connectionName);
    // Creates or upgrades the schema (serialised between processes on PostgreSQL by an
    // advisory lock, on SQLite by the write lock).
    [[nodiscard]] Status migrate();
    [[nodiscard]] int schemaVersion();

    [[nodiscard]] bool isPostgres() const { return m_pg; }
    [[nodiscard]] bool isOpen() const;
    [[nodiscard]] Status ping();
    // The health check's write and read: stores `token` in relay_meta and reads it back.
    [[nodiscard]] Status probe(std::int64_t token);

    // SQLite only. Pages in the WAL after which a commit of this connection checkpoints
    // (SQLite's default 1000; 0 = never: the writer leaves checkpoints to DbPool's checkpointer).
    [[nodiscard]] Status setAutoCheckpoint(int pages);
    // SQLite only: PASSIVE copies what it can without waiting for anyone; RESTART waits for the
    // writer and readers (busy timeout), copies everything, and lets the next commit start the
    // WAL from its beginning.
    enum class CheckpointMode { Passive, Restart };
    [[nodiscard]] Result<WalCheckpoint> checkpoint(CheckpointMode mode);

    // PostgreSQL: a transaction on the libpq connection that admitAndAppend and
    // admitAndReadMailbox use (DbPool's group commit); without one each runs on its own.
    [[nodiscard]] Status beginGroup();
    [[nodiscard]] Status commitGroup();
    void rollbackGroup();

    [[nodiscard]] Status begin(bool write);
    [[nodiscard]] Status commit();
    void rollback();
    [[nodiscard]] Status savepoint();
    [[nodiscard]] Status releaseSavepoint();
    [[nodiscard]] Status rollbackToSavepoint();

    // false = (request time, key id, nonce) already seen: a replay (the same signed bytes).
    [[nodiscard]] Result<bool> insertNonce(QByteArrayView keyId, QByteArrayView nonce,
                                           std::int64_t requestMs);

    [[nodiscard]] Result<std::optional<DeviceRecord>> device(const crypto::Id16 &id);
    // Spends the nonce and reads the device's registration (deviceId null: no device); one
    // round trip on PostgreSQL.
    [[nodiscard]] Result<AdmitFacts> admitFacts(QByteArrayView keyId, QByteArrayView nonce,
                                                std::int64_t requestMs,
                                                const crypto::Id16 *deviceId);
    // Admission and the work in one go (one round trip each on PostgreSQL, which then needs no
    // transaction around them). The caller judges the facts; nothing is stored for a request
    // that is not admissible. checkRecipient: HQ's envelopes go only to admissible devices.
    [[nodiscard]] Result<AdmittedAppend> admitAndAppend(const RequestAuth &auth,
                                                        bool checkRecipient, const EnvelopeKey &key,
                                                        const QByteArray &data,
                                                        const AppendLimits &limits);
    [[nodiscard]] Result<std::pair<AdmitFacts, StoredBatch>>
    admitAndReadMailbox(const RequestAuth &auth, const crypto::Id16 &recipient, std::int64_t after,
                        int limit, std::int64_t maxBytes,
                        protocol::EpochRange epochs = protocol::EpochRange{},
                        std::optional<std::int64_t> priorityAfter = std::nullopt);
    // Applies only if `version` is newer than the stored one; returns whether it applied and
    // the version now stored.
    [[nodiscard]] Result<std::pair<bool, std::int64_t>> putDevice(const DeviceRecord &d,
                                                                  std::int64_t nowMs);
    [[nodiscard]] Result<std::pair<bool, std::int64_t>>
    deleteDevice(const crypto::Id16 &id, std::int64_t version, std::int64_t nowMs);

    // Inside a transaction: stores an envelope at the next cursor of its recipient's mailbox,
    // or says why not (Duplicate, Conflict, UnknownRecipient, MailboxFull: the caller rolls
    // back). Sends no NOTIFY: admitAndAppend is the path requests take.
    // Each sender's share of a mailbox shrinks by (envelopes, bytes) removed.
    [[nodiscard]] Status
    releaseSenderShares(const crypto::Id16 &recipient,
                        const QHash<QByteArray, std::pair<std::int64_t, std::int64_t>> &bySender);
    // Which sender quota an append of `size` bytes would pass (MailboxFull: neither).
    [[nodiscard]] Result<AppendResult> senderShare(const EnvelopeKey &key, qsizetype size,
                                                   const AppendLimits &limits);
    [[nodiscard]] Result<AppendOutcome> appendEnvelope(const EnvelopeKey &key,
                                                       const QByteArray &data, std::int64_t nowMs,
                                                       const AppendLimits &limits);
    // Items with cursor > after, in cursor order, at most `limit` items and `maxBytes` bytes
    // (but at least one item); only envelopes whose epoch is in `epochs` (a lane,
    // protocol/lanes.h; all by default).
    [[nodiscard]] Result<StoredBatch> readMailbox(const crypto::Id16 &recipient, std::int64_t after,
                                                  int limit, std::int64_t maxBytes,
                                                  protocol::EpochRange epochs = {});
    // Whether the recipient's mailbox holds an envelope of `epochs` with cursor > after.
    [[nodiscard]] Result<bool> hasMail(const crypto::Id16 &recipient, std::int64_t after,
                                       protocol::EpochRange epochs);
    // Deletes cursors <= through (if through >= 0) and the listed cursors. Returns the count.
    [[nodiscard]] Result<std::int64_t> ack(const crypto::Id16 &recipient, std::int64_t through,
                                           const QList<std::int64_t> &cursors);
    // Items of one stream with seq >= from, bounded as readMailbox.
    [[nodiscard]] Result<StoredBatch> readStream(const crypto::Id16 &sender,
                                                 const crypto::Id16 &recipient, std::uint32_t epoch,
                                                 std::int64_t from, int limit,
                                                 std::int64_t maxBytes);

    // HQ certificates: (serial, bytes) rows. insert refuses (AlreadyExists) another certificate
    // with the same serial.
    [[nodiscard]] Result<QList<QByteArray>> certificates();
    [[nodiscard]] Status insertCertificate(std::uint64_t serial, const QByteArray &bytes,
                                           std::int64_t notBefore, std::int64_t notAfter,
                                           const crypto::Id16 &deployment);

    [[nodiscard]] Status putEnrolSlot(const crypto::Id16 &device, const crypto::Hash32 &tokenHash,
                                      std::int64_t expiresMs);
    [[nodiscard]] Result<std::optional<EnrolSlot>> enrolSlot(const crypto::Id16 &device);
    [[nodiscard]] Result<std::pair<SubmitResult, int>>
    submitEnrolment(const crypto::Id16 &device, const crypto::Hash32 &tokenHash,
                    const QByteArray &data, std::int64_t nowMs);

    [[nodiscard]] Status putWipe(const crypto::Id16 &wipeId, const QByteArray &token,
                                 std::int64_t nowMs);
    [[nodiscard]] Result<std::optional<QByteArray>> wipeToken(const crypto::Id16 &wipeId);
    // NotFound when no token is published; stores only the first acknowledgement.
    [[nodiscard]] Status wipeDone(const crypto::Id16 &wipeId, const QByteArray &ack,
                                  std::int64_t nowMs);
    [[nodiscard]] Result<std::optional<QByteArray>> wipeAck(const crypto::Id16 &wipeId);

    [[nodiscard]] Result<StoreStats> stats();
    [[nodiscard]] Result<PurgeCounts> purge(std::int64_t nowMs);

private:
    RelayStore() = default;
    [[nodiscard]] Result<QSqlQuery *> prepared(const char *sql);
    [[nodiscard]] Status exec(const char *sql);
    [[nodiscard]] Error sqlError(const QString &context, const QSqlQuery &q) const;
    // Who holds this stream position: Stored (nobody), Duplicate (these bytes) or Conflict.
    [[nodiscard]] Result<AppendOutcome> storedStreamPosition(const EnvelopeKey &key);
    [[nodiscard]] Result<bool> lockMailbox(const crypto::Id16 &recipient, std::int64_t *nextCursor,
                                           std::int64_t *depth, bool forUpdate = true);

    // Picks the rows of a page from (key, size) rows (limit + 1 of them) and loads their data.
    struct PageRow
    {
        std::int64_t key;
        std::int64_t size;
    };
    [[nodiscard]] Result<StoredBatch> loadPage(const QList<PageRow> &rows, int limit,
                                               std::int64_t maxBytes, const char *dataSql,
                                               const QList<QVariant> &bindFirst);
    // How many of `rows` a page takes (at most `limit` and `maxBytes` on the wire, at least
    // one), and their bytes on the wire.
    [[nodiscard]] static qsizetype rowsThatFit(const QList<PageRow> &rows, int limit,
                                               std::int64_t maxBytes, std::int64_t *total);

    // PostgreSQL through libpq (pgstore.cpp).
    [[nodiscard]] Result<AdmittedAppend>
    pgAdmitAndAppend(const RequestAuth &auth, bool checkRecipient, const EnvelopeKey &key,
                     const QByteArray &data, const AppendLimits &limits);
    [[nodiscard]] Result<std::pair<AdmitFacts, StoredBatch>>
    pgAdmitAndReadMailbox(const RequestAuth &auth, const crypto::Id16 &recipient,
                          std::int64_t after, int limit, std::int64_t maxBytes,
                          protocol::EpochRange epochs, std::optional<std::int64_t> priorityAfter);

    QString m_name;
    bool m_pg = false;
    bool m_autocommit = true; // no explicit transaction open
    std::unique_ptr<PgConn> m_pq;
    bool m_pqAutocommit = true; // no transaction open on m_pq
    QHash<const char *, QSqlQuery *> m_queries;
};

} // namespace liaison::relay
