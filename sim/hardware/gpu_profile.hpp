#pragma once
// Static description of a GPU model, as read from models/gpus/*.yaml. All fields in SI-derived units named
// in the field (W, MHz, V, FLOP/s, bytes, bytes/s, ns). Every figure's source is cited in the YAML file.
#include <array>
#include <string>
#include <vector>

#include "engine/sim_time.hpp"
#include "hardware/precision.hpp"

namespace wattsim {

struct VfPoint {
  double clock_mhz;
  double voltage_v;
};

// Coefficients of P(f) = P_base + k_leak·V(f) + α·C_eff·V(f)²·f + β·P_mem (docs/physics.md).
struct PowerCoefficients {
  double base_w = 0;                // board, fans, HBM refresh: independent of the SM clock
  double leakage_w_per_v = 0;       // k_leak: static leakage, taken as linear in V over the DVFS range
  double dynamic_w_per_v2_ghz = 0;  // C_eff: switching power of a dense tensor GEMM (α = 1) per V²·GHz
  double memory_w = 0;              // P_mem: HBM interface power at full bandwidth (β = 1)
  double wait_activity = 0;         // α of a GPU spinning in a synchronisation wait at its current clock
  // α per unit of memory utilisation: moving data keeps the SMs' load/store units, L2 and crossbar
  // switching in the SM clock domain, so memory-bound work's power follows V²f too (docs/physics.md).
  double memory_activity = 0;
  double comm_activity = 0;            // α added by communication kernels (NCCL uses a few SMs)
  double comm_memory_utilisation = 0;  // β added by communication kernels (copying through HBM)
};

// Achievable fractions of peak, by kernel kind; time is t_overhead + max(compute, memory) (docs/physics.md).
struct KernelEfficiency {
  // η_mma: of the tensor-core peak at the running clock, a GEMM whose tiles fill every SM in whole waves and
  // whose depth is long (the shape losses are tensor_efficiency()'s).
  double tensor = 0.8;
  // η_attn: a fused attention kernel at a long sequence (0: no measurement, it runs as a GEMM at η_mma).
  double attention = 0;
  double attention_half_sequence = 0;  // s_½: the sequence length at which it reaches half of η_attn
  double vector = 0.6;                 // of the FP32 vector peak, element-wise and reductions
  double memory = 0.85;                // of the HBM bandwidth
  double tensor_activity = 1.0;
  double vector_activity = 0.45;
  // An FP32 GEMM keeps the CUDA cores' FMA pipes busy and streams its operands through shared memory and
  // L1: it draws what an FMA loop at its peak rate beside full HBM streaming draws (S100: 234 W on V100
  // PCIe boards at 1380 MHz), α = 0.72 of a tensor GEMM's (docs/physics.md).
  double fp32_gemm_activity = 0.72;
  SimTime kernel_overhead_ns = 2000;  // launch gap + tail wave of one kernel
};

struct GpuProfile {
  std::string name;
  std::string description;
  std::string file;  // where it was read from, for messages

  std::array<double, kPrecisionCount> tensor_peak_flops{};  // dense, at clock_max; 0 = not supported
  double vector_peak_flops = 0;                             // FP32 non-tensor
  int sm_count = 0;  // streaming multiprocessors, over which GEMM tiles run in waves (0: no quantisation)
  double memory_bytes = 0;
  double memory_bandwidth_bps = 0;  // bytes per second
  double nvlink_bandwidth_bps = 0;  // per direction, per GPU

  double clock_min_mhz = 0;
  double clock_max_mhz = 0;
  double peak_clock_mhz = 0;  // the clock the datasheet's peak rates assume (H100: 1830 MHz, below the top)
  // The clock a dense GEMM on realistic data holds at TDP: its demand at the top clock exceeds TDP, so the
  // power limit brings it down (S85, S96). The TDP anchor of the power model.
  double gemm_sustained_clock_mhz = 0;
  double clock_step_mhz = 0;
  SimTime clock_transition_ns = 0;  // a clock change at one voltage (PLL relock), τ_0
  double voltage_slew_v_per_s = 0;  // how fast the regulator raises the voltage for a higher clock
  std::vector<VfPoint> vf_table;    // piecewise linear, clocks ascending

  double tdp_w = 0;
  double min_power_cap_w = 0;
  // The power limit's controller: one clock ceiling per window, from the last window's average, aimed a
  // guard band below the limit (docs/physics.md).
  SimTime control_window_ns = 0;
  double control_guard = 0;
  double idle_w = 0;       // measured, at clock_min: the anchor the coefficients reproduce
  double comm_wait_w = 0;  // measured or estimated, blocked in a collective at clock_max
  PowerCoefficients power;
  KernelEfficiency efficiency;

  // Number of clock steps from clock_min to clock_max inclusive.
  int clock_count() const {
    return static_cast<int>((clock_max_mhz - clock_min_mhz) / clock_step_mhz + 0.5) + 1;
  }
  double clock_at(int i) const { return clock_min_mhz + i * clock_step_mhz; }
  // The nearest supported clock at or below f.
  double snap_clock(double f_mhz) const;
  bool supports_clock(double f_mhz) const;
  // The index of a supported clock (clock_min + i·step).
  int index_of(double f_mhz) const;
  bool supports(Precision p) const { return tensor_peak_flops[static_cast<std::size_t>(p)] > 0; }
};

// Why the board power limit cannot be set to cap_w on this GPU ("400 W is outside what ... accepts"), or
// "" if it can: between the lowest settable limit and TDP, and above idle power (or it could never be met).
std::string power_cap_problem(const GpuProfile& gpu, double cap_w);

}  // namespace wattsim
