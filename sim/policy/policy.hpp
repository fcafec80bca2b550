#pragma once
// A policy turns a step program into a clock plan. It may try plans through the evaluator (which
// simulates one step and returns its time and energy) but never touches the engine or the GPU state.
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "config/configuration.hpp"
#include "config/params.hpp"
#include "energy/grid_intensity.hpp"
#include "engine/sim_time.hpp"
#include "hardware/gpu_model.hpp"
#include "policy/clock_plan.hpp"
#include "util/issues.hpp"
#include "util/registry.hpp"
#include "workload/step_program.hpp"

namespace wattsim {

struct StepOutcome {
  SimTime time = 0;
  double energy_j = 0;
};

struct PlanningContext {
  const GpuModel& gpu;
  const StepProgram& program;
  std::function<StepOutcome(const ClockPlan&)> evaluate;
  // The static baseline's outcome, the reference for slowdown budgets.
  StepOutcome baseline;
  // Per collective: its duration alone on the network (the analytical model), for planners that reason
  // about the step's critical path.
  std::span<const SimTime> collective_time = {};
  // Per simulated GPU: the factor on its kernel times in the steady state (variation, stragglers); empty
  // when all GPUs are alike.
  std::span<const double> gpu_time_factor = {};
  // Per task: the clock the power controller allowed each kernel in the static step (KernelCostTable).
  std::span<const ClockIndex> task_ceiling = {};
};

struct ConfigurationOutcome {
  bool feasible = false;
  Issues why;                  // when not feasible
  StepOutcome step;            // one step at static clocks
  double steps_to_target = 0;  // S(B) of the convergence model; 0 if the workload has none
  double energy_to_target_j() const { return steps_to_target * step.energy_j; }
};

struct ConfigurationContext {
  Configuration current;
  int gpus_per_node = 1;
  std::function<ConfigurationOutcome(const Configuration&)> evaluate;  // memoised by the caller
};

// A run laid out over wall-clock time (carbon-aware scheduling): in each segment the job runs at one
// uniform clock, or is paused (clock < 0) and draws nothing.
struct ScheduleSegment {
  double t0_s = 0, t1_s = 0;
  int clock = -1;
  double steps = 0;
};
struct ScheduleContext {
  const GridIntensity* grid = nullptr;
  double pue = 1;
  double total_steps = 0;
  double static_run_time_s = 0;
  int clock_count = 1;
  std::function<StepOutcome(ClockIndex)>
      uniform_clock_step;  // one step with every kernel and wait at a clock
};

class Policy {
 public:
  virtual ~Policy() = default;
  virtual ClockPlan plan(const PlanningContext& context) const = 0;
  // A structural choice made before plan(); nullopt keeps the scenario's batch and layout.
  virtual std::optional<Configuration> configure(const ConfigurationContext&) const { return std::nullopt; }
  // A schedule over wall-clock time for the whole run; empty keeps "run every step back to back now".
  virtual std::vector<ScheduleSegment> schedule(const ScheduleContext&) const { return {}; }
};

// The registry of policies: each registers a name, a one-line description, its parameters (declared once,
// with units, defaults and ranges), what it checks of their values, and a factory.
struct PolicyInfo {
  std::string name;
  std::string description;
  std::span<const ParamSpec> parameters;
  // Builds the policy from its parameter values (checked).
  std::function<std::unique_ptr<Policy>(const ParamValues&, const GpuProfile&)> make;
  // Checks the values against the GPU (a clock it does not have, a limit it does not accept): issues keyed
  // by parameter name. Null: nothing beyond the declared ranges.
  std::function<void(const ParamValues&, const GpuProfile&, Issues&)> check = nullptr;
};

class PolicyRegistry : public Registry<PolicyInfo> {
 public:
  static const PolicyRegistry& instance();  // the built-in policies, registered on first use
};

// Plan helpers shared by policies.
ClockPlan max_clock_plan(const GpuModel& gpu, const StepProgram& program);
ClockIndex top_clock(const GpuModel& gpu);
// A clock parameter must be one the GPU supports: checks it (when given) and gives its index.
void check_supported_clock(const ParamValues& values, std::string_view key, const GpuProfile& gpu,
                           Issues& issues);
ClockIndex clock_parameter(const ParamValues& values, std::string_view key, const GpuProfile& gpu,
                           ClockIndex fallback);

}  // namespace wattsim
