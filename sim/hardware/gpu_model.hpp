#pragma once
// One GPU's behaviour: kernel time at a clock (roofline), the power it draws doing so, and the clock a power
// cap leaves it. Stateless apart from the cap; the per-GPU state of a run lives in the step simulator.
//
// Kernel time (docs/physics.md), with f the SM clock and f_max the top clock:
//   t(f) = t_overhead + max( W / (η·R_peak·f/f_peak) , Q / (η_m·BW_mem) )
// with η from the kernel's shape for tensor-core work (hardware/tensor_efficiency.hpp).
// Compute throughput scales with f; HBM bandwidth does not (the memory clock is fixed: S30).
// While the kernel runs, the SMs switch at α_eff = α_wait + (α_kind − α_wait)·t_compute/t_body (a kernel
// stalled on memory toggles less), and memory traffic is β = (Q/t_body)/BW_mem.
#include "engine/sim_time.hpp"
#include "hardware/gpu_profile.hpp"
#include "hardware/kernel_work.hpp"
#include "hardware/power_model.hpp"

namespace wattsim {

struct KernelRun {
  double clock_mhz = 0;
  SimTime duration = 0;
  double activity = 0;            // α_eff
  double memory_utilisation = 0;  // β
};

class GpuModel {
 public:
  GpuModel(const GpuProfile& profile, Precision precision, double power_cap_w);

  const GpuProfile& profile() const { return *profile_; }
  const PowerModel& power() const { return power_; }
  Precision precision() const { return precision_; }
  double power_cap_w() const { return power_cap_w_; }

  // The kernel at exactly this clock (the power limit is the step simulator's controller).
  KernelRun run_at(const KernelWork& work, double clock_mhz) const;
  // How long a clock change from one clock to another takes; the GPU keeps working at the old clock
  // meanwhile. τ_0 to relock, plus the time to raise the voltage when the new clock needs more
  // (S88: the target clock matters more than the initial one; a lower clock does not wait for the
  // voltage to fall).
  SimTime transition_ns(double from_mhz, double to_mhz) const;

 private:
  const GpuProfile* profile_;
  PowerModel power_;
  Precision precision_;
  double power_cap_w_;
  double tensor_peak_;  // FLOP/s at the peak clock, before the shape's efficiency
  double fp8_peak_;     // the same for FP8 kernels (0 where the GPU has no FP8 rate)
  double vector_peak_;  // FLOP/s at the peak clock, efficiency applied
};

}  // namespace wattsim
