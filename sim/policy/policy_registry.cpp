#include <stdexcept>

#include "policy/policy.hpp"

namespace wattsim {

void register_static_policy(PolicyRegistry& registry);
void register_pass_dvfs_policy(PolicyRegistry& registry);

PolicyRegistry& PolicyRegistry::instance() {
  static PolicyRegistry registry = [] {
    PolicyRegistry r;
    register_static_policy(r);
    register_pass_dvfs_policy(r);
    return r;
  }();
  return registry;
}

void PolicyRegistry::add(PolicyInfo info) {
  if (find(info.name)) throw std::logic_error("policy registered twice: " + info.name);
  policies_.push_back(std::move(info));
}

const PolicyInfo* PolicyRegistry::find(const std::string& name) const {
  for (const auto& p : policies_)
    if (p.name == name) return &p;
  return nullptr;
}

ClockStep top_clock_step(const GpuModel& gpu) { return static_cast<ClockStep>(gpu.profile().clock_steps() - 1); }

ClockPlan max_clock_plan(const GpuModel& gpu, const StepProgram& program) {
  return ClockPlan::uniform(program.tasks.size(), static_cast<std::size_t>(program.gpus), top_clock_step(gpu));
}

}  // namespace wattsim
