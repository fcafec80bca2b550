#pragma once
// A grid's carbon intensity over time as a periodic step function: row i holds from its time until the
// next row's; the last row holds as long as the one before it, and then the series repeats (a day or a
// week of data stands for every day or week of a longer run).
#include <vector>

namespace wattsim {

struct IntensityInterval {
  double t0_s, t1_s;
  double g_per_kwh;
};

// CO2e of `joules` drawn by the IT equipment, in a facility of this PUE, at a grid intensity in g/kWh.
inline double co2e_kg(double joules, double pue, double g_per_kwh) {
  return joules * pue / 3.6e6 * g_per_kwh / 1e3;
}

class GridIntensity {
 public:
  explicit GridIntensity(double constant_g_per_kwh) : constant_(constant_g_per_kwh) {}
  GridIntensity(std::vector<double> time_s, std::vector<double> g_per_kwh, double fallback);

  // The intervals of constant intensity covering [t0, t1], clipped to it.
  std::vector<IntensityInterval> intervals(double t0_s, double t1_s) const;
  // The same, or, when there would be more than `most`, `most` equal windows at their mean intensity (a
  // schedule over a year of minute rows decides per window, not per row).
  std::vector<IntensityInterval> windows(double t0_s, double t1_s, std::size_t most) const;
  // The time-weighted mean intensity over [t0, t1].
  double mean(double t0_s, double t1_s) const;
  // How many intervals [t0, t1] spans (an upper bound).
  std::size_t interval_count(double t0_s, double t1_s) const;
  static constexpr std::size_t kMaxIntervals = 100'000;

 private:
  double integral(double t_s) const;  // ∫ intensity dt from the series' origin to t

  std::vector<double> time_s_, value_;
  double period_s_ = 0;
  double period_integral_ = 0;
  double constant_;
};

}  // namespace wattsim
