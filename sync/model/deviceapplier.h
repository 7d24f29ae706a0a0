#pragma once

// A device's steps 5 and 6 of the receiver (streams::EnvelopeApplier) over its RecordStore:
//  DELTA        merge (never re-queued)
//  SCOPE_JOIN   hold the scope, merge its records (the receiver hands over a multi-part join whole)
//  SCOPE_LEAVE  purge the scope at once
//  REJECT       converge the record to HQ's values (only REJECTs of this device's own operations)
//  RESYNC       replace every record by the snapshot, hold exactly its scopes (whole: the
//               receiver stages the parts and hands them over together, part 1 of 1)
//  HEARTBEAT    (and the one inside RESYNC) sets the HLC reference time: verified HQ time plus
//               monotonic time since
// check() decodes each payload strictly; anything undecodable is a sender fault.
// pushLocalEdits() turns the change log into DELTA envelopes on `up` (and, with the priority
// lane on, those of urgent records, model/urgency.h, on `up!`).

#include "error.h"
#include "model/recordstore.h"
#include "streams/applier.h"

namespace liaison::streams {
class StreamOutbox;
}

namespace liaison::model {

class DeviceApplier final : public streams::EnvelopeApplier
{
public:
    explicit DeviceApplier(RecordStore &records)
        : m_records(records)
    {}

    [[nodiscard]] Status check(const streams::Body &body,
                               const streams::StreamContext &ctx) override;
    [[nodiscard]] Status apply(const streams::Body &body,
                               const streams::StreamContext &ctx) override;
    // This device's own DELTA again after a snapshot that could not contain it (RESYNC,
    // SCOPE_JOIN): operations of scopes no longer held are skipped.
    [[nodiscard]] Status remergeOwn(const streams::Body &delta,
                                    const streams::StreamContext &ctx) override;
    // The RESYNC's scopes are held from its first part on (empty until the snapshot is whole).
    [[nodiscard]] Status snapshotBegun(const streams::Body &firstPart,
                                       const streams::StreamContext &ctx) override;

    // Seals pending local operations as DELTAs to HQ (each under maxPayloadBytes of operations)
    // and removes them from the change log, in one SAVEPOINT. Returns the operations sent.
    [[nodiscard]] Result<int> pushLocalEdits(streams::StreamOutbox &outbox, const crypto::Id16 &hq,
                                             qsizetype maxPayloadBytes = 48 * 1024);
    // Urgent records' operations go on `up!` (DESIGN.md "Streams"). Only for an HQ that
    // understands the lanes: the device announces them in its RECEIPTs at the same time
    // (streams::Receiver::setAnnouncedFeatures).
    void setPriorityLane(bool on) { m_priorityLane = on; }

private:
    RecordStore &m_records;
    bool m_priorityLane = false;
};

} // namespace liaison::model
