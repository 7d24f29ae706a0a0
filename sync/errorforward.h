#pragma once

// Passing an error up unchanged: `if (!r) return forwardError(r);` in any function whose result
// type is another Result or a Status (error.h).

#include "error.h"

namespace liaison {

template <typename T> [[nodiscard]] std::unexpected<Error> forwardError(const Result<T> &r)
{
    return std::unexpected(r.error());
}

} // namespace liaison
