#include "network/network_model.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <tuple>

#include <boost/math/distributions/normal.hpp>

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

// Runs `one` beside what `into` already holds: its flows join, the phase waits for the slower latency.
void run_beside(Phase& into, const Phase& one) {
  into.flows.insert(into.flows.end(), one.flows.begin(), one.flows.end());
  into.latency_s = std::max(into.latency_s, one.latency_s);
}

// The group's ranks by node, nodes in order of first appearance, ranks in the group's order.
std::vector<std::vector<int>> members_by_node(const std::vector<int>& ranks, const Topology& topo) {
  std::vector<std::vector<int>> nodes;
  std::vector<int> node_ids;
  for (int r : ranks) {
    const int node = topo.node_of(r);
    const auto it = std::find(node_ids.begin(), node_ids.end(), node);
    if (it == node_ids.end()) {
      node_ids.push_back(node);
      nodes.push_back({r});
    } else {
      nodes[static_cast<std::size_t>(it - node_ids.begin())].push_back(r);
    }
  }
  return nodes;
}

// Folds flows with the same source and destination into one (channels that share a link hop).
void merge_flows(Phase& p) {
  std::sort(p.flows.begin(), p.flows.end(),
            [](const Flow& a, const Flow& b) { return std::tie(a.src, a.dst) < std::tie(b.src, b.dst); });
  std::size_t out = 0;
  for (std::size_t i = 0; i < p.flows.size(); ++i) {
    if (out > 0 && p.flows[out - 1].src == p.flows[i].src && p.flows[out - 1].dst == p.flows[i].dst)
      p.flows[out - 1].bytes += p.flows[i].bytes;
    else
      p.flows[out++] = p.flows[i];
  }
  p.flows.resize(out);
}

// The members of a node's part of a group that each start a channel: the first member on each distinct
// NIC, in the group's order.
std::vector<std::size_t> channel_starts(const std::vector<int>& members, const Topology& topo) {
  std::vector<std::size_t> starts;
  std::vector<int> seen;
  for (std::size_t i = 0; i < members.size(); ++i) {
    const int nic = topo.nic_of(members[i]);
    if (std::find(seen.begin(), seen.end(), nic) == seen.end()) {
      seen.push_back(nic);
      starts.push_back(i);
    }
  }
  return starts;
}

// A ring as NCCL runs it over a group that spans nodes: one channel (ring) per NIC the group's members
// of a node use, each carrying 1/c of the data and entering and leaving every node through a different
// NIC (NCCL builds its rings per NIC: S75 "one ring per NIC", S77/S78 busbw ≈ NICs × per-NIC rate).
// Channel j visits each node's members starting at the first member on NIC j, so it leaves through the
// NIC of the member before it; inside a node the channels share the NVLink hops. With one NIC per member
// (k members, k channels) a GPU's NVLink carries (k−1)/k of a single ring's bytes and its NIC 1/k. Groups
// inside one node, with one member per node, or with nodes that differ (members or NICs), are one ring.
Phase channel_rings(CollectiveKind kind, double bytes, const std::vector<int>& ranks, const Topology& topo) {
  const std::vector<std::vector<int>> nodes = members_by_node(ranks, topo);
  const std::size_t k = nodes.front().size();
  const std::vector<std::size_t> starts = channel_starts(nodes.front(), topo);
  const bool regular = std::all_of(nodes.begin(), nodes.end(), [&](const auto& m) {
    return m.size() == k && channel_starts(m, topo) == starts;
  });
  if (nodes.size() < 2 || starts.size() < 2 || !regular || kind == CollectiveKind::AllToAll)
    return ring_phase(kind, bytes, ranks, topo);
  Phase all;
  std::vector<int> order;
  order.reserve(ranks.size());
  for (std::size_t start : starts) {
    order.clear();
    for (const std::vector<int>& members : nodes)
      for (std::size_t i = 0; i < k; ++i) order.push_back(members[(i + start) % k]);
    run_beside(all, ring_phase(kind, bytes / static_cast<double>(starts.size()), order, topo));
  }
  merge_flows(all);
  return all;
}

// One ring over the group in its listed order: where the group spans nodes, each node is entered and left
// through one GPU and so one NIC.
std::vector<Phase> ring(const Collective& c, const Topology& topo) {
  return {ring_phase(c.kind, c.bytes, c.ranks, topo)};
}

std::vector<Phase> nccl_ring(const Collective& c, const Topology& topo) {
  return {channel_rings(c.kind, c.bytes, c.ranks, topo)};
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

// The α–β time of phases run alone: each phase's latency plus its slowest flow over its route.
double alone_seconds(const std::vector<Phase>& phases, const Topology& topo) {
  double seconds = 0;
  for (const Phase& p : phases) {
    double slowest = 0;
    for (const Flow& f : p.flows) {
      const Route& r = topo.route(f.src, f.dst);
      if (!r.links.empty()) slowest = std::max(slowest, f.bytes / r.bottleneck_bps);
    }
    seconds += p.latency_s + slowest;
  }
  return seconds;
}

// NCCL's choice (its tuning model, src/graph/tuning.cc, predicts each algorithm's time as a latency plus
// the bytes over a bandwidth and runs the fastest): an all-reduce runs as the tree or the channelled ring,
// whichever the α–β model predicts faster — the tree for small messages, whose latency grows as log n
// against the ring's n, the rings for large ones; every other collective runs the channelled ring.
std::vector<Phase> nccl(const Collective& c, const Topology& topo) {
  std::vector<Phase> rings = nccl_ring(c, topo);
  if (c.kind != CollectiveKind::AllReduce) return rings;
  std::vector<Phase> trees = tree(c, topo);
  return alone_seconds(trees, topo) < alone_seconds(rings, topo) ? trees : rings;
}

// Hierarchical (2D) collectives over a group with k members on each of several nodes: inside each node
// a ring over NVLink, across nodes k column rings (members of the same local position, each through its
// own NIC) over 1/k of the data (NCCL's tree/ring hybrids, Horovod's hierarchical mode).
//   all-reduce:     intra reduce-scatter, inter all-reduce of the shards, intra all-gather;
//   reduce-scatter: intra reduce-scatter, inter reduce-scatter of the shards;
//   all-gather:     inter all-gather of the shards, intra all-gather.
// Other collectives, irregular groups and groups inside one node use the channelled ring (nccl-ring).
std::vector<Phase> hierarchical(const Collective& c, const Topology& topo) {
  const std::vector<std::vector<int>> nodes = members_by_node(c.ranks, topo);
  const std::size_t k = nodes.front().size();
  const bool regular = std::all_of(nodes.begin(), nodes.end(), [&](const auto& m) { return m.size() == k; });
  const bool two_level = c.kind == CollectiveKind::AllReduce || c.kind == CollectiveKind::ReduceScatter ||
                         c.kind == CollectiveKind::AllGather;
  if (!two_level || nodes.size() < 2 || k < 2 || !regular) return nccl_ring(c, topo);
  auto intra = [&](CollectiveKind kind) {
    Phase p;
    for (const std::vector<int>& members : nodes) run_beside(p, ring_phase(kind, c.bytes, members, topo));
    return p;
  };
  auto inter = [&](CollectiveKind kind) {
    Phase p;
    for (std::size_t j = 0; j < k; ++j) {
      std::vector<int> column;
      for (const std::vector<int>& members : nodes) column.push_back(members[j]);
      run_beside(p, ring_phase(kind, c.bytes / static_cast<double>(k), column, topo));
    }
    return p;
  };
  switch (c.kind) {
    case CollectiveKind::ReduceScatter:
      return {intra(CollectiveKind::ReduceScatter), inter(CollectiveKind::ReduceScatter)};
    case CollectiveKind::AllGather:
      return {inter(CollectiveKind::AllGather), intra(CollectiveKind::AllGather)};
    default:
      return {intra(CollectiveKind::ReduceScatter), inter(CollectiveKind::AllReduce),
              intra(CollectiveKind::AllGather)};
  }
}

}  // namespace

const CollectiveAlgorithmRegistry& CollectiveAlgorithmRegistry::instance() {
  static const CollectiveAlgorithmRegistry registry = [] {
    CollectiveAlgorithmRegistry r;
    r.add({"ring", "bandwidth-optimal ring: 2(n-1)/n S/B + 2(n-1) alpha for an all-reduce", ring});
    r.add({"nccl-ring",
           "rings as NCCL builds them: one channel per NIC of a node where the group spans nodes, "
           "each carrying 1/k of the data",
           nccl_ring});
    r.add({"tree", "binary tree all-reduce, pipelined reduce then broadcast: latency ~ log n", tree});
    r.add({"nccl", "NCCL's choice: all-reduce as tree or channelled rings, whichever is predicted faster",
           nccl});
    r.add({"hierarchical",
           "2D all-reduce, reduce-scatter and all-gather: rings inside each node over NVLink, "
           "across nodes over every NIC",
           hierarchical});
    return r;
  }();
  return registry;
}

NetworkModel::NetworkModel(const Topology& topology, const std::string& algorithm, double arrival_jitter_s)
    : topology_(&topology),
      algorithm_(CollectiveAlgorithmRegistry::instance().find(algorithm)),
      arrival_jitter_s_(arrival_jitter_s) {
  if (!algorithm_) throw std::invalid_argument("unknown collective algorithm " + algorithm);
}

double expected_last_arrival(int members) {
  if (members < 2) return 0.0;
  const double n = members;
  return boost::math::quantile(boost::math::normal(), (n - 0.375) / (n + 0.25));
}

std::vector<Phase> NetworkModel::phases(const Collective& c) const {
  std::vector<Phase> phases;
  if (c.kind == CollectiveKind::SendRecv) {
    Phase p;
    p.flows.push_back({c.ranks.front(), c.ranks.back(), c.bytes});
    p.latency_s = topology_->route(c.ranks.front(), c.ranks.back()).latency_s;
    phases.push_back(std::move(p));
  } else {
    phases = algorithm_->phases(c, *topology_);
  }
  if (arrival_jitter_s_ > 0 && !phases.empty())
    phases.front().latency_s += arrival_jitter_s_ * expected_last_arrival(static_cast<int>(c.ranks.size()));
  return phases;
}

double NetworkModel::analytical_seconds(const Collective& c) const {
  return alone_seconds(phases(c), *topology_);
}

double NetworkModel::energy_j(const Collective& c) const {
  double joules = 0;
  for (const Phase& p : phases(c))
    for (const Flow& f : p.flows) joules += f.bytes * topology_->route(f.src, f.dst).energy_j_per_byte;
  return joules * static_cast<double>(1 + c.copy_offsets.size());
}

}  // namespace wattsim
