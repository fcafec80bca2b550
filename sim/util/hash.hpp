#pragma once
// One multiplicative mix, h·φ·2^64 + v (φ the golden ratio), for every place that folds integers into a
// 64-bit key: cache keys of identical collectives, ECMP path choice, per-GPU random seeds and the
// fingerprint of a step's completion sequence. Odd multiplier, so h ↦ h·φ is a bijection on 2^64 and the
// fold of a sequence depends on the order of its elements.
#include <cstdint>

namespace wattsim {

inline constexpr std::uint64_t kGoldenRatio64 = 0x9E3779B97F4A7C15ull;

constexpr std::uint64_t hash_mix(std::uint64_t h, std::uint64_t v) {
  return h * kGoldenRatio64 + v;
}

}  // namespace wattsim
