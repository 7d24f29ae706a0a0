#include "streamschema.h"

namespace liaison::streams {

namespace {

Status migration1(store::Database &db)
{
    static const char *const statements[] = {
        // Receiving side. state: 0 open, 1 frozen. gap_since_online: online-clock ms when the
        // oldest open gap was first seen (NULL: no gap). resync_wanted: 0 or a ResyncReason.
        "CREATE TABLE stream_in ("
        " sender BLOB NOT NULL, recipient BLOB NOT NULL, direction INTEGER NOT NULL,"
        " epoch INTEGER NOT NULL, applied_seq INTEGER NOT NULL, head_hash BLOB NOT NULL,"
        " state INTEGER NOT NULL DEFAULT 0, frozen_reason INTEGER NOT NULL DEFAULT 0,"
        " frozen_seq INTEGER NOT NULL DEFAULT 0, frozen_ms INTEGER NOT NULL DEFAULT 0,"
        " gap_since_online INTEGER, resync_wanted INTEGER NOT NULL DEFAULT 0,"
        " resync_wanted_ms INTEGER NOT NULL DEFAULT 0,"
        " peer_time_ms INTEGER NOT NULL DEFAULT 0, peer_time_local_ms INTEGER NOT NULL DEFAULT 0,"
        " peer_cert_serial INTEGER NOT NULL DEFAULT 0,"
        " peer_seen_epoch INTEGER NOT NULL DEFAULT 0, peer_seen_seq INTEGER NOT NULL DEFAULT 0,"
        " peer_seen_hash BLOB, peer_unlock_failures INTEGER NOT NULL DEFAULT 0,"
        " updated_ms INTEGER NOT NULL DEFAULT 0,"
        " PRIMARY KEY (sender, recipient))",
        "CREATE TABLE stream_parked ("
        " sender BLOB NOT NULL, recipient BLOB NOT NULL, epoch INTEGER NOT NULL,"
        " seq INTEGER NOT NULL, env_hash BLOB NOT NULL, bytes BLOB NOT NULL,"
        " received_ms INTEGER NOT NULL,"
        " PRIMARY KEY (sender, recipient, epoch, seq))",
        // reason: an EvidenceReason.
        "CREATE TABLE stream_evidence ("
        " id INTEGER PRIMARY KEY, sender BLOB NOT NULL, recipient BLOB NOT NULL,"
        " epoch INTEGER NOT NULL, seq INTEGER NOT NULL, env_hash BLOB NOT NULL,"
        " reason INTEGER NOT NULL, bytes BLOB NOT NULL, at_ms INTEGER NOT NULL)",
        // Every envelope applied in the current epoch (hash; bytes for the newest few, as the
        // applied side of a fork's evidence).
        "CREATE TABLE stream_applied ("
        " sender BLOB NOT NULL, recipient BLOB NOT NULL, epoch INTEGER NOT NULL,"
        " seq INTEGER NOT NULL, env_hash BLOB NOT NULL, bytes BLOB,"
        " PRIMARY KEY (sender, recipient, epoch, seq))",
        "CREATE UNIQUE INDEX stream_evidence_env ON stream_evidence (env_hash, reason)",
        "CREATE TABLE stream_out ("
        " recipient BLOB NOT NULL PRIMARY KEY, sender BLOB NOT NULL, direction INTEGER NOT NULL,"
        " epoch INTEGER NOT NULL, head_seq INTEGER NOT NULL, head_hash BLOB NOT NULL)",
        "CREATE TABLE stream_outbox ("
        " recipient BLOB NOT NULL, epoch INTEGER NOT NULL, seq INTEGER NOT NULL,"
        " env_hash BLOB NOT NULL, kind INTEGER NOT NULL, payload BLOB NOT NULL,"
        " bytes BLOB NOT NULL, created_ms INTEGER NOT NULL,"
        " delivered_ms INTEGER NOT NULL DEFAULT 0, reissued INTEGER NOT NULL DEFAULT 0,"
        " PRIMARY KEY (recipient, epoch, seq))",
        "CREATE INDEX stream_outbox_pending ON stream_outbox (delivered_ms, recipient)",
        "CREATE TABLE stream_alarm ("
        " id INTEGER PRIMARY KEY, type INTEGER NOT NULL, peer BLOB NOT NULL,"
        " direction INTEGER NOT NULL, epoch INTEGER NOT NULL, seq INTEGER NOT NULL,"
        " count INTEGER NOT NULL, at_ms INTEGER NOT NULL, seen INTEGER NOT NULL DEFAULT 0)",
        "CREATE TABLE stream_command ("
        " command_id BLOB NOT NULL PRIMARY KEY, type INTEGER NOT NULL,"
        " received_ms INTEGER NOT NULL)",
    };
    for (const char *sql : statements) {
        if (auto s = db.execute(sql); !s)
            return s;
    }
    return {};
}

// Issue 8 point 11 and point 4 across a RESYNC.
Status migration2(store::Database &db)
{
    static const char *const statements[] = {
        // Device: parts 1 .. n-1 of a multi-part snapshot (RESYNC or SCOPE_JOIN) of the current
        // epoch, applied together when part n arrives. scopes: the canonical CBOR of the
        // snapshot's scope list (every part must name the same).
        "CREATE TABLE stream_staged ("
        " sender BLOB NOT NULL, recipient BLOB NOT NULL, epoch INTEGER NOT NULL,"
        " seq INTEGER NOT NULL, kind INTEGER NOT NULL, part INTEGER NOT NULL,"
        " parts INTEGER NOT NULL, scopes BLOB NOT NULL, payload BLOB NOT NULL,"
        " PRIMARY KEY (sender, recipient, epoch, seq))",
        // Device: every REJECT envelope applied, in order or taken from an epoch a RESYNC
        // replaced (parked, late, frozen, far ahead), so none is applied twice.
        "CREATE TABLE stream_reject_taken ("
        " sender BLOB NOT NULL, recipient BLOB NOT NULL, env_hash BLOB NOT NULL,"
        " at_ms INTEGER NOT NULL,"
        " PRIMARY KEY (sender, recipient, env_hash))",
    };
    for (const char *sql : statements) {
        if (auto s = db.execute(sql); !s)
            return s;
    }
    return {};
}

// Priority lanes (DESIGN.md "Streams": `down!` / `up!`; protocol/lanes.h). stream_in and
// stream_out get one row per lane: `lane` joins their primary keys (0 bulk, 1 priority), so the
// tables are rebuilt; every existing row is the bulk lane's. stream_in.peer_features: HQ, the
// features the device's newest RECEIPT announced (protocol::ReceiptPayload::features).
// stream_parked, stream_applied and stream_outbox are keyed by epoch, which carries the lane.
Status laneMigration(store::Database &db)
{
    static const char *const statements[] = {
        "CREATE TABLE stream_in_lanes ("
        " sender BLOB NOT NULL, recipient BLOB NOT NULL, lane INTEGER NOT NULL DEFAULT 0,"
        " direction INTEGER NOT NULL,"
        " epoch INTEGER NOT NULL, applied_seq INTEGER NOT NULL, head_hash BLOB NOT NULL,"
        " state INTEGER NOT NULL DEFAULT 0, frozen_reason INTEGER NOT NULL DEFAULT 0,"
        " frozen_seq INTEGER NOT NULL DEFAULT 0, frozen_ms INTEGER NOT NULL DEFAULT 0,"
        " gap_since_online INTEGER, resync_wanted INTEGER NOT NULL DEFAULT 0,"
        " resync_wanted_ms INTEGER NOT NULL DEFAULT 0,"
        " peer_time_ms INTEGER NOT NULL DEFAULT 0, peer_time_local_ms INTEGER NOT NULL DEFAULT 0,"
        " peer_cert_serial INTEGER NOT NULL DEFAULT 0,"
        " peer_seen_epoch INTEGER NOT NULL DEFAULT 0, peer_seen_seq INTEGER NOT NULL DEFAULT 0,"
        " peer_seen_hash BLOB, peer_unlock_failures INTEGER NOT NULL DEFAULT 0,"
        " updated_ms INTEGER NOT NULL DEFAULT 0, peer_features INTEGER NOT NULL DEFAULT 0,"
        " PRIMARY KEY (sender, recipient, lane))",
        "INSERT INTO stream_in_lanes (sender, recipient, lane, direction, epoch, applied_seq,"
        " head_hash, state, frozen_reason, frozen_seq, frozen_ms, gap_since_online, resync_wanted,"
        " resync_wanted_ms, peer_time_ms, peer_time_local_ms, peer_cert_serial, peer_seen_epoch,"
        " peer_seen_seq, peer_seen_hash, peer_unlock_failures, updated_ms)"
        " SELECT sender, recipient, 0, direction, epoch, applied_seq, head_hash, state,"
        " frozen_reason, frozen_seq, frozen_ms, gap_since_online, resync_wanted, resync_wanted_ms,"
        " peer_time_ms, peer_time_local_ms, peer_cert_serial, peer_seen_epoch, peer_seen_seq,"
        " peer_seen_hash, peer_unlock_failures, updated_ms FROM stream_in",
        "DROP TABLE stream_in",
        "ALTER TABLE stream_in_lanes RENAME TO stream_in",
        "CREATE TABLE stream_out_lanes ("
        " recipient BLOB NOT NULL, lane INTEGER NOT NULL DEFAULT 0, sender BLOB NOT NULL,"
        " direction INTEGER NOT NULL, epoch INTEGER NOT NULL, head_seq INTEGER NOT NULL,"
        " head_hash BLOB NOT NULL, PRIMARY KEY (recipient, lane))",
        "INSERT INTO stream_out_lanes (recipient, lane, sender, direction, epoch, head_seq,"
        " head_hash) SELECT recipient, 0, sender, direction, epoch, head_seq, head_hash"
        " FROM stream_out",
        "DROP TABLE stream_out",
        "ALTER TABLE stream_out_lanes RENAME TO stream_out",
    };
    for (const char *sql : statements) {
        if (auto s = db.execute(sql); !s)
            return s;
    }
    return {};
}

} // namespace

std::vector<store::Migration> streamMigrations()
{
    return {migration1, migration2};
}

store::Migration streamLaneMigration()
{
    return laneMigration;
}

} // namespace liaison::streams
