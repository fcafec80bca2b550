// Scenario input: every class of bad input gives file:line:col and a reason, all errors are reported
// together, and good input is converted to the right units.
#include <gtest/gtest.h>

#include <regex>

#include "config/quantity.hpp"
#include "test_support.hpp"

namespace wattsim {
namespace {

// Parses text that must fail; returns the diagnostics as "line:col: message" lines.
std::vector<std::string> errors_of(const std::string& text) {
  try {
    test::scenario_from_text(text);
  } catch (const InputError& e) {
    std::vector<std::string> out;
    for (const Diagnostic& d : e.diagnostics()) {
      EXPECT_EQ(d.file, "test.yaml");
      out.push_back(std::to_string(d.line) + ":" + std::to_string(d.column) + ": " + d.message);
    }
    return out;
  }
  ADD_FAILURE() << "accepted:\n" << text;
  return {};
}

::testing::AssertionResult has_error(const std::vector<std::string>& errors, const std::string& pattern) {
  const std::regex re(pattern);
  for (const auto& e : errors)
    if (std::regex_search(e, re)) return ::testing::AssertionSuccess();
  std::string all;
  for (const auto& e : errors) all += "\n  " + e;
  return ::testing::AssertionFailure() << "no error matches /" << pattern << "/ among:" << all;
}

const std::string kGood =
    "name: ok\n"                                                          // line 1
    "hardware: {gpu: A100-SXM4-80GB, gpus: 2}\n"                          // line 2
    "workload: {model: bert-large, global_batch: 64, micro_batch: 32}\n"  // line 3
    "training: {steps: 10}\n";                                            // line 4

TEST(Scenario, GoodInputIsAcceptedWithUnitsConverted) {
  const Scenario s = test::scenario_from_text(kGood + "energy: {carbon_intensity: 0.2 kg/kWh}\n");
  EXPECT_EQ(s.gpus_per_node_used, 2);
  EXPECT_EQ(s.plan.dp, 2);
  EXPECT_EQ(s.micro_batch, 32);
  EXPECT_EQ(s.microbatches(), 1);
  EXPECT_DOUBLE_EQ(s.carbon_g_per_kwh, 200.0);
  EXPECT_DOUBLE_EQ(s.power_cap_w, 400.0);  // the profile's TDP by default
  EXPECT_EQ(s.node.name, "dgx-a100");      // the node profile that carries this GPU
  ASSERT_EQ(s.policies.size(), 2u);
  EXPECT_EQ(s.policies[0].name, "static");
}

TEST(Scenario, SyntaxErrorHasLineAndColumn) {
  EXPECT_TRUE(has_error(errors_of("name: x\nhardware: {gpu: A100\n"), R"(^\d+:\d+: YAML syntax error)"));
}

TEST(Scenario, UnknownKeySuggestsTheNearestOne) {
  const auto e = errors_of(kGood + "trainig: {steps: 5}\n");
  EXPECT_TRUE(has_error(e, R"(^5:1: unknown key 'trainig' in scenario; did you mean 'training'\?)"));
  EXPECT_TRUE(has_error(errors_of("name: x\nhardware: {gpu: A100-SXM4-80GB, gpu_count: 2}\n"
                                  "workload: {model: bert-large, global_batch: 8}\n"),
                        R"(^2:33: unknown key 'gpu_count' in hardware)"));
}

TEST(Scenario, DuplicateKeysAreErrors) {
  EXPECT_TRUE(has_error(errors_of(kGood + "name: again\n"), R"(^5:1: duplicate key 'name')"));
}

TEST(Scenario, WrongTypesAreErrors) {
  EXPECT_TRUE(has_error(errors_of("name: x\nhardware: {gpu: A100-SXM4-80GB, gpus: two}\n"
                                  "workload: {model: bert-large, global_batch: 8}\n"),
                        R"(^2:39: hardware.gpus must be an integer, got 'two')"));
  EXPECT_TRUE(has_error(errors_of(kGood + "trace: [full]\n"), R"(trace must be a string)"));
  EXPECT_TRUE(
      has_error(errors_of("name: x\nhardware: [A100]\nworkload: {model: bert-large, global_batch: 8}\n"),
                R"(^2:11: hardware must be a mapping)"));
}

TEST(Scenario, QuantitiesNeedTheRightUnit) {
  const std::string base = "name: x\nworkload: {model: bert-large, global_batch: 8}\n";
  EXPECT_TRUE(
      has_error(errors_of(base + "hardware: {gpu: A100-SXM4-80GB, power_cap: 300}\n"),
                R"(^3:44: hardware.power_cap: missing unit in '300'; expected a power such as '400 W')"));
  EXPECT_TRUE(has_error(errors_of(base + "hardware: {gpu: A100-SXM4-80GB, power_cap: 300 MHz}\n"),
                        R"('MHz' is a unit of frequency; expected a power)"));
  EXPECT_TRUE(has_error(errors_of(base + "hardware: {gpu: A100-SXM4-80GB, power_cap: 300 Watts}\n"),
                        R"(unknown unit 'Watts')"));
}

TEST(Scenario, OutOfRangeValuesAreErrors) {
  EXPECT_TRUE(has_error(errors_of("name: x\nhardware: {gpu: A100-SXM4-80GB}\n"
                                  "workload: {model: bert-large, global_batch: -4}\n"),
                        R"(^3:45: workload.global_batch = -4 is out of range: must be between 1 and)"));
  EXPECT_TRUE(has_error(errors_of(kGood + "policies: [{pass-dvfs: {slowdown_budget: 2}}]\n"),
                        R"(slowdown_budget = 2 is out of range)"));
  EXPECT_TRUE(has_error(errors_of(kGood + "energy: {pue: 0.5}\n"), R"(energy.pue = 0.5 is out of range)"));
}

TEST(Scenario, PowerCapOutsideTheGpuLimitsIsRejected) {
  const std::string base = "name: x\nworkload: {model: bert-large, global_batch: 8}\n";
  EXPECT_TRUE(has_error(errors_of(base + "hardware: {gpu: A100-SXM4-80GB, power_cap: 50 W}\n"),
                        R"(power_cap = 50 W is outside what A100-SXM4-80GB accepts \(100 W to 400 W\))"));
  EXPECT_TRUE(has_error(errors_of(base + "hardware: {gpu: A100-SXM4-80GB, power_cap: 450 W}\n"),
                        R"(outside what A100-SXM4-80GB accepts)"));
}

TEST(Scenario, UnknownNamesListTheKnownOnes) {
  EXPECT_TRUE(
      has_error(errors_of("name: x\nhardware: {gpu: B300}\nworkload: {model: bert-large, global_batch: 8}\n"),
                R"(^2:17: unknown GPU 'B300'; known: .*A100-SXM4-80GB)"));
  EXPECT_TRUE(has_error(
      errors_of("name: x\nhardware: {gpu: A100-SXM4-80GB}\nworkload: {model: bert-huge, global_batch: 8}\n"),
      R"(unknown workload 'bert-huge'; known: .*bert-large)"));
  EXPECT_TRUE(has_error(errors_of(kGood + "policies: [static, turbo]\n"),
                        R"(^5:20: unknown policy 'turbo'; known: static, pass-dvfs)"));
  EXPECT_TRUE(has_error(errors_of("name: x\nhardware: {gpu: A100-SXM4-80GB}\n"
                                  "workload: {model: {family: rnn, layers: 2}, global_batch: 8}\n"),
                        R"(unknown model family 'rnn')"));
}

TEST(Scenario, MissingRequiredKeysAreNamed) {
  EXPECT_TRUE(has_error(errors_of("name: x\nworkload: {model: bert-large, global_batch: 8}\n"),
                        R"(scenario is missing required key 'hardware')"));
  EXPECT_TRUE(
      has_error(errors_of("name: x\nhardware: {gpu: A100-SXM4-80GB}\nworkload: {model: bert-large}\n"),
                R"(^3:11: workload is missing required key 'global_batch')"));
}

TEST(Scenario, EveryErrorInTheFileIsReported) {
  const auto e = errors_of(
      "name: x\n"
      "hardware: {gpu: A100-SXM4-80GB, gpus: 99, power_cap: 3 kW}\n"
      "workload: {model: bert-large, global_batch: 8, precison: bf16}\n"
      "energy: {pue: high}\n"
      "policies: [nope]\n");
  EXPECT_GE(e.size(), 5u);
  EXPECT_TRUE(has_error(e, "gpus = 99 exceeds"));
  EXPECT_TRUE(has_error(e, "power_cap"));
  EXPECT_TRUE(has_error(e, "did you mean 'precision'"));
  EXPECT_TRUE(has_error(e, "energy.pue must be a number"));
  EXPECT_TRUE(has_error(e, "unknown policy 'nope'"));
}

TEST(Scenario, ImpossibleConfigurationsSayWhy) {
  EXPECT_TRUE(has_error(errors_of("name: x\nhardware: {gpu: A100-SXM4-80GB, gpus: 4}\n"
                                  "workload: {model: bert-large, global_batch: 30, micro_batch: 4}\n"),
                        R"(global_batch = 30 is not a multiple of dp × micro_batch = 4 × 4)"));
  EXPECT_TRUE(has_error(errors_of("name: x\nhardware: {gpu: V100-SXM2-32GB}\n"
                                  "workload: {model: resnet-50, precision: bf16, global_batch: 8}\n"),
                        R"(V100-SXM2-32GB has no bf16 tensor-core rate)"));
  EXPECT_TRUE(has_error(
      errors_of("name: x\nhardware: {gpu: H100-SXM5-80GB, gpus: 8}\n"
                "workload: {model: gpt3-175b, global_batch: 8, micro_batch: 1}\n"),
      R"(gpt3-175b does not fit in H100-SXM5-80GB memory \(74.5 GiB\): over by [0-9.]+ GiB: weights)"));
  EXPECT_TRUE(
      has_error(errors_of("name: x\nhardware: {gpu: A100-SXM4-80GB}\n"
                          "workload: {model: {family: gpt, layers: 2, hidden: 100, heads: 3, vocab: 10, "
                          "seq_len: 8}, global_batch: 8}\n"),
                R"(hidden \(100\) must be divisible by heads \(3\))"));
  EXPECT_TRUE(has_error(errors_of(kGood + "parallelism: {dp: 4}\n"),
                        R"(tp × pp × dp = 1 × 1 × 4 = 4 but the cluster has 2 GPUs)"));
}

TEST(Scenario, TrainingLengthConversions) {
  Scenario s = test::scenario_from_text(
      "name: x\nhardware: {gpu: A100-SXM4-80GB}\nworkload: {model: bert-large, global_batch: 64}\n"
      "training: {tokens: 8192e3}\n");
  EXPECT_DOUBLE_EQ(s.total_steps, 1000);  // 8192e3 tokens / (64 sequences × 128 tokens)
  s = test::scenario_from_text(
      "name: x\nhardware: {gpu: A100-SXM4-80GB}\nworkload: {model: bert-large, global_batch: 64}\n"
      "training: {samples: 6401}\n");
  EXPECT_DOUBLE_EQ(s.total_steps, 101);
  EXPECT_TRUE(
      has_error(errors_of(kGood.substr(0, kGood.rfind("training")) + "training: {steps: 5, tokens: 1e9}\n"),
                "give one of steps, samples or tokens"));
}

TEST(Quantity, ParsesEveryDimensionToSi) {
  EXPECT_DOUBLE_EQ(*parse_quantity("1.41 GHz", Dimension::Frequency).value, 1.41e9);
  EXPECT_DOUBLE_EQ(*parse_quantity("25 MiB", Dimension::Bytes).value, 25.0 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(*parse_quantity(" 5 us ", Dimension::Time).value, 5e-6);
  EXPECT_DOUBLE_EQ(*parse_quantity("200 Gb/s", Dimension::Bandwidth).value, 25e9);
  EXPECT_DOUBLE_EQ(*parse_quantity("312 TFLOP/s", Dimension::FlopRate).value, 312e12);
  EXPECT_DOUBLE_EQ(*parse_quantity("706 mV", Dimension::Voltage).value, 0.706);
  EXPECT_DOUBLE_EQ(*parse_quantity("1 kWh", Dimension::Energy).value, 3.6e6);
  EXPECT_FALSE(parse_quantity("nan W", Dimension::Power).value);
  EXPECT_FALSE(parse_quantity("inf W", Dimension::Power).value);
  EXPECT_FALSE(parse_quantity("W", Dimension::Power).value);
}

}  // namespace
}  // namespace wattsim

#include "io/csv_series.hpp"

namespace wattsim {
namespace {

TEST(CsvSeries, ReadsUnitsFromTheHeader) {
  const TimeSeries s =
      parse_csv_series("time (h), carbon intensity (kg/kWh)\n0, 0.42\n# a comment\n0.5,0.3985\n", "grid.csv",
                       Dimension::CarbonIntensity);
  ASSERT_EQ(s.time_s.size(), 2u);
  EXPECT_DOUBLE_EQ(s.time_s[1], 1800.0);
  EXPECT_DOUBLE_EQ(s.value[0], 420.0);
}

TEST(CsvSeries, EveryBadRowIsReportedWithItsPosition) {
  try {
    parse_csv_series("time (h), carbon (g/kWh)\n0, 400\n1, x\n0, 300\n2, 1, 3\n3, nan\n", "grid.csv",
                     Dimension::CarbonIntensity);
    FAIL() << "accepted";
  } catch (const InputError& e) {
    const std::string all = e.what();
    EXPECT_NE(all.find("grid.csv:3:4: 'x' is not a finite number"), std::string::npos) << all;
    EXPECT_NE(all.find("grid.csv:4:1: times must increase strictly"), std::string::npos) << all;
    EXPECT_NE(all.find("grid.csv:5:1: expected 2 columns"), std::string::npos) << all;
    EXPECT_NE(all.find("grid.csv:6:4: 'nan' is not a finite number"), std::string::npos) << all;
  }
  EXPECT_THROW(parse_csv_series("", "e.csv", Dimension::CarbonIntensity), InputError);
  EXPECT_THROW(parse_csv_series("time, value\n0, 1\n", "u.csv", Dimension::CarbonIntensity), InputError);
  EXPECT_THROW(parse_csv_series("time (parsec), value (g/kWh)\n0, 1\n", "u.csv", Dimension::CarbonIntensity),
               InputError);
}

// A value of the wrong type for a parameter whose default is derived is an input error at its position,
// not a failure of the simulation (found by a sweep deriving dp = gpus / tp = 4/3).
TEST(ScenarioErrors, AFractionalDerivedIntegerIsAnInputError) {
  const std::string e = test::rejection(test::tiny_gpt_yaml(4, "parallelism: {dp: 1.5}\n"));
  EXPECT_NE(e.find("parallelism.dp"), std::string::npos) << e;
  EXPECT_NE(e.find("integer"), std::string::npos) << e;
}

}  // namespace
}  // namespace wattsim
