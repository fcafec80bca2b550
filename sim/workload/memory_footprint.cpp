#include "workload/memory_footprint.hpp"

#include <cstdio>

namespace wattsim {

namespace {
constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
// CUDA context (~0.5 GiB), NCCL channels and cuBLAS workspaces (~1 GiB), fragmentation [E].
constexpr double kReservedBytes = 2.0 * kGiB;
}  // namespace

std::string MemoryFootprint::describe() const {
  char buf[256];
  std::snprintf(
      buf, sizeof buf,
      "weights %.1f GiB + gradients %.1f GiB + optimizer %.1f GiB + activations %.1f GiB + reserved "
      "%.1f GiB = %.1f GiB",
      weights_bytes / kGiB, gradients_bytes / kGiB, optimizer_bytes / kGiB, activations_bytes / kGiB,
      reserved_bytes / kGiB, total_bytes() / kGiB);
  return buf;
}

MemoryFootprint mixed_precision_adam_footprint(double parameters, double weight_bytes_per_parameter,
                                               double activations_bytes) {
  MemoryFootprint m;
  m.weights_bytes = weight_bytes_per_parameter * parameters;
  m.gradients_bytes = 4.0 * parameters;
  m.optimizer_bytes = 12.0 * parameters;
  m.activations_bytes = activations_bytes;
  m.reserved_bytes = kReservedBytes;
  return m;
}

}  // namespace wattsim
