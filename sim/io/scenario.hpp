#pragma once
// A scenario file, validated and resolved into typed configuration: profiles looked up, units converted,
// every error in the file collected (see docs/scenario.md, generated from the same declarations).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hardware/gpu_profile.hpp"
#include "io/csv_series.hpp"
#include "io/model_catalog.hpp"
#include "network/fabric.hpp"
#include "network/network_model.hpp"
#include "network/node_profile.hpp"
#include "policy/policy.hpp"
#include "workload/model_spec.hpp"
#include "workload/step_program.hpp"

namespace wattsim {

enum class TraceDetail { Summary, Steps, Full };
std::string_view to_string(TraceDetail d);

struct PolicyChoice {
  std::string name;
  std::shared_ptr<const Policy> policy;
};

struct Straggler {
  int gpu = 0;  // global rank
  double slowdown = 1;
  std::uint32_t from_step = 0;
};

struct Scenario {
  std::string file;
  std::string text;  // the input as written, stored in the output for provenance
  std::string name;
  std::string description;
  std::uint64_t seed = 1;

  GpuProfile gpu;
  NodeProfile node;
  int gpus = 1;  // in use in each node
  int nodes = 1;
  double power_cap_w = 0;
  FabricProfile fabric;
  FabricChoice fabric_choice;
  NetworkFidelity fidelity = NetworkFidelity::Analytical;
  std::string algorithm = "ring";

  ModelSpec model;
  Precision precision = Precision::BF16;
  int seq_len = 0;
  int global_batch = 1;
  int micro_batch = 1;
  bool flash_attention = true;
  bool structured_sparsity = false;

  ParallelPlan plan;  // tp, pp, dp, schedule, ZeRO, recompute...; microbatches and bytes filled in
  bool sequence_parallel = false;

  double total_steps = 1;
  int simulated_steps = 2;

  double pue = 1.1;
  double carbon_g_per_kwh = 475;
  TimeSeries carbon_series;  // grid intensity over time (value in kg/J); empty: the constant above

  double speed_spread = 0;  // per-GPU variation (standard deviations of normal factors, mean 1)
  double power_spread = 0;
  std::vector<Straggler> stragglers;

  std::vector<PolicyChoice> policies;  // static first
  TraceDetail trace = TraceDetail::Steps;

  double memory_limit_bytes = 0;

  int total_gpus() const { return gpus * nodes; }
  int microbatches() const {
    return static_cast<int>(global_batch / (static_cast<long long>(plan.dp) * micro_batch));
  }
};

double physical_memory_bytes();

// The per-microbatch shape the workload families build kernels for.
MicrobatchShape microbatch_shape(const Scenario& scenario);

// Reads and validates a scenario; throws InputError with every problem found.
Scenario load_scenario(const std::string& file, const ModelCatalog& catalog);
Scenario parse_scenario(const std::string& text, const std::string& file, const ModelCatalog& catalog);

// Re-checks a scenario whose batch or parallel plan a policy changed (divisibility, memory, fabric) and
// fills in what follows from them; returns "" if it can run, otherwise why not.
std::string check_configuration(Scenario& scenario);

// The declared parameters of each scenario section, for documentation.
struct SchemaSection {
  std::string name;
  std::span<const ParamSpec> parameters;
};
std::vector<SchemaSection> scenario_schema();

}  // namespace wattsim
