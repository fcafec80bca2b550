#pragma once
// The rules a scenario must meet to run, applied to the plain scenario. Each rule lives beside the model
// it is about (hardware: power limits and precisions; network: fabric capacity; workload: layout, model
// splits, memory per stage, program size); this file applies them in order and keys what they find by
// scenario path. It also fills in what follows from the configuration (the micro-batch when not given,
// microbatches per pipeline, the bytes a stage boundary moves).
#include "config/configuration.hpp"
#include "config/scenario.hpp"
#include "util/issues.hpp"

namespace wattsim {

// Rules between sections that need only the values read: GPU counts against the node, tp × pp × dp
// against the cluster, the layout's own rules, stragglers against the ranks, training length.
Issues check_structure(const Scenario& scenario);

// The rest, for a scenario whose structure holds: batch split, program size against limits.memory,
// precision, model splits, fabric capacity, memory per pipeline stage. Fills in the derived fields.
Issues check_feasibility(Scenario& scenario);

// A scenario with another batch and layout, as the adaptive policies choose them, re-checked.
Issues apply_configuration(Scenario& scenario, const Configuration& configuration);

}  // namespace wattsim
