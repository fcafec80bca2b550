#pragma once
// Reads one YAML mapping against its declared parameters (config/params.hpp). Construction reports unknown
// keys (with the nearest valid one), keys given twice and required keys that are missing; each accessor
// reports a wrong type, unit, value or range at the value's position and returns the declared default, so
// reading goes on and every error in the file is collected. Every key read is recorded with its position,
// so a rule that later finds a problem with "parallelism.tp" is reported where tp was written.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/params.hpp"
#include "io/diagnostics.hpp"

namespace wattsim {

class MapReader {
 public:
  // `name` is how messages call the mapping ("hardware", "policy pass-dvfs"); `path` is its key path in
  // the file ("" for the root, "policies.pass-dvfs"), by default the name.
  MapReader(const YAML::Node& map, std::string name, std::span<const ParamSpec> specs, Diagnostics& d,
            const YAML::Mark& where = YAML::Mark::null_mark(), std::optional<std::string> path = {});

  bool has(std::string_view key) const;
  YAML::Node node(std::string_view key) const;
  YAML::Mark mark(std::string_view key) const;  // the value's position, or the map's if absent
  const YAML::Mark& map_mark() const { return map_mark_; }

  // The value given, else the declared default; for a missing required key (already reported), 0 or "".
  std::int64_t integer(std::string_view key);
  double number(std::string_view key);
  double quantity(std::string_view key);  // SI base unit
  std::string string(std::string_view key);
  bool boolean(std::string_view key);
  // For parameters whose default is derived from other input, or that may be absent: the value given,
  // else `fallback`.
  std::int64_t integer_or(std::string_view key, std::int64_t fallback);
  // A list of integers in [min, max], each bad entry reported at its position (and clamped); empty if absent.
  std::vector<int> integer_list(std::string_view key, int min, int max);
  double number_or(std::string_view key, double fallback);
  double quantity_or(std::string_view key, double fallback_si);
  std::string string_or(std::string_view key, std::string fallback);

  // Every declared scalar parameter given in the mapping, checked and converted: what a policy is
  // configured with.
  ParamValues values();

  void error(std::string_view key, const std::string& message);
  Diagnostics& diagnostics() { return *diagnostics_; }
  const std::string& name() const { return name_; }

 private:
  const ParamSpec& spec(std::string_view key) const;
  // The declared default, or the neutral value when there is none; logic_error if the caller should have
  // passed a derived fallback.
  double default_number(const ParamSpec& s) const;
  // The value as a finite number, or nullopt (absent, or wrong: then reported as "must be <what>").
  std::optional<double> read_number(std::string_view key, const char* what);
  std::optional<double> read_integer(std::string_view key);
  std::optional<double> read_quantity(std::string_view key);
  std::optional<std::string> read_string(std::string_view key);
  std::optional<bool> read_boolean(std::string_view key);
  bool check_range(std::string_view key, double value);
  std::string where(std::string_view key) const;

  YAML::Node map_;
  std::string name_;
  std::span<const ParamSpec> specs_;
  Diagnostics* diagnostics_;
  YAML::Mark map_mark_;
  bool valid_ = false;
};

}  // namespace wattsim
