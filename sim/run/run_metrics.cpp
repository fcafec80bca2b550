#include "run/run_metrics.hpp"

namespace wattsim {

namespace {

using M = RunMetrics;
constexpr MetricField kFields[] = {
    {"step_time_s", "s", &M::step_time_s},
    {"energy_per_step_j", "J", &M::energy_per_step_j},
    {"steps_simulated", "1", &M::steps_simulated},
    {"steps_total", "1", &M::steps_total},
    {"run_time_s", "s", &M::run_time_s},
    {"energy_j", "J", &M::energy_j},
    {"energy_gpu_busy_j", "J", &M::energy_gpu_busy_j},
    {"energy_gpu_wait_j", "J", &M::energy_gpu_wait_j},
    {"energy_memory_j", "J", &M::energy_memory_j},
    {"energy_network_j", "J", &M::energy_network_j},
    {"energy_host_j", "J", &M::energy_host_j},
    {"energy_fans_j", "J", &M::energy_fans_j},
    {"energy_psu_loss_j", "J", &M::energy_psu_loss_j},
    {"facility_energy_j", "J", &M::facility_energy_j},
    {"avg_power_w", "W", &M::avg_power_w},
    {"avg_gpu_power_w", "W", &M::avg_gpu_power_w},
    {"peak_gpu_power_w", "W", &M::peak_gpu_power_w},
    {"peak_window_power_w", "W", &M::peak_window_power_w},
    {"avg_node_power_w", "W", &M::avg_node_power_w},
    {"peak_node_power_w", "W", &M::peak_node_power_w},
    {"gpu_share_of_node_energy", "1", &M::gpu_share_of_node_energy},
    {"gpu_hours", "h", &M::gpu_hours},
    {"mfu", "1", &M::mfu},
    {"hardware_tflops_per_gpu", "TFLOP/s", &M::hardware_tflops_per_gpu},
    {"tflops_per_gpu", "TFLOP/s", &M::tflops_per_gpu},
    {"samples_per_s", "1/s", &M::samples_per_s},
    {"tokens_per_s", "1/s", &M::tokens_per_s},
    {"energy_per_sample_j", "J", &M::energy_per_sample_j},
    {"edp_j_s", "J s", &M::edp_j_s},
    {"step_edp_j_s", "J s", &M::step_edp_j_s},
    {"co2e_kg", "kg", &M::co2e_kg},
    {"pue", "1", &M::pue},
    {"carbon_intensity_g_per_kwh", "g/kWh", &M::carbon_intensity_g_per_kwh},
    {"idle_power_w", "W", &M::idle_power_w},
    {"energy_proportionality", "1", &M::energy_proportionality},
    {"joules_per_useful_pflop_at_25pct_load", "J/PFLOP", &M::joules_per_useful_pflop_at_25pct_load},
    {"joules_per_useful_pflop_at_50pct_load", "J/PFLOP", &M::joules_per_useful_pflop_at_50pct_load},
    {"joules_per_useful_pflop_at_full_load", "J/PFLOP", &M::joules_per_useful_pflop_at_full_load},
    {"global_batch", "1", &M::global_batch},
    {"micro_batch", "1", &M::micro_batch},
    {"tp", "1", &M::tp},
    {"pp", "1", &M::pp},
    {"dp", "1", &M::dp},
    {"zero_stage", "1", &M::zero_stage},
    {"events_per_step", "1", &M::events_per_step},
    {"clock_changes_per_step", "1", &M::clock_changes_per_step},
    {"energy_per_epoch_j", "J", nullptr, &M::energy_per_epoch_j},
    {"steps_to_target", "1", nullptr, &M::steps_to_target},
    {"energy_to_accuracy_j", "J", nullptr, &M::energy_to_accuracy_j},
};

}  // namespace

std::span<const MetricField> metric_fields() {
  return kFields;
}

const MetricField* find_metric(std::string_view name) {
  for (const MetricField& f : kFields)
    if (f.name == name) return &f;
  return nullptr;
}

}  // namespace wattsim
