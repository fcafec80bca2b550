// Cluster-scale speed: one training step of GPT-3 175B on 1,024 A100s at kernel granularity (flow
// network), and wall time per engine event as the cluster grows from 64 to 8,192 GPUs.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <string>

#include "hardware/gpu_model.hpp"
#include "io/model_catalog.hpp"
#include "io/scenario_reader.hpp"
#include "policy/policy.hpp"
#include "run/runner.hpp"
#include "run/step_simulator.hpp"

namespace {

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

// Simulates steps of a scenario at the top clock; reports events, flows and memory.
void run_steps(benchmark::State& state, const wattsim::Scenario& s) {
  wattsim::ScenarioSimulation simulation(s);
  wattsim::StepSimulator& sim = simulation.sim;
  const wattsim::StepProgram& program = simulation.program;
  const wattsim::ClockPlan plan = wattsim::max_clock_plan(simulation.gpu, program);
  std::uint64_t events = 0;
  double step_s = 0;
  for (auto _ : state) {
    sim.reset(plan);
    const wattsim::StepRecord r = sim.run_step();
    events += r.events;
    step_s = r.time_s;
  }
  state.counters["gpus"] = program.total_gpus;
  state.counters["tasks"] = static_cast<double>(program.tasks.size());
  state.counters["events/s"] = benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
  state.counters["ns/event"] = benchmark::Counter(static_cast<double>(events),
                                                  benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["simulated_step_s"] = step_s;
  state.counters["peak_rss_mb"] = peak_rss_mb();
}

const wattsim::ModelCatalog& catalog() {
  static const wattsim::ModelCatalog c(WATTSIM_BENCH_MODELS_DIR);
  return c;
}

void BM_Gpt3_175B_1024xA100(benchmark::State& state) {
  wattsim::Scenario s = wattsim::load_scenario(
      std::string(WATTSIM_BENCH_SOURCE_DIR) + "/scenarios/examples/gpt3-175b-1024xa100.yaml", catalog());
  s.network_backend = state.range(0) ? "flow" : "analytical";
  run_steps(state, s);
}
BENCHMARK(BM_Gpt3_175B_1024xA100)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->Iterations(3);

// A GPT-style 10B model, TP 8 × PP 8 per replica (64 GPUs), 64 micro-batches per pipeline, DP growing.
wattsim::Scenario scaling_scenario(int dp, bool symmetric, const char* fidelity) {
  const int gpus = 64 * dp;
  const std::string text =
      "name: scale\nhardware: {gpu: H100-SXM5-80GB, nodes: " + std::to_string(gpus / 8) +
      ", fabric: fat-tree-3l}\nnetwork: {fidelity: " + fidelity +
      "}\nworkload: {model: gpt-10b, global_batch: " + std::to_string(64 * dp) +
      ", micro_batch: 1}\nparallelism: {tp: 8, pp: 8, dp: " + std::to_string(dp) +
      ", recompute: selective, zero_stage: 1, symmetric: " + (symmetric ? "true" : "false") +
      "}\npolicies: [static]\n";
  return wattsim::parse_scenario(text, "scaling", catalog());
}

void BM_ScalingSymmetricAnalytical(benchmark::State& state) {
  run_steps(state, scaling_scenario(static_cast<int>(state.range(0)), true, "analytical"));
}
BENCHMARK(BM_ScalingSymmetricAnalytical)
    ->RangeMultiplier(2)
    ->Range(1, 128)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);

void BM_ScalingSymmetricFlow(benchmark::State& state) {
  run_steps(state, scaling_scenario(static_cast<int>(state.range(0)), true, "flow"));
}
BENCHMARK(BM_ScalingSymmetricFlow)
    ->RangeMultiplier(2)
    ->Range(1, 32)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2);

void BM_ScalingFullAnalytical(benchmark::State& state) {
  run_steps(state, scaling_scenario(static_cast<int>(state.range(0)), false, "analytical"));
}
BENCHMARK(BM_ScalingFullAnalytical)
    ->RangeMultiplier(2)
    ->Range(1, 16)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

}  // namespace
