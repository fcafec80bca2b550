#pragma once
// What a policy decides for one training step: the SM clock of every kernel task and the clock each GPU
// waits at. Clocks are indices into the profile's list of supported clocks (clock_min + i·step), so a plan
// can never name a clock the GPU does not have.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/sim_time.hpp"

namespace wattsim {

using ClockIndex = std::uint16_t;

struct ClockPlan {
  std::vector<ClockIndex> task_clock;  // per task of the StepProgram; ignored for collectives
  std::vector<ClockIndex> wait_clock;  // per GPU, while no kernel runs on it
  double power_cap_w = 0;              // a power limit the policy sets below the hardware's; 0: none
  // A GPU that runs out of work keeps its last kernel's clock for this long before it moves to its wait
  // clock (a governor's hysteresis: short gaps between kernels are not worth a transition).
  // kNextKernelClock: the plan is known ahead, so a GPU that goes idle starts moving at once to the clock
  // of its next kernel, and a gap between kernels hides the transition (the wait clocks are then unused).
  SimTime wait_hold = 0;
  static constexpr SimTime kNextKernelClock = -1;
  // Figures the policy reports about its choice (e.g. chosen_clock_mhz), written to the summary.
  std::vector<std::pair<std::string, double>> notes;

  static ClockPlan uniform(std::size_t tasks, std::size_t gpus, ClockIndex clock) {
    ClockPlan plan;
    plan.task_clock.assign(tasks, clock);
    plan.wait_clock.assign(gpus, clock);
    return plan;
  }
};

}  // namespace wattsim
