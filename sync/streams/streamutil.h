#pragma once

// Small helpers private to sync/streams.

#include "crypto/bytes.h"
#include "error.h"
#include "store/database.h"

#define STREAMS_TRY(expr)                                                                          \
    do {                                                                                           \
        if (auto try_s_ = (expr); !try_s_)                                                         \
            return std::unexpected(try_s_.error());                                                \
    } while (0)

#define STREAMS_CONCAT_(a, b) a##b
#define STREAMS_CONCAT(a, b) STREAMS_CONCAT_(a, b)
#define STREAMS_TRY_ASSIGN(var, expr)                                                              \
    auto STREAMS_CONCAT(try_r_, __LINE__) = (expr);                                                \
    if (!STREAMS_CONCAT(try_r_, __LINE__))                                                         \
        return std::unexpected(STREAMS_CONCAT(try_r_, __LINE__).error());                          \
    var = std::move(*STREAMS_CONCAT(try_r_, __LINE__))

namespace liaison::streams {

template <typename Fixed> [[nodiscard]] Fixed fixedColumn(const store::Statement &st, int col)
{
    return Fixed::fromBytes(st.columnBlob(col)).value_or(Fixed{});
}

} // namespace liaison::streams
