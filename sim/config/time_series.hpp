#pragma once
// Values over time, such as a grid's carbon intensity: read from a CSV file (io/csv_series.hpp), used by
// the energy accounting.
#include <vector>

namespace wattsim {

struct TimeSeries {
  std::vector<double> time_s;  // strictly increasing
  std::vector<double> value;   // in the SI base unit of its dimension
};

}  // namespace wattsim
