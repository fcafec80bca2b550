// Event-queue throughput in the hold model (pop the earliest event, push one a random delay later) at a
// fixed number of pending events, the standard priority-queue benchmark for discrete-event simulators.
#include <benchmark/benchmark.h>

#include <queue>
#include <random>
#include <vector>

#include "engine/event_queue.hpp"

namespace {

// Exponential delays with the given mean in ns. With N pending events and mean delay D, about N/D events
// share each nanosecond: 1 µs at 10^5 pending means ~100 events per instant (the tie path, as when a
// collective ends on thousands of GPUs at once); 100 µs, like kernel completions, makes ties rare.
std::vector<wattsim::SimTime> delays(std::size_t n, double mean_ns) {
  std::mt19937_64 rng(7);
  std::exponential_distribution<double> d(1.0 / mean_ns);
  std::vector<wattsim::SimTime> v(n);
  for (auto& x : v) x = static_cast<wattsim::SimTime>(d(rng));
  return v;
}

void BM_RadixHeapHold(benchmark::State& state) {
  const auto pending = static_cast<std::size_t>(state.range(0));
  const auto delay = delays(1 << 16, static_cast<double>(state.range(1)));
  wattsim::EventQueue<std::uint32_t> q;
  for (std::size_t i = 0; i < pending; ++i) q.push(delay[i & 0xffff], static_cast<std::uint32_t>(i));
  std::size_t i = 0;
  for (auto _ : state) {
    const auto e = q.pop();
    q.push(e.time + delay[++i & 0xffff], e.payload);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_RadixHeapHold)->ArgsProduct({{100, 1000, 10000, 100000, 1000000}, {1000, 100000}});

// The same hold model on std::priority_queue with (time, sequence) keys, for comparison.
void BM_BinaryHeapHold(benchmark::State& state) {
  using Entry = std::pair<std::pair<wattsim::SimTime, std::uint64_t>, std::uint32_t>;
  const auto pending = static_cast<std::size_t>(state.range(0));
  const auto delay = delays(1 << 16, static_cast<double>(state.range(1)));
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> q;
  std::uint64_t seq = 0;
  for (std::size_t i = 0; i < pending; ++i)
    q.push({{delay[i & 0xffff], seq++}, static_cast<std::uint32_t>(i)});
  std::size_t i = 0;
  for (auto _ : state) {
    const Entry e = q.top();
    q.pop();
    q.push({{e.first.first + delay[++i & 0xffff], seq++}, e.second});
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["events/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_BinaryHeapHold)->ArgsProduct({{100, 1000, 10000, 100000, 1000000}, {1000, 100000}});

}  // namespace
