#include "policy/policy.hpp"

namespace wattsim {

void register_static_policy(PolicyRegistry& registry);
void register_pass_dvfs_policy(PolicyRegistry& registry);
void register_locked_clock_policy(PolicyRegistry& registry);
void register_power_cap_policy(PolicyRegistry& registry);

const PolicyRegistry& PolicyRegistry::instance() {
  static const PolicyRegistry registry = [] {
    PolicyRegistry r;
    register_static_policy(r);
    register_pass_dvfs_policy(r);
    register_locked_clock_policy(r);
    register_power_cap_policy(r);
    return r;
  }();
  return registry;
}

ClockStep top_clock_step(const GpuModel& gpu) {
  return static_cast<ClockStep>(gpu.profile().clock_steps() - 1);
}

ClockPlan max_clock_plan(const GpuModel& gpu, const StepProgram& program) {
  return ClockPlan::uniform(program.tasks.size(), static_cast<std::size_t>(program.gpus),
                            top_clock_step(gpu));
}

}  // namespace wattsim
