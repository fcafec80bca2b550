#pragma once
// What the DVFS planners share: the time limit a slowdown budget sets, a record of the best plan found
// so far (every candidate is simulated, so "best" is measured, not predicted), and the search over the
// Lagrange multiplier λ (W) that trades energy against time: for a given λ a planner picks clocks that
// minimise E + λ·t, and the smallest λ whose plan meets the time limit is found by bisection.
#include <functional>

#include "policy/policy.hpp"

namespace wattsim {

// The slowdown budget every DVFS planner takes, with its default.
constexpr ParamSpec slowdown_budget_parameter(double budget) {
  return param::number("slowdown_budget", "allowed step-time increase over static, as a fraction", budget, 0,
                       1);
}

// The latest a step may end under a slowdown budget (a fraction of the baseline's time), give or take a
// millionth of the step: under the power controller a plan's step can end nanoseconds later than the
// baseline's through where the control windows fall, not through anything the plan chose (a straggler
// run's critical-path plans came out 0.3 µs over 5.8 s, 5·10⁻⁸, and were refused).
SimTime budget_limit(const StepOutcome& baseline, double budget);

class BestPlan {
 public:
  BestPlan(const PlanningContext& context, SimTime limit);

  // Simulates the candidate; keeps it if it meets the limit with less energy than the best so far.
  // Returns its outcome.
  StepOutcome consider(const ClockPlan& candidate);
  const ClockPlan& plan() const { return plan_; }
  const StepOutcome& outcome() const { return outcome_; }
  SimTime limit() const { return limit_; }
  const PlanningContext& context() const { return *context_; }
  int evaluations() const { return evaluations_; }

 private:
  const PlanningContext* context_;
  SimTime limit_;
  ClockPlan plan_;
  StepOutcome outcome_;
  int evaluations_ = 0;
};

// Pass-level DVFS's candidates: every uniform clock from the top down, until one exceeds the limit (step
// time does not fall as the clock does, so the clocks within budget are contiguous from the top).
void try_uniform_clocks(BestPlan& best);

// Bisects λ between 0.1 W and 1 MW (log scale) for the smallest λ whose plan meets the limit, then tries
// a few larger λ (a larger λ may save more when its plan shortens waits elsewhere). Every plan tried goes
// through best.consider. Returns the λ of the best plan it found (0 if none met the limit).
double search_lambda(BestPlan& best, const std::function<ClockPlan(double lambda)>& plan_for);

// The lowest clock a plan's GPUs may wait at while idle, and for how long they hold their last clock
// before moving there: tried by the planners after their kernel clocks are set (a wait at a low clock
// saves the gap's power but the next kernel pays a clock transition).
void try_low_wait_clock(BestPlan& best, const GpuModel& gpu);

}  // namespace wattsim
