#include "hardware/gpu_profile.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace wattsim {

double GpuProfile::snap_clock(double f_mhz) const {
  const double clamped = std::clamp(f_mhz, clock_min_mhz, clock_max_mhz);
  const double steps = std::floor((clamped - clock_min_mhz) / clock_step_mhz + 1e-9);
  return clock_at(static_cast<int>(steps));
}

bool GpuProfile::supports_clock(double f_mhz) const {
  if (f_mhz < clock_min_mhz - 1e-9 || f_mhz > clock_max_mhz + 1e-9) return false;
  const double steps = (f_mhz - clock_min_mhz) / clock_step_mhz;
  return std::abs(steps - std::round(steps)) < 1e-6;
}

int GpuProfile::index_of(double f_mhz) const {
  return static_cast<int>(std::lround((f_mhz - clock_min_mhz) / clock_step_mhz));
}

std::string power_cap_problem(const GpuProfile& gpu, double cap_w) {
  std::ostringstream m;
  if (cap_w < gpu.min_power_cap_w || cap_w > gpu.tdp_w)
    m << cap_w << " W is outside what " << gpu.name << " accepts (" << gpu.min_power_cap_w << " W to "
      << gpu.tdp_w << " W)";
  else if (cap_w < gpu.idle_w)
    m << cap_w << " W is below the GPU's idle power (" << std::to_string(gpu.idle_w)
      << " W): it could never be met";
  return m.str();
}

}  // namespace wattsim
