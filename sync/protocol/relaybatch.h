#pragma once

// The binary body of GET /v1/mailbox and GET /v1/streams/{sender}/{epoch} responses: a sequence
// of items, each  u64 key ‖ u32 length ‖ envelope bytes  (big-endian), nothing else. The key is
// the mailbox cursor (mailbox) or the stream seq (streams). Envelopes travel as raw bytes: no
// base64, so the wire carries little more than the envelopes themselves.
//
// Response headers: Liaison-Cursor (mailbox: the last cursor returned, or `after` when empty),
// Liaison-More ("1" when more items were waiting beyond the limit).

#include "error.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>

#include <cstdint>

namespace liaison::protocol {

struct RelayBatchItem
{
    std::uint64_t key = 0;
    QByteArray data;
    friend bool operator==(const RelayBatchItem &, const RelayBatchItem &) = default;
};

inline constexpr char kHeaderCursor[] = "Liaison-Cursor";
inline constexpr char kHeaderMore[] = "Liaison-More";
// On a bulk-lane read with priority_after=C: "1" if the priority lane holds mail past cursor C
// (read with the page), "0" if not. A device that reads "0" after its last bulk page need not
// read `down!` again in that round.
inline constexpr char kHeaderPriorityWaiting[] = "Liaison-Priority-Waiting";

// Retention (DESIGN.md "Relay"): the relay deletes an envelope once its recipient acknowledged
// it, and keeps none longer than this after it stored it (acknowledged or not). A device away for
// longer may find the start of its mail gone; gap fill cannot bring it back, RESYNC does.
inline constexpr std::int64_t kRelayRetentionMs = 30LL * 24 * 3600 * 1000;

[[nodiscard]] QByteArray encodeRelayBatch(const QList<RelayBatchItem> &items);
// Strict: every length in bounds, no trailing bytes, at most maxItems items of at most
// maxItemBytes each, keys strictly increasing. Errc::Malformed otherwise.
[[nodiscard]] Result<QList<RelayBatchItem>> decodeRelayBatch(QByteArrayView bytes, int maxItems,
                                                             qsizetype maxItemBytes);

} // namespace liaison::protocol
