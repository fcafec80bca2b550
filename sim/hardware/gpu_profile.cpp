#include "hardware/gpu_profile.hpp"

#include <algorithm>
#include <cmath>

namespace wattsim {

double GpuProfile::snap_clock(double f_mhz) const {
  const double clamped = std::clamp(f_mhz, clock_min_mhz, clock_max_mhz);
  const double steps = std::floor((clamped - clock_min_mhz) / clock_step_mhz + 1e-9);
  return clock_at_step(static_cast<int>(steps));
}

bool GpuProfile::supports_clock(double f_mhz) const {
  if (f_mhz < clock_min_mhz - 1e-9 || f_mhz > clock_max_mhz + 1e-9) return false;
  const double steps = (f_mhz - clock_min_mhz) / clock_step_mhz;
  return std::abs(steps - std::round(steps)) < 1e-6;
}

}  // namespace wattsim
