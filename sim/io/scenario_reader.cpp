#include "io/scenario_reader.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "config/scenario_rules.hpp"
#include "config/scenario_schema.hpp"
#include "io/csv_series.hpp"
#include "io/input_file.hpp"
#include "io/map_reader.hpp"
#include "io/yaml_document.hpp"
#include "policy/policy.hpp"
#include "run/runner.hpp"

namespace wattsim {

namespace {

constexpr long long kMaxGpus = 10'000'000;

double physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && size > 0 ? static_cast<double>(pages) * static_cast<double>(size) : 8.0 * (1 << 30);
}

// What reading a scenario needs at every step.
struct Reader {
  const ModelCatalog& catalog;
  Diagnostics& d;
  std::filesystem::path base_dir;
  const ScenarioSchema& schema = scenario_schema();
};

// Loads one definition file of the catalog; its errors join the scenario's. False if it cannot be used.
template <class Profile>
bool load_definition(Reader& in, const CatalogEntry& entry, Profile (*load)(const std::string&),
                     Profile& into) {
  try {
    into = load(entry.file);
    return true;
  } catch (const InputError& e) {
    in.d.merge(e.diagnostics());
    return false;
  }
}

// The catalog entry of a name the file gives at `key`: reports an unknown name and one defined twice.
const CatalogEntry* lookup(MapReader& r, std::string_view key, const std::string& what,
                           const std::vector<CatalogEntry>& entries, const std::string& name) {
  const CatalogEntry* entry = ModelCatalog::find(entries, name);
  if (!entry) {
    r.error(key, ModelCatalog::unknown_message(what, name, entries));
    return nullptr;
  }
  if (const std::string twice = ModelCatalog::ambiguity(what, entries, name); !twice.empty()) {
    r.error(key, twice);
    return nullptr;
  }
  return entry;
}

bool resolve_gpu(Reader& in, MapReader& hw, Scenario& s) {
  const std::string name = hw.string("gpu");
  if (name.empty()) return false;  // reported as missing
  const CatalogEntry* entry = lookup(hw, "gpu", "GPU", in.catalog.gpus(), name);
  return entry && load_definition(in, *entry, load_gpu_profile, s.gpu);
}

// The node named, which must carry the GPU, or by default the node profile that carries it.
bool resolve_node(Reader& in, MapReader& hw, Scenario& s) {
  const CatalogEntry* entry = nullptr;
  if (hw.has("node")) {
    entry = lookup(hw, "node", "node", in.catalog.nodes(), hw.string_or("node", ""));
    if (entry && !entry->gpu.empty() && entry->gpu != s.gpu.name) {
      hw.error("node", "node " + entry->name + " carries " + entry->gpu + ", not " + s.gpu.name +
                           "; name a node that carries it, or leave hardware.node out");
      return false;
    }
  } else {
    entry = in.catalog.node_carrying(s.gpu.name);
    if (!entry) hw.error("gpu", "no node profile lists gpu '" + s.gpu.name + "'; set hardware.node");
  }
  return entry && load_definition(in, *entry, load_node_profile, s.node);
}

void resolve_fabric(Reader& in, MapReader& hw, const std::string& name, Scenario& s) {
  const CatalogEntry* entry = lookup(hw, hw.has("fabric_profile") ? "fabric_profile" : "nodes",
                                     "fabric profile", in.catalog.fabrics(), name);
  if (entry) load_definition(in, *entry, load_fabric_profile, s.fabric);
}

// Returns whether the GPU and node profiles could be loaded (the rules need them).
bool read_hardware(Reader& in, MapReader& root, Scenario& s) {
  MapReader hw(root.node("hardware"), "hardware", in.schema.hardware, in.d, root.map_mark());
  const bool resolved = resolve_gpu(in, hw, s) && resolve_node(in, hw, s);
  s.gpus_per_node_used = static_cast<int>(hw.integer_or("gpus", resolved ? s.node.gpus_per_node : 1));
  s.nodes = static_cast<int>(hw.integer("nodes"));
  if (static_cast<long long>(s.gpus_per_node_used) * s.nodes > kMaxGpus) {
    hw.error("nodes", "the cluster would have " +
                          std::to_string(static_cast<long long>(s.gpus_per_node_used) * s.nodes) +
                          " GPUs; wattsim simulates up to " + std::to_string(kMaxGpus));
    s.nodes = 1;
  }
  s.fabric_choice.kind = hw.string("fabric");
  s.fabric_choice.oversubscription = hw.number("oversubscription");
  const std::string fabric_profile = hw.string_or("fabric_profile", s.node.fabric);
  if (resolved && s.nodes > 1) resolve_fabric(in, hw, fabric_profile, s);
  s.power_cap_w = hw.quantity_or("power_cap", resolved ? s.gpu.tdp_w : 0.0);
  if (hw.has("clock_transition"))
    s.gpu.clock_transition_ns = seconds_to_time(hw.quantity_or("clock_transition", 0.0));
  return resolved;
}

void read_model(Reader& in, MapReader& wl, Scenario& s) {
  const YAML::Node model = wl.node("model");
  if (model.IsScalar()) {
    if (const CatalogEntry* entry = lookup(wl, "model", "workload", in.catalog.workloads(), model.Scalar()))
      load_definition(in, *entry, load_model_spec, s.model);
  } else if (model.IsMap()) {
    s.model = read_model_spec(model, in.d);
  } else if (model.IsDefined()) {
    wl.error("model", "workload.model must be a model name or a mapping describing the architecture");
  }
}

void read_workload(Reader& in, MapReader& root, Scenario& s) {
  MapReader wl(root.node("workload"), "workload", in.schema.workload, in.d, root.map_mark());
  read_model(in, wl, s);
  s.precision = kPrecisionNames.parse(wl.string("precision")).value_or(Precision::BF16);
  s.seq_len = static_cast<int>(wl.integer_or("seq_len", s.model.seq_len));
  s.global_batch = static_cast<int>(wl.integer("global_batch"));
  s.micro_batch = static_cast<int>(wl.integer_or("micro_batch", 0));
  s.flash_attention = wl.boolean("flash_attention");
  s.structured_sparsity = wl.boolean("structured_sparsity");
}

void read_parallelism(Reader& in, MapReader& root, Scenario& s) {
  MapReader par(root.node("parallelism"), "parallelism", in.schema.parallelism, in.d, root.map_mark());
  ParallelPlan& p = s.plan;
  p.tp = static_cast<int>(par.integer("tp"));
  p.pp = static_cast<int>(par.integer("pp"));
  // dp counts the data ranks including each replica's cp context-parallel ranks (ParallelPlan::dp).
  p.cp = static_cast<int>(par.integer("cp"));
  p.dp = par.has("dp") ? static_cast<int>(par.integer_or("dp", 1)) * p.cp
                       : std::max(1, s.cluster_gpus() / (p.tp * p.pp));
  p.schedule = kPipelineScheduleNames.parse(par.string("schedule")).value_or(p.schedule);
  p.virtual_stages = static_cast<int>(par.integer("virtual_stages"));
  p.ep = static_cast<int>(par.integer("ep"));
  p.embedding_as_layer = par.boolean("embedding_as_layer");
  p.stage_layers = par.integer_list("stage_layers", 0, 1000000);
  p.zero_stage = static_cast<int>(par.integer("zero_stage"));
  p.recompute = kRecomputeNames.parse(par.string("recompute")).value_or(p.recompute);
  s.sequence_parallel = par.boolean("sequence_parallel");
  p.rank_order = kRankOrderNames.parse(par.string("rank_order")).value_or(p.rank_order);
  p.symmetric = par.boolean("symmetric");
  p.bucket_bytes = par.quantity("gradient_bucket");
  p.overlap_grad_reduce = par.boolean("overlap_grad_reduce");
  p.overlap_param_gather = par.boolean("overlap_param_gather");
  p.prefetch_layers = static_cast<int>(par.integer("prefetch_layers"));
  p.grad_reduce = kGradReducePrecisionNames.parse(par.string("grad_reduce")).value_or(p.grad_reduce);
  p.tp_comm_overlap = par.boolean("tp_comm_overlap");
}

void read_framework(Reader& in, MapReader& root, Scenario& s) {
  MapReader fw(root.node("framework"), "framework", in.schema.framework, in.d, root.map_mark());
  s.launch_s = fw.quantity("launch");
  s.collective_jitter_s = fw.quantity("collective_jitter");
  s.input_rate = fw.number("input_rate");
}

void read_network(Reader& in, MapReader& root, Scenario& s) {
  MapReader net(root.node("network"), "network", in.schema.network, in.d, root.map_mark());
  s.network_backend = net.string("fidelity");
  s.algorithm = net.string("algorithm");
}

void read_training(Reader& in, MapReader& root, Scenario& s) {
  MapReader tr(root.node("training"), "training", in.schema.training, in.d, root.map_mark());
  const int given = tr.has("steps") + tr.has("samples") + tr.has("tokens");
  if (given > 1) in.d.error(tr.map_mark(), "training: give one of steps, samples or tokens, not several");
  s.total_steps = tr.number("steps");
  if (tr.has("samples")) s.total_steps = std::ceil(tr.number_or("samples", 0) / std::max(1, s.global_batch));
  if (tr.has("tokens")) {
    if (s.seq_len <= 0)
      tr.error("tokens", "training.tokens needs a model with a sequence length; use samples");
    s.total_steps =
        std::ceil(tr.number_or("tokens", 0) / (std::max(1, s.global_batch) * double(std::max(1, s.seq_len))));
  }
  s.simulated_steps = static_cast<int>(tr.integer("simulated_steps"));
}

void read_energy(Reader& in, MapReader& root, Scenario& s) {
  MapReader en(root.node("energy"), "energy", in.schema.energy, in.d, root.map_mark());
  s.pue = en.number("pue");
  s.carbon_g_per_kwh = en.quantity("carbon_intensity");
  if (!en.has("carbon_series")) return;
  const std::filesystem::path file = in.base_dir / en.string_or("carbon_series", "");
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    en.error("carbon_series",
             "no carbon series file " + file.string() + " (paths are relative to the scenario)");
    return;
  }
  s.carbon_series_file = file.string();
  try {
    s.carbon_series = load_csv_series(file.string(), Dimension::CarbonIntensity);
    if (s.carbon_series.time_s.size() < 2)
      en.error("carbon_series", "a carbon series needs at least two rows");
  } catch (const InputError& e) {
    in.d.merge(e.diagnostics());
  }
}

void read_variation(Reader& in, MapReader& root, Scenario& s) {
  MapReader var(root.node("variation"), "variation", in.schema.variation, in.d, root.map_mark());
  s.speed_spread = var.number("speed_spread");
  s.power_spread = var.number("power_spread");
  const YAML::Node stragglers = var.node("stragglers");
  if (stragglers.IsDefined() && !stragglers.IsSequence()) {
    var.error("stragglers", "stragglers must be a list of {gpu, slowdown, from_step}");
    return;
  }
  if (!stragglers.IsDefined()) return;
  for (std::size_t i = 0; i < stragglers.size(); ++i) {
    const YAML::Node item = stragglers[i];
    MapReader st(item, "straggler", in.schema.straggler, in.d, item.Mark(),
                 "variation.stragglers[" + std::to_string(i) + "]");
    s.stragglers.push_back({static_cast<int>(st.integer("gpu")), st.number("slowdown"),
                            static_cast<std::uint32_t>(st.integer("from_step"))});
  }
}

// Each policy of the list, a name or a single `name: {parameters}` mapping, read against the parameters
// its registry entry declares. Static allocation is always compared with, first.
void read_policies(Reader& in, MapReader& root, Scenario& s) {
  const YAML::Node list = root.node("policies");
  std::vector<std::pair<std::string, YAML::Node>> entries;
  std::vector<YAML::Mark> marks;
  if (!list.IsDefined()) {
    entries = {{"static", YAML::Node()}, {"pass-dvfs", YAML::Node()}};
    marks.assign(2, root.map_mark());
  } else if (!list.IsSequence()) {
    root.error("policies", "policies must be a list, e.g. [static, pass-dvfs]");
  } else if (list.size() == 0) {
    root.error("policies",
               "policies is empty: list the policies to compare with static, e.g. [pass-dvfs] (or leave it "
               "out for [static, pass-dvfs])");
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
      marks.push_back(item.Mark());
    }
  }
  const auto& registry = PolicyRegistry::instance();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const std::string& name = entries[i].first;
    const YAML::Node& params = entries[i].second;
    const PolicyInfo* info = registry.find(name);
    if (!info) {
      in.d.error(marks[i], "unknown policy '" + name + "'; known: " + registry.names());
      continue;
    }
    if (std::any_of(s.policies.begin(), s.policies.end(),
                    [&](const PolicySpec& p) { return p.name == name; })) {
      in.d.error(marks[i], "policy '" + name + "' listed twice");
      continue;
    }
    MapReader reader(params, "policy " + name, info->parameters, in.d, marks[i], "policies." + name);
    s.policies.push_back({name, reader.values()});
  }
  auto it =
      std::find_if(s.policies.begin(), s.policies.end(), [](const auto& p) { return p.name == "static"; });
  if (it == s.policies.end())
    s.policies.insert(s.policies.begin(), {"static", ParamValues(registry.find("static")->parameters)});
  else
    std::rotate(s.policies.begin(), it, it + 1);
}

void read_root(Reader& in, MapReader& root, Scenario& s) {
  s.name = root.string("name");
  s.description = root.string("description");
  s.seed = static_cast<std::uint64_t>(root.integer("seed"));
  MapReader limits(root.node("limits"), "limits", in.schema.limits, in.d, root.map_mark());
  s.memory_limit_bytes = limits.quantity_or("memory", 0.8 * physical_memory_bytes());
  s.trace = kTraceDetailNames.parse(root.string("trace")).value_or(s.trace);
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
  MapReader root(doc, "scenario", in.schema.root, d, YAML::Mark::null_mark(), "");
  const bool hardware = read_hardware(in, root, s);
  read_workload(in, root, s);
  read_parallelism(in, root, s);
  read_network(in, root, s);
  read_training(in, root, s);
  read_energy(in, root, s);
  read_variation(in, root, s);
  read_framework(in, root, s);
  read_root(in, root, s);
  read_policies(in, root, s);
  // The rules: those between sections whenever the hardware is known, the rest once all of it holds.
  if (hardware) {
    d.report(check_structure(s));
    d.report(check_policies(s));
  }
  if (hardware && d.empty()) d.report(check_feasibility(s));
  d.throw_if_any();
  return s;
}

Scenario load_scenario(const std::string& file, const ModelCatalog& catalog) {
  return parse_scenario(read_input_file(file, "scenario file"), file, catalog);
}

}  // namespace wattsim
