// Adaptive parallelism: among the layouts (tp, pp, dp, micro-batch size, ZeRO stage) that fit in memory
// and divide the model, the one with the lowest step energy whose step is no slower than (1 + budget) of
// the scenario's, at static clocks. A layout trades communication (TP all-reduces inside a node, DP
// gradient reduction across nodes), pipeline bubbles ((p−1)/m of the step idle) and memory.
#include "policy/configuration_search.hpp"

namespace wattsim {

namespace {

constexpr ParamSpec kParameters[] = {
    param::number("slowdown_budget", "allowed step-time increase over the scenario's layout", 0, 0, 1),
};

class AdaptiveParallelPolicy final : public ConfigurationPolicy {
 public:
  explicit AdaptiveParallelPolicy(double budget) : budget_(budget) {}
  std::optional<Configuration> configure(const ConfigurationContext& context) const override {
    return best_layout(context, context.current, budget_);
  }

 private:
  double budget_;
};

}  // namespace

void register_adaptive_parallel_policy(PolicyRegistry& registry) {
  registry.add({"adaptive-parallel",
                "the layout (tp, pp, dp, micro-batch, ZeRO) with the lowest step energy within a time budget",
                kParameters, [](const ParamValues& v, const GpuProfile&) {
                  return std::make_unique<AdaptiveParallelPolicy>(v.number("slowdown_budget"));
                }});
}

}  // namespace wattsim
