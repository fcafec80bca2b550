#pragma once
// Physical quantities in input files are written as a number followed by a unit ("400 W", "1410 MHz",
// "25 MiB", "2 us", "300 GB/s"): one rule for every file, checked where the file is read, so that no value
// is ever taken in the wrong unit. Values are converted once, to the SI base unit of their dimension.
#include <optional>
#include <string>
#include <string_view>

namespace wattsim {

enum class Dimension {
  Power,            // W
  Frequency,        // Hz
  Bytes,            // B (decimal kB/MB/GB/TB and binary KiB/MiB/GiB/TiB)
  Time,             // s
  Bandwidth,        // B/s
  FlopRate,         // FLOP/s
  Voltage,          // V
  Energy,           // J
  EnergyPerBit,     // J/bit
  CarbonIntensity,  // g/kWh (gCO2e per kWh)
};

std::string_view dimension_name(Dimension d);
std::string_view dimension_example(Dimension d);  // e.g. "400 W"

struct QuantityResult {
  std::optional<double> value;  // in the SI base unit of the dimension
  std::string error;            // why not, when value is empty
};

QuantityResult parse_quantity(std::string_view text, Dimension expected);
// A value in the SI base unit written the way a person would ("25 MiB", "2 us", "32 GB/s"): the unit that
// makes the number a whole number (the smallest such), else the largest that keeps it at least 1. Its
// parse_quantity gives the value back.
std::string format_quantity(double value_si, Dimension dimension);

}  // namespace wattsim
