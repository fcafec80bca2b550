#pragma once
// Writes a run's results in the layout of docs/hdf5-format.md. The file is written under a temporary name
// in the destination directory and renamed over the destination only once complete and closed, so a crash
// or a kill leaves either no file or the previous complete one, never a truncated file that looks whole.
#include <string>

#include "io/scenario.hpp"
#include "run/runner.hpp"

namespace wattsim {

struct OutputInfo {
  std::string version;
  std::string created;  // ISO-8601 timestamp (an attribute; datasets stay bit-identical across runs)
};

void write_results_hdf5(const std::string& path, const Scenario& scenario, const RunResult& result,
                        const OutputInfo& info);

}  // namespace wattsim
