#include "hardware/power_model.hpp"

#include <algorithm>

namespace wattsim {

double PowerModel::voltage_v(double clock_mhz) const {
  const auto& table = profile_->vf_table;
  if (clock_mhz <= table.front().clock_mhz) return table.front().voltage_v;
  if (clock_mhz >= table.back().clock_mhz) return table.back().voltage_v;
  auto hi = std::upper_bound(table.begin(), table.end(), clock_mhz,
                             [](double f, const VfPoint& p) { return f < p.clock_mhz; });
  auto lo = hi - 1;
  const double w = (clock_mhz - lo->clock_mhz) / (hi->clock_mhz - lo->clock_mhz);
  return lo->voltage_v + w * (hi->voltage_v - lo->voltage_v);
}

PowerTerms PowerModel::terms(double clock_mhz) const {
  const PowerCoefficients& c = profile_->power;
  const double v = voltage_v(clock_mhz);
  return {c.base_w + c.leakage_w_per_v * v, c.dynamic_w_per_v2_ghz * v * v * clock_mhz * 1e-3, c.memory_w};
}

}  // namespace wattsim
