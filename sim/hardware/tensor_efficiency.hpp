#pragma once
// The fraction of the tensor-core peak a kernel reaches, from its shape (docs/physics.md, "GEMM efficiency
// from shape"). A GEMM is cut into output tiles that run in waves of one tile per SM; the last wave and the
// tiles' overhang past the matrix edge idle part of the chip, and each tile's pipeline fill and epilogue
// cost about K_0 steps of its depth:
//   η_gemm = η_mma · max over tiles T and split-K factors k of [ q_wave · q_tile · (K/k) / (K/k + K_0) ]
//   q_tile = rows·columns / (⌈rows/T_m⌉·T_m · ⌈columns/T_n⌉·T_n)
//   q_wave = n / (⌈n / SMs⌉ · SMs),   n = batch·k·⌈rows/T_m⌉·⌈columns/T_n⌉ tiles
// (S84; η_mma, the rate of a tile-perfect GEMM at the clock it runs, is calibrated per GPU on S83/S85).
// A fused attention kernel reaches η_attn · s / (s + s_½): its efficiency grows with the sequence length
// and saturates (S80, S82).
#include "hardware/gpu_profile.hpp"
#include "hardware/kernel_work.hpp"

namespace wattsim {

// The depth a tile's prologue and epilogue cost, in steps of K: filling a 3-4 stage pipeline of 32-64 deep
// slices and writing the tile back (S84) [E].
inline constexpr double kTilePipelineDepth = 64;

double tensor_efficiency(const TensorShape& shape, const GpuProfile& gpu);

}  // namespace wattsim
