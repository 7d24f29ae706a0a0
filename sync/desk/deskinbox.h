#pragma once

// What the officers in the field sent to the desk (DESIGN.md "Data": Acknowledgement,
// FieldReport, CheckIn), as the desk reads it: `liaison-hq acks`, `reports`, `checkins`.
//
// An acknowledgement counts for an instruction only when it is for the instruction's CURRENT
// version and names the BLAKE2b-256 of its current canonical content (model/instructionhash.h, the
// hash the app computes): a re-issued instruction (version + 1) must be acknowledged again.

#include "desk/deskstore.h"

#include <QList>

#include <optional>

namespace liaison::desk {

struct DeviceAck
{
    hq::DeviceRecord device;
    bool acknowledged = false; // the current version and content
    qint64 acknowledgedMs = 0; // the acknowledgement's time (device clock)
    qint64 olderVersion = 0;   // when not acknowledged: the newest older version it acked (0: none)
};

struct InstructionAcks
{
    model::RecordState instruction;
    qint64 version = 0;
    bool requiresAck = false;
    QList<DeviceAck> devices; // every ACTIVE member of the instruction's scope, by id
};

// The instruction named by its id or an unambiguous prefix (hex, dashes allowed).
[[nodiscard]] Result<model::RecordState> findInstruction(DeskStore &desk,
                                                         const QString &idOrPrefix);
[[nodiscard]] Result<InstructionAcks> instructionAcks(DeskStore &desk,
                                                      const model::RecordState &instruction);

// Live records of one author-only type (FieldReport, CheckIn), newest first by their "time"
// field, in `scopes` (every declared scope when empty), with time >= sinceMs.
[[nodiscard]] Result<QList<model::RecordState>>
fieldRecords(DeskStore &desk, model::RecordType type, const QStringList &scopes, qint64 sinceMs);

struct OverdueCheckIn
{
    model::RecordState item; // the ScheduleItem
    qint64 startMs = 0;
};
// Schedule items (not cancelled) that started between `windowStartMs` and now - graceMs and
// have no check-in.
[[nodiscard]] Result<QList<OverdueCheckIn>>
overdueCheckIns(DeskStore &desk, const QStringList &scopes, qint64 graceMs, qint64 windowStartMs);

} // namespace liaison::desk
