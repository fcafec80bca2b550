#include "workload/model_family.hpp"

namespace wattsim {

void register_transformer_families(ModelFamilyRegistry& registry);
void register_resnet_family(ModelFamilyRegistry& registry);

const ModelFamilyRegistry& ModelFamilyRegistry::instance() {
  static const ModelFamilyRegistry registry = [] {
    ModelFamilyRegistry r;
    register_transformer_families(r);
    register_resnet_family(r);
    return r;
  }();
  return registry;
}

}  // namespace wattsim
