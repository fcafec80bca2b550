#pragma once
// Time and GPU energy of every distinct kernel of a step at every supported clock, alone on its GPU:
// t_k(f) from the roofline and E_k(f) = P_k(f)·t_k(f) from the power model, at the clock asked for. The
// power limit is not in these figures: it acts on a window's mix of work, not on one kernel, so the
// controller applies it in the simulation by which every planner checks its choice.
#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "hardware/gpu_model.hpp"
#include "policy/clock_plan.hpp"
#include "workload/step_program.hpp"

namespace wattsim {

struct KernelCost {
  double time_s = 0;
  double energy_j = 0;
  double power_w() const { return time_s > 0 ? energy_j / time_s : 0.0; }
};

class KernelCostTable {
 public:
  // task_ceiling: per task, the clock the power controller allowed it in the static step (empty: none);
  // a plan cannot make a kernel faster than that, since slowing other work only ever raises a ceiling.
  KernelCostTable(const GpuModel& gpu, const StepProgram& program,
                  std::span<const ClockIndex> task_ceiling = {});

  int clocks() const { return clocks_; }
  const KernelCost& at(std::uint32_t kernel, ClockIndex clock) const {
    return costs_[kernel * static_cast<std::size_t>(clocks_) + clock];
  }
  // A kernel task planned at `clock`, under its ceiling.
  const KernelCost& for_task(TaskId task, ClockIndex clock) const {
    if (!ceiling_.empty()) clock = std::min(clock, ceiling_[task]);
    return at(program_->tasks[task].index, clock);
  }
  // τ(from → to): the same clock-transition model the simulation uses (GpuModel::transition_ns).
  double transition_s(ClockIndex from, ClockIndex to) const {
    return transition_s_[from * static_cast<std::size_t>(clocks_) + to];
  }
  // τ of every move to a lower clock if they are all the same (no voltage wait going down: the relock
  // alone), else a negative number.
  double downward_transition_s() const { return downward_s_; }

 private:
  const StepProgram* program_;
  std::span<const ClockIndex> ceiling_;
  int clocks_;
  std::vector<KernelCost> costs_;
  std::vector<double> transition_s_;
  double downward_s_ = -1;
};

}  // namespace wattsim
