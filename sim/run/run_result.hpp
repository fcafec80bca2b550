#pragma once
// What a scenario's run gives: per policy its metrics, what it chose, its simulated steps and its energy
// per layer; and the comparison of every policy with static allocation.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "energy/energy_meter.hpp"
#include "policy/policy.hpp"
#include "run/run_metrics.hpp"
#include "run/step_record.hpp"

namespace wattsim {

struct PolicyResult {
  std::string name;
  RunMetrics metrics;
  // Figures the policy reports about its choice (chosen_clock_mhz, lambda_w...), in its own terms.
  std::vector<std::pair<std::string, double>> notes;
  std::vector<StepRecord> steps;
  // Energy per (layer, direction) slot (energy_meter.hpp): of the steady step and of the whole run; the
  // run's entries sum to metrics.energy_j.
  std::vector<std::string> layer_names;
  LayerEnergy layer_step_j, layer_run_j;
  std::vector<ScheduleSegment> schedule;  // carbon-aware only
  std::uint64_t fingerprint = 0;          // of the simulated steps' (time, task) completion sequence

  // A note by name; std::out_of_range if the policy did not report it.
  double note(std::string_view name) const;
};

struct ComparisonRow {
  std::string policy;
  double energy_saving_pct = 0;
  double time_overhead_pct = 0;
  double co2e_saving_pct = 0;
  double avg_power_change_pct = 0;
  std::optional<double> e2a_improvement_pct;  // when the workload has a convergence model
};

struct RunResult {
  std::vector<PolicyResult> policies;
  std::vector<ComparisonRow> comparison;
  std::vector<std::string> labels;  // kernel labels, indexed by TraceEvent::label
  std::uint64_t tasks_per_step = 0;
  std::vector<int> gpu_rank;             // per simulated GPU (the `gpu` of power and events): global rank
  std::vector<double> gpu_multiplicity;  // and how many GPUs it stands for
};

}  // namespace wattsim
