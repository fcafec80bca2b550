#include "config/scenario_schema.hpp"

#include "config/scenario.hpp"
#include "network/fabric.hpp"
#include "network/network_backend.hpp"
#include "network/network_model.hpp"

namespace wattsim {

namespace {

using namespace param;

constexpr ParallelPlan kPlan{};  // the layout's own defaults

std::vector<std::string_view> fabric_kinds() {
  return FabricRegistry::instance().name_list();
}
std::vector<std::string_view> collective_algorithms() {
  return CollectiveAlgorithmRegistry::instance().name_list();
}
std::vector<std::string_view> network_backends() {
  return NetworkBackendRegistry::instance().name_list();
}

constexpr ParamSpec kRoot[] = {
    text("name", "scenario name, used in output and tables", kRequired),
    text("description", "free text", ""),
    integer("seed", "seed of every random stream (same seed, same results)", 1, 0, 9.0e15),
    section("hardware", "GPU model, node and count, power cap"),
    section("workload", "model, precision, sequence length and batch"),
    section("parallelism", "how the work is split over GPUs", "data parallel over all GPUs"),
    section("network", "how communication is simulated", "analytical, ring"),
    section("framework", "what the training framework's host adds to a step", "launch: 5 us"),
    section("training", "length of the training run", "steps: 1000"),
    section("energy", "facility overhead and grid carbon intensity", "pue 1.1, 475 g/kWh"),
    section("limits", "resources the run may use", "80% of this machine's memory"),
    section("variation", "per-GPU spread and injected stragglers (needs parallelism.symmetric: false)",
            "identical GPUs"),
    list("policies", "policies to compare (names, or name: {parameters})", "[static, pass-dvfs]"),
    choice("trace", "output detail", "steps", &names_of<kTraceDetailNames>),
};
constexpr ParamSpec kHardware[] = {
    text("gpu", "GPU profile (wattsim list gpus)", kRequired),
    text("node", "node profile (wattsim list nodes)", derived("the GPU profile's default node")),
    integer("gpus", "GPUs used in each node", derived("all of the node's"), 1, 4096),
    integer("nodes", "nodes in the cluster", 1, 1, 1e6),
    choice("fabric", "how nodes are cabled (wattsim list fabrics)", "fat-tree-2l", fabric_kinds),
    text("fabric_profile", "NICs and switches (models/fabrics)", derived("the node profile's")),
    number("oversubscription", "leaf down-links per up-link", 1, 1, 64),
    quantity("power_cap", Dimension::Power, "per-GPU power limit", derived("the profile's TDP"), 1, 5000),
    quantity("clock_transition", Dimension::Time,
             "clock-transition latency in place of the GPU profile's (for sensitivity studies)", kNoDefault,
             0, 1),
};
constexpr ParamSpec kNetwork[] = {
    choice("fidelity", "analytical (closed forms) or flow (max-min fair sharing of links)", "analytical",
           network_backends),
    choice("algorithm", "collective algorithm (wattsim list algorithms)", "ring", collective_algorithms),
};
constexpr ParamSpec kWorkload[] = {
    name_or_mapping("model", "zoo name (wattsim list workloads) or an inline architecture"),
    choice("precision", "numeric precision of the training math", "bf16", &names_of<kPrecisionNames>),
    integer("seq_len", "tokens per sample (transformers)", derived("the model's"), 1, 1e7),
    integer("global_batch", "samples per optimizer step, all replicas together", kRequired, 1, 1e9),
    integer("micro_batch", "samples per forward/backward pass on one GPU", derived("global_batch / dp"), 1,
            1e9),
    flag("flash_attention", "fused attention that keeps no s² scores", true),
    flag("structured_sparsity", "2:4 sparse weights: sparse tensor cores halve weight-GEMM work", false),
};
constexpr ParamSpec kParallelism[] = {
    integer("tp", "tensor-parallel degree (Megatron column/row splits)", kPlan.tp, 1, 1024),
    integer("pp", "pipeline-parallel stages", kPlan.pp, 1, 4096),
    integer("dp", "data-parallel replicas", derived("GPUs / (tp x pp x cp)"), 1, 1e6),
    choice("schedule", "pipeline schedule", kPipelineScheduleNames(kPlan.schedule),
           &names_of<kPipelineScheduleNames>),
    integer("virtual_stages", "model chunks per stage (interleaved 1F1B)", kPlan.virtual_stages, 1, 64),
    flag("embedding_as_layer", "split the pipeline counting the embedding and the head as one layer each",
         false),
    list("stage_layers", "transformer blocks per virtual stage, in order (chunk c of stage s is c·pp + s)",
         "an even split"),
    integer("ep", "expert-parallel degree: MoE experts spread over this many data ranks", kPlan.ep, 1, 1e6),
    integer("cp", "context-parallel degree: each sequence split over this many ranks (ring attention)",
            kPlan.cp, 1, 1e6),
    integer("zero_stage", "ZeRO stage: shard optimizer states (1), gradients (2), weights (3)",
            kPlan.zero_stage, 0, 3),
    choice("recompute", "activation recomputation", kRecomputeNames(kPlan.recompute),
           &names_of<kRecomputeNames>),
    flag("sequence_parallel", "split norms and dropouts over the TP group (needs tp > 1)", false),
    choice("rank_order", "how ranks map to GPUs, fastest-varying first", kRankOrderNames(kPlan.rank_order),
           &names_of<kRankOrderNames>),
    flag("symmetric", "simulate one GPU per pipeline stage for its identical TP and DP peers",
         kPlan.symmetric),
    quantity("gradient_bucket", Dimension::Bytes, "gradient all-reduce bucket size", kPlan.bucket_bytes, 1024,
             1e12),
    flag("overlap_grad_reduce", "reduce gradient buckets while the backward pass goes on",
         kPlan.overlap_grad_reduce),
    flag("overlap_param_gather",
         "ZeRO-1/2: gather updated weights during the next forward, bucket by bucket (distributed optimizer)",
         kPlan.overlap_param_gather),
    integer("prefetch_layers", "ZeRO-3: layers ahead of compute weights may be gathered (0: when reached)",
            kPlan.prefetch_layers, 0, 1000),
    choice("grad_reduce", "precision gradients are kept and reduced in (fp32 main gradients, or bf16/fp16)",
           "fp32", &names_of<kGradReducePrecisionNames>),
    flag("tp_comm_overlap", "overlap TP collectives with their GEMMs (Megatron-Core)", kPlan.tp_comm_overlap),
};
constexpr ParamSpec kFramework[] = {
    quantity("launch", Dimension::Time,
             "host time to issue one kernel: the GPU waits when its kernels are shorter (0: never; CUDA "
             "graphs: 0.6 us)",
             5e-6, 0, 1e-3),
    quantity(
        "collective_jitter", Dimension::Time,
        "standard deviation of when each member reaches a collective; it waits for the last (0: together)", 0,
        0, 1),
    number("input_rate", "samples per second one node's input pipeline delivers (0: never the bottleneck)", 0,
           0, 1e12),
};
constexpr ParamSpec kTraining[] = {
    number("steps", "optimizer steps in the run (unless samples or tokens are given)", 1000, 0, 1e15),
    number("samples", "samples in the run (steps = samples / global_batch)", kNoDefault, 0, 1e18),
    number("tokens", "tokens in the run (transformers)", kNoDefault, 0, 1e18),
    integer("simulated_steps", "steps simulated event by event before extrapolating", 2, 1, 1000),
};
constexpr ParamSpec kEnergy[] = {
    number("pue", "power usage effectiveness of the facility", 1.1, 1, 5),
    quantity("carbon_intensity", Dimension::CarbonIntensity, "grid carbon intensity", 475, 0, 5000),
    text(
        "carbon_series",
        "CSV of grid intensity over time (time (h), intensity (g/kWh)), relative to the scenario; it repeats "
        "after its last row, which lasts as long as the one before",
        kNoDefault),
};
constexpr ParamSpec kLimits[] = {
    quantity("memory", Dimension::Bytes, "memory the simulation may use", derived("80% of physical memory"),
             1e6, 1e15),
};
constexpr ParamSpec kVariation[] = {
    number("speed_spread", "standard deviation of per-GPU kernel-time factors (normal, mean 1)", 0, 0, 0.5),
    number("power_spread", "standard deviation of per-GPU power factors (normal, mean 1)", 0, 0, 0.5),
    list("stragglers", "GPUs that run slower: [{gpu: rank, slowdown: factor, from_step: n}]", "[]"),
};
constexpr ParamSpec kStraggler[] = {
    integer("gpu", "global rank of the straggling GPU", kRequired, 0, 1e9),
    number("slowdown", "factor on its kernel times", kRequired, 1, 100),
    integer("from_step", "first step it is slow in", 0, 0, 1e9),
};
}  // namespace

const ScenarioSchema& scenario_schema() {
  static const ScenarioSchema schema{kRoot,     kHardware, kNetwork, kWorkload,  kParallelism, kFramework,
                                     kTraining, kEnergy,   kLimits,  kVariation, kStraggler};
  return schema;
}

std::vector<SchemaSection> scenario_sections() {
  const ScenarioSchema& s = scenario_schema();
  return {{"(top level)", s.root},
          {"hardware", s.hardware},
          {"workload", s.workload},
          {"parallelism", s.parallelism},
          {"framework", s.framework},
          {"network", s.network},
          {"training", s.training},
          {"energy", s.energy},
          {"limits", s.limits},
          {"variation", s.variation},
          {"variation.stragglers[]", s.straggler}};
}

}  // namespace wattsim
