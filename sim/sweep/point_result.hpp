#pragma once
// What one point of a sweep came to: per policy, every summary metric and its comparison with static; or
// why the point was dropped (a constraint, or the scenario's own checks: the diagnostics `validate` gives);
// or the error that stopped it. A result is one line of text (every number to 17 digits, so it reads back
// bit for bit): the journal that makes a sweep resumable is these lines, and MPI ranks send them.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "io/model_catalog.hpp"
#include "run/run_result.hpp"
#include "sweep/sweep_spec.hpp"

namespace wattsim {

enum class PointStatus { Done, Infeasible, Failed };

struct PolicyRow {
  std::string policy;
  std::vector<double> values;  // one per result_columns(), NaN where a metric does not apply
};

struct PointResult {
  std::size_t index = 0;
  std::string id;
  PointStatus status = PointStatus::Done;
  std::string reason;  // Infeasible and Failed
  std::vector<PolicyRow> rows;
  std::vector<SweepValue> parameters;  // the point's values, one per column of the sweep (not encoded)
};

// The metric columns of a row: every run metric, then the comparison with static allocation.
struct ResultColumn {
  std::string name;
  std::string unit;
};
const std::vector<ResultColumn>& result_columns();

// A run's results as rows.
PointResult point_result(std::size_t index, const std::string& id, const RunResult& run);

// Per-point full runs (`--traces DIR`): DIR/<id>.h5 in the layout of `wattsim run -o`; none if dir is "".
struct TraceOutput {
  std::string dir;
  std::string version;  // of wattsim, for the files' attribute
};

// Simulates one point: its scenario read as `wattsim run` reads it (so a point re-run alone gives the same
// numbers), every policy run. Infeasible and failed points are results too; Interrupted propagates.
PointResult run_point(const SweepSpec& spec, std::size_t index, const ModelCatalog& catalog,
                      const TraceOutput& traces = {});

std::string encode(const PointResult& result);
// nullopt for a line that is not a whole result (the last line of a journal cut by a kill).
std::optional<PointResult> decode(std::string_view line);

}  // namespace wattsim
