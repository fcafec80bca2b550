#pragma once
// Collective operations and their closed-form α–β costs (Thakur, Rabenseifner & Gropp 2005; Patarasuk &
// Yuan 2009 for the bandwidth-optimal ring). S = message size per rank in bytes, n = ranks, B = per-rank
// bandwidth in one direction on the bottleneck link, α = per-step latency.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "util/enum_names.hpp"

namespace wattsim {

enum class CollectiveKind : std::uint8_t {
  AllReduce,
  ReduceScatter,
  AllGather,
  Broadcast,
  AllToAll,
  SendRecv
};
inline constexpr EnumNames<CollectiveKind, 6> kCollectiveKindNames{
    {"all-reduce", "reduce-scatter", "all-gather", "broadcast", "all-to-all", "send-recv"}};
inline std::string_view to_string(CollectiveKind kind) {
  return kCollectiveKindNames(kind);
}

// A collective as the network sees it: what moves among which ranks. The step program adds where it sits
// in the step (workload/step_program.hpp).
struct Collective {
  CollectiveKind kind = CollectiveKind::AllReduce;
  double bytes = 0;               // all-reduce: the buffer; reduce-scatter / all-gather: the whole tensor
  std::vector<int> ranks;         // global ranks of one group, in ring order
  std::vector<int> copy_offsets;  // the same collective runs at once on ranks + offset (symmetric peers)
};

// What makes two collectives cost the same: kind, bytes, and the same ranks (first, count, stride, last)
// with the same number of symmetric copies. Time, energy and flow phases are computed once per signature.
struct CollectiveSignature {
  CollectiveKind kind;
  double bytes;
  int first, size, stride, last;
  std::size_t copies;
  bool operator==(const CollectiveSignature&) const = default;
  static CollectiveSignature of(const Collective& c);
};
struct CollectiveSignatureHash {
  std::size_t operator()(const CollectiveSignature& k) const;
};

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
