// Carbon-aware scheduling (in the spirit of Chase, S62): given the grid's carbon intensity over time and
// a deadline, decide in each interval of the series whether the job runs, and at which uniform clock, so
// that the whole run finishes by the deadline with the least CO2e.
//
// Each interval j (length Δ_j, intensity I_j) offers: pause (no steps, no energy: the job releases its
// GPUs) or run at clock f (Δ_j / t(f) steps for Δ_j·P(f)·PUE·I_j grams, with t(f) and P(f) the simulated
// step time and cluster power at f). With a price μ (g per step) on progress, each interval independently
// takes the option maximising μ·steps − grams; the smallest μ whose schedule completes the run is found by
// bisection (Lagrangian relaxation of "minimise CO2e subject to N steps by the deadline"). The schedule
// runs in time order and stops when the N-th step is done.
#include <algorithm>
#include <cmath>

#include "policy/policy.hpp"

namespace wattsim {

namespace {

constexpr ParamSpec kParameters[] = {
    param::quantity("deadline", Dimension::Time, "latest end of the run, from its start",
                    param::derived("(1 + slack) × the static run time"), 1, 1e12),
    param::number("slack", "deadline as a fraction over the static run time, when no deadline is given", 0.25,
                  0, 100),
    param::integer("clocks", "uniform clocks considered, evenly spaced from the lowest to the top", 12, 2,
                   256),
};

struct Option {
  int clock;
  double step_s;
  double power_w;  // cluster power (J per step / step time), before PUE
};

class CarbonAwarePolicy final : public Policy {
 public:
  CarbonAwarePolicy(double deadline_s, double slack, int clocks)
      : deadline_s_(deadline_s), slack_(slack), clocks_(clocks) {}

  ClockPlan plan(const PlanningContext& context) const override {
    return max_clock_plan(context.gpu, context.program);  // the schedule's clocks replace it
  }

  std::vector<ScheduleSegment> schedule(const ScheduleContext& c) const override {
    std::vector<Option> options;
    const int top = c.clock_count - 1;
    const int count = std::min(clocks_, c.clock_count);
    for (int i = 0; i < count; ++i) {
      const int step =
          count > 1 ? static_cast<int>(std::lround(static_cast<double>(i) * top / (count - 1))) : top;
      if (!options.empty() && options.back().clock == step) continue;
      const StepOutcome o = c.uniform_clock_step(static_cast<ClockIndex>(step));
      const double t = to_seconds(o.time);
      options.push_back({step, t, o.energy_j / t});
    }
    const double deadline = deadline_s_ > 0 ? deadline_s_ : (1.0 + slack_) * c.static_run_time_s;
    const std::vector<IntensityInterval> intervals =
        c.grid->windows(0.0, deadline, GridIntensity::kMaxIntervals);
    const double grams_per_joule = c.pue / 3.6e6;  // × g/kWh
    // For price μ: per interval the best option (index into options, or -1 to pause) and the steps done.
    auto choose = [&](double mu, std::vector<int>& chosen) {
      chosen.assign(intervals.size(), -1);
      double steps = 0;
      for (std::size_t j = 0; j < intervals.size(); ++j) {
        const double dt = intervals[j].t1_s - intervals[j].t0_s;
        double best = 0;
        for (std::size_t k = 0; k < options.size(); ++k) {
          const double n = dt / options[k].step_s;
          const double value = mu * n - dt * options[k].power_w * intervals[j].g_per_kwh * grams_per_joule;
          if (value > best) {
            best = value;
            chosen[j] = static_cast<int>(k);
          }
        }
        if (chosen[j] >= 0) steps += dt / options[static_cast<std::size_t>(chosen[j])].step_s;
      }
      return steps;
    };
    std::vector<int> chosen;
    double lo = std::log(1e-12), hi = std::log(1e15);
    if (choose(std::exp(hi), chosen) < c.total_steps) {  // the deadline cannot be met: run now at the top
      return {{0.0, c.total_steps * options.back().step_s, options.back().clock, c.total_steps}};
    }
    for (int i = 0; i < 60; ++i) {
      const double mid = 0.5 * (lo + hi);
      (choose(std::exp(mid), chosen) >= c.total_steps ? hi : lo) = mid;
    }
    choose(std::exp(hi), chosen);
    std::vector<ScheduleSegment> segments;
    double remaining = c.total_steps;
    for (std::size_t j = 0; j < intervals.size() && remaining > 0; ++j) {
      if (chosen[j] < 0) continue;
      const Option& o = options[static_cast<std::size_t>(chosen[j])];
      const double dt = std::min(intervals[j].t1_s - intervals[j].t0_s, remaining * o.step_s);
      const double steps = std::min(remaining, dt / o.step_s);
      if (!segments.empty() && segments.back().clock == o.clock &&
          segments.back().t1_s == intervals[j].t0_s) {
        segments.back().t1_s += dt;
        segments.back().steps += steps;
      } else {
        segments.push_back({intervals[j].t0_s, intervals[j].t0_s + dt, o.clock, steps});
      }
      remaining -= steps;
    }
    return segments;
  }

 private:
  double deadline_s_;  // 0: from slack
  double slack_;
  int clocks_;
};

}  // namespace

void register_carbon_aware_policy(PolicyRegistry& registry) {
  registry.add({"carbon-aware",
                "runs when and as fast as the grid's carbon intensity makes best, finishing by a deadline",
                kParameters, [](const ParamValues& v, const GpuProfile&) {
                  return std::make_unique<CarbonAwarePolicy>(v.number_or("deadline", 0), v.number("slack"),
                                                             static_cast<int>(v.integer("clocks")));
                }});
}

}  // namespace wattsim
