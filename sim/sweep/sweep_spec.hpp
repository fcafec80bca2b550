#pragma once
// A sweep file (docs/sweeps.md): a base scenario (a file or inline) and the values to give its key paths.
// Factors combine as a Cartesian product, in the order the file lists them (the first varies slowest): `grid`
// (each key path its own axis), `zip` (key paths whose lists advance together), `points` (explicit
// assignments) and `random` (seeded samples, each addressable by its index alone). `derived` key paths are
// expressions of the others; `constraints` drop points, each with its reason. A point is addressed by its
// index (the last factor varies fastest) and named by a stable id, a hash of its key paths and values, so
// results join across runs, shards and machines. Points are made on demand: a sweep of millions is never
// held.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "io/model_catalog.hpp"
#include "sweep/expression.hpp"

namespace wattsim {

// One value of a column: a scalar as a SweepValue; a list or mapping (a policy list, stage_layers) as its
// flow-style text, with the node kept to write into the scenario.
struct SweepCell {
  SweepValue value;
  YAML::Node node;  // as the sweep file wrote it; null for computed values (derived, sampled)
};

struct SweepPoint {
  std::size_t index = 0;
  std::string id;                 // 16 hex digits
  std::vector<SweepCell> values;  // one per column of the spec
  std::string rejected;           // the constraint that drops the point ("" if none does)
};

class SweepSpec {
 public:
  // Reads a sweep file; throws InputError with every problem at its file:line:col.
  static SweepSpec load(const std::string& file, const ModelCatalog& catalog);
  static SweepSpec parse(const std::string& text, const std::string& file, const ModelCatalog& catalog);

  const std::string& name() const { return name_; }
  const std::string& file() const { return file_; }
  const std::string& text() const { return text_; }
  const std::string& base_text() const { return base_text_; }
  // The key paths a point sets, in the order the file introduces them: swept first, then derived.
  const std::vector<std::string>& columns() const { return columns_; }
  std::size_t size() const { return total_; }
  // Identifies what the sweep computes: its points and their scenarios (the file's text, the base's and
  // the definitions' do not enter, only what they resolve to at each point is checked when it runs).
  std::uint64_t fingerprint() const { return fingerprint_; }

  // The point at `index` < size(): its values, id, and the first constraint it breaks.
  SweepPoint point(std::size_t index) const;
  // The point's scenario as a scenario file: the base with the point's values and its seed written in.
  std::string scenario_text(const SweepPoint& point) const;
  // The file its scenario is read as (relative paths in the base resolve beside the base).
  const std::string& scenario_file() const { return scenario_file_; }
  // "hardware.gpus=8, workload.global_batch=512": a point's values, one per column.
  std::string describe(const std::vector<SweepValue>& values) const;
  std::string describe(const SweepPoint& point) const;
  // The index of the point with this id, if any (a linear search: for `--point ID`).
  std::optional<std::size_t> find(const std::string& id) const;

  // One factor of the product: rows of values for some columns, or seeded samples.
  struct Distribution {
    enum class Kind { Uniform, LogUniform, Integer, Choice } kind;
    double low = 0, high = 0;
    std::vector<SweepCell> choices;
  };
  struct Factor {
    std::vector<std::size_t> columns;
    std::vector<std::vector<SweepCell>> rows;  // lists, zips and points
    std::vector<Distribution> random;          // random samples: one distribution per column
    std::size_t samples = 0;
    std::uint64_t seed = 0;
    std::size_t size() const { return random.empty() ? rows.size() : samples; }
  };
  // A name in an expression: a column, or a constant the base or the declared default gives.
  struct Operand {
    std::optional<std::size_t> column;
    SweepValue constant;
  };
  struct Derived {
    std::size_t column;
    Expression expression;
    std::vector<Operand> operands;
  };
  struct Constraint {
    Expression expression;
    std::vector<Operand> operands;
    std::string reason;
  };

 private:
  friend class SweepReader;
  std::string name_, file_, text_, base_text_, scenario_file_;
  YAML::Node base_;
  std::uint64_t base_seed_ = 0;
  std::vector<std::string> columns_;
  std::vector<std::size_t> id_order_;  // the columns sorted by key path: the order ids hash them in
  std::vector<Factor> factors_;
  std::vector<Derived> derived_;
  std::vector<Constraint> constraints_;
  std::size_t total_ = 1;
  std::uint64_t fingerprint_ = 0;
  int seed_column_ = -1;  // when the sweep sets `seed` itself

  SweepValue evaluate(const Expression& e, const std::vector<Operand>& operands,
                      const std::vector<SweepCell>& values) const;
};

}  // namespace wattsim
