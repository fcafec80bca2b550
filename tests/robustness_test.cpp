// Extremes and hostile configurations: each either runs and gives finite, sensible results, or is
// rejected with its reason.
#include <gtest/gtest.h>

#include <cmath>

#include "run/runner.hpp"
#include "test_support.hpp"
#include "workload/feasibility.hpp"
#include "workload/model_family.hpp"

namespace wattsim {
namespace {

void expect_finite(const RunResult& r) {
  for (const PolicyResult& p : r.policies)
    for (const MetricField& f : metric_fields()) {
      if (const auto v = f.get(p.metrics)) {
        EXPECT_TRUE(std::isfinite(*v)) << p.name << " " << f.name;
      }
    }
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
  EXPECT_EQ(low.note("chosen_clock_mhz"), 345);
  EXPECT_GT(low.metrics.step_time_s, top.metrics.step_time_s);
  EXPECT_LT(low.metrics.avg_gpu_power_w, top.metrics.avg_gpu_power_w);
}

TEST(Extremes, OneGpuABatchOfOneAndAZeroStepRun) {
  const RunResult r = run_scenario(test::scenario_from_text(
      "name: x\nhardware: {gpu: A100-SXM4-80GB, gpus: 1}\n"
      "workload: {model: bert-large, global_batch: 1, micro_batch: 1}\ntraining: {steps: 0}\n"));
  expect_finite(r);
  EXPECT_EQ(r.policies[0].metrics.energy_j, 0.0);  // nothing to run
  EXPECT_GT(r.policies[0].metrics.energy_per_step_j, 0.0);
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
  // The step program is what is held; traces stream to their sink, so a full trace costs no memory.
  const std::string program =
      "name: x\nhardware: {gpu: H100-SXM5-80GB, gpus: 8}\nworkload: {model: gpt-1.3b, "
      "global_batch: 512, micro_batch: 1}\nparallelism: {symmetric: false}\n";
  const std::string e = test::rejection(program + "trace: full\nlimits: {memory: 10 MB}\n");
  EXPECT_NE(e.find("this run needs about"), std::string::npos) << e;
  EXPECT_NE(e.find("use parallelism.symmetric: true"), std::string::npos) << e;
  EXPECT_EQ(test::rejection(program + "trace: full\nlimits: {memory: 200 MB}\n"), "");
  EXPECT_NE(test::rejection("name: x\nhardware: {gpu: H100-SXM5-80GB, nodes: 100000000}\n"
                            "workload: {model: gpt-1.3b, global_batch: 8}\n")
                .find("hardware.nodes = 1e+08 is out of range"),
            std::string::npos);
}

// The memory check's estimate of a step program's size is close to the program the builder makes.
TEST(Limits, TaskEstimateFollowsTheBuiltProgram) {
  for (const char* example :
       {"gpt-1.3b-8xh100", "gpt3-175b-1024xa100", "resnet-152-8xv100", "bert-large-1xa100"}) {
    const Scenario s =
        load_scenario(test::source_dir() + "/scenarios/examples/" + example + ".yaml", test::catalog());
    const ModelFamily& family = *ModelFamilyRegistry::instance().find(s.model.family);
    const double estimate = estimated_tasks_per_step(family.build(s.model, microbatch_shape(s)), s.plan);
    const double built = static_cast<double>(build_step_program(s).tasks.size());
    EXPECT_NEAR(estimate / built, 1.0, 0.35)
        << example << ": " << estimate << " estimated, " << built << " built";
  }
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
