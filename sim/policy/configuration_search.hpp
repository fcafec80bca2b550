#pragma once
// Searches over batch and parallel layout that the adaptive policies share. Every candidate is built and
// simulated (one step, static clocks) through ConfigurationContext::evaluate; infeasible ones (memory,
// divisibility) are skipped with the reason the scenario checks give.
#include "policy/policy.hpp"

namespace wattsim {

// A policy that only chooses the batch or the layout: its clocks stay static.
class ConfigurationPolicy : public Policy {
 public:
  ClockPlan plan(const PlanningContext& context) const final {
    return max_clock_plan(context.gpu, context.program);
  }
};

// The global batch minimising energy to the target loss, S(B)·E_step(B), up to max_factor × the current
// one: B = dp × micro-batch × microbatch count, for the current micro-batch size and each halving of it
// (a batch below one microbatch per pipeline needs a smaller micro-batch), the count searched over powers
// of two and then by ±1 from the best of them (S(B)·E_step(B) is convex in B when E_step is affine in B).
// Returns the current configuration when the workload has no convergence model.
Configuration best_batch(const ConfigurationContext& context, const Configuration& start, int max_factor);

// The layout (tp, pp, dp, micro-batch size, ZeRO stage) with the lowest step energy among those whose step
// time is within (1 + budget) of the start's, for the same global batch and GPU count.
Configuration best_layout(const ConfigurationContext& context, const Configuration& start, double budget);

}  // namespace wattsim
