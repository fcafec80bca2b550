// Adaptive batch size: the global batch that minimises energy to the target loss. Larger batches make
// steps cheaper per sample (the pipeline bubble and the gradient reduction are paid once per step) but,
// above the critical batch size, need more samples to reach the same loss: S(B) = S_min·(1 + B_noise/B)
// (McCandlish et al. 2018, "An Empirical Model of Large-Batch Training"; Kaplan et al. 2020 give B_noise
// as a function of the loss for language models). The workload's `critical_batch` and `min_steps` set the
// model (models/workloads, with their sources). Zeus (S44) tunes batch size for the same reason.
// The run then lasts S(B')/S(B) as many steps as the scenario's, to reach the same loss.
#include "policy/configuration_search.hpp"

namespace wattsim {

namespace {

constexpr ParamSpec kParameters[] = {
    param::integer("max_factor", "largest batch tried, as a multiple of the scenario's", 4, 1, 64),
};

class AdaptiveBatchPolicy final : public ConfigurationPolicy {
 public:
  explicit AdaptiveBatchPolicy(int max_factor) : max_factor_(max_factor) {}
  std::optional<Configuration> configure(const ConfigurationContext& context) const override {
    return best_batch(context, context.current, max_factor_);
  }

 private:
  int max_factor_;
};

}  // namespace

void register_adaptive_batch_policy(PolicyRegistry& registry) {
  registry.add({"adaptive-batch",
                "the global batch minimising energy to the target loss (critical-batch model)", kParameters,
                [](const ParamValues& v, const GpuProfile&) {
                  return std::make_unique<AdaptiveBatchPolicy>(static_cast<int>(v.integer("max_factor")));
                }});
}

}  // namespace wattsim
