#pragma once
// Appends the forward kernels of one layer and derives the matching backward kernels, so that each model
// family states only its forward computation. Conventions (design §4):
//  - a GEMM (M×K)·(K×N) costs 2·M·K·N FLOPs and moves its three operands once; its backward is two GEMMs
//    of the same FLOPs (input gradient and weight gradient), the weight gradient accumulated in fp32;
//  - vector work moves `reads + writes` elements; its backward moves twice the bytes of its forward;
//  - backward kernels run in reverse order of the forward ones.
#include <string>

#include "workload/kernel.hpp"

namespace wattsim {

class LayerBuilder {
 public:
  LayerBuilder(Workload& workload, std::string name, double bytes_per_element);
  ~LayerBuilder();  // appends the finished layer to the workload
  LayerBuilder(const LayerBuilder&) = delete;
  LayerBuilder& operator=(const LayerBuilder&) = delete;

  // A weight GEMM: activations (M×K) times weights (K×N), weights trainable.
  void weight_gemm(const std::string& label, double m, double k, double n);
  // An activation-by-activation product (attention scores, attention-weighted values): no weights.
  void activation_gemm(const std::string& label, double flops, double bytes_forward);
  // Element-wise or reduction work over `elements` values.
  void vector(const std::string& label, KernelKind kind, double elements, double reads, double writes,
              double flops_per_element);
  // Parameters the layer holds outside its weight GEMMs (biases, norms, embeddings).
  void add_parameters(double count) { layer_.parameters += count; }
  double bytes_per_element() const { return e_; }

 private:
  void add(Pass pass, const std::string& label, KernelKind kind, double flops, double bytes);
  Workload& workload_;
  Layer layer_;
  double e_;
};

}  // namespace wattsim
