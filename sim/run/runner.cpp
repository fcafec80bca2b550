#include "run/runner.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>

#include "config/scenario_rules.hpp"
#include "energy/grid_intensity.hpp"
#include "run/run_summary.hpp"
#include "util/hash.hpp"
#include "util/interrupt.hpp"
#include "workload/model_family.hpp"

namespace wattsim {

StepProgram build_step_program(const Scenario& s) {
  const ModelFamily* family = ModelFamilyRegistry::instance().find(s.model.family);
  if (!family) throw std::invalid_argument("unknown model family " + s.model.family);
  StepProgram program = build_step(family->build(s.model, microbatch_shape(s)), s.plan);
  program.host_launch = seconds_to_time(s.launch_s);
  if (s.input_rate > 0)  // one node's share of the step's samples, through its own input pipeline
    program.input_time =
        seconds_to_time(program.samples_per_step * s.gpus_per_node_used / program.total_gpus / s.input_rate);
  return program;
}

Topology build_cluster_topology(const Scenario& s) {
  return build_topology(s.node, s.gpu, s.nodes, s.fabric, s.fabric_choice);
}

ClusterPower cluster_power(const Scenario& s, const Topology& topology) {
  ClusterPower c;
  c.node = NodePower(s.node, s.gpus_per_node_used, s.power_cap_w > 0 ? s.power_cap_w : s.gpu.tdp_w);
  c.nodes = static_cast<double>(s.gpus_per_node_used) / s.node.gpus_per_node * s.nodes;
  c.gpus_per_node = s.node.gpus_per_node;
  c.fabric_switches_w = topology.switch_power_w();
  return c;
}

std::vector<GpuVariation> build_variation(const Scenario& s, const StepProgram& program) {
  if (s.speed_spread <= 0 && s.power_spread <= 0 && s.stragglers.empty()) return {};
  std::vector<GpuVariation> v(static_cast<std::size_t>(program.gpus));
  for (std::size_t g = 0; g < v.size(); ++g) {
    const int rank = program.gpu_rank[g];
    // One random stream per GPU rank, so a GPU's chip is the same whatever else the scenario changes.
    std::mt19937_64 rng(hash_mix(s.seed, static_cast<std::uint64_t>(rank)));
    std::normal_distribution<double> normal(0.0, 1.0);
    const double z_time = normal(rng), z_power = normal(rng);
    v[g].time_factor = std::clamp(1.0 + s.speed_spread * z_time, 0.5, 2.0);
    v[g].power_factor = std::clamp(1.0 + s.power_spread * z_power, 0.5, 2.0);
    for (const Straggler& st : s.stragglers)
      if (st.gpu == rank) {
        v[g].straggler_factor = st.slowdown;
        v[g].straggler_from_step = st.from_step;
      }
  }
  return v;
}

Configuration configuration_of(const Scenario& s) {
  return {s.global_batch, s.micro_batch, s.plan.tp, s.plan.pp, s.plan.dp, s.plan.zero_stage};
}

double PolicyResult::note(std::string_view wanted) const {
  for (const auto& [name, value] : notes)
    if (name == wanted) return value;
  throw std::out_of_range("policy " + this->name + " reports no " + std::string(wanted));
}

ScenarioSimulation::ScenarioSimulation(const Scenario& s)
    : program(build_step_program(s)),
      gpu(s.gpu, s.precision, s.power_cap_w),
      topology(build_cluster_topology(s)),
      network(topology, s.algorithm, s.collective_jitter_s),
      sim(program, gpu, network, cluster_power(s, topology), s.network_backend),
      variation(build_variation(s, program)) {
  sim.set_variation(variation);
  for (const GpuVariation& v : variation) steady_time_factor.push_back(v.time_factor * v.straggler_factor);
}

std::unique_ptr<Policy> instantiate(const PolicySpec& spec, const GpuProfile& gpu) {
  const PolicyInfo* info = PolicyRegistry::instance().find(spec.name);
  if (!info) throw std::invalid_argument("unknown policy " + spec.name);
  return info->make(spec.parameters, gpu);
}

Issues check_policies(const Scenario& s) {
  Issues issues;
  for (const PolicySpec& spec : s.policies) {
    const PolicyInfo* info = PolicyRegistry::instance().find(spec.name);
    if (!info || !info->check) continue;
    Issues found;
    info->check(spec.parameters, s.gpu, found);
    for (Issue& i : found) issues.push_back({"policies." + spec.name + "." + i.path, std::move(i.message)});
  }
  return issues;
}

namespace {

// A plan's outcome is its last simulated step, as the run reports it: the power controller carries its
// state from step to step, so the first step from a reset is not yet the steady one.
StepOutcome simulate_plan(StepSimulator& sim, const ClockPlan& plan, int steps) {
  check_stop();
  sim.reset(plan);
  StepRecord r;
  for (int i = 0; i < steps; ++i) r = sim.run_step();
  return StepOutcome{seconds_to_time(r.time_s), r.energy_j};
}

// The batch and layout candidates of the adaptive policies, each built and simulated (one step at static
// clocks) once, whichever policy asks.
class ConfigurationCache {
 public:
  explicit ConfigurationCache(const Scenario& s) : scenario_(&s) {}

  ConfigurationOutcome evaluate(const Configuration& c) {
    for (const auto& [tried, outcome] : tried_)
      if (tried == c) return outcome;
    ConfigurationOutcome o;
    Scenario variant = *scenario_;
    o.why = apply_configuration(variant, c);
    o.feasible = o.why.empty();
    if (o.feasible) {
      ScenarioSimulation sim(variant);
      o.step = simulate_plan(sim.sim, max_clock_plan(sim.gpu, sim.program), variant.simulated_steps);
      o.steps_to_target = scenario_->model.steps_to_target(c.global_batch);
    }
    tried_.emplace_back(c, o);
    return o;
  }

 private:
  const Scenario* scenario_;
  std::vector<std::pair<Configuration, ConfigurationOutcome>> tried_;
};

// A policy that chose another batch or layout runs on a scenario and a simulation of its own.
struct AdaptedRun {
  std::unique_ptr<Scenario> scenario;
  std::unique_ptr<ScenarioSimulation> simulation;
  double run_steps = 0;
};

AdaptedRun adapt(const Scenario& s, const std::string& policy, const Configuration& c) {
  AdaptedRun a;
  a.scenario = std::make_unique<Scenario>(s);
  const Issues why = apply_configuration(*a.scenario, c);
  if (!why.empty())
    throw std::logic_error("policy " + policy + " chose an infeasible layout: " + why.front().message);
  a.simulation = std::make_unique<ScenarioSimulation>(*a.scenario);
  // The same training goal: as far in loss when the convergence model is known, else as many samples.
  const double before = s.model.steps_to_target(s.global_batch);
  const double after = s.model.steps_to_target(c.global_batch);
  a.run_steps =
      s.total_steps * (before > 0 ? after / before : static_cast<double>(s.global_batch) / c.global_batch);
  return a;
}

// What every policy's run shares.
struct RunContext {
  const Scenario& scenario;
  ScenarioSimulation& base;
  StepOutcome base_outcome;
  std::vector<ClockIndex> base_ceiling;  // the controller's, per kernel task, in the static step
  ConfigurationCache& configurations;
  const GridIntensity& grid;
  OutputSink& sink;
  double static_run_time_s = 0;  // known once static has run
};

ClockPlan uniform_plan(const StepProgram& program, ClockIndex clock) {
  return ClockPlan::uniform(program.tasks.size(), static_cast<std::size_t>(program.gpus), clock);
}

// The traced steps of a scheduled run are simulated at the clock its schedule uses most.
ClockPlan traced_plan_of_schedule(const StepProgram& program, const std::vector<ScheduleSegment>& schedule,
                                  ClockPlan plan) {
  const auto most = std::max_element(schedule.begin(), schedule.end(),
                                     [](const auto& a, const auto& b) { return a.steps < b.steps; });
  ClockPlan traced = uniform_plan(program, static_cast<ClockIndex>(most->clock));
  traced.notes = std::move(plan.notes);
  return traced;
}

PolicyResult run_policy(const PolicySpec& spec, RunContext& run) {
  const Scenario& s = run.scenario;
  const std::unique_ptr<Policy> policy = instantiate(spec, s.gpu);
  ConfigurationContext configurations{configuration_of(s), s.node.gpus_per_node, {}};
  configurations.evaluate = [&](const Configuration& c) { return run.configurations.evaluate(c); };
  AdaptedRun adapted;
  if (const std::optional<Configuration> c = policy->configure(configurations);
      c && *c != configurations.current)
    adapted = adapt(s, spec.name, *c);
  const Scenario& ps = adapted.scenario ? *adapted.scenario : s;
  ScenarioSimulation& simulation = adapted.simulation ? *adapted.simulation : run.base;
  const double run_steps = adapted.scenario ? adapted.run_steps : s.total_steps;
  StepSimulator& sim = simulation.sim;

  auto evaluate = [&](const ClockPlan& plan) { return simulate_plan(sim, plan, ps.simulated_steps); };
  StepOutcome baseline = run.base_outcome;
  std::vector<ClockIndex> ceiling;
  if (adapted.simulation) {
    baseline = evaluate(max_clock_plan(simulation.gpu, simulation.program));
    ceiling.assign(sim.kernel_ceilings().begin(), sim.kernel_ceilings().end());
  }
  const PlanningContext planning{simulation.gpu,
                                 simulation.program,
                                 evaluate,
                                 baseline,
                                 sim.collective_times(),
                                 simulation.steady_time_factor,
                                 adapted.simulation ? ceiling : run.base_ceiling};
  ClockPlan plan = policy->plan(planning);
  const ScheduleContext scheduling{
      &run.grid,
      ps.pue,
      run_steps,
      run.static_run_time_s,
      simulation.gpu.profile().clock_count(),
      [&](ClockIndex f) { return evaluate(uniform_plan(simulation.program, f)); }};

  PolicyResult result;
  result.name = spec.name;
  result.schedule = policy->schedule(scheduling);
  if (!result.schedule.empty()) plan = traced_plan_of_schedule(simulation.program, result.schedule, plan);
  result.notes = plan.notes;
  result.layer_names = simulation.program.layer_names;

  run.sink.begin_policy(spec.name);
  OutputSink* trace = ps.trace == TraceDetail::Full && run.sink.wants_trace() ? &run.sink : nullptr;
  sim.reset(plan);
  std::vector<LayerEnergy> step_layers(static_cast<std::size_t>(ps.simulated_steps));
  for (int i = 0; i < ps.simulated_steps; ++i) {
    check_stop();
    result.steps.push_back(sim.run_step(
        {.trace = trace, .layers = &step_layers[static_cast<std::size_t>(i)], .fingerprint = true}));
  }
  result.fingerprint = sim.fingerprint();
  result.layer_step_j = step_layers.back();
  const RunTotals totals =
      result.schedule.empty()
          ? extrapolated_run(result.steps, step_layers, run_steps, run.grid, ps.pue, result.layer_run_j)
          : scheduled_run(sim, simulation.program, result.schedule, run.grid, ps.pue, result.layer_run_j);
  result.metrics = summarise(ps, simulation.program, simulation.gpu, result.steps, plan, totals,
                             cluster_power(ps, simulation.topology));
  return result;
}

// No NaN or infinity may reach an output: a non-finite figure is a simulation failure, said as such.
void check_finite(const PolicyResult& p) {
  for (const MetricField& f : metric_fields())
    if (const std::optional<double> v = f.get(p.metrics); v && !std::isfinite(*v))
      throw std::runtime_error("policy " + p.name + ": " + std::string(f.name) + " is not finite (" +
                               std::to_string(*v) + ")");
  for (const auto& [name, value] : p.notes)
    if (!std::isfinite(value))
      throw std::runtime_error("policy " + p.name + ": " + name + " is not finite (" + std::to_string(value) +
                               ")");
  for (const StepRecord& st : p.steps)
    if (!std::isfinite(st.energy_j) || !std::isfinite(st.time_s))
      throw std::runtime_error("policy " + p.name + ": step " + std::to_string(st.step) +
                               " has a non-finite value");
}

double percent_less(double baseline, double value) {
  return baseline > 0 ? 100.0 * (baseline - value) / baseline : 0.0;
}

// Every policy against static allocation (the first).
std::vector<ComparisonRow> compare(const std::vector<PolicyResult>& policies) {
  const RunMetrics& base = policies.front().metrics;
  std::vector<ComparisonRow> rows;
  for (const PolicyResult& p : policies) {
    const RunMetrics& m = p.metrics;
    ComparisonRow row;
    row.policy = p.name;
    row.energy_saving_pct = percent_less(base.energy_j, m.energy_j);
    row.time_overhead_pct = 0.0 - percent_less(base.run_time_s, m.run_time_s);
    row.co2e_saving_pct = percent_less(base.co2e_kg, m.co2e_kg);
    row.avg_power_change_pct = 0.0 - percent_less(base.avg_power_w, m.avg_power_w);
    if (base.energy_to_accuracy_j && m.energy_to_accuracy_j)
      row.e2a_improvement_pct = percent_less(*base.energy_to_accuracy_j, *m.energy_to_accuracy_j);
    rows.push_back(row);
  }
  return rows;
}

}  // namespace

RunResult run_scenario(const Scenario& s, OutputSink& sink) {
  ScenarioSimulation base(s);
  RunResult result;
  result.labels = base.program.labels;
  result.tasks_per_step = base.program.tasks.size();
  result.gpu_rank = base.program.gpu_rank;
  result.gpu_multiplicity = base.program.gpu_multiplicity;
  const GridIntensity grid =
      s.carbon_series.time_s.empty()
          ? GridIntensity(s.carbon_g_per_kwh)
          : GridIntensity(s.carbon_series.time_s, s.carbon_series.value, s.carbon_g_per_kwh);
  ConfigurationCache configurations(s);
  const StepOutcome base_outcome =
      simulate_plan(base.sim, max_clock_plan(base.gpu, base.program), s.simulated_steps);
  std::vector<ClockIndex> base_ceiling(base.sim.kernel_ceilings().begin(), base.sim.kernel_ceilings().end());
  RunContext run{s, base, base_outcome, std::move(base_ceiling), configurations, grid, sink};
  for (const PolicySpec& spec : s.policies) {
    PolicyResult p = run_policy(spec, run);
    check_finite(p);
    if (result.policies.empty()) run.static_run_time_s = p.metrics.run_time_s;
    sink.end_policy(p);
    result.policies.push_back(std::move(p));
  }
  result.comparison = compare(result.policies);
  sink.end_run(result);
  return result;
}

}  // namespace wattsim
