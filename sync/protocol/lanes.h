#pragma once

// Priority lanes (DESIGN.md "Streams": `down!` and `up!`). Each direction between HQ and a device
// has a second stream carrying only small urgent kinds, with its own seq, hash chain and epochs.
// The lane is marked in the epoch: a priority stream's epoch has the top bit set, so the relay's
// (sender, recipient, epoch) keys and its gap-fill endpoint keep the two streams apart as they
// are, and a mailbox read can ask for one lane (GET /v1/mailbox?lane=priority|bulk).

#include <cstdint>

namespace liaison::protocol {

enum class Lane : std::uint8_t {
    Bulk = 0,     // `down` / `up`
    Priority = 1, // `down!` / `up!`
};

inline constexpr std::uint32_t kPriorityEpochBit = 0x8000'0000u;

[[nodiscard]] constexpr Lane laneOfEpoch(std::uint32_t epoch)
{
    return (epoch & kPriorityEpochBit) != 0 ? Lane::Priority : Lane::Bulk;
}

// The epoch number without the lane bit.
[[nodiscard]] constexpr std::uint32_t epochNumber(std::uint32_t epoch)
{
    return epoch & ~kPriorityEpochBit;
}

[[nodiscard]] constexpr std::uint32_t epochInLane(std::uint32_t number, Lane lane)
{
    return lane == Lane::Priority ? (number | kPriorityEpochBit) : epochNumber(number);
}

// The epochs [first, end) of a lane, for a range read (end is exclusive, as a 64-bit value).
struct EpochRange
{
    std::int64_t first = 0;
    std::int64_t end = std::int64_t(1) << 32;
};

[[nodiscard]] constexpr EpochRange epochsOfLane(Lane lane)
{
    return lane == Lane::Priority ? EpochRange{kPriorityEpochBit, std::int64_t(1) << 32}
                                  : EpochRange{0, kPriorityEpochBit};
}

} // namespace liaison::protocol
