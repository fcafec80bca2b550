#include "io/model_catalog.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "hardware/power_calibration.hpp"
#include "io/input_file.hpp"
#include "io/map_reader.hpp"
#include "io/yaml_document.hpp"
#include "workload/model_family.hpp"

#ifndef WATTSIM_MODELS_DIR
#define WATTSIM_MODELS_DIR "models"
#endif

namespace wattsim {

namespace fs = std::filesystem;

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// The definitions of one folder: every regular *.yaml file (anything else, a FIFO named *.yaml say, is
// left out), read within the input bounds; its name and description, and where the name is written.
std::vector<CatalogEntry> scan(const fs::path& dir) {
  std::vector<CatalogEntry> entries;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return entries;
  for (const auto& f : fs::directory_iterator(dir, ec)) {
    if (f.path().extension() != ".yaml" || !is_regular_input(f.path().string())) continue;
    CatalogEntry e;
    e.file = f.path().string();
    e.name = f.path().stem().string();
    Diagnostics d(e.file);
    try {
      const YAML::Node root = load_yaml_file(e.file, d);
      auto scalar = [&](const char* key) {
        return root.IsMap() && root[key] && root[key].IsScalar() ? root[key] : YAML::Node();
      };
      if (const YAML::Node name = scalar("name")) {
        e.name = name.Scalar();
        e.line = name.Mark().line + 1;
        e.column = name.Mark().column + 1;
      }
      if (const YAML::Node description = scalar("description")) e.description = description.Scalar();
      if (const YAML::Node gpu = scalar("gpu")) e.gpu = gpu.Scalar();
    } catch (const InputError&) {
    }
    if (!d.empty()) e.description = "(unreadable: run `wattsim validate` on it)";
    entries.push_back(std::move(e));
  }
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return entries;
}

using namespace param;
constexpr ParamSpec kGpuSpecs[] = {
    text("name", "profile name, as scenarios refer to it", kRequired),
    text("description", "one line", ""),
    section("compute", "peak rates (dense, at the top SM clock)"),
    section("memory", "HBM capacity and bandwidth"),
    section("interconnect", "NVLink bandwidth"),
    section("clocks", "SM clock range, step and transition latency"),
    list("voltage_frequency", "piecewise-linear V(f): a list of {clock, voltage}"),
    section("power", "power limits and measured anchors"),
    section("efficiency", "achievable fractions of peak per kernel kind", "the declared defaults"),
};
constexpr ParamSpec kComputeSpecs[] = {
    quantity("tensor_fp8", Dimension::FlopRate, "FP8 tensor-core peak", derived("0: not supported"), 0, 1e18),
    quantity("tensor_fp16", Dimension::FlopRate, "FP16 tensor-core peak", derived("0: not supported"), 0,
             1e18),
    quantity("tensor_bf16", Dimension::FlopRate, "BF16 tensor-core peak", derived("0: not supported"), 0,
             1e18),
    quantity("tensor_tf32", Dimension::FlopRate, "TF32 tensor-core peak", derived("0: not supported"), 0,
             1e18),
    quantity("vector_fp32", Dimension::FlopRate, "FP32 non-tensor peak", kRequired, 1e9, 1e18),
    quantity("peak_clock", Dimension::Frequency, "the SM clock the peak rates assume", derived("clocks.max"),
             1e6, 1e10),
    integer("sm_count", "streaming multiprocessors (GEMM tiles run in waves over them)",
            derived("0: no wave or tile quantisation"), 0, 1024),
};
constexpr ParamSpec kMemorySpecs[] = {
    quantity("capacity", Dimension::Bytes, "HBM capacity", kRequired, 1e9, 1e13),
    quantity("bandwidth", Dimension::Bandwidth, "HBM peak bandwidth", kRequired, 1e9, 1e14),
    quantity("energy_per_bit", Dimension::EnergyPerBit, "HBM access energy (interface + core)",
             PowerAnchors{}.memory_energy_j_per_bit, 0, 1e-10),
};
constexpr ParamSpec kInterconnectSpecs[] = {
    quantity("nvlink", Dimension::Bandwidth,
             "NVLink bandwidth, both directions together (PCIe for GPUs without NVLink)", kRequired, 1e9,
             1e13),
};
constexpr ParamSpec kClockSpecs[] = {
    quantity("min", Dimension::Frequency, "lowest SM clock", kRequired, 1e6, 1e10),
    quantity("max", Dimension::Frequency, "highest SM clock", kRequired, 1e6, 1e10),
    quantity("step", Dimension::Frequency, "distance between supported clocks", kRequired, 1e5, 1e9),
    quantity("transition_latency", Dimension::Time,
             "time a clock change takes at one voltage; the GPU keeps working at the old clock meanwhile",
             kRequired, 0, 10),
    number("voltage_slew",
           "how fast the voltage rises for a higher clock, in volts per second (regulators: mV per µs)", 5000,
           1, 1e6),
};
constexpr ParamSpec kVfSpecs[] = {
    quantity("clock", Dimension::Frequency, "SM clock", kRequired, 1e6, 1e10),
    quantity("voltage", Dimension::Voltage, "core voltage at that clock", kRequired, 0.3, 2.0),
};
constexpr ParamSpec kPowerSpecs[] = {
    quantity("tdp", Dimension::Power, "board power limit (default cap)", kRequired, 10, 5000),
    quantity("min_cap", Dimension::Power, "lowest settable power limit", kRequired, 1, 5000),
    quantity("idle", Dimension::Power, "measured idle power at the lowest clock", kRequired, 1, 5000),
    quantity("comm_wait", Dimension::Power, "power while blocked in a collective, top clock", kRequired, 1,
             5000),
    number("leakage_share_of_idle", "fraction of idle power that is leakage",
           PowerAnchors{}.leakage_share_of_idle, 0, 0.95),
    number("gemm_memory_utilisation", "HBM utilisation of a large GEMM",
           PowerAnchors{}.gemm_memory_utilisation, 0, 1),
    quantity("gemm_sustained_clock", Dimension::Frequency,
             "the clock a dense GEMM on realistic data holds at TDP (the power model's TDP anchor)",
             derived("0.90 x compute.peak_clock (S85: 0.87 on random data, S96: 0.93 under HPL)"), 1e6, 1e10),
    number("memory_activity", "SM/L2 activity per unit of memory utilisation (S39, S100)", 0.27, 0, 2),
    quantity("control_window", Dimension::Time, "the power limit controller's averaging window", 10e-3, 1e-4,
             10),
    number("control_guard", "share of the limit the controller keeps in reserve (S40)", 0.01, 0, 0.5),
    number("comm_activity", "SM activity added by NCCL kernels", 0.1, 0, 1),
    number("comm_memory_utilisation", "HBM utilisation added by NCCL kernels", 0.3, 0, 1),
};
constexpr ParamSpec kEfficiencySpecs[] = {
    number("tensor", "fraction of tensor peak a GEMM reaches in whole waves of whole tiles (η_mma)",
           KernelEfficiency{}.tensor, 0.01, 1),
    number("attention", "fraction of tensor peak a fused attention kernel reaches at long sequences",
           derived("0: as a GEMM at efficiency.tensor"), 0, 1),
    number("attention_half_sequence", "sequence length at which fused attention reaches half of that",
           KernelEfficiency{}.attention_half_sequence, 0, 1e6),
    number("vector", "fraction of vector peak", KernelEfficiency{}.vector, 0.01, 1),
    number("memory", "fraction of HBM bandwidth", KernelEfficiency{}.memory, 0.01, 1),
    number("tensor_activity", "switching activity of GEMMs (1 by definition)",
           KernelEfficiency{}.tensor_activity, 0, 1),
    number("vector_activity", "switching activity of vector kernels", KernelEfficiency{}.vector_activity, 0,
           1),
    number("fp32_gemm_activity",
           "switching activity of an FP32 GEMM on the CUDA cores (S100: an FMA loop at its peak on V100)",
           KernelEfficiency{}.fp32_gemm_activity, 0, 1),
    quantity("kernel_overhead", Dimension::Time, "launch gap and tail of one kernel",
             to_seconds(KernelEfficiency{}.kernel_overhead_ns), 0, 1e-2),
};

// Parses a definition file whose root must be a mapping; throws InputError if it cannot be read at all
// (errors inside the mapping are left for the caller to collect).
YAML::Node open_definition(const std::string& file, Diagnostics& d) {
  const YAML::Node root = load_yaml_file(file, d);
  if (!root.IsMap()) d.throw_if_any();
  return root;
}

}  // namespace

ModelCatalog::ModelCatalog(std::string models_dir) : dir_(std::move(models_dir)) {
  std::error_code ec;
  if (!fs::is_directory(fs::path(dir_) / "gpus", ec))
    throw InputError({Diagnostic{dir_, 0, 0,
                                 "not a models directory: it needs gpus/, nodes/, fabrics/ and workloads/ "
                                 "(set --models or WATTSIM_MODELS to one, such as wattsim's models/)"}});
  gpus_ = scan(fs::path(dir_) / "gpus");
  nodes_ = scan(fs::path(dir_) / "nodes");
  workloads_ = scan(fs::path(dir_) / "workloads");
  fabrics_ = scan(fs::path(dir_) / "fabrics");
}

std::string ModelCatalog::default_dir() {
  if (const char* env = std::getenv("WATTSIM_MODELS"); env && *env) return env;
  return WATTSIM_MODELS_DIR;
}

const CatalogEntry* ModelCatalog::find(const std::vector<CatalogEntry>& entries, const std::string& name) {
  for (const auto& e : entries)
    if (lower(e.name) == lower(name)) return &e;
  return nullptr;
}

const CatalogEntry* ModelCatalog::node_carrying(const std::string& gpu_name) const {
  for (const CatalogEntry& n : nodes_)
    if (n.gpu == gpu_name) return &n;
  return nullptr;
}

std::string ModelCatalog::ambiguity(const std::string& what, const std::vector<CatalogEntry>& entries,
                                    const std::string& name) {
  std::string places;
  int count = 0;
  for (const auto& e : entries)
    if (lower(e.name) == lower(name)) {
      ++count;
      places += (places.empty() ? "" : " and ") + e.file + ":" + std::to_string(e.line) + ":" +
                std::to_string(e.column);
    }
  if (count < 2) return "";
  return what + " '" + name + "' is defined " + std::to_string(count) + " times: " + places +
         "; give each definition its own name";
}

std::string ModelCatalog::unknown_message(const std::string& what, const std::string& name,
                                          const std::vector<CatalogEntry>& entries) {
  std::string known;
  for (const auto& e : entries) known += (known.empty() ? "" : ", ") + e.name;
  return "unknown " + what + " '" + name + "'; known: " + (known.empty() ? "(none found)" : known);
}

namespace {

// Reads a definition file's root mapping with `read`, then throws InputError if anything was wrong.
template <class Definition, class Read>
Definition load_definition(const std::string& file, Read read) {
  Diagnostics d(file);
  const YAML::Node root = open_definition(file, d);
  Definition definition = read(root, d);
  d.throw_if_any();
  return definition;
}

void read_compute(MapReader& r, GpuProfile& p) {
  MapReader compute(r.node("compute"), "compute", kComputeSpecs, r.diagnostics(), r.map_mark());
  auto peak = [&](Precision pr, std::string_view key) {
    p.tensor_peak_flops[static_cast<std::size_t>(pr)] = compute.quantity_or(key, 0.0);
  };
  peak(Precision::FP8, "tensor_fp8");
  peak(Precision::FP16, "tensor_fp16");
  peak(Precision::BF16, "tensor_bf16");
  peak(Precision::TF32, "tensor_tf32");
  p.vector_peak_flops = compute.quantity("vector_fp32");
  p.peak_clock_mhz = compute.quantity_or("peak_clock", 0.0) * 1e-6;
  p.sm_count = static_cast<int>(compute.integer_or("sm_count", 0));
  p.tensor_peak_flops[static_cast<std::size_t>(Precision::FP32)] = p.vector_peak_flops;
}

// Supported clocks a profile may have (clock_count()): the per-clock tables and every planner's cost table
// grow with it.
constexpr int kMaxClocks = 1024;

void read_clocks(MapReader& r, GpuProfile& p) {
  MapReader clocks(r.node("clocks"), "clocks", kClockSpecs, r.diagnostics(), r.map_mark());
  p.clock_min_mhz = clocks.quantity("min") * 1e-6;
  p.clock_max_mhz = clocks.quantity("max") * 1e-6;
  p.clock_step_mhz = clocks.quantity("step") * 1e-6;
  p.clock_transition_ns = seconds_to_time(clocks.quantity("transition_latency"));
  p.voltage_slew_v_per_s = clocks.number("voltage_slew");
  if (p.clock_max_mhz <= p.clock_min_mhz)
    clocks.error("max", "clocks.max must exceed clocks.min");
  else if (p.clock_step_mhz > 0 && !p.supports_clock(p.clock_max_mhz))
    clocks.error("max", "clocks.max is not min + a whole number of steps");
  else if (const double count = (p.clock_max_mhz - p.clock_min_mhz) / p.clock_step_mhz + 1;
           p.clock_step_mhz > 0 && count > kMaxClocks)
    clocks.error("step", "clocks.min, max and step give " +
                             std::to_string(std::llround(std::min(count, 1e15))) +
                             " supported clocks; at most " + std::to_string(kMaxClocks) +
                             " (the planners price every kernel at every clock; real GPUs have about 100)");
}

void read_voltage_frequency(MapReader& r, GpuProfile& p) {
  const YAML::Node vf = r.node("voltage_frequency");
  if (vf.IsDefined() && !vf.IsSequence()) r.error("voltage_frequency", "voltage_frequency must be a list");
  if (!vf.IsSequence()) return;
  Diagnostics& d = r.diagnostics();
  for (const auto& point : vf) {
    MapReader pr(point, "voltage_frequency point", kVfSpecs, d);
    VfPoint v{pr.quantity("clock") * 1e-6, pr.quantity("voltage")};
    if (!p.vf_table.empty() && v.clock_mhz <= p.vf_table.back().clock_mhz)
      d.error(point, "voltage_frequency clocks must increase");
    else if (!p.vf_table.empty() && v.voltage_v < p.vf_table.back().voltage_v)
      d.error(point, "voltage must not fall as the clock rises");
    p.vf_table.push_back(v);
  }
  if (p.vf_table.size() < 2) r.error("voltage_frequency", "voltage_frequency needs at least two points");
}

void read_efficiency(MapReader& r, GpuProfile& p) {
  MapReader eff(r.node("efficiency"), "efficiency", kEfficiencySpecs, r.diagnostics(), r.map_mark());
  KernelEfficiency& e = p.efficiency;
  e.tensor = eff.number("tensor");
  e.attention = eff.number_or("attention", 0.0);
  e.attention_half_sequence = eff.number("attention_half_sequence");
  e.vector = eff.number("vector");
  e.memory = eff.number("memory");
  e.tensor_activity = eff.number("tensor_activity");
  e.vector_activity = eff.number("vector_activity");
  e.fp32_gemm_activity = eff.number("fp32_gemm_activity");
  e.kernel_overhead_ns = seconds_to_time(eff.quantity("kernel_overhead"));
}

GpuProfile read_gpu_profile(const YAML::Node& root, Diagnostics& d) {
  GpuProfile p;
  p.file = d.file();
  MapReader r(root, "gpu profile", kGpuSpecs, d);
  p.name = r.string("name");
  p.description = r.string("description");
  read_compute(r, p);
  MapReader memory(r.node("memory"), "memory", kMemorySpecs, d, r.map_mark());
  p.memory_bytes = memory.quantity("capacity");
  p.memory_bandwidth_bps = memory.quantity("bandwidth");
  PowerAnchors anchors;
  anchors.memory_energy_j_per_bit = memory.quantity("energy_per_bit");
  MapReader link(r.node("interconnect"), "interconnect", kInterconnectSpecs, d, r.map_mark());
  p.nvlink_bandwidth_bps = link.quantity("nvlink") / 2.0;
  read_clocks(r, p);
  if (p.peak_clock_mhz <= 0) p.peak_clock_mhz = p.clock_max_mhz;
  read_voltage_frequency(r, p);
  MapReader power(r.node("power"), "power", kPowerSpecs, d, r.map_mark());
  p.tdp_w = power.quantity("tdp");
  p.min_power_cap_w = power.quantity("min_cap");
  p.idle_w = power.quantity("idle");
  p.comm_wait_w = power.quantity("comm_wait");
  anchors.leakage_share_of_idle = power.number("leakage_share_of_idle");
  anchors.gemm_memory_utilisation = power.number("gemm_memory_utilisation");
  p.power.comm_activity = power.number("comm_activity");
  p.power.comm_memory_utilisation = power.number("comm_memory_utilisation");
  p.power.memory_activity = power.number("memory_activity");
  p.control_window_ns = seconds_to_time(power.quantity("control_window"));
  p.control_guard = power.number("control_guard");
  p.gemm_sustained_clock_mhz = power.quantity_or("gemm_sustained_clock", 0.0) * 1e-6;
  if (p.gemm_sustained_clock_mhz <= 0 && p.clock_step_mhz > 0)
    p.gemm_sustained_clock_mhz = p.snap_clock(0.9 * p.peak_clock_mhz);
  if (p.gemm_sustained_clock_mhz > p.clock_max_mhz || p.gemm_sustained_clock_mhz < p.clock_min_mhz)
    power.error("gemm_sustained_clock", "power.gemm_sustained_clock must lie within the clock range");
  if (p.min_power_cap_w > p.tdp_w)
    power.error("min_cap", "power.min_cap (" + std::to_string(p.min_power_cap_w) +
                               " W) is above power.tdp (" + std::to_string(p.tdp_w) +
                               " W): the lowest settable limit cannot exceed the highest");
  read_efficiency(r, p);
  if (!d.empty()) return p;
  try {
    calibrate_power(p, anchors);
  } catch (const std::invalid_argument& ex) {
    d.error(power.map_mark(), ex.what());
  }
  return p;
}

}  // namespace

GpuProfile load_gpu_profile(const std::string& file) {
  return load_definition<GpuProfile>(file, read_gpu_profile);
}

namespace {
constexpr ParamSpec kNodeHostSpecs[] = {
    integer("cpu_sockets", "CPU sockets", 2, 0, 16),
    quantity("cpu_idle", Dimension::Power, "one socket with its cores idle", 0, 0, 2000),
    quantity("cpu_tdp", Dimension::Power, "one socket with every core busy", 0, 0, 2000),
    integer("cpu_cores", "cores of all sockets", 1, 1, 4096),
    number("busy_cores_per_gpu", "cores each GPU keeps spinning (training loop, NCCL proxy)", 2, 0, 64),
    quantity("dram", Dimension::Power, "all DIMMs", 0, 0, 1e4),
    integer("nics", "network cards", 0, 0, 64),
    quantity("nic_power", Dimension::Power, "one network card, powered", 0, 0, 1000),
};
constexpr ParamSpec kNodeFanSpecs[] = {
    quantity("max_power", Dimension::Power, "all fans at full speed", 0, 0, 1e4),
    number("min_speed", "the firmware's lowest fan speed, as a fraction of full", 0.3, 0, 1),
};
constexpr ParamSpec kNodePsuSpecs[] = {
    integer("count", "power supplies sharing the load", 1, 1, 64),
    quantity("rating", Dimension::Power, "one supply's rated DC output", 0, 0, 1e5),
    number("efficiency_10", "efficiency at 10% of the rating (80 PLUS Titanium, 230 V redundant)", 0.90, 0.5,
           1),
    number("efficiency_20", "efficiency at 20% of the rating (80 PLUS Titanium)", 0.94, 0.5, 1),
    number("efficiency_50", "efficiency at 50% of the rating (80 PLUS Titanium)", 0.96, 0.5, 1),
    number("efficiency_100", "efficiency at 100% of the rating (80 PLUS Titanium)", 0.91, 0.5, 1),
};

constexpr ParamSpec kNodeSpecs[] = {
    text("name", "node name, as scenarios refer to it", kRequired),
    text("description", "one line", ""),
    text("gpu", "GPU profile the node carries (scenarios naming that GPU default to this node)", ""),
    integer("gpus_per_node", "GPUs in one node", kRequired, 1, 64),
    number("link_efficiency", "NCCL bus bandwidth / NVLink per-direction bandwidth", 0.8, 0.05, 1),
    quantity("link_latency", Dimension::Time, "latency of one ring step inside the node", kRequired, 0, 1e-3),
    quantity("link_energy_per_bit", Dimension::EnergyPerBit, "energy to move one bit GPU to GPU", kRequired,
             0, 1e-9),
    integer("switch_count", "NVSwitch chips", 0, 0, 64),
    quantity("switch_power", Dimension::Power, "power of one NVSwitch chip", 0, 0, 2000),
    section("host", "host CPUs, DRAM and NICs (docs/physics.md, node power)", "no host power"),
    section("fans", "chassis fans", "no fan power"),
    section("psu", "power supplies", "no conversion loss"),
    quantity("pcie_bandwidth", Dimension::Bandwidth, "GPU to NIC bandwidth per direction", 32e9, 1e9, 1e12),
    text("fabric", "fabric profile of multi-node clusters (wattsim list fabrics)", "hdr-infiniband"),
};
}  // namespace

NodeProfile load_node_profile(const std::string& file) {
  return load_definition<NodeProfile>(file, [](const YAML::Node& root, Diagnostics& d) {
    MapReader r(root, "node profile", kNodeSpecs, d);
    NodeProfile n;
    n.file = d.file();
    n.name = r.string("name");
    n.description = r.string("description");
    n.gpus_per_node = static_cast<int>(r.integer("gpus_per_node"));
    n.link_efficiency = r.number("link_efficiency");
    n.link_latency_s = r.quantity("link_latency");
    n.link_energy_j_per_byte = 8.0 * r.quantity("link_energy_per_bit");
    n.switch_count = static_cast<int>(r.integer("switch_count"));
    n.switch_w = r.quantity("switch_power");
    MapReader host(r.node("host"), "host", kNodeHostSpecs, d, r.map_mark());
    n.host.cpu_sockets = static_cast<int>(host.integer("cpu_sockets"));
    n.host.cpu_idle_w = host.quantity("cpu_idle");
    n.host.cpu_tdp_w = host.quantity("cpu_tdp");
    if (n.host.cpu_idle_w > n.host.cpu_tdp_w)
      host.error("cpu_idle", "host.cpu_idle must not exceed host.cpu_tdp");
    n.host.cpu_cores = static_cast<int>(host.integer("cpu_cores"));
    n.host.busy_cores_per_gpu = host.number("busy_cores_per_gpu");
    n.host.dram_w = host.quantity("dram");
    n.host.nics = static_cast<int>(host.integer("nics"));
    n.host.nic_w = host.quantity("nic_power");
    MapReader fans(r.node("fans"), "fans", kNodeFanSpecs, d, r.map_mark());
    n.fans.max_w = fans.quantity("max_power");
    n.fans.min_speed = fans.number("min_speed");
    MapReader psu(r.node("psu"), "psu", kNodePsuSpecs, d, r.map_mark());
    n.psu.count = static_cast<int>(psu.integer("count"));
    n.psu.rating_w = psu.quantity("rating");
    n.psu.efficiency = {psu.number("efficiency_10"), psu.number("efficiency_20"), psu.number("efficiency_50"),
                        psu.number("efficiency_100")};
    n.pcie_bandwidth_bps = r.quantity("pcie_bandwidth");
    n.fabric = r.string("fabric");
    return n;
  });
}

namespace {
constexpr ParamSpec kFabricSpecs[] = {
    text("name", "fabric name, as node profiles and scenarios refer to it", kRequired),
    text("description", "one line", ""),
    quantity("nic_bandwidth", Dimension::Bandwidth, "NIC line rate per direction", kRequired, 1e8, 1e13),
    number("efficiency", "achieved / line rate for large messages", 0.9, 0.05, 1),
    quantity("nic_latency", Dimension::Time, "NIC and cable latency per message step", 2e-6, 0, 1e-3),
    quantity("switch_latency", Dimension::Time, "latency of one switch hop", 130e-9, 0, 1e-3),
    integer("switch_radix", "ports per switch", 40, 4, 1024),
    quantity("switch_power", Dimension::Power, "power of one switch", kRequired, 0, 1e5),
    quantity("link_energy_per_bit", Dimension::EnergyPerBit, "energy per bit per link traversal", 5e-12, 0,
             1e-9),
};
}  // namespace

FabricProfile load_fabric_profile(const std::string& file) {
  return load_definition<FabricProfile>(file, [](const YAML::Node& root, Diagnostics& d) {
    MapReader r(root, "fabric profile", kFabricSpecs, d);
    FabricProfile f;
    f.file = d.file();
    f.name = r.string("name");
    f.description = r.string("description");
    f.nic_bandwidth_bps = r.quantity("nic_bandwidth");
    f.efficiency = r.number("efficiency");
    f.nic_latency_s = r.quantity("nic_latency");
    f.switch_latency_s = r.quantity("switch_latency");
    f.switch_radix = static_cast<int>(r.integer("switch_radix"));
    f.switch_w = r.quantity("switch_power");
    f.energy_j_per_byte = 8.0 * r.quantity("link_energy_per_bit");
    return f;
  });
}

namespace {
constexpr ParamSpec kModelSpecs[] = {
    text("name", "model name", "inline"),
    text("description", "one line", ""),
    text("family", "architecture family (wattsim list families)", kRequired),
    integer("layers", "transformer blocks", derived("required for transformers"), 1, 1e5),
    integer("hidden", "hidden size", derived("required for transformers"), 1, 1e6),
    integer("heads", "attention heads", derived("required for transformers"), 1, 1e5),
    integer("kv_heads", "key/value heads (grouped-query attention)", derived("heads"), 1, 1e5),
    integer("ffn_hidden", "FFN inner size", derived("4 x hidden"), 1, 1e7),
    integer("vocab", "vocabulary size", derived("required for transformers"), 1, 1e8),
    integer("seq_len", "default sequence length", derived("required for transformers"), 1, 1e7),
    flag("tied_embeddings", "LM head shares the embedding matrix", true),
    flag("gated_ffn", "SwiGLU FFN (three matrices)", false),
    flag("learned_positions", "learned position embeddings", true),
    flag("biases", "linear biases and LayerNorm shifts", true),
    integer("experts", "mixture of experts: FFN experts per block (0: dense)", 0, 0, 1e5),
    integer("top_k", "mixture of experts: experts each token is routed to", 2, 1, 1e5),
    integer("moe_ffn_hidden", "mixture of experts: inner size of one expert's FFN", derived("ffn_hidden"), 1,
            1e7),
    number("capacity_factor", "mixture of experts: expert buffers as a multiple of the balanced load", 1, 1,
           64),
    list("stage_blocks", "bottleneck blocks per ResNet stage", "required for CNNs"),
    integer("image_size", "input image side in pixels", 224, 8, 1e5),
    integer("classes", "output classes", 1000, 1, 1e7),
    integer("base_width", "channels of the first stage", 64, 1, 1e5),
    number("dataset_samples", "samples in one epoch of the training set", kNoDefault, 1, 1e15),
    number("critical_batch", "convergence: critical batch B_noise in samples", kNoDefault, 1, 1e12),
    number("min_steps", "convergence: steps to the target loss at a vanishing batch, S_min", kNoDefault, 1,
           1e12),
};
}  // namespace

namespace {

void read_cnn(MapReader& r, ModelSpec& m) {
  m.stage_blocks = r.integer_list("stage_blocks", 1, 100000);
  m.image_size = static_cast<int>(r.integer("image_size"));
  m.classes = static_cast<int>(r.integer("classes"));
  m.base_width = static_cast<int>(r.integer("base_width"));
}

void read_transformer(MapReader& r, ModelSpec& m) {
  m.layers = static_cast<int>(r.integer_or("layers", 1));
  m.hidden = static_cast<int>(r.integer_or("hidden", 64));
  m.heads = static_cast<int>(r.integer_or("heads", 1));
  m.kv_heads = static_cast<int>(r.integer_or("kv_heads", m.heads));
  m.ffn_hidden = static_cast<int>(r.integer_or("ffn_hidden", 4 * static_cast<std::int64_t>(m.hidden)));
  m.vocab = static_cast<int>(r.integer_or("vocab", 1));
  m.seq_len = static_cast<int>(r.integer_or("seq_len", 1));
  m.tied_embeddings = r.boolean("tied_embeddings");
  m.gated_ffn = r.boolean("gated_ffn");
  m.experts = static_cast<int>(r.integer("experts"));
  m.top_k = static_cast<int>(r.integer("top_k"));
  m.moe_ffn_hidden = static_cast<int>(r.integer_or("moe_ffn_hidden", m.ffn_hidden));
  m.capacity_factor = r.number("capacity_factor");
  if (m.experts > 0 && m.top_k > m.experts)
    r.error("top_k", "top_k (" + std::to_string(m.top_k) + ") cannot exceed experts (" +
                         std::to_string(m.experts) + ")");
  m.learned_positions = r.boolean("learned_positions");
  m.biases = r.boolean("biases");
  if (m.hidden % m.heads != 0)
    r.error("heads", "hidden (" + std::to_string(m.hidden) + ") must be divisible by heads (" +
                         std::to_string(m.heads) + ")");
  if (m.heads % m.kv_heads != 0)
    r.error("kv_heads", "heads (" + std::to_string(m.heads) + ") must be divisible by kv_heads (" +
                            std::to_string(m.kv_heads) + ")");
}

}  // namespace

ModelSpec read_model_spec(const YAML::Node& node, Diagnostics& d) {
  MapReader r(node, "model", kModelSpecs, d);
  ModelSpec m;
  m.name = r.string("name");
  m.description = r.string("description");
  m.family = r.string("family");
  m.file = d.file();
  m.dataset_samples = r.number_or("dataset_samples", 0);
  m.critical_batch = r.number_or("critical_batch", 0);
  m.min_steps = r.number_or("min_steps", 0);
  if ((m.critical_batch > 0) != (m.min_steps > 0))
    d.error(r.map_mark(), "give critical_batch and min_steps together (the convergence model needs both)");
  const ModelFamily* family = ModelFamilyRegistry::instance().find(m.family);
  if (!m.family.empty() && !family)
    r.error("family",
            "unknown model family '" + m.family + "'; known: " + ModelFamilyRegistry::instance().names());
  if (!family) return m;
  const bool cnn = family->sample_unit == "image";
  const std::vector<const char*> needed =
      cnn ? std::vector<const char*>{"stage_blocks"}
          : std::vector<const char*>{"layers", "hidden", "heads", "vocab", "seq_len"};
  for (const char* key : needed)
    if (!r.has(key)) d.error(r.map_mark(), "model of family '" + m.family + "' needs '" + key + "'");
  if (cnn)
    read_cnn(r, m);
  else
    read_transformer(r, m);
  return m;
}

std::vector<SchemaSection> definition_sections() {
  return {{"GPU profile (models/gpus/*.yaml)", kGpuSpecs},
          {"GPU profile: compute", kComputeSpecs},
          {"GPU profile: memory", kMemorySpecs},
          {"GPU profile: interconnect", kInterconnectSpecs},
          {"GPU profile: clocks", kClockSpecs},
          {"GPU profile: voltage_frequency[]", kVfSpecs},
          {"GPU profile: power", kPowerSpecs},
          {"GPU profile: efficiency", kEfficiencySpecs},
          {"node profile (models/nodes/*.yaml)", kNodeSpecs},
          {"node profile: host", kNodeHostSpecs},
          {"node profile: fans", kNodeFanSpecs},
          {"node profile: psu", kNodePsuSpecs},
          {"fabric profile (models/fabrics/*.yaml)", kFabricSpecs},
          {"model (models/workloads/*.yaml, or a scenario's inline workload.model)", kModelSpecs}};
}

ModelSpec load_model_spec(const std::string& file) {
  return load_definition<ModelSpec>(file, read_model_spec);
}

}  // namespace wattsim
