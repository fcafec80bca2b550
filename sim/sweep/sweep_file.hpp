#pragma once
// A sweep's results on disk (docs/hdf5-format.md, "Sweep results"): one HDF5 file with `/points` (one row
// per point and policy: its index and id, every swept key path, every summary metric, units in the
// `units` attribute), `/infeasible` (each dropped point and why) and `/failed` (each point that stopped
// with an error; a resumed sweep retries them), with the sweep file and its base scenario inside. Rows
// are in point order whatever order they finished in, so the same sweep gives identical tables on one
// thread, many threads, MPI ranks or merged shards. Written atomically; read back to resume and to merge.
#include <cstdint>
#include <string>
#include <vector>

#include "sweep/point_result.hpp"

namespace wattsim {

struct SweepFile {
  std::string name;
  std::string fingerprint;  // 16 hex digits of SweepSpec::fingerprint()
  std::size_t total = 0;    // points in the whole sweep
  std::string shard;        // "2/8" for one slice of a job array, "" for the whole sweep
  std::string sweep_text, base_text;
  std::vector<std::string> parameters;  // the swept key paths, in column order
  std::vector<PointResult> results;     // in point order
  std::string version;                  // of wattsim that wrote it
};

std::string fingerprint_text(std::uint64_t fingerprint);
// Results in point order (stable: a point's entries keep their order), as every table is written.
void sort_by_point(std::vector<PointResult>& results);

// Writes atomically (temp + rename); the file says whether every point of its shard is in it.
void write_sweep_file(const std::string& path, const SweepFile& file, bool complete);
// The CSV beside it: the /points table with a header row (strings quoted where they need it).
void write_sweep_csv(const std::string& path, const SweepFile& file);
// Throws InputError if the file is not a readable sweep result.
SweepFile read_sweep_file(const std::string& path);

}  // namespace wattsim
