// Static allocation, the baseline every policy is compared with: the top SM clock for every kernel, and a
// GPU that waits (for a collective, a pipeline peer, the optimizer) spins at that same clock, as training
// frameworks leave it (docs/physics.md, policies).
#include "policy/policy.hpp"

namespace wattsim {

namespace {
class StaticPolicy final : public Policy {
 public:
  ClockPlan plan(const PlanningContext& context) const override {
    return max_clock_plan(context.gpu, context.program);
  }
};
}  // namespace

void register_static_policy(PolicyRegistry& registry) {
  registry.add({"static",
                "baseline: top SM clock for every kernel and every wait, fixed batch and parallelism",
                {},
                [](const ParamValues&, const GpuProfile&) { return std::make_unique<StaticPolicy>(); }});
}

}  // namespace wattsim
