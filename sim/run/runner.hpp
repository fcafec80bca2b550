#pragma once
// The run level (design §2): builds the step program of a scenario, lets each policy plan its clocks,
// simulates `simulated_steps` steps event by event and extrapolates the steady state to the run's length.
#include <string>
#include <vector>

#include "hardware/gpu_model.hpp"
#include "io/scenario.hpp"
#include "network/network_model.hpp"
#include "network/topology.hpp"
#include "run/step_simulator.hpp"
#include "run/trace.hpp"
#include "workload/step_program.hpp"

namespace wattsim {

struct Metric {
  std::string name;  // with its unit as suffix (_s, _j, _w, _kg, _pct) or none for ratios and counts
  double value;
};

struct PolicyResult {
  std::string name;
  std::vector<Metric> summary;
  std::vector<StepRecord> steps;
  Trace trace;
  // Energy per (layer, direction), LayerEnergy's layout: of the steady step and of the whole run; the run's
  // entries sum to energy_j.
  std::vector<std::string> layer_names;
  LayerEnergy layer_step_j, layer_run_j;
  std::vector<ScheduleSegment> schedule;  // carbon-aware only
  std::uint64_t fingerprint = 0;          // of the simulated steps' (time, task) completion sequence

  double metric(const std::string& name) const;
};

struct ComparisonRow {
  std::string policy;
  double energy_saving_pct = 0;
  double time_overhead_pct = 0;
  double co2e_saving_pct = 0;
  double avg_power_change_pct = 0;
  double e2a_improvement_pct = 0;  // NaN when the workload has no convergence model
};

struct RunResult {
  std::vector<PolicyResult> policies;
  std::vector<ComparisonRow> comparison;
  std::vector<std::string> labels;  // kernel labels, indexed by TraceEvent::label
  std::uint64_t tasks_per_step = 0;
  std::vector<int> gpu_rank;             // per simulated GPU (the `gpu` of power and events): global rank
  std::vector<double> gpu_multiplicity;  // and how many GPUs it stands for
};

// Builds the step program and the cluster of a scenario (exposed for tests and benchmarks).
StepProgram build_step_program(const Scenario& scenario);
Topology build_cluster_topology(const Scenario& scenario);

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
RunResult run_scenario(const Scenario& scenario);

// The per-GPU spread and stragglers of a scenario, for its simulated GPUs (empty if all are alike).
std::vector<GpuVariation> build_variation(const Scenario& scenario, const StepProgram& program);
// A scenario's batch and layout, and the scenario with another one applied ("" or why it cannot run).
Configuration configuration_of(const Scenario& scenario);
std::string apply_configuration(Scenario& scenario, const Configuration& c);

}  // namespace wattsim
