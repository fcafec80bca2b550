// Power cap: a fixed board power limit as a fraction of TDP, as `nvidia-smi -pl` sets it; clocks are
// otherwise left at the top, and the GPU's power controller holds every control window's average within it
// (docs/physics.md, "Power limit").
// Zeus (You et al. NSDI'23, S44) finds the energy-optimal limit near 55–65% of the maximum.
#include <sstream>

#include "policy/policy.hpp"

namespace wattsim {

namespace {

constexpr ParamSpec kParameters[] = {
    param::number("fraction", "power limit as a fraction of the GPU's TDP", 0.8, 0.05, 1),
};

class PowerCapPolicy final : public Policy {
 public:
  explicit PowerCapPolicy(double cap_w) : cap_w_(cap_w) {}
  ClockPlan plan(const PlanningContext& context) const override {
    ClockPlan p = max_clock_plan(context.gpu, context.program);
    p.power_cap_w = cap_w_;
    p.notes.emplace_back("power_cap_w", cap_w_);
    return p;
  }

 private:
  double cap_w_;
};

std::unique_ptr<Policy> make(const ParamValues& v, const GpuProfile& gpu) {
  return std::make_unique<PowerCapPolicy>(v.number("fraction") * gpu.tdp_w);
}

void check(const ParamValues& v, const GpuProfile& gpu, Issues& issues) {
  const double fraction = v.number("fraction");
  const double cap = fraction * gpu.tdp_w;
  if (cap >= gpu.min_power_cap_w) return;
  std::ostringstream m;
  m << "power-cap fraction " << fraction << " gives " << cap << " W, below the lowest limit " << gpu.name
    << " accepts (" << gpu.min_power_cap_w << " W, a fraction of " << gpu.min_power_cap_w / gpu.tdp_w << ")";
  issues.push_back({"fraction", m.str()});
}

}  // namespace

void register_power_cap_policy(PolicyRegistry& registry) {
  registry.add({"power-cap",
                "a fixed power limit as a fraction of TDP (nvidia-smi -pl), top clocks otherwise",
                kParameters, make, check});
}

}  // namespace wattsim
