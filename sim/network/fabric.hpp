#pragma once
// The network between nodes: a fabric profile (models/fabrics/*.yaml: NIC rate, switch radix and power,
// latencies) and a topology kind that lays switches and links out (fat-tree, rail-optimized...).
#include <functional>
#include <string>

#include "util/registry.hpp"

namespace wattsim {

struct FabricProfile {
  std::string name;
  std::string description;
  std::string file;
  // Every figure is read from the profile (io/model_catalog.cpp declares their defaults).
  double nic_bandwidth_bps = 0;  // per NIC, per direction
  double efficiency = 0;         // achieved / line rate for large messages
  double nic_latency_s = 0;      // NIC and cable, per message step
  double switch_latency_s = 0;   // per switch hop
  int switch_radix = 0;
  double switch_w = 0;
  double energy_j_per_byte = 0;  // per link traversal
};

// What a scenario asks of the fabric.
struct FabricChoice {
  std::string kind;               // a registered fabric kind
  double oversubscription = 1.0;  // leaf down-links : up-links (1: non-blocking)
};

class TopologyBuilder;

struct FabricKind {
  std::string name;
  std::string description;
  std::function<void(TopologyBuilder&, const FabricProfile&, const FabricChoice&)> build;
  // The most NICs this layout can join with these switches (checked before anything is built).
  std::function<long long(const FabricProfile&, const FabricChoice&, int nics_per_node)> max_nics;
};

class FabricRegistry : public Registry<FabricKind> {
 public:
  static const FabricRegistry& instance();
};

// Why this fabric cannot join every NIC of `nodes` nodes of `nics_per_node` compute NICs, or "" if it
// can: checked before anything is built.
std::string fabric_capacity_problem(const FabricKind& kind, const FabricProfile& fabric,
                                    const FabricChoice& choice, int nodes, int nics_per_node);

}  // namespace wattsim
