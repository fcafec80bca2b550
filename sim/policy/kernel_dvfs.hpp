#pragma once
// The transition-aware per-kernel clock choice of kernel-level DVFS, exposed for tests.
#include <vector>

#include "policy/kernel_costs.hpp"

namespace wattsim {

// Over one GPU's kernel sequence, minimises Σ_k m·[E_k(f_k) + λ·t_k(f_k)] + Σ_{f_k ≠ f_{k−1}}
// m·τ(f_{k−1}, f_k)·(λ + P_k(f_k)) exactly (a shortest path through (kernel, clock) states) and writes the
// clocks into plan. τ from costs.transition_s, which must not fall as the start clock moves away from the
// target (true of GpuModel::transition_ns).
void plan_sequence_viterbi(const std::vector<TaskId>& sequence, const StepProgram& program,
                           const KernelCostTable& costs, double lambda, ClockPlan& plan);

}  // namespace wattsim
