#include "run/runner.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "hardware/gpu_model.hpp"
#include "run/interrupt.hpp"
#include "run/step_simulator.hpp"
#include "workload/model_family.hpp"

namespace wattsim {

double PolicyResult::metric(const std::string& metric_name) const {
  for (const Metric& m : summary)
    if (m.name == metric_name) return m.value;
  throw std::out_of_range("no metric " + metric_name);
}

StepProgram build_step_program(const Scenario& s) {
  const ModelFamily* family = ModelFamilyRegistry::instance().find(s.model.family);
  if (!family) throw std::invalid_argument("unknown model family " + s.model.family);
  return build_step(family->build(s.model, microbatch_shape(s)), s.plan);
}

Topology build_cluster_topology(const Scenario& s) {
  return build_topology(s.node, s.gpu, s.nodes, s.fabric, s.fabric_choice);
}

namespace {

std::vector<Metric> summarise(const Scenario& s, const StepProgram& program, const GpuModel& gpu,
                              const std::vector<StepRecord>& steps, const ClockPlan& plan) {
  const StepRecord& steady = steps.back();
  const double total = s.total_steps;
  const std::size_t simulated = std::min<std::size_t>(steps.size(), static_cast<std::size_t>(total));
  StepRecord run;  // simulated steps as simulated, the rest at the steady state
  for (std::size_t i = 0; i < simulated; ++i) {
    run.time_s += steps[i].time_s;
    run.energy_j += steps[i].energy_j;
    run.gpu_busy_j += steps[i].gpu_busy_j;
    run.gpu_wait_j += steps[i].gpu_wait_j;
    run.memory_j += steps[i].memory_j;
    run.network_j += steps[i].network_j;
    run.host_j += steps[i].host_j;
  }
  const double rest = std::max(0.0, total - static_cast<double>(simulated));
  run.time_s += rest * steady.time_s;
  run.energy_j += rest * steady.energy_j;
  run.gpu_busy_j += rest * steady.gpu_busy_j;
  run.gpu_wait_j += rest * steady.gpu_wait_j;
  run.memory_j += rest * steady.memory_j;
  run.network_j += rest * steady.network_j;
  run.host_j += rest * steady.host_j;

  double peak = 0;
  for (const auto& st : steps) peak = std::max(peak, st.peak_gpu_power_w);
  const double kwh = run.energy_j / 3.6e6;
  const double peak_flops = gpu.profile().tensor_peak_flops[static_cast<std::size_t>(s.precision)];
  const double gpu_energy_step = steady.gpu_busy_j + steady.gpu_wait_j + steady.memory_j;
  std::vector<Metric> m = {
      {"step_time_s", steady.time_s},
      {"energy_per_step_j", steady.energy_j},
      {"steps_simulated", static_cast<double>(steps.size())},
      {"steps_total", total},
      {"run_time_s", run.time_s},
      {"energy_j", run.energy_j},
      {"energy_gpu_busy_j", run.gpu_busy_j},
      {"energy_gpu_wait_j", run.gpu_wait_j},
      {"energy_memory_j", run.memory_j},
      {"energy_network_j", run.network_j},
      {"energy_host_j", run.host_j},
      {"facility_energy_j", run.energy_j * s.pue},
      {"avg_power_w", steady.avg_power_w},
      {"avg_gpu_power_w", steady.time_s > 0 ? gpu_energy_step / (steady.time_s * program.total_gpus) : 0.0},
      {"peak_gpu_power_w", peak},
      {"gpu_hours", run.time_s * program.total_gpus / 3600.0},
      {"mfu", steady.time_s > 0
                  ? program.model_flops_per_step / (steady.time_s * program.total_gpus * peak_flops)
                  : 0.0},
      {"hardware_tflops_per_gpu",
       steady.time_s > 0 ? program.executed_gemm_flops_per_step / (steady.time_s * program.total_gpus) / 1e12
                         : 0.0},
      {"tflops_per_gpu",
       steady.time_s > 0 ? program.model_flops_per_step / (steady.time_s * program.total_gpus) / 1e12 : 0.0},
      {"samples_per_s", steady.time_s > 0 ? program.samples_per_step / steady.time_s : 0.0},
      {"tokens_per_s", steady.time_s > 0 ? program.tokens_per_step / steady.time_s : 0.0},
      {"energy_per_sample_j", steady.energy_j / program.samples_per_step},
      {"co2e_kg", kwh * s.pue * s.carbon_g_per_kwh / 1000.0},
      {"pue", s.pue},
      {"carbon_intensity_g_per_kwh", s.carbon_g_per_kwh},
      {"events_per_step", static_cast<double>(steady.events)},
      {"clock_changes_per_step", static_cast<double>(steady.clock_changes)},
  };
  for (const auto& [name, value] : plan.notes) m.push_back({name, value});
  return m;
}

double percent_less(double baseline, double value) {
  return baseline > 0 ? 100.0 * (baseline - value) / baseline : 0.0;
}

}  // namespace

ScenarioSimulation::ScenarioSimulation(const Scenario& s)
    : program(build_step_program(s)),
      gpu(s.gpu, s.precision, s.power_cap_w),
      topology(build_cluster_topology(s)),
      network(topology, s.algorithm),
      sim(program, gpu, network, ClusterPower::of(s, topology), s.fidelity) {}

RunResult run_scenario(const Scenario& s) {
  ScenarioSimulation simulation(s);
  const StepProgram& program = simulation.program;
  const GpuModel& gpu = simulation.gpu;
  StepSimulator& sim = simulation.sim;
  RunResult result;
  result.labels = program.labels;
  result.tasks_per_step = program.tasks.size();
  result.gpu_rank = program.gpu_rank;
  result.gpu_multiplicity = program.gpu_multiplicity;

  auto evaluate = [&](const ClockPlan& plan) {
    check_stop();
    sim.reset(plan);
    const StepRecord r = sim.run_step(nullptr);
    return StepOutcome{seconds_to_time(r.time_s), r.energy_j};
  };
  const StepOutcome baseline = evaluate(max_clock_plan(gpu, program));
  const PlanningContext context{gpu, program, evaluate, baseline, sim.collective_times()};

  for (const PolicyChoice& choice : s.policies) {
    const ClockPlan plan = choice.policy->plan(context);
    PolicyResult pr;
    pr.name = choice.name;
    pr.trace.keep_power = pr.trace.keep_events = s.trace == TraceDetail::Full;
    sim.reset(plan);
    for (int i = 0; i < s.simulated_steps; ++i) {
      check_stop();
      pr.steps.push_back(sim.run_step(&pr.trace));
    }
    pr.summary = summarise(s, program, gpu, pr.steps, plan);
    result.policies.push_back(std::move(pr));
  }

  // No NaN or infinity may reach an output: a non-finite figure is a simulation failure, said as such.
  for (const PolicyResult& p : result.policies) {
    for (const Metric& m : p.summary)
      if (!std::isfinite(m.value))
        throw std::runtime_error("policy " + p.name + ": " + m.name + " is not finite (" +
                                 std::to_string(m.value) + ")");
    for (const StepRecord& st : p.steps)
      if (!std::isfinite(st.energy_j) || !std::isfinite(st.time_s))
        throw std::runtime_error("policy " + p.name + ": step " + std::to_string(st.step) +
                                 " has a non-finite value");
  }

  const PolicyResult& base = result.policies.front();  // static, by construction of the scenario
  for (const PolicyResult& p : result.policies) {
    ComparisonRow row;
    row.policy = p.name;
    row.energy_saving_pct = percent_less(base.metric("energy_j"), p.metric("energy_j"));
    row.time_overhead_pct = 0.0 - percent_less(base.metric("run_time_s"), p.metric("run_time_s"));
    row.co2e_saving_pct = percent_less(base.metric("co2e_kg"), p.metric("co2e_kg"));
    row.avg_power_change_pct = 0.0 - percent_less(base.metric("avg_power_w"), p.metric("avg_power_w"));
    result.comparison.push_back(row);
  }
  return result;
}

}  // namespace wattsim
