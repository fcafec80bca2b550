#pragma once
// A time series from a CSV file, such as a grid's carbon intensity over time. Two columns; the header
// names each column and its unit in parentheses, which is how values are converted:
//
//   time (h), carbon intensity (g/kWh)
//   0, 420
//   0.5, 398.5
//
// Times must increase strictly; values must be finite. Every problem is reported as file:line:col.
#include <string>
#include <vector>

#include "config/quantity.hpp"
#include "config/time_series.hpp"
#include "io/diagnostics.hpp"

namespace wattsim {

// Throws InputError listing every problem.
TimeSeries parse_csv_series(const std::string& text, const std::string& file, Dimension value_dimension);
TimeSeries load_csv_series(const std::string& file, Dimension value_dimension);

}  // namespace wattsim
