#pragma once

// The locked-path wipe token of DESIGN.md "Commands, remote wipe, revocation": its codec lives in
// sync/protocol/wipe.h (the relay verifies acknowledgements against it too); the device code
// names it from here.

#include "protocol/wipe.h"

namespace liaison::client {

using protocol::kWipeTokenBytes;
using protocol::makeWipeToken;
using protocol::verifyWipeToken;
using protocol::WipeTarget;
using protocol::WipeToken;
using protocol::WipeTokenContext;

} // namespace liaison::client
