#include "energy/grid_intensity.hpp"

#include <algorithm>
#include <cmath>

namespace wattsim {

GridIntensity::GridIntensity(std::vector<double> time_s, std::vector<double> g_per_kwh, double fallback)
    : time_s_(std::move(time_s)), value_(std::move(g_per_kwh)), constant_(fallback) {
  if (time_s_.size() >= 2) {
    const std::size_t n = time_s_.size();
    period_s_ = time_s_[n - 1] + (time_s_[n - 1] - time_s_[n - 2]) - time_s_[0];
  } else {
    time_s_.clear();
  }
}

std::vector<IntensityInterval> GridIntensity::intervals(double t0_s, double t1_s) const {
  if (time_s_.empty() || t1_s <= t0_s) return {{t0_s, t1_s, constant_}};
  std::vector<IntensityInterval> out;
  const double origin = time_s_.front();
  double cycle = std::floor((t0_s - origin) / period_s_);
  while (true) {
    const double base = origin + cycle * period_s_;
    for (std::size_t i = 0; i < time_s_.size(); ++i) {
      const double a = base + (time_s_[i] - origin);
      const double b = i + 1 < time_s_.size() ? base + (time_s_[i + 1] - origin) : base + period_s_;
      const double lo = std::max(a, t0_s), hi = std::min(b, t1_s);
      if (hi > lo) out.push_back({lo, hi, value_[i]});
      if (b >= t1_s) return out;
    }
    cycle += 1;
  }
}

double GridIntensity::mean(double t0_s, double t1_s) const {
  if (t1_s <= t0_s) return intervals(t0_s, t0_s + 1e-9).front().g_per_kwh;
  double sum = 0;
  for (const IntensityInterval& i : intervals(t0_s, t1_s)) sum += i.g_per_kwh * (i.t1_s - i.t0_s);
  return sum / (t1_s - t0_s);
}

}  // namespace wattsim
