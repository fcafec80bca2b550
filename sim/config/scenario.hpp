#pragma once
// A scenario as plain values: the hardware, cluster, model, parallel plan, training length, facility and
// the policies to compare, with every definition it names already resolved (GPU, node and fabric profiles,
// model architecture). No file format and no live objects: the input reader (io/) fills it, the rules
// (config/scenario_rules.hpp) check it, and the run level builds the simulation and the policies from it.
#include <cstdint>
#include <string>
#include <vector>

#include "config/params.hpp"
#include "config/time_series.hpp"
#include "hardware/gpu_profile.hpp"
#include "network/fabric.hpp"
#include "network/node_profile.hpp"
#include "util/enum_names.hpp"
#include "workload/model_spec.hpp"
#include "workload/parallel_plan.hpp"

namespace wattsim {

// What a run records besides its summary: per-step records, or every kernel and power segment as well.
enum class TraceDetail : std::uint8_t { Summary, Steps, Full };
inline constexpr EnumNames<TraceDetail, 3> kTraceDetailNames{{"summary", "steps", "full"}};
inline std::string_view to_string(TraceDetail d) {
  return kTraceDetailNames(d);
}

// A policy to compare, as the scenario names it: the registry instantiates it at the run level.
struct PolicySpec {
  std::string name;
  ParamValues parameters;
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
  int gpus_per_node_used = 1;  // GPUs in use in each node (all of them on a multi-node cluster)
  int nodes = 1;
  double power_cap_w = 0;
  FabricProfile fabric;
  FabricChoice fabric_choice;
  std::string network_backend;  // a registered network fidelity: analytical, flow
  std::string algorithm;        // a registered collective algorithm

  ModelSpec model;
  Precision precision = Precision::BF16;
  int seq_len = 0;
  int global_batch = 1;
  int micro_batch = 0;  // 0 until the rules derive it (global_batch / dp)
  bool flash_attention = true;
  bool structured_sparsity = false;

  ParallelPlan plan;  // tp, pp, dp, schedule, ZeRO, recompute...; microbatches and bytes filled in by rules
  bool sequence_parallel = false;

  double launch_s = 0;             // the host's time to issue one kernel (framework.launch)
  double collective_jitter_s = 0;  // σ of each member's arrival at a collective (framework.collective_jitter)
  double input_rate = 0;           // samples/s one node's input pipeline delivers; 0: never the bottleneck

  double total_steps = 1;
  int simulated_steps = 1;

  double pue = 1;
  double carbon_g_per_kwh = 0;
  TimeSeries carbon_series;  // grid intensity over time (g/kWh); empty: the constant above
  std::string carbon_series_file;

  double speed_spread = 0;  // per-GPU variation (standard deviations of normal factors, mean 1)
  double power_spread = 0;
  std::vector<Straggler> stragglers;

  std::vector<PolicySpec> policies;  // static first
  TraceDetail trace = TraceDetail::Steps;

  double memory_limit_bytes = 0;

  int cluster_gpus() const { return gpus_per_node_used * nodes; }
  // Every file the scenario was read from: the scenario, the definitions it names, the carbon series.
  std::vector<std::string> input_files() const;
  int microbatches() const {
    return static_cast<int>(global_batch / (static_cast<long long>(plan.dp / plan.cp) * micro_batch));
  }
};

// The per-microbatch shape the workload families build kernels for.
MicrobatchShape microbatch_shape(const Scenario& scenario);

}  // namespace wattsim
