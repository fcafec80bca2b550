#include "network/topology.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "util/hash.hpp"

namespace wattsim {

TopologyBuilder::TopologyBuilder(const NodeProfile& node, const GpuProfile& gpu, int nodes) : nodes_(nodes) {
  Topology& t = topology_;
  t.gpus_per_node_ = node.gpus_per_node;
  t.nics_per_node_ = node.compute_nics();
  const double nvlink = gpu.nvlink_bandwidth_bps * node.link_efficiency;
  for (int n = 0; n < nodes; ++n) {
    const std::size_t nvswitch = add_vertex({DeviceKind::NvSwitch, n, n});
    if (nodes > 1)
      for (int i = 0; i < t.nics_per_node_; ++i)
        nic_vertex_.push_back(add_vertex({DeviceKind::Nic, n, n * t.nics_per_node_ + i}));
    for (int g = 0; g < node.gpus_per_node; ++g) {
      const int rank = n * node.gpus_per_node + g;
      const std::size_t v = add_vertex({DeviceKind::Gpu, n, rank});
      t.gpu_vertex_.push_back(v);
      // NVLink through the node's switch: two hops, so each carries half the per-step latency.
      connect(v, nvswitch, nvlink, node.link_latency_s / 2, node.link_energy_j_per_byte / 2);
      if (nodes > 1)
        connect(v, nic_vertex_[static_cast<std::size_t>(n * t.nics_per_node_ + t.nic_of(rank))],
                node.pcie_bandwidth_bps, 0.0, 0.0);
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

std::uint32_t Topology::link_between(std::size_t a, std::size_t b) const {
  for (auto [e, end] = boost::out_edges(a, *graph_); e != end; ++e)
    if (boost::target(*e, *graph_) == b) return (*graph_)[*e].id;
  throw std::logic_error("topology: vertices are not adjacent");
}

std::size_t Topology::neighbour_of_kind(std::size_t v, DeviceKind kind) const {
  for (auto [e, end] = boost::out_edges(v, *graph_); e != end; ++e) {
    const std::size_t u = boost::target(*e, *graph_);
    if ((*graph_)[u].kind == kind) return u;
  }
  throw std::logic_error("topology: no neighbour of the expected kind");
}

void Topology::append(Route& r, std::uint32_t link) const {
  r.links.push_back(link);
  const Link& l = links_[link];
  r.bottleneck_bps = std::min(r.bottleneck_bps, l.bandwidth_bps);
  r.latency_s += l.latency_s;
  r.energy_j_per_byte += l.energy_j_per_byte;
}

const Route& Topology::route(int src, int dst) const {
  const std::uint64_t key = static_cast<std::uint64_t>(src) << 32 | static_cast<std::uint32_t>(dst);
  if (auto it = routes_.find(key); it != routes_.end()) return it->second;
  Route r;
  r.bottleneck_bps = std::numeric_limits<double>::infinity();
  const std::size_t from = gpu_vertex_.at(static_cast<std::size_t>(src));
  const std::size_t to = gpu_vertex_.at(static_cast<std::size_t>(dst));
  if (src == dst) {
    r.bottleneck_bps = 0;
    return routes_.emplace(key, std::move(r)).first->second;
  }
  if (node_of(src) == node_of(dst)) {
    const std::size_t nvswitch = neighbour_of_kind(from, DeviceKind::NvSwitch);
    append(r, link_between(from, nvswitch));
    append(r, link_between(nvswitch, to));
    return routes_.emplace(key, std::move(r)).first->second;
  }
  const std::size_t nic_from = neighbour_of_kind(from, DeviceKind::Nic);
  const std::size_t nic_to = neighbour_of_kind(to, DeviceKind::Nic);
  const std::size_t leaf_from = neighbour_of_kind(nic_from, DeviceKind::Switch);
  const std::size_t leaf_to = neighbour_of_kind(nic_to, DeviceKind::Switch);
  auto& hops = hops_to_leaf_[leaf_to];
  if (hops.empty()) {  // BFS from the destination leaf over switches (links are symmetric)
    if (switch_index_.empty()) {
      const_cast<Topology*>(this)->switch_index_.assign(boost::num_vertices(*graph_), -1);
      for (std::size_t v = 0; v < boost::num_vertices(*graph_); ++v)
        if ((*graph_)[v].kind == DeviceKind::Switch) {
          const_cast<Topology*>(this)->switch_index_[v] = static_cast<int>(switches_list_.size());
          const_cast<Topology*>(this)->switches_list_.push_back(v);
        }
    }
    hops.assign(switches_list_.size(), -1);
    hops[static_cast<std::size_t>(switch_index_[leaf_to])] = 0;
    std::vector<std::size_t> frontier{leaf_to}, next;
    while (!frontier.empty()) {
      next.clear();
      for (std::size_t u : frontier)
        for (auto [e, end] = boost::out_edges(u, *graph_); e != end; ++e) {
          const std::size_t v = boost::target(*e, *graph_);
          const int si = switch_index_[v];
          if (si >= 0 && hops[static_cast<std::size_t>(si)] < 0) {
            hops[static_cast<std::size_t>(si)] = hops[static_cast<std::size_t>(switch_index_[u])] + 1;
            next.push_back(v);
          }
        }
      frontier.swap(next);
    }
  }
  append(r, link_between(from, nic_from));
  append(r, link_between(nic_from, leaf_from));
  std::size_t at = leaf_from;
  if (hops[static_cast<std::size_t>(switch_index_[at])] < 0)
    throw std::logic_error("topology: no route between GPUs");
  for (int hop = 0; at != leaf_to; ++hop) {
    const int here = hops[static_cast<std::size_t>(switch_index_[at])];
    std::vector<std::pair<std::size_t, std::uint32_t>> choices;  // (next switch, link)
    for (auto [e, end] = boost::out_edges(at, *graph_); e != end; ++e) {
      const std::size_t v = boost::target(*e, *graph_);
      const int si = switch_index_[v];
      if (si >= 0 && hops[static_cast<std::size_t>(si)] == here - 1)
        choices.emplace_back(v, (*graph_)[*e].id);
    }
    // Deterministic ECMP: a hash of (source, destination, hop) picks among equal-cost next hops.
    std::uint64_t h = hash_mix(key, static_cast<std::uint64_t>(hop) * 0xBF58476D1CE4E5B9ull);
    h ^= h >> 31;
    const auto [v, link] = choices[h % choices.size()];
    append(r, link);
    at = v;
  }
  append(r, link_between(leaf_to, nic_to));
  append(r, link_between(nic_to, to));
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
