#pragma once
// Numeric precision of a workload: selects the tensor-core peak rate and the bytes per element moved.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "util/enum_names.hpp"

namespace wattsim {

enum class Precision : std::uint8_t { FP32, TF32, FP16, BF16, FP8 };
inline constexpr std::size_t kPrecisionCount = 5;
inline constexpr EnumNames<Precision, kPrecisionCount> kPrecisionNames{
    {"fp32", "tf32", "fp16", "bf16", "fp8"}};

inline std::string_view to_string(Precision p) {
  return kPrecisionNames(p);
}

// Bytes of one activation or weight element as stored in memory. FP8 training (Transformer Engine) keeps
// weights and the activations between kernels in bf16 and casts to FP8 inside its linear layers only.
inline double bytes_per_element(Precision p) {
  switch (p) {
    case Precision::FP32:
    case Precision::TF32:
      return 4.0;
    case Precision::FP16:
    case Precision::BF16:
    case Precision::FP8:
      return 2.0;
  }
  return 2.0;
}

// The precision of the tensor kernels a workload runs outside its FP8 linear layers.
inline Precision tensor_precision(Precision p) {
  return p == Precision::FP8 ? Precision::BF16 : p;
}

}  // namespace wattsim
