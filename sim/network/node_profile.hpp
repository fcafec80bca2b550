#pragma once
// A server node: how many GPUs, how they are linked inside the node, and the power of what surrounds them
// (host CPUs and DRAM, NICs, NVSwitches, fans, power supplies). Read from models/nodes/*.yaml, each figure
// cited there; the formulas are in energy/node_power.hpp.
#include <algorithm>
#include <array>
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
  struct Host {
    int cpu_sockets = 2;
    double cpu_idle_w = 0;          // per socket, cores idle
    double cpu_tdp_w = 0;           // per socket, all cores busy
    int cpu_cores = 1;              // all sockets
    double busy_cores_per_gpu = 2;  // threads that spin for each GPU: the training loop's and NCCL's proxy
    double dram_w = 0;              // all DIMMs
    int nics = 0;
    double nic_w = 0;  // each, powered whether or not it carries traffic (bytes are charged to the links)
  } host;
  // The compute NICs a node's GPUs share for traffic between nodes: host.nics, at least one, at most one
  // per GPU (GPU g uses NIC ⌊g · nics / gpus⌋: GPUs under one PCIe switch share its NIC).
  int compute_nics() const { return std::clamp(host.nics, 1, std::max(1, gpus_per_node)); }
  struct Fans {
    double max_w = 0;        // all fans at full speed
    double min_speed = 0.3;  // the firmware's floor, as a fraction of full speed
  } fans;
  struct Psu {
    int count = 1;
    double rating_w = 0;                                       // each; 0: no conversion modelled
    std::array<double, 4> efficiency{0.90, 0.94, 0.96, 0.91};  // at 10, 20, 50, 100% of the rating
  } psu;
};

}  // namespace wattsim
