#include "hardware/tensor_efficiency.hpp"

#include <algorithm>
#include <cmath>

namespace wattsim {

namespace {

struct Tile {
  double rows, columns;
};
// The output tiles cuBLAS/CUTLASS pick for large FP16/BF16 GEMMs on Volta to Hopper (S84); the heuristic
// takes the one that wastes least, which the maximum below stands for.
constexpr Tile kTiles[] = {{256, 128}, {128, 256}, {128, 128}};
// Split-K: when a GEMM has too few tiles to fill the SMs, its depth is cut into k slices run side by side.
constexpr int kMaxSplitK = 16;

double gemm_efficiency(const TensorShape& s, double sm_count) {
  double best = 0;
  for (const Tile& t : kTiles) {
    const double row_tiles = std::ceil(s.rows / t.rows);
    const double column_tiles = std::ceil(s.columns / t.columns);
    const double tile_q = s.rows * s.columns / (row_tiles * t.rows * column_tiles * t.columns);
    const double tiles = std::max(1.0, s.batch) * row_tiles * column_tiles;
    for (int split = 1; split <= kMaxSplitK; split *= 2) {
      const double n = tiles * split;
      const double depth = s.depth / split;
      const double wave_q = n / (std::ceil(n / sm_count) * sm_count);
      best = std::max(best, tile_q * wave_q * depth / (depth + kTilePipelineDepth));
      if (n >= sm_count || depth < 4 * kTilePipelineDepth) break;  // splitting further cannot help
    }
  }
  return best;
}

}  // namespace

double tensor_efficiency(const TensorShape& shape, const GpuProfile& gpu) {
  const KernelEfficiency& e = gpu.efficiency;
  if (shape.attention_sequence > 0 && e.attention > 0)
    return e.attention * shape.attention_sequence / (shape.attention_sequence + e.attention_half_sequence);
  if (shape.rows <= 0 || shape.columns <= 0 || shape.depth <= 0 || gpu.sm_count <= 0) return e.tensor;
  return e.tensor * gemm_efficiency(shape, gpu.sm_count);
}

}  // namespace wattsim
