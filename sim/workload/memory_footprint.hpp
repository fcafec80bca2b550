#pragma once
// Device memory a plan needs per GPU, to reject plans that cannot run (docs/physics.md). Mixed-precision Adam
// without ZeRO holds 16-bit weights (2 B/param), fp32 gradients (4 B/param) and fp32 master weights and
// two moments (12 B/param): 18 bytes per parameter (Rajbhandari et al. 2020 count 16 with 16-bit
// gradients). Activations come from the model family (Korthikanti et al. 2022 for transformers).
#include <string>

namespace wattsim {

struct MemoryFootprint {
  double weights_bytes = 0;
  double gradients_bytes = 0;
  double optimizer_bytes = 0;
  double activations_bytes = 0;
  double reserved_bytes = 0;  // CUDA context, NCCL buffers, allocator fragmentation

  double total_bytes() const {
    return weights_bytes + gradients_bytes + optimizer_bytes + activations_bytes + reserved_bytes;
  }
  std::string describe() const;  // "weights 2.6 GiB + gradients ... = total"
};

struct Workload;
struct ParallelPlan;
// One GPU of pipeline stage `stage`: its layers' weights, gradients and optimizer states (sharded over
// the data-parallel group by ZeRO: optimizer states from stage 1, gradients from 2, weights at 3), and
// the activations of the most microbatches the schedule keeps in flight on that stage (counted from the
// schedule itself: p − s for 1F1B, all of them for GPipe).
MemoryFootprint stage_footprint(const Workload& workload, const ParallelPlan& plan, int stage);

}  // namespace wattsim
