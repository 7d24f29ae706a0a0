#pragma once

// The records of one replica (a device vault or HQ's store) over a store::Database: every record
// type of DESIGN.md "Data" with per-field HLC stamps and provenance, tombstones, the replica's
// scopes, a change log (outbox) of local operations, and the FTS4 contact search table.
//
// Merge (the same on every replica, commutative, associative and idempotent):
//  - per field, the value with the largest stamp wins (equal stamps: the larger canonical CBOR
//    value, so even a reused stamp cannot make replicas differ); the stamp, and with it the
//    origin, is kept per field;
//  - deletion wins: once any tombstone exists the record is deleted, its field values are dropped
//    and later field writes are ignored; the largest tombstone stamp is kept; undelete = new id;
//  - a record's type and scope never change: an operation naming another one is refused.
//
// Local edits are stamped by the HybridClock, merged, and appended to the outbox in one
// SAVEPOINT. Remote operations (DELTA, SCOPE_JOIN, RESYNC, REJECT) are merged under a guard that
// makes any outbox write fail, so they are never re-queued. Every write uses a SAVEPOINT, so it
// joins the caller's transaction when one is open (the receiver's) and is atomic on its own
// otherwise. Prepared statements are made once in open() and reused.

#include "crypto/bytes.h"
#include "error.h"
#include "model/hlc.h"
#include "model/operation.h"
#include "model/payloads.h"
#include "store/database.h"

#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace liaison::model {

enum class ReplicaRole {
    Device, // holds only its scopes; writes Contacts in them and its own author-only records
    Hq,     // holds every scope; writes everything except device-authored types
};

// Who may write what (DESIGN.md "Data"). `isOwner`: for AuthorOnly types, whether the writer
// created the record (true for a create).
[[nodiscard]] bool mayWrite(ReplicaRole writer, RecordType type, bool isOwner);

// The header row of a record (what HQ's validator looks at).
struct RecordHeader
{
    RecordId id;
    RecordType type = RecordType::Contact;
    QString scope;
    std::optional<crypto::Id16> owner; // AuthorOnly types
    std::optional<Hlc> tombstone;      // set when deleted
};

struct OutboxEntry
{
    qint64 seq = 0; // local change-log sequence, rising
    Operation op;
};

// An operation of this device that HQ refused or that could not be delivered (DESIGN.md "Data":
// nothing an officer writes is lost silently).
inline constexpr int kHeldScopeClosed = 200; // reason: its scope closed before it was sent
struct HeldOperation
{
    qint64 id = 0;
    Operation op;                       // what the officer wrote
    int reason = 0;                     // a RejectReason, or kHeldScopeClosed
    std::optional<RecordState> hqState; // HQ's value when it refused (if it sent one)
    qint64 atMs = 0;                    // when it was held
    bool willRetry = false;             // re-stamped and re-issued (ClockAhead); else final
};

struct ApplyStats
{
    int operations = 0; // operations merged
    int changed = 0;    // of those, how many changed the replica's state
};

class RecordStore
{
public:
    RecordStore(store::Database &db, const Clock &clock, const crypto::Id16 &self,
                ReplicaRole role);
    ~RecordStore();
    RecordStore(const RecordStore &) = delete;
    RecordStore &operator=(const RecordStore &) = delete;

    // The records layer's schema. The composition root puts these first in
    // OpenOptions::migrations (then the stream layer's, then HQ's); later migrations of this
    // layer are only ever appended.
    [[nodiscard]] static std::vector<store::Migration> migrations();

    // Prepares statements and restores the persisted HLC high-water mark. Call once after the
    // database is open and migrated.
    [[nodiscard]] Status open();

    [[nodiscard]] HybridClock &clock() { return m_hlc; }
    // A verified HQ time (HEARTBEAT, RESYNC): raises the clock's lower bound and persists it with
    // the boot id, so it holds across unlocks and restarts.
    [[nodiscard]] Status setReference(qint64 hqTimeMs);
    // HQ refused one of our stamps as ClockAhead: persisted, see HybridClock::noteWallAhead.
    [[nodiscard]] Status noteWallAhead();
    // ... in an envelope sealed at hqTimeMs: see HybridClock::lowerReference (persisted).
    [[nodiscard]] Status lowerReference(qint64 hqTimeMs);
    // Edits refused because the record carried a stamp far ahead of this replica's time (an HQ
    // clock excursion): the app shows an alarm.
    [[nodiscard]] int futureStampedEdits() const { return m_futureStamped; }
    // HQ (review M9): HQ's stamps are bounded by the time last confirmed, the reference of its
    // clock, which HQ raises to its own wall clock at each local edit and to the relay's clock
    // (Liaison-Time of its answers, RecordStore::setReference); on the same boot it grows with the
    // boot clock. A local edit while HQ's wall clock is more than 10 min (kPoisonedAheadMs) ahead
    // of it (set ahead, or jumped) is Refused loudly and counted here instead of stamping records
    // into the future, where no device edit could win over them. HQ's stamps still come from its
    // wall clock only (the reference bounds, it never stamps: a relay cannot push HQ's stamps).
    [[nodiscard]] int hqClockAheadRefusals() const { return m_hqClockAhead; }
    [[nodiscard]] store::Database &db() { return m_db; }
    [[nodiscard]] const crypto::Id16 &self() const { return m_self; }
    [[nodiscard]] ReplicaRole role() const { return m_role; }
    // Where create() takes a new record's id: newRecordId() (libsodium) unless a source is set.
    // A simulation sets one drawn from its seed, so a seed replays the same run.
    void setIdSource(std::function<RecordId()> source) { m_idSource = std::move(source); }

    // ---- local edits: stamped, merged and queued in the outbox ----
    // Refused when the writer rules forbid it or (device) the scope is not held.
    [[nodiscard]] Result<Operation> create(RecordType type, const QString &scope, FieldMap fields);
    // Only fields whose value differs are written; nullopt when nothing changed. The stamp is
    // above every current stamp of the record, so a local edit always takes effect locally; an
    // edit that would not (the record carries a stamp far in the future) is Refused, never
    // reported as saved.
    [[nodiscard]] Result<std::optional<Operation>> update(const RecordId &id, FieldMap changes);
    // HQ may also delete author-only records (FieldReport, CheckIn, Acknowledgement): an
    // HQ-only tombstone, so the desk can remove spam; it never writes their fields.
    [[nodiscard]] Result<Operation> remove(const RecordId &id);

    // ---- remote operations: merged, never queued ----
    // Operations must come from Operation::fromCbor/decode (or have passed validate()): field
    // values are taken as checked and canonical; only the shape is checked again.
    [[nodiscard]] Result<ApplyStats> applyRemote(const Operation &op);
    // One SAVEPOINT, prepared statements reused, FTS refreshed once per contact at the end.
    [[nodiscard]] Result<ApplyStats> applyRemoteBatch(std::span<const Operation> ops);
    // REJECT of one of this replica's operations: every field (or the tombstone) that still
    // carries the rejected operation's stamp takes HQ's authoritative value, or disappears if HQ
    // has none; then HQ's state is merged. The record converges to HQ's values.
    [[nodiscard]] Result<ApplyStats> applyReject(const RejectPayload &reject);
    // SCOPE_JOIN part: holds the scope from the first part on, merges the part's operations.
    [[nodiscard]] Result<ApplyStats> applyScopeJoin(const ScopeJoinPayload &join);
    // SCOPE_LEAVE: purge at once.
    [[nodiscard]] Status applyScopeLeave(const ScopeLeavePayload &leave);
    // RESYNC: replaces every record with the snapshot, holds exactly `scopes`, drops outbox
    // entries of other scopes and re-merges the local outbox on top (edits not yet sent).
    [[nodiscard]] Result<ApplyStats> resetToSnapshot(const QStringList &scopes,
                                                     std::span<const Operation> snapshot);

    // ---- held operations (what HQ refused or what could not be delivered) ----
    [[nodiscard]] Result<QList<HeldOperation>> heldOperations() const;
    // Re-stamps (above the record's stamps) and queues again every operation HQ refused for its
    // clock, once a verified HQ time exists. Returns how many were queued.
    [[nodiscard]] Result<int> reissueHeld();
    // The officer has seen a final one (not delivered); retried ones stay until re-issued.
    [[nodiscard]] Status dismissHeld(qint64 id);

    // ---- scopes ----
    [[nodiscard]] QStringList scopes() const; // held scopes (device), sorted
    [[nodiscard]] bool holdsScope(const QString &scope) const;
    [[nodiscard]] Status addScope(const QString &scope);
    // Deletes every record of the scope (fields, tombstones, search rows) and its outbox
    // entries, and stops holding it.
    [[nodiscard]] Status purgeScope(const QString &scope);
    // Scopes that have records in this store, sorted.
    [[nodiscard]] Result<QStringList> scopesWithRecords() const;

    // ---- reading ----
    [[nodiscard]] Result<std::optional<RecordHeader>> header(const RecordId &id) const;
    [[nodiscard]] Result<std::optional<RecordState>> record(const RecordId &id) const;
    // Records of the scopes (deleted ones included), by id.
    [[nodiscard]] Result<QList<RecordState>> records(const QStringList &scopes) const;
    // The operations that rebuild the scopes on an empty replica (SCOPE_JOIN, RESYNC).
    [[nodiscard]] Result<QList<Operation>> snapshot(const QStringList &scopes) const;
    // Deterministic text of the scopes' records (ids, types, scopes, tombstones, every field
    // value and stamp), for comparing replicas.
    [[nodiscard]] Result<QByteArray> canonicalDump(const QStringList &scopes) const;
    // Contacts matching every word of `query` as a prefix (name, organisation, role, country,
    // tags; diacritics ignored), by id.
    [[nodiscard]] Result<QList<RecordId>> searchContacts(const QString &query,
                                                         int limit = 100) const;
    // The contact list as the app shows it, without reading whole records: every live contact
    // of the held scopes with the text it is sorted and grouped by. `key` names the contact in
    // matchContacts() while the store is open (its row number; reused only after a purge).
    struct ContactListEntry
    {
        qint64 key = 0;
        RecordId id;
        QString name;
        QString organisation;
        QString country;
        // The first letters of the words of its name, organisation, role, country and tags as
        // the search index folds them, one bit each (initialBit); kUnknownInitials when a word
        // holds a character whose folding only the index knows.
        quint64 initials = 0;
    };
    static constexpr quint64 kUnknownInitials = quint64(1) << 63;
    [[nodiscard]] Result<QList<ContactListEntry>> contactList() const;
    // For a query that is one letter or digit a to z or 0 to 9 (any case, any punctuation
    // around it), the bit of ContactListEntry::initials its matches have: matchContacts(query)
    // is exactly the contacts with that bit, unless one has kUnknownInitials. Else -1.
    [[nodiscard]] static int initialBit(const QString &query);
    // The keys of every contact matching each word of `query` as a prefix (as searchContacts),
    // unordered and without a limit; empty for a query with no words.
    [[nodiscard]] Result<QList<qint64>> matchContacts(const QString &query) const;
    [[nodiscard]] Result<qint64> recordCount() const;

    // ---- outbox (the device's up-stream, HQ's own edits for fan-out) ----
    [[nodiscard]] Result<QList<OutboxEntry>> pendingOutbox(int limit = 1000) const;
    [[nodiscard]] Result<qint64> outboxCount() const;
    // Removes entries up to and including seq (they are now in a sealed envelope). Call in the
    // transaction that enqueues the envelope.
    [[nodiscard]] Status markSent(qint64 upToSeq);

    // Called after a write with the ids of records whose state changed. It may fire for changes
    // an outer transaction later rolls back; listeners re-read.
    void setChangeListener(std::function<void(const QList<RecordId> &)> listener)
    {
        m_listener = std::move(listener);
    }

private:
    struct Statements;
    struct Row;
    class RemoteGuard;

    [[nodiscard]] Result<std::optional<Row>> loadRow(const RecordId &id) const;
    [[nodiscard]] Result<bool> merge(const Operation &op);
    [[nodiscard]] Status checkLocalWrite(RecordType type, const QString &scope,
                                         const std::optional<crypto::Id16> &owner) const;
    [[nodiscard]] Result<Operation> commitLocal(Operation op);
    [[nodiscard]] Status enqueueOutbox(const Operation &op);
    [[nodiscard]] Status persistClock();
    [[nodiscard]] Status checkHqClock();
    [[nodiscard]] Status hold(const Operation &op, int reason, const QByteArray &reject,
                              bool retry);
    [[nodiscard]] Status holdUnsent(const QString &scope);
    [[nodiscard]] Status refreshSearch();
    [[nodiscard]] Status insertSearchRow(qint64 rid, const FieldMap &fields);
    [[nodiscard]] Status loadScopes();
    [[nodiscard]] Result<ApplyStats> mergeRemote(std::span<const Operation> ops, bool checkScope);
    void notify();

    store::Database &m_db;
    const crypto::Id16 m_self;
    const ReplicaRole m_role;
    HybridClock m_hlc;
    std::unique_ptr<Statements> m_st;
    QSet<QString> m_scopes;
    int m_remoteDepth = 0;
    int m_futureStamped = 0;
    int m_hqClockAhead = 0;
    QSet<qint64> m_searchDirty; // contact rids whose FTS row must be rebuilt
    QList<RecordId> m_changed;
    std::function<void(const QList<RecordId> &)> m_listener;
    std::function<RecordId()> m_idSource;
};

} // namespace liaison::model
