#pragma once
// Derives the power-model coefficients of a profile from its anchors, so a profile states measured figures
// (idle, blocked-in-collective and TDP powers, memory energy per bit) rather than fitted constants.
//
// The anchors and the two assumptions that close the system (both documented estimates):
//   idle:      P_base + k_leak·V_min                                  = P_idle   (clock-gated: α = 0)
//   wait:      P_base + k_leak·V_max + α_wait·C_eff·V_max²·f_max      = P_comm_wait
//   TDP:       P_base + k_leak·V_max + C_eff·V_max²·f_max + β_g·P_mem = TDP      (dense GEMM, α = 1)
//   memory:    P_mem = HBM bandwidth × 8 bit/byte × e_bit
//   leakage share of idle power, k_leak·V_min / P_idle = λ (default 0.4 [E])
//   memory utilisation of a large GEMM, β_g (default 0.3 [E])
// A dense GEMM thus draws exactly the TDP at the top clock: GPUs are rated for that work, and real ones run
// large GEMMs at or just under their power limit (S41, S42).
#include "hardware/gpu_profile.hpp"

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
