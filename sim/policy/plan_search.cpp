#include "policy/plan_search.hpp"

#include <cmath>

namespace wattsim {

SimTime budget_limit(const StepOutcome& baseline, double budget) {
  constexpr double kTimingTolerance = 1e-6;
  return static_cast<SimTime>(
      std::floor(static_cast<double>(baseline.time) * (1.0 + budget + kTimingTolerance)));
}

BestPlan::BestPlan(const PlanningContext& context, SimTime limit)
    : context_(&context),
      limit_(limit),
      plan_(max_clock_plan(context.gpu, context.program)),
      outcome_(context.baseline) {}

StepOutcome BestPlan::consider(const ClockPlan& candidate) {
  ++evaluations_;
  const StepOutcome o = context_->evaluate(candidate);
  if (o.time <= limit_ && o.energy_j < outcome_.energy_j) {
    plan_ = candidate;
    outcome_ = o;
  }
  return o;
}

void try_uniform_clocks(BestPlan& best) {
  const StepProgram& program = best.context().program;
  for (int f = best.context().gpu.profile().clock_count() - 2; f >= 0; --f) {
    const StepOutcome o = best.consider(ClockPlan::uniform(
        program.tasks.size(), static_cast<std::size_t>(program.gpus), static_cast<ClockIndex>(f)));
    if (o.time > best.limit()) break;
  }
}

double search_lambda(BestPlan& best, const std::function<ClockPlan(double lambda)>& plan_for) {
  double lo = std::log(0.1), hi = std::log(1e6);
  double best_lambda = 0;
  double best_energy = best.outcome().energy_j;
  auto run = [&](double lambda) {
    const StepOutcome o = best.consider(plan_for(lambda));
    if (o.time <= best.limit() && o.energy_j <= best_energy) {
      best_energy = o.energy_j;
      best_lambda = lambda;
    }
    return o.time <= best.limit();
  };
  if (run(std::exp(lo))) return best_lambda;  // even the lowest-energy clocks fit
  if (!run(std::exp(hi))) return best_lambda;
  for (int i = 0; i < 14; ++i) {  // to a factor of (10^7)^(1/2^14) ≈ 1.001 in λ
    const double mid = 0.5 * (lo + hi);
    (run(std::exp(mid)) ? hi : lo) = mid;
  }
  for (double factor : {1.25, 1.6, 2.5, 4.0}) run(std::exp(hi) * factor);
  return best_lambda;
}

void try_low_wait_clock(BestPlan& best, const GpuModel& gpu) {
  ClockPlan candidate = best.plan();
  candidate.wait_clock.assign(candidate.wait_clock.size(), 0);
  // A drop pays for itself once the gap outlasts the transition back up; holding twice the transition
  // latency before dropping keeps the short gaps between kernels at their clock.
  candidate.wait_hold = 2 * gpu.profile().clock_transition_ns;
  best.consider(candidate);
}

}  // namespace wattsim
