#pragma once
// Time and GPU energy of every distinct kernel of a step at every supported clock, alone on its GPU:
// t_k(f) from the roofline and E_k(f) = P_k(f)·t_k(f) from the power model, both under the GPU's power cap.
// The DVFS planners choose clocks from these figures and then check their choice by simulating the step.
#include <cstdint>
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
  KernelCostTable(const GpuModel& gpu, const StepProgram& program);

  int clocks() const { return clocks_; }
  const KernelCost& at(std::uint32_t kernel, ClockIndex clock) const {
    return costs_[kernel * static_cast<std::size_t>(clocks_) + clock];
  }

 private:
  int clocks_;
  std::vector<KernelCost> costs_;
};

}  // namespace wattsim
