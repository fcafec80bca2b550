#include "workload/layer_builder.hpp"

#include <algorithm>

namespace wattsim {

namespace {
constexpr double kFp32GradBytes = 4.0;  // weight gradients accumulate in fp32 (mixed-precision training)
}

LayerBuilder::LayerBuilder(Workload& workload, std::string name, double bytes_per_element,
                           int tensor_parallel, bool sparse_weights, bool fp8)
    : workload_(workload), e_(bytes_per_element), tp_(tensor_parallel), sparse_(sparse_weights), fp8_(fp8) {
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
  batched_weight_gemm(label, m, k, n, 1.0, split ? tp_ : 1.0, split ? tp_ : 1.0, 1.0);
}

void LayerBuilder::expert_gemm(const std::string& label, double m, double k, double n, double local_experts,
                               double expert_parallel, double routed_share) {
  layer_.expert_parameters += local_experts * k * n;
  // The rows a rank runs are its own tokens' share of the work (balanced routing), so its FLOPs stand for
  // t ranks' as a dense layer's do; its weights are 1/ep of the experts.
  batched_weight_gemm(label, m, k, n, local_experts, tp_, tp_ * expert_parallel, routed_share);
}

void LayerBuilder::batched_weight_gemm(const std::string& label, double rows, double k, double n,
                                       double batch, double flops_share, double parameter_share,
                                       double routed_share) {
  // Every term below is one product's times `batch`: m counts the rows of all of them, and the weights
  // k·n of each.
  const double m = rows * batch;
  const double flops = 2.0 * m * k * n;
  layer_.model_gemm_flops += flops * flops_share * routed_share;
  layer_.parameters += k * n * batch;
  layer_.model_parameters += k * n * batch * parameter_share;
  // With 2:4 sparse weights the forward and input-gradient GEMMs (which multiply by the weights) run
  // half the multiply-adds, and read half the weights plus 2-bit indices.
  const double w = sparse_ ? 0.5 : 1.0;
  const double kn = k * n * batch;  // weight elements
  // Shapes as rows × columns × depth: forward (m×k)·(k×n); input gradient (m×n)·(n×k); weight gradient
  // (k×m)·(m×n). Backward kernels are listed in forward order (the destructor reverses them): they run
  // as weight gradient, then input gradient. Operands are read at `a` bytes (e, or 1 in FP8) and results
  // written at e (the weight gradient accumulates in fp32).
  //
  // FP8 (Transformer Engine, delayed scaling): each operand is cast to FP8 together with its transpose
  // (the other GEMM that reads it needs it), the scaling's amax found in the same pass: the input x and
  // the output gradient dy once per microbatch, the weights once per step (kept across microbatches). A
  // cast reads e bytes and writes two FP8 copies per element.
  constexpr double kCastFlops = 3;  // amax compare, scale, convert
  const double a = fp8_ ? 1.0 : e_;
  auto traffic = [&](double operands, double result) {  // bytes of a GEMM: two operands in, a result out
    return fp8_ ? operands + e_ * result : e_ * (operands + result);
  };
  if (fp8_) {
    add(Pass::Forward, label + ".fp8_cast_input", KernelKind::Reduction, kCastFlops * m * k,
        (e_ + 2) * m * k);
    add(Pass::Forward, label + ".fp8_cast_weight", KernelKind::Reduction, kCastFlops * kn, (e_ + 2) * kn);
    layer_.forward.back().first_microbatch_only = true;
  }
  add(Pass::Forward, label, KernelKind::TensorGemm, w * flops, traffic(m * k + w * kn, m * n),
      {rows, n, k, batch});
  layer_.forward.back().work.fp8 = fp8_;
  add(Pass::Backward, label + ".dgrad", KernelKind::TensorGemm, w * flops, traffic(m * n + w * kn, m * k),
      {rows, k, n, batch});
  layer_.backward.back().work.fp8 = fp8_;
  add(Pass::Backward, label + ".wgrad", KernelKind::TensorGemm, flops,
      a * (m * k + m * n) + 2.0 * kFp32GradBytes * kn, {k, n, rows, batch});
  layer_.backward.back().work.fp8 = fp8_;
  if (fp8_)
    add(Pass::Backward, label + ".fp8_cast_grad", KernelKind::Reduction, kCastFlops * m * n,
        (e_ + 2) * m * n);
}

void LayerBuilder::group_collective(const std::string& label, Pass pass, CommGroup group, CollectiveKind kind,
                                    double bytes) {
  Kernel k;
  k.pass = pass;
  k.label = workload_.label_id(label);
  k.is_collective = true;
  k.group = group;
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
                          double writes, double flops_per_element, double backward) {
  if (backward < 0) backward = 2.0 * reads + writes;
  streamed(label, kind, elements, e_ * (reads + writes), e_ * backward, flops_per_element);
}

void LayerBuilder::streamed(const std::string& label, KernelKind kind, double elements,
                            double forward_bytes_per_element, double backward_bytes_per_element,
                            double flops_per_element) {
  add(Pass::Forward, label, kind, flops_per_element * elements, forward_bytes_per_element * elements);
  add(Pass::Backward, label + ".bwd", kind, 2.0 * flops_per_element * elements,
      backward_bytes_per_element * elements);
}

}  // namespace wattsim
