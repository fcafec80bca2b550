#pragma once
// Derives the power-model coefficients of a profile from its anchors, so a profile states measured figures
// (idle, blocked-in-collective and TDP powers, memory energy per bit) rather than fitted constants.
//
// The anchors and the assumptions that close the system (documented estimates where marked):
//   idle:      P_base + k_leak·V_min                                        = P_idle   (clock-gated: α = 0)
//   wait:      P_base + k_leak·V_max + α_wait·C_eff·V_max²·f_max            = P_comm_wait
//   TDP:       P_base + k_leak·V_s + (1 + α_m·β_g)·C_eff·V_s²·f_s + β_g·P_mem = TDP
//              with f_s the clock a dense GEMM on realistic data sustains at TDP (S85: 0.87 of the top
//              clock on random data, S96: 0.93 under HPL) and V_s = V(f_s)
//   memory:    P_mem = memory bandwidth × 8 bit/byte × e_bit
//   leakage share of idle power, k_leak·V_min / P_idle = λ (default 0.4 [E])
//   memory utilisation of a large GEMM, β_g (default 0.3 [E]); memory activity α_m (profile.power)
// A dense GEMM thus demands more than TDP at the top clock, and the power limit holds it at f_s: GEMMs on
// A100 and H100 are power-limited, not compute-limited (S85).
#include "hardware/gpu_profile.hpp"
#include "hardware/power_model.hpp"

namespace wattsim {

struct PowerAnchors {
  double memory_energy_j_per_bit = 5e-12;
  double leakage_share_of_idle = 0.4;
  double gemm_memory_utilisation = 0.3;
};

// Fills profile.power from profile.idle_w, comm_wait_w, tdp_w, the V–F table and the anchors. Throws
// std::invalid_argument if the anchors are inconsistent (e.g. a wait power below the static power).
void calibrate_power(GpuProfile& profile, const PowerAnchors& anchors);

}  // namespace wattsim
