// Pass-level DVFS: one SM clock for the whole iteration (kernels and waits), the one with the lowest step
// energy whose step time stays within (1 + slowdown_budget) of the static baseline. This is the
// "optimal static clock" of Tang et al. 2019 (S36) and the pass-level baseline of Spaan et al. 2026 (S53).
//
// Search: step time does not decrease as the clock falls (compute time scales as 1/f, memory time is
// fixed), so the clocks within budget are a contiguous range from the top; each is simulated exactly and
// the lowest-energy one kept. Stops at the first clock over budget: O(steps within budget) simulations.
#include "policy/plan_search.hpp"

namespace wattsim {

namespace {

constexpr ParamSpec kParameters[] = {
    slowdown_budget_parameter(0.01),
};

class PassDvfsPolicy final : public Policy {
 public:
  explicit PassDvfsPolicy(double budget) : budget_(budget) {}

  ClockPlan plan(const PlanningContext& context) const override {
    BestPlan best(context, budget_limit(context.baseline, budget_));
    try_uniform_clocks(best);
    ClockPlan plan = best.plan();
    plan.notes.emplace_back("chosen_clock_mhz", context.gpu.profile().clock_at(plan.wait_clock.at(0)));
    plan.notes.emplace_back("slowdown_budget", budget_);
    return plan;
  }

 private:
  double budget_;
};

}  // namespace

void register_pass_dvfs_policy(PolicyRegistry& registry) {
  registry.add({"pass-dvfs", "one SM clock per iteration: the lowest-energy clock within a slowdown budget",
                kParameters, [](const ParamValues& v, const GpuProfile&) {
                  return std::make_unique<PassDvfsPolicy>(v.number("slowdown_budget"));
                }});
}

}  // namespace wattsim
