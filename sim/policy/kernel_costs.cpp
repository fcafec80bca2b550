#include "policy/kernel_costs.hpp"

#include <algorithm>

#include "util/interrupt.hpp"

namespace wattsim {

KernelCostTable::KernelCostTable(const GpuModel& gpu, const StepProgram& program)
    : clocks_(gpu.profile().clock_count()) {
  const GpuProfile& p = gpu.profile();
  costs_.reserve(program.kernels.size() * static_cast<std::size_t>(clocks_));
  for (const Kernel& k : program.kernels) {
    check_stop();
    for (int i = 0; i < clocks_; ++i) {
      const KernelRun run = gpu.run_capped(k.work, p.clock_at(i));
      const double watts = std::min(
          gpu.power().draw(run.clock_mhz, run.activity, run.memory_utilisation).total_w, gpu.power_cap_w());
      const double seconds = to_seconds(run.duration);
      costs_.push_back({seconds, watts * seconds});
    }
  }
}

}  // namespace wattsim
