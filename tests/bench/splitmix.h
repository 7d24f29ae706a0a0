// A small deterministic generator for benchmark data: every run builds the same records (not for
// secrets; those come from libsodium).
#pragma once

#include <cstddef>
#include <cstdint>

namespace liaison::bench {

struct SplitMix
{
    std::uint64_t s;
    std::uint64_t next()
    {
        std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    int below(int n) { return int(next() % std::uint64_t(n)); }
    template <typename T, std::size_t N> const T &pick(const T (&a)[N]) { return a[below(int(N))]; }
};

} // namespace liaison::bench
