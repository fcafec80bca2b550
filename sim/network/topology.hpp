#pragma once
// The cluster as a graph (Boost.Graph): GPUs, each node's NVSwitch, NICs, and the fabric's switches,
// joined by links that carry a bandwidth, a latency and an energy per byte. Every physical link is two
// directed edges, one per direction, each with the full bandwidth (links are full duplex).
//
// Routing: shortest paths in hops; among equal-cost next hops the route picks one by a hash of
// (source, destination, hop), a deterministic form of ECMP that spreads flows over parallel paths.
// Inside a node a route is GPU → NVSwitch → GPU; between nodes it is GPU → its NIC (a node has
// NodeProfile::compute_nics() of them, shared by neighbouring GPUs) → leaf, a shortest path
// through the fabric's switches, then leaf → NIC → GPU. Hop counts are kept per destination leaf over the
// switches only, so routing a 100,000-GPU cluster touches thousands of switches, not every vertex.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/graph/adjacency_list.hpp>

#include "hardware/gpu_profile.hpp"
#include "network/fabric.hpp"
#include "network/node_profile.hpp"

namespace wattsim {

enum class DeviceKind : std::uint8_t { Gpu, NvSwitch, Nic, Switch };

struct Device {
  DeviceKind kind = DeviceKind::Gpu;
  int node = -1;  // -1 for fabric switches
  int index = 0;  // rank for GPUs, switch number for switches
};

struct Link {
  double bandwidth_bps = 0;  // effective, per direction
  double latency_s = 0;
  double energy_j_per_byte = 0;
};

struct LinkRef {
  std::uint32_t id = 0;  // index into Topology::links()
};

using TopologyGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, Device, LinkRef>;

struct Route {
  std::vector<std::uint32_t> links;  // link ids, source to destination
  double bottleneck_bps = 0;
  double latency_s = 0;
  double energy_j_per_byte = 0;  // summed over the links
};

class Topology {
 public:
  int gpu_count() const { return static_cast<int>(gpu_vertex_.size()); }
  int gpus_per_node() const { return gpus_per_node_; }
  int node_of(int rank) const { return rank / gpus_per_node_; }
  int nics_per_node() const { return nics_per_node_; }
  // The NIC a GPU sends through, numbered within its node.
  int nic_of(int rank) const { return (rank % gpus_per_node_) * nics_per_node_ / gpus_per_node_; }
  const std::vector<Link>& links() const { return links_; }
  int switch_count() const { return switches_; }
  double switch_power_w() const { return switch_power_w_; }  // fabric switches, all of them
  const std::string& description() const { return description_; }

  // The route from GPU src to GPU dst (ranks), computed once and cached.
  const Route& route(int src, int dst) const;

 private:
  friend class TopologyBuilder;
  // Held by pointer: a topology moves as a whole (Boost's adjacency_list would be copied).
  std::unique_ptr<TopologyGraph> graph_ = std::make_unique<TopologyGraph>();
  std::vector<Link> links_;
  std::vector<std::size_t> gpu_vertex_;
  int gpus_per_node_ = 1;
  int nics_per_node_ = 1;
  int switches_ = 0;
  double switch_power_w_ = 0;
  std::string description_;
  // The link from vertex a to its neighbour b.
  std::uint32_t link_between(std::size_t a, std::size_t b) const;
  // The one neighbour of `v` of the given kind (a GPU's NIC or NVSwitch, a NIC's leaf).
  std::size_t neighbour_of_kind(std::size_t v, DeviceKind kind) const;
  void append(Route& r, std::uint32_t link) const;

  mutable std::unordered_map<std::uint64_t, Route> routes_;
  std::vector<int> switch_index_;  // vertex -> index among switches, -1 for other devices
  std::vector<std::size_t> switches_list_;
  mutable std::unordered_map<std::size_t, std::vector<int>>
      hops_to_leaf_;  // per destination leaf, per switch
};

// Lays out nodes and lets a fabric kind add its switches. Fabric kinds use add_switch / connect.
class TopologyBuilder {
 public:
  TopologyBuilder(const NodeProfile& node, const GpuProfile& gpu, int nodes);
  std::size_t add_switch();
  // A full-duplex link between two vertices, `parallel` cables aggregated into one edge pair.
  void connect(std::size_t a, std::size_t b, double bandwidth_bps, double latency_s, double energy_j_per_byte,
               int parallel = 1);
  // The i-th NIC of the cluster, node by node.
  std::size_t nic(int i) const { return nic_vertex_[static_cast<std::size_t>(i)]; }
  int nodes() const { return nodes_; }
  int gpus_per_node() const { return topology_.gpus_per_node_; }
  int nics_per_node() const { return topology_.nics_per_node_; }
  void describe(std::string text) { topology_.description_ = std::move(text); }
  Topology finish(double switch_w);

 private:
  std::size_t add_vertex(Device d);
  Topology topology_;
  std::vector<std::size_t> nic_vertex_;
  int nodes_;
};

// Builds a cluster of `nodes` nodes joined by the chosen fabric (none for a single node).
Topology build_topology(const NodeProfile& node, const GpuProfile& gpu, int nodes,
                        const FabricProfile& fabric, const FabricChoice& choice);

}  // namespace wattsim
