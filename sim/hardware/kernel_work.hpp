#pragma once
// What a GPU needs to know to time a kernel and price its power: its arithmetic, its DRAM traffic, and
// which units it runs on. The workload module builds these; the hardware module executes them.
#include <cstdint>

namespace wattsim {

enum class KernelKind : std::uint8_t {
  TensorGemm,   // matrix multiply on tensor cores (GEMMs, implicit-GEMM convolutions, attention products)
  Elementwise,  // vector work: activations, dropout, residual adds, optimizer updates
  Reduction,    // vector work with a reduction: layer/batch norm, softmax, loss
};

// The shape of tensor-core work, which sets how much of the peak it reaches (docs/physics.md, "GEMM
// efficiency from shape"): `batch` independent products of a rows×depth matrix by a depth×columns one, or a
// fused attention kernel (FlashAttention) over `attention_sequence` tokens. All zero: shape unknown, the
// large-GEMM efficiency.
struct TensorShape {
  double rows = 0;
  double columns = 0;
  double depth = 0;
  double batch = 1;
  double attention_sequence = 0;
};

struct KernelWork {
  double flops = 0;
  double bytes = 0;  // DRAM bytes read + written
  KernelKind kind = KernelKind::TensorGemm;
  TensorShape shape{};
  bool fp8 = false;  // a tensor kernel on FP8 operands (Transformer Engine's linear layers): the FP8 rate
};

}  // namespace wattsim
