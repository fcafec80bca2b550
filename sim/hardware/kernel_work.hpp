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
inline constexpr int kKernelKindCount = 3;

struct KernelWork {
  double flops = 0;
  double bytes = 0;  // DRAM bytes read + written
  KernelKind kind = KernelKind::TensorGemm;
};

}  // namespace wattsim
