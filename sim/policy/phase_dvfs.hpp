#pragma once
// The phase-level DVFS search, which the kernel-level planner starts from (its plans are kernel-level
// plans too).
#include "policy/kernel_costs.hpp"
#include "policy/plan_search.hpp"

namespace wattsim {

BestPlan phase_dvfs_search(const PlanningContext& context, const KernelCostTable& costs, double budget);

}  // namespace wattsim
