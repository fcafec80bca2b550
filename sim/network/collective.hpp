#pragma once
// Collective operations and their closed-form α–β costs (Thakur, Rabenseifner & Gropp 2005; Patarasuk &
// Yuan 2009 for the bandwidth-optimal ring). S = message size per rank in bytes, n = ranks, B = per-rank
// bandwidth in one direction on the bottleneck link, α = per-step latency.
#include <cstdint>
#include <string_view>

namespace wattsim {

enum class CollectiveKind : std::uint8_t {
  AllReduce,
  ReduceScatter,
  AllGather,
  Broadcast,
  AllToAll,
  SendRecv
};
std::string_view to_string(CollectiveKind kind);

struct LinkCost {
  double bandwidth_bps = 0;  // effective bytes/s per rank per direction
  double latency_s = 0;      // α, one ring step
};

// Ring all-reduce: a reduce-scatter then an all-gather, 2(n−1) steps each moving S/n:
//   T = 2(n−1)/n · S/B + 2(n−1)·α
double ring_allreduce_seconds(double bytes, int ranks, const LinkCost& link);
// Ring reduce-scatter or all-gather alone: (n−1)/n · S/B + (n−1)·α
double ring_half_seconds(double bytes, int ranks, const LinkCost& link);

}  // namespace wattsim
