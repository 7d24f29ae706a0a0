#pragma once

// The content hash of a mission instruction (DESIGN.md "Data": Acknowledgement): what an
// officer's Acknowledgement names, so that HQ can tell which text was confirmed. The app computes
// it when the officer acknowledges; the desk recomputes it to count only acknowledgements of the
// current content (`liaison-hq acks`). One function, so both sides agree bit for bit.

#include "crypto/bytes.h"
#include "model/operation.h"

namespace liaison::model {

// BLAKE2b-256("LIAISN-instr-v1" ‖ record id ‖ canonical CBOR {field key: value}) over every
// field of the Instruction schema (unset fields as their empty value). Any change of title, body,
// validity, priority, the acknowledgement flag or version gives another hash.
[[nodiscard]] crypto::Hash32 instructionContentHash(const RecordState &instruction);

} // namespace liaison::model
