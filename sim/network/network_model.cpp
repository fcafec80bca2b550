#include "network/network_model.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

namespace wattsim {

namespace {

double max_latency(const Topology& topo, const std::vector<int>& ring) {
  double a = 0;
  for (std::size_t i = 0; i < ring.size(); ++i)
    a = std::max(a, topo.route(ring[i], ring[(i + 1) % ring.size()]).latency_s);
  return a;
}

// One ring over `ranks`: every rank sends to the next. Per rank, an all-reduce moves 2(n−1)/n·S in
// 2(n−1) steps; a reduce-scatter or all-gather (n−1)/n·S in n−1 steps; a pipelined broadcast S in n−1.
Phase ring_phase(CollectiveKind kind, double bytes, const std::vector<int>& ranks, const Topology& topo) {
  const double n = static_cast<double>(ranks.size());
  Phase p;
  if (ranks.size() < 2) return p;
  double share = 0, steps = 0;
  switch (kind) {
    case CollectiveKind::AllReduce:
      share = 2 * (n - 1) / n, steps = 2 * (n - 1);
      break;
    case CollectiveKind::ReduceScatter:
    case CollectiveKind::AllGather:
      share = (n - 1) / n, steps = n - 1;
      break;
    case CollectiveKind::Broadcast:
      share = 1, steps = n - 1;
      break;
    case CollectiveKind::AllToAll:
    case CollectiveKind::SendRecv:
      break;
  }
  if (kind == CollectiveKind::AllToAll) {  // every rank sends S/n to every other rank at once
    for (int a : ranks)
      for (int b : ranks)
        if (a != b) p.flows.push_back({a, b, bytes / n});
    p.latency_s = max_latency(topo, ranks);
    return p;
  }
  for (std::size_t i = 0; i < ranks.size(); ++i)
    p.flows.push_back({ranks[i], ranks[(i + 1) % ranks.size()], share * bytes});
  p.latency_s = steps * max_latency(topo, ranks);
  return p;
}

std::vector<Phase> ring(const Collective& c, const Topology& topo) {
  return {ring_phase(c.kind, c.bytes, c.ranks, topo)};
}

// Double binary tree as used by NCCL, approximated by one binary tree: data flows up (reduce) and down
// (broadcast) every edge, pipelined, so each edge carries S each way and latency grows with depth.
std::vector<Phase> tree(const Collective& c, const Topology& topo) {
  if (c.kind != CollectiveKind::AllReduce) return ring(c, topo);
  Phase p;
  const std::size_t n = c.ranks.size();
  double depth_latency = 0;
  for (std::size_t i = 1; i < n; ++i) {
    const int child = c.ranks[i], parent = c.ranks[(i - 1) / 2];
    p.flows.push_back({child, parent, c.bytes});
    p.flows.push_back({parent, child, c.bytes});
    depth_latency = std::max(depth_latency, topo.route(child, parent).latency_s);
  }
  p.latency_s = 2.0 * std::ceil(std::log2(static_cast<double>(std::max<std::size_t>(n, 2)))) * depth_latency;
  return {p};
}

// Hierarchical (2D) all-reduce: reduce-scatter inside each node, all-reduce of the 1/k shards across
// nodes among GPUs of the same local position, all-gather inside each node (NCCL's tree/ring hybrid,
// Horovod's hierarchical mode). Other collectives, and groups inside one node, use a ring.
std::vector<Phase> hierarchical(const Collective& c, const Topology& topo) {
  std::map<int, std::vector<int>> by_node;
  for (int r : c.ranks) by_node[topo.node_of(r)].push_back(r);
  const std::size_t k = by_node.begin()->second.size();
  const bool regular =
      std::all_of(by_node.begin(), by_node.end(), [&](const auto& e) { return e.second.size() == k; });
  if (c.kind != CollectiveKind::AllReduce || by_node.size() < 2 || k < 2 || !regular) return ring(c, topo);
  Phase intra_rs, inter, intra_ag;
  for (const auto& [node, members] : by_node) {
    Phase rs = ring_phase(CollectiveKind::ReduceScatter, c.bytes, members, topo);
    Phase ag = ring_phase(CollectiveKind::AllGather, c.bytes, members, topo);
    intra_rs.flows.insert(intra_rs.flows.end(), rs.flows.begin(), rs.flows.end());
    intra_ag.flows.insert(intra_ag.flows.end(), ag.flows.begin(), ag.flows.end());
    intra_rs.latency_s = std::max(intra_rs.latency_s, rs.latency_s);
    intra_ag.latency_s = std::max(intra_ag.latency_s, ag.latency_s);
  }
  for (std::size_t j = 0; j < k; ++j) {
    std::vector<int> column;
    for (const auto& [node, members] : by_node) column.push_back(members[j]);
    Phase ar = ring_phase(CollectiveKind::AllReduce, c.bytes / static_cast<double>(k), column, topo);
    inter.flows.insert(inter.flows.end(), ar.flows.begin(), ar.flows.end());
    inter.latency_s = std::max(inter.latency_s, ar.latency_s);
  }
  return {intra_rs, inter, intra_ag};
}

}  // namespace

const CollectiveAlgorithmRegistry& CollectiveAlgorithmRegistry::instance() {
  static const CollectiveAlgorithmRegistry registry = [] {
    CollectiveAlgorithmRegistry r;
    r.add({"ring", "bandwidth-optimal ring: 2(n-1)/n S/B + 2(n-1) alpha for an all-reduce", ring});
    r.add({"tree", "binary tree all-reduce, pipelined reduce then broadcast: latency ~ log n", tree});
    r.add({"hierarchical", "2D all-reduce: intra-node reduce-scatter, inter-node ring, intra-node all-gather",
           hierarchical});
    return r;
  }();
  return registry;
}

NetworkModel::NetworkModel(const Topology& topology, const std::string& algorithm)
    : topology_(&topology), algorithm_(CollectiveAlgorithmRegistry::instance().find(algorithm)) {
  if (!algorithm_) throw std::invalid_argument("unknown collective algorithm " + algorithm);
}

std::vector<Phase> NetworkModel::phases(const Collective& c) const {
  if (c.kind == CollectiveKind::SendRecv) {
    Phase p;
    p.flows.push_back({c.ranks.front(), c.ranks.back(), c.bytes});
    p.latency_s = topology_->route(c.ranks.front(), c.ranks.back()).latency_s;
    return {p};
  }
  return algorithm_->phases(c, *topology_);
}

double NetworkModel::analytical_seconds(const Collective& c) const {
  double seconds = 0;
  for (const Phase& p : phases(c)) {
    double slowest = 0;
    for (const Flow& f : p.flows) {
      const Route& r = topology_->route(f.src, f.dst);
      if (!r.links.empty()) slowest = std::max(slowest, f.bytes / r.bottleneck_bps);
    }
    seconds += p.latency_s + slowest;
  }
  return seconds;
}

double NetworkModel::energy_j(const Collective& c) const {
  double joules = 0;
  for (const Phase& p : phases(c))
    for (const Flow& f : p.flows) joules += f.bytes * topology_->route(f.src, f.dst).energy_j_per_byte;
  return joules * static_cast<double>(1 + c.copy_offsets.size());
}

}  // namespace wattsim
