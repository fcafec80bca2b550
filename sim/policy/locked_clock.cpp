// Locked clock: every kernel and every wait at one SM clock the user chooses, as `nvidia-smi -lgc F,F`
// does. The clock must be one the GPU supports; the power cap still applies on top.
#include "policy/policy.hpp"

namespace wattsim {

namespace {

constexpr ParamSpec kParameters[] = {
    param::quantity("clock", Dimension::Frequency, "the SM clock to lock, one of the GPU's supported clocks",
                    param::kRequired, 1e6, 1e10),
};

class LockedClockPolicy final : public Policy {
 public:
  explicit LockedClockPolicy(ClockIndex step) : step_(step) {}
  ClockPlan plan(const PlanningContext& context) const override {
    ClockPlan p = ClockPlan::uniform(context.program.tasks.size(),
                                     static_cast<std::size_t>(context.program.gpus), step_);
    p.notes.emplace_back("chosen_clock_mhz", context.gpu.profile().clock_at(step_));
    return p;
  }

 private:
  ClockIndex step_;
};

std::unique_ptr<Policy> make(const ParamValues& v, const GpuProfile& gpu) {
  return std::make_unique<LockedClockPolicy>(clock_parameter(v, "clock", gpu, 0));
}

void check(const ParamValues& v, const GpuProfile& gpu, Issues& issues) {
  check_supported_clock(v, "clock", gpu, issues);
}

}  // namespace

void register_locked_clock_policy(PolicyRegistry& registry) {
  registry.add({"locked-clock", "every kernel and wait at one chosen SM clock (nvidia-smi -lgc)", kParameters,
                make, check});
}

}  // namespace wattsim
