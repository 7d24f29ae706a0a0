#pragma once

// Record ids drawn from a simulation's seed (DESIGN.md "Data", record ids; issue 8, "each seed
// reproduces exactly"). RecordStore::create takes its ids from libsodium unless an id source is
// set (RecordStore::setIdSource); a simulation hands each replica's store this source, so a seed
// gives the same ids, and with them the same snapshot parts and orders, in every replay. One
// source is shared by every replica of a run (ids stay unique across them) and outlives their
// stores (a crashed replica reopens with the same source, which goes on where it was).

#include "model/operation.h"

#include <cstdint>
#include <functional>
#include <random>

namespace liaison::test {

class SeededIds
{
public:
    // The seed's own stream, apart from the simulation's choices (drawing an id does not move
    // them).
    explicit SeededIds(std::uint64_t seed)
        : m_rng(seed ^ 0x5eed1d5000000001ull)
    {}

    [[nodiscard]] model::RecordId next()
    {
        model::RecordId raw;
        for (std::size_t i = 0; i < raw.bytes.size(); ++i)
            raw.bytes[i] = std::uint8_t(m_rng() & 0xff);
        return model::recordIdFromBytes(raw);
    }

    [[nodiscard]] std::function<model::RecordId()> source()
    {
        return [this] {
            return next();
        };
    }

private:
    std::mt19937_64 m_rng;
};

} // namespace liaison::test
