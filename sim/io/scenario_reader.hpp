#pragma once
// Reads a scenario file into the plain scenario (config/scenario.hpp): every section against its declared
// parameters, every definition it names looked up in the catalog, units converted; then applies the
// scenario's rules (config/scenario_rules.hpp) and the policies' own checks, and reports what any of them
// finds at the file:line:col of the key it is about. Every problem of the file is collected.
#include <string>

#include "config/scenario.hpp"
#include "io/model_catalog.hpp"

namespace wattsim {

// Throws InputError with every problem found.
Scenario load_scenario(const std::string& file, const ModelCatalog& catalog);
Scenario parse_scenario(const std::string& text, const std::string& file, const ModelCatalog& catalog);

}  // namespace wattsim
