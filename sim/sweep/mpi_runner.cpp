// The MPI runner (`mpirun -n K wattsim sweep ...`), compiled when CMake finds an MPI. Rank 0 owns the
// sweep's state and output; every rank, rank 0 included, simulates points on its own threads. Ranks ask
// rank 0 for a few points at a time and send their results back with the next request, so a rank that
// draws a long point only delays its own next request, never the other ranks. Only each rank's main
// thread calls MPI (MPI_THREAD_FUNNELED).
#include "sweep/sweep_runner.hpp"

#include <cstdlib>

#ifdef WATTSIM_WITH_MPI
#include <mpi.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <sstream>
#include <thread>

#include "util/interrupt.hpp"
#endif

namespace wattsim {

bool mpi_launched() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS"})
    if (const char* value = std::getenv(v); value && *value) return true;
  return false;
}

#ifndef WATTSIM_WITH_MPI

std::optional<SweepOutcome> run_sweep_mpi(const SweepSpec&, const ModelCatalog&, const SweepOptions&,
                                          std::ostream&) {
  return std::nullopt;
}

#else

namespace {

constexpr int kRequestTag = 1;  // rank → 0: "want N final F" then result lines
constexpr int kAssignTag = 2;   // 0 → rank: point indices (none: no more)

unsigned threads_per_rank(const SweepOptions& o) {
  if (o.threads) return o.threads;
  int local = 1;
  if (const char* v = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE")) local = std::max(1, std::atoi(v));
  return std::max(1u, std::thread::hardware_concurrency() / static_cast<unsigned>(local));
}

struct Request {
  std::size_t want = 0;
  bool final = false;
  std::vector<PointResult> results;
};

Request receive_request(int& source) {
  MPI_Status status;
  MPI_Probe(MPI_ANY_SOURCE, kRequestTag, MPI_COMM_WORLD, &status);
  int bytes = 0;
  MPI_Get_count(&status, MPI_CHAR, &bytes);
  std::string text(static_cast<std::size_t>(bytes), '\0');
  MPI_Recv(text.data(), bytes, MPI_CHAR, status.MPI_SOURCE, kRequestTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  source = status.MPI_SOURCE;
  Request r;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  int final = 0;
  std::sscanf(line.c_str(), "want %zu final %d", &r.want, &final);
  r.final = final != 0;
  while (std::getline(in, line))
    if (std::optional<PointResult> result = decode(line)) r.results.push_back(std::move(*result));
  return r;
}

SweepOutcome run_root(const SweepSpec& spec, const ModelCatalog& catalog, const SweepOptions& options,
                      std::ostream& log, int ranks) {
  SweepState state(spec, options, log);
  const std::vector<std::size_t> todo = state.unfinished();
  std::mutex todo_mutex;
  std::size_t cursor = 0;
  auto take = [&]() -> std::optional<std::size_t> {
    std::lock_guard lock(todo_mutex);
    if (cursor == todo.size() || drain_requested() || stop_requested()) return std::nullopt;
    return todo[cursor++];
  };
  const unsigned threads = threads_per_rank(options);
  log << "sweep " << spec.name() << ": " << spec.size() << " points";
  if (state.finished_count() > 0) log << ", " << state.finished_count() << " already finished";
  log << "; running " << todo.size() << " on " << ranks << " MPI ranks x " << threads << " thread(s) into "
      << options.output << "\n";
  int active = ranks - 1;
  // Answers every request waiting; with `block`, waits for one first.
  auto serve = [&](bool block) {
    for (;;) {
      int flag = 0;
      if (!block) MPI_Iprobe(MPI_ANY_SOURCE, kRequestTag, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
      if (!block && !flag) return;
      block = false;
      int source = 0;
      Request r = receive_request(source);
      for (PointResult& result : r.results) state.add(std::move(result));
      if (r.final) {
        --active;
        continue;
      }
      std::vector<std::uint64_t> assigned;
      for (std::size_t i = 0; i < r.want; ++i)
        if (const std::optional<std::size_t> index = take())
          assigned.push_back(*index);
        else
          break;
      MPI_Send(assigned.data(), static_cast<int>(assigned.size()), MPI_UINT64_T, source, kAssignTag,
               MPI_COMM_WORLD);
    }
  };
  run_points(
      spec, catalog, threads, TraceOutput{options.trace_dir, options.version}, take,
      [&](PointResult&& r) { state.add(std::move(r)); },
      [&] {
        serve(false);
        state.tick();
      },
      std::chrono::milliseconds(2));
  while (active > 0) {  // the other ranks' last points
    serve(true);
    state.tick();
  }
  state.tick(true);
  state.finish();
  return state.outcome(drain_requested() || stop_requested());
}

void run_worker(const SweepSpec& spec, const ModelCatalog& catalog, const SweepOptions& options) {
  const unsigned threads = threads_per_rank(options);
  std::mutex mutex;
  std::condition_variable cv;
  std::deque<std::size_t> assigned;
  bool no_more = false;
  std::string outbox;
  auto next = [&]() -> std::optional<std::size_t> {
    std::unique_lock lock(mutex);
    while (assigned.empty() && !no_more && !drain_requested() && !stop_requested())
      cv.wait_for(lock, std::chrono::milliseconds(50));
    if (assigned.empty() || drain_requested() || stop_requested()) return std::nullopt;
    const std::size_t index = assigned.front();
    assigned.pop_front();
    return index;
  };
  auto exchange = [&](bool final) {
    std::size_t want = 0;
    {
      std::lock_guard lock(mutex);
      if (!final && !no_more && !drain_requested() && assigned.size() < threads)
        want = 2 * threads - assigned.size();
      if (!final && want == 0 && outbox.empty()) return;
    }
    const std::string message =
        "want " + std::to_string(want) + " final " + (final ? "1" : "0") + "\n" + outbox;
    outbox.clear();
    MPI_Send(message.data(), static_cast<int>(message.size()), MPI_CHAR, 0, kRequestTag, MPI_COMM_WORLD);
    if (final) return;
    MPI_Status status;
    MPI_Probe(0, kAssignTag, MPI_COMM_WORLD, &status);
    int count = 0;
    MPI_Get_count(&status, MPI_UINT64_T, &count);
    std::vector<std::uint64_t> indices(static_cast<std::size_t>(count));
    MPI_Recv(indices.data(), count, MPI_UINT64_T, 0, kAssignTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    std::lock_guard lock(mutex);
    if (want > 0 && indices.empty()) no_more = true;
    for (std::uint64_t i : indices) assigned.push_back(static_cast<std::size_t>(i));
    cv.notify_all();
  };
  run_points(
      spec, catalog, threads, TraceOutput{options.trace_dir, options.version}, next,
      [&](PointResult&& r) { outbox += encode(r) + "\n"; }, [&] { exchange(false); },
      std::chrono::milliseconds(2));
  exchange(true);
}

}  // namespace

std::optional<SweepOutcome> run_sweep_mpi(const SweepSpec& spec, const ModelCatalog& catalog,
                                          const SweepOptions& options, std::ostream& log) {
  int provided = 0;
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  std::optional<SweepOutcome> outcome;
  try {
    if (ranks == 1) {
      outcome = run_sweep(spec, catalog, options, log);
    } else if (rank == 0) {
      outcome = run_root(spec, catalog, options, log, ranks);
    } else {
      run_worker(spec, catalog, options);
      outcome = SweepOutcome{};
      outcome->writer = false;
    }
  } catch (...) {
    MPI_Abort(MPI_COMM_WORLD, 1);  // one rank failing leaves the others waiting: end them all
    throw;
  }
  MPI_Finalize();
  return outcome;
}

#endif

}  // namespace wattsim
