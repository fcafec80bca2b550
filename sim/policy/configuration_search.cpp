#include "policy/configuration_search.hpp"

#include <algorithm>
#include <limits>

namespace wattsim {

namespace {

// The microbatch count per pipeline (micro-batch size fixed) minimising energy to the target: powers of two
// up to `most`, then a descent by ±1 from the best of them.
std::pair<Configuration, double> best_microbatch_count(const ConfigurationContext& context,
                                                       const Configuration& start, long long most) {
  const long long replica = static_cast<long long>(start.dp) * start.micro_batch;
  auto with = [&](long long m) {
    Configuration c = start;
    c.global_batch = static_cast<int>(m * replica);
    return c;
  };
  auto cost = [&](long long m) {
    const ConfigurationOutcome o = context.evaluate(with(m));
    return o.feasible ? o.energy_to_target_j() : std::numeric_limits<double>::infinity();
  };
  long long best = 1;
  double best_cost = cost(1);
  for (long long m = 2; m <= most; m *= 2) {
    const double c = cost(m);
    if (c < best_cost) best = m, best_cost = c;
  }
  for (bool improved = true; improved;) {
    improved = false;
    for (long long m : {best - 1, best + 1}) {
      if (m < 1 || m > most) continue;
      const double c = cost(m);
      if (c < best_cost) {
        best = m, best_cost = c;
        improved = true;
        break;
      }
    }
  }
  return {with(best), best_cost};
}

}  // namespace

Configuration best_batch(const ConfigurationContext& context, const Configuration& start, int max_factor) {
  const ConfigurationOutcome first = context.evaluate(start);
  if (!first.feasible || first.steps_to_target <= 0) return start;
  const long long largest = static_cast<long long>(start.global_batch) * max_factor;
  Configuration best = start;
  double best_cost = first.energy_to_target_j();
  // Smaller batches than one microbatch per pipeline allows come from smaller micro-batches.
  for (int mbs = start.micro_batch; mbs >= 1; mbs /= 2) {
    Configuration c = start;
    c.micro_batch = mbs;
    const auto [candidate, cost] = best_microbatch_count(
        context, c, std::max<long long>(1, largest / (static_cast<long long>(start.dp) * mbs)));
    if (cost < best_cost) best = candidate, best_cost = cost;
    if (mbs % 2 != 0) break;
  }
  return best;
}

Configuration best_layout(const ConfigurationContext& context, const Configuration& start, double budget) {
  const ConfigurationOutcome first = context.evaluate(start);
  if (!first.feasible) return start;
  const double limit = static_cast<double>(first.step.time) * (1.0 + budget);
  const int gpus = start.tp * start.pp * start.dp;
  Configuration best = start;
  double best_energy = first.step.energy_j;
  for (int tp = 1; tp <= context.gpus_per_node && tp <= gpus; tp *= 2)
    for (int pp = 1; tp * pp <= gpus && pp <= 64; pp *= 2) {
      if (gpus % (tp * pp) != 0) continue;
      const int dp = gpus / (tp * pp);
      for (int mbs : {start.micro_batch / 2, start.micro_batch, start.micro_batch * 2})
        for (int zero : {start.zero_stage, std::max(start.zero_stage, 1)}) {
          if (mbs < 1 || start.global_batch % (static_cast<long long>(dp) * mbs) != 0) continue;
          const Configuration c{start.global_batch, mbs, tp, pp, dp, zero};
          if (c == start) continue;  // (a repeated candidate is answered from the memo)
          const ConfigurationOutcome o = context.evaluate(c);
          if (o.feasible && static_cast<double>(o.step.time) <= limit && o.step.energy_j < best_energy) {
            best = c;
            best_energy = o.step.energy_j;
          }
        }
    }
  return best;
}

}  // namespace wattsim
