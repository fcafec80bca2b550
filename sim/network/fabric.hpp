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
  double nic_bandwidth_bps = 25e9;   // per NIC, per direction
  double efficiency = 0.9;           // achieved / line rate for large messages
  double nic_latency_s = 2e-6;       // NIC and cable, per message step
  double switch_latency_s = 130e-9;  // per switch hop
  int switch_radix = 40;
  double switch_w = 250;
  double energy_j_per_byte = 40e-12;  // per link traversal
};

// What a scenario asks of the fabric.
struct FabricChoice {
  std::string kind = "fat-tree-2l";
  double oversubscription = 1.0;  // leaf down-links : up-links
};

class TopologyBuilder;

struct FabricKind {
  std::string name;
  std::string description;
  std::function<void(TopologyBuilder&, const FabricProfile&, const FabricChoice&)> build;
  // The most NICs this layout can join with these switches (checked before anything is built).
  std::function<long long(const FabricProfile&, const FabricChoice&, int gpus_per_node)> max_nics;
};

class FabricRegistry : public Registry<FabricKind> {
 public:
  static const FabricRegistry& instance();
};

}  // namespace wattsim
