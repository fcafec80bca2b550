#pragma once
// The hardware and model definitions shipped in models/ (gpus/, nodes/, workloads/), found by name. These
// directories are the registries of GPUs, nodes and workloads: adding a YAML file adds an entry.
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/scenario_schema.hpp"
#include "hardware/gpu_profile.hpp"
#include "io/diagnostics.hpp"
#include "network/fabric.hpp"
#include "network/node_profile.hpp"
#include "workload/model_spec.hpp"

namespace wattsim {

struct CatalogEntry {
  std::string name;
  std::string description;
  std::string file;
  int line = 0, column = 0;  // where the name is written (1-based; 0 if the file names none)
  std::string gpu;           // nodes: the GPU profile the node carries
};

class ModelCatalog {
 public:
  // Throws InputError if models_dir is not a models directory (it has no gpus/ folder).
  explicit ModelCatalog(std::string models_dir);
  // $WATTSIM_MODELS if set, else the models/ directory of the source tree the binary was built from.
  static std::string default_dir();

  const std::string& dir() const { return dir_; }
  const std::vector<CatalogEntry>& gpus() const { return gpus_; }
  const std::vector<CatalogEntry>& nodes() const { return nodes_; }
  const std::vector<CatalogEntry>& workloads() const { return workloads_; }
  const std::vector<CatalogEntry>& fabrics() const { return fabrics_; }

  // The node profile whose `gpu` is this GPU profile's name (a scenario's default node); nullptr if none.
  const CatalogEntry* node_carrying(const std::string& gpu_name) const;
  // Looks a name up (case-insensitively); nullptr if absent.
  static const CatalogEntry* find(const std::vector<CatalogEntry>& entries, const std::string& name);
  // "GPU 'x' is defined 2 times: a.yaml:1:7 and b.yaml:1:7; ...", or "" when the name is defined once.
  static std::string ambiguity(const std::string& what, const std::vector<CatalogEntry>& entries,
                               const std::string& name);
  // "unknown GPU 'x'; known: a, b, c" with the nearest name first when one is close.
  static std::string unknown_message(const std::string& what, const std::string& name,
                                     const std::vector<CatalogEntry>& entries);

 private:
  std::string dir_;
  std::vector<CatalogEntry> gpus_, nodes_, workloads_, fabrics_;
};

// Each loader reads one file and throws InputError listing every problem in it.
GpuProfile load_gpu_profile(const std::string& file);
NodeProfile load_node_profile(const std::string& file);
FabricProfile load_fabric_profile(const std::string& file);
ModelSpec load_model_spec(const std::string& file);
// The declared parameters of every definition file, section by section, for the reference and fuzzers.
std::vector<SchemaSection> definition_sections();
// A model architecture given as a mapping (a file's root or a scenario's inline `model:`).
ModelSpec read_model_spec(const YAML::Node& node, Diagnostics& diagnostics);

}  // namespace wattsim
