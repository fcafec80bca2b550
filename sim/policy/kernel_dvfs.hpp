#pragma once
// The transition-aware per-kernel clock choice of kernel-level DVFS, exposed for tests.
#include <vector>

#include "policy/kernel_costs.hpp"

namespace wattsim {

// Over one GPU's kernel sequence, minimises Σ_k m·[E_k(f_k) + λ·t_k(f_k)] + Σ_{f_k ≠ f_{k−1}} m·τ·(λ +
// P_k(f_k)) exactly (a shortest path through (kernel, clock) states) and writes the clocks into plan.
void plan_sequence_viterbi(const std::vector<TaskId>& sequence, const StepProgram& program,
                           const KernelCostTable& costs, double lambda, double transition_s, ClockPlan& plan);

}  // namespace wattsim
