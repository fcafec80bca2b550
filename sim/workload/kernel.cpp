#include "workload/kernel.hpp"

#include <algorithm>

namespace wattsim {

std::uint16_t Workload::label_id(const std::string& label) {
  auto it = std::find(labels.begin(), labels.end(), label);
  if (it != labels.end()) return static_cast<std::uint16_t>(it - labels.begin());
  labels.push_back(label);
  return static_cast<std::uint16_t>(labels.size() - 1);
}

void Workload::finalize() {
  parameters = 0;
  double forward_gemm_flops = 0;
  for (const Layer& layer : layers) {
    parameters += layer.model_parameters;
    forward_gemm_flops += layer.model_gemm_flops;
  }
  // Model FLOPs count the forward and the backward (twice the forward) of the whole model, GEMMs only,
  // without recomputation: the convention of MFU (Chowdhery et al. 2022, App. B).
  model_flops_per_sample = 3.0 * forward_gemm_flops / samples_per_microbatch;
}

}  // namespace wattsim
