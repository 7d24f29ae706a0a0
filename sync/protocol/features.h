#pragma once

// RECEIPT features beyond the priority lanes themselves (protocol::ReceiptPayload::features,
// body.h; a device announces them in every RECEIPT, and the codec keeps bits it does not know,
// so a new bit needs no change of it). Bit 0, ReceiptPayload::kFeaturePriorityLanes: the device
// reads `down!` and sends on `up!` (DESIGN.md "Streams", priority lanes).

#include <cstdint>

namespace liaison::protocol {

// Bit 1: the device applies `down!` envelopes of an epoch whose multi-part RESYNC it has begun
// (part 1 applied) but not completed, and merges their DELTAs and REJECTs again on top of the
// whole snapshot when its last part arrives. HQ may then use `down!` from the device's first
// RECEIPT of that epoch on, instead of waiting for the snapshot's last part (a fresh device on
// a thin link gets an instruction before its snapshot).
inline constexpr std::uint64_t kFeaturePriorityDuringSnapshot = 2;

} // namespace liaison::protocol
