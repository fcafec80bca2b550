// Kernel-level DVFS (Spaan et al. 2026, S53/S55): a clock per kernel, minimising Σ_k E_k(f_k) subject to
// the step time staying within (1 + budget)·T_static.
//
// Relaxed with a Lagrange multiplier λ (W): minimise Σ_k [E_k(f_k) + λ·t_k(f_k)]. Without clock
// transitions this separates into one argmin per kernel. A transition costs the profile's latency τ, a
// stall at the new kernel's power P_k(f), so on each GPU's kernel sequence the cost of switching into
// clock f before kernel k is τ·(λ + P_k(f)); the exact minimum over the sequence is a shortest path
// through (kernel, clock) states (Viterbi): D_k(f) = c_k(f) + min(D_{k−1}(f), min_g D_{k−1}(g) + s_k(f)).
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

// Minimises Σ c_k(f_k) + Σ [f_k ≠ f_{k−1}]·s_k(f_k) over one sequence and writes the clocks into plan.
void plan_sequence_viterbi(const std::vector<TaskId>& sequence, const StepProgram& program,
                           const KernelCostTable& costs, double lambda, double transition_s,
                           ClockPlan& plan) {
  const auto clocks = static_cast<std::size_t>(costs.clocks());
  const std::size_t words = (clocks + 63) / 64;
  std::vector<std::uint64_t> stayed(sequence.size() * words, 0);  // bit f: D_k(f) came from D_{k−1}(f)
  std::vector<ClockIndex> switched_from(sequence.size(), 0);      // argmin_g D_{k−1}(g)
  std::vector<double> previous(clocks, 0.0), current(clocks);
  for (std::size_t i = 0; i < sequence.size(); ++i) {
    const StepTask& task = program.tasks[sequence[i]];
    const double m = program.gpu_multiplicity[task.gpu];
    std::size_t argmin = 0;
    for (std::size_t f = 1; f < clocks; ++f)
      if (previous[f] < previous[argmin]) argmin = f;
    switched_from[i] = static_cast<ClockIndex>(argmin);
    for (std::size_t f = 0; f < clocks; ++f) {
      const KernelCost& c = costs.at(task.index, static_cast<ClockIndex>(f));
      const double own = m * (c.energy_j + lambda * c.time_s);
      const double switch_in = previous[argmin] + m * transition_s * (lambda + c.power_w());
      const bool stay = i == 0 || previous[f] <= switch_in;
      current[f] = own + (i == 0 ? 0.0 : stay ? previous[f] : switch_in);
      if (stay) stayed[i * words + f / 64] |= std::uint64_t{1} << (f % 64);
    }
    std::swap(previous, current);
  }
  std::size_t f = 0;
  for (std::size_t g = 1; g < clocks; ++g)
    if (previous[g] < previous[f]) f = g;
  for (std::size_t i = sequence.size(); i-- > 0;) {
    plan.task_clock[sequence[i]] = static_cast<ClockIndex>(f);
    if (!(stayed[i * words + f / 64] >> (f % 64) & 1)) f = switched_from[i];
  }
}

namespace {

class KernelDvfsPolicy final : public Policy {
 public:
  explicit KernelDvfsPolicy(double budget) : budget_(budget) {}
  ClockPlan plan(const PlanningContext& context) const override {
    const KernelCostTable costs(context.gpu, context.program);
    BestPlan best = phase_dvfs_search(context, costs, budget_);
    const auto sequences = gpu_kernel_sequences(context.program);
    const double transition_s = to_seconds(context.gpu.profile().clock_transition_ns);
    const double lambda = search_lambda(best, [&](double lambda) {
      ClockPlan plan = max_clock_plan(context.gpu, context.program);
      for (const auto& seq : sequences) {
        check_stop();
        plan_sequence_viterbi(seq, context.program, costs, lambda, transition_s, plan);
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
