#pragma once
// The run level: builds the step program of a scenario, instantiates its policies from the registry, lets
// each choose a batch and layout and plan its clocks, simulates `simulated_steps` steps event by event and
// extrapolates the steady state to the run's length (or follows the policy's schedule). Results stream to
// an output sink as each policy finishes.
#include <memory>
#include <vector>

#include "config/scenario.hpp"
#include "hardware/gpu_model.hpp"
#include "network/network_model.hpp"
#include "network/topology.hpp"
#include "run/output_sink.hpp"
#include "run/run_result.hpp"
#include "run/step_simulator.hpp"
#include "workload/step_program.hpp"

namespace wattsim {

// Builds the step program and the cluster of a scenario (exposed for tests and benchmarks).
StepProgram build_step_program(const Scenario& scenario);
Topology build_cluster_topology(const Scenario& scenario);
// Host and switch power of the nodes in use: a partly used single node is charged its share; multi-node
// clusters use whole nodes.
ClusterPower cluster_power(const Scenario& scenario, const Topology& topology);
// The per-GPU spread and stragglers of a scenario, for its simulated GPUs (empty if all are alike).
std::vector<GpuVariation> build_variation(const Scenario& scenario, const StepProgram& program);

// Everything that simulates a scenario's steps, built together in dependency order: the step program,
// the GPU model, the cluster and its network, and the step simulator over them. Tests and benchmarks
// drive `sim` directly; run_scenario adds planning and reporting.
struct ScenarioSimulation {
  explicit ScenarioSimulation(const Scenario& scenario);
  ScenarioSimulation(const ScenarioSimulation&) = delete;
  ScenarioSimulation& operator=(const ScenarioSimulation&) = delete;

  const StepProgram program;
  const GpuModel gpu;
  const Topology topology;
  const NetworkModel network;
  StepSimulator sim;
  const std::vector<GpuVariation> variation;
  std::vector<double> steady_time_factor;  // per simulated GPU, once any straggler has started
};

// A scenario's policy, built from its specification (checked by check_policies).
std::unique_ptr<Policy> instantiate(const PolicySpec& spec, const GpuProfile& gpu);
// What the policies' own rules find wrong with their values, keyed "policies.<name>.<parameter>".
Issues check_policies(const Scenario& scenario);

// Simulates every policy of the scenario; each one's trace (when the sink wants it) and result go to the
// sink as it finishes, the comparison at the end.
RunResult run_scenario(const Scenario& scenario, OutputSink& sink);
inline RunResult run_scenario(const Scenario& scenario) {
  OutputSink none;
  return run_scenario(scenario, none);
}

// A scenario's batch and layout.
Configuration configuration_of(const Scenario& scenario);

}  // namespace wattsim
