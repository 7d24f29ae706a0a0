#pragma once

// What the officer sends on purpose (issue 11 "Field reports", "Schedule ... Check in"; DESIGN.md
// "Data": FieldReport and CheckIn, author-only records): built here and queued in the record
// outbox like every local edit, so they wait offline and go with the next round.
//
// A position travels only inside these records, as the officer chose: the fix in 1e-7 degrees
// and the time the device got it (fixTime), so HQ can tell its age at `time`. Nothing here logs.

#include "error.h"
#include "model/recordstore.h"

#include <optional>

namespace liaison::device {

struct SentPosition
{
    double latitude = 0;  // WGS 84 degrees
    double longitude = 0; // WGS 84 degrees
    qint64 fixTimeMs = 0; // when the device got the fix (Unix ms, the device's clock)
};

// The scope a report goes to: the related record's, else the first held "post:" scope, else the
// first held scope. Errc::NotFound when the device holds none.
[[nodiscard]] Result<QString> reportScope(const model::RecordStore &records,
                                          const std::optional<model::RecordId> &related);

// A field report: `text` (trimmed, not empty), the time of writing, optionally the position and a
// related record (which must be on the device). Returns the new record's id.
[[nodiscard]] Result<model::RecordId>
queueFieldReport(model::RecordStore &records, const QString &text, qint64 timeMs,
                 const std::optional<SentPosition> &position,
                 const std::optional<model::RecordId> &related);

// A check-in at a visit item (in the item's scope), with the position of that moment if any.
[[nodiscard]] Result<model::RecordId> queueCheckIn(model::RecordStore &records,
                                                   const model::RecordId &scheduleItem,
                                                   qint64 timeMs,
                                                   const std::optional<SentPosition> &position);

enum class Delivery {
    Queued, // in the record outbox: waits for the next round
    Sent,   // sealed in an envelope the relay took for HQ
};
// `envelopesPending`: sealed envelopes the relay has not yet taken (DeviceStreams).
[[nodiscard]] Result<Delivery> deliveryOf(const model::RecordStore &records,
                                          const model::RecordId &id, bool envelopesPending);

} // namespace liaison::device
