#include "workload/memory_footprint.hpp"

#include <algorithm>
#include <cstdio>

#include "workload/step_program.hpp"

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

MemoryFootprint stage_footprint(const Workload& w, const ParallelPlan& plan, int stage) {
  double params = 0;
  std::vector<double> chunk_activation(static_cast<std::size_t>(plan.virtual_stages), 0.0);
  double largest_layer = 0;
  for (int c = 0; c < plan.virtual_stages; ++c) {
    const LayerRange r = chunk_layers(w.layers.size(), plan, stage, c);
    for (std::size_t l = r.first; l < r.last; ++l) {
      params += w.layers[l].parameters;
      chunk_activation[static_cast<std::size_t>(c)] +=
          w.layers[l].activation_bytes[static_cast<int>(plan.recompute)];
      largest_layer = std::max(largest_layer, w.layers[l].activation_bytes[0]);
    }
  }
  // Peak activation memory over the schedule: forwards add a chunk's activations, backwards free them.
  double live = 0, peak = 0;
  for (const PipelineOp& op : pipeline_schedule(plan, stage)) {
    live += (op.forward ? 1.0 : -1.0) * chunk_activation[static_cast<std::size_t>(op.chunk)];
    peak = std::max(peak, live);
  }
  // Recomputing a layer rebuilds its full activations for the duration of its backward.
  if (plan.recompute != Recompute::None) peak += largest_layer;
  const double dp = plan.dp;
  MemoryFootprint m;
  m.weights_bytes = plan.weight_bytes_per_parameter * params / (plan.zero_stage >= 3 ? dp : 1.0);
  m.gradients_bytes = plan.gradient_bytes_per_parameter() * params / (plan.zero_stage >= 2 ? dp : 1.0);
  m.optimizer_bytes = 12.0 * params / (plan.zero_stage >= 1 ? dp : 1.0);
  m.activations_bytes = peak;
  m.reserved_bytes = kReservedBytes;
  return m;
}

}  // namespace wattsim
