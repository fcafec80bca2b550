#include "config/quantity.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>

namespace wattsim {

namespace {

struct Unit {
  std::string_view symbol;
  Dimension dimension;
  double to_base;
};

constexpr std::array kUnits = {
    Unit{"W", Dimension::Power, 1},
    Unit{"kW", Dimension::Power, 1e3},
    Unit{"mW", Dimension::Power, 1e-3},
    Unit{"MW", Dimension::Power, 1e6},
    Unit{"Hz", Dimension::Frequency, 1},
    Unit{"kHz", Dimension::Frequency, 1e3},
    Unit{"MHz", Dimension::Frequency, 1e6},
    Unit{"GHz", Dimension::Frequency, 1e9},
    Unit{"B", Dimension::Bytes, 1},
    Unit{"kB", Dimension::Bytes, 1e3},
    Unit{"KB", Dimension::Bytes, 1e3},
    Unit{"MB", Dimension::Bytes, 1e6},
    Unit{"GB", Dimension::Bytes, 1e9},
    Unit{"TB", Dimension::Bytes, 1e12},
    Unit{"KiB", Dimension::Bytes, 1024.0},
    Unit{"MiB", Dimension::Bytes, 1048576.0},
    Unit{"GiB", Dimension::Bytes, 1073741824.0},
    Unit{"TiB", Dimension::Bytes, 1099511627776.0},
    Unit{"ns", Dimension::Time, 1e-9},
    Unit{"us", Dimension::Time, 1e-6},
    Unit{"µs", Dimension::Time, 1e-6},
    Unit{"ms", Dimension::Time, 1e-3},
    Unit{"s", Dimension::Time, 1},
    Unit{"min", Dimension::Time, 60},
    Unit{"h", Dimension::Time, 3600},
    Unit{"d", Dimension::Time, 86400},
    Unit{"B/s", Dimension::Bandwidth, 1},
    Unit{"MB/s", Dimension::Bandwidth, 1e6},
    Unit{"GB/s", Dimension::Bandwidth, 1e9},
    Unit{"TB/s", Dimension::Bandwidth, 1e12},
    Unit{"Gb/s", Dimension::Bandwidth, 1.25e8},
    Unit{"GiB/s", Dimension::Bandwidth, 1073741824.0},
    Unit{"FLOP/s", Dimension::FlopRate, 1},
    Unit{"GFLOP/s", Dimension::FlopRate, 1e9},
    Unit{"TFLOP/s", Dimension::FlopRate, 1e12},
    Unit{"PFLOP/s", Dimension::FlopRate, 1e15},
    Unit{"V", Dimension::Voltage, 1},
    Unit{"mV", Dimension::Voltage, 1e-3},
    Unit{"J", Dimension::Energy, 1},
    Unit{"kJ", Dimension::Energy, 1e3},
    Unit{"MJ", Dimension::Energy, 1e6},
    Unit{"Wh", Dimension::Energy, 3600},
    Unit{"kWh", Dimension::Energy, 3.6e6},
    Unit{"MWh", Dimension::Energy, 3.6e9},
    Unit{"pJ/bit", Dimension::EnergyPerBit, 1e-12},
    Unit{"nJ/bit", Dimension::EnergyPerBit, 1e-9},
    Unit{"g/kWh", Dimension::CarbonIntensity, 1},
    Unit{"kg/kWh", Dimension::CarbonIntensity, 1e3},
};

std::string units_of(Dimension d) {
  std::string s;
  for (const Unit& u : kUnits)
    if (u.dimension == d) s += (s.empty() ? "" : ", ") + std::string(u.symbol);
  return s;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view dimension_name(Dimension d) {
  switch (d) {
    case Dimension::Power:
      return "power";
    case Dimension::Frequency:
      return "frequency";
    case Dimension::Bytes:
      return "size in bytes";
    case Dimension::Time:
      return "time";
    case Dimension::Bandwidth:
      return "bandwidth";
    case Dimension::FlopRate:
      return "compute rate";
    case Dimension::Voltage:
      return "voltage";
    case Dimension::Energy:
      return "energy";
    case Dimension::EnergyPerBit:
      return "energy per bit";
    case Dimension::CarbonIntensity:
      return "carbon intensity";
  }
  return "quantity";
}

std::string_view dimension_example(Dimension d) {
  switch (d) {
    case Dimension::Power:
      return "400 W";
    case Dimension::Frequency:
      return "1410 MHz";
    case Dimension::Bytes:
      return "25 MiB";
    case Dimension::Time:
      return "5 us";
    case Dimension::Bandwidth:
      return "300 GB/s";
    case Dimension::FlopRate:
      return "312 TFLOP/s";
    case Dimension::Voltage:
      return "0.7 V";
    case Dimension::Energy:
      return "1.5 kWh";
    case Dimension::EnergyPerBit:
      return "5 pJ/bit";
    case Dimension::CarbonIntensity:
      return "475 g/kWh";
  }
  return "";
}

std::string format_quantity(double value, Dimension dimension) {
  const Unit* chosen = nullptr;
  double mantissa = value;
  auto whole = [](double m) { return std::abs(m - std::round(m)) <= 1e-9 * std::abs(m); };
  for (const Unit& u : kUnits) {  // aliases (KB, µs) come after their preferred spelling
    if (u.dimension != dimension || u.symbol == "KB" || u.symbol == "µs") continue;
    const double m = value / u.to_base;
    if (value == 0 ? u.to_base != 1 : std::abs(m) < 1) continue;
    const bool better = !chosen || (whole(m) && (!whole(mantissa) || std::abs(m) < std::abs(mantissa))) ||
                        (!whole(m) && !whole(mantissa) && std::abs(m) < std::abs(mantissa));
    if (better) chosen = &u, mantissa = m;
  }
  if (!chosen) {  // below 1 of the smallest unit
    for (const Unit& u : kUnits)
      if (u.dimension == dimension && (!chosen || u.to_base < chosen->to_base)) chosen = &u;
    mantissa = value / chosen->to_base;
  }
  char number[32];
  std::snprintf(number, sizeof number, "%.6g", whole(mantissa) ? std::round(mantissa) : mantissa);
  return std::string(number) + " " + std::string(chosen->symbol);
}

QuantityResult parse_quantity(std::string_view text, Dimension expected) {
  QuantityResult r;
  const std::string_view s = trim(text);
  double number = 0;
  const char* begin = s.data();
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(begin, end, number);
  const std::string expectation = "expected a " + std::string(dimension_name(expected)) + " such as '" +
                                  std::string(dimension_example(expected)) + "'";
  if (ec != std::errc() || ptr == begin || !std::isfinite(number)) {
    r.error = "'" + std::string(s) + "' is not a number with a unit; " + expectation;
    return r;
  }
  const std::string_view symbol = trim(std::string_view(ptr, static_cast<std::size_t>(end - ptr)));
  if (symbol.empty()) {
    r.error = "missing unit in '" + std::string(s) + "'; " + expectation;
    return r;
  }
  for (const Unit& u : kUnits) {
    if (u.symbol != symbol) continue;
    if (u.dimension != expected) {
      r.error = "'" + std::string(symbol) + "' is a unit of " + std::string(dimension_name(u.dimension)) +
                "; " + expectation + " (units: " + units_of(expected) + ")";
      return r;
    }
    r.value = number * u.to_base;
    return r;
  }
  r.error =
      "unknown unit '" + std::string(symbol) + "'; " + expectation + " (units: " + units_of(expected) + ")";
  return r;
}

}  // namespace wattsim
