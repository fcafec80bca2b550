// HDF5 output: round trip through the C API, bit-identical datasets across runs, atomic replacement; and
// the command line's exit codes and messages.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "io/hdf5_sink.hpp"
#include "test_support.hpp"

namespace wattsim {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir() {
  const fs::path d = fs::temp_directory_path() / ("wattsim-test-" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d;
}

double read_double_attribute(hid_t object, const char* name) {
  double v = 0;
  const hid_t a = H5Aopen(object, name, H5P_DEFAULT);
  EXPECT_GE(a, 0) << name;
  H5Aread(a, H5T_NATIVE_DOUBLE, &v);
  H5Aclose(a);
  return v;
}

// The raw bytes of a dataset, as stored, for bit-for-bit comparison.
std::vector<unsigned char> dataset_bytes(hid_t file, const char* path) {
  const hid_t d = H5Dopen2(file, path, H5P_DEFAULT);
  EXPECT_GE(d, 0) << path;
  const hid_t type = H5Dget_type(d);
  const hid_t space = H5Dget_space(d);
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  std::vector<unsigned char> bytes(static_cast<std::size_t>(n) * H5Tget_size(type));
  if (n > 0) H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data());
  H5Sclose(space);
  H5Tclose(type);
  H5Dclose(d);
  return bytes;
}

struct Written {
  Scenario scenario;
  RunResult result;
  MemorySink traces;
};

// Runs a scenario into an HDF5 file and, alongside, into memory.
std::unique_ptr<Written> write(const fs::path& path, const std::string& yaml) {
  auto w = std::make_unique<Written>();
  w->scenario = test::scenario_from_text(yaml);
  Hdf5Sink file(path.string(), w->scenario, OutputInfo{"test", "2026-01-01T00:00:00Z"});
  SinkList sinks;
  sinks.add(file);
  sinks.add(w->traces);
  w->result = run_scenario(w->scenario, sinks);
  return w;
}

TEST(Hdf5, RoundTripsSummariesAndTables) {
  const fs::path out = temp_dir() / "round.h5";
  const auto written = write(out, test::tiny_gpt_yaml(2, "trace: full\n"));
  const Written& w = *written;
  const hid_t f = H5Fopen(out.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  for (const PolicyResult& p : w.result.policies) {
    const std::string path = "/policies/" + p.name + "/summary";
    const hid_t g = H5Gopen2(f, path.c_str(), H5P_DEFAULT);
    ASSERT_GE(g, 0) << path;
    for (const MetricField& m : metric_fields()) {
      if (const auto v = m.get(p.metrics)) {
        EXPECT_EQ(read_double_attribute(g, std::string(m.name).c_str()), *v) << m.name;
      }
    }
    H5Gclose(g);
    const auto steps = dataset_bytes(f, ("/policies/" + p.name + "/steps").c_str());
    EXPECT_EQ(steps.size() / p.steps.size() > 0, true);
    const hid_t events = H5Dopen2(f, ("/policies/" + p.name + "/events").c_str(), H5P_DEFAULT);
    const hid_t space = H5Dget_space(events);
    EXPECT_EQ(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)),
              w.traces.trace(p.name).events.size());
    H5Sclose(space);
    H5Dclose(events);
  }
  const auto text = dataset_bytes(f, "/scenario_yaml");
  EXPECT_EQ(std::string(text.begin(), text.end()), w.scenario.text);
  H5Fclose(f);
}

TEST(Hdf5, SameScenarioGivesBitIdenticalDatasets) {
  const fs::path a = temp_dir() / "a.h5", b = temp_dir() / "b.h5";
  const std::string yaml = test::tiny_gpt_yaml(4, "trace: full\n");
  write(a, yaml);
  write(b, yaml);
  const hid_t fa = H5Fopen(a.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t fb = H5Fopen(b.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  for (const char* path : {"/policies/static/steps", "/policies/static/power", "/policies/static/events",
                           "/policies/pass-dvfs/power", "/policies/pass-dvfs/events", "/comparison"}) {
    const auto x = dataset_bytes(fa, path), y = dataset_bytes(fb, path);
    EXPECT_FALSE(x.empty()) << path;
    EXPECT_EQ(x, y) << path;
  }
  H5Fclose(fa);
  H5Fclose(fb);
}

TEST(Hdf5, WritesAtomicallyAndLeavesNoTemporaryFile) {
  const fs::path dir = temp_dir() / "atomic";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path out = dir / "out.h5";
  write(out, test::tiny_gpt_yaml(1));
  ASSERT_TRUE(fs::exists(out));
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) files += entry.is_regular_file();
  EXPECT_EQ(files, 1u);
  // A failed write (here: a directory that does not exist) throws and creates nothing.
  EXPECT_ANY_THROW(write(dir / "missing" / "out.h5", test::tiny_gpt_yaml(1)));
  EXPECT_FALSE(fs::exists(dir / "missing"));
}

// The command line, as users run it.
struct Command {
  int exit_code;
  std::string output;  // stdout and stderr together
};

Command run_cli(const std::string& args) {
  const fs::path log = temp_dir() / "cli.log";
  const std::string command = std::string(WATTSIM_TEST_BINARY) + " " + args + " > " + log.string() + " 2>&1";
  const int status = std::system(command.c_str());
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  return {WEXITSTATUS(status), text.str()};
}

TEST(Cli, ExitCodesAndMessages) {
  EXPECT_EQ(run_cli("--version").exit_code, 0);
  EXPECT_EQ(run_cli("--help").exit_code, 0);
  EXPECT_EQ(run_cli("frobnicate").exit_code, 2);
  EXPECT_EQ(run_cli("run").exit_code, 2);
  EXPECT_EQ(run_cli("run x.yaml --no-such-flag").exit_code, 2);

  const fs::path bad = temp_dir() / "bad.yaml";
  std::ofstream(bad) << "name: bad\nhardware: {gpu: A100-SXM4-80GB, gpus: 1}\nworkload: {model: bert-large, "
                        "global_batch: 8}\nname: twice\ntrace: everything\n";
  const fs::path out = temp_dir() / "never.h5";
  fs::remove(out);
  const Command c = run_cli("run " + bad.string() + " -o " + out.string());
  EXPECT_EQ(c.exit_code, 2);
  EXPECT_NE(c.output.find(bad.string() + ":4:1: duplicate key 'name'"), std::string::npos) << c.output;
  EXPECT_NE(c.output.find(bad.string() + ":5:8: scenario.trace = 'everything' is not one of"),
            std::string::npos)
      << c.output;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_EQ(run_cli("validate " + bad.string()).exit_code, 2);
  EXPECT_EQ(run_cli("validate " + (temp_dir() / "absent.yaml").string()).exit_code, 2);

  const std::string example = test::source_dir() + "/scenarios/examples/bert-large-1xa100.yaml";
  EXPECT_EQ(run_cli("validate " + example).exit_code, 0);
  const Command list = run_cli("list policies");
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_NE(list.output.find("pass-dvfs"), std::string::npos);
  EXPECT_NE(list.output.find("slowdown_budget"), std::string::npos);
  EXPECT_EQ(run_cli("list gadgets").exit_code, 2);
  for (const char* what : {"gpus", "nodes", "fabrics", "workloads", "families", "algorithms", "parameters"})
    EXPECT_EQ(run_cli(std::string("list ") + what).exit_code, 0) << what;
  EXPECT_NE(run_cli("list fabrics").output.find("rail-optimized"), std::string::npos);
  EXPECT_NE(run_cli("list algorithms").output.find("hierarchical"), std::string::npos);
}

TEST(Cli, RunWritesTheFileAndJsonSummary) {
  const fs::path scenario = temp_dir() / "tiny.yaml";
  std::ofstream(scenario) << test::tiny_gpt_yaml(2);
  const fs::path out = temp_dir() / "tiny.h5";
  const Command c = run_cli("run " + scenario.string() + " -o " + out.string() + " --summary json");
  EXPECT_EQ(c.exit_code, 0) << c.output;
  EXPECT_TRUE(fs::exists(out));
  EXPECT_NE(c.output.find("\"pass-dvfs\": {"), std::string::npos) << c.output;
  EXPECT_NE(c.output.find("\"energy_saving_pct\""), std::string::npos);
  // An output directory that does not exist is bad input, found before anything is simulated: exit 2.
  const Command fail = run_cli("run " + scenario.string() + " -o " + (temp_dir() / "no" / "x.h5").string());
  EXPECT_EQ(fail.exit_code, 2) << fail.output;
  EXPECT_NE(fail.output.find("does not exist"), std::string::npos) << fail.output;
}

}  // namespace
}  // namespace wattsim

namespace wattsim {
namespace {

TEST(Docs, ScenarioReferenceMatchesTheDeclarations) {
  const Command generated = run_cli("list parameters --markdown");
  ASSERT_EQ(generated.exit_code, 0);
  std::ifstream in(test::source_dir() + "/docs/scenario.md");
  std::stringstream doc;
  doc << in.rdbuf();
  EXPECT_NE(doc.str().find(generated.output), std::string::npos)
      << "docs/scenario.md is out of date: regenerate its reference with `wattsim list parameters "
         "--markdown`";
}

}  // namespace
}  // namespace wattsim
