#include "io/scenario.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>
#include <numeric>

#include "hardware/gpu_model.hpp"
#include "run/trace.hpp"

#include "workload/memory_footprint.hpp"
#include "workload/model_family.hpp"

namespace wattsim {

double physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && size > 0 ? static_cast<double>(pages) * static_cast<double>(size) : 8.0 * (1 << 30);
}

MicrobatchShape microbatch_shape(const Scenario& s) {
  MicrobatchShape shape;
  shape.micro_batch = s.micro_batch;
  shape.seq_len = s.seq_len;
  shape.bytes_per_element = bytes_per_element(s.precision);
  shape.flash_attention = s.flash_attention;
  shape.tp = s.plan.tp;
  shape.sequence_parallel = s.sequence_parallel;
  shape.structured_sparsity = s.structured_sparsity;
  return shape;
}

std::string_view to_string(TraceDetail d) {
  switch (d) {
    case TraceDetail::Summary:
      return "summary";
    case TraceDetail::Steps:
      return "steps";
    case TraceDetail::Full:
      return "full";
  }
  return "steps";
}

namespace {

using namespace param;

constexpr long long kMaxGpus = 10'000'000;

constexpr ParamSpec kRootSpecs[] = {
    text("name", "scenario name, used in output and tables", ""),
    text("description", "free text", "\"\""),
    integer("seed", "seed of every random stream (same seed, same results)", "1", 0, 9.0e15),
    section("hardware", "GPU model, node and count, power cap"),
    section("workload", "model, precision, sequence length and batch"),
    section("parallelism", "how the work is split over GPUs", "data parallel over all GPUs"),
    section("network", "how communication is simulated", "analytical, ring"),
    section("training", "length of the training run", "steps: 1000"),
    section("energy", "facility overhead and grid carbon intensity", "pue 1.1, 475 g/kWh"),
    section("limits", "resources the run may use", "80% of this machine's memory"),
    section("variation", "per-GPU spread and injected stragglers (needs parallelism.symmetric: false)",
            "identical GPUs"),
    list("policies", "policies to compare (names, or name: {parameters})", "[static, pass-dvfs]"),
    text("trace", "output detail", "steps", "summary|steps|full"),
};
constexpr ParamSpec kHardwareSpecs[] = {
    text("gpu", "GPU profile (wattsim list gpus)", ""),
    text("node", "node profile (wattsim list nodes)", "the GPU profile's default node"),
    integer("gpus", "GPUs used in each node", "all of the node's", 1, 4096),
    integer("nodes", "nodes in the cluster", "1", 1, 1e6),
    text("fabric", "how nodes are cabled (wattsim list fabrics)", "fat-tree-2l"),
    text("fabric_profile", "NICs and switches (models/fabrics)", "the node profile's"),
    number("oversubscription", "leaf down-links per up-link", "1", 1, 64),
    quantity("power_cap", Dimension::Power, "per-GPU power limit", "the profile's TDP", 1, 5000),
    optional(quantity("clock_transition", Dimension::Time,
                      "clock-transition latency in place of the GPU profile's (for sensitivity studies)", "",
                      0, 1)),
};
constexpr ParamSpec kNetworkSpecs[] = {
    text("fidelity", "analytical (closed forms) or flow (max-min fair sharing of links)", "analytical",
         "analytical|flow"),
    text("algorithm", "collective algorithm (wattsim list algorithms)", "ring", "ring|tree|hierarchical"),
};
constexpr ParamSpec kWorkloadSpecs[] = {
    {"model", ParamType::MapOrString, "zoo name (wattsim list workloads) or an inline architecture"},
    text("precision", "numeric precision of the training math", "bf16", "fp32|tf32|fp16|bf16|fp8"),
    integer("seq_len", "tokens per sample (transformers)", "the model's", 1, 1e7),
    integer("global_batch", "samples per optimizer step, all replicas together", "", 1, 1e9),
    integer("micro_batch", "samples per forward/backward pass on one GPU", "global_batch / dp", 1, 1e9),
    flag("flash_attention", "fused attention that keeps no s² scores", "true"),
    flag("structured_sparsity", "2:4 sparse weights: sparse tensor cores halve weight-GEMM work", "false"),
};
constexpr ParamSpec kParallelismSpecs[] = {
    integer("tp", "tensor-parallel degree (Megatron column/row splits)", "1", 1, 1024),
    integer("pp", "pipeline-parallel stages", "1", 1, 4096),
    integer("dp", "data-parallel replicas", "GPUs / (tp x pp)", 1, 1e6),
    text("schedule", "pipeline schedule", "1f1b", "gpipe|1f1b|interleaved"),
    integer("virtual_stages", "model chunks per stage (interleaved 1F1B)", "1", 1, 64),
    integer("zero_stage", "ZeRO stage: shard optimizer states (1), gradients (2), weights (3)", "0", 0, 3),
    text("recompute", "activation recomputation", "none", "none|selective|full"),
    flag("sequence_parallel", "split norms and dropouts over the TP group (needs tp > 1)", "false"),
    text("rank_order", "how ranks map to GPUs, fastest-varying first", "tp-pp-dp", "tp-pp-dp|tp-dp-pp"),
    flag("symmetric", "simulate one GPU per pipeline stage for its identical TP and DP peers", "true"),
    quantity("gradient_bucket", Dimension::Bytes, "gradient all-reduce bucket size", "25 MiB", 1024, 1e12),
    flag("overlap_grad_reduce", "reduce gradient buckets while the backward pass goes on", "true"),
    flag("tp_comm_overlap", "overlap TP collectives with their GEMMs (Megatron-Core)", "false"),
};
constexpr ParamSpec kTrainingSpecs[] = {
    optional(number("steps", "optimizer steps in the run", "", 0, 1e15)),
    optional(number("samples", "samples in the run (steps = samples / global_batch)", "", 0, 1e18)),
    optional(number("tokens", "tokens in the run (transformers)", "", 0, 1e18)),
    integer("simulated_steps", "steps simulated event by event before extrapolating", "2", 1, 1000),
};
constexpr ParamSpec kVariationSpecs[] = {
    number("speed_spread", "standard deviation of per-GPU kernel-time factors (normal, mean 1)", "0", 0, 0.5),
    number("power_spread", "standard deviation of per-GPU power factors (normal, mean 1)", "0", 0, 0.5),
    list("stragglers", "GPUs that run slower: [{gpu: rank, slowdown: factor, from_step: n}]", "[]"),
};
constexpr ParamSpec kStragglerSpecs[] = {
    integer("gpu", "global rank of the straggling GPU", "", 0, 1e9),
    number("slowdown", "factor on its kernel times", "", 1, 100),
    integer("from_step", "first step it is slow in", "0", 0, 1e9),
};
constexpr ParamSpec kLimitSpecs[] = {
    quantity("memory", Dimension::Bytes, "memory the simulation may use", "80% of physical memory", 1e6,
             1e15),
};
constexpr ParamSpec kEnergySpecs[] = {
    number("pue", "power usage effectiveness of the facility", "1.1", 1, 5),
    quantity("carbon_intensity", Dimension::CarbonIntensity, "grid carbon intensity", "475 g/kWh", 0, 5000),
    optional(text("carbon_series",
                  "CSV of grid intensity over time (time (h), intensity (g/kWh)), relative to the scenario; "
                  "it repeats after its last row, which lasts as long as the one before",
                  "")),
};

struct Reader {
  const ModelCatalog& catalog;
  Diagnostics& d;
  std::filesystem::path base_dir;
};

void read_hardware(Reader& in, MapReader& root, Scenario& s, bool& hardware_ok) {
  MapReader hw(root.node("hardware"), "hardware", kHardwareSpecs, in.d, root.map_mark());
  hardware_ok = false;
  const std::string gpu_name = hw.string("gpu", "");
  if (!gpu_name.empty()) {
    const CatalogEntry* entry = ModelCatalog::find(in.catalog.gpus(), gpu_name);
    if (!entry) {
      hw.error("gpu", ModelCatalog::unknown_message("GPU", gpu_name, in.catalog.gpus()));
    } else {
      try {
        s.gpu = load_gpu_profile(entry->file);
        hardware_ok = true;
      } catch (const InputError& e) {
        in.d.merge(e.diagnostics());
      }
    }
  }
  const std::string node_name = hw.string("node", hardware_ok ? s.gpu.name : "");
  if (hardware_ok) {
    const CatalogEntry* entry = ModelCatalog::find(in.catalog.nodes(), node_name);
    if (!entry && !hw.has("node")) {  // default: the node profile that names this GPU
      for (const auto& n : in.catalog.nodes()) {
        try {
          const YAML::Node y = YAML::LoadFile(n.file);
          if (y["gpu"] && y["gpu"].Scalar() == s.gpu.name) entry = &n;
        } catch (const YAML::Exception&) {
        }
        if (entry) break;
      }
    }
    if (!entry) {
      hw.error(hw.has("node") ? "node" : "gpu",
               hw.has("node") ? ModelCatalog::unknown_message("node", node_name, in.catalog.nodes())
                              : "no node profile lists gpu '" + s.gpu.name + "'; set hardware.node");
      hardware_ok = false;
    } else {
      try {
        s.node = load_node_profile(entry->file);
      } catch (const InputError& e) {
        in.d.merge(e.diagnostics());
        hardware_ok = false;
      }
    }
  }
  s.gpus = static_cast<int>(hw.integer("gpus", hardware_ok ? s.node.gpus_per_node : 1));
  s.nodes = static_cast<int>(hw.integer("nodes", 1));
  if (static_cast<long long>(s.gpus) * s.nodes > kMaxGpus) {
    hw.error("nodes", "the cluster would have " + std::to_string(static_cast<long long>(s.gpus) * s.nodes) +
                          " GPUs; wattsim simulates up to " + std::to_string(kMaxGpus));
    s.nodes = 1;
  }
  if (hardware_ok && s.gpus > s.node.gpus_per_node)
    hw.error("gpus", "hardware.gpus = " + std::to_string(s.gpus) + " exceeds the " +
                         std::to_string(s.node.gpus_per_node) + " GPUs of a " + s.node.name + " node");
  else if (hardware_ok && s.nodes > 1 && s.gpus != s.node.gpus_per_node)
    hw.error("gpus", "a multi-node cluster uses every GPU of each node: hardware.gpus must be " +
                         std::to_string(s.node.gpus_per_node) + " or left out");
  s.fabric_choice.kind = hw.string("fabric", "fat-tree-2l");
  if (!FabricRegistry::instance().find(s.fabric_choice.kind))
    hw.error("fabric",
             "unknown fabric '" + s.fabric_choice.kind + "'; known: " + FabricRegistry::instance().names());
  s.fabric_choice.oversubscription = hw.number("oversubscription", 1.0);
  const std::string fabric_name = hw.string("fabric_profile", hardware_ok ? s.node.fabric : "");
  if (hardware_ok && s.nodes > 1) {
    const CatalogEntry* entry = ModelCatalog::find(in.catalog.fabrics(), fabric_name);
    if (!entry) {
      hw.error(hw.has("fabric_profile") ? "fabric_profile" : "nodes",
               ModelCatalog::unknown_message("fabric profile", fabric_name, in.catalog.fabrics()));
    } else {
      try {
        s.fabric = load_fabric_profile(entry->file);
      } catch (const InputError& e) {
        in.d.merge(e.diagnostics());
      }
    }
  }
  s.power_cap_w = hw.quantity("power_cap", hardware_ok ? s.gpu.tdp_w : 0.0);
  if (hw.has("clock_transition"))
    s.gpu.clock_transition_ns = seconds_to_time(hw.quantity("clock_transition", 0.0));
  if (hardware_ok && hw.has("power_cap")) {
    if (s.power_cap_w < s.gpu.min_power_cap_w || s.power_cap_w > s.gpu.tdp_w) {
      std::ostringstream m;
      m << "hardware.power_cap = " << s.power_cap_w << " W is outside what " << s.gpu.name << " accepts ("
        << s.gpu.min_power_cap_w << " W to " << s.gpu.tdp_w << " W)";
      hw.error("power_cap", m.str());
    } else if (s.power_cap_w < s.gpu.idle_w) {
      hw.error("power_cap", "hardware.power_cap is below the GPU's idle power (" +
                                std::to_string(s.gpu.idle_w) + " W): it could never be met");
    }
  }
}

void read_workload(Reader& in, MapReader& root, Scenario& s) {
  MapReader wl(root.node("workload"), "workload", kWorkloadSpecs, in.d, root.map_mark());
  const YAML::Node model = wl.node("model");
  if (model.IsScalar()) {
    const CatalogEntry* entry = ModelCatalog::find(in.catalog.workloads(), model.Scalar());
    if (!entry) {
      wl.error("model", ModelCatalog::unknown_message("workload", model.Scalar(), in.catalog.workloads()));
    } else {
      try {
        s.model = load_model_spec(entry->file);
      } catch (const InputError& e) {
        in.d.merge(e.diagnostics());
      }
    }
  } else if (model.IsMap()) {
    s.model = read_model_spec(model, in.d);
  } else if (model.IsDefined()) {
    wl.error("model", "workload.model must be a model name or a mapping describing the architecture");
  }
  const auto precision = parse_precision(wl.string("precision", "bf16"));
  s.precision = precision.value_or(Precision::BF16);
  s.seq_len = static_cast<int>(wl.integer("seq_len", s.model.seq_len));
  s.global_batch = static_cast<int>(wl.integer("global_batch", 1));
  s.micro_batch = static_cast<int>(wl.integer("micro_batch", 0));
  s.flash_attention = wl.boolean("flash_attention", true);
  s.structured_sparsity = wl.boolean("structured_sparsity", false);
}

void read_parallelism(MapReader& root, Scenario& s, Diagnostics& d) {
  MapReader par(root.node("parallelism"), "parallelism", kParallelismSpecs, d, root.map_mark());
  ParallelPlan& p = s.plan;
  p.tp = static_cast<int>(par.integer("tp", 1));
  p.pp = static_cast<int>(par.integer("pp", 1));
  p.dp = static_cast<int>(par.integer("dp", std::max(1, s.total_gpus() / (p.tp * p.pp))));
  const std::string schedule = par.string("schedule", "1f1b");
  p.schedule = schedule == "gpipe"         ? PipelineSchedule::GPipe
               : schedule == "interleaved" ? PipelineSchedule::Interleaved
                                           : PipelineSchedule::OneFOneB;
  p.virtual_stages = static_cast<int>(par.integer("virtual_stages", 1));
  p.zero_stage = static_cast<int>(par.integer("zero_stage", 0));
  const std::string recompute = par.string("recompute", "none");
  p.recompute = recompute == "full"        ? Recompute::Full
                : recompute == "selective" ? Recompute::Selective
                                           : Recompute::None;
  s.sequence_parallel = par.boolean("sequence_parallel", false);
  p.data_before_pipeline = par.string("rank_order", "tp-pp-dp") == "tp-dp-pp";
  p.symmetric = par.boolean("symmetric", true);
  p.bucket_bytes = par.quantity("gradient_bucket", p.bucket_bytes);
  p.overlap_grad_reduce = par.boolean("overlap_grad_reduce", true);
  p.tp_comm_overlap = par.boolean("tp_comm_overlap", false);
  const YAML::Mark where = par.map_mark();
  if (p.tp * p.pp * p.dp != s.total_gpus())
    d.error(where, "parallelism: tp × pp × dp = " + std::to_string(p.tp) + " × " + std::to_string(p.pp) +
                       " × " + std::to_string(p.dp) + " = " + std::to_string(p.tp * p.pp * p.dp) +
                       " but the cluster has " + std::to_string(s.total_gpus()) + " GPUs");
  if (p.virtual_stages > 1 && p.schedule != PipelineSchedule::Interleaved)
    par.error("virtual_stages", "parallelism.virtual_stages > 1 needs schedule: interleaved");
  if (p.schedule == PipelineSchedule::Interleaved && p.pp < 2)
    par.error("schedule", "the interleaved schedule needs pp >= 2");
  if (s.sequence_parallel && p.tp < 2) par.error("sequence_parallel", "sequence parallelism needs tp > 1");
  if (!p.symmetric && p.zero_stage == 3)
    par.error("symmetric", "ZeRO-3 is simulated with symmetric replicas only; set symmetric: true");
}

void read_policies(Reader& in, MapReader& root, Scenario& s) {
  const YAML::Node list = root.node("policies");
  std::vector<std::pair<std::string, YAML::Node>> entries;
  if (!list.IsDefined()) {
    entries = {{"static", YAML::Node()}, {"pass-dvfs", YAML::Node()}};
  } else if (!list.IsSequence()) {
    root.error("policies", "policies must be a list, e.g. [static, pass-dvfs]");
  } else {
    for (const auto& item : list) {
      if (item.IsScalar()) {
        entries.emplace_back(item.Scalar(), YAML::Node());
      } else if (item.IsMap() && item.size() == 1) {
        const auto first = *item.begin();
        entries.emplace_back(first.first.Scalar(), first.second);
      } else {
        in.d.error(item, "a policy is a name or a single 'name: {parameters}' mapping");
        continue;
      }
    }
  }
  const auto& registry = PolicyRegistry::instance();
  std::vector<std::string> seen;
  std::size_t index = 0;
  for (auto& [name, params] : entries) {
    const YAML::Mark mark = list.IsSequence() ? list[index].Mark() : root.map_mark();
    ++index;
    const PolicyInfo* info = registry.find(name);
    if (!info) {
      in.d.error(mark, "unknown policy '" + name + "'; known: " + registry.names());
      continue;
    }
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      in.d.error(mark, "policy '" + name + "' listed twice");
      continue;
    }
    seen.push_back(name);
    MapReader pr(params, "policy " + name, info->parameters, in.d, mark);
    s.policies.push_back({name, info->make(pr, s.gpu)});
  }
  // Every comparison is against static allocation, so it always runs, first.
  auto it =
      std::find_if(s.policies.begin(), s.policies.end(), [](const auto& p) { return p.name == "static"; });
  if (it == s.policies.end()) {
    MapReader none(YAML::Node(), "policy static", {}, in.d);
    s.policies.insert(s.policies.begin(), {"static", registry.find("static")->make(none, s.gpu)});
  } else {
    std::rotate(s.policies.begin(), it, it + 1);
  }
}

// Refuses a run whose step program would not fit in the memory allowed (limits.memory, by default 80% of
// this machine's), with the estimate and what would shrink it. The estimate counts per task its graph
// entries, timing and bookkeeping (~96 bytes), and per traced event and power segment their rows.
bool check_resources(Diagnostics& d, const YAML::Mark& where, const Scenario& s) {
  const ParallelPlan& p = s.plan;
  const double simulated = p.symmetric ? p.pp : static_cast<double>(p.tp) * p.pp * p.dp;
  const double kernels_per_layer = 60;  // forward, backward and recomputed kernels, TP collectives included
  const double layers = std::max(1, s.model.layers) +
                        std::accumulate(s.model.stage_blocks.begin(), s.model.stage_blocks.end(), 0) + 2;
  const double tasks = kernels_per_layer * layers / p.pp * p.microbatches * simulated;
  double bytes = 96.0 * tasks;
  if (s.trace == TraceDetail::Full)
    bytes += tasks * s.simulated_steps * (sizeof(TraceEvent) + 2 * sizeof(PowerSegment));
  if (bytes <= s.memory_limit_bytes) return true;
  std::ostringstream m;
  m.precision(3);
  m << "this run needs about " << bytes / (1 << 30) << " GiB (" << tasks << " tasks per step"
    << (s.trace == TraceDetail::Full ? ", traced in full" : "") << ") but may use "
    << s.memory_limit_bytes / (1 << 30) << " GiB (limits.memory)";
  if (s.trace == TraceDetail::Full) m << "; use trace: steps or summary";
  if (!p.symmetric) m << "; use parallelism.symmetric: true";
  m << "; or fewer microbatches per step";
  d.error(where, m.str());
  return false;
}

// Checks that need the whole configuration: divisibility, memory, supported precision.
struct FeasibilityMarks {
  YAML::Mark workload, parallelism, hardware;
};

void check_feasibility(Diagnostics& d, const FeasibilityMarks& marks, Scenario& s) {
  const YAML::Mark where = marks.workload;
  const YAML::Mark par = marks.parallelism;
  ParallelPlan& p = s.plan;
  if (s.micro_batch == 0) s.micro_batch = std::max(1, s.global_batch / p.dp);
  const long long replica_batch = static_cast<long long>(p.dp) * s.micro_batch;
  if (s.global_batch % replica_batch != 0) {
    d.error(where, "workload.global_batch = " + std::to_string(s.global_batch) +
                       " is not a multiple of dp × micro_batch = " + std::to_string(p.dp) + " × " +
                       std::to_string(s.micro_batch));
    return;
  }
  p.microbatches = s.microbatches();
  if (!check_resources(d, where, s)) return;
  if (p.schedule == PipelineSchedule::Interleaved && p.microbatches % p.pp != 0) {
    d.error(par, "the interleaved schedule needs microbatches per pipeline (" +
                     std::to_string(p.microbatches) + ") to be a multiple of pp (" + std::to_string(p.pp) +
                     ")");
    return;
  }
  if (s.gpu.tensor_peak_flops[static_cast<std::size_t>(s.precision)] <= 0) {
    d.error(where, s.gpu.name + " has no " + std::string(to_string(s.precision)) +
                       " tensor-core rate; choose " + "another workload.precision");
    return;
  }
  const ModelFamily* family = ModelFamilyRegistry::instance().find(s.model.family);
  if (!family) return;
  const ModelSpec& m = s.model;
  if (family->sample_unit == "image") {
    if (p.tp > 1)
      d.error(par, "tensor parallelism splits transformer layers; " + m.name + " is a CNN: use tp: 1");
    const int blocks = std::accumulate(m.stage_blocks.begin(), m.stage_blocks.end(), 0);
    if (p.pp * p.virtual_stages > blocks)
      d.error(par, "pp × virtual_stages = " + std::to_string(p.pp * p.virtual_stages) + " exceeds the " +
                       std::to_string(blocks) + " blocks of " + m.name);
  } else {
    if (m.heads % p.tp != 0)
      d.error(par, "tp = " + std::to_string(p.tp) + " does not divide the " + std::to_string(m.heads) +
                       " attention heads of " + m.name + ": each TP rank must hold whole heads");
    else if (m.kv_heads % p.tp != 0)
      d.error(par, "tp = " + std::to_string(p.tp) + " does not divide the " + std::to_string(m.kv_heads) +
                       " key/value heads of " + m.name);
    if (m.ffn_hidden % p.tp != 0)
      d.error(par, "tp = " + std::to_string(p.tp) + " does not divide the FFN size " +
                       std::to_string(m.ffn_hidden));
    if (m.layers % (p.pp * p.virtual_stages) != 0)
      d.error(par, std::to_string(m.layers) + " layers do not split evenly over pp × virtual_stages = " +
                       std::to_string(p.pp * p.virtual_stages) + " pipeline chunks");
  }
  if (!d.empty()) return;
  if (s.nodes > 1) {  // the fabric must be able to join every node
    const FabricKind* kind = FabricRegistry::instance().find(s.fabric_choice.kind);
    const long long nics = static_cast<long long>(s.nodes) * s.node.gpus_per_node;
    const long long most = kind->max_nics(s.fabric, s.fabric_choice, s.node.gpus_per_node);
    if (nics > most) {
      std::ostringstream m;
      m << "hardware: a " << kind->name << " fabric of " << s.fabric.name << " switches (radix "
        << s.fabric.switch_radix << ", oversubscription " << s.fabric_choice.oversubscription
        << ") joins at most " << most << " NICs, not " << nics
        << "; use a larger fabric kind (fat-tree-3l) or more oversubscription";
      d.error(marks.hardware, m.str());
      return;
    }
  }
  const Workload w = family->build(m, microbatch_shape(s));
  p.activation_bytes = bytes_per_element(s.precision) * s.micro_batch * std::max(1, s.seq_len) * m.hidden;
  p.weight_bytes_per_parameter = bytes_per_element(s.precision);
  for (int stage = 0; stage < p.pp; ++stage) {
    const MemoryFootprint f = stage_footprint(w, p, stage);
    if (f.total_bytes() <= s.gpu.memory_bytes) continue;
    std::ostringstream msg;
    msg << std::fixed;
    msg.precision(1);
    const double gib = 1024.0 * 1024.0 * 1024.0;
    msg << m.name << " does not fit in " << s.gpu.name << " memory (" << s.gpu.memory_bytes / gib << " GiB)";
    if (p.pp > 1) msg << " on pipeline stage " << stage << " of " << p.pp;
    msg << ": over by " << (f.total_bytes() - s.gpu.memory_bytes) / gib << " GiB: " << f.describe()
        << "; lower workload.micro_batch, recompute activations, raise tp or pp, or use zero_stage";
    d.error(where, msg.str());
    break;
  }
}

}  // namespace

Scenario parse_scenario(const std::string& text, const std::string& file, const ModelCatalog& catalog) {
  Diagnostics d(file);
  const YAML::Node doc = load_yaml_string(text, d);
  if (!d.empty() && !doc.IsMap()) d.throw_if_any();  // unparseable: nothing more to check
  if (!doc.IsMap()) {
    d.error(doc, "a scenario is a mapping with name, hardware, workload, ... (see docs/scenario.md)");
    d.throw_if_any();
  }
  Scenario s;
  s.file = file;
  s.text = text;
  Reader in{catalog, d, std::filesystem::path(file).parent_path()};
  MapReader root(doc, "scenario", kRootSpecs, d);
  s.name = root.string("name", "");
  s.description = root.string("description", "");
  s.seed = static_cast<std::uint64_t>(root.integer("seed", 1));

  bool hardware_ok = false;
  read_hardware(in, root, s, hardware_ok);
  read_workload(in, root, s);

  read_parallelism(root, s, d);
  MapReader net(root.node("network"), "network", kNetworkSpecs, d, root.map_mark());
  s.fidelity =
      net.string("fidelity", "analytical") == "flow" ? NetworkFidelity::Flow : NetworkFidelity::Analytical;
  s.algorithm = net.string("algorithm", "ring");

  MapReader tr(root.node("training"), "training", kTrainingSpecs, d, root.map_mark());
  const int given = tr.has("steps") + tr.has("samples") + tr.has("tokens");
  if (given > 1) d.error(tr.map_mark(), "training: give one of steps, samples or tokens, not several");
  s.total_steps = tr.number("steps", 1000);
  if (tr.has("samples")) s.total_steps = std::ceil(tr.number("samples", 0) / std::max(1, s.global_batch));
  if (tr.has("tokens")) {
    if (s.seq_len <= 0)
      tr.error("tokens", "training.tokens needs a model with a sequence length; use samples");
    s.total_steps =
        std::ceil(tr.number("tokens", 0) / (std::max(1, s.global_batch) * double(std::max(1, s.seq_len))));
  }
  s.simulated_steps = static_cast<int>(tr.integer("simulated_steps", 2));

  MapReader en(root.node("energy"), "energy", kEnergySpecs, d, root.map_mark());
  s.pue = en.number("pue", 1.1);
  s.carbon_g_per_kwh = en.quantity("carbon_intensity", 475);
  if (en.has("carbon_series")) {
    const std::filesystem::path file = in.base_dir / en.string("carbon_series", "");
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec))
      en.error("carbon_series",
               "no carbon series file " + file.string() + " (paths are relative to the scenario)");
    else
      try {
        s.carbon_series = load_csv_series(file.string(), Dimension::CarbonIntensity);
        if (s.carbon_series.time_s.size() < 2)
          en.error("carbon_series", "a carbon series needs at least two rows");
      } catch (const InputError& e) {
        d.merge(e.diagnostics());
      }
  }

  MapReader var(root.node("variation"), "variation", kVariationSpecs, d, root.map_mark());
  s.speed_spread = var.number("speed_spread", 0);
  s.power_spread = var.number("power_spread", 0);
  const YAML::Node stragglers = var.node("stragglers");
  if (stragglers.IsDefined() && !stragglers.IsSequence())
    var.error("stragglers", "stragglers must be a list of {gpu, slowdown, from_step}");
  else if (stragglers.IsDefined())
    for (const auto& item : stragglers) {
      MapReader st(item, "straggler", kStragglerSpecs, d, item.Mark());
      Straggler x{static_cast<int>(st.integer("gpu", 0)), st.number("slowdown", 1),
                  static_cast<std::uint32_t>(st.integer("from_step", 0))};
      if (x.gpu >= s.total_gpus())
        st.error("gpu", "straggler gpu " + std::to_string(x.gpu) + " is not one of the " +
                            std::to_string(s.total_gpus()) + " GPUs (ranks 0 to " +
                            std::to_string(s.total_gpus() - 1) + ")");
      s.stragglers.push_back(x);
    }
  if ((s.speed_spread > 0 || s.power_spread > 0 || !s.stragglers.empty()) && s.plan.symmetric)
    d.error(var.map_mark(),
            "per-GPU variation and stragglers make GPUs differ, so every GPU must be simulated: "
            "set parallelism.symmetric: false");

  MapReader limits(root.node("limits"), "limits", kLimitSpecs, d, root.map_mark());
  s.memory_limit_bytes = limits.quantity("memory", 0.8 * physical_memory_bytes());
  read_policies(in, root, s);
  const std::string trace = root.string("trace", "steps");
  s.trace = trace == "summary" ? TraceDetail::Summary
            : trace == "full"  ? TraceDetail::Full
                               : TraceDetail::Steps;

  if (d.empty() && hardware_ok)
    check_feasibility(d, {root.mark("workload"), root.mark("parallelism"), root.mark("hardware")}, s);
  d.throw_if_any();
  return s;
}

std::string check_configuration(Scenario& s) {
  Diagnostics d(s.file);
  s.plan.microbatches = 0;
  check_feasibility(d, {}, s);
  std::string why;
  for (const Diagnostic& e : d.all()) why += (why.empty() ? "" : "; ") + e.message;
  return why;
}

Scenario load_scenario(const std::string& file, const ModelCatalog& catalog) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError({Diagnostic{file, 0, 0, "cannot open scenario file"}});
  std::ostringstream text;
  text << in.rdbuf();
  return parse_scenario(text.str(), file, catalog);
}

std::vector<SchemaSection> scenario_schema() {
  return {{"(top level)", kRootSpecs},    {"hardware", kHardwareSpecs},
          {"workload", kWorkloadSpecs},   {"parallelism", kParallelismSpecs},
          {"network", kNetworkSpecs},     {"training", kTrainingSpecs},
          {"energy", kEnergySpecs},       {"limits", kLimitSpecs},
          {"variation", kVariationSpecs}, {"variation.stragglers[]", kStragglerSpecs}};
}

}  // namespace wattsim
