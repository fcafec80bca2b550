// Sweeps: the expression language, sweep files (products, zips, points, random samples, derived values,
// constraints, malformed files with positions), stable point ids, results that read back bit for bit, a
// point re-run alone giving what it gave inside the sweep, and merging shards.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <set>

#include "sweep/expression.hpp"
#include "sweep/point_result.hpp"
#include "sweep/sweep_file.hpp"
#include "sweep/sweep_runner.hpp"
#include "sweep/sweep_spec.hpp"
#include "test_support.hpp"

namespace wattsim {
namespace {

double eval(const std::string& text, const std::vector<SweepValue>& values = {}) {
  const SweepValue v = Expression(text).evaluate(values);
  EXPECT_FALSE(v.is_text) << text;
  return v.number;
}

std::size_t error_offset(const std::string& text) {
  try {
    Expression e(text);
    e.evaluate(std::vector<SweepValue>(e.names().size(), SweepValue::of(1.0)));
  } catch (const ExpressionError& e) {
    return e.offset();
  }
  ADD_FAILURE() << "no error for " << text;
  return 0;
}

TEST(SweepExpression, PrecedenceAndArithmeticAsPythonHasThem) {
  EXPECT_EQ(eval("1 + 2 * 3 ** 2"), 19);
  EXPECT_EQ(eval("-2 ** 2"), -4);
  EXPECT_EQ(eval("2 ** 3 ** 2"), 512);  // right-associative
  EXPECT_EQ(eval("2 ** -1"), 0.5);
  EXPECT_EQ(eval("(1 + 2) * 3"), 9);
  EXPECT_EQ(eval("7 // 2"), 3);
  EXPECT_EQ(eval("-7 // 2"), -4);
  EXPECT_EQ(eval("7 % 3"), 1);
  EXPECT_EQ(eval("-7 % 3"), 2);
  EXPECT_EQ(eval("10 / 4"), 2.5);
  EXPECT_EQ(eval("1 < 2 and not 0"), 1);
  EXPECT_EQ(eval("1 > 2 or 3 >= 3"), 1);
  EXPECT_EQ(eval("4 != 4"), 0);
  EXPECT_EQ(eval("min(3, 1, 2) + max(5, 9)"), 10);
  EXPECT_EQ(eval("log2(1024) + log10(1000) + sqrt(16) + abs(-1) + floor(2.7) + ceil(2.1) + round(2.5)"),
            10 + 3 + 4 + 1 + 2 + 3 + 3);
  EXPECT_EQ(eval("'H100' == 'H100'"), 1);
  EXPECT_EQ(eval("'a' + 'b' == 'ab'"), 1);
  EXPECT_EQ(eval("true + false"), 1);
}

TEST(SweepExpression, NamesAreKeyPathsShortNamesOrBackquoted) {
  const Expression e("gpus / (tp * pp) + `policies.pass-dvfs.slowdown_budget` * 0 + gpus");
  ASSERT_EQ(e.names().size(), 4u);
  EXPECT_EQ(e.names()[0], "gpus");
  EXPECT_EQ(e.names()[3], "policies.pass-dvfs.slowdown_budget");
  EXPECT_EQ(
      e.evaluate({SweepValue::of(64), SweepValue::of(4), SweepValue::of(2), SweepValue::of(0.1)}).number,
      64.0 / 8 + 64);
  EXPECT_EQ(Expression("hardware.gpus").names()[0], "hardware.gpus");
  EXPECT_EQ(Expression("order + 1").names()[0], "order");  // not `or` + `der`
}

TEST(SweepExpression, ErrorsSayWhere) {
  EXPECT_EQ(error_offset("1 +"), 3u);
  EXPECT_EQ(error_offset("2 * foo(1)"), 4u);   // unknown function
  EXPECT_EQ(error_offset("(1 + 2"), 6u);       // missing ')'
  EXPECT_EQ(error_offset("1 / (x - 1)"), 2u);  // division by zero at evaluation
  EXPECT_EQ(error_offset("1 $ 2"), 2u);
  EXPECT_EQ(error_offset(""), 0u);
  EXPECT_THROW(Expression("'a' * 2").evaluate({}), ExpressionError);
  // Bounded: no input nests deep enough to exhaust the stack, or runs long.
  EXPECT_EQ(eval(std::string(60, '(') + "1" + std::string(60, ')')), 1);
  EXPECT_EQ(error_offset(std::string(100000, '(') + "1"), kMaxExpressionLength);
  EXPECT_THROW(Expression(std::string(500, '(') + "1" + std::string(500, ')')), ExpressionError);
  EXPECT_THROW(Expression(std::string(500, '-') + "1"), ExpressionError);
  std::string powers = "2";
  for (int i = 0; i < 1000; ++i) powers += "**2";
  EXPECT_THROW(Expression{powers}, ExpressionError);
  EXPECT_THROW(Expression("min()").evaluate({}), ExpressionError);
}

TEST(SweepExpression, ValuesPrintAsAScenarioWritesThem) {
  EXPECT_EQ(SweepValue::of(8).str(), "8");
  EXPECT_EQ(SweepValue::of(1.1).str(), "1.1");
  EXPECT_EQ(SweepValue::of(0.1 + 0.2).str(), "0.30000000000000004");
  EXPECT_EQ(SweepValue::of(1e20).str(), "1e+20");
  EXPECT_EQ(SweepValue::of(std::string("H100")).str(), "H100");
}

// A sweep over the tiny GPT, inline.
std::string sweep_yaml(const std::string& body) {
  std::string base = test::tiny_gpt_yaml(4, "policies: [static, pass-dvfs]\n");
  std::string indented;
  for (std::size_t start = 0, end; start < base.size(); start = end + 1) {
    end = base.find('\n', start);
    indented += "  " + base.substr(start, end - start) + "\n";
  }
  return "name: test-sweep\nscenario:\n" + indented + body;
}

SweepSpec spec(const std::string& body) {
  return SweepSpec::parse(sweep_yaml(body), "sweep.yaml", test::catalog());
}

std::string sweep_error(const std::string& body) {
  try {
    spec(body);
  } catch (const InputError& e) {
    std::string all;
    for (const Diagnostic& d : e.diagnostics()) all += d.str() + "\n";
    return all;
  }
  return "";
}

// The line of the sweep text (1-based) that holds `needle`.
int line_of(const std::string& body, const std::string& needle) {
  const std::string text = sweep_yaml(body);
  const std::size_t at = text.find(needle);
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
}

TEST(SweepSpec, GridIsTheProductWithTheLastAxisFastest) {
  const SweepSpec s = spec("grid:\n  hardware.gpus: [1, 2, 4]\n  workload.global_batch: [16, 32]\n");
  ASSERT_EQ(s.size(), 6u);
  ASSERT_EQ(s.columns(), (std::vector<std::string>{"hardware.gpus", "workload.global_batch"}));
  const double expected[6][2] = {{1, 16}, {1, 32}, {2, 16}, {2, 32}, {4, 16}, {4, 32}};
  std::set<std::string> ids;
  for (std::size_t i = 0; i < 6; ++i) {
    const SweepPoint p = s.point(i);
    EXPECT_EQ(p.values[0].value.number, expected[i][0]);
    EXPECT_EQ(p.values[1].value.number, expected[i][1]);
    EXPECT_TRUE(p.rejected.empty());
    ids.insert(p.id);
  }
  EXPECT_EQ(ids.size(), 6u);
}

TEST(SweepSpec, IdsDependOnValuesNotOnTheFileOrder) {
  const SweepSpec a = spec("grid:\n  hardware.gpus: [1, 2]\n  workload.global_batch: [16, 32]\n");
  const SweepSpec b = spec("grid:\n  workload.global_batch: [32, 16]\n  hardware.gpus: [2, 1]\n");
  std::set<std::string> ids_a, ids_b;
  for (std::size_t i = 0; i < a.size(); ++i) ids_a.insert(a.point(i).id);
  for (std::size_t i = 0; i < b.size(); ++i) ids_b.insert(b.point(i).id);
  EXPECT_EQ(ids_a, ids_b);
  EXPECT_EQ(a.point(0).id, b.point(3).id);  // gpus 1, batch 16 in both
  EXPECT_EQ(a.point(0).id, a.point(0).id);
}

TEST(SweepSpec, ZipAdvancesTogetherPointsAreExplicit) {
  const SweepSpec z = spec("zip:\n  hardware.gpus: [1, 2, 4]\n  workload.global_batch: [8, 16, 32]\n");
  ASSERT_EQ(z.size(), 3u);
  EXPECT_EQ(z.point(2).values[0].value.number, 4);
  EXPECT_EQ(z.point(2).values[1].value.number, 32);
  const SweepSpec p = spec(
      "points:\n  - {hardware.gpus: 1, workload.micro_batch: 2}\n  - {hardware.gpus: 2, "
      "workload.micro_batch: 4}\n"
      "grid:\n  energy.pue: [1.1, 1.5]\n");
  ASSERT_EQ(p.size(), 4u);
  // In file order, the first factor slowest: point 3 is the second explicit point at the second pue.
  EXPECT_EQ(p.columns(), (std::vector<std::string>{"hardware.gpus", "workload.micro_batch", "energy.pue"}));
  EXPECT_EQ(p.point(3).values[0].value.number, 2);
  EXPECT_EQ(p.point(3).values[1].value.number, 4);
  EXPECT_EQ(p.point(3).values[2].value.number, 1.5);
}

TEST(SweepSpec, DerivedValuesAndConstraintsWithReasons) {
  const SweepSpec s = spec(
      "grid:\n  hardware.gpus: [2, 4]\n  parallelism.tp: [1, 2, 4]\n"
      "derived:\n  parallelism.dp: gpus / tp\n"
      "constraints:\n  - require: tp <= gpus\n    reason: tensor parallelism wider than the cluster\n"
      "  - dp * 4 <= workload.global_batch\n");
  ASSERT_EQ(s.size(), 6u);
  EXPECT_EQ(s.columns().back(), "parallelism.dp");
  EXPECT_EQ(s.point(4).values[2].value.number, 2);                              // gpus 4, tp 2
  EXPECT_EQ(s.point(2).rejected, "tensor parallelism wider than the cluster");  // gpus 2, tp 4
  EXPECT_TRUE(s.point(1).rejected.empty());
  // The scenario carries the derived value, and reads as a scenario.
  const Scenario sc = parse_scenario(s.scenario_text(s.point(4)), s.scenario_file(), test::catalog());
  EXPECT_EQ(sc.plan.tp, 2);
  EXPECT_EQ(sc.plan.dp, 2);
  EXPECT_EQ(sc.cluster_gpus(), 4);
}

TEST(SweepSpec, PolicyParametersAndWholeListsAreKeyPaths) {
  const SweepSpec s = spec(
      "grid:\n  policies.pass-dvfs.slowdown_budget: [0.02, 0.05]\n  policies.power-cap.fraction: [0.8]\n");
  const Scenario sc = parse_scenario(s.scenario_text(s.point(1)), s.scenario_file(), test::catalog());
  ASSERT_EQ(sc.policies.size(), 3u);
  EXPECT_EQ(sc.policies[1].name, "pass-dvfs");
  EXPECT_EQ(sc.policies[1].parameters.number("slowdown_budget"), 0.05);
  EXPECT_EQ(sc.policies[2].name, "power-cap");
  const SweepSpec lists = spec("grid:\n  policies: [[static], [static, sync-idle]]\n");
  EXPECT_EQ(parse_scenario(lists.scenario_text(lists.point(1)), "s.yaml", test::catalog()).policies.size(),
            2u);
  EXPECT_TRUE(lists.point(0).values[0].value.is_text);  // a list is a string column
}

TEST(SweepSpec, RandomSamplesAreSeededAndAddressableByIndex) {
  const std::string body =
      "seed: 7\nrandom:\n  samples: 200\n  axes:\n    energy.pue: {uniform: [1.1, 1.6]}\n"
      "    workload.micro_batch: {integer: [1, 4]}\n    policies.pass-dvfs.slowdown_budget: {log_uniform: "
      "[0.001, "
      "0.1]}\n    hardware.gpus: {choice: [1, 2, 4]}\n";
  const SweepSpec a = spec(body), b = spec(body);
  ASSERT_EQ(a.size(), 200u);
  std::set<double> micro;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const SweepPoint p = a.point(i), q = b.point(i);
    for (std::size_t c = 0; c < 4; ++c) EXPECT_EQ(p.values[c].value, q.values[c].value);
    EXPECT_GE(p.values[0].value.number, 1.1);
    EXPECT_LT(p.values[0].value.number, 1.6);
    EXPECT_EQ(p.values[1].value.number, std::floor(p.values[1].value.number));
    micro.insert(p.values[1].value.number);
    EXPECT_GE(p.values[2].value.number, 0.001);
    EXPECT_LT(p.values[2].value.number, 0.1);
    EXPECT_TRUE(p.values[3].value.number == 1 || p.values[3].value.number == 2 ||
                p.values[3].value.number == 4);
  }
  EXPECT_EQ(micro, (std::set<double>{1, 2, 3, 4}));
  const SweepSpec other = spec("seed: 8\n" + body.substr(body.find("random:")));
  EXPECT_NE(other.point(0).values[0].value, a.point(0).values[0].value);
}

TEST(SweepSpec, MalformedFilesAreRejectedWithPositions) {
  const std::string unknown = "grid:\n  parallelism.pt: [1, 2]\n";
  const std::string e1 = sweep_error(unknown);
  EXPECT_NE(e1.find("sweep.yaml:" + std::to_string(line_of(unknown, "parallelism.pt")) +
                    ":3: unknown key path "
                    "'parallelism.pt'; did you mean 'parallelism.pp'?"),
            std::string::npos)
      << e1;
  EXPECT_NE(sweep_error("grid:\n  hardware.gpus: []\n").find("empty axis: hardware.gpus has no values"),
            std::string::npos);
  const std::string zip = "zip:\n  hardware.gpus: [1, 2]\n  workload.global_batch: [8, 16, 32]\n";
  const std::string e3 = sweep_error(zip);
  EXPECT_NE(
      e3.find("sweep.yaml:" + std::to_string(line_of(zip, "[8, 16, 32]")) + ":26: zip of unequal lengths"),
      std::string::npos)
      << e3;
  const std::string expr = "grid:\n  hardware.gpus: [1, 2]\nderived:\n  parallelism.dp: gpus / * 2\n";
  const std::string e4 = sweep_error(expr);
  // The column of the error inside the expression: the value starts at column 19, '*' is 7 further.
  EXPECT_NE(e4.find("sweep.yaml:" + std::to_string(line_of(expr, "gpus / *")) + ":26: expression error"),
            std::string::npos)
      << e4;
  EXPECT_NE(sweep_error("grid:\n  hardware.gpus: [1]\nderived:\n  parallelism.dp: gpu_count / 2\n")
                .find("'gpu_count' in 'gpu_count / 2' is neither swept nor set"),
            std::string::npos);
  EXPECT_NE(
      sweep_error("grid:\n  policies.pass-dvfs.budget: [0.1]\n").find("policy pass-dvfs has no parameter"),
      std::string::npos);
  EXPECT_NE(sweep_error("grid:\n  hardware.gpus: [1]\nzip:\n  hardware.gpus: [2]\n")
                .find("'hardware.gpus' is set twice"),
            std::string::npos);
  EXPECT_NE(sweep_error("").find("a sweep needs values"), std::string::npos);
  EXPECT_NE(sweep_error("grids:\n  hardware.gpus: [1]\n").find("did you mean 'grid'"), std::string::npos);
}

TEST(SweepPoint, ResultsEncodeAndDecodeBitForBit) {
  PointResult r{42, "0123456789abcdef", PointStatus::Done, "", {}, {}};
  r.rows.push_back({"static", {}});
  r.rows.push_back({"pass\tdvfs", {}});
  for (auto& row : r.rows)
    for (std::size_t c = 0; c < result_columns().size(); ++c)
      row.values.push_back(c == 3 ? std::numeric_limits<double>::quiet_NaN() : std::nextafter(0.1 * c, 1.0));
  const std::optional<PointResult> back = decode(encode(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(encode(*back), encode(r));
  EXPECT_EQ(back->rows[1].policy, "pass\tdvfs");
  EXPECT_EQ(back->rows[0].values[5], r.rows[0].values[5]);
  EXPECT_TRUE(std::isnan(back->rows[0].values[3]));
  PointResult dropped{7, "fedcba9876543210", PointStatus::Infeasible, "needs\nmore memory", {}, {}};
  EXPECT_EQ(decode(encode(dropped))->reason, "needs\nmore memory");
  // A line cut by a kill does not decode.
  const std::string line = encode(r);
  EXPECT_FALSE(decode(line.substr(0, line.size() - 3)).has_value() &&
               encode(*decode(line.substr(0, line.size() - 3))) == line);
  EXPECT_FALSE(decode(line.substr(0, line.size() / 2)));
}

TEST(SweepPoint, APointReRunAloneGivesWhatItGaveInTheSweep) {
  const SweepSpec s = spec(
      "grid:\n  hardware.gpus: [2, 4]\n  variation.speed_spread: [0.02]\n  parallelism.symmetric: [false]\n");
  for (std::size_t i = 0; i < s.size(); ++i) {
    const PointResult in_sweep = run_point(s, i, test::catalog());
    ASSERT_EQ(in_sweep.status, PointStatus::Done) << in_sweep.reason;
    // What `wattsim sweep --point ID > p.yaml; wattsim run p.yaml` does: the scenario text, read and run.
    const std::string text = s.scenario_text(s.point(i));
    EXPECT_NE(text.find("seed: "), std::string::npos);  // randomness from the sweep's seed and the point id
    const RunResult alone = run_scenario(parse_scenario(text, "p.yaml", test::catalog()));
    EXPECT_EQ(encode(point_result(i, in_sweep.id, alone)), encode(in_sweep));
  }
  // Different points draw different random streams.
  const std::string a = s.scenario_text(s.point(0)), b = s.scenario_text(s.point(1));
  EXPECT_NE(a.substr(a.find("seed: "), 24), b.substr(b.find("seed: "), 24));
}

TEST(SweepPoint, InfeasiblePointsCarryTheReasonsValidateGives) {
  const SweepSpec s = spec("grid:\n  parallelism.tp: [1, 3]\n");
  EXPECT_EQ(run_point(s, 0, test::catalog()).status, PointStatus::Done);
  const PointResult bad = run_point(s, 1, test::catalog());
  EXPECT_EQ(bad.status, PointStatus::Infeasible);
  EXPECT_NE(bad.reason.find("tp"), std::string::npos) << bad.reason;
  EXPECT_EQ(bad.rows.size(), 0u);
  ASSERT_EQ(bad.parameters.size(), 1u);
  EXPECT_EQ(bad.parameters[0].number, 3);
}

struct TempDir {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("wattsim-sweep-test-" + std::to_string(::getpid()));
  TempDir() { std::filesystem::create_directories(path); }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

TEST(SweepFile, WritesAndReadsBackEveryResult) {
  TempDir dir;
  const SweepSpec s = spec("grid:\n  hardware.gpus: [2, 4]\n  parallelism.tp: [1, 3]\n");
  SweepFile file{
      s.name(), fingerprint_text(s.fingerprint()), s.size(), "", s.text(), s.base_text(), s.columns(), {},
      "test"};
  for (std::size_t i = 0; i < s.size(); ++i) file.results.push_back(run_point(s, i, test::catalog()));
  file.results.push_back(
      {99, "0000000000000000", PointStatus::Failed, "boom", {}, {SweepValue::of(1), SweepValue::of(1)}});
  write_sweep_file(dir / "r.h5", file, false);
  const SweepFile back = read_sweep_file(dir / "r.h5");
  EXPECT_EQ(back.fingerprint, file.fingerprint);
  EXPECT_EQ(back.parameters, s.columns());
  EXPECT_EQ(back.sweep_text, s.text());
  ASSERT_EQ(back.results.size(), file.results.size());
  for (std::size_t i = 0; i < back.results.size(); ++i) {
    EXPECT_EQ(encode(back.results[i]), encode(file.results[i]));
    for (std::size_t c = 0; c < 2; ++c)
      EXPECT_EQ(back.results[i].parameters[c], file.results[i].parameters[c]);
  }
}

TEST(SweepFile, MergeJoinsShardsAndCountsDuplicatesAndGaps) {
  TempDir dir;
  const SweepSpec s = spec("grid:\n  hardware.gpus: [1, 2, 4]\n  energy.pue: [1.1, 1.3]\n");
  std::ostringstream log;
  for (std::size_t shard = 0; shard < 2; ++shard) {
    SweepOptions o;
    o.output = dir / ("part" + std::to_string(shard) + ".h5");
    o.threads = 2;
    o.shard = shard;
    o.shards = 2;
    const SweepOutcome out = run_sweep(s, test::catalog(), o, log);
    EXPECT_EQ(out.points, 3u);
    EXPECT_EQ(out.remaining, 0u);
    EXPECT_FALSE(std::filesystem::exists(journal_path(o.output)));
  }
  SweepOptions whole;
  whole.output = dir / "whole.h5";
  whole.threads = 1;
  run_sweep(s, test::catalog(), whole, log);
  const MergeReport m = merge_sweep_files({dir / "part0.h5", dir / "part1.h5", dir / "part0.h5"},
                                          dir / "merged.h5", false, "test", log);
  EXPECT_EQ(m.points, 6u);
  EXPECT_EQ(m.duplicates, 3u);
  EXPECT_EQ(m.conflicting, 0u);
  EXPECT_EQ(m.missing, 0u);
  const SweepFile merged = read_sweep_file(dir / "merged.h5"), reference = read_sweep_file(dir / "whole.h5");
  ASSERT_EQ(merged.results.size(), reference.results.size());
  for (std::size_t i = 0; i < merged.results.size(); ++i)
    EXPECT_EQ(encode(merged.results[i]), encode(reference.results[i]));
  const MergeReport half = merge_sweep_files({dir / "part1.h5"}, dir / "half.h5", false, "test", log);
  EXPECT_EQ(half.missing, 3u);
  EXPECT_NE(log.str().find("missing 3 point(s), indices 0 2 4"), std::string::npos) << log.str();
}

TEST(SweepFile, AResumedSweepRunsOnlyWhatIsLeftAndRefusesAnotherSweepsFile) {
  TempDir dir;
  const SweepSpec s = spec("grid:\n  hardware.gpus: [1, 2]\n  energy.pue: [1.1, 1.3]\n");
  std::ostringstream log;
  SweepOptions o;
  o.output = dir / "r.h5";
  o.threads = 2;
  EXPECT_EQ(run_sweep(s, test::catalog(), o, log).done, 4u);
  const SweepOutcome again = run_sweep(s, test::catalog(), o, log);
  EXPECT_EQ(again.done, 0u);
  EXPECT_EQ(again.finished_before, 4u);
  const SweepSpec other = spec("grid:\n  hardware.gpus: [1, 2, 4]\n");
  EXPECT_THROW(run_sweep(other, test::catalog(), o, log), InputError);
}

}  // namespace
}  // namespace wattsim
