#pragma once
// One GPU's behaviour: kernel time at a clock (roofline), the power it draws doing so, and the clock a power
// cap leaves it. Stateless apart from the cap; the per-GPU state of a run lives in the step simulator.
//
// Kernel time (docs/physics.md), with f the SM clock and f_max the top clock:
//   t(f) = t_overhead + max( W / (η·R_peak·f/f_max) , Q / (η_m·BW_mem) )
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

  // The kernel at exactly this clock, ignoring the cap.
  KernelRun run_at(const KernelWork& work, double clock_mhz) const;
  // The kernel at the highest supported clock not above requested_mhz whose power, with `overlap_activity`
  // and `overlap_memory` of concurrent communication added, stays within the cap; what a GPU's power
  // management does when a kernel would exceed its limit. Where even the lowest clock is over the cap,
  // the GPU duty-cycles (the hardware power brake): it runs a fraction x of the time at the lowest clock
  // and stalls otherwise, x chosen so the average power meets the cap; the kernel takes 1/x as long and
  // its activity and memory traffic average down by x.
  KernelRun run_capped(const KernelWork& work, double requested_mhz, double overlap_activity = 0,
                       double overlap_memory = 0) const {
    return run_capped_at(work, requested_mhz, power_cap_w_, overlap_activity, overlap_memory);
  }
  // The same under another (lower) limit, as a policy may set.
  KernelRun run_capped_at(const KernelWork& work, double requested_mhz, double cap_w,
                          double overlap_activity = 0, double overlap_memory = 0) const;
  // The clock a waiting GPU settles at under the cap, with concurrent communication's activity added
  // (a wait draws little, so usually the clock asked for).
  double capped_wait_clock(double requested_mhz, double overlap_activity = 0,
                           double overlap_memory = 0) const {
    return capped_wait_clock_at(requested_mhz, power_cap_w_, overlap_activity, overlap_memory);
  }
  double capped_wait_clock_at(double requested_mhz, double cap_w, double overlap_activity = 0,
                              double overlap_memory = 0) const;

  // How long a clock change from one clock to another takes; the GPU keeps working at the old clock
  // meanwhile. τ_0 to relock, plus the time to raise the voltage when the new clock needs more
  // (S88: the target clock matters more than the initial one; a lower clock does not wait for the
  // voltage to fall).
  SimTime transition_ns(double from_mhz, double to_mhz) const;

 private:
  KernelRun duty_cycled(KernelRun run, double cap_w, double overlap_activity, double overlap_memory) const;

  const GpuProfile* profile_;
  PowerModel power_;
  Precision precision_;
  double power_cap_w_;
  double compute_peak_[kKernelKindCount];  // FLOP/s at f_max, efficiency applied
};

}  // namespace wattsim
