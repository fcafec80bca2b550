#pragma once
// Model families turn an architecture into per-layer kernels. Each registers itself by name with a one-line
// description, so adding a family touches no dispatch code and `wattsim list workloads` shows it.
#include <functional>
#include <string>
#include <vector>

#include "workload/kernel.hpp"
#include "workload/model_spec.hpp"

namespace wattsim {

struct ModelFamily {
  std::string name;
  std::string description;
  std::function<Workload(const ModelSpec&, const MicrobatchShape&)> build;
  std::function<double(const ModelSpec&)> parameter_count;
  std::string sample_unit;  // "sequence" or "image"
};

class ModelFamilyRegistry {
 public:
  static ModelFamilyRegistry& instance();
  void add(ModelFamily family);
  const ModelFamily* find(const std::string& name) const;
  const std::vector<ModelFamily>& all() const { return families_; }

 private:
  std::vector<ModelFamily> families_;
};

// Registers the built-in families; called once by whoever first needs the registry.
void register_builtin_model_families(ModelFamilyRegistry& registry);

}  // namespace wattsim
