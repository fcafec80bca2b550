#include "hardware/gpu_model.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "hardware/tensor_efficiency.hpp"

namespace wattsim {

GpuModel::GpuModel(const GpuProfile& profile, Precision precision, double power_cap_w)
    : profile_(&profile), power_(profile), precision_(precision), power_cap_w_(power_cap_w) {
  const double tensor = profile.tensor_peak_flops[static_cast<std::size_t>(tensor_precision(precision))];
  if (tensor <= 0 || profile.tensor_peak_flops[static_cast<std::size_t>(precision)] <= 0)
    throw std::invalid_argument(profile.name + " has no " + std::string(to_string(precision)) +
                                " tensor-core rate");
  tensor_peak_ = tensor;
  fp8_peak_ = profile.tensor_peak_flops[static_cast<std::size_t>(Precision::FP8)];
  vector_peak_ = profile.efficiency.vector * profile.vector_peak_flops;
}

KernelRun GpuModel::run_at(const KernelWork& work, double clock_mhz) const {
  const GpuProfile& p = *profile_;
  const KernelEfficiency& e = p.efficiency;
  const double rate = work.kind == KernelKind::TensorGemm
                          ? (work.fp8 ? fp8_peak_ : tensor_peak_) * tensor_efficiency(work.shape, p)
                          : vector_peak_;
  const double t_compute = work.flops / (rate * clock_mhz / p.peak_clock_mhz);
  const double t_memory = work.bytes / (e.memory * p.memory_bandwidth_bps);
  const double t_body = std::max(t_compute, t_memory);
  KernelRun run;
  run.clock_mhz = clock_mhz;
  run.duration = e.kernel_overhead_ns + seconds_to_time(t_body);
  if (t_body > 0) {
    const double gemm_activity = precision_ == Precision::FP32 ? e.fp32_gemm_activity : e.tensor_activity;
    const double kind_activity = work.kind == KernelKind::TensorGemm ? gemm_activity : e.vector_activity;
    const double wait = p.power.wait_activity;
    run.memory_utilisation = work.bytes / (t_body * p.memory_bandwidth_bps);
    run.activity = wait + (kind_activity - wait) * (t_compute / t_body) +
                   p.power.memory_activity * run.memory_utilisation;
  } else {
    run.activity = p.power.wait_activity;
  }
  return run;
}

SimTime GpuModel::transition_ns(double from_mhz, double to_mhz) const {
  if (from_mhz == to_mhz) return 0;
  const double rise = std::max(0.0, power_.voltage_v(to_mhz) - power_.voltage_v(from_mhz));
  const double slew = profile_->voltage_slew_v_per_s;
  return profile_->clock_transition_ns + (slew > 0 ? seconds_to_time(rise / slew) : 0);
}

}  // namespace wattsim
