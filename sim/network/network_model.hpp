#pragma once
// Collectives over the cluster topology. A collective algorithm (ring, tree, hierarchical; a registry)
// turns a collective into phases of point-to-point flows; the network fidelity decides how phases take
// time:
//  - analytical: each phase takes its latency plus its slowest flow's bytes over the bottleneck bandwidth
//    of that flow's route, ignoring other traffic (the α–β closed forms; fast, for sweeps);
//  - flow (flow_network.hpp): the flows of every collective in flight share links max-min fairly.
// On an uncontended ring both give 2(n−1)/n · S/B + 2(n−1)·α for an all-reduce.
#include <functional>
#include <string>
#include <vector>

#include "network/collective.hpp"
#include "network/topology.hpp"
#include "util/registry.hpp"

namespace wattsim {

struct Flow {
  int src, dst;  // global ranks
  double bytes;
};

struct Phase {
  std::vector<Flow> flows;
  double latency_s = 0;  // the α terms of the phase (per-step latencies along its critical path)
};

struct CollectiveAlgorithm {
  std::string name;
  std::string description;
  std::function<std::vector<Phase>(const Collective&, const Topology&)> phases;
};

class CollectiveAlgorithmRegistry : public Registry<CollectiveAlgorithm> {
 public:
  static const CollectiveAlgorithmRegistry& instance();
};

enum class NetworkFidelity : std::uint8_t { Analytical, Flow };

// Blom's approximation to the expected largest of `members` standard normal samples (0 below two).
double expected_last_arrival(int members);

class NetworkModel {
 public:
  // arrival_jitter_s: the standard deviation σ of when each member of a collective arrives (OS noise,
  // kernel-time jitter); a collective waits for its last member, E[max of n] ≈ σ·Φ⁻¹((n − 0.375)/(n + 0.25))
  // (Blom 1958) added to its first phase. 0: members arrive together.
  NetworkModel(const Topology& topology, const std::string& algorithm, double arrival_jitter_s = 0);

  const Topology& topology() const { return *topology_; }
  // The collective's phases for one copy (ranks as listed); point-to-point transfers are one flow.
  std::vector<Phase> phases(const Collective& c) const;
  double analytical_seconds(const Collective& c) const;
  // Energy of the bytes moved over every link, all copies included.
  double energy_j(const Collective& c) const;

 private:
  const Topology* topology_;
  const CollectiveAlgorithm* algorithm_;
  double arrival_jitter_s_;
};

}  // namespace wattsim
