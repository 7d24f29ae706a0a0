#pragma once

// The tables of the stream layer, for both the device and the HQ store. The composition root
// appends streamMigrations() to its own list in OpenOptions::migrations (after the records
// layer's). Stores number their migrations by one PRAGMA user_version across the layers, and
// roots put their own migrations after this list: so a later stream migration is NOT appended
// to it (that would shift the root's own) but handed out on its own, and each root appends it
// at the END of its list: streamLaneMigration().
//
//  stream_in       receiving side, one row per (sender, recipient, lane): epoch, applied head,
//  frozen,
//                  gap timer, resync wanted, last HEARTBEAT / RECEIPT seen
//  stream_parked   envelopes applied+1 < seq <= applied+2000, kept until the gap fills
//  stream_evidence fork and sender-fault envelopes, both sides of a fork
//  stream_out      sending side, one row per (recipient, lane): epoch, head
//  stream_outbox   every envelope sent: full bytes, body for re-issue, delivered time
//  stream_alarm    alarms (ids and counts only)
//  stream_command  command ids already seen (a command runs once)
//  stream_staged   device: parts 1..n-1 of a multi-part RESYNC / SCOPE_JOIN, applied at part n
//  stream_reject_taken  device: REJECT envelopes applied (none twice, also from replaced epochs)

#include "store/database.h"

#include <vector>

namespace liaison::streams {

[[nodiscard]] std::vector<store::Migration> streamMigrations();
// Priority lanes (`lane` in stream_in and stream_out; existing rows become the bulk lane's).
// Every root appends it after all of its migrations of before the lanes.
[[nodiscard]] store::Migration streamLaneMigration();

} // namespace liaison::streams
