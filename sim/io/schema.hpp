#pragma once
// Every input parameter is declared once: key, type, unit, default, valid range and help. The same table
// validates input (MapReader) and documents it (`wattsim list parameters`, docs/scenario.md), so the two
// cannot drift apart.
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "io/diagnostics.hpp"
#include "io/quantity.hpp"

namespace wattsim {

enum class ParamType { Integer, Number, Quantity, String, Boolean, Map, List, MapOrString };

struct ParamSpec {
  std::string_view key;
  ParamType type;
  std::string_view help;
  std::string_view default_text = "";      // "" means required (unless `optional` is set)
  Dimension dimension = Dimension::Power;  // for quantities
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool optional = false;          // may be absent with no default
  std::string_view choices = "";  // for strings: '|'-separated allowed values, "" = any
};

std::string_view type_name(const ParamSpec& spec);

// Constructors that name what each field means at the declaration site.
namespace param {
inline constexpr double kNoLimit = std::numeric_limits<double>::infinity();
constexpr ParamSpec integer(std::string_view key, std::string_view help, std::string_view def, double min,
                            double max) {
  return {key, ParamType::Integer, help, def, Dimension::Power, min, max};
}
constexpr ParamSpec number(std::string_view key, std::string_view help, std::string_view def, double min,
                           double max) {
  return {key, ParamType::Number, help, def, Dimension::Power, min, max};
}
constexpr ParamSpec quantity(std::string_view key, Dimension dim, std::string_view help, std::string_view def,
                             double min, double max) {
  return {key, ParamType::Quantity, help, def, dim, min, max};
}
constexpr ParamSpec text(std::string_view key, std::string_view help, std::string_view def,
                         std::string_view choices = "") {
  return {key, ParamType::String, help, def, Dimension::Power, -kNoLimit, kNoLimit, false, choices};
}
constexpr ParamSpec flag(std::string_view key, std::string_view help, std::string_view def) {
  return {key, ParamType::Boolean, help, def};
}
constexpr ParamSpec section(std::string_view key, std::string_view help, std::string_view def = "") {
  return {key, ParamType::Map, help, def};
}
constexpr ParamSpec list(std::string_view key, std::string_view help, std::string_view def = "") {
  return {key, ParamType::List, help, def};
}
// The same parameter, allowed to be absent without a default.
constexpr ParamSpec optional(ParamSpec spec) {
  spec.optional = true;
  return spec;
}
}  // namespace param

// Reads one YAML mapping against its declared parameters. Construction reports unknown keys (with the
// nearest valid one), keys given twice and required keys that are missing; each accessor reports a wrong
// type, unit or range at the value's position and returns the fallback, so reading goes on and every error
// in the file is collected.
class MapReader {
 public:
  MapReader(const YAML::Node& map, std::string section, std::span<const ParamSpec> specs, Diagnostics& d,
            const YAML::Mark& where = YAML::Mark::null_mark());

  bool has(std::string_view key) const;
  YAML::Node node(std::string_view key) const;
  YAML::Mark mark(std::string_view key) const;  // the value's position, or the map's if absent
  const YAML::Mark& map_mark() const { return map_mark_; }

  std::int64_t integer(std::string_view key, std::int64_t fallback);
  double number(std::string_view key, double fallback);
  double quantity(std::string_view key, double fallback_si);  // SI base unit
  std::string string(std::string_view key, std::string fallback);
  bool boolean(std::string_view key, bool fallback);

  void error(std::string_view key, const std::string& message);
  Diagnostics& diagnostics() { return *diagnostics_; }
  const std::string& section() const { return section_; }

 private:
  const ParamSpec& spec(std::string_view key) const;
  // The value as a finite number, or nullopt (absent, or wrong: then reported as "must be <what>").
  std::optional<double> read_number(std::string_view key, const char* what);
  bool check_range(std::string_view key, double value);
  std::string where(std::string_view key) const;

  YAML::Node map_;
  std::string section_;
  std::span<const ParamSpec> specs_;
  Diagnostics* diagnostics_;
  YAML::Mark map_mark_;
  bool valid_ = false;
};

// The valid key nearest to `key` by edit distance, or "" if none is close.
std::string nearest_key(std::string_view key, std::span<const ParamSpec> specs);

}  // namespace wattsim
