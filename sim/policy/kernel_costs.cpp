#include "policy/kernel_costs.hpp"

#include "util/interrupt.hpp"

namespace wattsim {

KernelCostTable::KernelCostTable(const GpuModel& gpu, const StepProgram& program,
                                 std::span<const ClockIndex> task_ceiling)
    : program_(&program), ceiling_(task_ceiling), clocks_(gpu.profile().clock_count()) {
  const GpuProfile& p = gpu.profile();
  transition_s_.reserve(static_cast<std::size_t>(clocks_) * static_cast<std::size_t>(clocks_));
  for (int from = 0; from < clocks_; ++from)
    for (int to = 0; to < clocks_; ++to)
      transition_s_.push_back(to_seconds(gpu.transition_ns(p.clock_at(from), p.clock_at(to))));
  if (clocks_ > 1) {
    downward_s_ = transition_s(1, 0);
    for (int from = 1; from < clocks_; ++from)
      for (int to = 0; to < from; ++to)
        if (transition_s(static_cast<ClockIndex>(from), static_cast<ClockIndex>(to)) != downward_s_)
          downward_s_ = -1;
  }
  costs_.reserve(program.kernels.size() * static_cast<std::size_t>(clocks_));
  for (const Kernel& k : program.kernels) {
    check_stop();
    for (int i = 0; i < clocks_; ++i) {
      const KernelRun run = gpu.run_at(k.work, p.clock_at(i));
      const double watts = gpu.power().draw(run.clock_mhz, run.activity, run.memory_utilisation).total_w;
      const double seconds = to_seconds(run.duration);
      // A kernel shorter than the host's launch time holds its stream for the launch time, waiting for the
      // host (exact where such kernels follow one another; the simulation checks every plan).
      costs_.push_back({std::max(seconds, to_seconds(program.host_launch)), watts * seconds});
    }
  }
}

}  // namespace wattsim
