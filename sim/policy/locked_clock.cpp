// Locked clock: every kernel and every wait at one SM clock the user chooses, as `nvidia-smi -lgc F,F`
// does. The clock must be one the GPU supports; the power cap still applies on top.
#include <cmath>
#include <sstream>

#include "policy/policy.hpp"

namespace wattsim {

namespace {

constexpr ParamSpec kParameters[] = {
    param::quantity("clock", Dimension::Frequency, "the SM clock to lock, one of the GPU's supported clocks",
                    "", 1e6, 1e10),
};

class LockedClockPolicy final : public Policy {
 public:
  explicit LockedClockPolicy(ClockStep step) : step_(step) {}
  ClockPlan plan(const PlanningContext& context) const override {
    ClockPlan p = ClockPlan::uniform(context.program.tasks.size(),
                                     static_cast<std::size_t>(context.program.gpus), step_);
    p.notes.emplace_back("chosen_clock_mhz", context.gpu.profile().clock_at_step(step_));
    return p;
  }

 private:
  ClockStep step_;
};

std::unique_ptr<Policy> make(MapReader& r, const GpuProfile& gpu) {
  const double mhz = r.quantity("clock", gpu.clock_max_mhz * 1e6) * 1e-6;
  if (gpu.clock_step_mhz <= 0)
    return std::make_unique<LockedClockPolicy>(0);  // GPU unknown: reported already
  if (!gpu.supports_clock(mhz)) {
    std::ostringstream m;
    m << "clock " << mhz << " MHz is not one " << gpu.name << " supports: " << gpu.clock_min_mhz << " to "
      << gpu.clock_max_mhz << " MHz in steps of " << gpu.clock_step_mhz
      << " MHz (nearest below: " << gpu.snap_clock(mhz) << " MHz)";
    r.error("clock", m.str());
    return std::make_unique<LockedClockPolicy>(0);
  }
  return std::make_unique<LockedClockPolicy>(
      static_cast<ClockStep>(std::lround((mhz - gpu.clock_min_mhz) / gpu.clock_step_mhz)));
}

}  // namespace

void register_locked_clock_policy(PolicyRegistry& registry) {
  registry.add(
      {"locked-clock", "every kernel and wait at one chosen SM clock (nvidia-smi -lgc)", kParameters, make});
}

}  // namespace wattsim
