#include "network/collective.hpp"

namespace wattsim {

std::string_view to_string(CollectiveKind kind) {
  switch (kind) {
    case CollectiveKind::AllReduce:
      return "all-reduce";
    case CollectiveKind::ReduceScatter:
      return "reduce-scatter";
    case CollectiveKind::AllGather:
      return "all-gather";
    case CollectiveKind::Broadcast:
      return "broadcast";
    case CollectiveKind::AllToAll:
      return "all-to-all";
    case CollectiveKind::SendRecv:
      return "send-recv";
  }
  return "collective";
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
