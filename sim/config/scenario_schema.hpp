#pragma once
// The declared parameters of every section of a scenario file: the one place their types, units,
// defaults, ranges, allowed values and help are written (config/params.hpp). The input reader reads
// against them, and `wattsim list parameters` prints them (docs/scenario.md).
#include <span>
#include <string>
#include <vector>

#include "config/params.hpp"

namespace wattsim {

struct ScenarioSchema {
  std::span<const ParamSpec> root, hardware, network, workload, parallelism, framework, training, energy,
      limits, variation, straggler;
};
const ScenarioSchema& scenario_schema();

// The sections in reference order, named as the reference names them.
struct SchemaSection {
  std::string name;
  std::span<const ParamSpec> parameters;
};
std::vector<SchemaSection> scenario_sections();

}  // namespace wattsim
