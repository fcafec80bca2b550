#include "policy/policy.hpp"

#include <cmath>
#include <sstream>

namespace wattsim {

void register_static_policy(PolicyRegistry& registry);
void register_pass_dvfs_policy(PolicyRegistry& registry);
void register_locked_clock_policy(PolicyRegistry& registry);
void register_power_cap_policy(PolicyRegistry& registry);
void register_phase_dvfs_policy(PolicyRegistry& registry);
void register_kernel_dvfs_policy(PolicyRegistry& registry);
void register_sync_idle_policy(PolicyRegistry& registry);
void register_critical_path_policy(PolicyRegistry& registry);
void register_carbon_aware_policy(PolicyRegistry& registry);
void register_adaptive_batch_policy(PolicyRegistry& registry);
void register_adaptive_parallel_policy(PolicyRegistry& registry);
void register_energy_proportional_policy(PolicyRegistry& registry);

const PolicyRegistry& PolicyRegistry::instance() {
  static const PolicyRegistry registry = [] {
    PolicyRegistry r;
    register_static_policy(r);
    register_pass_dvfs_policy(r);
    register_locked_clock_policy(r);
    register_power_cap_policy(r);
    register_phase_dvfs_policy(r);
    register_kernel_dvfs_policy(r);
    register_sync_idle_policy(r);
    register_critical_path_policy(r);
    register_carbon_aware_policy(r);
    register_adaptive_batch_policy(r);
    register_adaptive_parallel_policy(r);
    register_energy_proportional_policy(r);
    return r;
  }();
  return registry;
}

void check_supported_clock(const ParamValues& values, std::string_view key, const GpuProfile& gpu,
                           Issues& issues) {
  if (!values.has(key)) return;
  const double mhz = values.number_or(key, 0) * 1e-6;
  if (gpu.supports_clock(mhz)) return;
  std::ostringstream m;
  m << key << " " << mhz << " MHz is not one " << gpu.name << " supports: " << gpu.clock_min_mhz << " to "
    << gpu.clock_max_mhz << " MHz in steps of " << gpu.clock_step_mhz
    << " MHz (nearest below: " << gpu.snap_clock(mhz) << " MHz)";
  issues.push_back({std::string(key), m.str()});
}

ClockIndex clock_parameter(const ParamValues& values, std::string_view key, const GpuProfile& gpu,
                           ClockIndex fallback) {
  if (!values.has(key)) return fallback;
  return static_cast<ClockIndex>(gpu.index_of(values.number_or(key, 0) * 1e-6));
}

ClockIndex top_clock(const GpuModel& gpu) {
  return static_cast<ClockIndex>(gpu.profile().clock_count() - 1);
}

ClockPlan max_clock_plan(const GpuModel& gpu, const StepProgram& program) {
  return ClockPlan::uniform(program.tasks.size(), static_cast<std::size_t>(program.gpus), top_clock(gpu));
}

}  // namespace wattsim
