#include "energy/grid_intensity.hpp"

#include <algorithm>
#include <cmath>

namespace wattsim {

GridIntensity::GridIntensity(std::vector<double> time_s, std::vector<double> g_per_kwh, double fallback)
    : time_s_(std::move(time_s)), value_(std::move(g_per_kwh)), constant_(fallback) {
  if (time_s_.size() >= 2) {
    const std::size_t n = time_s_.size();
    period_s_ = time_s_[n - 1] + (time_s_[n - 1] - time_s_[n - 2]) - time_s_[0];
    for (std::size_t i = 0; i < n; ++i)
      period_integral_ += value_[i] * ((i + 1 < n ? time_s_[i + 1] : time_s_[0] + period_s_) - time_s_[i]);
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

std::size_t GridIntensity::interval_count(double t0_s, double t1_s) const {
  if (time_s_.empty() || t1_s <= t0_s) return 1;
  return static_cast<std::size_t>(std::ceil((t1_s - t0_s) / period_s_ + 1) *
                                  static_cast<double>(time_s_.size()));
}

double GridIntensity::integral(double t_s) const {
  // ∫ from the series' origin to t: whole periods at the period's integral, then the rows of the last.
  const double origin = time_s_.front();
  const double cycles = std::floor((t_s - origin) / period_s_);
  double sum = cycles * period_integral_;
  const double within = t_s - (origin + cycles * period_s_);
  for (std::size_t i = 0; i < time_s_.size(); ++i) {
    const double a = time_s_[i] - origin;
    const double b = i + 1 < time_s_.size() ? time_s_[i + 1] - origin : period_s_;
    if (within <= a) break;
    sum += value_[i] * (std::min(within, b) - a);
  }
  return sum;
}

double GridIntensity::mean(double t0_s, double t1_s) const {
  if (t1_s <= t0_s) return intervals(t0_s, t0_s + 1e-9).front().g_per_kwh;
  // Short spans are summed interval by interval; long ones over fine series (a year of minute rows) from
  // the integral over whole periods, so the cost stays bounded by the series, not the run.
  if (interval_count(t0_s, t1_s) > kMaxIntervals) return (integral(t1_s) - integral(t0_s)) / (t1_s - t0_s);
  double sum = 0;
  for (const IntensityInterval& i : intervals(t0_s, t1_s)) sum += i.g_per_kwh * (i.t1_s - i.t0_s);
  return sum / (t1_s - t0_s);
}

std::vector<IntensityInterval> GridIntensity::windows(double t0_s, double t1_s, std::size_t most) const {
  if (interval_count(t0_s, t1_s) <= most) return intervals(t0_s, t1_s);
  std::vector<IntensityInterval> out;
  const double width = (t1_s - t0_s) / static_cast<double>(most);
  for (std::size_t k = 0; k < most; ++k) {
    const double a = t0_s + width * static_cast<double>(k), b = k + 1 == most ? t1_s : a + width;
    out.push_back({a, b, mean(a, b)});
  }
  return out;
}

}  // namespace wattsim
