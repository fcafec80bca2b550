// libFuzzer target: the CSV time-series reader. Parsing must succeed or raise InputError.
#include <cstddef>
#include <cstdint>
#include <string>

#include "io/csv_series.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    wattsim::parse_csv_series(text, "fuzz.csv", wattsim::Dimension::CarbonIntensity);
  } catch (const wattsim::InputError&) {
  }
  return 0;
}
