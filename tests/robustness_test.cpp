// Extremes and hostile configurations: each either runs and gives finite, sensible results, or is
// rejected with its reason.
#include <gtest/gtest.h>

#include <cmath>

#include "run/runner.hpp"
#include "test_support.hpp"

namespace wattsim {
namespace {

void expect_finite(const RunResult& r) {
  for (const PolicyResult& p : r.policies)
    for (const Metric& m : p.summary) EXPECT_TRUE(std::isfinite(m.value)) << p.name << " " << m.name;
}

TEST(Extremes, ClockTheGpuDoesNotHaveIsRejected) {
  const std::string e =
      test::rejection(test::tiny_gpt_yaml(1, "policies: [{locked-clock: {clock: 1003 MHz}}]\n"));
  EXPECT_NE(e.find("clock 1003 MHz is not one H100-SXM5-80GB supports: 345 to 1980 MHz in steps of 15 MHz"),
            std::string::npos)
      << e;
  EXPECT_NE(test::rejection(test::tiny_gpt_yaml(1, "policies: [{locked-clock: {clock: 2100 MHz}}]\n"))
                .find("not one"),
            std::string::npos);
}

TEST(Extremes, SmallestAndLargestClocksRun) {
  const RunResult r = run_scenario(test::scenario_from_text(
      test::tiny_gpt_yaml(2, "policies: [static, {locked-clock: {clock: 345 MHz}}]\n")));
  expect_finite(r);
  const PolicyResult &top = r.policies[0], &low = r.policies[1];
  EXPECT_EQ(low.metric("chosen_clock_mhz"), 345);
  EXPECT_GT(low.metric("step_time_s"), top.metric("step_time_s"));
  EXPECT_LT(low.metric("avg_gpu_power_w"), top.metric("avg_gpu_power_w"));
}

TEST(Extremes, OneGpuABatchOfOneAndAZeroStepRun) {
  const RunResult r = run_scenario(test::scenario_from_text(
      "name: x\nhardware: {gpu: A100-SXM4-80GB, gpus: 1}\n"
      "workload: {model: bert-large, global_batch: 1, micro_batch: 1}\ntraining: {steps: 0}\n"));
  expect_finite(r);
  EXPECT_EQ(r.policies[0].metric("energy_j"), 0.0);  // nothing to run
  EXPECT_GT(r.policies[0].metric("energy_per_step_j"), 0.0);
}

TEST(Extremes, CapBelowIdlePowerIsRejectedWithTheReason) {
  // The A100's lowest settable limit is 100 W, above its 60 W idle; a cap under either is refused.
  const std::string e = test::rejection(
      "name: x\nhardware: {gpu: A100-SXM4-80GB, gpus: 1, power_cap: 40 W}\nworkload: {model: bert-large, "
      "global_batch: 8}\n");
  EXPECT_NE(e.find("outside what A100-SXM4-80GB accepts (100 W to 400 W)"), std::string::npos) << e;
}

}  // namespace
}  // namespace wattsim

namespace wattsim {
namespace {

TEST(Limits, ARunTooBigForTheMemoryLimitIsRefusedWithTheFix) {
  const std::string e = test::rejection(
      "name: x\nhardware: {gpu: H100-SXM5-80GB, gpus: 8}\nworkload: {model: gpt-1.3b, global_batch: 512, "
      "micro_batch: 1}\n"
      "trace: full\nlimits: {memory: 10 MB}\n");
  EXPECT_NE(e.find("this run needs about"), std::string::npos) << e;
  EXPECT_NE(e.find("use trace: steps or summary"), std::string::npos) << e;
  EXPECT_NE(test::rejection("name: x\nhardware: {gpu: H100-SXM5-80GB, nodes: 100000000}\n"
                            "workload: {model: gpt-1.3b, global_batch: 8}\n")
                .find("hardware.nodes = 1e+08 is out of range"),
            std::string::npos);
}

// 100,000 GPUs with the analytical network: one GPU per stage stands for the rest.
TEST(Extremes, HundredThousandGpusWithTheAnalyticalNetwork) {
  const RunResult r = run_scenario(test::scenario_from_text(
      "name: huge\nhardware: {gpu: H100-SXM5-80GB, nodes: 12500, fabric: fat-tree-3l, oversubscription: 4}\n"
      "workload: {model: gpt-10b, global_batch: 12500, micro_batch: 1}\n"
      "parallelism: {tp: 8, pp: 4, dp: 3125, zero_stage: 1}\n"));
  expect_finite(r);
  EXPECT_EQ(r.gpu_multiplicity.front(), 8.0 * 3125);
}

}  // namespace
}  // namespace wattsim
