#include "hardware/gpu_model.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace wattsim {

GpuModel::GpuModel(const GpuProfile& profile, Precision precision, double power_cap_w)
    : profile_(&profile), power_(profile), precision_(precision), power_cap_w_(power_cap_w) {
  const double tensor = profile.tensor_peak_flops[static_cast<std::size_t>(precision)];
  if (tensor <= 0)
    throw std::invalid_argument(profile.name + " has no " + std::string(to_string(precision)) +
                                " tensor-core rate");
  const KernelEfficiency& e = profile.efficiency;
  compute_peak_[static_cast<int>(KernelKind::TensorGemm)] = e.tensor * tensor;
  compute_peak_[static_cast<int>(KernelKind::Elementwise)] = e.vector * profile.vector_peak_flops;
  compute_peak_[static_cast<int>(KernelKind::Reduction)] = e.vector * profile.vector_peak_flops;
}

KernelRun GpuModel::run_at(const KernelWork& work, double clock_mhz) const {
  const GpuProfile& p = *profile_;
  const KernelEfficiency& e = p.efficiency;
  const double t_compute =
      work.flops / (compute_peak_[static_cast<int>(work.kind)] * clock_mhz / p.peak_clock_mhz);
  const double t_memory = work.bytes / (e.memory * p.memory_bandwidth_bps);
  const double t_body = std::max(t_compute, t_memory);
  KernelRun run;
  run.clock_mhz = clock_mhz;
  run.duration = e.kernel_overhead_ns + seconds_to_time(t_body);
  if (t_body > 0) {
    const double kind_activity = work.kind == KernelKind::TensorGemm ? e.tensor_activity : e.vector_activity;
    const double wait = p.power.wait_activity;
    run.memory_utilisation = work.bytes / (t_body * p.memory_bandwidth_bps);
    run.activity = wait + (kind_activity - wait) * (t_compute / t_body) +
                   p.power.memory_activity * run.memory_utilisation;
  } else {
    run.activity = p.power.wait_activity;
  }
  return run;
}

KernelRun GpuModel::run_capped_at(const KernelWork& work, double requested_mhz, double cap_w,
                                  double overlap_activity, double overlap_memory) const {
  const GpuProfile& p = *profile_;
  double f = p.snap_clock(requested_mhz);
  for (;;) {
    KernelRun run = run_at(work, f);
    const double watts =
        power_.draw(f, run.activity + overlap_activity, run.memory_utilisation + overlap_memory).total_w;
    if (watts <= cap_w) return run;
    if (f <= p.clock_min_mhz) return duty_cycled(run, cap_w, overlap_activity, overlap_memory);
    f -= p.clock_step_mhz;
  }
}

KernelRun GpuModel::duty_cycled(KernelRun run, double cap_w, double overlap_activity,
                                double overlap_memory) const {
  // Power is affine in α and β, so the time average of running (α, β) a fraction x of the time and
  // stalling otherwise is the power at (x·α, x·β).
  const double floor_w = power_.draw(run.clock_mhz, overlap_activity, overlap_memory).total_w;
  const double full_w =
      power_.draw(run.clock_mhz, run.activity + overlap_activity, run.memory_utilisation + overlap_memory)
          .total_w;
  const double x = std::clamp((cap_w - floor_w) / (full_w - floor_w), 1e-3, 1.0);
  const SimTime overhead = profile_->efficiency.kernel_overhead_ns;
  run.duration = overhead + seconds_to_time(to_seconds(run.duration - overhead) / x);
  run.activity *= x;
  run.memory_utilisation *= x;
  return run;
}

SimTime GpuModel::transition_ns(double from_mhz, double to_mhz) const {
  if (from_mhz == to_mhz) return 0;
  const double rise = std::max(0.0, power_.voltage_v(to_mhz) - power_.voltage_v(from_mhz));
  const double slew = profile_->voltage_slew_v_per_s;
  return profile_->clock_transition_ns + (slew > 0 ? seconds_to_time(rise / slew) : 0);
}

double GpuModel::capped_wait_clock_at(double requested_mhz, double cap_w, double overlap_activity,
                                      double overlap_memory) const {
  const GpuProfile& p = *profile_;
  double f = p.snap_clock(requested_mhz);
  const double alpha = p.power.wait_activity + overlap_activity;
  while (f > p.clock_min_mhz && power_.draw(f, alpha, overlap_memory).total_w > cap_w) f -= p.clock_step_mhz;
  return f;
}

}  // namespace wattsim
