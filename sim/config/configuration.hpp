#pragma once
// A batch and parallel layout: what the adaptive policies choose before clocks are planned.
namespace wattsim {

struct Configuration {
  int global_batch = 0;
  int micro_batch = 0;
  int tp = 1, pp = 1, dp = 1;
  int zero_stage = 0;
  bool operator==(const Configuration&) const = default;
};

}  // namespace wattsim
