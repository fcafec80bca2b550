#pragma once
// A server node: how many GPUs, how they are linked inside the node, and the power of what surrounds them
// (host CPUs and DRAM, NVSwitches). Read from models/nodes/*.yaml, each figure cited there.
#include <string>

#include "engine/sim_time.hpp"

namespace wattsim {

struct NodeProfile {
  std::string name;
  std::string description;
  std::string file;
  // Every figure is read from the profile (io/model_catalog.cpp declares their defaults).
  int gpus_per_node = 1;
  double link_efficiency = 0;  // achieved NCCL bus bandwidth / NVLink per-direction bandwidth
  double link_latency_s = 0;   // α per ring step inside the node
  double link_energy_j_per_byte = 0;
  double pcie_bandwidth_bps = 0;  // GPU to NIC, per direction
  std::string fabric;             // default fabric profile for multi-node clusters
  int switch_count = 0;
  double switch_w = 0;  // each NVSwitch, while the node is up
  double host_w = 0;    // CPUs, DRAM, NICs, fans not on the GPU boards, shared by the node's GPUs
};

}  // namespace wattsim
