#pragma once
// What a policy's run comes to, as typed fields: the steady step, the run as a whole and its energy parts,
// throughput, carbon, energy proportionality, and the batch and layout it ran. One table names each field
// and its unit, for every output (HDF5 attributes, JSON, tables), so no metric is looked up by a string.
#include <optional>
#include <span>
#include <string_view>

namespace wattsim {

struct RunMetrics {
  double step_time_s = 0;  // the steady (last simulated) step
  double energy_per_step_j = 0;
  double steps_simulated = 0;
  double steps_total = 0;
  double run_time_s = 0;
  double energy_j = 0;  // the run: busy + wait + memory + network + host
  double energy_gpu_busy_j = 0;
  double energy_gpu_wait_j = 0;
  double energy_memory_j = 0;
  double energy_network_j = 0;
  double energy_host_j = 0;  // CPUs, DRAM, NICs
  double energy_fans_j = 0;
  double energy_psu_loss_j = 0;         // power-supply conversion
  double facility_energy_j = 0;         // × PUE
  double avg_power_w = 0;               // cluster, steady step
  double avg_gpu_power_w = 0;           // per GPU, steady step
  double peak_gpu_power_w = 0;          // instantaneous, any GPU
  double avg_node_power_w = 0;          // one node at the wall, steady step
  double peak_node_power_w = 0;         // one node at the wall, its GPUs' highest window
  double gpu_share_of_node_energy = 0;  // GPU boards / node wall energy
  double peak_window_power_w = 0;       // any GPU's average over one power-control window
  double gpu_hours = 0;
  double mfu = 0;
  double hardware_tflops_per_gpu = 0;  // every GEMM executed, recomputation included
  double tflops_per_gpu = 0;           // model FLOPs
  double samples_per_s = 0;
  double tokens_per_s = 0;
  double energy_per_sample_j = 0;
  double edp_j_s = 0;       // energy-delay product of the run
  double step_edp_j_s = 0;  // and of the steady step
  double co2e_kg = 0;
  double pue = 0;
  double carbon_intensity_g_per_kwh = 0;  // the mean over the hours the run used
  double idle_power_w = 0;                // the cluster with every GPU at its wait clock
  double energy_proportionality = 0;      // 1 − P_idle / P_run (Barroso & Hölzle 2007)
  double joules_per_useful_pflop_at_25pct_load = 0;
  double joules_per_useful_pflop_at_50pct_load = 0;
  double joules_per_useful_pflop_at_full_load = 0;
  double global_batch = 0;
  double micro_batch = 0;
  double tp = 0, pp = 0, dp = 0;
  double zero_stage = 0;
  double events_per_step = 0;
  double clock_changes_per_step = 0;
  // Only where the workload gives the data: its epoch size, its convergence model.
  std::optional<double> energy_per_epoch_j;
  std::optional<double> steps_to_target;
  std::optional<double> energy_to_accuracy_j;
};

struct MetricField {
  std::string_view name;  // as outputs name it, unit suffix included
  std::string_view unit;  // "s", "J", "W", "1" for ratios and counts
  double RunMetrics::*value = nullptr;
  std::optional<double> RunMetrics::*optional_value = nullptr;
  std::optional<double> get(const RunMetrics& m) const { return value ? m.*value : m.*optional_value; }
};
// Every field, in output order.
std::span<const MetricField> metric_fields();
// The field of that name, or nullptr (for tables that name their columns, such as a sweep's).
const MetricField* find_metric(std::string_view name);

}  // namespace wattsim
