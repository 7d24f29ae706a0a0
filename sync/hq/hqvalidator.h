#pragma once

// HQ's check of every device operation (DESIGN.md "Topology", "Data"):
//  - the device is active (wipe-only and revoked devices are quarantined);
//  - the author (stamp.origin) is the authenticated sender;
//  - type ownership: CaseSummary, Instruction, ScheduleItem are HQ's; Acknowledgement,
//    FieldReport, CheckIn only their author's (another author's record is refused);
//  - the device is a member of the operation's scope;
//  - an existing record keeps its type and scope;
//  - the stamp is at most 10 minutes ahead of HQ's clock.
// A refused operation is answered with REJECT {op, reason, HQ's current state of the record};
// the state is included only when the sender is a member of the record's real scope, so a REJECT
// never discloses records of other scopes.

#include "error.h"
#include "hq/deviceregistry.h"
#include "model/operation.h"
#include "model/payloads.h"
#include "model/recordstore.h"

namespace liaison::hq {

struct Verdict
{
    bool accepted = false;
    model::RejectReason reason = model::RejectReason::Invalid; // when refused
};

class HqValidator
{
public:
    static constexpr qint64 kMaxAheadMs = 10 * 60 * 1000;

    HqValidator(const model::RecordStore &records, const DeviceRegistry &devices);

    [[nodiscard]] Result<Verdict> check(const Id16 &sender, const model::Operation &op,
                                        qint64 hqNowMs) const;
    [[nodiscard]] Result<model::RejectPayload>
    rejectFor(const Id16 &sender, const model::Operation &op, model::RejectReason reason) const;

private:
    const model::RecordStore &m_records;
    const DeviceRegistry &m_devices;
};

} // namespace liaison::hq
