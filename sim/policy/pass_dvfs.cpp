// Pass-level DVFS: one SM clock for the whole iteration (kernels and waits), the one with the lowest step
// energy whose step time stays within (1 + slowdown_budget) of the static baseline. This is the
// "optimal static clock" of Tang et al. 2019 (S36) and the pass-level baseline of Spaan et al. 2026 (S53).
//
// Search: step time does not decrease as the clock falls (compute time scales as 1/f, memory time is
// fixed), so the clocks within budget are a contiguous range from the top; each is simulated exactly and
// the lowest-energy one kept. Stops at the first clock over budget: O(steps within budget) simulations.
#include <cmath>

#include "policy/policy.hpp"

namespace wattsim {

namespace {

constexpr ParamSpec kParameters[] = {
    param::number("slowdown_budget", "allowed step-time increase over static, as a fraction", "0.01", 0, 1),
};

class PassDvfsPolicy final : public Policy {
 public:
  explicit PassDvfsPolicy(double budget) : budget_(budget) {}

  ClockPlan plan(const PlanningContext& context) const override {
    const GpuProfile& profile = context.gpu.profile();
    const auto limit =
        static_cast<SimTime>(std::floor(static_cast<double>(context.baseline.time) * (1.0 + budget_)));
    ClockPlan best = max_clock_plan(context.gpu, context.program);
    StepOutcome best_outcome = context.baseline;
    for (int step = profile.clock_steps() - 2; step >= 0; --step) {
      ClockPlan candidate =
          ClockPlan::uniform(context.program.tasks.size(), static_cast<std::size_t>(context.program.gpus),
                             static_cast<ClockStep>(step));
      const StepOutcome outcome = context.evaluate(candidate);
      if (outcome.time > limit) break;
      if (outcome.energy_j < best_outcome.energy_j) {
        best = std::move(candidate);
        best_outcome = outcome;
      }
    }
    best.notes.emplace_back("chosen_clock_mhz",
                            profile.clock_at_step(best.wait_clock.empty() ? 0 : best.wait_clock[0]));
    best.notes.emplace_back("slowdown_budget", budget_);
    return best;
  }

 private:
  double budget_;
};

}  // namespace

void register_pass_dvfs_policy(PolicyRegistry& registry) {
  registry.add({"pass-dvfs", "one SM clock per iteration: the lowest-energy clock within a slowdown budget",
                kParameters, [](MapReader& r, const GpuProfile&) {
                  return std::make_unique<PassDvfsPolicy>(r.number("slowdown_budget", 0.01));
                }});
}

}  // namespace wattsim
