#pragma once
// Model families turn an architecture into per-layer kernels. Each registers itself by name with a one-line
// description, so adding a family touches no dispatch code and `wattsim list workloads` shows it.
#include <functional>
#include <string>
#include <vector>

#include "util/registry.hpp"
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

class ModelFamilyRegistry : public Registry<ModelFamily> {
 public:
  static const ModelFamilyRegistry& instance();  // the built-in families, registered on first use
};

}  // namespace wattsim
