#include "workload/layer_builder.hpp"

#include <algorithm>

namespace wattsim {

namespace {
constexpr double kFp32GradBytes = 4.0;  // weight gradients accumulate in fp32 (mixed-precision training)
}

LayerBuilder::LayerBuilder(Workload& workload, std::string name, double bytes_per_element,
                           int tensor_parallel, bool sparse_weights)
    : workload_(workload), e_(bytes_per_element), tp_(tensor_parallel), sparse_(sparse_weights) {
  layer_.name = std::move(name);
}

LayerBuilder::~LayerBuilder() {
  std::reverse(layer_.backward.begin(), layer_.backward.end());
  const auto index = static_cast<std::uint16_t>(workload_.layers.size());
  for (auto& k : layer_.forward) k.layer = index;
  for (auto& k : layer_.backward) k.layer = index;
  workload_.layers.push_back(std::move(layer_));
}

void LayerBuilder::add(Pass pass, const std::string& label, KernelKind kind, double flops, double bytes,
                       const TensorShape& shape) {
  Kernel k;
  k.work = KernelWork{flops, bytes, kind, shape};
  k.pass = pass;
  k.label = workload_.label_id(label);
  (pass == Pass::Forward ? layer_.forward : layer_.backward).push_back(k);
}

void LayerBuilder::weight_gemm(const std::string& label, double m, double k, double n, bool split) {
  const double flops = 2.0 * m * k * n;
  layer_.model_gemm_flops += split ? flops * tp_ : flops;
  // With 2:4 sparse weights the forward and input-gradient GEMMs (which multiply by the weights) run
  // half the multiply-adds, and read half the weights plus 2-bit indices.
  const double w = sparse_ ? 0.5 : 1.0;
  // Shapes as rows × columns × depth: forward (m×k)·(k×n); input gradient (m×n)·(n×k); weight gradient
  // (k×m)·(m×n).
  add(Pass::Forward, label, KernelKind::TensorGemm, w * flops, e_ * (m * k + w * k * n + m * n), {m, n, k});
  // Backward in execution order after reversal: weight gradient, then input gradient.
  add(Pass::Backward, label + ".dgrad", KernelKind::TensorGemm, w * flops, e_ * (m * n + w * k * n + m * k),
      {m, k, n});
  add(Pass::Backward, label + ".wgrad", KernelKind::TensorGemm, flops,
      e_ * (m * k + m * n) + 2.0 * kFp32GradBytes * k * n, {k, n, m});
  add_parameters(k * n, split);
}

void LayerBuilder::tensor_collective(const std::string& label, Pass pass, CollectiveKind kind, double bytes) {
  Kernel k;
  k.pass = pass;
  k.label = workload_.label_id(label);
  k.tensor_collective = true;
  k.collective = kind;
  k.message_bytes = bytes;
  (pass == Pass::Forward ? layer_.forward : layer_.backward).push_back(k);
}

void LayerBuilder::mark_attention_core(std::size_t first_forward) {
  for (std::size_t i = first_forward; i < layer_.forward.size(); ++i) layer_.forward[i].attention_core = true;
}

void LayerBuilder::activation_gemm(const std::string& label, double flops, double bytes_forward,
                                   const TensorShape& forward, const TensorShape& backward, double executed) {
  layer_.model_gemm_flops += flops * tp_;  // attention products are split over heads
  add(Pass::Forward, label, KernelKind::TensorGemm, executed * flops, bytes_forward, forward);
  add(Pass::Backward, label + ".bwd", KernelKind::TensorGemm, 2.0 * executed * flops, 2.0 * bytes_forward,
      backward);
}

void LayerBuilder::vector(const std::string& label, KernelKind kind, double elements, double reads,
                          double writes, double flops_per_element) {
  const double bytes = e_ * (reads + writes);
  streamed(label, kind, elements, bytes, 2.0 * bytes, flops_per_element);
}

void LayerBuilder::streamed(const std::string& label, KernelKind kind, double elements,
                            double forward_bytes_per_element, double backward_bytes_per_element,
                            double flops_per_element) {
  add(Pass::Forward, label, kind, flops_per_element * elements, forward_bytes_per_element * elements);
  add(Pass::Backward, label + ".bwd", kind, 2.0 * flops_per_element * elements,
      backward_bytes_per_element * elements);
}

}  // namespace wattsim
