// Fabric kinds: how switches are laid out and cabled between the nodes' NICs. Each kind registers itself;
// a scenario names one with hardware.fabric.
//
// Conventions: a node's compute NICs (one per GPU on DGX A100/H100, fewer on DGX-1 and PCIe servers,
// NodeProfile::compute_nics); every cable runs at the NIC line rate × efficiency;
// a leaf of radix k with oversubscription o gives k·o/(o+1) ports to NICs and the rest to the layer above
// (o = 1: non-blocking). Cables between two switches are aggregated into one edge pair.
#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>

#include "network/topology.hpp"

namespace wattsim {

namespace {

int ceil_div(int a, int b) {
  return (a + b - 1) / b;
}

struct LeafPorts {
  int down;
  int up;
};

LeafPorts split_ports(int radix, double oversubscription) {
  const int down = std::clamp(
      static_cast<int>(std::floor(radix * oversubscription / (oversubscription + 1.0))), 1, radix - 1);
  return {down, radix - down};
}

// Cables each lower switch to `up` upper switches, spread round-robin; parallel cables aggregate.
void cable_up(TopologyBuilder& b, const FabricProfile& f, const std::vector<std::size_t>& lower,
              const std::vector<std::size_t>& upper, int up) {
  std::map<std::pair<std::size_t, std::size_t>, int> cables;
  for (std::size_t l = 0; l < lower.size(); ++l)
    for (int j = 0; j < up; ++j)
      ++cables[{lower[l], upper[(l * static_cast<std::size_t>(up) + j) % upper.size()]}];
  const double bw = f.nic_bandwidth_bps * f.efficiency;
  for (const auto& [pair, n] : cables)
    b.connect(pair.first, pair.second, bw, f.switch_latency_s, f.energy_j_per_byte, n);
}

void attach_nic(TopologyBuilder& b, const FabricProfile& f, int nic, std::size_t leaf) {
  b.connect(b.nic(nic), leaf, f.nic_bandwidth_bps * f.efficiency, f.nic_latency_s / 2, f.energy_j_per_byte);
}

// Every spine reaches every leaf in a two-level Clos, so a spine's ports bound the leaves.
void check_capacity(int needed, int available, const std::string& what, const FabricProfile& f) {
  if (needed > available)
    throw std::invalid_argument(what + " needs " + std::to_string(needed) + " switch ports where " + f.name +
                                " switches (radix " + std::to_string(f.switch_radix) + ") offer " +
                                std::to_string(available) +
                                "; use a three-level fat-tree or more oversubscription");
}

void fat_tree_2l(TopologyBuilder& b, const FabricProfile& f, const FabricChoice& c) {
  const int nics = b.nodes() * b.nics_per_node();
  const LeafPorts ports = split_ports(f.switch_radix, c.oversubscription);
  check_capacity(ceil_div(nics, ports.down), f.switch_radix,
                 "a two-level fat-tree of " + std::to_string(nics) + " NICs", f);
  std::vector<std::size_t> leaves, spines;
  for (int i = 0; i < ceil_div(nics, ports.down); ++i) leaves.push_back(b.add_switch());
  for (int i = 0; i < std::max(1, ceil_div(static_cast<int>(leaves.size()) * ports.up, f.switch_radix)); ++i)
    spines.push_back(b.add_switch());
  for (int r = 0; r < nics; ++r) attach_nic(b, f, r, leaves[static_cast<std::size_t>(r / ports.down)]);
  cable_up(b, f, leaves, spines, ports.up);
  b.describe(std::to_string(leaves.size()) + " leaf and " + std::to_string(spines.size()) +
             " spine switches, two-level fat-tree");
}

void fat_tree_3l(TopologyBuilder& b, const FabricProfile& f, const FabricChoice& c) {
  const int nics = b.nodes() * b.nics_per_node();
  const LeafPorts ports = split_ports(f.switch_radix, c.oversubscription);
  const int half = f.switch_radix / 2;
  const int leaves_total = ceil_div(nics, ports.down);
  const int pods = ceil_div(leaves_total, half);
  check_capacity(pods, f.switch_radix, "a three-level fat-tree of " + std::to_string(nics) + " NICs", f);
  std::vector<std::size_t> leaves, aggregation, cores;
  for (int i = 0; i < leaves_total; ++i) leaves.push_back(b.add_switch());
  for (int r = 0; r < nics; ++r) attach_nic(b, f, r, leaves[static_cast<std::size_t>(r / ports.down)]);
  // Each leaf has one cable to each aggregation switch of its pod, so a pod has as many aggregation switches
  // as a leaf has up-links (half the radix when not oversubscribed); aggregation switch i of every pod
  // cables to core block i. (Spreading fewer leaf up-links over half-radix pods split the pods into groups
  // that no route joined.)
  const int aggregation_per_pod = ports.up;
  for (int i = 0; i < std::max(1, ceil_div(pods * aggregation_per_pod * half, f.switch_radix)); ++i)
    cores.push_back(b.add_switch());
  for (int p = 0; p < pods; ++p) {
    std::vector<std::size_t> pod_leaves, pod_aggregation;
    for (int i = p * half; i < std::min(leaves_total, (p + 1) * half); ++i) pod_leaves.push_back(leaves[i]);
    for (int i = 0; i < aggregation_per_pod; ++i) pod_aggregation.push_back(b.add_switch());
    cable_up(b, f, pod_leaves, pod_aggregation, ports.up);
    aggregation.insert(aggregation.end(), pod_aggregation.begin(), pod_aggregation.end());
  }
  cable_up(b, f, aggregation, cores, half);
  b.describe(std::to_string(leaves.size()) + " leaf, " + std::to_string(aggregation.size()) +
             " aggregation and " + std::to_string(cores.size()) + " core switches in " +
             std::to_string(pods) + " pods, three-level fat-tree");
}

// Rail-optimized (NVIDIA DGX SuperPOD): NIC i of every node in a group reaches leaf i of that group, so
// same-rank GPUs of different nodes are one switch apart; spines join the rails.
void rail_optimized(TopologyBuilder& b, const FabricProfile& f, const FabricChoice& c) {
  const LeafPorts ports = split_ports(f.switch_radix, c.oversubscription);
  const int nodes_per_group = ports.down;
  const int groups = ceil_div(b.nodes(), nodes_per_group);
  check_capacity(groups * b.nics_per_node(), f.switch_radix,
                 "a rail-optimized fabric of " + std::to_string(b.nodes()) + " nodes", f);
  std::vector<std::size_t> leaves, spines;
  for (int g = 0; g < groups; ++g)
    for (int rail = 0; rail < b.nics_per_node(); ++rail) leaves.push_back(b.add_switch());
  for (int node = 0; node < b.nodes(); ++node)
    for (int rail = 0; rail < b.nics_per_node(); ++rail)
      attach_nic(b, f, node * b.nics_per_node() + rail,
                 leaves[static_cast<std::size_t>((node / nodes_per_group) * b.nics_per_node() + rail)]);
  for (int i = 0; i < std::max(1, ceil_div(static_cast<int>(leaves.size()) * ports.up, f.switch_radix)); ++i)
    spines.push_back(b.add_switch());
  cable_up(b, f, leaves, spines, ports.up);
  b.describe(std::to_string(leaves.size()) + " rail leaves and " + std::to_string(spines.size()) +
             " spines, rail-optimized");
}

// Capacities: a two-level tree has at most k leaves (a spine port each); a three-level one at most k pods
// of k/2 leaves; a rail-optimized fabric at most k leaves in all (rails × groups).
long long max_nics_2l(const FabricProfile& f, const FabricChoice& c, int) {
  return static_cast<long long>(f.switch_radix) * split_ports(f.switch_radix, c.oversubscription).down;
}
long long max_nics_3l(const FabricProfile& f, const FabricChoice& c, int) {
  return static_cast<long long>(f.switch_radix) * (f.switch_radix / 2) *
         split_ports(f.switch_radix, c.oversubscription).down;
}
long long max_nics_rail(const FabricProfile& f, const FabricChoice& c, int nics_per_node) {
  const long long groups = f.switch_radix / std::max(1, nics_per_node);
  return groups * split_ports(f.switch_radix, c.oversubscription).down * nics_per_node;
}

}  // namespace

std::string fabric_capacity_problem(const FabricKind& kind, const FabricProfile& fabric,
                                    const FabricChoice& choice, int nodes, int nics_per_node) {
  const long long nics = static_cast<long long>(nodes) * nics_per_node;
  const long long most = kind.max_nics(fabric, choice, nics_per_node);
  if (nics <= most) return "";
  std::ostringstream m;
  m << "a " << kind.name << " fabric of " << fabric.name << " switches (radix " << fabric.switch_radix
    << ", oversubscription " << choice.oversubscription << ") joins at most " << most << " NICs, not " << nics
    << (kind.name == "fat-tree-3l" ? "; use more oversubscription or larger switches"
                                   : "; use a larger fabric kind (fat-tree-3l) or more oversubscription");
  return m.str();
}

const FabricRegistry& FabricRegistry::instance() {
  static const FabricRegistry registry = [] {
    FabricRegistry r;
    r.add({"fat-tree-2l", "two-level fat-tree (leaf/spine), configurable leaf oversubscription", fat_tree_2l,
           max_nics_2l});
    r.add({"fat-tree-3l", "three-level fat-tree (leaf/aggregation/core in pods)", fat_tree_3l, max_nics_3l});
    r.add({"rail-optimized", "one leaf per GPU rank (rail) per group of nodes, spines between rails",
           rail_optimized, max_nics_rail});
    return r;
  }();
  return registry;
}

}  // namespace wattsim
