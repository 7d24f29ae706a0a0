#pragma once

// Which records travel on the priority lanes (DESIGN.md "Streams": `down!` / `up!`; issue 13
// "Thin links"): instructions, schedule changes, acknowledgements, check-ins and field reports
// go first in both directions; contacts and case summaries (the bulk) after them. A record's
// operations all have its type, so one record never travels on two lanes, and every operation
// carries its full per-field stamps: the merge is right whichever lane delivered first.

#include "model/operation.h"

#include <QList>

namespace liaison::model {

[[nodiscard]] constexpr bool isUrgentRecordType(RecordType type)
{
    switch (type) {
    case RecordType::Instruction:
    case RecordType::ScheduleItem:
    case RecordType::Acknowledgement:
    case RecordType::CheckIn:
    case RecordType::FieldReport:
        return true;
    case RecordType::Contact:
    case RecordType::CaseSummary:
        return false;
    }
    return false;
}

// Operations split by lane, each keeping its order.
struct LaneSplit
{
    QList<Operation> urgent;
    QList<Operation> bulk;
};

[[nodiscard]] inline LaneSplit splitByLane(const QList<Operation> &ops)
{
    LaneSplit out;
    for (const Operation &op : ops)
        (isUrgentRecordType(op.type) ? out.urgent : out.bulk).append(op);
    return out;
}

} // namespace liaison::model
