#pragma once

// DESIGN.md "Streams": "A multi-part snapshot is applied only when all its parts are there."
// A device stages parts 1..n-1 of a RESYNC or SCOPE_JOIN in stream_staged (the stream's head
// advances, nothing is applied) and hands all parts to the applier together, as part 1 of 1,
// when part n arrives (issue 8 point 11). The receiver (receiver.cpp) decides when; this file
// reads and writes the staging table. Every call joins the caller's transaction.

#include "error.h"
#include "streamtypes.h"

#include <QByteArray>

#include <optional>

namespace liaison::store {
class Database;
}

namespace liaison::streams {

// A part of a snapshot (RESYNC or SCOPE_JOIN part i of n) as the receiver sees it.
struct SnapshotPart
{
    Kind kind = Kind::Resync;
    std::uint32_t part = 1;
    std::uint32_t parts = 1;
    QByteArray scopes; // canonical CBOR of the scope list (SCOPE_JOIN: its one scope)
};

// The snapshot part a body is, if it is one (RESYNC, SCOPE_JOIN).
[[nodiscard]] std::optional<SnapshotPart> snapshotPartOf(const Body &body);

// What is staged of one epoch's snapshot.
struct Staging
{
    Kind kind = Kind::Resync;
    std::uint32_t parts = 0;    // 0: nothing staged
    std::uint32_t received = 0; // parts staged
    QByteArray scopes;
};

// One `down` stream in one epoch.
struct StreamKey
{
    Id16 sender;
    Id16 recipient;
    std::uint32_t epoch = 0;
};

[[nodiscard]] Result<Staging> stagedSnapshot(store::Database &db, const StreamKey &stream);
// Why an envelope (a snapshot part `p`, or anything else: nullopt) cannot come next, given what
// is staged (empty: it can).
[[nodiscard]] QString stagingFault(const Staging &staging, const std::optional<SnapshotPart> &p);
[[nodiscard]] Status stageSnapshotPart(store::Database &db, const StreamKey &stream,
                                       std::uint64_t seq, const SnapshotPart &p, const Body &body);
// The staged parts and the last one as one body (part 1 of 1): every part's operations, the rest
// as part 1 says.
[[nodiscard]] Result<Body> joinStagedSnapshot(store::Database &db, const StreamKey &stream,
                                              const Body &last);
// Everything staged from this sender (any epoch).
[[nodiscard]] Status clearStagedSnapshot(store::Database &db, const StreamKey &stream);

} // namespace liaison::streams
