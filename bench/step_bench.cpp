// One training step of the shipped examples, event by event: wall time per step and events per second.
#include <benchmark/benchmark.h>

#include "hardware/gpu_model.hpp"
#include "io/model_catalog.hpp"
#include "io/scenario_reader.hpp"
#include "policy/policy.hpp"
#include "run/runner.hpp"
#include "run/step_simulator.hpp"

namespace {

void BM_Step(benchmark::State& state, const char* scenario_file) {
  const wattsim::ModelCatalog catalog(WATTSIM_BENCH_MODELS_DIR);
  const wattsim::Scenario s = wattsim::load_scenario(
      std::string(WATTSIM_BENCH_SOURCE_DIR) + "/scenarios/examples/" + scenario_file, catalog);
  wattsim::ScenarioSimulation simulation(s);
  wattsim::StepSimulator& sim = simulation.sim;
  const wattsim::StepProgram& program = simulation.program;
  sim.reset(wattsim::max_clock_plan(simulation.gpu, program));
  std::uint64_t events = 0;
  for (auto _ : state) {
    const wattsim::StepRecord r = sim.run_step();
    events += r.events;
    benchmark::DoNotOptimize(r.energy_j);
  }
  state.counters["tasks"] = static_cast<double>(program.tasks.size());
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}
BENCHMARK_CAPTURE(BM_Step, gpt_1_3b_8xh100, "gpt-1.3b-8xh100.yaml")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Step, bert_large_1xa100, "bert-large-1xa100.yaml")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Step, resnet_152_8xv100, "resnet-152-8xv100.yaml")->Unit(benchmark::kMillisecond);

// The whole scenario as `wattsim run` does it: planning (pass-dvfs searches clocks) plus the simulated steps.
void BM_Scenario(benchmark::State& state, const char* scenario_file) {
  const wattsim::ModelCatalog catalog(WATTSIM_BENCH_MODELS_DIR);
  const wattsim::Scenario s = wattsim::load_scenario(
      std::string(WATTSIM_BENCH_SOURCE_DIR) + "/scenarios/examples/" + scenario_file, catalog);
  for (auto _ : state) benchmark::DoNotOptimize(wattsim::run_scenario(s).policies.size());
}
BENCHMARK_CAPTURE(BM_Scenario, gpt_1_3b_8xh100, "gpt-1.3b-8xh100.yaml")->Unit(benchmark::kMillisecond);

}  // namespace
