// Kernel-level DVFS (Spaan et al. 2026, S53/S55): a clock per kernel, minimising Σ_k E_k(f_k) subject to
// the step time staying within (1 + budget)·T_static.
//
// Relaxed with a Lagrange multiplier λ (W): minimise Σ_k [E_k(f_k) + λ·t_k(f_k)]. Without clock
// transitions this separates into one argmin per kernel. A transition from g to f takes τ(g, f) (the
// simulation's model: a relock, plus the voltage rise to a higher clock); the planner charges it as a
// stall at the new kernel's power P_k(f), an upper bound on its cost (the GPU keeps working at the old
// clock meanwhile), so on each GPU's kernel sequence the cost of switching into f from g before kernel k
// is s_k(g, f) = τ(g, f)·(λ + P_k(f)); the exact minimum over the sequence is a shortest path through
// (kernel, clock) states (Viterbi): D_k(f) = c_k(f) + min(D_{k−1}(f), min_g D_{k−1}(g) + s_k(g, f)).
// That groups kernels where switching does not pay. λ is bisected until the simulated step meets the
// budget (plan_search.hpp). The phase- and pass-level plans are kernel-level plans too and seed the
// search, so at equal budget it never saves less than they do.
#include <cstdint>
#include <limits>

#include "policy/adaptive_policies.hpp"
#include "policy/kernel_dvfs.hpp"
#include "policy/phase_dvfs.hpp"
#include "policy/plan_search.hpp"
#include "util/interrupt.hpp"

namespace wattsim {

namespace {

constexpr ParamSpec kParameters[] = {
    slowdown_budget_parameter(0.01),
};

}  // namespace

// Minimises Σ c_k(f_k) + Σ [f_k ≠ f_{k−1}]·s_k(f_{k−1}, f_k) over one sequence and writes the clocks into
// plan. The switch into f from g is searched outward from f in both directions and stops once no clock
// farther out can beat the best: τ(g, f) never falls as g moves away from f (a relock, plus a voltage
// rise that grows with the distance below f), and prefix and suffix minima bound D_{k−1} beyond. Moves
// down need no voltage wait, so where their τ is one constant the best switch from above is the suffix
// minimum itself, found in O(1) (the scan from above would otherwise visit every clock up to the GEMMs').
void plan_sequence_viterbi(const std::vector<TaskId>& sequence, const StepProgram& program,
                           const KernelCostTable& costs, double lambda, ClockPlan& plan) {
  const auto clocks = static_cast<std::size_t>(costs.clocks());
  std::vector<ClockIndex> came_from(sequence.size() * clocks, 0);  // the clock of kernel k−1 on the best path
  std::vector<double> previous(clocks, 0.0), current(clocks), below(clocks), above(clocks);
  std::vector<ClockIndex> above_at(clocks);  // where above[g] is attained, the lowest such clock
  const double downward_s = costs.downward_transition_s();
  for (std::size_t i = 0; i < sequence.size(); ++i) {
    const StepTask& task = program.tasks[sequence[i]];
    const double m = program.gpu_multiplicity[task.gpu];
    // below[g] = min D_{k−1} over clocks ≤ g, above[g] over clocks ≥ g.
    for (std::size_t g = 0; g < clocks; ++g)
      below[g] = g == 0 ? previous[0] : std::min(below[g - 1], previous[g]);
    for (std::size_t g = clocks; g-- > 0;) {
      const bool here = g + 1 == clocks || previous[g] <= above[g + 1];
      above[g] = here ? previous[g] : above[g + 1];
      above_at[g] = here ? static_cast<ClockIndex>(g) : above_at[g + 1];
    }
    for (std::size_t f = 0; f < clocks; ++f) {
      const KernelCost& c = costs.for_task(sequence[i], static_cast<ClockIndex>(f));
      const double own = m * (c.energy_j + lambda * c.time_s);
      if (i == 0) {
        current[f] = own;
        came_from[f] = static_cast<ClockIndex>(f);
        continue;
      }
      const double per_second = m * (lambda + c.power_w());  // a transition stalls the kernel at f
      double best = previous[f];
      auto from = static_cast<ClockIndex>(f);
      // Try switching in from g; false once no clock farther away can beat `best` (bound: the cheapest
      // state on that side, below[g] or above[g], plus this switch's cost).
      auto try_from = [&](std::size_t g, const std::vector<double>& bound) {
        const double tau =
            per_second * costs.transition_s(static_cast<ClockIndex>(g), static_cast<ClockIndex>(f));
        if (bound[g] + tau >= best) return false;
        if (previous[g] + tau < best) {
          best = previous[g] + tau;
          from = static_cast<ClockIndex>(g);
        }
        return true;
      };
      for (std::size_t g = f; g-- > 0 && try_from(g, below);) {
      }
      if (downward_s < 0) {
        for (std::size_t g = f + 1; g < clocks && try_from(g, above); ++g) {
        }
      } else if (f + 1 < clocks && above[f + 1] + per_second * downward_s < best) {
        best = above[f + 1] + per_second * downward_s;
        from = above_at[f + 1];
      }
      current[f] = own + best;
      came_from[i * clocks + f] = from;
    }
    std::swap(previous, current);
  }
  std::size_t f = 0;
  for (std::size_t g = 1; g < clocks; ++g)
    if (previous[g] < previous[f]) f = g;
  for (std::size_t i = sequence.size(); i-- > 0;) {
    plan.task_clock[sequence[i]] = static_cast<ClockIndex>(f);
    f = came_from[i * clocks + f];
  }
}

namespace {

class KernelDvfsPolicy final : public Policy {
 public:
  explicit KernelDvfsPolicy(double budget) : budget_(budget) {}
  ClockPlan plan(const PlanningContext& context) const override {
    const KernelCostTable costs(context.gpu, context.program, context.task_ceiling);
    BestPlan best = phase_dvfs_search(context, costs, budget_);
    const auto sequences = gpu_kernel_sequences(context.program);
    const double lambda = search_lambda(best, [&](double lambda) {
      ClockPlan plan = max_clock_plan(context.gpu, context.program);
      for (const auto& seq : sequences) {
        check_stop();
        plan_sequence_viterbi(seq, context.program, costs, lambda, plan);
      }
      plan.wait_hold = ClockPlan::kNextKernelClock;
      return plan;
    });
    try_low_wait_clock(best, context.gpu);
    ClockPlan plan = best.plan();
    plan.notes.emplace_back("slowdown_budget", budget_);
    plan.notes.emplace_back("lambda_w", lambda);
    plan.notes.emplace_back("plans_simulated", best.evaluations());
    return plan;
  }

 private:
  double budget_;
};

}  // namespace

std::unique_ptr<Policy> make_kernel_dvfs_policy(double budget) {
  return std::make_unique<KernelDvfsPolicy>(budget);
}

void register_kernel_dvfs_policy(PolicyRegistry& registry) {
  registry.add(
      {"kernel-dvfs",
       "a clock per kernel minimising energy within a slowdown budget (Lagrangian, transition-aware)",
       kParameters, [](const ParamValues& v, const GpuProfile&) {
         return std::make_unique<KernelDvfsPolicy>(v.number("slowdown_budget"));
       }});
}

}  // namespace wattsim
