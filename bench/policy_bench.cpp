// Planning speed: how long each clock-planning policy takes to plan one step of GPT-3 175B on 1,024 A100s
// (856k tasks; analytical network), and how many step simulations it spends doing so.
#include <benchmark/benchmark.h>

#include <string>

#include "io/model_catalog.hpp"
#include "io/scenario_reader.hpp"
#include "policy/policy.hpp"
#include "run/runner.hpp"

namespace {

const wattsim::ModelCatalog& catalog() {
  static const wattsim::ModelCatalog c(WATTSIM_BENCH_MODELS_DIR);
  return c;
}

void BM_PlanGpt3_175B(benchmark::State& state, const char* policy) {
  const wattsim::Scenario s = wattsim::load_scenario(
      std::string(WATTSIM_BENCH_SOURCE_DIR) + "/scenarios/examples/gpt3-175b-1024xa100.yaml", catalog());
  wattsim::ScenarioSimulation simulation(s);
  int simulations = 0;
  auto evaluate = [&](const wattsim::ClockPlan& plan) {
    ++simulations;
    simulation.sim.reset(plan);
    const wattsim::StepRecord r = simulation.sim.run_step();
    return wattsim::StepOutcome{wattsim::seconds_to_time(r.time_s), r.energy_j};
  };
  const wattsim::StepOutcome baseline = evaluate(wattsim::max_clock_plan(simulation.gpu, simulation.program));
  const wattsim::PlanningContext context{simulation.gpu, simulation.program, evaluate, baseline,
                                         simulation.sim.collective_times()};
  const auto planner = wattsim::instantiate(
      {policy, wattsim::ParamValues(wattsim::PolicyRegistry::instance().find(policy)->parameters)}, s.gpu);
  simulations = 0;
  for (auto _ : state) benchmark::DoNotOptimize(planner->plan(context));
  state.counters["step_simulations"] =
      static_cast<double>(simulations) / static_cast<double>(state.iterations());
  state.counters["tasks"] = static_cast<double>(simulation.program.tasks.size());
}
BENCHMARK_CAPTURE(BM_PlanGpt3_175B, pass_dvfs, "pass-dvfs")->Unit(benchmark::kSecond)->Iterations(1);
BENCHMARK_CAPTURE(BM_PlanGpt3_175B, kernel_dvfs, "kernel-dvfs")->Unit(benchmark::kSecond)->Iterations(1);
BENCHMARK_CAPTURE(BM_PlanGpt3_175B, critical_path, "critical-path")->Unit(benchmark::kSecond)->Iterations(1);

}  // namespace
