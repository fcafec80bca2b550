#pragma once
// Running a sweep: points on worker threads of one process (never a process per point), results gathered
// on the calling thread in a SweepState that journals each finished point at once (a kill loses only the
// points in flight), rewrites the HDF5 result atomically at checkpoints and at the end, and resumes from
// both. A shard (`--shard i/N`, a SLURM array task) runs the points whose index is i modulo N; MPI ranks
// (mpi_runner.cpp) draw points from rank 0 one by one, so a long point never stalls the others.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "sweep/point_result.hpp"
#include "sweep/sweep_file.hpp"
#include "sweep/sweep_spec.hpp"

namespace wattsim {

struct SweepOptions {
  std::string output;
  unsigned threads = 0;  // 0: every core
  std::size_t shard = 0, shards = 1;
  bool csv = false;       // also OUTPUT with .csv
  std::string trace_dir;  // per-point HDF5 traces, when asked
  bool terminal = false;  // a progress bar (else a line every report_interval_s)
  double report_interval_s = 10;
  double checkpoint_interval_s = 10;
  std::string version;
};

struct SweepOutcome {
  std::size_t points = 0;                            // in this shard
  std::size_t finished_before = 0;                   // found in the output or its journal
  std::size_t done = 0, infeasible = 0, failed = 0;  // this run
  std::size_t remaining = 0;
  bool interrupted = false;
  bool writer = true;                // false on the MPI ranks other than 0 (they report nothing)
  std::vector<PointResult> dropped;  // infeasible and failed points, this run and before
};

// The journal beside the output: OUTPUT.journal.
std::string journal_path(const std::string& output);

// What a sweep has finished, and where it goes.
class SweepState {
 public:
  // Reads what an earlier run of the same sweep left (the output, its journal); throws InputError if
  // they belong to another sweep or shard.
  SweepState(const SweepSpec& spec, const SweepOptions& options, std::ostream& log);
  ~SweepState();
  SweepState(const SweepState&) = delete;
  SweepState& operator=(const SweepState&) = delete;

  bool finished(std::size_t index) const { return finished_[index] != 0; }
  // The shard's points not yet finished, in order.
  std::vector<std::size_t> unfinished() const;
  std::size_t points() const { return points_; }
  std::size_t finished_count() const { return finished_before_ + done_ + infeasible_; }

  // A result: journalled at once; the output is rewritten when a checkpoint is due. A result decoded
  // from a line (an MPI rank's) gets its point's values here.
  void add(PointResult result);
  // Progress on stderr (a bar, or a line every few seconds) and due checkpoints; call often.
  void tick(bool final = false);
  // Writes the output (and the CSV): complete if every point of the shard is finished.
  void write();
  // The last write; the journal goes once every point is finished.
  void finish();
  SweepOutcome outcome(bool interrupted) const;

 private:
  const SweepSpec& spec_;
  SweepOptions options_;
  std::ostream& log_;
  SweepFile file_;
  std::vector<unsigned char> finished_;
  std::size_t points_ = 0, finished_before_ = 0, done_ = 0, infeasible_ = 0, failed_ = 0;
  int journal_ = -1;
  std::chrono::steady_clock::time_point start_, last_report_, last_checkpoint_;
  double last_write_s_ = 0;

  // Fills a decoded result's values from its point; false if no point of this sweep has its index and id.
  bool with_parameters(PointResult& r) const;
  void open_journal();
  void reset_journal();
};

// Runs points taken from `next` (called on the workers, must be thread-safe; nullopt: no more) on
// `threads` threads, handing each result to `done` on the calling thread; `tick` runs there at least
// every `tick_interval`. A stop request (a second Ctrl-C) drops the points in flight; a drain request (the
// first) makes `next` stop being asked.
void run_points(const SweepSpec& spec, const ModelCatalog& catalog, unsigned threads,
                const TraceOutput& traces, const std::function<std::optional<std::size_t>()>& next,
                const std::function<void(PointResult&&)>& done, const std::function<void()>& tick,
                std::chrono::milliseconds tick_interval = std::chrono::milliseconds(200));

// The local runner: threads over the shard's unfinished points.
SweepOutcome run_sweep(const SweepSpec& spec, const ModelCatalog& catalog, const SweepOptions& options,
                       std::ostream& log);

// `mpirun -n K wattsim sweep`: rank 0 hands out points and writes; false if wattsim was built without MPI
// or is not under mpirun (then the caller runs locally).
bool mpi_launched();
std::optional<SweepOutcome> run_sweep_mpi(const SweepSpec& spec, const ModelCatalog& catalog,
                                          const SweepOptions& options, std::ostream& log);

// Joins shard results into one: missing and duplicate points reported on `log`. Throws InputError for
// parts of different sweeps.
struct MergeReport {
  std::size_t total = 0, points = 0, duplicates = 0, conflicting = 0, missing = 0;
};
MergeReport merge_sweep_files(const std::vector<std::string>& parts, const std::string& output, bool csv,
                              const std::string& version, std::ostream& log);

}  // namespace wattsim
