#pragma once
// Appends the forward kernels of one layer and derives the matching backward kernels, so that each model
// family states only its forward computation. Conventions (docs/physics.md):
//  - a GEMM (M×K)·(K×N) costs 2·M·K·N FLOPs and moves its three operands once; its backward is two GEMMs
//    of the same FLOPs (input gradient and weight gradient), the weight gradient accumulated in fp32;
//  - vector work moves `reads + writes` elements; its backward reads the saved inputs and the output
//    gradient and writes a gradient per input, 2·reads + writes elements, unless the caller says otherwise;
//  - backward kernels run in reverse order of the forward ones.
#include <string>

#include "workload/kernel.hpp"

namespace wattsim {

class LayerBuilder {
 public:
  // tensor_parallel: how many ranks share this layer's split weights (1 without tensor parallelism).
  // fp8: weight GEMMs on FP8 operands with Transformer Engine's casts (weight_gemm).
  LayerBuilder(Workload& workload, std::string name, double bytes_per_element, int tensor_parallel = 1,
               bool sparse_weights = false, bool fp8 = false);
  ~LayerBuilder();  // appends the finished layer to the workload
  LayerBuilder(const LayerBuilder&) = delete;
  LayerBuilder& operator=(const LayerBuilder&) = delete;

  // A weight GEMM on one rank: activations (M×K) times weights (K×N). `split`: the weights are one
  // rank's shard of a tensor-parallel matrix (column or row parallel); otherwise replicated. In an FP8
  // layer the three GEMMs take FP8 operands, cast by their own kernels (layer_builder.cpp).
  void weight_gemm(const std::string& label, double m, double k, double n, bool split = true);
  // The GEMMs of `local_experts` experts held by this rank (a grouped GEMM), each (m×k)·(k×n), of an MoE
  // layer whose experts are spread over `expert_parallel` ranks (and split over TP like a dense FFN).
  // `routed_share`: the fraction of the rows that are real tokens (1 / capacity factor; the rest pad).
  void expert_gemm(const std::string& label, double m, double k, double n, double local_experts,
                   double expert_parallel, double routed_share);
  // An activation-by-activation product (attention scores, attention-weighted values, or a fused
  // attention kernel): no weights. `forward` and `backward` are the shapes of the forward product and of
  // the backward's two (hardware/tensor_efficiency.hpp). `executed` is the fraction of `flops` the kernel
  // really runs (a causal FlashAttention skips the masked half); model FLOPs count them all, as MFU does.
  void activation_gemm(const std::string& label, double flops, double bytes_forward,
                       const TensorShape& forward, const TensorShape& backward, double executed = 1.0);
  // Element-wise or reduction work over `elements` values: `reads` and `writes` tensors of them forward,
  // `backward` tensors moved backward (negative: 2·reads + writes).
  void vector(const std::string& label, KernelKind kind, double elements, double reads, double writes,
              double flops_per_element, double backward = -1);
  // Vector work that states its bytes per element, forward and backward (kernels that change precision
  // or make several passes); its backward runs twice the forward's FLOPs.
  void streamed(const std::string& label, KernelKind kind, double elements, double forward_bytes_per_element,
                double backward_bytes_per_element, double flops_per_element);
  // A collective over the tensor-parallel group at this point of the forward (pass Forward) or of the
  // backward (pass Backward: placed here in forward order, it runs after the backward of what follows).
  void tensor_collective(const std::string& label, Pass pass, CollectiveKind kind, double bytes) {
    group_collective(label, pass, CommGroup::Tensor, kind, bytes);
  }
  // The same over another group of ranks (the expert-parallel group).
  void group_collective(const std::string& label, Pass pass, CommGroup group, CollectiveKind kind,
                        double bytes);
  // Marks the kernels added since `first_forward` as the attention core (selective recomputation).
  std::size_t forward_count() const { return layer_.forward.size(); }
  void mark_attention_core(std::size_t first_forward);
  // Parameters the layer holds outside its weight GEMMs (biases, norms, embeddings).
  // `count` parameters held by one rank; `split`: a shard of t times as many, else replicated.
  void add_parameters(double count, bool split) {
    layer_.parameters += count;
    layer_.model_parameters += split ? count * tp_ : count;
  }
  double bytes_per_element() const { return e_; }

 private:
  // weight_gemm over `batch` independent weight matrices. The model's FLOPs and parameters this rank's
  // share stands for, relative to its own: `flops_share` (t for TP-split weights; the rows that are real
  // tokens count, `routed_share` of them) and `parameter_share` (t, times ep for experts).
  void batched_weight_gemm(const std::string& label, double m, double k, double n, double batch,
                           double flops_share, double parameter_share, double routed_share);
  void add(Pass pass, const std::string& label, KernelKind kind, double flops, double bytes,
           const TensorShape& shape = {});
  Workload& workload_;
  Layer layer_;
  double e_;
  double tp_;
  bool sparse_;
  bool fp8_;
};

}  // namespace wattsim
