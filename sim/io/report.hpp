#pragma once
// Human- and machine-readable summaries of a run: the policy comparison table, and JSON for scripts.
#include <ostream>

#include "io/scenario.hpp"
#include "run/runner.hpp"

namespace wattsim {

void print_table(std::ostream& out, const Scenario& scenario, const RunResult& result);
void print_json(std::ostream& out, const Scenario& scenario, const RunResult& result);

}  // namespace wattsim
