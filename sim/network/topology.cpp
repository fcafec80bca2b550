#include "network/topology.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace wattsim {

TopologyBuilder::TopologyBuilder(const NodeProfile& node, const GpuProfile& gpu, int nodes) : nodes_(nodes) {
  Topology& t = topology_;
  t.gpus_per_node_ = node.gpus_per_node;
  const double nvlink = gpu.nvlink_bandwidth_bps * node.link_efficiency;
  for (int n = 0; n < nodes; ++n) {
    const std::size_t nvswitch = add_vertex({DeviceKind::NvSwitch, n, n});
    for (int g = 0; g < node.gpus_per_node; ++g) {
      const int rank = n * node.gpus_per_node + g;
      const std::size_t v = add_vertex({DeviceKind::Gpu, n, rank});
      t.gpu_vertex_.push_back(v);
      // NVLink through the node's switch: two hops, so each carries half the per-step latency.
      connect(v, nvswitch, nvlink, node.link_latency_s / 2, node.link_energy_j_per_byte / 2);
      if (nodes > 1) {
        const std::size_t nic = add_vertex({DeviceKind::Nic, n, rank});
        nic_vertex_.push_back(nic);
        connect(v, nic, node.pcie_bandwidth_bps, 0.0, 0.0);
      }
    }
  }
}

std::size_t TopologyBuilder::add_vertex(Device d) {
  return boost::add_vertex(d, *topology_.graph_);
}

std::size_t TopologyBuilder::add_switch() {
  ++topology_.switches_;
  return add_vertex({DeviceKind::Switch, -1, topology_.switches_ - 1});
}

void TopologyBuilder::connect(std::size_t a, std::size_t b, double bandwidth_bps, double latency_s,
                              double energy_j_per_byte, int parallel) {
  for (auto [from, to] : {std::pair{a, b}, std::pair{b, a}}) {
    const auto id = static_cast<std::uint32_t>(topology_.links_.size());
    topology_.links_.push_back({bandwidth_bps * parallel, latency_s, energy_j_per_byte});
    boost::add_edge(from, to, LinkRef{id}, *topology_.graph_);
  }
}

Topology TopologyBuilder::finish(double switch_w) {
  topology_.switch_power_w_ = switch_w * topology_.switches_;
  return std::move(topology_);
}

const Route& Topology::route(int src, int dst) const {
  const std::uint64_t key = static_cast<std::uint64_t>(src) << 32 | static_cast<std::uint32_t>(dst);
  if (auto it = routes_.find(key); it != routes_.end()) return it->second;
  const std::size_t target = gpu_vertex_.at(static_cast<std::size_t>(dst));
  auto& distance = distance_to_[target];
  if (distance.empty()) {
    // Links are symmetric, so hop counts from the destination are hop counts to it.
    distance.assign(boost::num_vertices(*graph_), -1);
    distance[target] = 0;
    std::vector<std::size_t> frontier{target}, next;
    while (!frontier.empty()) {
      next.clear();
      for (std::size_t u : frontier)
        for (auto [e, end] = boost::out_edges(u, *graph_); e != end; ++e) {
          const std::size_t v = boost::target(*e, *graph_);
          if (distance[v] < 0) {
            distance[v] = distance[u] + 1;
            next.push_back(v);
          }
        }
      frontier.swap(next);
    }
  }
  Route r;
  r.bottleneck_bps = std::numeric_limits<double>::infinity();
  std::size_t at = gpu_vertex_.at(static_cast<std::size_t>(src));
  if (distance[at] < 0) throw std::logic_error("topology: no route between GPUs");
  for (int hop = 0; at != target; ++hop) {
    std::vector<std::pair<std::size_t, std::uint32_t>> choices;  // (next vertex, link)
    for (auto [e, end] = boost::out_edges(at, *graph_); e != end; ++e) {
      const std::size_t v = boost::target(*e, *graph_);
      if (distance[v] == distance[at] - 1) choices.emplace_back(v, (*graph_)[*e].id);
    }
    // Deterministic ECMP: a hash of (source, destination, hop) picks among equal-cost next hops.
    std::uint64_t h = key * 0x9E3779B97F4A7C15ull + static_cast<std::uint64_t>(hop) * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 31;
    const auto [v, link] = choices[h % choices.size()];
    r.links.push_back(link);
    const Link& l = links_[link];
    r.bottleneck_bps = std::min(r.bottleneck_bps, l.bandwidth_bps);
    r.latency_s += l.latency_s;
    r.energy_j_per_byte += l.energy_j_per_byte;
    at = v;
  }
  if (r.links.empty()) r.bottleneck_bps = 0;
  return routes_.emplace(key, std::move(r)).first->second;
}

Topology build_topology(const NodeProfile& node, const GpuProfile& gpu, int nodes,
                        const FabricProfile& fabric, const FabricChoice& choice) {
  TopologyBuilder b(node, gpu, nodes);
  if (nodes <= 1) {
    b.describe("one " + node.name + " node");
    return b.finish(0.0);
  }
  const FabricKind* kind = FabricRegistry::instance().find(choice.kind);
  if (!kind) throw std::invalid_argument("unknown fabric kind " + choice.kind);
  kind->build(b, fabric, choice);
  return b.finish(fabric.switch_w);
}

}  // namespace wattsim
