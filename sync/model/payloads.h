#pragma once

// Typed views of the record-carrying payloads. The wire schemas (keys, parts, null) are
// sync/protocol's (protocol::DeltaPayload, ScopeJoinPayload, ScopeLeavePayload, RejectPayload,
// ResyncPayload); these structs encode and decode through them and add the record layer's checks:
// every operation and record state strictly against the schema of records.h.
//
//   DELTA        {0: [operation, ...]}                       (non-empty here)
//   SCOPE_JOIN   {0: scope, 1: part (1..n), 2: n, 3: [operation, ...]}  (ops all of that scope)
//   SCOPE_LEAVE  {0: scope}
//   REJECT       {0: operation, 1: reason, 2: record state or null}   null: HQ shows nothing
//                (no such record, or it is outside the device's scopes)
//   snapshot     [operation, ...]  (the ops of RESYNC's parts, streams::ResyncContent::ops)

#include "error.h"
#include "model/operation.h"
#include "protocol/body.h"

#include <QCborMap>
#include <QCborValue>
#include <QList>
#include <QString>

#include <optional>

namespace liaison::model {

struct DeltaPayload
{
    QList<Operation> ops;
    [[nodiscard]] QCborMap toCbor() const;
    [[nodiscard]] static Result<DeltaPayload> fromCbor(const QCborValue &value);
};

struct ScopeJoinPayload
{
    QString scope;
    int part = 1; // 1-based
    int parts = 1;
    QList<Operation> ops; // may be empty (a scope with no records yet)
    [[nodiscard]] QCborMap toCbor() const;
    [[nodiscard]] static Result<ScopeJoinPayload> fromCbor(const QCborValue &value);
};

struct ScopeLeavePayload
{
    QString scope;
    [[nodiscard]] QCborMap toCbor() const;
    [[nodiscard]] static Result<ScopeLeavePayload> fromCbor(const QCborValue &value);
};

// Why HQ refused a device operation. Values 1-7 are protocol::RejectPayload::Reason's wire values;
// the others exist only in HQ's verdicts (ScopeChanged travels as Invalid, DeviceNotActive is
// never answered: the device is quarantined).
enum class RejectReason : std::uint8_t {
    HqOnlyType = 1,        // CaseSummary, Instruction, ScheduleItem
    NotOwner = 2,          // another author's Acknowledgement, FieldReport or CheckIn
    OutOfScope = 3,        // the device is not a member of the operation's scope
    ClockAhead = 4,        // stamped more than 10 min ahead of HQ's clock
    OriginNotSender = 5,   // stamp.origin is not the authenticated sender
    Invalid = 6,           // fails the schema
    Deleted = 7,           // (protocol value; HQ accepts and ignores writes to deleted records)
    Quota = 8,             // more operations from this device than HQ takes per interval
    DeleteRefused = 9,     // the desk refused the device's deletion of a shared record
    ScopeChanged = 100,    // the record exists with another scope or type
    DeviceNotActive = 101, // wipe-only or revoked device: quarantined
};
[[nodiscard]] const char *rejectReasonName(RejectReason reason);

struct RejectPayload
{
    Operation op;
    RejectReason reason = RejectReason::Invalid;
    std::optional<RecordState> authoritative;
    // The device's `up` envelope that carried the operation (protocol::RejectPayload::sentIn).
    std::optional<protocol::StreamHead> sentIn;
    [[nodiscard]] QCborMap toCbor() const;
    [[nodiscard]] static Result<RejectPayload> fromCbor(const QCborValue &value);
};

// protocol::BodyOptions::validateOp for the receiver: checks each operation of DELTA,
// SCOPE_JOIN, RESYNC and REJECT strictly while the body is decoded.
[[nodiscard]] Status validateOperationMap(const QCborMap &op);

// Splits operations into chunks whose encoded size stays under maxBytes (a single larger
// operation gets a chunk of its own). Always at least one chunk (possibly empty).
[[nodiscard]] QList<QList<Operation>> chunkOperations(const QList<Operation> &ops,
                                                      qsizetype maxBytes);

// Operations as a CBOR array and back (used by DELTA, SCOPE_JOIN and RESYNC snapshots).
[[nodiscard]] QCborArray operationsToCbor(const QList<Operation> &ops);
[[nodiscard]] Result<QList<Operation>> operationsFromCbor(const QCborValue &value);

} // namespace liaison::model
