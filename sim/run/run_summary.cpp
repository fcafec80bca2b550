#include "run/run_summary.hpp"

#include <algorithm>

#include "util/interrupt.hpp"

namespace wattsim {

namespace {

void add_scaled(StepRecord& to, const StepRecord& r, double times) {
  to.time_s += times * r.time_s;
  to.energy_j += times * r.energy_j;
  to.gpu_busy_j += times * r.gpu_busy_j;
  to.gpu_wait_j += times * r.gpu_wait_j;
  to.memory_j += times * r.memory_j;
  to.network_j += times * r.network_j;
  to.host_j += times * r.host_j;
  to.fans_j += times * r.fans_j;
  to.psu_loss_j += times * r.psu_loss_j;
}

void add_scaled(LayerEnergy& to, const LayerEnergy& l, double times) {
  to.resize(l.size(), 0.0);
  for (std::size_t k = 0; k < l.size(); ++k) to[k] += times * l[k];
}

}  // namespace

RunTotals extrapolated_run(const std::vector<StepRecord>& steps, const std::vector<LayerEnergy>& step_layers,
                           double run_steps, const GridIntensity& grid, double pue, LayerEnergy& run_layers) {
  RunTotals totals;
  const std::size_t simulated = std::min<std::size_t>(steps.size(), static_cast<std::size_t>(run_steps));
  for (std::size_t i = 0; i < simulated; ++i) {
    add_scaled(totals.run, steps[i], 1.0);
    add_scaled(run_layers, step_layers[i], 1.0);
  }
  const double rest = std::max(0.0, run_steps - static_cast<double>(simulated));
  add_scaled(totals.run, steps.back(), rest);
  add_scaled(run_layers, step_layers.back(), rest);
  totals.co2e_kg = co2e_kg(totals.run.energy_j, pue, grid.mean(0.0, totals.run.time_s));
  totals.steps = run_steps;
  return totals;
}

RunTotals scheduled_run(StepSimulator& sim, const StepProgram& program,
                        const std::vector<ScheduleSegment>& schedule, const GridIntensity& grid, double pue,
                        LayerEnergy& run_layers) {
  RunTotals totals;
  std::vector<std::pair<int, std::pair<StepRecord, LayerEnergy>>> per_clock;
  for (const ScheduleSegment& seg : schedule) {
    auto it =
        std::find_if(per_clock.begin(), per_clock.end(), [&](const auto& p) { return p.first == seg.clock; });
    if (it == per_clock.end()) {
      check_stop();
      sim.reset(ClockPlan::uniform(program.tasks.size(), static_cast<std::size_t>(program.gpus),
                                   static_cast<ClockIndex>(seg.clock)));
      LayerEnergy layers;
      const StepRecord r = sim.run_step({.layers = &layers});
      per_clock.push_back({seg.clock, {r, layers}});
      it = per_clock.end() - 1;
    }
    StepRecord part;
    add_scaled(part, it->second.first, seg.steps);
    add_scaled(totals.run, part, 1.0);
    add_scaled(run_layers, it->second.second, seg.steps);
    totals.co2e_kg += co2e_kg(part.energy_j, pue, grid.mean(seg.t0_s, seg.t1_s));
    totals.steps += seg.steps;
  }
  totals.run.time_s = schedule.back().t1_s;
  return totals;
}

namespace {

// Energy proportionality (Barroso & Hölzle 2007): a cluster serving a fraction L of its capacity runs
// this job L of the time and idles the rest at the policy's wait clock, so P(L) = P_idle + L·(P_run −
// P_idle), and the figure 1 − P_idle/P_run is 1 for a perfectly proportional cluster.
void summarise_proportionality(const StepProgram& program, const GpuModel& gpu, const ClockPlan& plan,
                               const ClusterPower& cluster, double useful_flops_per_s, RunMetrics& m) {
  double gpus_idle_w = 0;
  for (std::size_t g = 0; g < plan.wait_clock.size(); ++g)
    gpus_idle_w +=
        program.gpu_multiplicity[g] * gpu.power().wait(gpu.profile().clock_at(plan.wait_clock[g])).total_w;
  // Idle nodes: their GPUs waiting, host, switches and fans, through the power supplies.
  const double node_gpus_idle_w = gpus_idle_w / program.total_gpus * cluster.gpus_per_node;
  const double idle_w = cluster.nodes > 0 ? cluster.nodes * cluster.node.draw(node_gpus_idle_w).wall_w +
                                                cluster.fabric_switches_w
                                          : gpus_idle_w + cluster.fabric_switches_w;
  const double run_w = m.avg_power_w;
  auto joules_per_pflop = [&](double load) {
    return useful_flops_per_s > 0 ? (idle_w + load * (run_w - idle_w)) / (load * useful_flops_per_s) * 1e15
                                  : 0.0;
  };
  m.idle_power_w = idle_w;
  m.energy_proportionality = run_w > 0 ? 1.0 - idle_w / run_w : 0.0;
  m.joules_per_useful_pflop_at_25pct_load = joules_per_pflop(0.25);
  m.joules_per_useful_pflop_at_50pct_load = joules_per_pflop(0.5);
  m.joules_per_useful_pflop_at_full_load = joules_per_pflop(1.0);
}

}  // namespace

RunMetrics summarise(const Scenario& s, const StepProgram& program, const GpuModel& gpu,
                     const std::vector<StepRecord>& steps, const ClockPlan& plan, const RunTotals& totals,
                     const ClusterPower& cluster) {
  const StepRecord& steady = steps.back();
  const StepRecord& run = totals.run;
  const double gpus = program.total_gpus;
  const double peak_flops = gpu.profile().tensor_peak_flops[static_cast<std::size_t>(s.precision)];
  const double gpu_energy_step = steady.gpu_busy_j + steady.gpu_wait_j + steady.memory_j;
  const double per_second = steady.time_s > 0 ? 1.0 / steady.time_s : 0.0;
  RunMetrics m;
  m.step_time_s = steady.time_s;
  m.energy_per_step_j = steady.energy_j;
  m.steps_simulated = static_cast<double>(steps.size());
  m.steps_total = totals.steps;
  m.run_time_s = run.time_s;
  m.energy_j = run.energy_j;
  m.energy_gpu_busy_j = run.gpu_busy_j;
  m.energy_gpu_wait_j = run.gpu_wait_j;
  m.energy_memory_j = run.memory_j;
  m.energy_network_j = run.network_j;
  m.energy_host_j = run.host_j;
  m.energy_fans_j = run.fans_j;
  m.energy_psu_loss_j = run.psu_loss_j;
  m.facility_energy_j = run.energy_j * s.pue;
  m.avg_power_w = steady.avg_power_w;
  m.avg_gpu_power_w = steady.time_s > 0 ? gpu_energy_step / (steady.time_s * program.total_gpus) : 0.0;
  for (const StepRecord& st : steps) {
    m.peak_gpu_power_w = std::max(m.peak_gpu_power_w, st.peak_gpu_power_w);
    m.peak_window_power_w = std::max(m.peak_window_power_w, st.peak_window_power_w);
    m.peak_node_power_w = std::max(m.peak_node_power_w, st.peak_node_power_w);
  }
  m.avg_node_power_w = steady.avg_node_power_w;
  // The GPUs' share of the nodes' wall energy (NVLink bytes and fabric switches aside).
  const double node_j = gpu_energy_step + steady.host_j + steady.fans_j + steady.psu_loss_j;
  m.gpu_share_of_node_energy = steady.host_j > 0 || steady.psu_loss_j > 0 ? gpu_energy_step / node_j : 1.0;
  m.gpu_hours = run.time_s * program.total_gpus / 3600.0;
  m.mfu = program.model_flops_per_step * per_second / (gpus * peak_flops);
  m.hardware_tflops_per_gpu = program.executed_gemm_flops_per_step * per_second / program.total_gpus / 1e12;
  m.tflops_per_gpu = program.model_flops_per_step * per_second / program.total_gpus / 1e12;
  m.samples_per_s = program.samples_per_step * per_second;
  m.tokens_per_s = program.tokens_per_step * per_second;
  m.energy_per_sample_j = steady.energy_j / program.samples_per_step;
  m.edp_j_s = run.energy_j * run.time_s;
  m.step_edp_j_s = steady.energy_j * steady.time_s;
  m.co2e_kg = totals.co2e_kg;
  m.pue = s.pue;
  m.carbon_intensity_g_per_kwh =
      run.energy_j > 0 ? totals.co2e_kg * 1e3 / (run.energy_j * s.pue / 3.6e6) : s.carbon_g_per_kwh;
  summarise_proportionality(program, gpu, plan, cluster, program.model_flops_per_step * per_second, m);
  m.global_batch = s.global_batch;
  m.micro_batch = s.micro_batch;
  m.tp = s.plan.tp;
  m.pp = s.plan.pp;
  m.dp = s.plan.dp / s.plan.cp;  // replicas of the batch
  m.zero_stage = s.plan.zero_stage;
  m.events_per_step = static_cast<double>(steady.events);
  m.clock_changes_per_step = static_cast<double>(steady.clock_changes);
  if (s.model.dataset_samples > 0)
    m.energy_per_epoch_j = steady.energy_j / program.samples_per_step * s.model.dataset_samples;
  if (const double target_steps = s.model.steps_to_target(s.global_batch); target_steps > 0) {
    m.steps_to_target = target_steps;  // energy to the target loss: S(B) steps at the steady step's energy
    m.energy_to_accuracy_j = target_steps * steady.energy_j;
  }
  return m;
}

}  // namespace wattsim
