// Energy-proportional policies: the properties each promises (budgets, orderings, closed forms) and the
// exactness of the searches against brute force.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>

#include "config/scenario_rules.hpp"
#include "energy/grid_intensity.hpp"
#include "policy/kernel_dvfs.hpp"
#include "run/runner.hpp"
#include "test_support.hpp"

namespace wattsim {
namespace {

// A 2-stage pipeline of 2 data-parallel replicas (4 H100s, 4 microbatches): bubbles, a gradient
// reduction, and TP-free blocks.
std::string pipeline_yaml(const std::string& extra) {
  auto unless_given = [&](const std::string& key, const std::string& line) {
    return extra.find(key + ":") == std::string::npos ? line : "";
  };
  return test::tiny_gpt_yaml(4, unless_given("parallelism", "parallelism: {pp: 2, dp: 2}\n") +
                                    unless_given("training", "training: {steps: 100, simulated_steps: 1}\n") +
                                    extra);
}

// The same layout with a model large enough that kernels outlast clock transitions (milliseconds).
std::string larger_pipeline_yaml(const std::string& extra, const std::string& hardware_options = "") {
  return "name: larger\nhardware: {gpu: H100-SXM5-80GB, gpus: 4" + hardware_options +
         "}\n"
         "workload:\n  model: {family: gpt, layers: 4, hidden: 4096, heads: 32, vocab: 32000, seq_len: "
         "2048}\n"
         "  global_batch: 16\n  micro_batch: 2\n" +
         extra;
}

double step_energy(const RunResult& r, const std::string& policy) {
  for (const PolicyResult& p : r.policies)
    if (p.name == policy) return p.metrics.energy_per_step_j;
  throw std::out_of_range(policy);
}
double step_time(const RunResult& r, const std::string& policy) {
  for (const PolicyResult& p : r.policies)
    if (p.name == policy) return p.metrics.step_time_s;
  throw std::out_of_range(policy);
}

TEST(KernelDvfs, ViterbiEqualsBruteForceOverEveryClockAssignment) {
  // Six kernels of three kinds on one GPU, every clock the profile has between 1500 and 1980 MHz
  // (33^6 assignments is too many, so the profile is cut to 5 clocks: 5^6 = 15625).
  GpuProfile profile = test::gpu("H100-SXM5-80GB");
  profile.clock_min_mhz = 1380;
  profile.clock_step_mhz = 150;
  profile.clock_max_mhz = 1980;
  StepProgram program;
  program.gpus = 1;
  program.gpu_multiplicity = {3.0};
  const KernelWork works[] = {{4e11, 1e8, KernelKind::TensorGemm}, {1e8, 4e8, KernelKind::Elementwise},
                              {3e11, 2e8, KernelKind::TensorGemm}, {2e7, 6e8, KernelKind::Reduction},
                              {1e8, 3e8, KernelKind::Elementwise}, {5e11, 1e8, KernelKind::TensorGemm}};
  std::vector<TaskId> sequence;
  for (const KernelWork& w : works) {
    Kernel k;
    k.work = w;
    program.tasks.push_back({TaskType::Kernel, 0, 0, static_cast<std::uint32_t>(program.kernels.size())});
    program.kernels.push_back(k);
    sequence.push_back(static_cast<TaskId>(sequence.size()));
  }
  for (double lambda : {0.0, 50.0, 400.0, 5000.0})
    for (double tau : {0.0, 2e-5, 1e-3})
      for (double slew : {0.0, 5000.0, 50.0}) {  // instantaneous, as profiled, a slow regulator
        profile.clock_transition_ns = seconds_to_time(tau);
        profile.voltage_slew_v_per_s = slew;
        const GpuModel gpu(profile, Precision::BF16, profile.tdp_w);
        const KernelCostTable costs(gpu, program);
        ASSERT_EQ(costs.clocks(), 5);
        auto cost_of = [&](const std::vector<int>& f) {
          double c = 0;
          for (std::size_t i = 0; i < f.size(); ++i) {
            const KernelCost& k = costs.at(static_cast<std::uint32_t>(i), static_cast<ClockIndex>(f[i]));
            c += 3.0 * (k.energy_j + lambda * k.time_s);
            if (i > 0 && f[i] != f[i - 1])
              c += 3.0 *
                   costs.transition_s(static_cast<ClockIndex>(f[i - 1]), static_cast<ClockIndex>(f[i])) *
                   (lambda + k.power_w());
          }
          return c;
        };
        double best = std::numeric_limits<double>::infinity();
        std::vector<int> f(sequence.size(), 0);
        std::function<void(std::size_t)> enumerate = [&](std::size_t i) {
          if (i == f.size()) {
            best = std::min(best, cost_of(f));
            return;
          }
          for (int c = 0; c < 5; ++c) {
            f[i] = c;
            enumerate(i + 1);
          }
        };
        enumerate(0);
        ClockPlan plan = ClockPlan::uniform(sequence.size(), 1, 0);
        plan_sequence_viterbi(sequence, program, costs, lambda, plan);
        std::vector<int> chosen(plan.task_clock.begin(), plan.task_clock.end());
        EXPECT_NEAR(cost_of(chosen), best, 1e-9 * best)
            << "lambda " << lambda << " tau " << tau << " slew " << slew;
      }
}

TEST(DvfsPolicies, SavingsOrderKernelPhasePassAndEachWithinItsBudget) {
  for (const char* transition : {"1 ms", "0 s"})
    for (double budget : {0.0, 0.01, 0.05}) {
      const std::string b = std::to_string(budget);
      // A model whose step mixes compute- and memory-bound kernels of some length (the tiny one is paced by
      // the host's launches and its fp32 loss, which leaves per-kernel clocks nothing to add).
      const RunResult r = run_scenario(test::scenario_from_text(larger_pipeline_yaml(
          "parallelism: {pp: 2, dp: 2}\ntraining: {steps: 100, simulated_steps: 1}"
          "\npolicies: [static, {pass-dvfs: {slowdown_budget: " +
              b + "}}, {phase-dvfs: {slowdown_budget: " + b + "}}, {kernel-dvfs: {slowdown_budget: " + b +
              "}}, {critical-path: {slowdown_budget: " + b + "}}]\n",
          std::string(", clock_transition: ") + transition)));
      const double e_static = step_energy(r, "static"), t_static = step_time(r, "static");
      const double e_pass = step_energy(r, "pass-dvfs"), e_phase = step_energy(r, "phase-dvfs"),
                   e_kernel = step_energy(r, "kernel-dvfs");
      SCOPED_TRACE(std::string("transition ") + transition + ", budget " + b);
      EXPECT_LE(e_pass, e_static);
      EXPECT_LE(e_phase, e_pass);
      EXPECT_LE(e_kernel, e_phase);
      for (const char* p : {"pass-dvfs", "phase-dvfs", "kernel-dvfs", "critical-path"})
        EXPECT_LE(step_time(r, p), t_static * (1 + budget) + 1e-9) << p;
      if (budget == 0.05 && std::string(transition) == "0 s") {
        EXPECT_LT(e_kernel, e_pass) << "free switching and room to slow: per-kernel clocks must pay";
      }
    }
}

TEST(CriticalPath, NeverLengthensTheStepAndUsesAStragglersSlack) {
  // Every GPU simulated, one of them 50% slow: the other pipeline waits for it at the gradient reduction.
  // (At 20% the slack no longer pays for the 1 ms clock transitions around each block since the loss runs
  // in fp32 and the last stage grew.)
  const RunResult r = run_scenario(test::scenario_from_text(larger_pipeline_yaml(
      "parallelism: {pp: 2, dp: 2, symmetric: false}\ntraining: {steps: 100, simulated_steps: 1}\n"
      "variation: {stragglers: [{gpu: 1, slowdown: 1.5}]}\n"
      "policies: [static, critical-path]\n")));
  EXPECT_LE(step_time(r, "critical-path"), step_time(r, "static"));
  EXPECT_LT(step_energy(r, "critical-path"), step_energy(r, "static"));
  EXPECT_GT(r.policies[1].note("blocks_slowed"), 0);
}

TEST(SyncIdle, SavingIsWaitTimeTimesThePowerDifference) {
  // With instantaneous transitions, no hold and communication drawing nothing extra, the only change is
  // that every idle GPU-second is spent at the idle clock instead of the top one.
  Scenario s = test::scenario_from_text(
      pipeline_yaml("hardware: {gpu: H100-SXM5-80GB, gpus: 4, clock_transition: 0 s}\n"
                    "policies: [static, {sync-idle: {idle_clock: 345 MHz, hold: 0 s}}]\ntrace: full\n"));
  s.gpu.power.comm_activity = 0;
  s.gpu.power.comm_memory_utilisation = 0;
  // Instantaneous means no voltage ramp either, and a limit that never binds keeps the busy clocks alike
  // (a GPU that idles cooler may otherwise hold a higher clock in its next window).
  s.gpu.voltage_slew_v_per_s = 0;
  s.power_cap_w = 1e6;
  const auto traced = test::run_traced(s);
  const RunResult& r = traced->result;
  const PolicyResult& base = r.policies[0];
  const double step = base.metrics.step_time_s;
  ASSERT_EQ(step_time(r, "sync-idle"), step);
  std::vector<double> busy(r.gpu_rank.size(), 0.0);
  for (const TraceEvent& e : traced->trace(0).events)
    if (e.kind != static_cast<std::uint8_t>(EventKind::Collective)) busy[e.gpu] += e.t1_s - e.t0_s;
  const GpuModel gpu(s.gpu, s.precision, s.power_cap_w);
  const double difference = gpu.power().wait(s.gpu.clock_max_mhz).total_w - gpu.power().wait(345).total_w;
  double wait_gpu_seconds = 0;
  for (std::size_t g = 0; g < busy.size(); ++g) wait_gpu_seconds += r.gpu_multiplicity[g] * (step - busy[g]);
  ASSERT_GT(wait_gpu_seconds, 0);
  // The GPUs' energy (the node's fans and power supplies, which follow it, aside).
  auto gpu_energy = [&](const char* policy) {
    for (const PolicyResult& p : r.policies)
      if (p.name == policy)
        return p.metrics.energy_gpu_busy_j + p.metrics.energy_gpu_wait_j + p.metrics.energy_memory_j;
    throw std::out_of_range(policy);
  };
  const double steps = base.metrics.steps_total;
  EXPECT_NEAR((gpu_energy("static") - gpu_energy("sync-idle")) / steps, wait_gpu_seconds * difference,
              1e-6 * step_energy(r, "static"));
}

TEST(AdaptiveBatch, ChoosesTheMinimumEnergyToTargetOverABruteForceGrid) {
  const std::string yaml =
      "name: tiny\nhardware: {gpu: H100-SXM5-80GB, gpus: 2}\n"
      "workload:\n  model: {family: gpt, layers: 2, hidden: 512, heads: 8, vocab: 8192, seq_len: 512,\n"
      "          critical_batch: 24, min_steps: 1000}\n  global_batch: 16\n  micro_batch: 4\n"
      "training: {steps: 100, simulated_steps: 1}\npolicies: [static, {adaptive-batch: {max_factor: 4}}]\n";
  const Scenario s = test::scenario_from_text(yaml);
  const RunResult r = run_scenario(s);
  const double chosen = r.policies[1].metrics.energy_to_accuracy_j.value();
  // Every batch the policy may pick: dp × micro-batch (4, 2, 1) × microbatch count, up to 4 × 16.
  double best = std::numeric_limits<double>::infinity();
  for (int mbs : {4, 2, 1})
    for (int m = 1; 2 * mbs * m <= 64; ++m) {
      Scenario v = s;
      ASSERT_TRUE(apply_configuration(v, {2 * mbs * m, mbs, 1, 1, 2, 0}).empty());
      ScenarioSimulation sim(v);
      sim.sim.reset(max_clock_plan(sim.gpu, sim.program));
      const StepRecord step = sim.sim.run_step();
      best = std::min(best, s.model.steps_to_target(2.0 * mbs * m) * step.energy_j);
    }
  EXPECT_NEAR(chosen, best, 1e-9 * best);
  EXPECT_LE(chosen, r.policies[0].metrics.energy_to_accuracy_j.value());
}

TEST(EveryPolicy, EnergyIsConservedInPartsAndInLayers) {
  const RunResult r = run_scenario(test::scenario_from_text(pipeline_yaml(
      "energy: {carbon_intensity: 300 g/kWh}\n"
      "policies: [static, power-cap, pass-dvfs, phase-dvfs, kernel-dvfs, critical-path, sync-idle,\n"
      "           adaptive-batch, adaptive-parallel, carbon-aware, energy-proportional,\n"
      "           {locked-clock: {clock: 1500 MHz}}]\n"
      "training: {steps: 100, simulated_steps: 2}\n")));
  ASSERT_EQ(r.policies.size(), 12u);
  for (const PolicyResult& p : r.policies) {
    SCOPED_TRACE(p.name);
    const double total = p.metrics.energy_j;
    double parts = 0;
    for (const char* part : {"energy_gpu_busy_j", "energy_gpu_wait_j", "energy_memory_j", "energy_network_j",
                             "energy_host_j", "energy_fans_j", "energy_psu_loss_j"})
      parts += *find_metric(part)->get(p.metrics);
    EXPECT_NEAR(parts, total, 1e-9 * total);
    double layers = 0;
    for (double e : p.layer_run_j) layers += e;
    EXPECT_NEAR(layers, total, 1e-9 * total);
    double step_layers = 0;
    for (double e : p.layer_step_j) step_layers += e;
    EXPECT_NEAR(step_layers, p.metrics.energy_per_step_j, 1e-9 * total);
  }
}

TEST(CarbonAware, MeetsItsDeadlineAndEmitsNoMoreThanRunningNow) {
  const std::string csv = test::source_dir() + "/scenarios/suite/grid/solar-day.csv";
  const RunResult r = run_scenario(test::scenario_from_text(
      pipeline_yaml("training: {steps: 2000000, simulated_steps: 1}\nenergy: {carbon_series: " + csv +
                    "}\npolicies: [static, {carbon-aware: {deadline: 40 h}}]\n")));
  const PolicyResult& now = r.policies[0];
  const PolicyResult& aware = r.policies[1];
  ASSERT_LT(now.metrics.run_time_s, 40 * 3600.0);
  EXPECT_LE(aware.metrics.run_time_s, 40 * 3600.0 + 1e-6);
  EXPECT_LT(aware.metrics.co2e_kg, now.metrics.co2e_kg);
  double steps = 0;
  for (const ScheduleSegment& seg : aware.schedule) steps += seg.steps;
  EXPECT_NEAR(steps, 2e6, 1e-6 * 2e6);
}

TEST(GridIntensity, PeriodicStepFunctionMeans) {
  const GridIntensity grid({0, 3600, 7200}, {100, 300, 200}, 0);  // the last row lasts an hour too
  EXPECT_DOUBLE_EQ(grid.mean(0, 3600), 100);
  EXPECT_DOUBLE_EQ(grid.mean(0, 3 * 3600), 200);
  EXPECT_DOUBLE_EQ(grid.mean(3 * 3600, 4 * 3600), 100);  // repeats
  EXPECT_DOUBLE_EQ(grid.mean(1800, 5400), 200);
  EXPECT_DOUBLE_EQ(GridIntensity(475).mean(0, 1e6), 475);
}

TEST(Variation, StragglersNeedEveryGpuSimulatedAndAnExistingRank) {
  EXPECT_NE(test::rejection(pipeline_yaml("variation: {stragglers: [{gpu: 1, slowdown: 1.2}]}\n"))
                .find("set parallelism.symmetric: false"),
            std::string::npos);
  EXPECT_NE(test::rejection(pipeline_yaml("parallelism: {pp: 2, dp: 2, symmetric: false}\n"
                                          "variation: {stragglers: [{gpu: 9, slowdown: 1.2}]}\n"))
                .find("straggler gpu 9 is not one of the 4 GPUs"),
            std::string::npos);
}

TEST(CarbonAware, AMissingSeriesIsAnErrorAtItsKey) {
  const std::string e = test::rejection(pipeline_yaml("energy: {carbon_series: no-such-grid.csv}\n"));
  EXPECT_NE(e.find("test.yaml:"), std::string::npos) << e;
  EXPECT_NE(e.find("no carbon series file"), std::string::npos) << e;
}

TEST(Variation, AStragglerSlowsTheStepFromItsStep) {
  const RunResult r = run_scenario(test::scenario_from_text(
      larger_pipeline_yaml("parallelism: {pp: 2, dp: 2, symmetric: false}\n"
                           "variation: {stragglers: [{gpu: 3, slowdown: 1.5, from_step: 1}]}\n"
                           "training: {steps: 100, simulated_steps: 2}\npolicies: [static]\n")));
  const auto& steps = r.policies[0].steps;
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_GT(steps[1].time_s, 1.2 * steps[0].time_s);
}

}  // namespace
}  // namespace wattsim
