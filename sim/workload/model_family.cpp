#include "workload/model_family.hpp"

#include <stdexcept>

namespace wattsim {

void register_transformer_families(ModelFamilyRegistry& registry);
void register_resnet_family(ModelFamilyRegistry& registry);

ModelFamilyRegistry& ModelFamilyRegistry::instance() {
  static ModelFamilyRegistry registry = [] {
    ModelFamilyRegistry r;
    register_builtin_model_families(r);
    return r;
  }();
  return registry;
}

void ModelFamilyRegistry::add(ModelFamily family) {
  if (find(family.name)) throw std::logic_error("model family registered twice: " + family.name);
  families_.push_back(std::move(family));
}

const ModelFamily* ModelFamilyRegistry::find(const std::string& name) const {
  for (const auto& f : families_)
    if (f.name == name) return &f;
  return nullptr;
}

void register_builtin_model_families(ModelFamilyRegistry& registry) {
  register_transformer_families(registry);
  register_resnet_family(registry);
}

}  // namespace wattsim
