#include "run/runner.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <random>
#include <stdexcept>

#include "hardware/gpu_model.hpp"
#include "run/interrupt.hpp"
#include "run/step_simulator.hpp"
#include "util/hash.hpp"
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

// A policy's run as a whole: steady-state extrapolation of the simulated steps, or its schedule.
struct RunTotals {
  StepRecord run;  // sums over the run (time_s, energy_j and its parts)
  double co2e_kg = 0;
  double steps = 0;
};

void add_scaled(StepRecord& to, const StepRecord& r, double times) {
  to.time_s += times * r.time_s;
  to.energy_j += times * r.energy_j;
  to.gpu_busy_j += times * r.gpu_busy_j;
  to.gpu_wait_j += times * r.gpu_wait_j;
  to.memory_j += times * r.memory_j;
  to.network_j += times * r.network_j;
  to.host_j += times * r.host_j;
}

double co2e_kg_of(double joules, double pue, double g_per_kwh) {
  return joules * pue / 3.6e6 * g_per_kwh / 1e3;
}

std::vector<Metric> summarise(const Scenario& s, const StepProgram& program, const GpuModel& gpu,
                              const std::vector<StepRecord>& steps, const ClockPlan& plan,
                              const RunTotals& totals, const ClusterPower& cluster) {
  const StepRecord& steady = steps.back();
  const StepRecord& run = totals.run;
  double peak = 0;
  for (const auto& st : steps) peak = std::max(peak, st.peak_gpu_power_w);
  const double peak_flops = gpu.profile().tensor_peak_flops[static_cast<std::size_t>(s.precision)];
  const double gpu_energy_step = steady.gpu_busy_j + steady.gpu_wait_j + steady.memory_j;
  const double per_second = steady.time_s > 0 ? 1.0 / steady.time_s : 0.0;
  // Energy proportionality (Barroso & Hölzle 2007): a cluster serving a fraction L of its capacity runs
  // this job L of the time and idles the rest at the policy's wait clock, so P(L) = P_idle + L·(P_run −
  // P_idle), and the figure 1 − P_idle/P_run is 1 for a perfectly proportional cluster.
  double idle_w = cluster.host_w + cluster.switches_w;
  for (std::size_t g = 0; g < plan.wait_clock.size(); ++g)
    idle_w += program.gpu_multiplicity[g] *
              gpu.power().wait(gpu.profile().clock_at_step(plan.wait_clock[g])).total_w;
  const double run_w = steady.avg_power_w;
  const double useful_flops = program.model_flops_per_step * per_second;
  auto joules_per_pflop = [&](double load) {
    return useful_flops > 0 ? (idle_w + load * (run_w - idle_w)) / (load * useful_flops) * 1e15 : 0.0;
  };
  const double target_steps = s.model.steps_to_target(s.global_batch);
  std::vector<Metric> m = {
      {"step_time_s", steady.time_s},
      {"energy_per_step_j", steady.energy_j},
      {"steps_simulated", static_cast<double>(steps.size())},
      {"steps_total", totals.steps},
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
      {"mfu", program.model_flops_per_step * per_second / (program.total_gpus * peak_flops)},
      {"hardware_tflops_per_gpu",
       program.executed_gemm_flops_per_step * per_second / program.total_gpus / 1e12},
      {"tflops_per_gpu", program.model_flops_per_step * per_second / program.total_gpus / 1e12},
      {"samples_per_s", program.samples_per_step * per_second},
      {"tokens_per_s", program.tokens_per_step * per_second},
      {"energy_per_sample_j", steady.energy_j / program.samples_per_step},
      {"edp_j_s", run.energy_j * run.time_s},
      {"step_edp_j_s", steady.energy_j * steady.time_s},
      {"co2e_kg", totals.co2e_kg},
      {"pue", s.pue},
      {"carbon_intensity_g_per_kwh",
       run.energy_j > 0 ? totals.co2e_kg * 1e3 / (run.energy_j * s.pue / 3.6e6) : s.carbon_g_per_kwh},
      {"idle_power_w", idle_w},
      {"energy_proportionality", run_w > 0 ? 1.0 - idle_w / run_w : 0.0},
      {"joules_per_useful_pflop_at_25pct_load", joules_per_pflop(0.25)},
      {"joules_per_useful_pflop_at_50pct_load", joules_per_pflop(0.5)},
      {"joules_per_useful_pflop_at_full_load", joules_per_pflop(1.0)},
      {"global_batch", static_cast<double>(s.global_batch)},
      {"micro_batch", static_cast<double>(s.micro_batch)},
      {"tp", static_cast<double>(s.plan.tp)},
      {"pp", static_cast<double>(s.plan.pp)},
      {"dp", static_cast<double>(s.plan.dp)},
      {"zero_stage", static_cast<double>(s.plan.zero_stage)},
      {"events_per_step", static_cast<double>(steady.events)},
      {"clock_changes_per_step", static_cast<double>(steady.clock_changes)},
  };
  if (s.model.dataset_samples > 0)
    m.push_back({"energy_per_epoch_j", steady.energy_j / program.samples_per_step * s.model.dataset_samples});
  if (target_steps > 0) {  // energy to the target loss: S(B) steps at the steady step's energy
    m.push_back({"steps_to_target", target_steps});
    m.push_back({"energy_to_accuracy_j", target_steps * steady.energy_j});
  }
  for (const auto& [name, value] : plan.notes) m.push_back({name, value});
  return m;
}

double percent_less(double baseline, double value) {
  return baseline > 0 ? 100.0 * (baseline - value) / baseline : 0.0;
}

StepOutcome simulate_one(StepSimulator& sim, const ClockPlan& plan) {
  check_stop();
  sim.reset(plan);
  const StepRecord r = sim.run_step(nullptr);
  return StepOutcome{seconds_to_time(r.time_s), r.energy_j};
}

void add_scaled(LayerEnergy& to, const LayerEnergy& l, double times) {
  to.resize(l.size(), 0.0);
  for (std::size_t k = 0; k < l.size(); ++k) to[k] += times * l[k];
}

// A run of back-to-back steps from t = 0: the simulated steps as simulated, the rest as the last one.
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
  totals.co2e_kg = co2e_kg_of(totals.run.energy_j, pue, grid.mean(0.0, totals.run.time_s));
  totals.steps = run_steps;
  return totals;
}

// A run laid out by a schedule: each segment's steps at its clock's steady step (one simulated step per
// distinct clock), paused segments drawing nothing, wall time to the end of the last segment.
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
                                   static_cast<ClockStep>(seg.clock)));
      LayerEnergy layers;
      const StepRecord r = sim.run_step(nullptr, &layers);
      per_clock.push_back({seg.clock, {r, layers}});
      it = per_clock.end() - 1;
    }
    StepRecord part;
    add_scaled(part, it->second.first, seg.steps);
    add_scaled(totals.run, part, 1.0);
    add_scaled(run_layers, it->second.second, seg.steps);
    totals.co2e_kg += co2e_kg_of(part.energy_j, pue, grid.mean(seg.t0_s, seg.t1_s));
    totals.steps += seg.steps;
  }
  totals.run.time_s = schedule.back().t1_s;
  return totals;
}

}  // namespace

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

std::string apply_configuration(Scenario& s, const Configuration& c) {
  s.global_batch = c.global_batch;
  s.micro_batch = c.micro_batch;
  s.plan.tp = c.tp;
  s.plan.pp = c.pp;
  s.plan.dp = c.dp;
  s.plan.zero_stage = c.zero_stage;
  if (c.tp < 2) s.sequence_parallel = false;
  if (c.pp < 2 && s.plan.schedule == PipelineSchedule::Interleaved) {
    s.plan.schedule = PipelineSchedule::OneFOneB;
    s.plan.virtual_stages = 1;
  }
  if (!s.plan.symmetric && c.zero_stage == 3) return "ZeRO-3 is simulated with symmetric replicas only";
  return check_configuration(s);
}

ScenarioSimulation::ScenarioSimulation(const Scenario& s)
    : program(build_step_program(s)),
      gpu(s.gpu, s.precision, s.power_cap_w),
      topology(build_cluster_topology(s)),
      network(topology, s.algorithm),
      sim(program, gpu, network, ClusterPower::of(s, topology), s.fidelity),
      variation(build_variation(s, program)) {
  sim.set_variation(variation);
  for (const GpuVariation& v : variation) steady_time_factor.push_back(v.time_factor * v.straggler_factor);
}

RunResult run_scenario(const Scenario& s) {
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

  // Batch and layout candidates of the adaptive policies, each built and simulated once.
  std::vector<std::pair<Configuration, ConfigurationOutcome>> tried;
  ConfigurationContext configurations{configuration_of(s), s.node.gpus_per_node, {}};
  configurations.evaluate = [&](const Configuration& c) {
    for (const auto& [k, v] : tried)
      if (k == c) return v;
    ConfigurationOutcome o;
    Scenario variant = s;
    o.why = apply_configuration(variant, c);
    o.feasible = o.why.empty();
    if (o.feasible) {
      ScenarioSimulation sim(variant);
      o.step = simulate_one(sim.sim, max_clock_plan(sim.gpu, sim.program));
      o.steps_to_target = s.model.steps_to_target(c.global_batch);
    }
    tried.emplace_back(c, o);
    return o;
  };

  const StepOutcome base_outcome = simulate_one(base.sim, max_clock_plan(base.gpu, base.program));
  for (const PolicyChoice& choice : s.policies) {
    const Policy& policy = *choice.policy;
    // A policy that chooses another batch or layout runs on a scenario and simulation of its own.
    std::unique_ptr<Scenario> adapted;
    std::unique_ptr<ScenarioSimulation> adapted_simulation;
    double run_steps = s.total_steps;
    if (const std::optional<Configuration> c = policy.configure(configurations);
        c && *c != configurations.current) {
      adapted = std::make_unique<Scenario>(s);
      const std::string why = apply_configuration(*adapted, *c);
      if (!why.empty())
        throw std::logic_error("policy " + choice.name + " chose an infeasible layout: " + why);
      adapted_simulation = std::make_unique<ScenarioSimulation>(*adapted);
      // The same training goal: as far in loss when the convergence model is known, else as many samples.
      const double before = s.model.steps_to_target(s.global_batch);
      const double after = s.model.steps_to_target(c->global_batch);
      run_steps *= before > 0 ? after / before
                              : static_cast<double>(s.global_batch) / static_cast<double>(c->global_batch);
    }
    const Scenario& ps = adapted ? *adapted : s;
    ScenarioSimulation& simulation = adapted_simulation ? *adapted_simulation : base;
    StepSimulator& sim = simulation.sim;
    auto evaluate = [&](const ClockPlan& plan) { return simulate_one(sim, plan); };
    const StepOutcome baseline =
        adapted_simulation ? evaluate(max_clock_plan(simulation.gpu, simulation.program)) : base_outcome;
    const PlanningContext context{simulation.gpu, simulation.program,     evaluate,
                                  baseline,       sim.collective_times(), simulation.steady_time_factor};
    ClockPlan plan = policy.plan(context);
    auto uniform = [&](ClockStep f) {
      return ClockPlan::uniform(simulation.program.tasks.size(),
                                static_cast<std::size_t>(simulation.program.gpus), f);
    };
    const ScheduleContext schedule_context{
        &grid,
        ps.pue,
        run_steps,
        result.policies.empty() ? 0.0 : result.policies.front().metric("run_time_s"),
        simulation.gpu.profile().clock_steps(),
        [&](ClockStep f) { return evaluate(uniform(f)); }};
    PolicyResult pr;
    pr.name = choice.name;
    pr.schedule = policy.schedule(schedule_context);
    if (!pr.schedule.empty()) {  // the traced steps run at the clock the schedule uses most
      const auto most = std::max_element(pr.schedule.begin(), pr.schedule.end(),
                                         [](const auto& a, const auto& b) { return a.steps < b.steps; });
      const std::vector<std::pair<std::string, double>> notes = plan.notes;
      plan = uniform(static_cast<ClockStep>(most->clock));
      plan.notes = notes;
    }
    pr.trace.keep_power = pr.trace.keep_events = ps.trace == TraceDetail::Full;
    pr.layer_names = simulation.program.layer_names;
    sim.reset(plan);
    std::vector<LayerEnergy> step_layers(static_cast<std::size_t>(ps.simulated_steps));
    for (int i = 0; i < ps.simulated_steps; ++i) {
      check_stop();
      pr.steps.push_back(sim.run_step(&pr.trace, &step_layers[static_cast<std::size_t>(i)]));
    }
    pr.fingerprint = sim.fingerprint();
    pr.layer_step_j = step_layers.back();
    const RunTotals totals =
        pr.schedule.empty()
            ? extrapolated_run(pr.steps, step_layers, run_steps, grid, ps.pue, pr.layer_run_j)
            : scheduled_run(sim, simulation.program, pr.schedule, grid, ps.pue, pr.layer_run_j);
    pr.summary = summarise(ps, simulation.program, simulation.gpu, pr.steps, plan, totals,
                           ClusterPower::of(ps, simulation.topology));
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

  const PolicyResult& base_result = result.policies.front();  // static, by construction of the scenario
  const bool has_e2a = s.model.steps_to_target(s.global_batch) > 0;
  for (const PolicyResult& p : result.policies) {
    ComparisonRow row;
    row.policy = p.name;
    row.energy_saving_pct = percent_less(base_result.metric("energy_j"), p.metric("energy_j"));
    row.time_overhead_pct = 0.0 - percent_less(base_result.metric("run_time_s"), p.metric("run_time_s"));
    row.co2e_saving_pct = percent_less(base_result.metric("co2e_kg"), p.metric("co2e_kg"));
    row.avg_power_change_pct = 0.0 - percent_less(base_result.metric("avg_power_w"), p.metric("avg_power_w"));
    row.e2a_improvement_pct =
        has_e2a ? percent_less(base_result.metric("energy_to_accuracy_j"), p.metric("energy_to_accuracy_j"))
                : std::numeric_limits<double>::quiet_NaN();
    result.comparison.push_back(row);
  }
  return result;
}

}  // namespace wattsim
