#pragma once
// A policy turns a step program into a clock plan. It may try plans through the evaluator (which
// simulates one step and returns its time and energy) but never touches the engine or the GPU state.
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/sim_time.hpp"
#include "hardware/gpu_model.hpp"
#include "io/schema.hpp"
#include "policy/clock_plan.hpp"
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
};

class Policy {
 public:
  virtual ~Policy() = default;
  virtual ClockPlan plan(const PlanningContext& context) const = 0;
};

// The registry of policies: each registers a name, a one-line description, its parameters (declared once,
// with units, defaults and ranges) and a factory reading them.
struct PolicyInfo {
  std::string name;
  std::string description;
  std::span<const ParamSpec> parameters;
  // Reads the policy's parameters; the GPU profile lets it check them (a clock the GPU does not have).
  std::function<std::unique_ptr<Policy>(MapReader&, const GpuProfile&)> make;
};

class PolicyRegistry : public Registry<PolicyInfo> {
 public:
  static const PolicyRegistry& instance();  // the built-in policies, registered on first use
};

// Plan helpers shared by policies.
ClockPlan max_clock_plan(const GpuModel& gpu, const StepProgram& program);
ClockStep top_clock_step(const GpuModel& gpu);
// Reads a clock parameter that must be one the GPU supports; reports it otherwise and returns fallback.
ClockStep read_supported_clock(MapReader& r, std::string_view key, const GpuProfile& gpu, ClockStep fallback);

}  // namespace wattsim
