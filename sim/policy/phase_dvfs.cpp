// Phase-level DVFS: one SM clock for the tensor-core GEMMs and one for the memory-bound kernels
// (elementwise, normalisation, softmax, optimizer), each the argmin of Σ_k (E_k(f) + λ·t_k(f)) over its
// phase, with λ bisected until the simulated step meets the slowdown budget; then a low clock for the
// waits (collectives and bubbles: in the model an idle GPU's clock does not change how long communication
// takes) is tried. The uniform clocks of pass-level DVFS are candidates too, so it never saves less.
// Memory-bound kernels barely slow at low clocks (HBM bandwidth does not follow the SM clock, S30, S39),
// which is where the saving over pass-level comes from; every switch between phases pays the profile's
// clock-transition latency, which is what limits it.
#include <array>
#include <limits>

#include "policy/kernel_costs.hpp"
#include "policy/phase_dvfs.hpp"
#include "policy/plan_search.hpp"

namespace wattsim {

namespace {

constexpr ParamSpec kParameters[] = {
    slowdown_budget_parameter(0.01),
};

bool is_gemm(const Kernel& k) {
  return k.work.kind == KernelKind::TensorGemm;
}

class PhaseDvfsPolicy final : public Policy {
 public:
  explicit PhaseDvfsPolicy(double budget) : budget_(budget) {}
  ClockPlan plan(const PlanningContext& context) const override {
    BestPlan best = phase_dvfs_search(
        context, KernelCostTable(context.gpu, context.program, context.task_ceiling), budget_);
    ClockPlan plan = best.plan();
    plan.notes.emplace_back("slowdown_budget", budget_);
    plan.notes.emplace_back("plans_simulated", best.evaluations());
    return plan;
  }

 private:
  double budget_;
};

}  // namespace

BestPlan phase_dvfs_search(const PlanningContext& context, const KernelCostTable& costs, double budget) {
  const StepProgram& program = context.program;
  const int clocks = costs.clocks();
  // Per phase and clock: Σ over the step's kernel tasks (each standing for its GPU's multiplicity).
  std::array<std::vector<double>, 2> energy, time;
  for (int phase = 0; phase < 2; ++phase) {
    energy[phase].assign(static_cast<std::size_t>(clocks), 0.0);
    time[phase].assign(static_cast<std::size_t>(clocks), 0.0);
  }
  for (TaskId t = 0; t < program.tasks.size(); ++t) {
    const StepTask& task = program.tasks[t];
    if (task.type != TaskType::Kernel) continue;
    const int phase = is_gemm(program.kernels[task.index]) ? 0 : 1;
    const double m = program.gpu_multiplicity[task.gpu];
    for (int f = 0; f < clocks; ++f) {
      const KernelCost& c = costs.for_task(t, static_cast<ClockIndex>(f));
      energy[phase][static_cast<std::size_t>(f)] += m * c.energy_j;
      time[phase][static_cast<std::size_t>(f)] += m * c.time_s;
    }
  }
  auto plan_for = [&](double lambda) {
    std::array<ClockIndex, 2> chosen{};
    for (int phase = 0; phase < 2; ++phase) {
      double lowest = std::numeric_limits<double>::infinity();
      for (int f = 0; f < clocks; ++f) {
        const double cost =
            energy[phase][static_cast<std::size_t>(f)] + lambda * time[phase][static_cast<std::size_t>(f)];
        if (cost < lowest) {
          lowest = cost;
          chosen[static_cast<std::size_t>(phase)] = static_cast<ClockIndex>(f);
        }
      }
    }
    ClockPlan plan = max_clock_plan(context.gpu, program);
    for (std::size_t t = 0; t < program.tasks.size(); ++t)
      if (program.tasks[t].type == TaskType::Kernel)
        plan.task_clock[t] = chosen[is_gemm(program.kernels[program.tasks[t].index]) ? 0 : 1];
    plan.wait_hold = ClockPlan::kNextKernelClock;
    return plan;
  };
  BestPlan best(context, budget_limit(context.baseline, budget));
  try_uniform_clocks(best);  // the pass-level candidates
  search_lambda(best, plan_for);
  try_low_wait_clock(best, context.gpu);
  return best;
}

void register_phase_dvfs_policy(PolicyRegistry& registry) {
  registry.add({"phase-dvfs",
                "one SM clock per phase kind (tensor GEMMs, memory-bound kernels, waits) within a slowdown "
                "budget",
                kParameters, [](const ParamValues& v, const GpuProfile&) {
                  return std::make_unique<PhaseDvfsPolicy>(v.number("slowdown_budget"));
                }});
}

}  // namespace wattsim
