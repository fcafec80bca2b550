#include "sweep/sweep_runner.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <deque>
#include <exception>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "io/diagnostics.hpp"
#include "io/output_file.hpp"
#include "util/interrupt.hpp"

namespace wattsim {

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kJournalMagic = "wattsim-sweep-journal 1";

std::string shard_text(const SweepOptions& o) {
  return o.shards > 1 ? std::to_string(o.shard) + "/" + std::to_string(o.shards) : "";
}

[[noreturn]] void refuse(const std::string& path, const std::string& why) {
  throw InputError({Diagnostic{path, 0, 0, why}});
}

std::string csv_path(const std::string& output) {
  return std::filesystem::path(output).replace_extension(".csv").string();
}

std::string duration_text(double seconds) {
  char buf[32];
  if (seconds < 90)
    std::snprintf(buf, sizeof buf, "%.0f s", seconds);
  else if (seconds < 5400)
    std::snprintf(buf, sizeof buf, "%.0f min", seconds / 60);
  else
    std::snprintf(buf, sizeof buf, "%.1f h", seconds / 3600);
  return buf;
}

void write_all(int fd, const std::string& text) {
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw OutputError(std::string("cannot write the sweep journal: ") + std::strerror(errno));
    written += static_cast<std::size_t>(n);
  }
}

}  // namespace

std::string journal_path(const std::string& output) {
  return output + ".journal";
}

SweepState::SweepState(const SweepSpec& spec, const SweepOptions& options, std::ostream& log)
    : spec_(spec), options_(options), log_(log) {
  file_ = SweepFile{spec.name(),    fingerprint_text(spec.fingerprint()),
                    spec.size(),    shard_text(options),
                    spec.text(),    spec.base_text(),
                    spec.columns(), {},
                    options.version};
  finished_.assign(spec.size(), 0);
  points_ =
      options.shard < spec.size() ? (spec.size() - options.shard + options.shards - 1) / options.shards : 0;
  const auto keep = [&](PointResult r) {
    if (r.index >= spec.size() || finished_[r.index] || r.status == PointStatus::Failed) return;  // retried
    finished_[r.index] = 1;
    ++finished_before_;
    file_.results.push_back(std::move(r));
  };
  std::error_code ec;
  if (std::filesystem::exists(options.output, ec)) {
    SweepFile before = read_sweep_file(options.output);
    if (before.fingerprint != file_.fingerprint)
      refuse(options.output,
             "holds the results of another sweep (or of an earlier version of this sweep file); "
             "remove it or write to another file");
    if (before.shard != file_.shard)
      refuse(options.output,
             "holds shard '" + before.shard + "', not '" + file_.shard + "'; use another file per shard");
    for (PointResult& r : before.results) keep(std::move(r));
  }
  const std::string journal = journal_path(options.output);
  if (std::filesystem::exists(journal, ec)) {
    std::ifstream in(journal);
    std::string line;
    std::getline(in, line);
    if (line != std::string(kJournalMagic) + " " + file_.fingerprint + " " + file_.shard)
      refuse(journal, "is the journal of another sweep or shard; remove it (or the output it belongs to)");
    while (std::getline(in, line) && !in.eof()) {  // a last line without its newline was cut by a kill
      std::optional<PointResult> r = decode(line);
      if (r && with_parameters(*r)) keep(std::move(*r));
    }
  }
  start_ = last_report_ = last_checkpoint_ = Clock::now();
  open_journal();
  write();  // the output exists and is readable from the start; a journal left by a kill is folded in
}

SweepState::~SweepState() {
  if (journal_ >= 0) ::close(journal_);
}

void SweepState::open_journal() {
  const std::string journal = journal_path(options_.output);
  journal_ = ::open(journal.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (journal_ < 0) refuse(journal, std::string("cannot open the sweep journal: ") + std::strerror(errno));
  reset_journal();
}

void SweepState::reset_journal() {
  if (::ftruncate(journal_, 0) != 0)
    throw OutputError(std::string("cannot reset the journal: ") + std::strerror(errno));
  write_all(journal_, std::string(kJournalMagic) + " " + file_.fingerprint + " " + file_.shard + "\n");
}

std::vector<std::size_t> SweepState::unfinished() const {
  std::vector<std::size_t> out;
  for (std::size_t i = options_.shard; i < finished_.size(); i += options_.shards)
    if (!finished_[i]) out.push_back(i);
  return out;
}

bool SweepState::with_parameters(PointResult& r) const {
  if (r.index >= spec_.size()) return false;
  const SweepPoint point = spec_.point(r.index);
  if (point.id != r.id) return false;  // a line of another version of the sweep
  r.parameters.clear();
  for (const SweepCell& c : point.values) r.parameters.push_back(c.value);
  return true;
}

void SweepState::add(PointResult r) {
  if (r.parameters.empty() && !with_parameters(r)) return;  // decoded from a line (an MPI rank's)
  if (r.index >= finished_.size() || finished_[r.index]) return;
  write_all(journal_, encode(r) + "\n");  // in the kernel's hands before anything else: survives a kill
  if (r.status == PointStatus::Done) ++done_;
  if (r.status == PointStatus::Infeasible) ++infeasible_;
  if (r.status == PointStatus::Failed) ++failed_;
  if (r.status != PointStatus::Failed) finished_[r.index] = 1;
  file_.results.push_back(std::move(r));
}

void SweepState::tick(bool final) {
  const Clock::time_point now = Clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const std::size_t this_run = done_ + infeasible_ + failed_;
  const std::size_t finished = finished_count();
  const std::size_t left = points_ - std::min(points_, finished + failed_);
  const double rate = elapsed > 0 ? this_run / elapsed : 0;
  const double since_report = std::chrono::duration<double>(now - last_report_).count();
  char eta[48] = "";
  if (rate > 0 && left > 0) std::snprintf(eta, sizeof eta, ", ETA %s", duration_text(left / rate).c_str());
  if (options_.terminal && (since_report >= 0.2 || final)) {
    constexpr int kWidth = 30;
    const double share = points_ ? static_cast<double>(finished + failed_) / points_ : 1.0;
    const int filled = static_cast<int>(share * kWidth);
    char line[256];
    std::snprintf(line, sizeof line,
                  "\r[%s%s] %zu/%zu %3.0f%%, %zu infeasible, %zu failed, %.1f points/s%s\033[K",
                  std::string(filled, '#').c_str(), std::string(kWidth - filled, '.').c_str(),
                  finished + failed_, points_, 100 * share, infeasible_, failed_, rate, eta);
    log_ << line << (final ? "\n" : "") << std::flush;
    last_report_ = now;
  } else if (!options_.terminal && (since_report >= options_.report_interval_s || final)) {
    char line[256];
    std::snprintf(line, sizeof line,
                  "sweep %s: %zu/%zu points (%.1f%%), %zu infeasible, %zu failed, %.1f points/s%s\n",
                  file_.name.c_str(), finished + failed_, points_,
                  points_ ? 100.0 * (finished + failed_) / points_ : 100.0, infeasible_, failed_, rate, eta);
    log_ << line << std::flush;
    last_report_ = now;
  }
  if (!final &&
      std::chrono::duration<double>(now - last_checkpoint_).count() >= options_.checkpoint_interval_s)
    write();
}

void SweepState::write() {
  sort_by_point(file_.results);
  const Clock::time_point start = Clock::now();
  const bool complete = finished_count() >= points_;
  write_sweep_file(options_.output, file_, complete);
  if (options_.csv) write_sweep_csv(csv_path(options_.output), file_);
  reset_journal();  // what it held is in the output now
  last_checkpoint_ = Clock::now();
  last_write_s_ = std::chrono::duration<double>(last_checkpoint_ - start).count();
}

void SweepState::finish() {
  write();
  if (finished_count() < points_) return;
  ::close(journal_);
  journal_ = -1;
  std::error_code ec;
  std::filesystem::remove(journal_path(options_.output), ec);  // complete: nothing to resume
}

SweepOutcome SweepState::outcome(bool interrupted) const {
  SweepOutcome out;
  out.points = points_;
  out.finished_before = finished_before_;
  out.done = done_;
  out.infeasible = infeasible_;
  out.failed = failed_;
  out.remaining = points_ - std::min(points_, finished_count());
  out.interrupted = interrupted;
  for (const PointResult& r : file_.results)
    if (r.status != PointStatus::Done) out.dropped.push_back(r);
  return out;
}

void run_points(const SweepSpec& spec, const ModelCatalog& catalog, unsigned threads,
                const TraceOutput& traces, const std::function<std::optional<std::size_t>()>& next,
                const std::function<void(PointResult&&)>& done, const std::function<void()>& tick,
                std::chrono::milliseconds tick_interval) {
  std::mutex mutex;
  std::condition_variable ready_cv;
  std::deque<PointResult> ready;
  unsigned running = std::max(1u, threads);
  std::mutex next_mutex;
  auto worker = [&] {
    for (;;) {
      if (drain_requested() || stop_requested()) break;
      std::optional<std::size_t> index;
      {
        std::lock_guard lock(next_mutex);
        index = next();
      }
      if (!index) break;
      try {
        PointResult r = run_point(spec, *index, catalog, traces);
        std::lock_guard lock(mutex);
        ready.push_back(std::move(r));
        ready_cv.notify_one();
      } catch (const Interrupted&) {
        break;  // a hard stop: the point in flight is dropped, a resumed sweep reruns it
      }
    }
    std::lock_guard lock(mutex);
    --running;
    ready_cv.notify_one();
  };
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < std::max(1u, threads); ++t) pool.emplace_back(worker);
  for (;;) {
    std::deque<PointResult> batch;
    bool finished = false;
    {
      std::unique_lock lock(mutex);
      ready_cv.wait_for(lock, tick_interval, [&] { return !ready.empty() || running == 0; });
      batch.swap(ready);
      finished = running == 0;
    }
    try {
      for (PointResult& r : batch) done(std::move(r));
      tick();
    } catch (...) {
      request_stop(SIGTERM);  // the workers stop at their next check, then the error propagates
      for (std::thread& t : pool) t.join();
      throw;
    }
    if (finished) break;
  }
  for (std::thread& t : pool) t.join();
}

SweepOutcome run_sweep(const SweepSpec& spec, const ModelCatalog& catalog, const SweepOptions& options,
                       std::ostream& log) {
  SweepState state(spec, options, log);
  const std::vector<std::size_t> todo = state.unfinished();
  const unsigned threads =
      options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  log << "sweep " << spec.name() << ": " << spec.size() << " points";
  if (options.shards > 1)
    log << ", shard " << options.shard << "/" << options.shards << " has " << state.points();
  if (state.finished_count() > 0) log << ", " << state.finished_count() << " already finished";
  log << "; running " << todo.size() << " on "
      << std::min<std::size_t>(threads, std::max<std::size_t>(todo.size(), 1)) << " thread(s) into "
      << options.output << "\n";
  std::size_t cursor = 0;
  run_points(
      spec, catalog,
      static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(todo.size(), 1))),
      TraceOutput{options.trace_dir, options.version},
      [&]() -> std::optional<std::size_t> {
        if (cursor == todo.size()) return std::nullopt;
        return todo[cursor++];
      },
      [&](PointResult&& r) { state.add(std::move(r)); }, [&] { state.tick(); });
  state.tick(true);
  state.finish();
  return state.outcome(drain_requested() || stop_requested());
}

MergeReport merge_sweep_files(const std::vector<std::string>& parts, const std::string& output, bool csv,
                              const std::string& version, std::ostream& log) {
  if (parts.empty()) throw InputError({Diagnostic{"", 0, 0, "merge needs at least one part"}});
  check_output_path(output, parts);
  SweepFile merged;
  std::vector<unsigned char> seen;
  std::vector<std::size_t> position;  // of each point's result in merged.results
  MergeReport report;
  for (std::size_t p = 0; p < parts.size(); ++p) {
    SweepFile part = read_sweep_file(parts[p]);
    if (p == 0) {
      merged = SweepFile{part.name,      part.fingerprint, part.total, "",     part.sweep_text,
                         part.base_text, part.parameters,  {},         version};
      seen.assign(part.total, 0);
      position.assign(part.total, 0);
    } else if (part.fingerprint != merged.fingerprint || part.total != merged.total) {
      throw InputError({Diagnostic{
          parts[p], 0, 0,
          "is a part of another sweep than " + parts[0] + " (a different sweep file or base scenario)"}});
    }
    for (PointResult& r : part.results) {
      if (r.index >= merged.total) continue;
      const bool failed = r.status == PointStatus::Failed;
      if (seen[r.index] == 0) {
        seen[r.index] = failed ? 1 : 2;
        position[r.index] = merged.results.size();
        merged.results.push_back(std::move(r));
        continue;
      }
      if (failed) continue;  // another part has it, finished or failed too
      PointResult& kept = merged.results[position[r.index]];
      if (seen[r.index] == 1) {  // a failure replaced by a finished result
        kept = std::move(r);
        seen[r.index] = 2;
        continue;
      }
      ++report.duplicates;
      if (encode(kept) != encode(r)) {
        ++report.conflicting;
        log << "merge: point " << r.id << " (index " << r.index
            << ") differs between parts; keeping the first\n";
      }
    }
  }
  report.total = merged.total;
  std::vector<std::size_t> missing;
  for (std::size_t i = 0; i < merged.total; ++i)
    if (seen[i] != 2) missing.push_back(i);
  report.missing = missing.size();
  report.points = merged.total - missing.size();
  sort_by_point(merged.results);
  write_sweep_file(output, merged, missing.empty());
  if (csv) write_sweep_csv(csv_path(output), merged);
  log << "merged " << parts.size() << " part(s) of sweep " << merged.name << ": " << report.points << " of "
      << report.total << " points";
  if (report.duplicates)
    log << ", " << report.duplicates << " duplicate(s) (" << report.conflicting << " conflicting)";
  log << "\n";
  if (!missing.empty()) {
    log << "missing " << missing.size() << " point(s), indices";
    for (std::size_t i = 0; i < std::min<std::size_t>(missing.size(), 20); ++i) log << " " << missing[i];
    if (missing.size() > 20) log << " ...";
    log << "; rerun their shards (the same command resumes) and merge again\n";
  }
  return report;
}

}  // namespace wattsim
