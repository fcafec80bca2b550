#pragma once
// Helpers shared by the tests: where the shipped models and the published data live, and a small
// scenario builder so each test states only what it varies.
#include <string>

#include <yaml-cpp/yaml.h>

#include "io/model_catalog.hpp"
#include "io/scenario_reader.hpp"
#include "run/runner.hpp"
#include "workload/model_family.hpp"

namespace wattsim::test {

inline const ModelCatalog& catalog() {
  static const ModelCatalog c(WATTSIM_TEST_MODELS_DIR);
  return c;
}
inline std::string source_dir() {
  return WATTSIM_TEST_SOURCE_DIR;
}
// A file of published figures kept in tests/data/published (hardware.yaml, power.yaml, ...).
inline YAML::Node published(const std::string& name) {
  return YAML::LoadFile(source_dir() + "/tests/data/published/" + name);
}

// A run with its trace kept in memory: traces.traces()[i] is policy i's.
struct TracedRun {
  RunResult result;
  MemorySink traces;
  const MemorySink::Trace& trace(std::size_t policy) const { return traces.traces().at(policy); }
};
inline std::unique_ptr<TracedRun> run_traced(const Scenario& s) {
  auto t = std::make_unique<TracedRun>();
  t->result = run_scenario(s, t->traces);
  return t;
}

inline Scenario scenario_from_text(const std::string& text) {
  return parse_scenario(text, "test.yaml", catalog());
}

// The error message a scenario text is rejected with, or "" if it is accepted.
inline std::string rejection(const std::string& text) {
  try {
    scenario_from_text(text);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

// A scenario small enough to simulate in milliseconds: a 2-layer GPT on `gpus` H100s.
std::string tiny_gpt_yaml(int gpus, const std::string& extra = "");

// A model of the zoo (models/workloads), and one microbatch of it as its family builds it.
inline ModelSpec zoo_model(const std::string& name) {
  return load_model_spec(ModelCatalog::find(catalog().workloads(), name)->file);
}
inline Workload build_workload(const ModelSpec& model, const MicrobatchShape& shape) {
  return ModelFamilyRegistry::instance().find(model.family)->build(model, shape);
}

inline GpuProfile gpu(const std::string& name) {
  return load_gpu_profile(ModelCatalog::find(catalog().gpus(), name)->file);
}

}  // namespace wattsim::test
