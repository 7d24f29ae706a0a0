#pragma once

// Payloads of the record-carrying kinds (the body {kind, created, payload} is sync/protocol's).
// Each is a CBOR map with small-integer keys in canonical order; decoders reject unknown keys,
// missing keys and anything not in canonical form.
//
//   DELTA        {0: [operation, ...]}                       (non-empty)
//   SCOPE_JOIN   {0: scope, 1: part (1..n), 2: n, 3: [operation, ...]}
//   SCOPE_LEAVE  {0: scope}
//   REJECT       {0: operation, 1: reason (uint), 2: record state}   2 absent: HQ shows nothing
//                (no such record, or it is outside the device's scopes)
//   snapshot     {0: [operation, ...]}  (the records part of RESYNC, streams' Resync::Snapshot)

#include "error.h"
#include "model/operation.h"

#include <QCborValue>
#include <QList>
#include <QString>

#include <optional>

namespace liaison::model {

struct DeltaPayload
{
    QList<Operation> ops;
    [[nodiscard]] QCborValue toCbor() const;
    [[nodiscard]] static Result<DeltaPayload> fromCbor(const QCborValue &value);
};

struct ScopeJoinPayload
{
    QString scope;
    int part = 1; // 1-based
    int parts = 1;
    QList<Operation> ops; // may be empty (a scope with no records yet)
    [[nodiscard]] QCborValue toCbor() const;
    [[nodiscard]] static Result<ScopeJoinPayload> fromCbor(const QCborValue &value);
};

struct ScopeLeavePayload
{
    QString scope;
    [[nodiscard]] QCborValue toCbor() const;
    [[nodiscard]] static Result<ScopeLeavePayload> fromCbor(const QCborValue &value);
};

// Why HQ refused a device operation. Wire values: never renumber.
enum class RejectReason : std::uint8_t {
    OriginNotSender = 1, // stamp.origin is not the authenticated sender
    HqOnlyType = 2,      // CaseSummary, Instruction, ScheduleItem
    NotOwner = 3,        // another author's Acknowledgement, FieldReport or CheckIn
    OutOfScope = 4,      // the device is not a member of the operation's scope
    ClockAhead = 5,      // stamped more than 10 min ahead of HQ's clock
    ScopeChanged = 6,    // the record exists with another scope or type
    DeviceNotActive = 7, // wipe-only or revoked device: quarantined
    Invalid = 8,         // fails the schema
};
[[nodiscard]] const char *rejectReasonName(RejectReason reason);

struct RejectPayload
{
    Operation op;
    RejectReason reason = RejectReason::Invalid;
    std::optional<RecordState> authoritative;
    [[nodiscard]] QCborValue toCbor() const;
    [[nodiscard]] static Result<RejectPayload> fromCbor(const QCborValue &value);
};

struct SnapshotPayload
{
    QList<Operation> ops; // may be empty
    [[nodiscard]] QCborValue toCbor() const;
    [[nodiscard]] static Result<SnapshotPayload> fromCbor(const QCborValue &value);
};

// Splits operations into chunks whose encoded size stays under maxBytes (a single larger
// operation gets a chunk of its own). Always at least one chunk (possibly empty).
[[nodiscard]] QList<QList<Operation>> chunkOperations(const QList<Operation> &ops,
                                                      qsizetype maxBytes);

// Operations as a CBOR array and back (used by DELTA, SCOPE_JOIN and RESYNC snapshots).
[[nodiscard]] QCborArray operationsToCbor(const QList<Operation> &ops);
[[nodiscard]] Result<QList<Operation>> operationsFromCbor(const QCborValue &value);

} // namespace liaison::model
