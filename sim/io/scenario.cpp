#include "io/scenario.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "hardware/gpu_model.hpp"
#include "workload/memory_footprint.hpp"
#include "workload/model_family.hpp"

namespace wattsim {

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

constexpr ParamSpec kRootSpecs[] = {
    text("name", "scenario name, used in output and tables", ""),
    text("description", "free text", "\"\""),
    integer("seed", "seed of every random stream (same seed, same results)", "1", 0, 9.0e15),
    section("hardware", "GPU model, node and count, power cap"),
    section("workload", "model, precision, sequence length and batch"),
    section("parallelism", "how the work is split over GPUs", "data parallel over all GPUs"),
    section("training", "length of the training run", "steps: 1000"),
    section("energy", "facility overhead and grid carbon intensity", "pue 1.1, 475 g/kWh"),
    list("policies", "policies to compare (names, or name: {parameters})", "[static, pass-dvfs]"),
    text("trace", "output detail", "steps", "summary|steps|full"),
};
constexpr ParamSpec kHardwareSpecs[] = {
    text("gpu", "GPU profile (wattsim list gpus)", ""),
    text("node", "node profile (wattsim list nodes)", "the GPU profile's default node"),
    integer("gpus", "GPUs used in the node", "all of the node's", 1, 4096),
    quantity("power_cap", Dimension::Power, "per-GPU power limit", "the profile's TDP", 1, 5000),
};
constexpr ParamSpec kWorkloadSpecs[] = {
    {"model", ParamType::MapOrString, "zoo name (wattsim list workloads) or an inline architecture"},
    text("precision", "numeric precision of the training math", "bf16", "fp32|tf32|fp16|bf16|fp8"),
    integer("seq_len", "tokens per sample (transformers)", "the model's", 1, 1e7),
    integer("global_batch", "samples per optimizer step, all replicas together", "", 1, 1e9),
    integer("micro_batch", "samples per forward/backward pass on one GPU", "global_batch / dp", 1, 1e9),
    flag("flash_attention", "fused attention that keeps no s² scores", "true"),
};
constexpr ParamSpec kParallelismSpecs[] = {
    integer("dp", "data-parallel replicas", "hardware.gpus", 1, 1e6),
    quantity("gradient_bucket", Dimension::Bytes, "gradient all-reduce bucket size", "25 MiB", 1024, 1e12),
};
constexpr ParamSpec kTrainingSpecs[] = {
    optional(number("steps", "optimizer steps in the run", "", 0, 1e15)),
    optional(number("samples", "samples in the run (steps = samples / global_batch)", "", 0, 1e18)),
    optional(number("tokens", "tokens in the run (transformers)", "", 0, 1e18)),
    integer("simulated_steps", "steps simulated event by event before extrapolating", "2", 1, 1000),
};
constexpr ParamSpec kEnergySpecs[] = {
    number("pue", "power usage effectiveness of the facility", "1.1", 1, 5),
    quantity("carbon_intensity", Dimension::CarbonIntensity, "grid carbon intensity", "475 g/kWh", 0, 5000),
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
  if (hardware_ok && s.gpus > s.node.gpus_per_node)
    hw.error("gpus", "hardware.gpus = " + std::to_string(s.gpus) + " exceeds the " +
                         std::to_string(s.node.gpus_per_node) + " GPUs of a " + s.node.name +
                         " node (multi-node clusters are not supported yet)");
  s.power_cap_w = hw.quantity("power_cap", hardware_ok ? s.gpu.tdp_w : 0.0);
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
    s.policies.push_back({name, info->make(pr)});
  }
  // Every comparison is against static allocation, so it always runs, first.
  auto it =
      std::find_if(s.policies.begin(), s.policies.end(), [](const auto& p) { return p.name == "static"; });
  if (it == s.policies.end()) {
    MapReader none(YAML::Node(), "policy static", {}, in.d);
    s.policies.insert(s.policies.begin(), {"static", registry.find("static")->make(none)});
  } else {
    std::rotate(s.policies.begin(), it, it + 1);
  }
}

// Checks that need the whole configuration: divisibility, memory, supported precision and clocks.
void check_feasibility(Reader& in, MapReader& root, Scenario& s) {
  auto& d = in.d;
  const YAML::Mark where = root.mark("workload");
  if (s.dp != s.gpus) {
    d.error(root.mark("parallelism"), "parallelism.dp = " + std::to_string(s.dp) +
                                          " must equal hardware.gpus = " + std::to_string(s.gpus) +
                                          " (tensor and pipeline parallelism come later)");
    return;
  }
  if (s.micro_batch == 0) s.micro_batch = std::max(1, s.global_batch / s.dp);
  if (s.global_batch % (s.dp * s.micro_batch) != 0) {
    d.error(where, "workload.global_batch = " + std::to_string(s.global_batch) +
                       " is not a multiple of dp × micro_batch = " + std::to_string(s.dp) + " × " +
                       std::to_string(s.micro_batch));
    return;
  }
  if (s.gpu.tensor_peak_flops[static_cast<std::size_t>(s.precision)] <= 0) {
    d.error(where, s.gpu.name + " has no " + std::string(to_string(s.precision)) +
                       " tensor-core rate; choose " + "another workload.precision");
    return;
  }
  const ModelFamily* family = ModelFamilyRegistry::instance().find(s.model.family);
  if (!family) return;
  MicrobatchShape shape;
  shape.micro_batch = s.micro_batch;
  shape.seq_len = s.seq_len;
  shape.bytes_per_element = bytes_per_element(s.precision);
  shape.flash_attention = s.flash_attention;
  const Workload w = family->build(s.model, shape);
  const MemoryFootprint m = mixed_precision_adam_footprint(w.parameters, bytes_per_element(s.precision),
                                                           w.activation_bytes_per_microbatch);
  if (m.total_bytes() > s.gpu.memory_bytes) {
    std::ostringstream msg;
    msg << std::fixed;
    msg.precision(1);
    msg << s.model.name << " does not fit in " << s.gpu.name << " memory (" << s.gpu.memory_bytes / (1 << 30)
        << " GiB) by " << (m.total_bytes() - s.gpu.memory_bytes) / (1 << 30) << " GiB: " << m.describe()
        << "; lower workload.micro_batch or use model parallelism";
    d.error(where, msg.str());
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

  MapReader par(root.node("parallelism"), "parallelism", kParallelismSpecs, d, root.map_mark());
  s.dp = static_cast<int>(par.integer("dp", s.gpus));
  s.gradient_bucket_bytes = par.quantity("gradient_bucket", s.gradient_bucket_bytes);

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

  read_policies(in, root, s);
  const std::string trace = root.string("trace", "steps");
  s.trace = trace == "summary" ? TraceDetail::Summary
            : trace == "full"  ? TraceDetail::Full
                               : TraceDetail::Steps;

  if (d.empty() && hardware_ok) check_feasibility(in, root, s);
  d.throw_if_any();
  return s;
}

Scenario load_scenario(const std::string& file, const ModelCatalog& catalog) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError({Diagnostic{file, 0, 0, "cannot open scenario file"}});
  std::ostringstream text;
  text << in.rdbuf();
  return parse_scenario(text.str(), file, catalog);
}

std::vector<SchemaSection> scenario_schema() {
  return {{"(top level)", kRootSpecs},        {"hardware", kHardwareSpecs}, {"workload", kWorkloadSpecs},
          {"parallelism", kParallelismSpecs}, {"training", kTrainingSpecs}, {"energy", kEnergySpecs}};
}

}  // namespace wattsim
