#pragma once
// GPU board power as a function of SM clock, switching activity and memory traffic (docs/physics.md):
//
//   P(f) = P_base + k_leak·V(f) + α·C_eff·V(f)²·f + β·P_mem
//
// V(f) is the profile's piecewise-linear voltage–frequency table: flat at V_min below the knee (where lower
// clocks save only f, so power falls linearly) and rising above it (where power grows roughly as f·V²).
// This is the CMOS dynamic-power law P = α·C·V²·f plus a leakage term; the coefficients are per profile.
#include <algorithm>

#include "hardware/gpu_profile.hpp"

namespace wattsim {

struct PowerDraw {
  double total_w = 0;
  double memory_w = 0;  // the β·P_mem part, reported as the "memory" energy share
};

// The law's parts at one clock: P = static + α·dynamic + β·memory.
struct PowerTerms {
  double static_w = 0;   // P_base + k_leak·V(f)
  double dynamic_w = 0;  // C_eff·V(f)²·f, a dense GEMM's switching power (α = 1)
  double memory_w = 0;   // P_mem, the HBM interface at full bandwidth (β = 1)
};

class PowerModel {
 public:
  explicit PowerModel(const GpuProfile& profile) : profile_(&profile) {}

  double voltage_v(double clock_mhz) const;
  PowerTerms terms(double clock_mhz) const;
  // The law itself, the only place it is written: activity α relative to a dense tensor GEMM's compute
  // (≥ 0; concurrent work adds up), memory utilisation β of peak bandwidth (saturating at 1), and a
  // chip's power factor (per-GPU variation).
  static PowerDraw draw(const PowerTerms& terms, double activity, double memory_utilisation,
                        double scale = 1.0) {
    const double alpha = activity;  // a GEMM moving data, with NCCL beside it, toggles more than a GEMM alone
    const double beta = std::min(memory_utilisation, 1.0);  // no more bytes than the bandwidth
    PowerDraw d;
    d.memory_w = beta * terms.memory_w * scale;
    d.total_w = (terms.static_w + alpha * terms.dynamic_w) * scale + d.memory_w;
    return d;
  }
  PowerDraw draw(double clock_mhz, double activity, double memory_utilisation) const {
    return draw(terms(clock_mhz), activity, memory_utilisation);
  }
  // A GPU with nothing running at this clock, spinning on a synchronisation (the static baseline's wait).
  PowerDraw wait(double clock_mhz) const { return draw(clock_mhz, profile_->power.wait_activity, 0.0); }

 private:
  const GpuProfile* profile_;
};

}  // namespace wattsim
