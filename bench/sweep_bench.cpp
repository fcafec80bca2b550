// Sweep throughput: points per minute for the 8-GPU GPT 1.3B data-parallel scenario (analytical network,
// static and pass-dvfs, summary only), through the sweep machinery (point made from the sweep file, its
// scenario written and read back, run, result row made) on 1 and 2 threads, and the same scenario run bare
// (already read, no sweep) for the machinery's per-point overhead.
#include <benchmark/benchmark.h>

#include <atomic>

#include "io/model_catalog.hpp"
#include "io/scenario_reader.hpp"
#include "run/runner.hpp"
#include "sweep/sweep_runner.hpp"
#include "sweep/sweep_spec.hpp"

namespace {

const wattsim::ModelCatalog& catalog() {
  static const wattsim::ModelCatalog c(WATTSIM_BENCH_MODELS_DIR);
  return c;
}

const wattsim::SweepSpec& spec() {
  // 400 points of the example, its policies cut to static and pass-dvfs (bench/sweep-throughput.yaml; the
  // MPI scaling in bench/README.md runs the same file with mpirun).
  static const wattsim::SweepSpec s = wattsim::SweepSpec::load(
      std::string(WATTSIM_BENCH_SOURCE_DIR) + "/bench/sweep-throughput.yaml", catalog());
  return s;
}

void BM_SweepPoints(benchmark::State& state) {
  const auto threads = static_cast<unsigned>(state.range(0));
  std::size_t points = 0;
  for (auto _ : state) {
    std::atomic<std::size_t> next{0};
    std::size_t done = 0;
    wattsim::run_points(
        spec(), catalog(), threads, {},
        [&]() -> std::optional<std::size_t> {
          const std::size_t i = next++;
          return i < spec().size() ? std::optional<std::size_t>(i) : std::nullopt;
        },
        [&](wattsim::PointResult&& r) { done += r.status == wattsim::PointStatus::Done; }, [] {});
    if (done != spec().size()) state.SkipWithError("a point did not run");
    points += spec().size();
  }
  state.counters["points"] = benchmark::Counter(static_cast<double>(points), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SweepPoints)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(2);

// One point's scenario, already read: what the sweep adds is the difference to BM_SweepPoints/1 per point.
void BM_BarePoint(benchmark::State& state) {
  const wattsim::Scenario s =
      wattsim::parse_scenario(spec().scenario_text(spec().point(0)), spec().scenario_file(), catalog());
  std::size_t points = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(wattsim::run_scenario(s).policies.size());
    ++points;
  }
  state.counters["points"] = benchmark::Counter(static_cast<double>(points), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_BarePoint)->Unit(benchmark::kMillisecond);

// The sweep's own work per point: the point from its index, its scenario text, read back.
void BM_PointMachinery(benchmark::State& state) {
  std::size_t i = 0;
  for (auto _ : state) {
    const wattsim::SweepPoint p = spec().point(i++ % spec().size());
    benchmark::DoNotOptimize(
        wattsim::parse_scenario(spec().scenario_text(p), spec().scenario_file(), catalog()).policies.size());
  }
}
BENCHMARK(BM_PointMachinery)->Unit(benchmark::kMicrosecond);

}  // namespace
