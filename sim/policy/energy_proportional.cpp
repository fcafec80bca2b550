// Energy-proportional operation: every lever at once, in the order each depends on the last. First the
// layout (adaptive-parallel, no slower than the scenario's), then the batch for that layout
// (adaptive-batch, least energy to the target loss), then clocks for the resulting step (kernel-level DVFS
// within the slowdown budget, or critical-path planning, which never lengthens the step).
#include "policy/adaptive_policies.hpp"
#include "policy/configuration_search.hpp"

namespace wattsim {

namespace {

enum class ClockPlanner { Kernel, CriticalPath };
constexpr EnumNames<ClockPlanner, 2> kClockPlannerNames{{"kernel", "critical-path"}};

constexpr ParamSpec kParameters[] = {
    param::number("slowdown_budget", "kernel-level DVFS's step-time budget", 0.01, 0, 1),
    param::choice("dvfs", "the clock planner", kClockPlannerNames(ClockPlanner::Kernel),
                  &names_of<kClockPlannerNames>),
    param::integer("max_batch_factor", "largest batch tried, as a multiple of the scenario's", 4, 1, 64),
};

class EnergyProportionalPolicy final : public Policy {
 public:
  EnergyProportionalPolicy(std::unique_ptr<Policy> clocks, int max_batch_factor)
      : clocks_(std::move(clocks)), max_batch_factor_(max_batch_factor) {}
  std::optional<Configuration> configure(const ConfigurationContext& context) const override {
    return best_batch(context, best_layout(context, context.current, 0.0), max_batch_factor_);
  }
  ClockPlan plan(const PlanningContext& context) const override { return clocks_->plan(context); }

 private:
  std::unique_ptr<Policy> clocks_;
  int max_batch_factor_;
};

}  // namespace

void register_energy_proportional_policy(PolicyRegistry& registry) {
  registry.add({"energy-proportional",
                "adaptive parallelism, then adaptive batch, then DVFS (kernel or critical-path)", kParameters,
                [](const ParamValues& v, const GpuProfile&) {
                  const double budget = v.number("slowdown_budget");
                  std::unique_ptr<Policy> clocks =
                      kClockPlannerNames.parse(v.text("dvfs")) == ClockPlanner::CriticalPath
                          ? make_critical_path_policy(budget)
                          : make_kernel_dvfs_policy(budget);
                  return std::make_unique<EnergyProportionalPolicy>(
                      std::move(clocks), static_cast<int>(v.integer("max_batch_factor")));
                }});
}

}  // namespace wattsim
