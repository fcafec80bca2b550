// The cluster network: topology routes, max-min fair sharing, and agreement between the analytical and
// flow fidelities where there is no contention.
#include <gtest/gtest.h>

#include "network/flow_network.hpp"
#include "run/runner.hpp"
#include "test_support.hpp"

namespace wattsim {
namespace {

struct Cluster {
  Scenario scenario;
  Topology topology;
  explicit Cluster(const std::string& hardware)
      : scenario(
            test::scenario_from_text("name: c\nhardware: " + hardware +
                                     "\nworkload: {model: gpt-1.3b, global_batch: 81920, micro_batch: 1}\n")),
        topology(build_cluster_topology(scenario)) {}
};

// Runs the phases on an otherwise idle flow network; returns the seconds until the collective ends.
double flow_seconds(const Topology& topology, std::vector<Phase> phases,
                    const std::vector<int>& copies = {}) {
  FlowNetwork net(topology);
  net.start(7, std::move(phases), copies, 0);
  std::vector<std::uint32_t> done;
  SimTime t = 0;
  while (done.empty()) {
    t = net.next_event();
    EXPECT_GE(t, 0);
    if (t < 0) break;
    net.advance(t, done);
  }
  EXPECT_EQ(done, std::vector<std::uint32_t>{7});
  return to_seconds(t);
}

TEST(Topology, RoutesInsideAndAcrossNodes) {
  const Cluster c("{gpu: A100-SXM4-80GB, nodes: 4}");
  const Route& inside = c.topology.route(0, 5);
  EXPECT_EQ(inside.links.size(), 2u);  // GPU -> NVSwitch -> GPU
  EXPECT_NEAR(inside.bottleneck_bps, 300e9 * 0.8, 1);
  const Route& across = c.topology.route(0, 8);
  EXPECT_GE(across.links.size(), 4u);                 // GPU -> NIC -> leaf (-> spine -> leaf) -> NIC -> GPU
  EXPECT_NEAR(across.bottleneck_bps, 25e9 * 0.9, 1);  // an HDR NIC at 90% efficiency
  EXPECT_EQ(&c.topology.route(0, 8), &across);        // cached
}

TEST(Topology, FabricKindsConnectEveryGpu) {
  for (const char* fabric : {"fat-tree-2l", "fat-tree-3l", "rail-optimized"}) {
    const Cluster c(std::string("{gpu: H100-SXM5-80GB, nodes: 40, fabric: ") + fabric +
                    ", oversubscription: 2}");
    EXPECT_GT(c.topology.switch_count(), 0) << fabric;
    for (int dst : {1, 8, 200, 319}) EXPECT_FALSE(c.topology.route(0, dst).links.empty()) << fabric << dst;
  }
}

TEST(Topology, AFabricTooSmallForTheClusterIsRejected) {
  try {
    test::scenario_from_text(
        "name: c\nhardware: {gpu: H100-SXM5-80GB, nodes: 1024, fabric: fat-tree-2l}\n"
        "workload: {model: gpt-1.3b, global_batch: 8192, micro_batch: 1}\n");
    ADD_FAILURE() << "accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("a fat-tree-2l fabric of ndr-infiniband switches (radix 64, "
                                         "oversubscription 1) joins at most 2048 NICs, not 8192"),
              std::string::npos)
        << e.what();
  }
  const Cluster big("{gpu: H100-SXM5-80GB, nodes: 1024, fabric: fat-tree-3l}");
  EXPECT_FALSE(big.topology.route(0, 8191).links.empty());
}

TEST(FlowNetwork, TwoFlowsSharingALinkEachGetHalf) {
  const Cluster c("{gpu: A100-SXM4-80GB, nodes: 2}");
  const double bytes = 1e9;
  const double nic = c.topology.route(0, 8).bottleneck_bps;
  Phase one{{{0, 8, bytes}}, 0.0};
  EXPECT_NEAR(flow_seconds(c.topology, {one}), bytes / nic, 1e-8);
  // Both leave GPU 0 through its one NIC: each gets half of it, so both take twice as long.
  Phase two{{{0, 8, bytes}, {0, 9, bytes}}, 0.0};
  EXPECT_NEAR(flow_seconds(c.topology, {two}), 2 * bytes / nic, 1e-8);
  // Max-min: a flow that shares nothing keeps its full rate.
  Phase mixed{{{0, 8, bytes}, {0, 9, bytes}, {2, 3, bytes}}, 0.0};
  EXPECT_NEAR(flow_seconds(c.topology, {mixed}), 2 * bytes / nic, 1e-8);
}

TEST(FlowNetwork, AgreesWithAnalyticalOnUncontendedCollectives) {
  const Cluster c("{gpu: A100-SXM4-80GB, nodes: 4}");
  const NetworkModel model(c.topology, "ring");
  Collective inside;
  inside.kind = CollectiveKind::AllReduce;
  inside.bytes = 256e6;
  inside.ranks = {0, 1, 2, 3, 4, 5, 6, 7};
  Collective across = inside;
  across.ranks = {0, 8, 16, 24};  // one GPU per node: a ring over the fabric
  Collective rs = across;
  rs.kind = CollectiveKind::ReduceScatter;
  for (const Collective* col : {&inside, &across, &rs}) {
    const double analytical = model.analytical_seconds(*col);
    EXPECT_NEAR(flow_seconds(c.topology, model.phases(*col)) / analytical, 1.0, 0.01);
  }
  // And the analytical ring is the closed form 2(n−1)/n·S/B + 2(n−1)·α with the route's B and α.
  const Route& r = c.topology.route(0, 1);
  EXPECT_NEAR(model.analytical_seconds(inside), 2.0 * 7 / 8 * 256e6 / r.bottleneck_bps + 14 * r.latency_s,
              1e-12);
}

TEST(FlowNetwork, HierarchicalAllReduceBeatsAFlatRingAcrossNodes) {
  const Cluster c("{gpu: A100-SXM4-80GB, nodes: 4}");
  Collective all;
  all.kind = CollectiveKind::AllReduce;
  all.bytes = 1e9;
  for (int r = 0; r < 32; ++r) all.ranks.push_back(r);
  const double ring = flow_seconds(c.topology, NetworkModel(c.topology, "ring").phases(all));
  const double hier = flow_seconds(c.topology, NetworkModel(c.topology, "hierarchical").phases(all));
  EXPECT_LT(hier, ring);
}

TEST(FlowFidelity, SymmetricAndFullSimulationsAgreeUnderContention) {
  const std::string base =
      "name: f\nhardware: {gpu: A100-SXM4-80GB, nodes: 2, oversubscription: 4}\nnetwork: {fidelity: flow}\n"
      "workload:\n  model: {family: gpt, layers: 4, hidden: 1024, heads: 16, vocab: 8192, seq_len: 1024}\n"
      "  global_batch: 32\n  micro_batch: 2\n"
      "policies: [static]\nparallelism: {tp: 2, pp: 2, dp: 4, symmetric: ";
  const RunResult sym = run_scenario(test::scenario_from_text(base + "true}\n"));
  const RunResult full = run_scenario(test::scenario_from_text(base + "false}\n"));
  EXPECT_NEAR(sym.policies[0].metrics.step_time_s / full.policies[0].metrics.step_time_s, 1.0, 0.005);
  EXPECT_NEAR(sym.policies[0].metrics.energy_per_step_j / full.policies[0].metrics.energy_per_step_j, 1.0,
              0.005);
  // With contention, flow fidelity is never faster than the contention-free analytical one.
  const std::string analytical = base.substr(0, base.find("network:")) + base.substr(base.find("workload:"));
  const RunResult a = run_scenario(test::scenario_from_text(analytical + "true}\n"));
  EXPECT_GE(sym.policies[0].metrics.step_time_s, a.policies[0].metrics.step_time_s * (1 - 1e-9));
}

}  // namespace
}  // namespace wattsim
