// Hostile and careless inputs (the reliability review's classes): each is rejected with its position and a
// message that says what is wrong, within bounded time and memory, and nothing crashes.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "energy/grid_intensity.hpp"
#include "io/csv_series.hpp"
#include "io/input_file.hpp"
#include "io/output_file.hpp"
#include "network/topology.hpp"
#include "test_support.hpp"

namespace wattsim {
namespace {

namespace fs = std::filesystem;

fs::path scratch() {
  static const fs::path dir = [] {
    const fs::path d = fs::temp_directory_path() / ("wattsim-hostile-" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

fs::path write(const std::string& name, const std::string& text) {
  const fs::path p = scratch() / name;
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

// The message an input is rejected with; a test fails if it is accepted or fails any other way.
template <class Load>
std::string rejection_of(Load load) {
  try {
    load();
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "accepted";
  return "";
}

const std::string kDefinitionLoaders[] = {"gpu", "node", "fabric", "model"};

std::string load_definition(const std::string& kind, const fs::path& file) {
  return rejection_of([&] {
    if (kind == "gpu") load_gpu_profile(file.string());
    if (kind == "node") load_node_profile(file.string());
    if (kind == "fabric") load_fabric_profile(file.string());
    if (kind == "model") load_model_spec(file.string());
  });
}

TEST(HostileYaml, RecursiveAliasIsRejectedInEveryKindOfFile) {
  const std::string text = "name: x\nx: &r [*r]\n";
  EXPECT_NE(test::rejection(text).find("2:4: the document nests deeper than 64 levels"), std::string::npos)
      << test::rejection(text);
  for (const std::string& kind : kDefinitionLoaders)
    EXPECT_NE(load_definition(kind, write(kind + "-recursive.yaml", text)).find("nests deeper"),
              std::string::npos)
        << kind;
}

TEST(HostileYaml, AliasBombIsBounded) {
  std::string text = "a: &a [x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'l'; ++c) {  // 9^11 values once expanded
    text += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 9; ++i) text += std::string(i ? ", " : "") + "*" + static_cast<char>(c - 1);
    text += "]\n";
  }
  EXPECT_NE(test::rejection(text).find("expands to more than 100000 values"), std::string::npos);
  for (const std::string& kind : kDefinitionLoaders)
    EXPECT_NE(load_definition(kind, write(kind + "-bomb.yaml", text)).find("expands to more"),
              std::string::npos);
}

TEST(HostileYaml, DeepNestingSaysSo) {
  const std::string flow = "name: " + std::string(2000, '[') + std::string(2000, ']') + "\n";
  EXPECT_NE(test::rejection(flow).find("nests deeper than yaml-cpp reads"), std::string::npos)
      << test::rejection(flow);
  std::string nested = "name: x\nhardware:";
  for (int i = 0; i < 70; ++i) nested += " {a:";
  nested += " 1" + std::string(70, '}') + "\n";
  EXPECT_NE(test::rejection(nested).find("nests deeper than 64 levels"), std::string::npos);
}

TEST(HostileYaml, UnterminatedQuoteIsOneErrorAtTheQuote) {
  const std::string e = test::rejection("name: \"abc\nhardware: {gpu: H100-SXM5-80GB}\nworkload: {}\n");
  EXPECT_NE(e.find("1:7: this quoted string is never closed"), std::string::npos) << e;
  EXPECT_EQ(e.find("missing required key"), std::string::npos) << e;
}

// yaml-cpp 0.7's LoadAll never returns on ",:" (found by the instrumented fuzzers); documents are counted by
// their markers instead.
TEST(HostileYaml, InputsThatHangYamlCppLoadAllAreRead) {
  EXPECT_NE(test::rejection(",:").find("a scenario is a mapping"), std::string::npos)
      << test::rejection(",:");
  for (const std::string& kind : kDefinitionLoaders)
    EXPECT_FALSE(load_definition(kind, write(kind + "-comma.yaml", ",:")).empty());
}

TEST(HostileYaml, SecondDocumentIsAnError) {
  const std::string e = test::rejection(test::tiny_gpt_yaml(1) + "---\nname: other\n");
  EXPECT_NE(e.find("a second YAML document"), std::string::npos) << e;
}

TEST(HostileYaml, BinaryGarbageIsEscapedInMessages) {
  const std::string e = test::rejection("name: x\nhardware: {gpu: \"\\e[2J\\x01\"}\nworkload: {}\n");
  EXPECT_EQ(e.find('\x1b'), std::string::npos);
  EXPECT_NE(e.find("\\x1b[2J\\x01"), std::string::npos) << e;
  const Diagnostic d{"f", 1, 1, std::string("bad \xff byte")};
  EXPECT_EQ(d.str(), "f:1:1: bad \\xff byte");
}

TEST(HostileYaml, ManyErrorsAreCountedNotAllListed) {
  std::string text = "name: x\n";
  for (int i = 0; i < 300; ++i) text += "unknown" + std::to_string(i) + ": 1\n";
  const std::string e = test::rejection(text);
  EXPECT_NE(e.find("more errors (the first 100 are listed)"), std::string::npos);
}

TEST(InputFiles, OnlyRegularFilesWithinTheSizeLimitAreRead) {
  const fs::path fifo = scratch() / "pipe.yaml";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_NE(rejection_of([&] { read_input_file(fifo.string()); }).find("a FIFO, not a regular file"),
            std::string::npos);
  EXPECT_NE(rejection_of([&] { read_input_file("/dev/zero"); }).find("a character device"),
            std::string::npos);
  EXPECT_NE(rejection_of([&] { read_input_file(scratch().string()); }).find("a directory"),
            std::string::npos);
  const fs::path big = scratch() / "big.yaml";
  { std::ofstream(big) << "x"; }
  fs::resize_file(big, kMaxInputBytes + 1);
  EXPECT_NE(rejection_of([&] { load_scenario(big.string(), test::catalog()); }).find("at most 16 MiB"),
            std::string::npos);
  // A FIFO named *.yaml in a models folder is left out of the catalog, which must not hang on it.
  const fs::path models = scratch() / "models";
  fs::create_directories(models / "gpus");
  fs::copy(test::source_dir() + "/models/gpus/h100-sxm5-80gb.yaml", models / "gpus");
  ASSERT_EQ(::mkfifo((models / "gpus" / "trap.yaml").c_str(), 0600), 0);
  EXPECT_EQ(ModelCatalog(models.string()).gpus().size(), 1u);
}

TEST(InputFiles, AMissingModelsDirectoryIsNamed) {
  EXPECT_NE(rejection_of([] { ModelCatalog("/nonexistent/models"); }).find("not a models directory"),
            std::string::npos);
}

// A GPU profile file with one field replaced.
fs::path gpu_with(const std::string& name, const std::string& from, const std::string& to) {
  std::ifstream in(test::source_dir() + "/models/gpus/h100-sxm5-80gb.yaml");
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  s.replace(at, from.size(), to);
  return write(name, s);
}

TEST(Definitions, AbsurdButTypedGpuValuesHaveLimits) {
  EXPECT_NE(
      load_definition("gpu", gpu_with("clocks.yaml", "step: 15 MHz", "step: 0.1 MHz")).find("at most 1024"),
      std::string::npos);
  EXPECT_NE(load_definition("gpu", gpu_with("cap.yaml", "min_cap: 200 W", "min_cap: 800 W"))
                .find("min_cap (800.000000 W) is above power.tdp"),
            std::string::npos);
  EXPECT_NE(load_definition("gpu", gpu_with("nvlink.yaml", "nvlink: 900 GB/s", "nvlink: 0 GB/s"))
                .find("out of range"),
            std::string::npos);
}

TEST(Definitions, TwoDefinitionsOfOneNameAreBothNamed) {
  const fs::path models = scratch() / "twice";
  for (const char* folder : {"gpus", "nodes", "fabrics", "workloads"})
    fs::create_directories(models / folder);
  fs::copy(test::source_dir() + "/models/gpus/h100-sxm5-80gb.yaml", models / "gpus" / "a.yaml");
  fs::copy(test::source_dir() + "/models/gpus/h100-sxm5-80gb.yaml", models / "gpus" / "b.yaml");
  fs::copy(test::source_dir() + "/models/nodes/dgx-h100.yaml", models / "nodes");
  const std::string e = rejection_of(
      [&] { parse_scenario(test::tiny_gpt_yaml(1), "test.yaml", ModelCatalog(models.string())); });
  EXPECT_NE(e.find("GPU 'H100-SXM5-80GB' is defined 2 times"), std::string::npos) << e;
  EXPECT_NE(e.find("a.yaml:"), std::string::npos);
  EXPECT_NE(e.find("b.yaml:"), std::string::npos);
}

TEST(Consistency, DefinitionsAndEntriesMustAgree) {
  EXPECT_NE(test::rejection(test::tiny_gpt_yaml(1, "hardware: {gpu: A100-SXM4-80GB, node: dgx-h100}\n"))
                .find("node dgx-h100 carries H100-SXM5-80GB, not A100-SXM4-80GB"),
            std::string::npos);
  const std::string twice = test::rejection(
      test::tiny_gpt_yaml(2,
                          "parallelism: {symmetric: false}\n"
                          "variation: {stragglers: [{gpu: 1, slowdown: 1.5}, {gpu: 1, slowdown: 2}]}\n"));
  EXPECT_TRUE(
      std::regex_search(twice, std::regex(":9:57: gpu 1 is listed as a straggler twice.*\\(see 9:32\\)")))
      << twice;
  EXPECT_NE(test::rejection(test::tiny_gpt_yaml(1, "policies: []\n")).find("policies is empty"),
            std::string::npos);
}

TEST(Messages, SayWhatIsWrong) {
  EXPECT_NE(test::rejection("name: x\nhardware: {gpu: ~}\nworkload: {model: gpt-1.3b, global_batch: 8}\n")
                .find("hardware.gpu must be a string, got nothing (~)"),
            std::string::npos);
  EXPECT_NE(test::rejection(test::tiny_gpt_yaml(1, "seed: 99999999999999999999\n"))
                .find("seed = 1e+20 is out of range"),
            std::string::npos);
  EXPECT_NE(test::rejection(test::tiny_gpt_yaml(1, "description: " + std::string(2000, 'x') + "\n"))
                .find("2000 characters long; at most 1024"),
            std::string::npos);
  const std::string fabric = test::rejection(
      "name: f\nhardware: {gpu: H100-SXM5-80GB, nodes: 9000, fabric: fat-tree-3l}\n"
      "workload: {model: gpt-1.3b, global_batch: 72000, micro_batch: 1}\n");
  EXPECT_NE(fabric.find("joins at most"), std::string::npos) << fabric;
  EXPECT_EQ(fabric.find("use a larger fabric kind"), std::string::npos) << fabric;
}

TEST(CarbonSeries, AbsurdSeriesAreRejected) {
  auto error = [](const std::string& csv) {
    return rejection_of([&] { parse_csv_series(csv, "grid.csv", Dimension::CarbonIntensity); });
  };
  EXPECT_NE(
      error("time (s), carbon intensity (g/kWh)\n0, 400\n1e-12, 300\n").find("3:1: rows are less than 1 s"),
      std::string::npos);
  EXPECT_NE(error("time (h), carbon intensity (g/kWh)\n0, 400\n1, -5\n").find("3:4: '-5' is negative"),
            std::string::npos);
  EXPECT_NE(error("time (h), carbon intensity (g/kWh)\n-3, 400\n1, 5\n").find("outside 0 to 100 years"),
            std::string::npos);
  EXPECT_NE(error("time (h), carbon intensity (g/kWh)\n0, 1\n1e9, 5\n").find("outside 0 to 100 years"),
            std::string::npos);
  const std::string semicolons = error("time (h); carbon intensity (g/kWh)\n0; 400\n1; 300\n");
  EXPECT_NE(semicolons.find("this file separates them with ';'"), std::string::npos) << semicolons;
  EXPECT_EQ(semicolons.find("empty file"), std::string::npos) << semicolons;
}

TEST(CarbonSeries, LongRunsOverFineSeriesStayBounded) {
  // A minute-resolution day, over a year: the mean from whole periods equals the interval-by-interval sum,
  // and a schedule sees at most its window bound.
  std::vector<double> t, v;
  for (int m = 0; m < 1440; ++m) {
    t.push_back(60.0 * m);
    v.push_back(300 + 100 * std::sin(m / 229.0));
  }
  const GridIntensity grid(t, v, 475);
  const double year = 365 * 86400.0;
  double sum = 0;
  for (int day = 0; day < 365; ++day)
    for (const IntensityInterval& i : grid.intervals(day * 86400.0, (day + 1) * 86400.0))
      sum += i.g_per_kwh * (i.t1_s - i.t0_s);
  EXPECT_NEAR(grid.mean(0, year), sum / year, 1e-9 * sum / year);
  EXPECT_EQ(grid.windows(0, year, GridIntensity::kMaxIntervals).size(), GridIntensity::kMaxIntervals);
}

TEST(Fabrics, EveryKindJoinsEveryNodeAtEveryOversubscription) {
  const GpuProfile gpu = test::gpu("H100-SXM5-80GB");
  const NodeProfile node = load_node_profile(test::source_dir() + "/models/nodes/dgx-h100.yaml");
  const FabricProfile fabric =
      load_fabric_profile(test::source_dir() + "/models/fabrics/hdr-infiniband.yaml");
  for (const auto& kind : FabricRegistry::instance().all())
    for (double over : {1.0, 2.0, 3.0, 7.0}) {
      const FabricChoice choice{kind.name, over};
      const long long most_nodes = kind.max_nics(fabric, choice, 8) / 8;
      for (long long nodes : {2LL, 9LL, std::min(most_nodes, 700LL)}) {
        const Topology t = build_topology(node, gpu, static_cast<int>(nodes), fabric, choice);
        const int gpus = t.gpu_count();
        for (int a : {0, 7, gpus / 2 + 3})
          for (int b : {8, gpus - 1})
            EXPECT_NO_THROW(t.route(a, b)) << kind.name << " " << over << " " << nodes;
      }
    }
}

TEST(Outputs, OnlyRegularFilesThatAreNotInputsAreWritten) {
  const fs::path input = write("in.yaml", "x");
  auto refused = [&](const std::string& path) {
    return rejection_of([&] { check_output_path(path, {input.string()}); });
  };
  EXPECT_NE(refused(input.string()).find("it is an input of this run"), std::string::npos);
  EXPECT_NE(refused("/dev/null").find("not a regular file"), std::string::npos);
  EXPECT_NE(refused(scratch().string()).find("not a regular file"), std::string::npos);
  EXPECT_NE(refused((scratch() / "missing" / "out.h5").string()).find("does not exist"), std::string::npos);
  EXPECT_NO_THROW(check_output_path((scratch() / "fresh.h5").string(), {input.string()}));
  // An output not committed leaves nothing behind, its private directory included.
  const auto before = std::distance(fs::directory_iterator(scratch()), fs::directory_iterator());
  {
    AtomicOutput out((scratch() / "never.h5").string());
    std::ofstream(out.path()) << "partial";
  }
  EXPECT_EQ(std::distance(fs::directory_iterator(scratch()), fs::directory_iterator()), before);
  EXPECT_FALSE(fs::exists(scratch() / "never.h5"));
}

}  // namespace
}  // namespace wattsim
