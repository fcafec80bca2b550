#include "network/collective.hpp"

#include <functional>

#include "util/hash.hpp"

namespace wattsim {

CollectiveSignature CollectiveSignature::of(const Collective& c) {
  const int size = static_cast<int>(c.ranks.size());
  return {c.kind,
          c.bytes,
          c.ranks.front(),
          size,
          size > 1 ? c.ranks[1] - c.ranks[0] : 0,
          c.ranks.back(),
          c.copy_offsets.size()};
}

std::size_t CollectiveSignatureHash::operator()(const CollectiveSignature& k) const {
  std::uint64_t h = std::hash<double>()(k.bytes);
  for (std::uint64_t v : {static_cast<std::uint64_t>(k.kind), static_cast<std::uint64_t>(k.first),
                          static_cast<std::uint64_t>(k.size), static_cast<std::uint64_t>(k.stride),
                          static_cast<std::uint64_t>(k.last), static_cast<std::uint64_t>(k.copies)})
    h = hash_mix(h, v);
  return h;
}

double ring_half_seconds(double bytes, int ranks, const LinkCost& link) {
  if (ranks <= 1) return 0.0;
  const double steps = ranks - 1;
  return steps / ranks * bytes / link.bandwidth_bps + steps * link.latency_s;
}

double ring_allreduce_seconds(double bytes, int ranks, const LinkCost& link) {
  return 2.0 * ring_half_seconds(bytes, ranks, link);
}

}  // namespace wattsim
